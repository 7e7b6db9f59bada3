"""Cases the schema fuzzer found (test_schema_fuzz.py), kept as plain tests; each was a 500, a
plain-text error or an answer its OpenAPI declaration did not allow. Run on SQLite and
PostgreSQL (the NUL cases were 500s on PostgreSQL only, the overflow ones on SQLite)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from interview_jobs.contracts.callback import CALLBACK_PATH
from tests.api.conftest import create_job, upload
from tests.api.test_callback import post_callback

ERROR_KEYS = {"error", "message", "details"}


def assert_error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body: dict[str, Any] = r.json()
    assert set(body) == ERROR_KEYS, body
    return body


HUGE = 2403536442737971556966727680  # found: an id past 64 bits overflowed the SQLite driver


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/files/{HUGE}"),
        ("DELETE", f"/api/files/{HUGE}"),
        ("GET", f"/api/files/{HUGE}/content"),
        ("GET", f"/api/files/{-HUGE}"),
        ("GET", "/api/files/9223372036854775808"),  # 2**63: one past the largest id
    ],
)
async def test_file_id_out_of_range_is_422_not_500(
    client: httpx.AsyncClient, alice: dict[str, str], method: str, path: str
) -> None:
    body = assert_error(await client.request(method, path, headers=alice), 422)
    assert body["details"][0]["field"] == "file_id"


async def test_analyze_with_an_out_of_range_file_id_is_422(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    r = await client.post("/api/interview/analyze", json={"fileId": HUGE}, headers=alice)
    assert assert_error(r, 422)["details"][0]["field"] == "fileId"


async def test_largest_64_bit_file_id_is_just_not_found(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    assert_error(await client.get(f"/api/files/{2**63 - 1}", headers=alice), 404)


# found on PostgreSQL: a NUL character reached the driver ("invalid byte sequence for encoding
# UTF8: 0x00") and came back as a 500
async def test_nul_in_login_username_is_not_a_500(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/auth/login", json={"username": "a\x00b", "password": "whatever1"})
    assert r.status_code in (401, 422), r.text
    assert set(r.json()) == ERROR_KEYS


async def test_nul_in_list_cursor_is_not_a_500(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    # the hot list path reads through asyncpg directly, outside SQLAlchemy's error classes
    r = await client.get("/api/interview/jobs", params={"before": "x\x00y"}, headers=alice)
    assert r.status_code in (404, 422), r.text
    assert set(r.json()) == ERROR_KEYS


@pytest.mark.parametrize("path", ["/api/interview/job/a%00b", "/api/interview/job/a%00b/detail"])
async def test_nul_in_job_id_path_is_not_a_500(
    client: httpx.AsyncClient, alice: dict[str, str], path: str
) -> None:
    r = await client.get(path, headers=alice)
    assert r.status_code in (404, 422), r.text
    assert set(r.json()) == ERROR_KEYS


async def test_nul_in_video_url_and_callback_is_not_a_500(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    r = await client.post(
        "/api/interview/analyze", json={"videoUrl": "https://x.example/a\x00.mp4"}, headers=alice
    )
    assert r.status_code in (202, 422), r.text
    job = await create_job(client, alice)
    r = await post_callback(
        client, {"jobId": job["jobId"], "status": "FAILED", "errorMessage": "bad\x00video"}
    )
    assert r.status_code in (200, 422), r.text
    r = await post_callback(client, {"jobId": "x\x00", "status": "FAILED", "errorMessage": "x"})
    assert r.status_code in (404, 422), r.text


# found: Starlette answers some Range headers itself, in plain text
@pytest.mark.parametrize(
    ("range_header", "status"),
    [
        ("", 400),  # empty: was "Malformed range header." as text/plain
        ("bytes=0-1, 999999999-", 416),  # one satisfiable, one not: was a text/plain 416
        ("bytes=-0", 416),
    ],
)
async def test_range_errors_are_in_the_error_shape(
    client: httpx.AsyncClient, alice: dict[str, str], range_header: str, status: int
) -> None:
    meta = await upload(client, alice)
    r = await client.get(
        f"/api/files/{meta['id']}/content", headers={**alice, "Range": range_header}
    )
    assert_error(r, status)


async def test_two_satisfiable_ranges_are_still_served(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    meta = await upload(client, alice)
    r = await client.get(
        f"/api/files/{meta['id']}/content", headers={**alice, "Range": "bytes=0-1, 4-5"}
    )
    assert r.status_code == 206
    assert r.headers["content-type"].startswith("multipart/byteranges")


# found: a 405 named the methods of the first route of the path only (schemathesis ST205)
@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/files", "GET, POST"),
        ("/api/files/1", "DELETE, GET"),
        ("/api/interview/job/x", "DELETE, GET"),
        (CALLBACK_PATH, "POST"),
    ],
)
async def test_405_allow_lists_every_method_of_the_path(
    client: httpx.AsyncClient, path: str, allowed: str
) -> None:
    r = await client.request("PATCH", path)
    assert_error(r, 405)
    assert r.headers["allow"] == allowed


# found: a client that went away mid-upload left "Exception in ASGI application" in the log
async def test_client_disconnect_mid_upload_is_handled(
    app: FastAPI, alice: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    messages = [
        {"type": "http.request", "body": head + b"\x00" * 1000, "more_body": True},
        {"type": "http.disconnect"},
    ]
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
    await app(scope, receive, send)  # must not raise
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 400
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    files_dir = app.state.ctx.settings.files_dir
    assert not list(files_dir.glob("*")), "the partial upload was removed"
