"""My progress in a real Chromium, desktop and 390×844 (screenshots in ``test-artifacts/web/``).

* Over real analyses: a user whose recording the whole system analysed twice opens the page from
  the nav and reads the latest attempt against the average, the personal bests and the charts.
* Two attempts side by side: against an API of its own (the AI backend is replaced at its HTTP
  edge: the test posts the signed COMPLETED callbacks, with schema-2 analyses whose answers name
  bank questions, what the pipeline makes once it receives the job's questions), the user
  filters by category and compares two attempts at one question: scores, measurements, feedback
  and both videos (the uploaded recording, from its signed link) at that answer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interview_jobs.contracts.callback import CALLBACK_PATH
from tests.api.conftest import CALLBACK_KEY, PASSWORD, WEBHOOK_SECRET
from tests.api.test_callback import signed
from tests.support.servers import free_port
from tests.support.system import (
    Process,
    RunningSystem,
    interview_clip,
    wait_for_status,
    wait_http,
)
from tests.web.support import DESKTOP, PHONE, Tab, expect, unique

pytestmark = [pytest.mark.slow, pytest.mark.browser]

QUESTIONS = [
    {"questionId": "beh-001", "startSeconds": 0},
    {"questionId": "mot-001", "startSeconds": 10},
]


def _two_attempts(system: RunningSystem, token: str) -> list[str]:
    """The same recording analysed twice with the same two questions, as two practice rounds."""
    jobs = []
    with system.api(token) as api, interview_clip().open("rb") as fh:
        file = api.post("/api/files", files={"file": ("round.mp4", fh, "video/mp4")}).json()
        for _ in range(2):
            r = api.post(
                "/api/interview/analyze", json={"fileId": file["id"], "questions": QUESTIONS}
            )
            assert r.status_code == 202, r.text
            jobs.append(r.json()["jobId"])
    for job_id in jobs:
        wait_for_status(system, token, job_id, {"COMPLETED"}, timeout=400)
    return jobs


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > page.viewport_size["width"]:  # name the elements that stick out
        wide = page.evaluate(
            "() => [...document.querySelectorAll('body *')].filter((e) => e.offsetParent !== null"
            " && e.getBoundingClientRect().right > innerWidth + 1).slice(0, 8)"
            ".map((e) => `${e.tagName}#${e.id}.${e.className} ${e.getBoundingClientRect().right}`)"
        )
        width = f"{width}px: {wide}"
    assert isinstance(width, int), f"the page scrolls sideways ({width})"


@pytest.fixture(scope="module")
def practised(live_system: RunningSystem) -> tuple[str, str, list[str]]:
    """A user who practised twice: (username, token, [first job, second job])."""
    username = unique("progress")
    token = live_system.register_and_login(username)
    return username, token, _two_attempts(live_system, token)


def _logged_in(tab: Tab, username: str, token: str) -> None:
    tab.page.goto("/")
    tab.page.evaluate(
        "([t, u]) => { sessionStorage.setItem('interviewJobs.token', t);"
        " sessionStorage.setItem('interviewJobs.username', u); }",
        [token, username],
    )


def test_no_progress_yet(browser: Any, live_system: RunningSystem) -> None:
    tab = Tab(browser, live_system, DESKTOP)
    try:
        tab.sign_up(unique("fresh"))
        tab.page.click("#nav-progress")
        expect(tab.page.locator("#progress-status")).to_contain_text("No completed interviews yet")
        expect(tab.page.locator("#progress-body")).to_be_hidden()
        assert tab.problems == []
    finally:
        tab.close()


def test_progress_over_real_analyses(
    browser: Any, live_system: RunningSystem, artifacts: Path, practised: tuple[str, str, list[str]]
) -> None:
    username, token, (first, second) = practised
    tab = Tab(browser, live_system, DESKTOP)
    try:
        page = tab.page
        _logged_in(tab, username, token)
        page.goto("/#/")
        page.click("#nav-progress")
        expect(page.locator("#progress-title")).to_be_focused()
        expect(page.locator("#nav-progress")).to_have_attribute("aria-current", "page")
        expect(page.locator("#progress-status")).to_have_text("2 completed interviews.")
        for measure in ("score", "contentScore", "deliveryScore", "wordsPerMinute"):
            expect(page.locator(f'#progress-table tr[data-measure="{measure}"]')).to_have_count(1)
        best = page.locator('#progress-table tr[data-measure="score"] a')
        assert best.get_attribute("href") in (f"#/jobs/{first}", f"#/jobs/{second}")
        expect(page.locator("#scores-chart canvas")).to_have_count(1)
        expect(page.locator("#measure-chart canvas")).to_have_count(1)
        page.select_option("#measure-select", "eyeContactRatio")
        expect(page.locator("#measure-chart .u-legend")).to_contain_text("Eye contact")
        page.screenshot(path=str(artifacts / "progress-real-desktop.png"), full_page=True)
        best.click()  # the best attempt's report
        expect(page.locator("#view-report")).to_be_visible()
        expect(page.locator("#report-body")).to_be_visible()
        assert tab.problems == []
    finally:
        tab.close()


# ---- two attempts side by side, against an API of the test's own ----
def _answer(index: int, qid: str, category: str, start: float, end: float, score: float,
            star: tuple[bool, ...], advice: str) -> dict[str, Any]:  # fmt: skip
    parts = ("situation", "task", "action", "result")
    return {
        "index": index,
        "question": {"text": f"Bank question {qid}?", "id": qid, "category": category},
        "start": start,
        "end": end,
        "score": score,
        "contentScore": score - 4,
        "deliveryScore": score + 4,
        "content": {
            "star": {p: {"present": on, "sentences": []} for p, on in zip(parts, star, strict=True)}
        },
        "delivery": {
            "wordsPerMinute": 120 + score / 2,
            "fillerWords": {"perMinute": 10 - score / 10},
            "pauses": {"count": 2},
            "eyeContactRatio": score / 100,
        },
        "feedback": [{"category": "content", "severity": "suggestion", "message": advice}],
    }


def _analysis(score: float, answers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemaVersion": 2,
        "analysisType": "comprehensive",
        "score": score,
        "contentScore": score - 4,
        "deliveryScore": score + 4,
        "summary": "Practice round.",
        "feedback": [],
        "metrics": {
            "durationSeconds": 20.0,
            "speech": {
                "wordsPerMinute": 140,
                "fillerWords": {"total": 2, "perMinute": 6.0},
                "pauses": {"count": 3},
            },
            "visual": {"eyeContactRatio": score / 100},
        },
        "timingsSeconds": {},
        "answers": answers,
    }


NO_RESULT = "Q1 has no Result: say what changed."
ROUNDS = [
    (58, [("beh-001", "behavioural", 0, 10, 52, (True, True, False, False), NO_RESULT),
          ("mot-001", "motivation", 10, 20, 64, (True, False, False, False), "Q2: why us?")]),
    (81, [("beh-001", "behavioural", 0, 10, 86, (True, True, True, True), "Q1: clear STAR."),
          ("mot-001", "motivation", 10, 20, 76, (True, False, True, False), "Q2: specific.")]),
]  # fmt: skip


@pytest.fixture(scope="module")
def own_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, list[str]]]:
    """An API process (SQLite, no AI backend) with a user who practised two rounds of the same
    two questions: (its URL, the user's token, [first job, second job])."""
    root = tmp_path_factory.mktemp("progress-api")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_JOBS_")}
    env.update(
        INTERVIEW_JOBS_DATA_DIR=str(root / "data"),
        INTERVIEW_JOBS_API_URL=url,
        INTERVIEW_JOBS_AI_URL="http://127.0.0.1:9",  # nothing listens: the test is the AI backend
        INTERVIEW_JOBS_DISPATCHER_ENABLED="false",
        INTERVIEW_JOBS_CALLBACK_API_KEY=CALLBACK_KEY,
        INTERVIEW_JOBS_WEBHOOK_SECRET=WEBHOOK_SECRET,
        INTERVIEW_JOBS_LOGIN_RATE_LIMIT_PER_MINUTE="1000",
    )
    api = Process("api", ["api", "--host", "127.0.0.1", "--port", str(port)], env, root, cwd=root,
                  inherit_env=False)  # fmt: skip
    api.start()
    try:
        wait_http(f"{url}/health", timeout=60, proc=api)
        with httpx.Client(base_url=url, timeout=30) as client:
            yield url, *_practise(client)
    finally:
        api.stop(timeout=20)


def _practise(client: httpx.Client) -> tuple[str, list[str]]:
    creds = {"username": "practiser", "password": PASSWORD}
    assert client.post("/api/auth/register", json=creds).status_code == 201
    token = client.post("/api/auth/login", json=creds).json()["accessToken"]
    auth = {"Authorization": f"Bearer {token}"}
    with interview_clip().open("rb") as fh:
        r = client.post("/api/files", files={"file": ("round.mp4", fh, "video/mp4")}, headers=auth)
    assert r.status_code == 201, r.text
    jobs = []
    for score, answers in ROUNDS:
        questions = [{"questionId": a[0], "startSeconds": a[2]} for a in answers]
        body = {"fileId": r.json()["id"], "questions": questions}
        job = client.post("/api/interview/analyze", json=body, headers=auth).json()["jobId"]
        analysis = _analysis(score, [_answer(i, *a) for i, a in enumerate(answers)])
        raw, headers = signed(
            {"jobId": job, "status": "COMPLETED", "analysisData": json.dumps(analysis)}
        )
        done = client.post(CALLBACK_PATH, content=raw, headers=headers)
        assert done.status_code == 200, done.text
        jobs.append(job)
    return token, jobs


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_compare_two_attempts_at_the_same_question(
    browser: Any,
    live_system: RunningSystem,
    artifacts: Path,
    own_api: tuple[str, str, list[str]],
    viewport: dict[str, int],
) -> None:
    api_url, token, (first, second) = own_api
    tab = Tab(browser, live_system, viewport, base_url=api_url)
    name = "desktop" if viewport is DESKTOP else "phone"
    try:
        page = tab.page
        _logged_in(tab, "practiser", token)
        page.goto("/#/progress")
        expect(page.locator("#progress-status")).to_have_text("2 completed interviews.")
        # latest (81) against the average (69.5): +12 (rounded), shown as better
        score_row = page.locator('#progress-table tr[data-measure="score"] td')
        expect(score_row.nth(0)).to_have_text("81")
        expect(score_row.nth(1)).to_have_text("70")
        expect(score_row.nth(2)).to_have_text("+12")
        expect(score_row.nth(2)).to_have_class("delta up")
        expect(score_row.nth(3).locator("a")).to_have_attribute("href", f"#/jobs/{second}")
        eye = page.locator('#progress-table tr[data-measure="eyeContactRatio"] td')
        expect(eye.nth(2)).to_have_text("+12 points")  # 81 % against 69.5 %
        expect(eye.nth(2)).to_have_class("delta up")
        star = page.locator('#progress-table tr[data-measure="starCompleteness"] td')
        expect(star.nth(0)).to_have_text("75 %")  # (4/4 + 2/4) / 2

        # Two questions asked twice; the first is compared at once, older attempt on the left.
        expect(page.locator("#compare-question option")).to_have_count(2)
        sides = page.locator("#compare .attempt")
        expect(sides).to_have_count(2)
        expect(sides.nth(0)).to_have_attribute("data-job-id", first)
        expect(sides.nth(1)).to_have_attribute("data-job-id", second)
        expect(page.locator("#compare-status")).to_contain_text("“Bank question")
        question = page.locator("#compare-status").inner_text()
        left, right = sides.nth(0), sides.nth(1)
        expect(left.locator(".attempt-figures dd").first).to_have_text(
            "52" if "beh-001" in question else "64"
        )
        expect(right.locator(".attempt-figures dd.better").first).to_be_visible()  # the higher
        expect(right.locator(".star-strip .star.on")).to_have_count(
            4 if "beh-001" in question else 2
        )
        expect(left.locator(".attempt-feedback li")).to_have_count(1)
        for side in (left, right):
            expect(side.locator(".video-note")).to_contain_text("Plays this answer")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#compare video')]"
            ".every((v) => v.readyState >= 1 && v.src.includes('#t='))",
            timeout=30_000,
        )
        _no_sideways_scroll(page)
        page.screenshot(path=str(artifacts / f"progress-compare-{name}.png"), full_page=True)

        # By category: only the behavioural answers count (52 then 86).
        page.select_option("#progress-category", "behavioural")
        expect(page.locator("#progress-status")).to_have_text(
            "2 completed interviews with behavioural questions."
        )
        expect(score_row.nth(0)).to_have_text("86")
        expect(score_row.nth(1)).to_have_text("69")
        expect(page.locator("#compare-question option")).to_have_count(1)
        expect(page.locator("#compare .attempt")).to_have_count(2)
        expect(sides.nth(0).locator(".attempt-feedback li")).to_have_text(NO_RESULT)
        # The attempts can be swapped in the pickers.
        page.select_option("#compare-a", "0")
        page.select_option("#compare-b", "1")
        expect(sides.nth(0)).to_have_attribute("data-job-id", second)
        expect(sides).to_have_count(2)  # two changes in a row: only the newest comparison shows
        _no_sideways_scroll(page)
        page.screenshot(
            path=str(artifacts / f"progress-compare-{name}-behavioural.png"), full_page=True
        )
        # Keyboard: the category filter and the pickers are reachable and labelled.
        page.focus("#progress-category")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") != "progress-category"
        assert tab.problems == []
    finally:
        tab.close()
