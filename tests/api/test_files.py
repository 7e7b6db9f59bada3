"""Files: streaming upload with sniffing and size limit, metadata, Range download, signed URLs,
list and delete — every test against both stores: the local disk and S3 (a real SeaweedFS)."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from interview_jobs.api.files.signing import signed_content_url
from interview_jobs.config import Settings
from tests.api.conftest import create_job, make_settings, mp4_bytes, upload, webm_bytes
from tests.conftest import s3_test_url

PART = 5 * 1024 * 1024


@pytest.fixture(params=["disk", "s3"])
def store_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "disk":
        return {}
    server = request.getfixturevalue("seaweed")
    return {
        "storage_url": s3_test_url("files"),
        "s3_part_size_bytes": PART,  # the smallest S3 allows: a 12 MiB upload is 3 parts
        **server.settings(),
    }


@pytest.fixture
def settings(
    tmp_path: Path,
    fresh_db: str,
    settings_overrides: dict[str, Any],
    store_settings: dict[str, Any],
) -> Settings:
    return make_settings(tmp_path / "data", fresh_db, **store_settings, **settings_overrides)


async def stored(app: FastAPI) -> list[str]:
    """Every key in the app's store, partial writes included (marked ``(partial)``)."""
    return await app.state.ctx.store.list_keys()


async def test_upload_metadata_and_download(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    data = mp4_bytes(50_000)
    meta = await upload(client, alice, data, name="../../etc/My Interview.mp4")
    assert meta["fileSize"] == len(data)
    assert meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert meta["contentType"] == "video/mp4"
    assert meta["originalFileName"] == "My Interview.mp4"  # path parts stripped
    assert meta["fileName"] != meta["originalFileName"] and "/" not in meta["fileName"]
    assert set(meta) >= {
        "id",
        "fileName",
        "originalFileName",
        "contentType",
        "fileSize",
        "sha256",
        "uploadedAt",
    }
    # Stored under the generated name, nothing left over.
    assert await stored(app) == [meta["fileName"]]

    r = await client.get(f"/api/files/{meta['id']}", headers=alice)
    assert r.status_code == 200
    assert r.json() == meta
    r = await client.get(f"/api/files/{meta['id']}/content", headers=alice)
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["content-type"] == "video/mp4"
    assert r.headers["accept-ranges"] == "bytes"


async def test_webm_is_sniffed(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    meta = await upload(client, alice, webm_bytes(), name="clip.mp4")  # the name lies
    assert meta["contentType"] == "video/webm"
    assert meta["fileName"].endswith(".webm")


async def test_range_requests(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    data = mp4_bytes(10_000)
    meta = await upload(client, alice, data)
    url = f"/api/files/{meta['id']}/content"
    r = await client.get(url, headers={**alice, "Range": "bytes=100-199"})
    assert r.status_code == 206
    assert r.content == data[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(data)}"
    r = await client.get(url, headers={**alice, "Range": "bytes=-10"})
    assert r.status_code == 206
    assert r.content == data[-10:]
    r = await client.get(url, headers={**alice, "Range": f"bytes={len(data)}-"})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{len(data)}"
    assert r.json()["error"] == "RangeNotSatisfiable"
    r = await client.get(url, headers={**alice, "Range": "bytes=0-1,10-11"})
    assert r.status_code == 206
    assert r.headers["content-type"].startswith("multipart/byteranges")
    for malformed in ("bytes=abc", "bytes=-", "bytes=9-3", "items=0-1"):
        r = await client.get(url, headers={**alice, "Range": malformed})
        assert r.status_code == 400, malformed
        assert r.json()["error"] == "BadRequest"


async def test_not_a_video_is_415_and_nothing_is_kept(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    r = await client.post(
        "/api/files",
        files={"file": ("fake.mp4", b"%PDF-1.7 not a video" * 500, "video/mp4")},
        headers=alice,
    )
    assert r.status_code == 415
    assert r.json()["error"] == "UnsupportedMediaType"
    assert await stored(app) == []


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 200_000}], indirect=False)
async def test_too_large_is_413_during_the_stream(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    big = mp4_bytes(300_000)

    async def body():  # streamed without Content-Length: only the running count can stop it
        boundary = b"xBOUNDARYx"
        yield (
            b"--"
            + boundary
            + b'\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n'
        )
        yield b"Content-Type: video/mp4\r\n\r\n"
        for i in range(0, len(big), 16_384):
            yield big[i : i + 16_384]
        yield b"\r\n--" + boundary + b"--\r\n"

    r = await client.post(
        "/api/files",
        content=body(),
        headers={**alice, "Content-Type": "multipart/form-data; boundary=xBOUNDARYx"},
    )
    assert r.status_code == 413
    assert r.json()["error"] == "PayloadTooLarge"
    assert await stored(app) == []  # the partial file was removed


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 200_000}])
async def test_too_large_content_length_is_413_up_front(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    r = await client.post(
        "/api/files", files={"file": ("a.mp4", mp4_bytes(400_000))}, headers=alice
    )
    assert r.status_code == 413


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"json": {"file": "x"}}, 415),  # not multipart
        ({"files": {"other": ("a.mp4", mp4_bytes())}}, 422),  # no 'file' field
        ({"files": {"file": ("a.mp4", b"")}}, 422),  # empty
        ({"content": b"--b\r\ngarbage", "headers": {"Content-Type": "multipart/form-data"}}, 400),
    ],
)
async def test_bad_upload_requests(
    client: httpx.AsyncClient, alice: dict[str, str], kwargs: dict[str, Any], status: int
) -> None:
    kwargs = dict(kwargs)  # parameters are shared between the two databases
    headers = {**alice, **kwargs.pop("headers", {})}
    r = await client.post("/api/files", headers=headers, **kwargs)
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error", "message", "details"}


async def test_list_and_delete(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    first = await upload(client, alice)
    second = await upload(client, alice)
    r = await client.get("/api/files", headers=alice)
    assert [f["id"] for f in r.json()] == [second["id"], first["id"]]
    r = await client.delete(f"/api/files/{first['id']}", headers=alice)
    assert r.status_code == 204
    assert (await client.get(f"/api/files/{first['id']}", headers=alice)).status_code == 404
    assert await stored(app) == [second["fileName"]]
    assert (await client.delete(f"/api/files/{first['id']}", headers=alice)).status_code == 404


async def test_delete_file_of_an_active_job_is_409_naming_the_job(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    meta = await upload(client, alice)
    job = await create_job(client, alice, fileId=meta["id"])
    r = await client.delete(f"/api/files/{meta['id']}", headers=alice)
    assert r.status_code == 409
    assert job["jobId"] in r.json()["message"]
    assert r.json()["details"]["jobId"] == job["jobId"]
    # Once the job is over, the file can go.
    assert (
        await client.post(f"/api/interview/job/{job['jobId']}/cancel", headers=alice)
    ).status_code == 200
    assert (await client.delete(f"/api/files/{meta['id']}", headers=alice)).status_code == 204


async def test_signed_url_gives_access_without_a_token(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    data = mp4_bytes(4096)
    meta = await upload(client, alice, data)
    key = app.state.ctx.url_signing_key
    url = signed_content_url(key, settings.api_url, meta["id"], 60)
    r = await client.get(url)
    assert r.status_code == 200
    assert r.content == data
    r = await client.get(url, headers={"Range": "bytes=0-9"})
    assert r.status_code == 206

    tampered = url.replace("signature=", "signature=0")
    assert (await client.get(tampered)).status_code == 403
    other_file = url.replace(f"/files/{meta['id']}/", f"/files/{meta['id'] + 1}/")
    assert (await client.get(other_file)).status_code == 403
    expired = signed_content_url(key, settings.api_url, meta["id"], 60, now=time.time() - 3600)
    r = await client.get(expired)
    assert r.status_code == 403
    assert "expired" in r.json()["message"]
    # No token and no signature: 401.
    assert (await client.get(f"/api/files/{meta['id']}/content")).status_code == 401


async def test_the_owner_gets_a_signed_link_a_video_element_can_stream(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str], settings: Settings
) -> None:
    data = mp4_bytes(4096)
    meta = await upload(client, alice, data)
    before = time.time()
    r = await client.get(f"/api/files/{meta['id']}/link", headers=alice)
    assert r.status_code == 200, r.text
    link = r.json()
    assert set(link) == {"url", "expiresAt"}
    assert link["url"].startswith(f"/api/files/{meta['id']}/content?expires=")
    expires = datetime.fromisoformat(link["expiresAt"]).timestamp()
    assert (
        before + settings.signed_url_ttl_seconds - 1
        <= expires
        <= time.time() + (settings.signed_url_ttl_seconds)
    )
    # no token needed, Range works: what a <video src> does while seeking
    r = await client.get(link["url"])
    assert r.status_code == 200 and r.content == data
    r = await client.get(link["url"], headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == data[100:200]
    # someone else's file, an unknown one, no token
    assert (await client.get(f"/api/files/{meta['id']}/link", headers=bob)).status_code == 404
    assert (await client.get("/api/files/999999/link", headers=alice)).status_code == 404
    assert (await client.get(f"/api/files/{meta['id']}/link")).status_code == 401


def tiny_mp4(path: Path, seconds: int = 3, fps: int = 10) -> bytes:
    """A real (decodable) MP4 written with PyAV: the API reads its duration from the metadata."""
    import av
    import numpy as np

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        for i in range(seconds * fps):
            pixels = np.full((32, 32, 3), i * 8 % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


async def test_duration_is_read_from_the_container_and_feeds_the_estimate(
    client: httpx.AsyncClient, alice: dict[str, str], tmp_path: Path
) -> None:
    data = tiny_mp4(tmp_path / "real.mp4", seconds=3)
    meta = await upload(client, alice, data, name="real.mp4")
    assert meta["durationSeconds"] == pytest.approx(3.0, abs=0.2)
    fake = await upload(client, alice, mp4_bytes())  # sniffs as MP4 but has no metadata
    assert fake["durationSeconds"] is None

    r = await client.post("/api/interview/analyze", json={"fileId": meta["id"]}, headers=alice)
    job = r.json()
    r = await client.get(f"/api/interview/job/{job['jobId']}/detail", headers=alice)
    assert r.json()["durationSeconds"] == meta["durationSeconds"]
    # 3 s of video at 0.2 s per second, no queue ahead: well under the 120 s default.
    from datetime import datetime

    took = datetime.fromisoformat(job["estimatedCompletionTime"]) - datetime.fromisoformat(
        job["createdAt"]
    )
    assert took.total_seconds() < 10


def multipart_head(boundary: str, name: str = "big.mp4") -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()


async def test_a_large_upload_streams_in_parts_and_reads_back_by_range(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI
) -> None:
    data = mp4_bytes(2 * PART + 1_234_567)  # three S3 parts, the last one short

    async def body():  # 64 KiB at a time, as a socket would deliver it
        yield multipart_head("BIGb0undary")
        for i in range(0, len(data), 65_536):
            yield data[i : i + 65_536]
        yield b"\r\n--BIGb0undary--\r\n"

    r = await client.post(
        "/api/files",
        content=body(),
        headers={**alice, "Content-Type": "multipart/form-data; boundary=BIGb0undary"},
    )
    assert r.status_code == 201, r.text
    meta = r.json()
    assert meta["fileSize"] == len(data)
    assert meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert await stored(app) == [meta["fileName"]]
    url = f"/api/files/{meta['id']}/content"
    across = f"bytes={PART - 10}-{PART + 9}"  # across the boundary of parts 1 and 2
    r = await client.get(url, headers={**alice, "Range": across})
    assert r.status_code == 206 and r.content == data[PART - 10 : PART + 10]
    r = await client.get(url, headers={**alice, "Range": "bytes=-100"})
    assert r.content == data[-100:]
    r = await client.get(url, headers=alice)
    assert r.status_code == 200 and int(r.headers["content-length"]) == len(data)
    assert hashlib.sha256(r.content).hexdigest() == meta["sha256"]


async def test_a_client_gone_mid_upload_leaves_nothing(app: FastAPI, alice: dict[str, str]) -> None:
    """The client goes away after more than one part has reached the store: 400, the writer
    aborted (S3: the multipart upload is aborted, no part is left)."""
    boundary = "g0ne"
    data = mp4_bytes(PART + PART // 2)
    messages = [{"type": "http.request", "body": multipart_head(boundary), "more_body": True}]
    messages += [
        {"type": "http.request", "body": data[i : i + 65_536], "more_body": True}
        for i in range(0, len(data), 65_536)
    ]
    messages.append({"type": "http.disconnect"})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/files",
        "raw_path": b"/api/files",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"api.test"),
            (b"authorization", alice["Authorization"].encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("api.test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 400
    assert await stored(app) == [], "the partial upload was aborted"
