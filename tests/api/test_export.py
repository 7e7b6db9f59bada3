"""The export: one zip of the user's account, jobs with their analyses, uploads' metadata,
comments, one offline HTML report per job and, when asked, the videos — of that user only; and a
single report as an HTML download."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from typing import Any

import httpx

from tests.api.conftest import create_job, mp4_bytes, upload
from tests.api.test_callback import post_callback

ANSWER = {
    "index": 0, "question": {"text": "Why do you want to work here?", "id": "mot-001",
                             "category": "motivation"},
    "start": 0.0, "end": 42.0, "score": 74, "contentScore": 70, "deliveryScore": 80,
    "content": {"relevance": 0.81, "star": {"situation": {"present": True, "sentences": []},
                                            "task": {"present": False, "sentences": []},
                                            "action": {"present": True, "sentences": []},
                                            "result": {"present": False, "sentences": []}}},
    "delivery": {"wordsPerMinute": 141.0, "fillerWords": {"total": 2}, "eyeContactRatio": 0.7},
    "feedback": [{"category": "content", "severity": "suggestion", "atSeconds": 40.0,
                  "message": "Q1 has no Result: say what changed."}],
}  # fmt: skip
ANALYSIS = {
    "schemaVersion": 2, "analysisType": "comprehensive", "score": 74, "summary": "Solid.",
    "contentScore": 70, "deliveryScore": 80, "answers": [ANSWER],
    "feedback": [{"category": "pace", "severity": "info", "message": "Good pace."}],
    "transcript": {"text": "I <script>alert(1)</script> love payments.", "words": []},
    "metrics": {"durationSeconds": 42.0, "speech": {"wordsPerMinute": 141.0}},
}  # fmt: skip


async def account(
    client: httpx.AsyncClient, headers: dict[str, str], size: int = 300_000
) -> dict[str, Any]:
    file = await upload(client, headers, data=mp4_bytes(size), name="my take.mp4")
    done = await create_job(client, headers, fileId=file["id"])
    body = {"jobId": done["jobId"], "status": "COMPLETED", "analysisData": json.dumps(ANALYSIS)}
    assert (await post_callback(client, body)).status_code == 200
    waiting = await create_job(client, headers)
    return {"file": file, "done": done["jobId"], "waiting": waiting["jobId"]}


def unzip(response: httpx.Response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert re.match(r'attachment; filename="interview-export-\d{8}-\d{4}\.zip"',
                    response.headers["content-disposition"])  # fmt: skip
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None  # every entry's CRC holds
    return archive


async def test_the_export_holds_everything_of_the_user_and_nothing_else(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    mine, theirs = await account(client, alice), await account(client, bob, 300_100)
    archive = unzip(await client.get("/api/export", headers=alice))
    names = set(archive.namelist())
    assert {"README.txt", "account.json", "jobs.json", "files.json", "comments.json"} <= names
    assert {f"reports/{mine['done']}.html", f"reports/{mine['waiting']}.html"} <= names
    assert not any(n.startswith("videos/") for n in names)  # only when asked

    jobs = json.loads(archive.read("jobs.json"))
    assert {j["jobId"] for j in jobs} == {mine["done"], mine["waiting"]}
    done = next(j for j in jobs if j["jobId"] == mine["done"])
    assert done["detailedAnalysis"] == ANALYSIS and done["fileName"] == "my take.mp4"
    assert json.loads(archive.read("account.json"))["username"] == "alice"
    files = json.loads(archive.read("files.json"))
    assert [f["sha256"] for f in files] == [mine["file"]["sha256"]]
    everything = b"".join(archive.read(n) for n in names)
    for other in (theirs["done"], theirs["waiting"], theirs["file"]["sha256"], b"bob"):
        assert (other if isinstance(other, bytes) else other.encode()) not in everything

    report = archive.read(f"reports/{mine['done']}.html").decode()
    assert "Why do you want to work here?" in report and "Q1 has no Result" in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report and "<script" not in report
    assert not re.search(
        r"""(src|href)\s*=|@import|url\(""", report
    )  # nothing loaded from anywhere
    pending = archive.read(f"reports/{mine['waiting']}.html").decode()
    assert "PENDING" in pending


async def test_the_export_with_videos_streams_them_intact(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    mine = await account(client, alice)
    archive = unzip(await client.get("/api/export", params={"videos": "true"}, headers=alice))
    [video] = [n for n in archive.namelist() if n.startswith("videos/")]
    assert video == f"videos/{mine['file']['id']}-my_take.mp4"
    info = archive.getinfo(video)
    assert info.compress_type == zipfile.ZIP_STORED
    data = archive.read(video)
    assert len(data) == mine["file"]["fileSize"]
    assert hashlib.sha256(data).hexdigest() == mine["file"]["sha256"]
    r = await client.get("/api/export", params={"videos": "maybe"}, headers=alice)
    assert r.status_code == 422 and "videos" in r.text


async def test_one_report_downloads_as_a_page_that_runs_and_loads_nothing(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    mine = await account(client, alice)
    r = await client.get(f"/api/interview/job/{mine['done']}/report.html", headers=alice)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert r.headers["content-disposition"] == (
        f'attachment; filename="interview-report-{mine["done"]}.html"'
    )
    assert "Solid." in r.text and "@media print" in r.text
    other = await client.get(f"/api/interview/job/{mine['done']}/report.html", headers=bob)
    assert other.status_code == 404


async def test_the_export_pages_through_many_jobs(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    from interview_jobs.api.export.archive import PAGE

    made = {(await create_job(client, alice))["jobId"] for _ in range(PAGE + 5)}
    archive = unzip(await client.get("/api/export", headers=alice))
    assert {j["jobId"] for j in json.loads(archive.read("jobs.json"))} == made
    reports = {n.removeprefix("reports/").removesuffix(".html") for n in archive.namelist()
               if n.startswith("reports/")}  # fmt: skip
    assert reports == made
