"""Live job updates at scale (issue 14): thousands of open event streams, pushed vs polled.

    .venv/bin/python bench/sse_fanout.py [--streams 2000] [--callbacks 200] [--idle 10]
                                         [--skip-postgres]

Each scenario starts the API under uvicorn (dispatcher off: nothing here is forwarded), gives one
user ``--streams`` PENDING jobs, opens one ``GET /api/interview/job/{id}/events`` stream per job
from this process (aiohttp), waits until every stream has its first event, then prints:

* **idle CPU** of the API process holding the streams while nothing changes, in % of one core
  (utime+stime over ``--idle`` seconds; target ≤ 5 %);
* **memory per stream**: that process's RSS with the streams open minus before, per stream;
* **callback-to-event latency**: ``--callbacks`` signed PROCESSING callbacks, 20 a second, each
  to another job; from just before a callback is sent to its event arriving on the stream
  (p50, p99; target p99 ≤ 250 ms).

Scenarios: SQLite with one API process, and PostgreSQL with two (streams on one, callbacks to the
other: the change must cross processes). Each is measured twice in the same run: the streams as
the API serves them (pushed by the job feed), and "polled", today's previous design, by a
bench-only route that does what the old stream did — re-read the job every 0.5 s and send what
changed (``polling_app`` below, added to the same app). Figures are printed; nothing is
asserted. On a shared machine the load average is printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import httpx
from fastapi import Request
from fastapi.responses import StreamingResponse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from interview_jobs.contracts.callback import CALLBACK_PATH  # noqa: E402
from interview_jobs.contracts.webhooks import sign_headers  # noqa: E402

PYTHON = sys.executable
PASSWORD = "bench-password-123"
CALLBACK_KEY = "sse-bench-callback-key-0123456789"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
POLL_SECONDS = 0.5  # the old design's SSE_POLL_INTERVAL_SECONDS
CALLBACK_RATE = 20.0


# ---- the old design, for comparison only (uvicorn --factory sse_fanout:polling_app) ----
def polling_app() -> object:
    """The API plus ``GET /bench/polled/{job_id}/events``: a stream that re-reads its job every
    POLL_SECONDS, as the events endpoint did before the job feed."""
    from interview_jobs.api.app import create_app
    from interview_jobs.api.deps import authenticate
    from interview_jobs.api.jobs import events, repository, service

    app = create_app()

    @app.get("/bench/polled/{job_id}/events")
    async def polled(job_id: str, request: Request) -> StreamingResponse:
        driver = request.app.state.ctx.db.driver
        user = authenticate(request)
        assert user is not None
        await service.read(driver, user, job_id)  # 404 unless the caller's

        async def stream() -> AsyncIterator[str]:
            last, beat = None, time.monotonic()
            yield "retry: 2000\n\n"
            while True:
                current = await repository.read_job(driver, user.id, job_id)
                if current is None:
                    return
                shown = events.event_id(current)
                if shown != last:
                    last, beat = shown, time.monotonic()
                    yield events._event("status", events._state(current), shown)
                    if current.status.is_terminal:
                        return
                elif time.monotonic() - beat >= 15:
                    beat = time.monotonic()
                    yield ": keep-alive\n\n"
                await asyncio.sleep(POLL_SECONDS)

        return StreamingResponse(stream(), media_type="text/event-stream")

    return app


# ---- processes ----
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def api_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_JOBS_")}
    env.update(
        INTERVIEW_JOBS_DATA_DIR=str(data_dir),
        INTERVIEW_JOBS_DATABASE_URL=database_url,
        INTERVIEW_JOBS_DISPATCHER_ENABLED="false",
        INTERVIEW_JOBS_CALLBACK_API_KEY=CALLBACK_KEY,
        INTERVIEW_JOBS_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PYTHONPATH=str(ROOT / "src"),
    )
    return env


@contextlib.contextmanager
def server(env: dict[str, str], polled: bool) -> Iterator[tuple[str, int]]:
    port = free_port()
    app = ["sse_fanout:polling_app", "--app-dir", str(ROOT / "bench")] if polled else [
        "interview_jobs.api.app:create_app"
    ]  # fmt: skip
    cmd = [PYTHON, "-m", "uvicorn", *app, "--factory", "--port", str(port), "--host",
           "127.0.0.1", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
           "--log-level", "warning", "--timeout-keep-alive", "600"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the API exited with {proc.returncode}")
            try:
                httpx.get(url + "/health", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the API did not start") from None
                time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "-m", "interview_jobs.cli", *args], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


# ---- jobs: one user's PENDING jobs, inserted in bulk ----
def add_jobs_sqlite(path: Path, count: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    now = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        user = conn.execute("SELECT id FROM users WHERE username = 'bench'").fetchone()[0]
        conn.executemany(
            "INSERT INTO interview_jobs (job_id, user_id, video_url, status, analysis_type, "
            "created_at, updated_at, attempt) VALUES (?, ?, 'https://videos.example.com/s.mp4',"
            " 'PENDING', 'comprehensive', ?, ?, 1)",
            [(job_id, user, now, now) for job_id in ids],
        )
    return ids


async def add_jobs_postgres(dsn: str, count: int) -> list[str]:
    import asyncpg

    ids = [str(uuid.uuid4()) for _ in range(count)]
    conn = await asyncpg.connect(dsn)
    try:
        user = await conn.fetchval("SELECT id FROM users WHERE username = 'bench'")
        await conn.executemany(
            "INSERT INTO interview_jobs (job_id, user_id, video_url, status, analysis_type, "
            "created_at, updated_at, attempt) VALUES ($1, $2, 'https://videos.example.com/s.mp4',"
            " 'PENDING', 'comprehensive', now(), now(), 1)",
            [(job_id, user) for job_id in ids],
        )
    finally:
        await conn.close()
    return ids


# ---- the streams ----
class Streams:
    """One open event stream per job; records when each (job, progress) event arrives."""

    def __init__(self, base: str, token: str, path: str) -> None:
        self.base, self.path = base, path
        self.headers = {"Authorization": f"Bearer {token}"}
        self.first: dict[str, asyncio.Event] = {}
        self.waiting: dict[tuple[str, int], asyncio.Future[float]] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.failures = 0

    async def open(self, session: aiohttp.ClientSession, job_ids: list[str]) -> None:
        for job_id in job_ids:
            self.first[job_id] = asyncio.Event()
            self.tasks.append(asyncio.create_task(self._follow(session, job_id)))
        await asyncio.gather(*(e.wait() for e in self.first.values()))

    async def _follow(self, session: aiohttp.ClientSession, job_id: str) -> None:
        url = f"{self.base}{self.path.format(job_id=job_id)}"
        try:
            async with session.get(url, headers=self.headers) as response:
                async for raw in response.content:
                    line = raw.decode().rstrip("\r\n")
                    if not line.startswith("data: "):
                        continue
                    data = json.loads(line[6:])
                    self.first[job_id].set()
                    waiter = self.waiting.pop((job_id, data.get("progress") or 0), None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(time.perf_counter())
        except (TimeoutError, aiohttp.ClientError):
            self.failures += 1
            self.first[job_id].set()

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def callback(session: aiohttp.ClientSession, base: str, job_id: str, progress: int) -> None:
    raw = json.dumps({"jobId": job_id, "status": "PROCESSING", "progress": progress})
    headers = {"X-API-Key": CALLBACK_KEY, "Content-Type": "application/json"}
    headers.update(sign_headers(WEBHOOK_SECRET, raw))
    async with session.post(f"{base}{CALLBACK_PATH}", data=raw, headers=headers) as response:
        if response.status != 200:
            raise RuntimeError(f"callback answered {response.status}: {await response.text()}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(
    holder: tuple[str, int], receiver: str, token: str, job_ids: list[str],
    args: argparse.Namespace, path: str,
) -> str:  # fmt: skip
    base, pid = holder
    rss_before = rss_bytes(pid)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        streams = Streams(base, token, path)
        opened = time.perf_counter()
        await streams.open(session, job_ids)
        opened = time.perf_counter() - opened
        await asyncio.sleep(2)
        per_stream = (rss_bytes(pid) - rss_before) / len(job_ids)
        cpu0, wall0 = cpu_seconds(pid), time.perf_counter()
        await asyncio.sleep(args.idle)
        idle = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - wall0) * 100
        latencies: list[float] = []
        async with aiohttp.ClientSession() as sender:
            for job_id in random.sample(job_ids, min(args.callbacks, len(job_ids))):
                arrived = asyncio.get_running_loop().create_future()
                streams.waiting[(job_id, 10)] = arrived
                sent = time.perf_counter()
                await callback(sender, receiver, job_id, 10)
                try:
                    latencies.append((await asyncio.wait_for(arrived, 10)) - sent)
                except TimeoutError:
                    latencies.append(10.0)
                await asyncio.sleep(max(0.0, 1 / CALLBACK_RATE - (time.perf_counter() - sent)))
        await streams.close()
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    failed = f", {streams.failures} streams failed" if streams.failures else ""
    return (
        f"idle CPU {idle:5.1f}% of a core   memory/stream {per_stream / 1024:6.1f} KiB   "
        f"callback→event p50 {p50:6.1f} ms  p99 {p99:7.1f} ms   "
        f"(opened in {opened:.1f} s{failed})"
    )


def login(base: str) -> str:
    r = httpx.post(f"{base}/api/auth/login", json={"username": "bench", "password": PASSWORD})
    r.raise_for_status()
    return str(r.json()["accessToken"])


PUSHED = "/api/interview/job/{job_id}/events"
POLLED = "/bench/polled/{job_id}/events"


def run_sqlite(args: argparse.Namespace, workdir: Path) -> None:
    print(f"\n== SQLite, one API process, {args.streams:,} streams")
    data = workdir / "sqlite"
    env = api_env(data, f"sqlite+aiosqlite:///{data / 'interview_jobs.db'}")
    cli(env, "db", "upgrade")
    cli(env, "user", "create", "bench", "--password", PASSWORD)
    for label, polled, path in (("pushed (job feed)", False, PUSHED),
                                ("polled every 0.5 s", True, POLLED)):  # fmt: skip
        job_ids = add_jobs_sqlite(data / "interview_jobs.db", args.streams)
        with server(env, polled) as api:
            line = asyncio.run(measure(api, api[0], login(api[0]), job_ids, args, path))
        print(f"  {label:<20} {line}", flush=True)


def run_postgres(args: argparse.Namespace) -> None:
    print(f"\n== PostgreSQL, two API processes (streams on one, callbacks to the other), "
          f"{args.streams:,} streams")  # fmt: skip
    import asyncpg

    name = f"ij_sse_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        env = api_env(Path(tempfile.mkdtemp(prefix="ij-sse-pg-")), url)
        cli(env, "db", "upgrade")
        cli(env, "user", "create", "bench", "--password", PASSWORD)
        dsn = url.replace("postgresql+asyncpg", "postgresql")
        for label, polled, path in (("pushed (job feed)", False, PUSHED),
                                    ("polled every 0.5 s", True, POLLED)):  # fmt: skip
            job_ids = asyncio.run(add_jobs_postgres(dsn, args.streams))
            with server(env, polled) as holder, server(env, False) as receiver:
                token = login(holder[0])
                line = asyncio.run(measure(holder, receiver[0], token, job_ids, args, path))
            print(f"  {label:<20} {line}", flush=True)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def postgres_reachable() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 5432)) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--callbacks", type=int, default=200)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU sampling")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print(f"load average before the run: {os.getloadavg()} on {os.cpu_count()} cores")
    workdir = Path(tempfile.mkdtemp(prefix="ij-sse-"))
    run_sqlite(args, workdir)
    if args.skip_postgres:
        print("\n== PostgreSQL skipped (--skip-postgres)")
    elif not postgres_reachable():
        print("\n== PostgreSQL not reachable at 127.0.0.1:5432: skipped")
    else:
        run_postgres(args)
    print(f"\nload average after the run: {os.getloadavg()}")


if __name__ == "__main__":
    main()
