"""Jobs through the whole system, measured until COMPLETED.

For each topology — embedded (`interview-jobs up`) and distributed (API on PostgreSQL, AI backend
and workers on RabbitMQ) — this prints:

* end-to-end latency overhead of single jobs: (completion − submission) − the analysis's own
  ``timingsSeconds.total``; completion is the job's ``updatedAt`` when it turned COMPLETED (server
  clock, same machine), so the observer's polling adds nothing;
* throughput: a burst of jobs submitted at once, jobs/minute with 1 and with 2 worker processes,
  and the ratio (scaling on this machine).

Usage: python bench/pipeline_throughput.py [--jobs 20] [--burst 12] [--clip-seconds 8]
Targets (issue 4): overhead p50 ≤ 0.5 s with RabbitMQ, ≤ 1.5 s embedded.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.media.generate import make_clip  # noqa: E402
from tests.support.postgres import temporary_database  # noqa: E402
from tests.support.servers import free_port  # noqa: E402
from tests.support.system import Client, Process, wait_http  # noqa: E402

RABBITMQ_URL = os.environ.get("BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
SECRETS = {
    "INTERVIEW_JOBS_JWT_SECRET": "bench-jwt-secret-0123456789abcdef",
    "INTERVIEW_JOBS_AI_API_KEY": "bench-ai-key-0123456789abcdef",
    "INTERVIEW_JOBS_CALLBACK_API_KEY": "bench-callback-key-0123456789abcdef",
    "INTERVIEW_JOBS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "INTERVIEW_JOBS_LOG_LEVEL": "WARNING",
}


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


@contextmanager
def embedded(workdir: Path, workers: int, asr_model: str) -> Iterator[str]:
    port, ai_port = free_port(), free_port()
    env = {
        **SECRETS,
        "INTERVIEW_JOBS_DATA_DIR": str(workdir / f"embedded-{workers}"),
        "INTERVIEW_JOBS_WORKER_PROCESSES": str(workers),
        "INTERVIEW_JOBS_ASR_MODEL": asr_model,
    }
    up = Process("up", ["up", "--port", str(port), "--ai-port", str(ai_port)], env, workdir).start()
    try:
        wait_http(f"http://127.0.0.1:{port}/health", proc=up)
        wait_http(f"http://127.0.0.1:{ai_port}/ready", proc=up)
        yield f"http://127.0.0.1:{port}"
    finally:
        up.stop()


@contextmanager
def distributed(workdir: Path, workers: int, asr_model: str) -> Iterator[str]:
    api, ai = free_port(), free_port()
    queue = f"bench_{uuid.uuid4().hex[:8]}"
    with temporary_database("ij_bench") as database_url:
        env = {
            **SECRETS,
            "INTERVIEW_JOBS_DATA_DIR": str(workdir / f"distributed-{workers}"),
            "INTERVIEW_JOBS_DATABASE_URL": database_url,
            "INTERVIEW_JOBS_BROKER_URL": RABBITMQ_URL,
            "INTERVIEW_JOBS_QUEUE_NAME": queue,
            "INTERVIEW_JOBS_AI_URL": f"http://127.0.0.1:{ai}",
            "INTERVIEW_JOBS_API_URL": f"http://127.0.0.1:{api}",
            "INTERVIEW_JOBS_ASR_MODEL": asr_model,
        }
        migrate = Process("migrate", ["db", "upgrade"], env, workdir).start()
        assert migrate.proc is not None and migrate.proc.wait(timeout=120) == 0
        procs = [
            Process("api", ["api", "--port", str(api)], env, workdir),
            Process("ai", ["ai", "--port", str(ai)], env, workdir),
            Process("workers", ["worker", "--processes", str(workers)], env, workdir),
        ]
        try:
            for p in procs:
                p.start()
            wait_http(f"http://127.0.0.1:{api}/ready", proc=procs[0])
            wait_http(f"http://127.0.0.1:{ai}/ready", proc=procs[1])
            time.sleep(3)  # let the workers' analysis children load their models
            yield f"http://127.0.0.1:{api}"
        finally:
            for p in procs:
                p.stop()
            _delete_queue(queue)


def _delete_queue(queue: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    try:
        channel = connection.channel()
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
    finally:
        connection.close()


def measure_latency(url: str, clip: Path, jobs: int) -> tuple[list[float], list[float]]:
    """Sequential single jobs: (total seconds, overhead seconds) per job."""
    client = Client(url).signup(f"bench{uuid.uuid4().hex[:8]}")
    file_id = client.upload(clip)["id"]
    client.wait(client.analyze(fileId=file_id)["jobId"])  # warm-up job, not counted
    totals, overheads = [], []
    for _ in range(jobs):
        submitted = time.time()
        job = client.analyze(fileId=file_id)
        final = client.wait(job["jobId"])
        assert final["status"] == "COMPLETED", final.get("errorMessage")
        total = _ts(final["updatedAt"]) - submitted
        analysis = float(final["detailedAnalysis"]["timingsSeconds"]["total"])
        totals.append(total)
        overheads.append(total - analysis)
    client.close()
    return totals, overheads


def measure_burst(url: str, clip: Path, burst: int) -> float:
    """Jobs per minute for ``burst`` jobs submitted at once."""
    client = Client(url).signup(f"bench{uuid.uuid4().hex[:8]}")
    file_id = client.upload(clip)["id"]
    start = time.time()
    ids = [client.analyze(fileId=file_id)["jobId"] for _ in range(burst)]
    finals = [client.wait(job_id, timeout=1800) for job_id in ids]
    assert all(f["status"] == "COMPLETED" for f in finals)
    end = max(_ts(f["updatedAt"]) for f in finals)
    client.close()
    return burst / ((end - start) / 60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=20, help="sequential jobs for latency")
    parser.add_argument(
        "--burst", type=int, default=12, help="jobs submitted at once for throughput"
    )
    parser.add_argument("--clip-seconds", type=float, default=8.0)
    parser.add_argument("--asr-model", default="tiny.en")
    parser.add_argument("--only", choices=["embedded", "distributed"], default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ij-bench-") as tmp:
        workdir = Path(tmp)
        clip = workdir / "clip.mp4"
        make_clip(clip, args.clip_seconds)
        print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)")
        print(f"clip: {args.clip_seconds:.0f} s, ASR model {args.asr_model}\n")
        results: dict[str, dict[str, float]] = {}
        topologies = {"embedded": embedded, "distributed": distributed}
        for name, topology in topologies.items():
            if args.only and name != args.only:
                continue
            row: dict[str, float] = {}
            with topology(workdir, 1, args.asr_model) as url:
                totals, overheads = measure_latency(url, clip, args.jobs)
                row["total_p50"] = statistics.median(totals)
                row["overhead_p50"] = statistics.median(overheads)
                row["overhead_p99"] = percentile(overheads, 0.99)
                row["jpm_1"] = measure_burst(url, clip, args.burst)
            with topology(workdir, 2, args.asr_model) as url:
                row["jpm_2"] = measure_burst(url, clip, args.burst)
            results[name] = row
            print(
                f"{name:12s} latency: total p50 {row['total_p50']:.2f} s, overhead p50 "
                f"{row['overhead_p50']:.3f} s, p99 {row['overhead_p99']:.3f} s "
                f"({args.jobs} sequential jobs)"
            )
            print(
                f"{'':12s} throughput: {row['jpm_1']:.1f} jobs/min with 1 worker process, "
                f"{row['jpm_2']:.1f} with 2 (x{row['jpm_2'] / row['jpm_1']:.2f}; {args.burst} jobs)"
            )
        print(f"\nload average at end: {os.getloadavg()[0]:.2f}")
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
