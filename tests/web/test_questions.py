"""The interview's questions in the page, in a real headless Chromium against the whole system:
the analysis form picks questions from the bank (by category) or takes typed ones, with optional
times; a time that is not one, or beyond the video, is told in words; the job keeps the questions;
its report has an "Answers" section (each question with its time range, which plays the answer,
its figures and STAR strip; the strongest and weakest named) and shows hesitations as markers.
Screenshots go to ``test-artifacts/web/``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from interview_jobs.contracts.questions import Category, in_category
from tests.support.system import RunningSystem, interview_clip
from tests.web.support import DESKTOP, Tab, expect, unique

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def tab(browser: Any, live_system: RunningSystem) -> Iterator[Tab]:
    t = Tab(browser, live_system, DESKTOP)
    yield t
    problems = list(t.problems)
    t.close()
    # The 422 of the time beyond the video is an expected console error of the page's fetch.
    assert all("422" in p for p in problems), problems


def test_pick_and_type_questions_then_read_the_answers(
    tab: Tab, live_system: RunningSystem, artifacts: Path
) -> None:
    page = tab.page
    clip = interview_clip()  # 20 s
    tab.sign_up(unique("asked"))
    leadership = in_category(Category.LEADERSHIP)[0]

    # The bank loads when the questions are opened: categories by their labels.
    page.click("#questions-box summary")
    expect(page.locator("#bank-pick")).to_be_visible()
    expect(page.locator("#question-category option", has_text="Leadership")).to_have_count(1)
    page.select_option("#question-category", "leadership")
    expect(page.locator("#question-bank option").first).to_have_text(leadership.text)
    page.select_option("#question-bank", leadership.id)
    page.click("#question-add-bank")
    page.fill("#question-text", "Why do you want to join this team?")
    page.press("#question-text", "Enter")  # adds it, does not submit the form
    page.fill("#question-text", "A third one, removed again.")
    page.click("#question-add-text")
    expect(page.locator("#question-list li")).to_have_count(3)
    page.fill("#question-time-1", "0:00")
    page.fill("#question-time-2", "abc")
    page.click("#question-list li:nth-child(3) .q-remove")
    expect(page.locator("#question-list li")).to_have_count(2)
    expect(page.locator("#question-time-2")).to_have_value("abc")  # kept across the removal
    tab.drop_file("#dropzone", clip.name, clip.read_bytes(), "video/mp4")
    expect(page.locator("#file-info")).to_contain_text(clip.name)

    page.click("#submit-button")
    expect(page.locator("#submit-error")).to_have_text(
        "Question 2's time “abc” is not a time like 1:05 (or seconds)."
    )
    expect(page.locator("#question-time-2")).to_be_focused()

    # Beyond the 20 s upload: the API's 422, told with the question's number.
    page.fill("#question-time-2", "0:30")
    page.click("#submit-button")
    expect(page.locator("#submit-error")).to_contain_text(
        "Question 2's time: 30.0 is beyond the video (20.0 s)", timeout=30_000
    )
    page.screenshot(path=str(artifacts / "questions-form.png"), full_page=True)

    page.fill("#question-time-2", "10")
    uploads: list[str] = []
    page.on("request", lambda r: uploads.append(r.url) if r.url.endswith("/api/files") else None)
    with page.expect_request(
        lambda r: r.url.endswith("/api/interview/analyze") and r.method == "POST"
    ) as caught:
        page.click("#submit-button")
    body = json.loads(caught.value.post_data or "{}")
    assert body["questions"] == [
        {"questionId": leadership.id, "startSeconds": 0},
        {"text": "Why do you want to join this team?", "startSeconds": 10},
    ]
    expect(page.locator(".job")).to_have_count(1, timeout=30_000)
    assert uploads == [], "the file uploaded by the refused try is used again"
    expect(page.locator("#question-list li")).to_have_count(0)  # the form starts afresh
    job_id = tab.newest_job_id()
    token = page.evaluate("sessionStorage.getItem('interviewJobs.token')")
    with live_system.api(token) as api:
        stored = api.get(f"/api/interview/job/{job_id}").json()["questions"]
    assert stored == [
        {"text": leadership.text, "questionId": leadership.id, "startSeconds": 0.0},
        {"text": "Why do you want to join this team?", "questionId": None, "startSeconds": 10.0},
    ]

    row = tab.row(job_id)
    expect(row).to_have_attribute("data-status", "COMPLETED", timeout=240_000)
    row.get_by_role("link", name="Open report").click()
    expect(page.locator("#report-body")).to_be_visible()
    with live_system.api(token) as api:
        report = api.get(f"/api/interview/job/{job_id}/detail").json()["detailedAnalysis"]
    answers = report["answers"]
    assert [a["question"]["text"] for a in answers] == [s["text"] for s in stored]

    # One item per answer: its question, its time range, its scores.
    items = page.locator("#answers > li.answer")
    expect(items).to_have_count(2)
    for item, answer in zip([items.nth(0), items.nth(1)], answers, strict=True):
        expect(item.locator("h3")).to_contain_text(answer["question"]["text"])
        expect(item.locator(".answer-scores strong").first).to_have_text(
            str(round(answer["score"]))
        )
        parts = 4 if answer["content"]["star"] is not None else 0
        expect(item.locator(".star-part")).to_have_count(parts)
        expect(item.locator(".feedback > li")).to_have_count(max(1, len(answer["feedback"])))
    best = max(answers, key=lambda a: a["score"])
    worst = min(answers, key=lambda a: a["score"])
    if round(best["score"]) != round(worst["score"]):
        expect(page.locator("#answers-summary")).to_contain_text(
            f"Strongest answer: Q{best['index'] + 1}"
        )
        expect(page.locator("#answers-summary")).to_contain_text(f"weakest: Q{worst['index'] + 1}")
        expect(items.nth(best["index"]).locator(".answer-tag")).to_have_text("strongest")

    # The second question's time plays its answer.
    second = items.nth(1).locator("button.answer-time")
    page.wait_for_function("() => document.querySelector('#report-video').readyState >= 1")
    second.click()
    page.wait_for_function(
        "t => Math.abs(document.querySelector('#report-video').currentTime - t) < 0.3",
        arg=answers[1]["start"],
        timeout=10_000,
    )

    # STAR sentences are underlined in the transcript; hesitations are markers, not words.
    words = report["transcript"]["words"]
    starred = sum(
        len(part["sentences"])
        for a in answers
        if a["content"]["star"]
        for part in a["content"]["star"].values()
    )
    assert (page.locator("#transcript .w[data-star]").count() > 0) == (starred > 0)
    hesitations = [w for w in words if w.get("kind") == "hesitation"]
    expect(page.locator("#transcript .w.hesitation")).to_have_count(len(hesitations))
    for marker in page.locator("#transcript .w.hesitation").all():
        assert (marker.get_attribute("aria-label") or "").startswith("hesitation at ")
    page.locator("#answers-section").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "report-answers.png"), full_page=True)
