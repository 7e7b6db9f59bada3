"""The applied-results counter (``interview_jobs_results_applied_total``) that bench/faults.py
uses to prove that no result is applied twice: once per terminal result, never for a repeat."""

from __future__ import annotations

import re

import httpx

from tests.api.conftest import create_job
from tests.api.test_callback import ANALYSIS, post_callback


def applied(metrics_text: str, status: str) -> float:
    match = re.search(
        rf'^interview_jobs_results_applied_total\{{status="{status}"\}} (\S+)$',
        metrics_text,
        re.MULTILINE,
    )
    return float(match.group(1)) if match else 0.0


async def test_a_result_is_counted_once(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    first, second = await create_job(client, alice), await create_job(client, alice)
    done = {"jobId": first["jobId"], "status": "COMPLETED", "analysisData": ANALYSIS}
    assert (await post_callback(client, done, "msg_a")).status_code == 200
    assert (await post_callback(client, done, "msg_a")).status_code == 200  # same delivery again
    assert (await post_callback(client, done, "msg_b")).status_code == 200  # the task ran twice
    progress = {"jobId": second["jobId"], "status": "PROCESSING", "progress": 5}
    assert (await post_callback(client, progress)).status_code == 200
    failed = {"jobId": second["jobId"], "status": "FAILED", "errorMessage": "bad video"}
    assert (await post_callback(client, failed)).status_code == 200
    text = (await client.get("/metrics")).text
    assert applied(text, "COMPLETED") == 1
    assert applied(text, "FAILED") == 1
