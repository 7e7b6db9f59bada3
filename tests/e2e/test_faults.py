"""A bounded run of bench/faults.py in CI: the distributed topology (2 API processes on
PostgreSQL, the AI backend, 2 workers on RabbitMQ) under SIGKILL of an API process, of the AI
backend and of a worker, and 15 s of 503 from the callback endpoint, 4 jobs each. The script
exits non-zero if a job is lost (not terminal within the bound) or a result applied twice.
(The PostgreSQL and RabbitMQ restarts are left to the full run: they stop shared services.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import broker_url, require_postgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.broker]

ROOT = Path(__file__).resolve().parents[2]


def test_faults_lose_no_job_and_apply_no_result_twice() -> None:
    require_postgres()
    broker_url("rabbitmq")
    run = subprocess.run(
        [
            sys.executable, str(ROOT / "bench" / "faults.py"),
            "--only", "kill-api,kill-ai,kill-worker,callback-outage",
            "--jobs", "4", "--clip-seconds", "5", "--outage-seconds", "15", "--bound", "200",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip
    print(run.stdout[-3000:])
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    table = run.stdout.split("load average at end", 1)[1]
    for fault in ("kill-api", "kill-ai", "kill-worker", "callback-outage"):
        assert fault in table
