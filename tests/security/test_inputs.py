"""Hostile inputs at the API's edges: file names that try to leave the storage directory, upload
limits, login brute force, callback replays and forgeries, the web page's security headers."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from interview_jobs.config import Settings
from interview_jobs.contracts.callback import CALLBACK_PATH
from interview_jobs.contracts.webhooks import sign_headers
from tests.api.conftest import CALLBACK_KEY, PASSWORD, WEBHOOK_SECRET, create_job, login, mp4_bytes
from tests.api.test_callback import job_state, signed

HOSTILE_NAMES = [
    "../../../../etc/passwd.mp4",
    "..\\..\\..\\windows\\system32\\evil.mp4",
    "/absolute/path/video.mp4",
    "C:\\Users\\victim\\video.mp4",
    "..",
    ".",
    "a\x00b.mp4",
    "line\r\nbreak.mp4",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd.mp4",
    "x" * 1000 + ".mp4",
    "名前 with spaces & 'quotes\".mp4",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_hostile_file_names_are_stored_safely(
    client: httpx.AsyncClient, alice: dict[str, str], settings: Settings, name: str
) -> None:
    r = await client.post(
        "/api/files", files={"file": (name, mp4_bytes(), "video/mp4")}, headers=alice
    )
    assert r.status_code == 201, r.text
    meta = r.json()
    # stored under a name of our own, inside the storage directory
    stored = list(settings.files_dir.iterdir())
    assert [p.name for p in stored] == [meta["fileName"]]
    assert Path(meta["fileName"]).suffix == ".mp4" and len(meta["fileName"]) == 36
    assert stored[0].resolve().parent == settings.files_dir.resolve()
    # the original name is kept as metadata only, without path parts or control characters
    original = meta["originalFileName"]
    assert "/" not in original and "\\" not in original
    assert not any(ord(c) < 32 or ord(c) == 127 for c in original)
    assert original not in ("", ".", "..") and len(original) <= 255
    # the download's Content-Disposition cannot be broken by the name
    content = await client.get(f"/api/files/{meta['id']}/content", headers=alice)
    assert content.status_code == 200
    disposition = content.headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 50_000}])
async def test_upload_limits(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    big = await client.post(
        "/api/files", files={"file": ("a.mp4", mp4_bytes(80_000))}, headers=alice
    )
    assert big.status_code == 413 and big.json()["error"] == "PayloadTooLarge"
    exe = await client.post(
        "/api/files", files={"file": ("a.mp4", b"MZ\x90\x00" + b"\x00" * 4096)}, headers=alice
    )
    assert exe.status_code == 415 and exe.json()["error"] == "UnsupportedMediaType"
    # the declared type is not believed: an MP4 sent as text/plain is an MP4
    ok = await client.post(
        "/api/files", files={"file": ("a.txt", mp4_bytes(), "text/plain")}, headers=alice
    )
    assert ok.status_code == 201 and ok.json()["contentType"] == "video/mp4"


async def test_login_brute_force_is_limited_across_spellings(client: httpx.AsyncClient) -> None:
    await login(client, "ivan")
    for i in range(5):  # login_rate_limit_per_minute = 5 in the test settings
        name = ["ivan", "IVAN", "Ivan", "iVaN", "ivaN"][i]
        r = await client.post("/api/auth/login", json={"username": name, "password": f"guess{i}xx"})
        assert r.status_code == 401
    r = await client.post("/api/auth/login", json={"username": "ivan", "password": PASSWORD})
    assert r.status_code == 429, r.text
    assert int(r.headers["Retry-After"]) >= 1
    assert set(r.json()) == {"error", "message", "details"}


# ---- callback: forged, replayed, expired ----
async def test_callback_replays_and_forgeries(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    done = {"jobId": job["jobId"], "status": "FAILED", "errorMessage": "first"}
    raw, headers = signed(done, "msg_captured")

    async def post(content: bytes, hdrs: dict[str, str]) -> httpx.Response:
        return await client.post(CALLBACK_PATH, content=content, headers=hdrs)

    # a signature from another secret, and the right one moved to another webhook-id
    other = {**headers, **sign_headers("whsec_" + "B" * 43 + "=", raw.decode(), "msg_captured")}
    assert (await post(raw, other)).status_code == 401
    assert (await post(raw, {**headers, "webhook-id": "msg_other"})).status_code == 401
    # signed for another body
    changed = json.dumps({**done, "errorMessage": "changed"}).encode()
    assert (await post(changed, headers)).status_code == 401
    # a signature from the future (beyond the 5-minute tolerance)
    future = int(time.time()) + 600
    sig = Webhook(WEBHOOK_SECRET).sign(
        "msg_f", datetime.fromtimestamp(future, tz=UTC), raw.decode()
    )
    stamped = {**headers, "webhook-id": "msg_f", "webhook-timestamp": str(future)}
    assert (await post(raw, {**stamped, "webhook-signature": sig})).status_code == 401
    assert (await job_state(client, alice, job["jobId"]))["status"] == "PENDING"

    # the real one applies once; the captured request replayed is a no-op 200
    assert (await post(raw, headers)).status_code == 200
    replay = await post(raw, headers)
    assert replay.status_code == 200 and "before" in replay.json()["message"]
    # and a captured request for another outcome cannot change a finished job
    late, late_headers = signed({**done, "status": "COMPLETED", "analysisData": {"score": 1}})
    assert (await post(late, late_headers)).status_code == 409
    state = await job_state(client, alice, job["jobId"])
    assert state["status"] == "FAILED" and state["errorMessage"] == "first"


async def test_callback_key_is_not_a_bearer_token(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice)
    raw = json.dumps({"jobId": job["jobId"], "status": "FAILED", "errorMessage": "x"}).encode()
    # a user's bearer token does not open the callback, nor the callback key a user endpoint
    r = await client.post(
        CALLBACK_PATH, content=raw, headers={**alice, **sign_headers(WEBHOOK_SECRET, raw.decode())}
    )
    assert r.status_code == 401
    r = await client.get("/api/interview/jobs", headers={"Authorization": f"Bearer {CALLBACK_KEY}"})
    assert r.status_code == 401


# ---- the web page ----
async def test_web_page_security_headers(client: httpx.AsyncClient) -> None:
    for path in ("/", "/static/js/main.js", "/static/app.css"):
        r = await client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
    # JSON answers are never sniffed into HTML either
    r = await client.get("/api/interview/jobs")
    assert r.headers["content-type"].startswith("application/json")
