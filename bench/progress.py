"""Latency of ``GET /api/interview/progress`` for a user with many completed jobs (issue 12).

    .venv/bin/python bench/progress.py [--jobs 1000] [--requests 300] [--skip-postgres]

For SQLite and for PostgreSQL: starts the API under uvicorn (dispatcher off), registers a user,
creates ``--jobs`` jobs through ``POST /api/interview/analyze`` and completes each with a signed
COMPLETED callback carrying a schema-2 analysis (three answers to bank questions of two
categories, a 300-word transcript), so the summary columns are written by the path that writes
them in production. Then, through HTTP (aiohttp, one request at a time), it measures:

* the progress endpoint with no filter, with ``category=behavioural``, and with ``from``/``to``
  (p50, p99; target p99 ≤ 50 ms);
* the status poll ``GET /api/interview/job/{id}`` (one indexed row), the baseline measured in the
  same run (ratio printed);
* for scale, what the endpoint avoids: reading every analysis JSON of the user and summarising
  it in Python (this process, straight on the database, best of 5).

Figures are printed; nothing is asserted. The machine is shared, so the load average is printed.
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from interview_jobs.api.progress.summary import summarise  # noqa: E402
from interview_jobs.contracts.callback import CALLBACK_PATH  # noqa: E402
from interview_jobs.contracts.webhooks import sign_headers  # noqa: E402

PYTHON = sys.executable
PASSWORD = "bench-password-123"
CALLBACK_KEY = "progress-bench-callback-key-0123456789"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
QUESTIONS = [
    ("beh-001", "behavioural"),
    ("beh-002", "behavioural"),
    ("beh-003", "behavioural"),
    ("mot-001", "motivation"),
    ("mot-002", "motivation"),
]
WORDS = [
    "so",
    "when",
    "I",
    "joined",
    "the",
    "team",
    "the",
    "release",
    "was",
    "late",
    "and",
    "I",
    "took",
    "over",
    "the",
    "build",
]


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
def server(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    cmd = [PYTHON, "-m", "uvicorn", "interview_jobs.api.app:create_app", "--factory",
           "--port", str(port), "--host", "127.0.0.1", "--loop", "uvloop", "--http",
           "httptools", "--no-access-log", "--log-level", "warning"]  # fmt: skip
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
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def analysis(rng: random.Random) -> dict[str, Any]:
    """A schema-2 analysis of the size a real one has (a transcript of 300 words)."""
    picked = rng.sample(QUESTIONS, 3)
    answers, start = [], 0.0
    for index, (qid, category) in enumerate(picked):
        length = rng.uniform(30, 120)
        star = {p: {"present": rng.random() < 0.7, "sentences": []} for p in
                ("situation", "task", "action", "result")}  # fmt: skip
        answers.append(
            {
                "index": index,
                "question": {"text": f"Bank question {qid}", "id": qid, "category": category},
                "start": start,
                "end": start + length,
                "score": rng.uniform(40, 95),
                "contentScore": rng.uniform(40, 95),
                "deliveryScore": rng.uniform(40, 95),
                "content": {"star": star, "length": {"seconds": length}},
                "delivery": {
                    "wordsPerMinute": rng.uniform(110, 170),
                    "fillerWords": {"perMinute": rng.uniform(0, 6)},
                    "pauses": {"count": rng.randint(0, 8)},
                    "eyeContactRatio": rng.random(),
                },
                "feedback": [],
            }
        )
        start += length
    words = [
        {"word": WORDS[i % len(WORDS)], "start": i * 0.4, "end": i * 0.4 + 0.3, "confidence": 0.9}
        for i in range(300)
    ]
    return {
        "schemaVersion": 2,
        "analysisType": "comprehensive",
        "score": rng.uniform(40, 95),
        "contentScore": rng.uniform(40, 95),
        "deliveryScore": rng.uniform(40, 95),
        "summary": "Bench analysis.",
        "feedback": [],
        "transcript": {"text": " ".join(w["word"] for w in words), "words": words},
        "metrics": {
            "durationSeconds": start,
            "speech": {
                "wordsPerMinute": rng.uniform(110, 170),
                "speakingRatio": 0.8,
                "fillerWords": {"total": 3, "perMinute": rng.uniform(0, 6), "byWord": {}},
                "pauses": {
                    "count": rng.randint(0, 20),
                    "totalSeconds": 5,
                    "longestSeconds": 2,
                    "items": [],
                },
                "pitch": {"meanHz": 120, "stdHz": 20},
                "loudness": {"meanDb": -20, "stdDb": 3},
            },
            "visual": {
                "facePresenceRatio": 1,
                "eyeContactRatio": rng.random(),
                "multipleFacesRatio": 0,
                "framing": None,
                "lighting": None,
            },
        },
        "timingsSeconds": {},
        "answers": answers,
    }


async def populate(base: str, jobs: int) -> tuple[dict[str, str], list[str]]:
    """A user with ``jobs`` COMPLETED jobs, made through the API (8 requests at a time)."""
    rng = random.Random(12)
    async with aiohttp.ClientSession() as session:
        creds = {"username": "bench", "password": PASSWORD}
        async with session.post(f"{base}/api/auth/register", json=creds) as r:
            assert r.status == 201, await r.text()
        async with session.post(f"{base}/api/auth/login", json=creds) as r:
            token = (await r.json())["accessToken"]
        auth = {"Authorization": f"Bearer {token}"}
        limit = asyncio.Semaphore(8)
        job_ids: list[str] = []

        async def one() -> None:
            async with limit:
                body = {"videoUrl": "https://videos.example.com/practice.mp4"}
                async with session.post(
                    f"{base}/api/interview/analyze", json=body, headers=auth
                ) as r:
                    assert r.status == 202, await r.text()
                    job_id = (await r.json())["jobId"]
                raw = json.dumps(
                    {
                        "jobId": job_id,
                        "status": "COMPLETED",
                        "analysisData": json.dumps(analysis(rng)),
                    }
                )
                headers = {"X-API-Key": CALLBACK_KEY, "Content-Type": "application/json"}
                headers.update(sign_headers(WEBHOOK_SECRET, raw))
                async with session.post(f"{base}{CALLBACK_PATH}", data=raw, headers=headers) as r:
                    assert r.status == 200, await r.text()
                job_ids.append(job_id)

        await asyncio.gather(*(one() for _ in range(jobs)))
    return auth, job_ids


async def latencies(base: str, auth: dict[str, str], path: str, count: int) -> list[float]:
    out = []
    async with aiohttp.ClientSession(headers=auth) as session:
        for i in range(count + 10):
            started = time.perf_counter()
            async with session.get(base + path) as r:
                await r.read()
                assert r.status == 200, await r.text()
            if i >= 10:  # warm-up
                out.append((time.perf_counter() - started) * 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def from_json_sqlite(path: Path) -> float:
    """What the endpoint avoids: every analysis of the user loaded and summarised (ms)."""
    best = float("inf")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for _ in range(5):
            started = time.perf_counter()
            rows = conn.execute(
                "SELECT detailed_analysis FROM interview_jobs WHERE user_id = "
                "(SELECT id FROM users WHERE username = 'bench') AND status = 'COMPLETED'"
            ).fetchall()
            for (raw,) in rows:
                summarise(json.loads(raw))
            best = min(best, (time.perf_counter() - started) * 1000)
    return best


async def from_json_postgres(dsn: str) -> float:
    import asyncpg

    best = float("inf")
    conn = await asyncpg.connect(dsn)
    try:
        for _ in range(5):
            started = time.perf_counter()
            rows = await conn.fetch(
                "SELECT detailed_analysis FROM interview_jobs WHERE user_id = "
                "(SELECT id FROM users WHERE username = 'bench') AND status = 'COMPLETED'"
            )
            for row in rows:
                summarise(json.loads(row[0]))
            best = min(best, (time.perf_counter() - started) * 1000)
    finally:
        await conn.close()
    return best


def scenario(name: str, database_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    env = api_env(data_dir, database_url)
    subprocess.run([PYTHON, "-m", "interview_jobs.cli", "db", "upgrade"], env=env, cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    with server(env) as base:
        started = time.perf_counter()
        auth, job_ids = asyncio.run(populate(base, args.jobs))
        made = time.perf_counter() - started
        print(f"\n{name}: {len(job_ids)} completed jobs made through the API in {made:.1f} s")
        day = time.strftime("%Y-%m-%d", time.gmtime())
        paths = {
            "progress": "/api/interview/progress",
            "progress?category": "/api/interview/progress?category=behavioural",
            "progress?from&to": f"/api/interview/progress?from={day}&to={day}",
            "status poll (baseline)": f"/api/interview/job/{job_ids[0]}",
        }
        results = {
            label: asyncio.run(latencies(base, auth, path, args.requests))
            for label, path in paths.items()
        }
    poll = results["status poll (baseline)"]
    for label, values in results.items():
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        ratio = f"  p99 = {p99 / percentile(poll, 0.99):.1f}× the poll's" if label != (
            "status poll (baseline)"
        ) else ""  # fmt: skip
        target = "  (target p99 ≤ 50 ms)" if label.startswith("progress") else ""
        print(f"  {label:24s} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms{ratio}{target}")
    if database_url.startswith("sqlite"):
        avoided = from_json_sqlite(Path(database_url.split(":///", 1)[1]))
    else:
        avoided = asyncio.run(from_json_postgres(database_url.replace("+asyncpg", "")))
    print(f"  for scale: loading and summarising every analysis JSON: {avoided:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_path = Path(tmp) / "progress.db"
        scenario("SQLite", f"sqlite+aiosqlite:///{sqlite_path}", Path(tmp) / "sq", args)
        if not args.skip_postgres:
            import asyncpg

            name = f"ij_bench_progress_{os.getpid()}"

            async def admin(sql: str) -> None:
                conn = await asyncpg.connect(PG_ADMIN)
                try:
                    await conn.execute(sql)
                finally:
                    await conn.close()

            asyncio.run(admin(f'CREATE DATABASE "{name}"'))
            try:
                url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
                scenario("PostgreSQL", url, Path(tmp) / "pg", args)
            finally:
                asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
