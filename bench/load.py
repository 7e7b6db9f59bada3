"""Load and soak of the API on PostgreSQL: a steady rate of job creation, status reads, list
reads and AI-backend callbacks, from this process, for a fixed time.

    .venv/bin/python bench/load.py                      # 10 minutes at 40 requests/s
    .venv/bin/python bench/load.py --duration 60 --rate 30   # a short run for development

One ``interview-jobs api`` process (uvicorn, its dispatcher on) on a throw-away PostgreSQL
database; ``AI_URL`` points at a stub AI backend (a separate process answering 202), so every
created job is forwarded and nothing is analysed. The callbacks are signed like the AI
backend's (``X-API-Key`` + Standard Webhooks): each created job gets a PROCESSING callback and
then a COMPLETED one. Requests are sent on a fixed schedule (open loop: a slow answer does not
slow the schedule down) by several users.

Printed: the machine's load, requests per second achieved, p50/p99 latency and errors per
operation, and the API process's resident memory (RSS) after start-up, after the warm-up, and
at the end, with the growth over the run (the soak's bar: at most 10 %). Exit status 1 if any
request failed or the memory grew more than that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interview_jobs.contracts.callback import CALLBACK_PATH  # noqa: E402
from interview_jobs.contracts.webhooks import sign_headers  # noqa: E402

PYTHON = sys.executable
SECRETS = {
    "INTERVIEW_JOBS_JWT_SECRET": "load-jwt-secret-0123456789abcdef",
    "INTERVIEW_JOBS_AI_API_KEY": "load-ai-key-0123456789abcdef",
    "INTERVIEW_JOBS_CALLBACK_API_KEY": "load-callback-key-0123456789abcdef",
    "INTERVIEW_JOBS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}
PASSWORD = "load-password-123"
# One cycle of the mix: per created job, two status reads, one list, two callbacks.
MIX = ["create", "status", "list", "callback", "status", "callback"]
ANALYSIS = {"schemaVersion": 1, "analysisType": "comprehensive", "score": 80, "summary": "ok"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


# ---- the stub AI backend (run as: load.py --serve-stub PORT) ----
def serve_stub(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def forward(request: Request) -> Response:
        try:
            body = await request.json()
        except ClientDisconnect:
            return Response(status_code=499)
        return JSONResponse({"jobId": body["jobId"], "status": "QUEUED"}, status_code=202)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route("/api/v1/interview/analyze", forward, methods=["POST"]),
            Route("/health", health),
        ]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# ---- the load ----
@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    late: int = 0  # requests that could not start on schedule (too many in flight)

    def record(self, op: str, started: float, ok: bool, detail: str = "") -> None:
        self.latencies[op].append((time.perf_counter() - started) * 1000)
        if not ok:
            self.errors[op] += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{op}: {detail[:200]}")


@dataclass
class World:
    url: str
    tokens: list[str]
    callback_key: str
    webhook_secret: str
    fresh: deque[str] = field(default_factory=lambda: deque(maxlen=10_000))  # no callback yet
    processing: deque[str] = field(default_factory=lambda: deque(maxlen=10_000))
    known: list[tuple[str, str]] = field(default_factory=list)  # (token, jobId)


async def one(client: httpx.AsyncClient, world: World, op: str, stats: Stats) -> None:
    started = time.perf_counter()
    token = random.choice(world.tokens)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        if op == "create":
            r = await client.post(
                "/api/interview/analyze",
                json={"videoUrl": "https://videos.example.com/interview.mp4"},
                headers=auth,
            )
            ok = r.status_code == 202
            if ok:
                job_id = r.json()["jobId"]
                world.fresh.append(job_id)
                world.known.append((token, job_id))
        elif op == "status":
            if world.known:
                token, job_id = random.choice(world.known[-500:])
                auth = {"Authorization": f"Bearer {token}"}
                r = await client.get(f"/api/interview/job/{job_id}", headers=auth)
            else:
                r = await client.get("/api/auth/me", headers=auth)
            ok = r.status_code == 200
        elif op == "list":
            r = await client.get("/api/interview/jobs", params={"limit": 20}, headers=auth)
            ok = r.status_code == 200
        else:
            if world.processing and (not world.fresh or random.random() < 0.5):
                job_id = world.processing.popleft()
                body = {"jobId": job_id, "status": "COMPLETED", "analysisData": ANALYSIS}
            elif world.fresh:
                job_id = world.fresh.popleft()
                body = {"jobId": job_id, "status": "PROCESSING", "progress": 50}
                world.processing.append(job_id)
            else:
                op = "status"
                r = await client.get("/api/auth/me", headers=auth)
                stats.record(op, started, r.status_code == 200, r.text)
                return
            raw = json.dumps(body)
            headers = {
                "Content-Type": "application/json",
                "X-API-Key": world.callback_key,
                **sign_headers(world.webhook_secret, raw),
            }
            r = await client.post(CALLBACK_PATH, content=raw, headers=headers)
            ok = r.status_code == 200
        stats.record(op, started, ok, f"HTTP {r.status_code} {r.text}")
    except httpx.HTTPError as exc:
        stats.record(op, started, False, f"{type(exc).__name__}: {exc}")


async def drive(world: World, rate: float, duration: float, stats: Stats) -> float:
    """Send requests on schedule for ``duration`` s; returns the seconds actually taken."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    max_in_flight = 256
    async with httpx.AsyncClient(base_url=world.url, timeout=30, limits=limits) as client:
        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        n = 0
        while True:
            due = start + n / rate
            if due - start >= duration:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(tasks) >= max_in_flight:
                stats.late += 1
            else:
                task = asyncio.create_task(one(client, world, MIX[n % len(MIX)], stats))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            n += 1
        if tasks:
            await asyncio.wait(tasks, timeout=60)
        return time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--rate", type=float, default=40.0, help="requests per second")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--serve-stub", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_stub:
        serve_stub(args.serve_stub)
        return 0

    print(f"load average at start: {load_average()} ({os.cpu_count()} cores)", flush=True)
    db = f"ij_load_{os.getpid()}"
    asyncio.run(_pg(f'CREATE DATABASE "{db}"'))
    workdir = Path(tempfile.mkdtemp(prefix="ij-load-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        ai_port, api_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_JOBS_")}
        env.update(
            SECRETS,
            INTERVIEW_JOBS_DATA_DIR=str(workdir / "data"),
            INTERVIEW_JOBS_DATABASE_URL=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}",
            INTERVIEW_JOBS_AI_URL=f"http://127.0.0.1:{ai_port}",
            INTERVIEW_JOBS_API_URL=f"http://127.0.0.1:{api_port}",
            INTERVIEW_JOBS_ARGON2_TIME_COST="1",
            INTERVIEW_JOBS_ARGON2_MEMORY_KIB="8192",
        )
        stub = subprocess.Popen([PYTHON, __file__, "--serve-stub", str(ai_port)], env=env)
        procs.append(stub)
        log = (workdir / "api.log").open("wb")
        api = subprocess.Popen(
            [PYTHON, "-m", "interview_jobs.cli", "api", "--port", str(api_port),
             "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        procs.append(api)
        url = f"http://127.0.0.1:{api_port}"
        wait_http(f"http://127.0.0.1:{ai_port}/health", stub)
        wait_http(f"{url}/ready", api)
        tokens = []
        with httpx.Client(base_url=url, timeout=30) as client:
            for i in range(args.users):
                body = {"username": f"load{i}", "password": PASSWORD}
                client.post("/api/auth/register", json=body).raise_for_status()
                r = client.post("/api/auth/login", json=body)
                r.raise_for_status()
                tokens.append(r.json()["accessToken"])
        world = World(
            url,
            tokens,
            SECRETS["INTERVIEW_JOBS_CALLBACK_API_KEY"],
            SECRETS["INTERVIEW_JOBS_WEBHOOK_SECRET"],
        )
        stats = Stats()
        rss_boot = rss_kib(api.pid)
        warmup = min(60.0, args.duration / 10)
        samples: list[tuple[float, int]] = []

        async def run() -> float:
            async def sample() -> None:
                t0 = time.monotonic()
                while True:
                    samples.append((time.monotonic() - t0, rss_kib(api.pid)))
                    await asyncio.sleep(max(1.0, min(30.0, args.duration / 20)))

            sampler = asyncio.create_task(sample())
            try:
                return await drive(world, args.rate, args.duration, stats)
            finally:
                sampler.cancel()

        print(
            f"driving {url} for {args.duration:.0f} s at {args.rate:g} requests/s "
            f"({args.users} users; mix {'/'.join(MIX)})",
            flush=True,
        )
        elapsed = asyncio.run(run())
        rss_end = rss_kib(api.pid)
        after_warmup = next((kib for t, kib in samples if t >= warmup), samples[-1][1])

        total = sum(len(v) for v in stats.latencies.values())
        errors = sum(stats.errors.values())
        print(f"\nload average at end: {load_average()}")
        print(
            f"{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s "
            f"(target {args.rate:g}); {errors} errors; {stats.late} not sent on schedule"
        )
        header = ("operation", "count", "req/s", "p50 ms", "p99 ms", "max ms", "errors")
        print(f"{header[0]:<10} " + " ".join(f"{h:>8}" for h in header[1:]))
        for op in ("create", "status", "list", "callback"):
            values = stats.latencies.get(op, [])
            print(
                f"{op:<10} {len(values):>8} {len(values) / elapsed:>8.1f} "
                f"{percentile(values, 0.5):>8.1f} {percentile(values, 0.99):>8.1f} "
                f"{max(values, default=float('nan')):>8.1f} {stats.errors.get(op, 0):>8}"
            )
        for sample_line in stats.error_samples:
            print(f"  error: {sample_line}")
        growth = (rss_end - after_warmup) / after_warmup * 100
        print(
            f"API RSS: {rss_boot / 1024:.1f} MiB after start-up, {after_warmup / 1024:.1f} MiB "
            f"after the {warmup:.0f} s warm-up, {rss_end / 1024:.1f} MiB at the end: "
            f"{growth:+.1f} % over the run (bar: +10 %)"
        )
        trend = ", ".join(
            f"{t:.0f}s {kib / 1024:.1f}" for t, kib in samples[:: max(1, len(samples) // 10)]
        )
        print(f"RSS samples (MiB): {trend}")
        if api.poll() is not None:
            print(f"the API process exited with {api.returncode}")
            return 1
        return 0 if errors == 0 and growth <= 10 else 1
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


if __name__ == "__main__":
    sys.exit(main())
