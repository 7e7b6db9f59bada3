"""Fault injection on the distributed topology, on loopback, bounded in time.

    .venv/bin/python bench/faults.py                       # every fault, 10 jobs each
    .venv/bin/python bench/faults.py --only kill-worker,callback-outage --jobs 6

The system: two API processes on a throw-away PostgreSQL database, the AI backend, two worker
processes on RabbitMQ (a queue of its own), the tiny ASR model, short generated clips served by
a loopback video host, ``JOB_DEADLINE_SECONDS=60`` and ``MAX_ATTEMPTS=3`` (so the deadline path
is in play), uploads in S3 (a SeaweedFS of the run's own; each API process has a DATA_DIR of its
own). The API_URL the AI backend calls back to (and downloads uploads from) is a small proxy in
this process that balances over the two API processes and can answer callbacks with 503 for a
while. Jobs analyse the video host's URL, except under the storage restart: there they analyse
each user's uploaded clip, so that the AI backend's downloads go through the API to S3.

For each fault: jobs are submitted to both API processes in turn (a refused submission is
retried on the other with the same Idempotency-Key, as a client behind a load balancer would),
the fault is injected while jobs are being analysed, the component comes back, and every job is
followed until it is terminal or the bound passes. Printed per fault: jobs submitted, COMPLETED,
FAILED, lost (not terminal within the bound — must be 0), applied twice (results applied per
the APIs' ``interview_jobs_results_applied_total`` counters, scraped every second, minus jobs
with that result — must be 0), the highest attempt, deadline re-forwards ("refwd"), the outage
(fault → component healthy again), the drain (fault → last job terminal), how many
submissions had to be retried on the other API process, and the 5xx answers this script's
requests got and the 500s the API processes logged for anyone (503 while a dependency is down
is the contract; a 500 is a bug). The callback endpoint's outage (75 s
by default) is longer than the deadline, so that path is exercised: jobs are forwarded again
while their first result waits, and the late result of the old attempt must not apply.

PostgreSQL and RabbitMQ are restarted for real (``pg_ctlcluster … restart``, ``rabbitmqctl
stop_app/start_app``): this affects anyone else using them on the machine; each outage is a
few seconds and the service is started again in a ``finally`` whatever happens. SeaweedFS is
the run's own: ``storage-restart`` stops it for 15 s (long enough for a worker to come free and
download during the outage) and starts it again on the same data.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.seaweed import Seaweed, running_seaweed  # noqa: E402
from tests.support.servers import ServerThread, free_port  # noqa: E402
from tests.support.system import Process, children, distributed_topology  # noqa: E402

TERMINAL = {"COMPLETED", "FAILED", "CANCELLED"}
ANALYSIS_TYPE = ["comprehensive"]  # --analysis


class ServerErrors:
    """5xx answers the clients of this script saw (a 503 while a dependency is down is the
    contract; a 500 is a bug)."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self._lock = threading.Lock()

    def note(self, status: int) -> None:
        if status >= 500:
            with self._lock:
                self.counts[status] = self.counts.get(status, 0) + 1

    def take(self) -> str:
        with self._lock:
            counts, self.counts = self.counts, {}
        return ",".join(f"{n}×{code}" for code, n in sorted(counts.items())) or "none"


SERVER_ERRORS = ServerErrors()
PASSWORD = "faults-password-123"
FAULTS = [
    "kill-api",
    "kill-ai",
    "kill-worker",
    "postgres-restart",
    "rabbitmq-restart",
    "callback-outage",
    "storage-restart",
]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# ---- the loopback video host and the callback proxy (threads of this process) ----
def video_host(clip: Path) -> Any:
    from starlette.applications import Starlette
    from starlette.responses import FileResponse
    from starlette.routing import Route

    async def video(_: Any) -> FileResponse:
        return FileResponse(clip, media_type="video/mp4")

    return Starlette(routes=[Route("/v.mp4", video)])


class CallbackProxy:
    """Forwards the AI backend's callbacks to whichever API process answers; while ``failing``
    it answers 503 itself (the callback endpoint "down")."""

    def __init__(self, targets: list[str]) -> None:
        self.targets = targets
        self.failing_until = 0.0
        self.refused = 0
        self.forwarded = 0
        self.content_answers: dict[int, int] = {}  # status → count of the uploads' downloads

    def app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse, Response
        from starlette.routing import Route

        client = httpx.AsyncClient(timeout=30)

        async def forward(request: Request) -> Response:
            if time.monotonic() < self.failing_until:
                self.refused += 1
                body = {"error": "ServiceUnavailable", "message": "injected", "details": None}
                return JSONResponse(body, status_code=503)
            raw = await request.body()
            headers = {
                k: v
                for k, v in request.headers.items()
                if k.lower() not in ("host", "content-length")
            }
            last: Exception | None = None
            for target in self.targets:
                try:
                    r = await client.post(
                        f"{target}{request.url.path}", content=raw, headers=headers
                    )
                except httpx.TransportError as exc:
                    last = exc
                    continue
                self.forwarded += 1
                return Response(r.content, status_code=r.status_code, media_type="application/json")
            body = {"error": "ServiceUnavailable", "message": f"no API: {last}", "details": None}
            return JSONResponse(body, status_code=503)

        async def content(request: Request) -> Response:
            # The signed URLs of uploads are built on API_URL (this proxy) too: pass them on to
            # whichever API process answers (the clips are small: read whole).
            last: Exception | None = None
            for target in self.targets:
                try:
                    r = await client.get(
                        f"{target}{request.url.path}",
                        params=dict(request.query_params),
                        headers={k: v for k, v in request.headers.items() if k.lower() == "range"},
                    )
                except httpx.TransportError as exc:
                    last = exc
                    continue
                self.content_answers[r.status_code] = self.content_answers.get(r.status_code, 0) + 1
                headers = {
                    k: v
                    for k, v in r.headers.items()
                    if k.lower() in ("content-type", "content-range", "accept-ranges", "etag")
                }
                return Response(r.content, status_code=r.status_code, headers=headers)
            body = {"error": "ServiceUnavailable", "message": f"no API: {last}", "details": None}
            return JSONResponse(body, status_code=503)

        return Starlette(
            routes=[
                Route("/api/interview/analysis-callback", forward, methods=["POST"]),
                Route("/api/files/{file_id:int}/content", content, methods=["GET"]),
            ]
        )


# ---- counting applied results ----
class ResultCounter:
    """Scrapes every API process's ``interview_jobs_results_applied_total`` each second and keeps
    the last value seen of each process incarnation (a SIGKILLed process's count survives it:
    what it applied in its last second may be missed — an undercount, never a double)."""

    PATTERN = re.compile(
        r'^interview_jobs_(results_applied|deadlines)_total\{(?:status|action)="(\w+)"\} (\S+)$',
        re.M,
    )

    def __init__(self, apis: dict[str, str]) -> None:
        self.apis = apis
        self.incarnation = dict.fromkeys(apis, 0)
        self.last: dict[tuple[str, int], dict[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def restarted(self, name: str) -> None:
        self.incarnation[name] += 1

    def scrape(self) -> None:
        for name, url in self.apis.items():
            try:
                text = httpx.get(f"{url}/metrics", timeout=2).text
            except httpx.HTTPError:
                continue
            values = {
                f"{m.group(1)}:{m.group(2)}": float(m.group(3)) for m in self.PATTERN.finditer(text)
            }
            self.last[(name, self.incarnation[name])] = values

    def totals(self) -> dict[str, float]:
        self.scrape()
        out: dict[str, float] = {}
        for values in self.last.values():
            for status, value in values.items():
                out[status] = out.get(status, 0.0) + value
        return out

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            with contextlib.suppress(Exception):
                self.scrape()


# ---- the system ----
@dataclass
class System:
    apis: dict[str, str]
    procs: dict[str, Process]
    ai_url: str
    proxy: CallbackProxy
    counter: ResultCounter
    video_url: str
    seaweed: Seaweed
    tokens: list[str] = field(default_factory=list)
    file_ids: dict[str, int] = field(default_factory=dict)  # each user's uploaded clip

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n{p.log_tail(15)}" for n, p in self.procs.items())


@contextlib.contextmanager
def distributed(workdir: Path, clip: Path) -> Iterator[System]:
    proxy_port = free_port()
    proxy = CallbackProxy([])  # its targets are known once the API processes have their ports
    host = ServerThread(video_host(clip)).start()
    proxy_server = ServerThread(proxy.app(), proxy_port).start()
    env = {
        "INTERVIEW_JOBS_TRUSTED_VIDEO_HOSTS": json.dumps([f"127.0.0.1:{host.port}"]),
        "INTERVIEW_JOBS_ASR_MODEL": "tiny.en",
        "INTERVIEW_JOBS_JOB_DEADLINE_SECONDS": "60",
        "INTERVIEW_JOBS_MAX_ATTEMPTS": "3",
        "INTERVIEW_JOBS_DISPATCH_BACKOFF_MAX_SECONDS": "3",
        "INTERVIEW_JOBS_DISPATCH_LEASE_SECONDS": "15",
        "INTERVIEW_JOBS_TASK_MIN_BACKOFF_SECONDS": "1",
        "INTERVIEW_JOBS_TASK_MAX_BACKOFF_SECONDS": "10",
        "INTERVIEW_JOBS_WORKER_SHUTDOWN_GRACE_SECONDS": "5",
        "INTERVIEW_JOBS_ARGON2_TIME_COST": "1",
        "INTERVIEW_JOBS_ARGON2_MEMORY_KIB": "8192",
        "INTERVIEW_JOBS_LOG_LEVEL": "INFO",
    }
    try:
        with (
            running_seaweed(workdir) as seaweed,
            distributed_topology(
                workdir,
                env={**env, **seaweed.env("s3://ij-faults")},
                callback_url=f"http://127.0.0.1:{proxy_port}",
                api_args=("--log-level", "warning"),
                name="ij_faults",
                api_data_dirs=True,
            ) as topology,
        ):
            proxy.targets[:] = topology.api_urls
            apis = {f"api{i + 1}": url for i, url in enumerate(topology.api_urls)}
            counter = ResultCounter(apis)
            counter.start()
            system = System(apis, topology.processes, topology.ai_url, proxy, counter,
                            f"{host.url}/v.mp4", seaweed)  # fmt: skip
            try:
                with httpx.Client(base_url=apis["api1"], timeout=30) as client:
                    for i in range(4):
                        body = {"username": f"fault{i}", "password": PASSWORD}
                        client.post("/api/auth/register", json=body).raise_for_status()
                        r = client.post("/api/auth/login", json=body)
                        token = r.json()["accessToken"]
                        system.tokens.append(token)
                        with clip.open("rb") as fh:  # into S3, through the first API process
                            r = client.post(
                                "/api/files",
                                files={"file": ("clip.mp4", fh, "video/mp4")},
                                headers={"Authorization": f"Bearer {token}"},
                            )
                        r.raise_for_status()
                        system.file_ids[token] = r.json()["id"]
                yield system
            finally:
                counter.stop()
    finally:
        proxy_server.stop()
        host.stop()


# ---- jobs ----
def submit(system: System, i: int, uploaded: bool = False) -> tuple[str, str, int]:
    """One job, to api1 or api2 in turn; on a refusal, the other one with the same
    Idempotency-Key. ``uploaded``: of the user's uploaded clip (the AI backend downloads it from
    the API, which reads it from S3), else of the video host's URL. Returns (token, jobId,
    retries)."""
    token = system.tokens[i % len(system.tokens)]
    source: dict[str, Any] = (
        {"fileId": system.file_ids[token]} if uploaded else {"videoUrl": system.video_url}
    )
    key = f"faults-{uuid.uuid4().hex}"
    order = list(system.apis.values())
    if i % 2:
        order.reverse()
    retries = 0
    deadline = time.monotonic() + 120
    while True:
        for url in order:
            try:
                r = httpx.post(
                    f"{url}/api/interview/analyze",
                    json={**source, "analysisType": ANALYSIS_TYPE[0]},
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                    timeout=10,
                )
                SERVER_ERRORS.note(r.status_code)
                if r.status_code == 202:
                    return token, r.json()["jobId"], retries
            except httpx.HTTPError:
                pass
            retries += 1
        if time.monotonic() > deadline:
            raise RuntimeError(f"job {i} could not be submitted in 120 s")
        time.sleep(0.5)


def job_states(system: System, jobs: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    states: dict[str, dict[str, Any]] = {}
    for token, job_id in jobs:
        for url in system.apis.values():
            try:
                r = httpx.get(
                    f"{url}/api/interview/job/{job_id}",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=5,
                )
                SERVER_ERRORS.note(r.status_code)
                if r.status_code == 200:
                    states[job_id] = r.json()
                    break
            except httpx.HTTPError:
                continue
    return states


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.2) -> float | None:
    """Seconds until ``check()`` held, or None after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with contextlib.suppress(Exception):
            if check():
                return time.monotonic() - start
        time.sleep(step)
    return None


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# ---- the faults: each injects, brings the component back, returns when it is healthy ----
def restart_process(system: System, name: str, down_seconds: float = 2.0) -> None:
    process = system.procs[name]
    if name in system.counter.apis:
        system.counter.scrape()  # its count so far (what it applies until the kill may be missed)
    process.kill(signal.SIGKILL)
    if name in system.counter.apis:
        system.counter.restarted(name)
    time.sleep(down_seconds)
    process.start()
    url = system.apis.get(name, system.ai_url)
    if wait_until(lambda: ready(url), 120) is None:
        raise RuntimeError(f"{name} did not come back:\n{process.log_tail()}")


def kill_worker(system: System) -> None:
    supervisor = system.procs["workers"].pid
    before = children(supervisor)
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    # the supervisor restarts it (its backoff starts at 1 s)
    if (
        wait_until(
            lambda: len(children(supervisor)) == len(before) and victim not in children(supervisor),
            60,
        )
        is None
    ):
        raise RuntimeError("the worker was not restarted")
    time.sleep(3)  # its analysis child loads the model


def postgres_restart(system: System) -> None:
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main"]
    try:
        subprocess.run([*command, "restart"], check=True, timeout=60, capture_output=True)
    finally:
        if not port_open(5432):
            subprocess.run([*command, "start"], check=False, timeout=60, capture_output=True)
    for url in system.apis.values():
        if wait_until(lambda u=url: ready(u), 60) is None:
            raise RuntimeError("an API did not see PostgreSQL again")


def rabbitmq_restart(system: System) -> None:
    try:
        subprocess.run(["rabbitmqctl", "stop_app"], check=True, timeout=60, capture_output=True)
        time.sleep(3)
    finally:
        subprocess.run(["rabbitmqctl", "start_app"], check=False, timeout=120, capture_output=True)
    if wait_until(lambda: ready(system.ai_url), 120) is None:
        raise RuntimeError("the AI backend did not see RabbitMQ again")


def storage_restart(system: System, down_seconds: float = 15.0) -> None:
    """SeaweedFS stopped (SIGTERM) and started again on its ports and data: meanwhile the AI
    backend's downloads of uploads get 503 from the API and are retried."""
    try:
        system.seaweed.stop()
        time.sleep(down_seconds)
    finally:
        system.seaweed.start()
    for url in system.apis.values():
        if wait_until(lambda u=url: ready(u), 60) is None:
            raise RuntimeError("an API did not see the object store again")


OUTAGE_SECONDS = [75.0]  # --outage-seconds


def callback_outage(system: System) -> None:
    # Longer than JOB_DEADLINE_SECONDS: progress reports fail too, so deadlines pass and jobs
    # are forwarded again (attempt 2) while the first attempt's result waits to be delivered.
    seconds = OUTAGE_SECONDS[0]
    system.proxy.failing_until = time.monotonic() + seconds
    time.sleep(seconds)


INJECT: dict[str, Callable[[System], None]] = {
    "kill-api": lambda s: restart_process(s, "api1"),
    "kill-ai": lambda s: restart_process(s, "ai"),
    "kill-worker": kill_worker,
    "postgres-restart": postgres_restart,
    "rabbitmq-restart": rabbitmq_restart,
    "callback-outage": callback_outage,
    "storage-restart": storage_restart,
}
# Faults whose jobs analyse uploaded files (the store is on their path) rather than a URL.
UPLOADED = {"storage-restart"}


@dataclass
class Outcome:
    fault: str
    submitted: int
    completed: int
    failed: int
    lost: int
    applied_twice: int
    counted: str
    max_attempt: int
    reforwarded: int  # deadline re-forwards (attempt + 1) counted by the APIs
    outage: float
    drain: float | None
    submit_retries: int
    server_errors: str  # 5xx answers seen by the clients here, e.g. "3×503"
    unhandled: int  # 500s the API processes logged (any client: also the AI backend's calls)
    load: str


def unhandled_errors(system: System) -> int:
    """Lines of the API processes' logs that record a 500 (an unhandled exception)."""
    total = 0
    for name in system.apis:
        with contextlib.suppress(OSError):
            total += (
                system.procs[name].log_path.read_text(errors="replace").count("unhandled error")
            )
    return total


def run_fault(system: System, fault: str, jobs: int, bound: float) -> Outcome:
    before = system.counter.totals()
    unhandled_before = unhandled_errors(system)
    SERVER_ERRORS.take()
    submitted: list[tuple[str, str]] = []
    retries = 0
    half = max(1, jobs // 2)
    uploaded = fault in UPLOADED
    for i in range(half):
        token, job_id, r = submit(system, i, uploaded)
        submitted.append((token, job_id))
        retries += r
    # mid-load: inject once a job is being analysed
    wait_until(
        lambda: any(s["status"] == "PROCESSING" for s in job_states(system, submitted).values()),
        120,
        0.3,
    )
    fault_at = time.monotonic()
    errors: list[BaseException] = []

    def inject() -> None:
        try:
            INJECT[fault](system)
        except BaseException as exc:
            errors.append(exc)

    injector = threading.Thread(target=inject, daemon=True)
    injector.start()
    for i in range(half, jobs):  # the rest arrive during the fault
        token, job_id, r = submit(system, i, uploaded)
        submitted.append((token, job_id))
        retries += r
        time.sleep(0.5)
    injector.join()
    if errors:
        raise errors[0]
    outage = time.monotonic() - fault_at

    def all_terminal() -> bool:
        states = job_states(system, submitted)
        return len(states) == len(submitted) and all(
            s["status"] in TERMINAL for s in states.values()
        )

    waited = wait_until(all_terminal, bound, 1.0)
    drain = None if waited is None else time.monotonic() - fault_at
    states = job_states(system, submitted)
    statuses = [s["status"] for s in states.values()]
    after = system.counter.totals()
    completed, failed = statuses.count("COMPLETED"), statuses.count("FAILED")

    def delta(key: str) -> float:
        return after.get(key, 0.0) - before.get(key, 0.0)

    applied = {k: delta(f"results_applied:{k}") for k in ("COMPLETED", "FAILED")}
    # every COMPLETED comes from a callback; FAILED also from the deadline (not counted there)
    twice = max(0, int(applied["COMPLETED"]) - completed) + max(0, int(applied["FAILED"]) - failed)
    return Outcome(
        fault=fault,
        submitted=len(submitted),
        completed=completed,
        failed=failed,
        lost=len(submitted) - sum(1 for s in statuses if s in TERMINAL),
        applied_twice=twice,
        counted=f"{applied['COMPLETED']:.0f}C/{applied['FAILED']:.0f}F",
        max_attempt=max((int(s["attempt"]) for s in states.values()), default=0),
        reforwarded=int(delta("deadlines:reforwarded")),
        outage=outage,
        drain=drain,
        submit_retries=retries,
        server_errors=SERVER_ERRORS.take(),
        unhandled=unhandled_errors(system) - unhandled_before,
        load=load_average(),
    )


HEADER = (
    f"{'fault':<17}{'jobs':>5}{'COMPL':>7}{'FAILED':>7}{'lost':>5}{'twice':>6}{'applied':>9}"
    f"{'max att':>8}{'refwd':>6}{'outage s':>9}{'drain s':>8}{'retries':>8}{'5xx seen':>10}"
    f"{'500 log':>8}  load"
)


def _row(o: Outcome) -> str:
    drain = "—" if o.drain is None else f"{o.drain:.1f}"
    return (
        f"{o.fault:<17}{o.submitted:>5}{o.completed:>7}{o.failed:>7}{o.lost:>5}"
        f"{o.applied_twice:>6}{o.counted:>9}{o.max_attempt:>8}{o.reforwarded:>6}"
        f"{o.outage:>9.1f}{drain:>8}{o.submit_retries:>8}{o.server_errors:>10}"
        f"{o.unhandled:>8}  {o.load}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10, help="jobs per fault")
    parser.add_argument("--clip-seconds", type=float, default=5.0)
    parser.add_argument("--bound", type=float, default=300.0, help="seconds for every job to end")
    parser.add_argument("--only", default=",".join(FAULTS), help="comma-separated faults")
    parser.add_argument(
        "--outage-seconds", type=float, default=75.0, help="of the callback endpoint"
    )
    parser.add_argument("--analysis", default="comprehensive", help="analysisType of the jobs")
    args = parser.parse_args()
    faults = [f.strip() for f in args.only.split(",") if f.strip()]
    OUTAGE_SECONDS[0] = args.outage_seconds
    ANALYSIS_TYPE[0] = args.analysis
    unknown = set(faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults {sorted(unknown)}; known: {FAULTS}")
    print(f"load average at start: {load_average()} ({os.cpu_count()} cores)", flush=True)

    from tests.media.generate import make_clip

    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="ij-faults-") as tmp:
        workdir = Path(tmp)
        clip = workdir / "clip.mp4"
        make_clip(clip, args.clip_seconds)
        with distributed(workdir, clip) as system:
            # warm-up: one job through, so that the workers' models are loaded
            _, job_id, _ = submit(system, 0)
            wait_until(
                lambda: (
                    job_states(system, [(system.tokens[0], job_id)])[job_id]["status"] in TERMINAL
                ),
                180,
            )
            for fault in faults:
                print(f"-- {fault} ({args.jobs} jobs) …", flush=True)
                try:
                    outcome = run_fault(system, fault, args.jobs, args.bound)
                except Exception as exc:
                    print(f"   {fault}: could not run: {exc}\n{system.logs()}", flush=True)
                    return 1
                outcomes.append(outcome)
                print(f"   {_row(outcome)}", flush=True)
            print(f"\nproxy: {system.proxy.forwarded} callbacks forwarded, {system.proxy.refused} "
                  "refused with 503 during the outage")  # fmt: skip
            downloads = ", ".join(
                f"{n}×{code}" for code, n in sorted(system.proxy.content_answers.items())
            )
            print(
                f"the AI backend's downloads of uploads, by the API's answer: {downloads or 'none'}"
            )
    print(f"\nload average at end: {load_average()}")
    print(HEADER)
    for o in outcomes:
        print(_row(o))
    bad = [o.fault for o in outcomes if o.lost or o.applied_twice]
    if bad:
        print(f"FAILED: jobs lost or applied twice under {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
