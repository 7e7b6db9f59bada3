"""Run the real system as a user would: separate OS processes started from the CLI, talking over
loopback HTTP, with their logs kept for the failure report.

``Process`` is one ``interview-jobs …`` command; ``Client`` is a small HTTP client of the API
(register, upload, analyze, follow the SSE stream).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


class Process:
    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "interview_jobs.cli", *self.args],
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,  # its own process group: signals reach its children too
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal this process only (not its children)."""
        if self.alive():
            os.kill(self.pid, sig)
            if sig == signal.SIGKILL:
                assert self.proc is not None
                self.proc.wait(timeout=30)

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM, wait, then SIGKILL the whole group."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # anything left in its group (analysis children)
        return self.proc.returncode

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


def children(pid: int) -> list[int]:
    """Direct child pids (Linux /proc)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def wait_http(url: str, timeout: float = 120.0, proc: Process | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited:\n{proc.log_tail()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {timeout:.0f} s")


@dataclass
class Client:
    base: str
    token: str | None = None
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def close(self) -> None:
        self.http.close()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def signup(self, username: str, password: str = "correct horse battery") -> Client:
        r = self.http.post(
            f"{self.base}/api/auth/register", json={"username": username, "password": password}
        )
        assert r.status_code == 201, r.text
        r = self.http.post(
            f"{self.base}/api/auth/login", json={"username": username, "password": password}
        )
        assert r.status_code == 200, r.text
        self.token = r.json()["accessToken"]
        return self

    def upload(self, path: Path) -> dict[str, Any]:
        with path.open("rb") as fh:
            r = self.http.post(
                f"{self.base}/api/files",
                files={"file": (path.name, fh, "video/mp4")},
                headers=self._headers(),
            )
        assert r.status_code == 201, r.text
        return dict(r.json())

    def analyze(self, **body: Any) -> dict[str, Any]:
        r = self.http.post(f"{self.base}/api/interview/analyze", json=body, headers=self._headers())
        assert r.status_code == 202, r.text
        return dict(r.json())

    def job(self, job_id: str, detail: bool = False) -> dict[str, Any]:
        suffix = "/detail" if detail else ""
        r = self.http.get(
            f"{self.base}/api/interview/job/{job_id}{suffix}", headers=self._headers()
        )
        assert r.status_code == 200, r.text
        return dict(r.json())

    def events(self, job_id: str, timeout: float = 300) -> Iterator[dict[str, Any]]:
        """The job's SSE stream, decoded, until the server closes it."""
        with self.http.stream(
            "GET",
            f"{self.base}/api/interview/job/{job_id}/events",
            headers=self._headers(),
            timeout=httpx.Timeout(timeout, connect=10),
        ) as response:
            assert response.status_code == 200, response.read()
            data: list[str] = []
            for line in response.iter_lines():
                if line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and data:
                    yield json.loads("\n".join(data))
                    data = []

    def wait(self, job_id: str, timeout: float = 300) -> dict[str, Any]:
        """Poll until the job is terminal; returns its detail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job["status"] in ("COMPLETED", "FAILED", "CANCELLED"):
                return self.job(job_id, detail=True)
            time.sleep(0.3)
        raise TimeoutError(f"job {job_id} still {job['status']} after {timeout:.0f} s")
