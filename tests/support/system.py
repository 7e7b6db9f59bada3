"""The system under test, started for real from the CLI as separate OS processes that talk over
loopback HTTP, with their logs kept for failure reports.

* ``Process``: one ``interview-jobs …`` command in its own process group; ``children(pid)``,
  ``wait_http(url)``.
* ``Client``: a small HTTP client of the API (sign up, upload, analyze, follow the SSE stream).
* ``running_system(config)``: one ``interview-jobs up`` shared by the whole pytest session (the web
  and CLI tests) — API and AI backend on free loopback ports, a temporary DATA_DIR, the tiny ASR
  model; ``interview_clip()`` is one generated interview video, also made once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
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
    up: Process

    @property
    def process(self) -> subprocess.Popen[bytes]:
        assert self.up.proc is not None
        return self.up.proc

    def log_tail(self, lines: int = 60) -> str:
        return self.up.log_tail(lines) or "(no log)"

    def stop(self) -> None:
        self.up.stop(timeout=40)

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
    up = Process(
        "up",
        ["up", "--host", "127.0.0.1", "--port", str(port), "--ai-port", str(ai_port)],
        system_env(data_dir, url),
        root,
        cwd=root,  # away from any .env of the work tree
        inherit_env=False,
    )
    system = RunningSystem(url, f"http://127.0.0.1:{ai_port}", data_dir, up)
    config.add_cleanup(system.stop)
    up.start()
    try:
        wait_http(f"{url}/health", timeout=START_TIMEOUT, proc=up)
        wait_http(f"{system.ai_url}/health", timeout=START_TIMEOUT, proc=up)
    except (RuntimeError, TimeoutError) as exc:
        system.stop()
        pytest.fail(f"the system did not become healthy ({exc}):\n{system.log_tail()}")
    _system = system
    return system


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


# ---- processes and an API client (end-to-end tests, benchmarks) ----
ROOT = Path(__file__).resolve().parents[2]


class Process:
    def __init__(
        self,
        name: str,
        args: list[str],
        env: dict[str, str],
        log_dir: Path,
        *,
        cwd: Path = ROOT,
        inherit_env: bool = True,
    ) -> None:
        self.name, self.args = name, args
        self.env = {**os.environ, **env} if inherit_env else dict(env)
        self.log_path = log_dir / f"{name}.log"
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "interview_jobs.cli", *self.args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.cwd,
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


# ---- whole topologies (end-to-end tests, fault injection, benchmarks) ----
# Secrets as an operator would set them: the processes must agree without a shared file.
TEST_SECRETS = {
    "INTERVIEW_JOBS_JWT_SECRET": "test-jwt-secret-0123456789abcdef",
    "INTERVIEW_JOBS_AI_API_KEY": "test-ai-key-0123456789abcdef",
    "INTERVIEW_JOBS_CALLBACK_API_KEY": "test-callback-key-0123456789abcdef",
    "INTERVIEW_JOBS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    # API processes with DATA_DIRs of their own would each generate one otherwise, and refuse
    # each other's signed file URLs.
    "INTERVIEW_JOBS_URL_SIGNING_SECRET": "test-url-signing-secret-0123456789",
}


@dataclass
class Topology:
    """A running system: the API base URLs (first = the one clients use), the AI backend's URL,
    the processes by name (``api1``…, ``ai``, ``workers`` or ``up``) and the environment given."""

    api_urls: list[str]
    ai_url: str
    processes: dict[str, Process]
    env: dict[str, str]

    @property
    def url(self) -> str:
        return self.api_urls[0]

    def logs(self, lines: int = 60) -> str:
        return "\n".join(f"--- {n}\n{p.log_tail(lines)}" for n, p in self.processes.items())


@contextlib.contextmanager
def embedded_topology(workdir: Path, env: dict[str, str] | None = None) -> Iterator[Topology]:
    """``interview-jobs up`` (SQLite, local files, in-process queue) on free ports."""
    workdir.mkdir(parents=True, exist_ok=True)
    port, ai_port = free_port(), free_port()
    full_env = {**TEST_SECRETS, "INTERVIEW_JOBS_DATA_DIR": str(workdir / "data"), **(env or {})}
    up = Process("up", ["up", "--port", str(port), "--ai-port", str(ai_port)], full_env, workdir)
    topology = Topology(
        [f"http://127.0.0.1:{port}"], f"http://127.0.0.1:{ai_port}", {"up": up}, full_env
    )
    try:
        up.start()
        wait_http(f"{topology.url}/health", proc=up)
        wait_http(f"{topology.ai_url}/ready", proc=up)
        yield topology
    finally:
        up.stop()


@contextlib.contextmanager
def distributed_topology(
    workdir: Path,
    *,
    apis: int = 2,
    workers: int = 2,
    env: dict[str, str] | None = None,
    callback_url: str | None = None,
    api_args: tuple[str, ...] = (),
    name: str = "ij_e2e",
    api_data_dirs: bool = False,
) -> Iterator[Topology]:
    """``apis`` API processes on a throw-away PostgreSQL database, the AI backend, and
    ``worker --processes workers`` on a fresh RabbitMQ queue (deleted afterwards).

    ``api_data_dirs``: each API process gets a DATA_DIR of its own, as on separate hosts — they
    share only the database and the file store (``STORAGE_URL=s3://…`` in ``env``).

    Callbacks go to ``callback_url`` (default: the last API process, so that with two APIs a job
    created on the first is called back on the other)."""
    from tests.conftest import RABBITMQ_URL
    from tests.support.postgres import temporary_database

    workdir.mkdir(parents=True, exist_ok=True)
    queue = f"{name}_{uuid.uuid4().hex[:8]}"
    api_ports = [free_port() for _ in range(apis)]
    api_urls = [f"http://127.0.0.1:{port}" for port in api_ports]
    ai_url = f"http://127.0.0.1:{free_port()}"
    with temporary_database(name) as database_url:
        full_env = {
            **TEST_SECRETS,
            "INTERVIEW_JOBS_DATA_DIR": str(workdir / "data"),
            "INTERVIEW_JOBS_DATABASE_URL": database_url,
            "INTERVIEW_JOBS_BROKER_URL": RABBITMQ_URL,
            "INTERVIEW_JOBS_QUEUE_NAME": queue,
            "INTERVIEW_JOBS_AI_URL": ai_url,
            "INTERVIEW_JOBS_API_URL": callback_url or api_urls[-1],
            **(env or {}),
        }
        migrate = Process("migrate", ["db", "upgrade"], full_env, workdir).start()
        assert migrate.proc is not None and migrate.proc.wait(timeout=120) == 0, migrate.log_tail()
        processes = {
            f"api{i + 1}": Process(
                f"api{i + 1}",
                ["api", "--port", str(port), *api_args],
                {**full_env, "INTERVIEW_JOBS_DATA_DIR": str(workdir / f"data-api{i + 1}")}
                if api_data_dirs
                else full_env,
                workdir,
            )
            for i, port in enumerate(api_ports)
        }
        ai_port = ai_url.rsplit(":", 1)[1]
        processes["ai"] = Process("ai", ["ai", "--port", ai_port], full_env, workdir)
        processes["workers"] = Process(
            "workers", ["worker", "--processes", str(workers)], full_env, workdir
        )
        topology = Topology(api_urls, ai_url, processes, full_env)
        try:
            for process in processes.values():
                process.start()
            for i, url in enumerate(api_urls):
                wait_http(f"{url}/ready", proc=processes[f"api{i + 1}"])
            wait_http(f"{ai_url}/ready", proc=processes["ai"])
            yield topology
        finally:
            for process in processes.values():
                process.stop(timeout=30)
            delete_queue(RABBITMQ_URL, queue)


def delete_queue(broker_url: str, queue: str) -> None:
    """Remove a Dramatiq queue (and its delay and dead-letter queues) from RabbitMQ."""
    import pika

    with contextlib.suppress(Exception):
        connection = pika.BlockingConnection(pika.URLParameters(broker_url))
        try:
            channel = connection.channel()
            for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
                channel.queue_delete(name)
        finally:
            connection.close()
