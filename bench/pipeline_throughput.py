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
from tests.support.system import (  # noqa: E402
    Client,
    distributed_topology,
    embedded_topology,
)


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


@contextmanager
def embedded(workdir: Path, workers: int, asr_model: str) -> Iterator[str]:
    env = {
        "INTERVIEW_JOBS_WORKER_PROCESSES": str(workers),
        "INTERVIEW_JOBS_ASR_MODEL": asr_model,
        "INTERVIEW_JOBS_LOG_LEVEL": "WARNING",
    }
    with embedded_topology(workdir / f"embedded-{workers}", env) as topology:
        yield topology.url


@contextmanager
def distributed(workdir: Path, workers: int, asr_model: str) -> Iterator[str]:
    env = {"INTERVIEW_JOBS_ASR_MODEL": asr_model, "INTERVIEW_JOBS_LOG_LEVEL": "WARNING"}
    with distributed_topology(
        workdir / f"distributed-{workers}", apis=1, workers=workers, env=env, name="ij_bench"
    ) as topology:
        time.sleep(3)  # let the workers' analysis children load their models
        yield topology.url


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


def measure_burst(url: str, clip: Path, burst: int, workers: int) -> float:
    """Jobs per minute for ``burst`` jobs submitted at once, after one uncounted job per worker
    (a worker's first analysis pays one-off start-up costs)."""
    client = Client(url).signup(f"bench{uuid.uuid4().hex[:8]}")
    file_id = client.upload(clip)["id"]
    warmup = [client.analyze(fileId=file_id)["jobId"] for _ in range(workers)]
    for job_id in warmup:
        client.wait(job_id)
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
                row["jpm_1"] = measure_burst(url, clip, args.burst, workers=1)
            with topology(workdir, 2, args.asr_model) as url:
                row["jpm_2"] = measure_burst(url, clip, args.burst, workers=2)
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
