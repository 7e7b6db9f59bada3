"""`interview-jobs analyze`: JSON on stdout, progress on stderr, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from interview_jobs.contracts.analysis import AnalysisResult
from tests.media.generate import GroundTruth

CLI = [sys.executable, "-m", "interview_jobs.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "INTERVIEW_JOBS_ASR_MODEL": "tiny.en"}


def test_json_output_is_exactly_the_analysis(clip_webm: GroundTruth) -> None:
    run = subprocess.run(
        [*CLI, "analyze", clip_webm.path, "--json"],
        capture_output=True, text=True, env=_env(), timeout=180, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    AnalysisResult.model_validate(result)
    assert result["analyzer"]["asrModel"] == "tiny.en"
    assert "100% done" in run.stderr  # progress goes to stderr


def test_readable_report_and_options(clip_webm: GroundTruth) -> None:
    run = subprocess.run(
        [*CLI, "analyze", clip_webm.path, "--type", "speech", "--model", "tiny.en", "-q"],
        capture_output=True, text=True, env=_env(), timeout=180, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Speech analysis" in run.stdout and "filler words" in run.stdout
    assert "Answers" in run.stdout  # the one answer of a recording without questions
    assert "Picture" not in run.stdout


def test_bad_input_exit_code_and_message(tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video")
    run = subprocess.run(
        [*CLI, "analyze", str(notes), "--json"],
        capture_output=True, text=True, env=_env(), timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 2 and run.stdout == ""
    assert "not_a_video" in run.stderr and "not a video" in run.stderr
    assert "notes.mp4" in run.stderr  # names the file
    missing = subprocess.run(
        [*CLI, "analyze", str(tmp_path / "nope.mp4")],
        capture_output=True, text=True, env=_env(), timeout=60, check=False,
    )  # fmt: skip
    assert missing.returncode == 2 and "nope.mp4" in missing.stderr


def test_model_problem_has_its_own_exit_code(clip_webm: GroundTruth, tmp_path: Path) -> None:
    run = subprocess.run(
        [*CLI, "analyze", clip_webm.path, "--model", str(tmp_path / "nope")],
        capture_output=True, text=True, env=_env(), timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 3 and "model_missing" in run.stderr


def test_help_is_fast() -> None:
    started = time.perf_counter()
    run = subprocess.run([*CLI, "analyze", "--help"], capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "--json" in run.stdout
    assert time.perf_counter() - started < 5


def test_questions_offline(clip_webm: GroundTruth, tmp_path: Path) -> None:
    """--question / --questions-file: resolved against the bank by the root CLI (the analysis
    room cannot read it), an answer per question; a time beyond the video is refused first."""
    from interview_jobs.contracts.questions import find

    known = find("beh-001")
    assert known is not None
    listed = tmp_path / "questions.txt"
    listed.write_text(f"0:00 {known.id}\n")
    run = subprocess.run(
        [*CLI, "analyze", clip_webm.path, "--type", "speech", "--json",
         "--questions-file", str(listed), "--question", "0:10 Why this team?"],
        capture_output=True, text=True, env=_env(), timeout=180, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    answers = json.loads(run.stdout)["answers"]
    assert [(a["question"]["text"], a["question"].get("id")) for a in answers] == [
        (known.text, known.id),
        ("Why this team?", None),
    ]
    assert answers[1]["start"] == 10

    late = subprocess.run(
        [*CLI, "analyze", clip_webm.path, "--question", "Why?", "--question", "0:25 And?"],
        capture_output=True, text=True, env=_env(), timeout=60, check=False,
    )  # fmt: skip
    assert late.returncode == 2 and late.stdout == ""
    assert "questions[1].startSeconds 25.0 is beyond the video (20.0 s)" in late.stderr
