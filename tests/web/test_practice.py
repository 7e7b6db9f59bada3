"""Practising in the page, in a real headless Chromium whose camera and microphone are the test
media generator's face photo and Piper voice (Chromium's fake capture devices), against the whole
system (``interview-jobs up``).

A user practises two questions (with a retake), sends the session and watches it turn COMPLETED;
the joined video is decoded with PyAV: its length is the accepted takes' lengths added up and the
second answer starts where the request says. The report opens with the focus on its heading and
its timeline labels do not overlap on a phone. The same flow works with the keyboard alone. A
refused camera and a browser without MediaRecorder get clear messages and the upload form still
works. A network cut in the middle of the upload loses nothing: the session is sent again without
recording again, also after a reload (from IndexedDB). A browser that records MP4 only (Safari)
sends one job per answer. Screenshots go to ``test-artifacts/web/``.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.system import RunningSystem, interview_clip
from tests.web.support import DESKTOP, PHONE, CuttableLink, Tab, decode, expect, unique

pytestmark = [pytest.mark.slow, pytest.mark.browser]

QUESTIONS = ["Tell me about yourself.", "Describe a problem you solved at work."]
# Chromium's fake camera plays the Y4M at 15 frames per second.
FRAME = 1 / 15


@pytest.fixture
def camera_tab(camera_browser: Any, live_system: RunningSystem) -> Iterator[Tab]:
    t = Tab(camera_browser, live_system, DESKTOP)
    t.page.add_init_script(LIVE_LOG)
    yield t
    problems = list(t.problems)
    t.close()
    assert not problems, problems


# Everything said in the practice view's live region, in order (what a screen reader announces).
LIVE_LOG = """
window.__live = [];
document.addEventListener("DOMContentLoaded", () => {
  const el = document.querySelector("#practice-live");
  new MutationObserver(() => { if (el.textContent) window.__live.push(el.textContent); })
    .observe(el, { childList: true, characterData: true, subtree: true });
});
"""


def announced(page: Any) -> list[str]:
    return list(page.evaluate("window.__live"))


def go_practise(tab: Tab) -> None:
    page = tab.page
    page.click("#nav-practice")
    expect(page.locator("#view-practice")).to_be_visible()
    # The question bank (GET /api/questions) is offered, its categories by their labels.
    expect(page.locator("#source-bank-choice")).to_be_visible()
    expect(page.locator("#bank-note")).to_be_hidden()
    expect(page.locator("#bank-category option", has_text="Leadership")).to_have_count(1)


def record_take(page: Any, seconds: float) -> None:
    """Wait out the think time, record for ``seconds``, stop."""
    expect(page.locator("#stage-recording")).to_be_visible(timeout=15_000)
    page.wait_for_timeout(seconds * 1000)
    page.click("#rec-stop")
    expect(page.locator("#stage-review")).to_be_visible(timeout=15_000)


@dataclass
class StoredTake:
    data: bytes
    seconds: float  # what the page measured


def stored_takes(page: Any, username: str) -> list[list[StoredTake]]:
    """The user's unsent sessions as IndexedDB holds them: each a list of takes."""
    sessions = page.evaluate(
        """async (username) => {
            const store = await import("/static/js/uploads-store/idb.js");
            const read = (blob) => new Promise((resolve) => {
              const reader = new FileReader();
              // the type itself may hold a comma ("codecs=vp8,opus")
              reader.onload = () => resolve(reader.result.split(";base64,")[1]);
              reader.readAsDataURL(blob);
            });
            const out = [];
            for (const record of await store.unsentSessions(username)) {
              const takes = [];
              for (const take of record.takes) {
                if (take) takes.push({ b64: await read(take.blob), seconds: take.seconds });
              }
              out.push(takes);
            }
            return out;
        }""",
        username,
    )
    return [[StoredTake(base64.b64decode(t["b64"]), t["seconds"]) for t in s] for s in sessions]


def packet_times(path: Path) -> dict[str, list[float]]:
    """The container's timestamp of every packet, by stream kind, in file order."""
    import av

    out: dict[str, list[float]] = {"video": [], "audio": []}
    with av.open(str(path)) as container:
        for packet in container.demux(*container.streams):
            if packet.pts is not None and packet.time_base is not None:
                out[packet.stream.type].append(float(packet.pts * packet.time_base))
    return out


def uploaded_file(system: RunningSystem, token: str, file_id: int, path: Path) -> Path:
    with system.api(token) as api:
        response = api.get(f"/api/files/{file_id}/content")
        assert response.status_code == 200, response.text
        path.write_bytes(response.content)
    return path


def token_of(page: Any) -> str:
    token = page.evaluate("sessionStorage.getItem('interviewJobs.token')")
    assert token
    return str(token)


def assert_labels_apart(page: Any) -> None:
    boxes = page.evaluate(
        """() => {
            const axis = document.querySelector("#timeline .track.axis").getBoundingClientRect();
            const ticks = [...document.querySelectorAll("#timeline .tick")].map((t) => {
              const r = t.getBoundingClientRect();
              return { text: t.textContent, left: r.left, right: r.right };
            });
            return { axis: { left: axis.left, right: axis.right }, ticks };
        }"""
    )
    ticks = boxes["ticks"]
    assert len(ticks) >= 2, ticks
    for a, b in itertools.pairwise(ticks):
        assert a["right"] <= b["left"], f"labels overlap: {a} {b}"
    assert ticks[0]["left"] >= boxes["axis"]["left"] - 0.5
    assert ticks[-1]["right"] <= boxes["axis"]["right"] + 0.5, (ticks[-1], boxes["axis"])


def test_practise_two_questions_with_a_retake_and_read_the_report(
    camera_tab: Tab, live_system: RunningSystem, artifacts: Path, tmp_path: Path
) -> None:
    page = camera_tab.page
    username = unique("practice")
    camera_tab.sign_up(username)
    go_practise(camera_tab)
    page.screenshot(path=str(artifacts / "practice-setup.png"), full_page=True)
    page.fill("#own-questions", "\n".join(QUESTIONS))
    expect(page.locator("#think-seconds")).to_have_value("5")  # the default think time
    page.fill("#think-seconds", "2")
    page.click("#practice-start")

    # Question 1: the think time is shown (and not recorded), then the recording runs.
    expect(page.locator("#stage-question")).to_have_text(QUESTIONS[0])
    expect(page.locator("#stage-think")).to_be_visible()
    expect(page.locator("#stage-count")).to_have_text("Question 1 of 2")
    page.screenshot(path=str(artifacts / "practice-think.png"), full_page=True)
    expect(page.locator("#stage-recording")).to_be_visible(timeout=15_000)
    expect(page.locator("#rec-target")).to_contain_text("1:00–2:00")  # the default length
    page.wait_for_timeout(2500)
    expect(page.locator("#rec-verdict")).to_have_text("shorter than suggested so far")
    page.screenshot(path=str(artifacts / "practice-recording.png"), full_page=True)
    page.click("#rec-stop")
    expect(page.locator("#stage-review")).to_be_visible()
    first_try = stored_takes(page, username)[0][0]

    # The take plays back in the page.
    page.evaluate("document.querySelector('#take-view').play()")
    page.wait_for_function("() => document.querySelector('#take-view').currentTime > 0.5")
    page.evaluate("document.querySelector('#take-view').pause()")
    page.screenshot(path=str(artifacts / "practice-review.png"), full_page=True)

    # A retake replaces the first take.
    page.click("#review-retake")
    expect(page.locator("#stage-think")).to_be_visible()
    record_take(page, 4.5)
    retake = stored_takes(page, username)[0][0]
    assert retake.data != first_try.data
    assert retake.seconds > first_try.seconds + 1

    page.click("#review-next")
    expect(page.locator("#stage-question")).to_have_text(QUESTIONS[1])
    record_take(page, 3)
    expect(page.locator("#review-next")).to_have_text("Finish")
    page.click("#review-next")
    expect(page.locator("#practice-send")).to_be_visible()
    expect(page.locator("#send-takes li")).to_have_count(2)
    page.screenshot(path=str(artifacts / "practice-send.png"), full_page=True)
    takes = stored_takes(page, username)
    assert len(takes) == 1 and len(takes[0]) == 2
    lengths = []
    for i, take in enumerate(takes[0]):
        path = tmp_path / f"take{i}.webm"
        path.write_bytes(take.data)
        lengths.append(decode(path).seconds)
        # The page's length of a take (from its timestamps) is the decoder's, within a frame.
        assert abs(take.seconds - lengths[-1]) <= FRAME, (i, take.seconds, lengths[-1])
    assert takes[0][0].data == retake.data

    with page.expect_request(
        lambda r: r.url.endswith("/api/interview/analyze") and r.method == "POST"
    ) as caught:
        page.click("#send-button")
    request = caught.value
    assert request.headers.get("idempotency-key")
    body = json.loads(request.post_data or "{}")
    assert body["analysisType"] == "comprehensive"
    assert [q["text"] for q in body["questions"]] == QUESTIONS
    starts = [q["startSeconds"] for q in body["questions"]]
    assert starts[0] == 0
    assert abs(starts[1] - lengths[0]) <= 2 * FRAME, (starts, lengths)

    # Sent: the page goes to "My interviews", the job is there and the browser keeps nothing.
    expect(page.locator("#view-home")).to_be_visible(timeout=60_000)
    expect(page.locator("#flash")).to_contain_text("Your practice session was sent")
    assert stored_takes(page, username) == []
    row = page.locator(".job").first
    expect(row.locator(".job-title")).to_contain_text("practice-")
    job_id = row.get_attribute("data-job-id")
    # The job keeps the questions, with the times the page measured.
    with live_system.api(token_of(page)) as api:
        stored = api.get(f"/api/interview/job/{job_id}").json()["questions"]
    assert stored == [
        {"text": q["text"], "questionId": None, "startSeconds": q["startSeconds"]}
        for q in body["questions"]
    ]

    # The uploaded video is one WebM: both takes, one after the other, nothing re-encoded.
    joined = decode(uploaded_file(live_system, token_of(page), body["fileId"], tmp_path / "j.webm"))
    total = sum(lengths)
    assert abs(joined.video_end - total) <= 2 * FRAME, (joined, lengths)
    assert abs(joined.audio_end - total) <= 2 * FRAME, (joined, lengths)
    # The second take begins with its own key frame, exactly where the request says it starts.
    assert any(abs(k - starts[1]) <= FRAME for k in joined.keyframes), (joined.keyframes, starts)
    # Every block of the second take is where its own timestamps put it, moved on by exactly
    # the first take's length (the container's times, in milliseconds).
    joined_times, second_times = (
        packet_times(tmp_path / "j.webm"),
        packet_times(tmp_path / "take1.webm"),
    )
    for kind in ("video", "audio"):
        after = [t for t in joined_times[kind] if t >= starts[1] - 0.0005]
        assert len(after) == len(second_times[kind]), kind
        assert all(
            abs(a - (starts[1] + b)) <= 0.0015
            for a, b in zip(after, second_times[kind], strict=True)
        ), kind

    # Live status: the row turns COMPLETED by itself.
    expect(row).to_have_attribute("data-status", "COMPLETED", timeout=240_000)
    page.screenshot(path=str(artifacts / "practice-jobs.png"), full_page=True)
    row.get_by_role("link", name="Open report").click()
    expect(page.locator("#report-body")).to_be_visible()
    expect(page.locator("#report-title")).to_be_focused()
    with live_system.api(token_of(page)) as api:
        report = api.get(f"/api/interview/job/{job_id}/detail").json()["detailedAnalysis"]
    assert abs(report["metrics"]["durationSeconds"] - total) <= 0.5
    assert report["transcript"]["words"], "the fake microphone's speech was not recognised"
    # The report opens per answer: both questions, each with its answer from its start time.
    assert [a["question"]["text"] for a in report["answers"]] == QUESTIONS
    assert [a["start"] for a in report["answers"]] == pytest.approx(starts, abs=0.01)
    expect(page.locator("#answers > li.answer h3")).to_have_text(
        [f"Q{i + 1}{q}" for i, q in enumerate(QUESTIONS)]
    )
    page.wait_for_function("() => document.querySelector('#report-video').readyState >= 2")
    page.screenshot(path=str(artifacts / "practice-report.png"), full_page=True)

    # A phone: the timeline's time labels stand apart.
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    assert_labels_apart(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "practice-report-phone.png"), full_page=True)


def press_tab_until(page: Any, selector: str, limit: int = 80) -> None:
    """Tab (only the keyboard) until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_keyboard_only_practise_send_and_read_the_transcript(
    camera_tab: Tab, live_system: RunningSystem, artifacts: Path
) -> None:
    page = camera_tab.page
    username = unique("keys")
    page.goto("/")
    press_tab_until(page, "#auth-switch-link")
    page.keyboard.press("Enter")
    expect(page.locator("#auth-title")).to_have_text("Create an account")
    press_tab_until(page, "#auth-username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type("interview-pass-1")
    page.keyboard.press("Enter")
    expect(page.locator("#view-home")).to_be_visible()

    press_tab_until(page, "#nav-practice")
    page.keyboard.press("Enter")
    expect(page.locator("#practice-title")).to_be_focused()
    press_tab_until(page, "#own-questions")
    page.keyboard.type(QUESTIONS[0])
    press_tab_until(page, "#practice-start")  # the default think time: 5 s
    page.keyboard.press("Enter")
    # The think time can be cut short from the keyboard: the focus is on that button.
    expect(page.locator("#think-skip")).to_be_focused(timeout=15_000)
    page.keyboard.press("Enter")
    expect(page.locator("#rec-stop")).to_be_focused(timeout=15_000)
    page.wait_for_timeout(3000)
    page.keyboard.press("Enter")
    expect(page.locator("#review-next")).to_be_focused(timeout=15_000)
    page.keyboard.press("Tab")
    expect(page.locator("#review-retake")).to_be_focused()
    page.keyboard.press("Enter")  # a retake, by keyboard
    expect(page.locator("#think-skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#rec-stop")).to_be_focused(timeout=15_000)
    page.wait_for_timeout(4000)
    page.keyboard.press("Enter")
    expect(page.locator("#review-next")).to_have_text("Finish")
    expect(page.locator("#review-next")).to_be_focused(timeout=15_000)
    page.keyboard.press("Enter")
    expect(page.locator("#send-title")).to_be_focused()
    press_tab_until(page, "#send-button")
    page.keyboard.press("Enter")
    expect(page.locator("#view-home")).to_be_visible(timeout=60_000)

    # Recording start and stop were announced, once per take.
    said = announced(page)
    assert sum("Recording started" in s for s in said) == 2, said
    assert sum(s.startswith("Recording stopped") for s in said) == 2, said

    row = page.locator(".job").first
    expect(row).to_have_attribute("data-status", "COMPLETED", timeout=240_000)
    press_tab_until(page, f'.job[data-job-id="{row.get_attribute("data-job-id")}"] a.button')
    page.keyboard.press("Enter")
    expect(page.locator("#report-body")).to_be_visible()
    expect(page.locator("#report-title")).to_be_focused()

    # The transcript's words: one Tab stop, arrow keys between words, Enter plays from a word.
    press_tab_until(page, "#transcript .w")
    first = page.evaluate("document.activeElement.dataset.seconds")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    word = page.evaluate(
        "({ text: document.activeElement.textContent, at: document.activeElement.dataset.seconds })"
    )
    assert word["at"] != first
    page.wait_for_function("() => document.querySelector('#report-video').readyState >= 1")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "t => Math.abs(document.querySelector('#report-video').currentTime - t) < 0.3",
        arg=float(word["at"]),
        timeout=10_000,
    )
    page.evaluate("document.activeElement.scrollIntoView({ block: 'center' })")
    page.screenshot(path=str(artifacts / "keyboard-transcript.png"), full_page=False)
    # Shift+Tab leaves the words in one step (they are a single stop, not hundreds).
    page.keyboard.press("Shift+Tab")
    assert not page.evaluate("document.activeElement.matches('#transcript .w')")


def test_a_refused_camera_or_an_old_browser_gets_a_message_and_upload_still_works(
    refusing_browser: Any, live_system: RunningSystem, artifacts: Path
) -> None:
    tab = Tab(refusing_browser, live_system, DESKTOP)
    try:
        page = tab.page
        tab.sign_up(unique("nocamera"))
        go_practise(tab)
        page.fill("#own-questions", QUESTIONS[0])
        page.click("#practice-start")
        error = page.locator("#setup-error")
        expect(error).to_contain_text("may not use your camera and microphone")
        expect(error).to_contain_text("upload the video")
        expect(page.locator("#practice-stage")).to_be_hidden()
        page.screenshot(path=str(artifacts / "practice-camera-refused.png"), full_page=True)

        # The upload form works all the same.
        page.click("#nav-home")
        page.set_input_files("#file-input", str(interview_clip()))
        page.click("#submit-button")
        expect(page.locator(".job")).to_have_count(1, timeout=30_000)
        row = page.locator(".job").first
        row.get_by_role("button", name="Cancel").click()  # not analysed: nothing here needs it
        expect(row).to_have_attribute("data-status", "CANCELLED")
        assert not tab.problems, tab.problems
    finally:
        tab.close()

    # A browser without MediaRecorder: said at once, and "Start" is not offered.
    old = Tab(refusing_browser, live_system, DESKTOP)
    try:
        old.page.add_init_script("delete window.MediaRecorder")
        old.sign_up(unique("oldbrowser"))
        old.page.click("#nav-practice")
        expect(old.page.locator("#practice-support")).to_contain_text(
            "cannot record video in the page"
        )
        expect(old.page.locator("#practice-start")).to_be_disabled()
        expect(old.page.locator("#practice-support")).to_contain_text("upload the video")
        assert not old.problems, old.problems
    finally:
        old.close()


def test_a_network_cut_mid_upload_loses_nothing_and_is_retried_without_recording_again(
    camera_browser: Any, live_system: RunningSystem, artifacts: Path, tmp_path: Path
) -> None:
    port = int(live_system.url.rsplit(":", 1)[1])
    link = CuttableLink(port)
    tab = Tab(camera_browser, live_system, DESKTOP, base_url=link.url)
    try:
        page = tab.page
        username = unique("offline")
        tab.sign_up(username)
        go_practise(tab)
        page.fill("#own-questions", QUESTIONS[0])
        page.fill("#think-seconds", "0")
        page.click("#practice-start")
        record_take(page, 4)
        page.click("#review-next")
        expect(page.locator("#practice-send")).to_be_visible()
        [[take]] = stored_takes(page, username)

        # A slow upload, and the network goes away half-way through it.
        tab.limit_upload(len(take.data) / 5)
        page.click("#send-button")
        page.wait_for_function(
            "() => { const b = document.querySelector('#send-bar');"
            " return b.value > 0 && b.value < 100; }",
            timeout=15_000,
        )
        link.cut()
        error = page.locator("#send-error")
        expect(error).to_contain_text("The server cannot be reached", timeout=20_000)
        expect(error).to_contain_text("Your recording is kept in this browser")
        expect(page.locator("#send-button")).to_have_text("Try again")
        page.screenshot(path=str(artifacts / "practice-upload-cut.png"), full_page=True)
        [[kept]] = stored_takes(page, username)
        assert kept.data == take.data

        # Still cut: trying again fails the same way and still keeps the recording.
        page.click("#send-button")
        expect(error).to_contain_text("The server cannot be reached", timeout=20_000)

        # Back online, and the page reloaded: the unsent session is offered from IndexedDB.
        link.restore()
        tab.limit_upload(None)
        page.goto("/#/")
        expect(page.locator("#unsent-home")).to_be_visible()
        page.reload()
        expect(page.locator("#unsent-home")).to_be_visible()
        page.locator("#unsent-home a").click()
        expect(page.locator("#send-title")).to_have_text("An unsent practice session is waiting")
        expect(page.locator("#send-takes li")).to_have_count(1)
        page.screenshot(path=str(artifacts / "practice-unsent.png"), full_page=True)
        with page.expect_request(
            lambda r: r.url.endswith("/api/interview/analyze") and r.method == "POST"
        ) as caught:
            page.click("#send-button")
        body = json.loads(caught.value.post_data or "{}")
        expect(page.locator("#view-home")).to_be_visible(timeout=60_000)
        expect(page.locator(".job")).to_have_count(1)
        expect(page.locator("#unsent-home")).to_be_hidden()
        assert stored_takes(page, username) == []

        # What arrived is the take recorded before the cut: one answer, nothing recorded again.
        assert body["questions"] == [{"text": QUESTIONS[0], "startSeconds": 0}]
        token = token_of(page)
        got = uploaded_file(live_system, token, body["fileId"], tmp_path / "sent.webm")
        assert abs(decode(got).seconds - take.seconds) <= 2 * FRAME
        with live_system.api(token) as api:
            stored = api.get(f"/api/files/{body['fileId']}").json()
            assert stored["sha256"] == hashlib.sha256(got.read_bytes()).hexdigest()
            files = api.get("/api/files").json()
            assert len(files) == 1, files  # the cut uploads left no file behind
            job_id = page.locator(".job").first.get_attribute("data-job-id")
            api.post(f"/api/interview/job/{job_id}/cancel")  # not analysed: not needed here
        assert not tab.problems, tab.problems
    finally:
        tab.close()
        link.close()


# What Safari offers: MediaRecorder records MP4 only.
MP4_ONLY = """
const supported = MediaRecorder.isTypeSupported.bind(MediaRecorder);
MediaRecorder.isTypeSupported = (type) => !/webm/i.test(type) && supported(type);
"""


def test_a_browser_that_records_only_mp4_sends_one_job_per_answer(
    camera_browser: Any, live_system: RunningSystem, tmp_path: Path
) -> None:
    tab = Tab(camera_browser, live_system, DESKTOP)
    try:
        page = tab.page
        page.add_init_script(MP4_ONLY)
        username = unique("safari")
        tab.sign_up(username)
        go_practise(tab)
        page.fill("#own-questions", "\n".join(QUESTIONS))
        page.fill("#think-seconds", "0")
        page.click("#practice-start")
        record_take(page, 2.5)
        page.click("#review-next")
        record_take(page, 2.5)
        page.click("#review-next")
        expect(page.locator("#send-note")).to_contain_text(
            "each answer is sent as its own analysis"
        )
        bodies: list[dict[str, Any]] = []
        page.on(
            "request",
            lambda r: (
                bodies.append(json.loads(r.post_data or "{}"))
                if r.url.endswith("/api/interview/analyze") and r.method == "POST"
                else None
            ),
        )
        page.click("#send-button")
        expect(page.locator("#flash")).to_contain_text("Your 2 answers were sent", timeout=60_000)
        expect(page.locator(".job")).to_have_count(2)
        assert [b["questions"] for b in bodies] == [
            [{"text": QUESTIONS[0], "startSeconds": 0}],
            [{"text": QUESTIONS[1], "startSeconds": 0}],
        ]
        assert stored_takes(page, username) == []
        token = token_of(page)
        for i, body in enumerate(bodies):
            got = uploaded_file(live_system, token, body["fileId"], tmp_path / f"answer{i}.mp4")
            assert got.read_bytes()[4:8] == b"ftyp"
            assert decode(got).seconds > 2
        with live_system.api(token) as api:  # not analysed: nothing here needs it
            for job in api.get("/api/interview/jobs").json():
                api.post(f"/api/interview/job/{job['jobId']}/cancel")
        assert not tab.problems, tab.problems
    finally:
        tab.close()


def test_practise_a_question_of_the_bank(camera_tab: Tab, live_system: RunningSystem) -> None:
    """A category of the bank, one question at random: its suggested length is the timer's
    target, and the job keeps it by its bank id."""
    from interview_jobs.contracts.questions import Category, in_category

    page = camera_tab.page
    camera_tab.sign_up(unique("bank"))
    go_practise(camera_tab)
    page.check("#source-bank")
    expect(page.locator("#bank-fields")).to_be_visible()
    page.select_option("#bank-category", "leadership")
    page.fill("#bank-count", "1")
    page.fill("#think-seconds", "0")
    page.click("#practice-start")
    leadership = {q.text: q for q in in_category(Category.LEADERSHIP)}
    expect(page.locator("#stage-recording")).to_be_visible(timeout=15_000)
    asked = leadership[page.locator("#stage-question").inner_text()]
    low, high = (int(s) for s in asked.length_seconds)
    expect(page.locator("#rec-target")).to_contain_text(
        f"{low // 60}:{low % 60:02d}–{high // 60}:{high % 60:02d}"
    )
    page.wait_for_timeout(1500)
    page.click("#rec-stop")
    expect(page.locator("#stage-review")).to_be_visible(timeout=15_000)
    page.click("#review-next")
    expect(page.locator("#practice-send")).to_be_visible()
    with page.expect_request(
        lambda r: r.url.endswith("/api/interview/analyze") and r.method == "POST"
    ) as caught:
        page.click("#send-button")
    body = json.loads(caught.value.post_data or "{}")
    assert body["questions"] == [{"questionId": asked.id, "startSeconds": 0}]
    expect(page.locator("#view-home")).to_be_visible(timeout=60_000)
    job_id = page.locator(".job").first.get_attribute("data-job-id")
    with live_system.api(token_of(page)) as api:
        stored = api.get(f"/api/interview/job/{job_id}").json()["questions"]
        api.post(f"/api/interview/job/{job_id}/cancel")  # its analysis is not needed here
    assert stored == [{"text": asked.text, "questionId": asked.id, "startSeconds": 0.0}]
