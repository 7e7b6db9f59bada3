"""The CLI client as a user runs it (``interview-jobs …`` subprocesses) against the whole system:
sign-up and log-in (token file 0600), submit --wait --json, jobs, report, and the exit codes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from interview_jobs.contracts.questions import find
from tests.support.system import RunningSystem, interview_clip

pytestmark = pytest.mark.slow

PASSWORD = "cli-password-1"
UNREACHABLE_VIDEO = "http://127.0.0.1:9/interview.mp4"


class Cli:
    def __init__(self, system: RunningSystem, config_home: Path) -> None:
        self.system = system
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_JOBS_")}
        self.env["XDG_CONFIG_HOME"] = str(config_home)
        self.env["INTERVIEW_JOBS_API_URL"] = system.url
        self.env["COLUMNS"] = "120"
        self.config_home = config_home

    def __call__(
        self, *args: str, stdin: str | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "interview_jobs.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="module")
def cli(live_system: RunningSystem, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    runner = Cli(live_system, tmp_path_factory.mktemp("config"))
    username = f"cli-{uuid.uuid4().hex[:8]}"
    done = runner("signup", "--username", username, "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert f"as {username}" in done.stderr
    return runner


def test_login_keeps_the_token_in_a_private_file(cli: Cli) -> None:
    path = cli.config_home / "interview-jobs" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())["servers"]
    assert list(stored) == [cli.system.url]

    wrong = cli("login", "--username", "nobody-here", "--password-stdin", stdin="wrong-pass\n")
    assert wrong.returncode == 3
    assert "Invalid username or password." in wrong.stderr
    # A failed login leaves the stored one alone.
    assert json.loads(path.read_text())["servers"] == stored


def test_submit_wait_json_then_jobs_and_report(cli: Cli) -> None:
    clip = interview_clip()
    done = cli("submit", str(clip), "--type", "speech", "--wait", "--json")
    assert done.returncode == 0, done.stderr
    detail: dict[str, Any] = json.loads(done.stdout)  # stdout is JSON only
    assert detail["status"] == "COMPLETED"
    assert detail["analysisType"] == "speech"
    report = detail["detailedAnalysis"]
    assert 0 <= report["score"] <= 100
    assert report["transcript"]["words"]
    assert "visual" not in report["metrics"]
    job_id = detail["jobId"]
    assert "upload" in done.stderr and "completed" in done.stderr

    listed = cli("jobs")
    assert listed.returncode == 0, listed.stderr
    assert job_id in listed.stdout and "COMPLETED" in listed.stdout and clip.name in listed.stdout
    [line] = [line for line in listed.stdout.splitlines() if job_id in line]
    assert f" {round(report['score'])} " in line  # the score column

    only = cli("jobs", "--status", "completed", "--json")
    assert only.returncode == 0
    assert [j["jobId"] for j in json.loads(only.stdout)] == [job_id]

    shown = cli("report", job_id)
    assert shown.returncode == 0, shown.stderr
    assert f"Score {round(report['score'])} / 100" in shown.stdout
    assert "Feedback" in shown.stdout and "Transcript" in shown.stdout

    as_json = cli("report", job_id, "--json")
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout)["detailedAnalysis"] == report


def test_exit_codes(cli: Cli, tmp_path: Path) -> None:
    failed = cli("submit", UNREACHABLE_VIDEO, "--wait")
    assert failed.returncode == 1, failed.stderr
    assert "FAILED" in failed.stderr and "private" in failed.stderr

    queued = cli("submit", UNREACHABLE_VIDEO, "--json")
    assert queued.returncode == 0
    assert json.loads(queued.stdout)["status"] == "PENDING"

    notes = tmp_path / "notes.mp4"
    notes.write_text("These are my interview notes, not a video.\n")
    refused = cli("submit", str(notes))
    assert refused.returncode == 2
    assert "is not an MP4, MOV, WebM or MKV video" in refused.stderr
    assert cli("submit", str(tmp_path / "missing.mp4")).returncode == 2
    assert cli("submit", str(interview_clip()), "--type", "audio").returncode == 2

    missing = cli("report", "no-such-job")
    assert missing.returncode == 3
    assert "No job no-such-job." in missing.stderr

    elsewhere = cli("jobs", "--api", "http://127.0.0.1:9")
    assert elsewhere.returncode == 3
    assert "Cannot reach the API at http://127.0.0.1:9" in elsewhere.stderr
    assert "not logged in" not in elsewhere.stderr
    other = cli("jobs", "--api", cli.system.ai_url)  # answers, but we never logged in there
    assert other.returncode == 3
    assert f"not logged in to {cli.system.ai_url}" in other.stderr

    # Nothing to read a login from: bad usage, said in words (not "Aborted!").
    no_password = cli("login", "--username", "someone", stdin="")
    assert no_password.returncode == 2
    assert "no password given" in no_password.stderr and "--password-stdin" in no_password.stderr
    no_username = cli("login", stdin="")
    assert no_username.returncode == 2 and "no username given" in no_username.stderr
    empty_pipe = cli("login", "--username", "someone", "--password-stdin", stdin="")
    assert empty_pipe.returncode == 2 and "no password on standard input" in empty_pipe.stderr

    # The offline analysis of a file that is not a video: bad usage too, naming the file.
    not_a_video = cli("analyze", str(notes))
    assert not_a_video.returncode == 2
    assert "notes.mp4" in not_a_video.stderr and "not_a_video" in not_a_video.stderr

    assert cli("logout").returncode == 0
    logged_out = cli("jobs")
    assert logged_out.returncode == 3
    assert "interview-jobs login" in logged_out.stderr
    # The tests after this one need a login again.
    back = cli(
        "signup", "--username", f"cli-{uuid.uuid4().hex[:8]}", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert back.returncode == 0, back.stderr


def test_submit_with_questions(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "questions.txt"
    path.write_text("0:00 Tell me about yourself.\n")
    done = cli(
        "submit", UNREACHABLE_VIDEO, "--questions-file", str(path),
        "--question", "0:45 beh-001", "--question", "Any questions for us?", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    job_id = json.loads(done.stdout)["jobId"]
    shown = cli("report", job_id, "--json")
    known = find("beh-001")
    assert known is not None
    assert json.loads(shown.stdout)["questions"] == [
        {"text": "Tell me about yourself.", "questionId": None, "startSeconds": 0.0},
        {"text": known.text, "questionId": "beh-001", "startSeconds": 45.0},
        {"text": "Any questions for us?", "questionId": None, "startSeconds": None},
    ]
    bad = cli("submit", UNREACHABLE_VIDEO, "--question", "1:00 Why?", "--question", "0:10 How?")
    assert bad.returncode == 2
    assert "questions[1].startSeconds 10.0 is not after 60.0" in bad.stderr


def test_cancel_retry_delete(cli: Cli) -> None:
    failed = cli("submit", UNREACHABLE_VIDEO, "--type", "speech", "--wait")
    assert failed.returncode == 1
    first = cli("jobs", "--json")
    old = json.loads(first.stdout)[0]
    assert old["status"] == "FAILED"

    again = cli("retry", old["jobId"], "--wait")
    assert again.returncode == 1, again.stderr  # the same link fails the same way
    assert f"retrying {old['jobId']}" in again.stderr
    jobs = json.loads(cli("jobs", "--json").stdout)
    retried = jobs[0]
    assert retried["jobId"] != old["jobId"]
    assert (retried["videoUrl"], retried["analysisType"]) == (UNREACHABLE_VIDEO, "speech")

    # A job that is still waiting is cancelled; a finished one cannot be.
    queued = json.loads(cli("submit", str(interview_clip()), "--json").stdout)
    cancelled = cli("cancel", queued["jobId"])
    assert cancelled.returncode == 0, cancelled.stderr
    assert "cancelled" in cancelled.stderr
    assert json.loads(cli("report", queued["jobId"], "--json").stdout)["status"] == "CANCELLED"
    twice = cli("cancel", queued["jobId"])
    assert twice.returncode == 3 and "CANCELLED" in twice.stderr
    not_failed = cli("retry", queued["jobId"], "--json")
    assert not_failed.returncode == 0  # a CANCELLED job is retried
    retried_upload = json.loads(not_failed.stdout)
    assert cli("cancel", retried_upload["jobId"]).returncode == 0

    asked = cli("delete", old["jobId"], stdin="")
    assert asked.returncode == 2 and "--yes" in asked.stderr
    deleted = cli("delete", old["jobId"], "--yes")
    assert deleted.returncode == 0, deleted.stderr
    gone = cli("report", old["jobId"])
    assert gone.returncode == 3 and "No job" in gone.stderr
    assert cli("retry", old["jobId"]).returncode == 3
