"""The distributed topology for real: 2 API processes on PostgreSQL (uploads shared through S3),
the AI backend, 2 worker processes on RabbitMQ. Kills and restarts processes mid-job and checks
that no job is lost."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from interview_jobs.contracts.analysis import AnalysisResult
from tests.e2e.conftest import System
from tests.support.system import Client, children, wait_http

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.broker]


def _wait_processing(
    client: Client, job_id: str, min_progress: int = 10, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.job(job_id)
        if job["status"] == "PROCESSING" and (job.get("progress") or 0) >= min_progress:
            return
        assert job["status"] in ("PENDING", "PROCESSING"), job
        time.sleep(0.1)
    raise TimeoutError(f"job {job_id} never got to {min_progress}%")


def test_upload_analyze_follow_events_read_detail(
    distributed: System, media: dict[str, Path]
) -> None:
    client = distributed.client().signup("dana")
    uploaded = client.upload(media["good"])
    created = client.analyze(fileId=uploaded["id"])
    events = list(client.events(created["jobId"]))
    statuses = [e["status"] for e in events]
    assert statuses[-1] == "COMPLETED", distributed.logs()
    assert "PROCESSING" in statuses, (
        "progress reached this API process though callbacks go to the other"
    )
    detail = client.job(created["jobId"], detail=True)
    report = AnalysisResult.model_validate(detail["detailedAnalysis"])
    assert report.analysisType == "comprehensive"
    assert report.transcript is not None and len(report.transcript.words) > 10
    assert report.metrics.visual is not None and report.metrics.visual.facePresenceRatio > 0.5


def test_two_api_processes_share_uploads_through_the_object_store(
    distributed: System, media: dict[str, Path]
) -> None:
    """Uploaded to one API process, read by Range, analysed and deleted through the other: they
    have separate DATA_DIRs, so the bytes can only have travelled through S3."""
    one = distributed.client().signup("hana")
    other = Client(distributed.topology.api_urls[1], token=one.token)
    distributed.clients.append(other)
    data = media["good"].read_bytes()
    uploaded = one.upload(media["good"])
    content = f"{other.base}/api/files/{uploaded['id']}/content"
    r = other.http.get(content, headers={**other._headers(), "Range": "bytes=1000-1999"})
    assert r.status_code == 206 and r.content == data[1000:2000]
    r = other.http.get(content, headers=other._headers())
    assert r.status_code == 200 and r.content == data
    for api in distributed.topology.api_urls:
        assert not list(
            (Path(distributed.topology.env["INTERVIEW_JOBS_DATA_DIR"]).parent).glob(
                "data-api*/files/*"
            )
        ), f"nothing of the upload on {api}'s disk"
    created = other.analyze(fileId=uploaded["id"], analysisType="speech")
    final = one.wait(created["jobId"], timeout=240)
    assert final["status"] == "COMPLETED", distributed.logs()
    r = other.http.delete(f"{other.base}/api/files/{uploaded['id']}", headers=other._headers())
    assert r.status_code == 204
    r = one.http.get(f"{one.base}/api/files/{uploaded['id']}/content", headers=one._headers())
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/v/text_as_mp4", "did not return an MP4, MOV, WebM or MKV video"),
        ("/v/nothing-here.mp4", "HTTP 404"),
        ("/v/truncated_mp4", "incomplete"),
        ("/v/zero_bytes", "empty file"),
        ("/redirect-private", "private or reserved address"),
    ],
)
def test_bad_video_urls_fail_clearly(distributed: System, path: str, words: str) -> None:
    client = distributed.client().signup(f"bad{abs(hash(path)) % 10**8}")
    job = client.analyze(videoUrl=f"{distributed.video_host.url}{path}")
    final = client.wait(job["jobId"], timeout=120)
    assert final["status"] == "FAILED"
    assert words in final["errorMessage"]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1/a.mp4", "http://169.254.169.254/latest/meta-data/"]
)
def test_private_addresses_fail_and_the_workers_keep_serving(
    distributed: System, media: dict[str, Path], url: str
) -> None:
    client = distributed.client().signup(f"ssrf{abs(hash(url)) % 10**8}")
    bad = client.wait(client.analyze(videoUrl=url)["jobId"], timeout=120)
    assert bad["status"] == "FAILED" and "private or reserved address" in bad["errorMessage"]
    good = client.wait(client.analyze(videoUrl=f"{distributed.video_host.url}/v/good")["jobId"])
    assert good["status"] == "COMPLETED"


def test_sigkill_of_the_workers_mid_task_is_redelivered(
    distributed: System, media: dict[str, Path]
) -> None:
    client = distributed.client().signup("erin")
    job = client.analyze(videoUrl=f"{distributed.video_host.url}/v/long", analysisType="speech")
    _wait_processing(client, job["jobId"])
    workers = children(distributed.processes["workers"].pid)
    assert len(workers) == 2
    for pid in workers:  # one of them holds the task; kill both, no goodbye
        signal_kill(pid)
    final = client.wait(job["jobId"], timeout=240)
    assert final["status"] == "COMPLETED", distributed.logs()
    assert final["attempt"] == 1, "RabbitMQ redelivered it: no deadline re-forward was needed"
    assert sorted(children(distributed.processes["workers"].pid)) != sorted(workers)


def signal_kill(pid: int) -> None:
    import os

    os.kill(pid, signal.SIGKILL)


def test_ai_backend_down_then_back_loses_no_job(
    distributed: System, media: dict[str, Path]
) -> None:
    client = distributed.client().signup("fay")
    ai = distributed.processes["ai"]
    ai.kill()
    try:
        uploaded = client.upload(media["good"])
        jobs = [client.analyze(fileId=uploaded["id"], analysisType="speech") for _ in range(3)]
        time.sleep(2)  # the dispatchers try, fail and back off
        assert {client.job(j["jobId"])["status"] for j in jobs} == {"PENDING"}
    finally:
        ai.start()
    wait_http(f"{distributed.url}/health")
    finals = [client.wait(j["jobId"], timeout=240) for j in jobs]
    assert [f["status"] for f in finals] == ["COMPLETED"] * 3, distributed.logs()


def test_result_reaches_the_api_after_it_comes_back(
    distributed: System, media: dict[str, Path]
) -> None:
    client = distributed.client().signup("gus")
    job = client.analyze(videoUrl=f"{distributed.video_host.url}/v/long", analysisType="speech")
    _wait_processing(client, job["jobId"])
    api2 = distributed.processes["api2"]  # the callback target
    api2.kill()
    time.sleep(8)  # the analysis finishes meanwhile; its result cannot be delivered
    assert client.job(job["jobId"])["status"] == "PROCESSING"
    api2.start()
    final = client.wait(job["jobId"], timeout=240)
    assert final["status"] == "COMPLETED", distributed.logs()
    assert final["detailedAnalysis"]["analysisType"] == "speech"
