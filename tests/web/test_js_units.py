"""The page's pure JS modules run under Node: the SSE parser and file checks (with the same cases
as the Python client's parser), the WebM joiner of practice takes (its output decoded with PyAV),
the practice session's rules, and the camera's error messages."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from interview_jobs.api.web import STATIC_DIR
from tests.conftest import require
from tests.web.support import decode


def run_module(source: str) -> object:
    node = shutil.which("node")
    require(node is not None, "Node.js is not installed")
    assert node is not None
    done = subprocess.run(
        [node, "--input-type=module", "-e", source],
        cwd=STATIC_DIR / "js",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


SSE = (STATIC_DIR / "js" / "sse.js").as_uri()
MEDIA = (STATIC_DIR / "js" / "media.js").as_uri()
WEBM = (STATIC_DIR / "js" / "webm.js").as_uri()
PLAN = (STATIC_DIR / "js" / "practice-plan.js").as_uri()
RECORDER = (STATIC_DIR / "js" / "recorder.js").as_uri()
ACTIVITY = (STATIC_DIR / "js" / "activity.js").as_uri()
FPS = 15


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_sse_parser_any_line_ending_and_chunking(newline: str) -> None:
    n = newline
    text = (
        f"retry: 2000{n}{n}: keep-alive{n}{n}event: status{n}data: a{n}{n}"
        f"data: one{n}data:two{n}id: 7{n}{n}event: deleted{n}data{n}{n}"
    )
    source = f"""
        import {{ SSEParser }} from {json.dumps(SSE)};
        const text = {json.dumps(text)};
        const out = {{}};
        for (const size of [1, 2, 3, 7, text.length]) {{
          const p = new SSEParser();
          let events = [];
          for (let i = 0; i < text.length; i += size) {{
            events = events.concat(p.feed(text.slice(i, i + size)));
          }}
          out[size] = {{ events, retry: p.retry }};
        }}
        console.log(JSON.stringify(out));
    """
    result = run_module(source)
    assert isinstance(result, dict)
    expected = [
        {"event": "status", "data": "a", "id": ""},
        {"event": "message", "data": "one\ntwo", "id": "7"},
        {"event": "deleted", "data": "", "id": "7"},
    ]
    for size, parsed in result.items():
        assert parsed == {"events": expected, "retry": 2000}, size


def test_video_sniffing_matches_the_server() -> None:
    from interview_jobs.contracts.media import sniff_container

    samples = {
        "mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00",
        "mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00",
        "old_mov": b"\x00\x00\x00\x08wide\x00\x00\x00\x00",
        "webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm",
        "text": b"These are my notes, not a video.",
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "short": b"\x00\x00",
    }
    source = f"""
        import {{ sniffContainer, checkVideoUrl }} from {json.dumps(MEDIA)};
        const samples = {json.dumps({k: list(v) for k, v in samples.items()})};
        const out = {{}};
        for (const [name, bytes] of Object.entries(samples)) {{
          out[name] = sniffContainer(Uint8Array.from(bytes));
        }}
        out.urls = ["https://x.example/a.mp4", "ftp://x/a.mp4", "not a url"].map(checkVideoUrl);
        console.log(JSON.stringify(out));
    """
    result = run_module(source)
    assert isinstance(result, dict)
    for name, head in samples.items():
        assert result[name] == sniff_container(head), name
    ok, ftp, garbage = result["urls"]
    assert ok is None
    assert "http:// or https://" in ftp
    assert "not a valid address" in garbage


def join(out: Path, *takes: Path) -> dict[str, object]:
    """webm.js's joinTakeBytes over files; the joined file is written to ``out``."""
    source = f"""
        import {{ readFileSync, writeFileSync }} from "node:fs";
        import {{ joinTakeBytes }} from {json.dumps(WEBM)};
        const files = {json.dumps([str(t) for t in takes])};
        const takes = files.map((f) => new Uint8Array(readFileSync(f)));
        try {{
          const joined = joinTakeBytes(takes);
          writeFileSync({json.dumps(str(out))}, joined.bytes);
          const {{ startSeconds, takeSeconds, durationSeconds }} = joined;
          console.log(JSON.stringify({{ startSeconds, takeSeconds, durationSeconds }}));
        }} catch (error) {{
          const {{ name, kind, message }} = error;
          console.log(JSON.stringify({{ error: name, kind, message }}));
        }}
    """
    result = run_module(source)
    assert isinstance(result, dict)
    return result


@pytest.fixture(scope="module")
def takes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small VP8 + Opus WebM files as a muxer writes them (known sizes, Cues, SeekHead, Tags,
    BlockGroups): the other shape next to MediaRecorder's (unknown sizes, SimpleBlocks), which
    the browser tests join."""
    from tests.media.generate import make_clip

    d = tmp_path_factory.mktemp("takes")
    out = {
        "three": d / "three.webm",
        "two": d / "two.webm",
        "small": d / "small.webm",
    }
    make_clip(out["three"], 3.0, fps=FPS, speech=False)
    make_clip(out["two"], 2.0, fps=FPS, speech=False)
    make_clip(out["small"], 2.0, fps=FPS, width=320, height=180, speech=False)
    out["audio_first"] = d / "audio_first.webm"
    write_audio_first(out["audio_first"], 2.0)
    return out


def write_audio_first(path: Path, seconds: float) -> None:
    """A VP8 + Opus WebM whose track 1 is the audio: how a MediaRecorder numbers its tracks when
    the sound's first data arrives before the picture's."""
    from fractions import Fraction

    import av
    import numpy as np

    from tests.media.generate import render_frame

    with av.open(str(path), mode="w") as out:
        audio = out.add_stream("libopus", rate=48000)
        audio.layout = "mono"
        video = out.add_stream("libvpx", rate=FPS)
        video.width, video.height, video.pix_fmt = 480, 270, "yuv420p"
        samples = np.zeros((1, int(seconds * 48000)), dtype=np.int16)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 48000, 0, Fraction(1, 48000)
        out.mux(audio.encode(frame))
        out.mux(audio.encode(None))
        picture = render_frame("present", 0.0, 480, 270)
        for i in range(round(seconds * FPS)):
            image = av.VideoFrame.from_ndarray(picture, format="rgb24")
            image.pts = i
            out.mux(video.encode(image))
        out.mux(video.encode(None))


def test_takes_are_joined_into_one_webm_that_decodes_end_to_end(
    takes: dict[str, Path], tmp_path: Path
) -> None:
    import av

    lengths = [decode(takes[name]).seconds for name in ("three", "two", "three")]
    out = tmp_path / "joined.webm"
    result = join(out, takes["three"], takes["two"], takes["three"])
    assert "error" not in result, result
    starts = result["startSeconds"]
    assert isinstance(starts, list)
    joined = decode(out)
    total = sum(lengths)
    frame = 1 / FPS
    assert abs(joined.video_end - total) <= 2 * frame, (joined, lengths)
    assert abs(joined.audio_end - total) <= 2 * frame, (joined, lengths)
    assert starts[0] == 0
    for k in (1, 2):
        # each take starts where the ones before it end, with its own key frame there
        assert abs(starts[k] - sum(lengths[:k])) <= frame, (starts, lengths)
        assert any(abs(t - starts[k]) <= frame for t in joined.keyframes), joined.keyframes
    # The Duration a live recorder cannot write is there: players show the length.
    with av.open(str(out)) as container:
        assert container.duration is not None
        assert abs(container.duration / 1e6 - float(str(result["durationSeconds"]))) < 0.01


def test_a_take_with_its_tracks_numbered_the_other_way_round_is_renumbered(
    takes: dict[str, Path], tmp_path: Path
) -> None:
    lengths = [decode(takes[name]).seconds for name in ("two", "audio_first")]
    out = tmp_path / "joined.webm"
    result = join(out, takes["two"], takes["audio_first"])
    assert "error" not in result, result
    joined = decode(out)
    frame = 1 / FPS
    # Had the second take's blocks kept their numbers, its sound would be decoded as picture
    # and its picture as sound: the decoded lengths of both streams show they were not.
    assert abs(joined.video_end - sum(lengths)) <= 2 * frame, (joined, lengths)
    assert abs(joined.audio_end - sum(lengths)) <= 2 * frame, (joined, lengths)
    starts = result["startSeconds"]
    assert isinstance(starts, list)
    assert any(abs(t - starts[1]) <= frame for t in joined.keyframes), joined.keyframes


def test_takes_with_other_settings_are_not_joined(takes: dict[str, Path], tmp_path: Path) -> None:
    result = join(tmp_path / "x.webm", takes["two"], takes["small"])
    assert result["kind"] == "mismatch", result
    message = str(result["message"])
    assert "Take 2" in message and "320×180" in message and "480×270" in message
    assert "camera changed" in message


def test_a_damaged_or_foreign_take_is_named(takes: dict[str, Path], tmp_path: Path) -> None:
    cut = tmp_path / "cut.webm"
    data = takes["two"].read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    notes = tmp_path / "notes.webm"
    notes.write_text("not a video at all\n" * 10)
    for bad in (cut, notes):
        result = join(tmp_path / "x.webm", takes["two"], bad)
        assert result["kind"] == "damaged", result
        assert str(result["message"]).startswith("Take 2 "), result


OWN_TEXT = "  First?\r\n\n Second? \n"


def real_bank_answer() -> dict[str, Any]:
    """GET /api/questions's body, made by the endpoint's own response model from the real bank."""
    from interview_jobs.api.questions.schemas import CATEGORY_LABELS, CategoryOut, QuestionBankOut
    from interview_jobs.contracts.questions import Category, bank

    counts = {c: sum(1 for q in bank() if q.category is c) for c in Category}
    body = QuestionBankOut(
        categories=[CategoryOut(id=c, label=CATEGORY_LABELS[c], count=counts[c]) for c in Category],
        questions=list(bank()),
    )
    return body.model_dump(mode="json", by_alias=True)


def test_practice_session_rules() -> None:
    from interview_jobs.contracts.questions import bank

    answer = real_bank_answer()
    source = f"""
        import * as plan from {json.dumps(PLAN)};
        const answer = {json.dumps(answer)};
        const bank = plan.bankQuestions(answer);
        let seed = 1;
        const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
        console.log(JSON.stringify({{
          own: plan.parseQuestions({json.dumps(OWN_TEXT)}),
          bank,
          categories: plan.bankCategories(answer),
          odd: plan.bankQuestions({{ questions: [{{ id: 9, text: "x" }}, {{ id: "a" }}] }}),
          badRange: plan.lengthRange({{ lengthSeconds: [0, 10] }}),
          picked: plan.pickQuestions(bank, "motivation", 3, random).map((q) => q.category),
          any: plan.pickQuestions(bank, "", 2, random).length,
          payload: plan.questionsPayload([bank[0], {{ text: "Mine" }}], [0, 42.12345]),
          untimed: plan.questionsPayload([{{ text: "Mine" }}]),
          verdicts: [10, 60, 121].map((s) => plan.lengthVerdict(s, plan.DEFAULT_LENGTH)),
          clocks: ["", " 1:05 ", "65", "12.5", "1:02:03.5", "0:75", "1:60:00", "abc", "1:"]
            .map((t) => String(plan.parseClock(t))),
          retried: plan.questionsOfJob({{ questions: [
            {{ text: "Bank text", questionId: "beh-001", startSeconds: 0 }},
            {{ text: "Mine", questionId: null, startSeconds: null }}] }}),
          notRetried: [plan.questionsOfJob({{ questions: null }}), plan.questionsOfJob({{}})],
          problem: plan.questionProblem(
            "questions[1].startSeconds: 30.0 is not after 45.0; questions[0].text: text is empty"),
        }}));
    """
    result = run_module(source)
    assert isinstance(result, dict)
    assert result["retried"] == [{"questionId": "beh-001", "startSeconds": 0}, {"text": "Mine"}]
    assert result["notRetried"] == [None, None]
    assert result["clocks"] == ["null", "65", "65", "12.5", "3723.5", "NaN", "NaN", "NaN", "NaN"]
    assert result["problem"] == (
        "Question 2's time: 30.0 is not after 45.0; Question 1: text is empty"
    )
    assert result["own"] == [
        {"text": "First?", "minSeconds": 60, "maxSeconds": 120},
        {"text": "Second?", "minSeconds": 60, "maxSeconds": 120},
    ]
    assert [
        (q["questionId"], q["text"], q["category"], q["form"], q["minSeconds"], q["maxSeconds"])
        for q in result["bank"]
    ] == [
        (q.id, q.text, q.category.value, q.form, q.length_seconds[0], q.length_seconds[1])
        for q in bank()
    ]
    assert [c["id"] for c in result["categories"]] == [
        c["id"] for c in answer["categories"] if c["count"] > 0
    ]
    assert all(c["label"] for c in result["categories"])
    assert result["odd"] == []  # an id that is not a string, an empty text
    assert result["badRange"] == {"minSeconds": 60, "maxSeconds": 120}  # the default
    motivation = sum(1 for q in bank() if q.category.value == "motivation")
    assert result["picked"] == ["motivation"] * min(3, motivation)
    assert result["any"] == 2
    assert result["payload"] == [
        {"questionId": bank()[0].id, "startSeconds": 0},
        {"text": "Mine", "startSeconds": 42.123},
    ]
    assert result["untimed"] == [{"text": "Mine"}]
    assert result["verdicts"] == ["short", "good", "long"]


def test_camera_problems_are_told_in_words() -> None:
    source = f"""
        import {{ cameraErrorMessage, pickMimeType, recordingProblem }} from {json.dumps(RECORDER)};
        const recorder = (types) => {{
          const R = function () {{}};
          R.isTypeSupported = (t) => types.includes(t);
          return R;
        }};
        const env = (over) => ({{
          isSecureContext: true,
          navigator: {{ mediaDevices: {{ getUserMedia() {{}} }} }},
          MediaRecorder: recorder(["video/webm;codecs=vp9,opus", "video/webm;codecs=vp8,opus"]),
          ...over,
        }});
        console.log(JSON.stringify({{
          messages: ["NotAllowedError", "NotFoundError", "NotReadableError", "Weird"].map(
            (name) => cameraErrorMessage({{ name, message: "details" }})),
          ok: recordingProblem(env({{}})),
          insecure: recordingProblem(env({{ isSecureContext: false }})),
          noDevices: recordingProblem(env({{ navigator: {{}} }})),
          noRecorder: recordingProblem(env({{ MediaRecorder: undefined }})),
          noFormat: recordingProblem(env({{ MediaRecorder: recorder(["video/ogg"]) }})),
          preferred: pickMimeType(env({{}}).MediaRecorder),
          safari: pickMimeType(recorder(["video/mp4"])),
        }}));
    """
    result = run_module(source)
    assert isinstance(result, dict)
    refused, missing, busy, other = result["messages"]
    assert "may not use your camera and microphone" in refused
    assert "No camera or microphone was found" in missing
    assert "in use by another program" in busy
    assert "details" in other
    for text in result["messages"]:
        assert "upload the video" in text  # the way that still works
    assert result["ok"] is None
    assert "secure (https://) page" in result["insecure"]
    assert "does not let the page use a camera" in result["noDevices"]
    assert "cannot record video in the page" in result["noRecorder"]
    assert "WebM or MP4" in result["noFormat"]
    assert result["preferred"] == "video/webm;codecs=vp8,opus"
    assert result["safari"] == "video/mp4"


def test_a_running_job_says_what_it_is_doing_and_the_time_left() -> None:
    now = "2026-12-02T05:00:00Z"
    source = f"""
        import {{ activityText }} from {json.dumps(ACTIVITY)};
        const now = Date.parse({json.dumps(now)});
        const at = (s) => new Date(now + s * 1000).toISOString();
        const run = (phase, progress, s) =>
          ({{ status: "PROCESSING", phase, progress, estimatedCompletionTime: at(s) }});
        const jobs = [
          {{ status: "PENDING", phase: "queued", estimatedCompletionTime: at(300) }},
          {{ status: "PENDING", phase: null, estimatedCompletionTime: null }},
          run("downloading", 0, 30),
          run("analysing", 40, 5400),
          run("scoring", 95, -5),
          {{ status: "PROCESSING", progress: 10 }},
        ];
        console.log(JSON.stringify(jobs.map((j) => activityText(j, now))));
    """
    assert run_module(source) == [
        "Queued… · about 5 min left",
        "Queued…",
        "Downloading the video… · less than a minute left",
        "Analysing 40 % · about 1.5 h left",
        "Scoring 95 % · less than a minute left",
        "Analysing 10 %",
    ]


def test_a_job_whose_upload_was_deleted_is_told_from_its_url() -> None:
    source = f"""
        import {{ uploadDeleted }} from {json.dumps(ACTIVITY)};
        console.log(JSON.stringify([
          uploadDeleted({{ fileId: null, videoUrl: "http://127.0.0.1:8000/api/files/12/content" }}),
          uploadDeleted({{ fileId: 12, videoUrl: "http://127.0.0.1:8000/api/files/12/content" }}),
          uploadDeleted({{ fileId: null, videoUrl: "https://videos.example.com/a.mp4" }}),
          uploadDeleted({{ fileId: null, videoUrl: "https://x.example/api/files/3/content?x=1" }}),
        ]));
    """
    assert run_module(source) == [True, False, False, False]
