"""The whole system, started for real (``interview-jobs up``) once per test session, for the
end-to-end tests of the web page and the CLI client.

``running_system(config)`` starts it on the first call — API and AI backend on free loopback ports,
a temporary DATA_DIR, the tiny ASR model — waits for both ``/health`` endpoints, and stops it when
the pytest session ends. Later calls return the same instance, so the browser tests and the CLI
tests share one system (and one model load). ``interview_clip()`` is one generated interview video
(``tests.media.generate``), also made once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.servers import free_port

START_TIMEOUT = 90.0
CLIP_SECONDS = 20.0


@dataclass
class RunningSystem:
    url: str
    ai_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    # ---- API helpers for arranging tests (not what is under test) ----
    def register_and_login(self, username: str, password: str = "correct horse 1") -> str:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            client.post(
                "/api/auth/register", json={"username": username, "password": password}
            ).raise_for_status()
            response = client.post(
                "/api/auth/login", json={"username": username, "password": password}
            )
            response.raise_for_status()
            return str(response.json()["accessToken"])

    def api(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )


_system: RunningSystem | None = None
_clip: Path | None = None
_workdir: tempfile.TemporaryDirectory[str] | None = None


def _root() -> Path:
    global _workdir
    if _workdir is None:
        _workdir = tempfile.TemporaryDirectory(prefix="ij-e2e-")
    return Path(_workdir.name)


def system_env(data_dir: Path, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_JOBS_")}
    env.update(
        {
            "INTERVIEW_JOBS_DATA_DIR": str(data_dir),
            "INTERVIEW_JOBS_API_URL": api_url,
            "INTERVIEW_JOBS_ASR_MODEL": "tiny.en",
            "INTERVIEW_JOBS_WORKER_PROCESSES": "1",
            # Many sign-ups and log-ins from 127.0.0.1 in a few seconds; cheap password hashing.
            "INTERVIEW_JOBS_LOGIN_RATE_LIMIT_PER_MINUTE": "1000",
            "INTERVIEW_JOBS_ARGON2_TIME_COST": "1",
            "INTERVIEW_JOBS_ARGON2_MEMORY_KIB": "8192",
            "INTERVIEW_JOBS_ARGON2_PARALLELISM": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def running_system(config: pytest.Config) -> RunningSystem:
    global _system
    if _system is not None:
        if _system.process.poll() is not None:
            pytest.fail(f"the system under test has exited:\n{_system.log_tail()}")
        return _system
    root = _root()
    data_dir = root / "data"
    port, ai_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = root / "system.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "interview_jobs.cli",
            "up",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ai-port",
            str(ai_port),
        ],
        cwd=root,  # away from any .env of the work tree
        env=system_env(data_dir, url),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    system = RunningSystem(url, f"http://127.0.0.1:{ai_port}", data_dir, process, log_path)
    config.add_cleanup(system.stop)
    config.add_cleanup(log.close)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"`interview-jobs up` exited with {process.returncode}:\n{system.log_tail()}"
            )
        if _healthy(url) and _healthy(system.ai_url):
            break
        if time.monotonic() > deadline:
            system.stop()
            pytest.fail(f"the system did not become healthy:\n{system.log_tail()}")
        time.sleep(0.3)
    _system = system
    return system


def _healthy(base: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    return False


def interview_clip() -> Path:
    """A generated 20-second interview (speech with fillers and pauses, a face that looks away
    and leaves), made once per session."""
    global _clip
    if _clip is None:
        from tests.media.generate import make_clip

        path = _root() / "media" / "interview.mp4"
        make_clip(path, seconds=CLIP_SECONDS)
        _clip = path
    return _clip


def wait_for_status(
    system: RunningSystem, token: str, job_id: str, statuses: set[str], timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with system.api(token) as client:
        while True:
            job: dict[str, Any] = client.get(f"/api/interview/job/{job_id}").json()
            if job.get("status") in statuses:
                return job
            if time.monotonic() > deadline:
                pytest.fail(f"job {job_id} is {job.get('status')} after {timeout} s")
            time.sleep(0.3)
