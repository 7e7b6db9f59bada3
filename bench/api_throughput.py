"""API throughput benchmark (issue 2): job creation and job status against a hello-world baseline,
and status/list latency with 1,000 vs 1,000,000 jobs in the table.

    .venv/bin/python bench/api_throughput.py [--duration 10] [--rows 1000000] [--skip-postgres]
        [--skip-sqlite] [--status-only [--rounds 3]]

Every server runs in its own process under the same uvicorn settings (1 worker, uvloop,
httptools, no access log); ``wrk`` loads it from another process over loopback with 32
connections. The API's dispatcher is on and forwards every created job to a stub AI backend (a
Starlette app answering 202, also a separate process), so the figures include the outbox work.
The 1M rows are bulk-inserted with plain SQL, not through the API. Figures are printed; nothing
is asserted. On a shared 2-core machine the ratio to the hello-world measured in the same run is
the figure that matters: the load average is printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import DateTime, String, event
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CONNECTIONS = 32
PASSWORD = "bench-password-123"
UVICORN_FLAGS = [
    "--host", "127.0.0.1", "--loop", "uvloop", "--http", "httptools",
    "--no-access-log", "--log-level", "warning", "--workers", "1",
]  # fmt: skip
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


# ---- the two helper apps (imported by uvicorn from this file) ----
async def _hello(_: Request) -> PlainTextResponse:
    return PlainTextResponse("Hello, world!")


hello_app = Starlette(routes=[Route("/", _hello)])


async def _stub_forward(request: Request) -> Response:
    try:
        body = await request.json()
    except ClientDisconnect:  # the API under test was stopped mid-forward: nothing to answer
        return Response(status_code=499)
    return JSONResponse({"jobId": body["jobId"], "status": "QUEUED"}, status_code=202)


stub_ai_app = Starlette(
    routes=[Route("/api/v1/interview/analyze", _stub_forward, methods=["POST"])]
)


# The yardstick for job creation, measured in the same run: a bare FastAPI app that
# validates the same body and inserts one row with the SQLAlchemy ORM (async, aiosqlite, one
# connection, SQLite in WAL mode), without auth, outbox or forwarding.
class _RefBase(DeclarativeBase):
    pass


class _RefJob(_RefBase):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(36), unique=True)
    video_url: Mapped[str] = mapped_column(String(4096))
    status: Mapped[str] = mapped_column(String(16))
    analysis_type: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class _RefBody(BaseModel):
    videoUrl: str
    analysisType: str = "comprehensive"


def reference_app() -> FastAPI:
    """uvicorn ``--factory``; the database file is IJ_BENCH_REFERENCE_DB."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{os.environ['IJ_BENCH_REFERENCE_DB']}", pool_size=1, max_overflow=0
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _wal(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")

    sessions = async_sessionmaker(engine, expire_on_commit=False)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as conn:
            await conn.run_sync(_RefBase.metadata.create_all)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    async def up() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/interview/analyze", status_code=202)
    async def create(body: _RefBody) -> dict[str, str]:
        async with sessions() as session:
            job = _RefJob(
                job_id=str(uuid.uuid4()),
                video_url=body.videoUrl,
                status="PENDING",
                analysis_type=body.analysisType,
                created_at=dt.datetime.now(dt.UTC),
            )
            session.add(job)
            await session.commit()
            return {"jobId": job.job_id, "status": job.status}

    return app


# ---- processes ----
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# url of a running server -> (its pid, its PostgreSQL database or None): whose CPU a run costs
SERVERS: dict[str, tuple[int, str | None]] = {}


@contextlib.contextmanager
def server(app: str, port: int, env: dict[str, str], *extra: str) -> Iterator[str]:
    cmd = [PYTHON, "-m", "uvicorn", app, "--port", str(port), *UVICORN_FLAGS, *extra]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    database = env.get("INTERVIEW_JOBS_DATABASE_URL", "")
    pg_name = database.rsplit("/", 1)[1] if database.startswith("postgres") else None
    SERVERS[url] = (proc.pid, pg_name)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{app} exited with {proc.returncode}")
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{app} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


# ---- wrk ----
@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0
    cpu_ms: tuple[float, float | None] | None = None  # CPU per request: (api, db)

    def row(self, label: str, baseline: float | None = None) -> str:
        ratio = f"{self.rps / baseline:6.3f}x" if baseline else "       "
        errors = f"  non-2xx/errors: {self.errors}" if self.errors else ""
        cpu = ""
        if self.cpu_ms is not None:
            api, db = self.cpu_ms
            cpu = f"  cpu/req api {api:5.3f} ms" + (f" + db {db:5.3f} ms" if db is not None else "")
        return (
            f"  {label:<34} {self.rps:9.0f} req/s  {ratio}  p50 {self.p50_ms:7.2f} ms  "
            f"p99 {self.p99_ms:7.2f} ms{cpu}{errors}"
        )


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, seconds: int, script: Path | None = None, header: str | None = None) -> Load:
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script is not None:
        cmd += ["-s", str(script)]
    if header is not None:
        cmd += ["-H", header]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    distribution = out.split("Latency Distribution", 1)[1]
    p50 = _ms(re.search(r"50%\s+(\S+)", distribution).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", distribution).group(1))  # type: ignore[union-attr]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*?(\d+) timeout"):
        found = re.search(pattern, out)
        errors += int(found.group(1)) if found else 0
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Load(rps, p50, p99, errors, requests)


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """utime + stime of each process still running."""
    found = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def _backends(database: str | None) -> list[int]:
    if database is None:
        return []

    async def pids() -> list[int]:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN)
        try:
            query = "SELECT pid FROM pg_stat_activity WHERE datname = $1"
            return [int(r["pid"]) for r in await conn.fetch(query, database)]
        finally:
            await conn.close()

    return asyncio.run(pids())


def measure(url: str, seconds: int, **kwargs: object) -> Load:
    wrk(url, 2, **kwargs)  # type: ignore[arg-type]  # warm-up
    base = url.split("/", 3)
    pid, database = SERVERS.get("/".join(base[:3]), (None, None))
    if pid is None:
        return wrk(url, seconds, **kwargs)  # type: ignore[arg-type]
    backends = _backends(database)
    before = _cpu_seconds([pid, *backends])
    load = wrk(url, seconds, **kwargs)  # type: ignore[arg-type]
    after = _cpu_seconds([pid, *_backends(database)])

    def spent(pids: list[int]) -> float:
        return sum(after[p] - before.get(p, 0.0) for p in pids if p in after)

    db_pids = [p for p in after if p != pid]
    per = 1000 / max(load.requests, 1)
    load.cpu_ms = (spent([pid]) * per, spent(db_pids) * per if database else None)
    return load


def post_script(directory: Path, token: str, *, keyed: bool = False) -> Path:
    """wrk script of job creation; ``keyed``: a new Idempotency-Key on every request, as the web
    page and the CLI send (a nonce per wrk run, so the warm-up's keys are not replayed)."""
    path = directory / ("create-keyed.lua" if keyed else "create.lua")
    script = (
        'wrk.method = "POST"\n'
        'wrk.body = \'{"videoUrl": "https://videos.example.com/bench.mp4", '
        '"analysisType": "comprehensive"}\'\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )
    if keyed:
        script += (
            "math.randomseed(os.time() + math.floor(os.clock() * 1e6))\n"
            'local nonce = string.format("%d-%d", os.time(), math.random(1, 1e9))\n'
            "local counter = 0\n"
            "request = function()\n"
            "  counter = counter + 1\n"
            '  wrk.headers["Idempotency-Key"] = "bench-" .. nonce .. "-" .. counter\n'
            "  return wrk.format()\n"
            "end\n"
        )
    path.write_text(script)
    return path


# ---- the API under test ----
def api_env(data_dir: Path, database_url: str, ai_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_JOBS_")}
    env.update(
        INTERVIEW_JOBS_DATA_DIR=str(data_dir),
        INTERVIEW_JOBS_DATABASE_URL=database_url,
        INTERVIEW_JOBS_AI_URL=ai_url,
    )
    return env


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "-m", "interview_jobs.cli", *args], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def token(url: str) -> str:
    r = httpx.post(f"{url}/api/auth/login", json={"username": "bench", "password": PASSWORD})
    r.raise_for_status()
    return str(r.json()["accessToken"])


def create_one(url: str, auth: str) -> str:
    r = httpx.post(
        f"{url}/api/interview/analyze",
        json={"videoUrl": "https://videos.example.com/one.mp4"},
        headers={"Authorization": auth},
    )
    r.raise_for_status()
    return str(r.json()["jobId"])


# ---- bulk rows ----
BULK_ANALYSIS = '{"schemaVersion":1,"score":80,"summary":"bulk row"}'


def bulk_sqlite(path: Path, total: int, bench_jobs: int) -> None:
    """Fill interview_jobs up to ``total`` rows: ``bench_jobs`` for user 1, the rest spread over
    other users (1,000 jobs each)."""
    conn = sqlite3.connect(path)
    try:
        have = conn.execute("SELECT count(*) FROM interview_jobs").fetchone()[0]
        mine = conn.execute("SELECT count(*) FROM interview_jobs WHERE user_id = 1").fetchone()[0]
        others = max(0, total - max(have, bench_jobs))
        users = max(1, others // 1000)
        conn.execute("BEGIN")
        conn.execute(
            "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?) "
            "INSERT INTO users (username, password_hash, created_at) "
            "SELECT 'bulk' || n || '-' || ?, 'x', '2020-01-01 00:00:00.000000' FROM seq",
            (users, uuid.uuid4().hex[:6]),
        )
        first_user = conn.execute("SELECT max(id) FROM users").fetchone()[0] - users + 1
        _sqlite_jobs(conn, bench_jobs - mine, "1", 0)
        _sqlite_jobs(conn, others, f"{first_user} + (n % {users})", bench_jobs)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


def _sqlite_jobs(conn: sqlite3.Connection, count: int, user_expr: str, offset: int) -> None:
    if count <= 0:
        return
    conn.execute(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?) "
        "INSERT INTO interview_jobs (job_id, user_id, video_url, status, analysis_type, "
        "detailed_analysis, created_at, updated_at, attempt, progress, finished_at) "
        f"SELECT lower(hex(randomblob(16))), {user_expr}, 'https://videos.example.com/b.mp4', "
        "'COMPLETED', 'comprehensive', ?, "
        "strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (n + ?) || ' seconds') || '.000000', "
        "strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (n + ?) || ' seconds') || '.000000', "
        "1, 100, strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000' FROM seq",
        (count, BULK_ANALYSIS, offset, offset),
    )


async def bulk_postgres(dsn: str, total: int, bench_jobs: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        have = await conn.fetchval("SELECT count(*) FROM interview_jobs")
        mine = await conn.fetchval("SELECT count(*) FROM interview_jobs WHERE user_id = 1")
        others = max(0, total - max(have, bench_jobs))
        users = max(1, others // 1000)
        first_user = await conn.fetchval(
            "WITH u AS (INSERT INTO users (username, password_hash, created_at) "
            "SELECT 'bulk' || g || '-' || $2, 'x', now() FROM generate_series(1, $1) g "
            "RETURNING id) SELECT min(id) FROM u",
            users,
            uuid.uuid4().hex[:6],
        )
        for count, user_expr, offset in (
            (bench_jobs - mine, "1", 0),
            (others, f"{first_user} + (g % {users})", bench_jobs),
        ):
            if count <= 0:
                continue
            await conn.execute(
                "INSERT INTO interview_jobs (job_id, user_id, video_url, status, analysis_type, "
                "detailed_analysis, created_at, updated_at, attempt, progress, finished_at) "
                f"SELECT md5(random()::text || g), {user_expr}, 'https://videos.example.com/b.mp4',"
                " 'COMPLETED', 'comprehensive', $2, now() - make_interval(secs => g + $3), "
                "now() - make_interval(secs => g + $3), 1, 100, now() "
                "FROM generate_series(1, $1) g",
                count,
                BULK_ANALYSIS,
                offset,
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


# ---- one database ----
def run_database(name: str, database_url: str, args: argparse.Namespace, hello_url: str,
                 ai_url: str, workdir: Path) -> None:  # fmt: skip
    print(f"\n== {name}")
    data_dir = workdir / f"data-{name.lower()}"
    env = api_env(data_dir, database_url, ai_url)
    cli(env, "db", "upgrade")
    cli(env, "user", "create", "bench", "--password", PASSWORD)
    port = free_port()
    app = "interview_jobs.api.app:create_app"
    with server(app, port, env, "--factory") as url:
        bearer = f"Bearer {token(url)}"
        if args.status_only:
            job_id = create_one(url, bearer)
            for _ in range(args.rounds):  # alternating, each against the run right before it
                hello = measure(hello_url + "/", args.duration)
                status = measure(f"{url}/api/interview/job/{job_id}", args.duration,
                                 header=f"Authorization: {bearer}")  # fmt: skip
                print(hello.row("hello-world (adjacent baseline)", hello.rps))
                print(status.row("job status (GET job/{id})", hello.rps))
            return
        # The machine is shared: each figure is compared with a hello-world run right before it.
        hello = measure(hello_url + "/", args.duration)
        create = measure(f"{url}/api/interview/analyze", args.duration,
                         script=post_script(workdir, bearer.split()[1]))  # fmt: skip
        print(hello.row("hello-world (adjacent baseline)", hello.rps))
        print(create.row("job creation (POST analyze)", hello.rps))
        hello = measure(hello_url + "/", args.duration)
        keyed = measure(f"{url}/api/interview/analyze", args.duration,
                        script=post_script(workdir, bearer.split()[1], keyed=True))  # fmt: skip
        print(hello.row("hello-world (adjacent baseline)", hello.rps))
        print(keyed.row("job creation with Idempotency-Key", hello.rps))
        # Let the dispatcher forward the backlog first, so that it does not load the status run.
        backlog, seconds = drain_outbox(database_url, data_dir)
        print(
            f"  (dispatcher forwarded the {backlog:,} queued jobs in {seconds:.1f} s after the run)"
        )
        job_id = create_one(url, bearer)
        hello = measure(hello_url + "/", args.duration)
        status = measure(f"{url}/api/interview/job/{job_id}", args.duration,
                         header=f"Authorization: {bearer}")  # fmt: skip
        print(hello.row("hello-world (adjacent baseline)", hello.rps))
        print(status.row("job status (GET job/{id})", hello.rps))

    if database_url.startswith("sqlite"):
        # The yardstick: a bare FastAPI + SQLAlchemy ORM insert, no auth, no outbox.
        ref_env = {**os.environ, "IJ_BENCH_REFERENCE_DB": str(workdir / "reference.db")}
        bench_dir = ["--app-dir", str(Path(__file__).parent), "--factory"]
        with server("api_throughput:reference_app", free_port(), ref_env, *bench_dir) as url:
            hello = measure(hello_url + "/", args.duration)
            bare = measure(f"{url}/api/interview/analyze", args.duration,
                           script=post_script(workdir, "unused"))  # fmt: skip
            print(hello.row("hello-world (adjacent baseline)", hello.rps))
            print(bare.row("bare FastAPI + ORM insert (ref.)", hello.rps))

    # The dispatcher's share of the creation cost: the same run with it switched off.
    quiet_env = {**env, "INTERVIEW_JOBS_DISPATCHER_ENABLED": "false"}
    with server(app, free_port(), quiet_env, "--factory") as url:
        bearer = f"Bearer {token(url)}"
        hello = measure(hello_url + "/", args.duration)
        create = measure(f"{url}/api/interview/analyze", args.duration,
                         script=post_script(workdir, bearer.split()[1]))  # fmt: skip
        print(hello.row("hello-world (adjacent baseline)", hello.rps))
        print(create.row("job creation, dispatcher off", hello.rps))

    # Status and list latency with 1,000 and with args.rows jobs in the table: two databases side
    # by side, one server each, measured in alternation (args.rounds times) so that a burst of
    # load from elsewhere on the machine hits both; the medians are compared.
    small_env, big_env, filled = _two_databases(database_url, data_dir, env, args.rows)
    print(f"  -- status/list latency, 1,000 vs {args.rows:,} jobs in the table "
          f"(filled in {filled:.0f} s), {args.rounds} alternating rounds, medians:")  # fmt: skip
    loads: dict[str, list[Load]] = {}
    with (
        server(app, free_port(), small_env, "--factory") as small,
        server(app, free_port(), big_env, "--factory") as big,
    ):
        targets = {}
        for label, url in (("1k", small), ("big", big)):
            bearer = f"Bearer {token(url)}"
            header = f"Authorization: {bearer}"
            targets[f"status {label}"] = (
                f"{url}/api/interview/job/{_middle_job(url, bearer)}",
                header,
            )
            targets[f"list {label}"] = (f"{url}/api/interview/jobs?limit=50", header)
        for _ in range(args.rounds):
            for name, (url, header) in targets.items():
                loads.setdefault(name, []).append(measure(url, args.short, header=header))
    med = {name: _median(runs) for name, runs in loads.items()}
    for what in ("status", "list"):
        for label, rows in (("1k", 1000), ("big", args.rows)):
            print(med[f"{what} {label}"].row(f"{what} GET, {rows:,} jobs"))
    for what in ("status", "list"):
        small_load, big_load = med[f"{what} 1k"], med[f"{what} big"]
        print(f"  {what}: p99 {args.rows:,} / 1,000 = {big_load.p99_ms / small_load.p99_ms:.2f}x, "
              f"p50 {big_load.p50_ms / small_load.p50_ms:.2f}x "
              f"(p99 per round: 1k {[round(x.p99_ms) for x in loads[what + ' 1k']]} ms, "
              f"{args.rows:,} {[round(x.p99_ms) for x in loads[what + ' big']]} ms)")  # fmt: skip


def _median(runs: list[Load]) -> Load:
    def mid(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    return Load(
        mid([r.rps for r in runs]),
        mid([r.p50_ms for r in runs]),
        mid([r.p99_ms for r in runs]),
        sum(r.errors for r in runs),
    )


def _two_databases(
    database_url: str, data_dir: Path, env: dict[str, str], rows: int
) -> tuple[dict[str, str], dict[str, str], float]:
    """Environments of two copies of the API's database: 1,000 jobs, and ``rows`` jobs."""
    started = time.monotonic()
    if database_url.startswith("sqlite"):
        small_dir, big_dir = data_dir.with_name("small-" + data_dir.name), data_dir
        _truncate_sqlite(data_dir / "interview_jobs.db")
        bulk_sqlite(data_dir / "interview_jobs.db", 1000, 1000)
        shutil.copytree(data_dir, small_dir)
        bulk_sqlite(big_dir / "interview_jobs.db", rows, 1000)
        small_url = f"sqlite+aiosqlite:///{small_dir / 'interview_jobs.db'}"
        small = {
            **env,
            "INTERVIEW_JOBS_DATA_DIR": str(small_dir),
            "INTERVIEW_JOBS_DATABASE_URL": small_url,
        }
        return small, env, time.monotonic() - started
    dsn = database_url.replace("postgresql+asyncpg", "postgresql")
    asyncio.run(_truncate_postgres(dsn))
    asyncio.run(bulk_postgres(dsn, 1000, 1000))
    name = database_url.rsplit("/", 1)[1]
    small_name = f"{name}_small"
    asyncio.run(_pg(f'CREATE DATABASE "{small_name}" TEMPLATE "{name}"'))
    asyncio.run(bulk_postgres(dsn, rows, 1000))
    small = {
        **env,
        "INTERVIEW_JOBS_DATABASE_URL": database_url.rsplit("/", 1)[0] + "/" + small_name,
    }
    return small, env, time.monotonic() - started


def _outbox_count(database_url: str, data_dir: Path) -> int:
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(data_dir / "interview_jobs.db")
        try:
            return int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])
        finally:
            conn.close()

    async def count() -> int:
        import asyncpg

        conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            return int(await conn.fetchval("SELECT count(*) FROM outbox"))
        finally:
            await conn.close()

    return asyncio.run(count())


def drain_outbox(database_url: str, data_dir: Path, limit: float = 300) -> tuple[int, float]:
    """Wait (bounded) until the dispatcher has forwarded everything; (rows at start, seconds)."""
    started = time.monotonic()
    first = _outbox_count(database_url, data_dir)
    while _outbox_count(database_url, data_dir) and time.monotonic() - started < limit:
        time.sleep(0.2)
    return first, time.monotonic() - started


def _truncate_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM outbox")
        conn.execute("DELETE FROM idempotency_keys")
        conn.execute("DELETE FROM interview_jobs")
    conn.execute("VACUUM")
    conn.close()


async def _truncate_postgres(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    await conn.execute("TRUNCATE outbox, idempotency_keys, interview_jobs CASCADE")
    await conn.close()


def _middle_job(url: str, bearer: str) -> str:
    r = httpx.get(f"{url}/api/interview/jobs?limit=200", headers={"Authorization": bearer})
    r.raise_for_status()
    jobs = r.json()
    return str(jobs[len(jobs) // 2]["jobId"])


def postgres_reachable() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 5432)) == 0


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(sql)
    await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per throughput run")
    parser.add_argument("--short", type=int, default=5, help="seconds per latency run")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating latency rounds")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--status-only",
        action="store_true",
        help="only the status poll, in --rounds alternating runs with the hello-world",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (make system-deps)")

    print(f"load average before the run: {os.getloadavg()} on {os.cpu_count()} cores")
    print(f"wrk -t1 -c{CONNECTIONS}; uvicorn {' '.join(UVICORN_FLAGS)}")
    workdir = Path(tempfile.mkdtemp(prefix="ij-bench-"))
    env = dict(os.environ)
    bench_dir = ["--app-dir", str(Path(__file__).parent)]
    try:
        with (
            server("api_throughput:hello_app", free_port(), env, *bench_dir) as hello,
            server("api_throughput:stub_ai_app", free_port(), env, *bench_dir) as ai_url,
        ):
            baseline = measure(hello + "/", args.duration)
            print("\n== baseline")
            print(baseline.row("Starlette hello-world", baseline.rps))
            sqlite_url = f"sqlite+aiosqlite:///{workdir / 'data-sqlite' / 'interview_jobs.db'}"
            if not args.skip_sqlite:
                run_database("SQLite", sqlite_url, args, hello, ai_url, workdir)
            if args.skip_postgres:
                print("\n== PostgreSQL skipped (--skip-postgres)")
            elif not postgres_reachable():
                print("\n== PostgreSQL not reachable at 127.0.0.1:5432: skipped")
            else:
                name = f"ij_bench_{uuid.uuid4().hex[:8]}"
                asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
                try:
                    pg_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
                    run_database("PostgreSQL", pg_url, args, hello, ai_url, workdir)
                finally:
                    for db_name in (name, f"{name}_small"):
                        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        print(f"\nload average after the run: {os.getloadavg()}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
