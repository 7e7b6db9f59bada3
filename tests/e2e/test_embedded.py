"""The embedded default (`interview-jobs up`: SQLite, local files, in-process queue) end to end."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from interview_jobs.contracts.analysis import AnalysisResult
from tests.e2e.conftest import System
from tests.support.system import children

pytestmark = pytest.mark.slow


def test_upload_analyze_follow_events_read_detail(embedded: System, media: dict[str, Path]) -> None:
    client = embedded.client().signup("ann")
    uploaded = client.upload(media["good"])
    created = client.analyze(fileId=uploaded["id"], analysisType="comprehensive")
    assert created["status"] == "PENDING" and created["estimatedCompletionTime"]
    events = list(client.events(created["jobId"]))
    assert events[-1]["status"] == "COMPLETED", embedded.logs()
    progress = [e.get("progress") for e in events if e["status"] == "PROCESSING"]
    assert progress and progress == sorted(progress)
    report = AnalysisResult.model_validate(
        client.job(created["jobId"], detail=True)["detailedAnalysis"]
    )
    assert report.metrics.speech is not None and report.metrics.speech.wordsPerMinute
    assert report.feedback


def test_ai_process_killed_mid_job_still_completes(
    embedded: System, media: dict[str, Path]
) -> None:
    client = embedded.client().signup("bob")
    job = client.analyze(videoUrl=f"{embedded.video_host.url}/v/long", analysisType="speech")
    deadline = time.monotonic() + 120
    while client.job(job["jobId"])["status"] != "PROCESSING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    up = embedded.processes["up"]
    ai = [
        pid
        for pid in children(up.pid)
        if b" ai " in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    ]
    assert len(ai) == 1
    import os
    import signal

    os.kill(ai[0], signal.SIGKILL)  # `up` restarts it; its ledger puts the job back on the queue
    final = client.wait(job["jobId"], timeout=240)
    assert final["status"] == "COMPLETED", embedded.logs()
    assert final["attempt"] == 1
