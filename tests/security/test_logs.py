"""No secret or token in the logs: the real processes (``interview-jobs up``: the API, the AI
backend and its worker) go through sign-up, a failed and a good login, an upload, an analysis
(forward with X-API-Key, download by signed URL, signed callbacks), callbacks with bad
credentials and a share link opened and commented on; then their log is searched for every
secret, the access token, the password, the share token and any URL or webhook signature."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from interview_jobs.contracts.callback import CALLBACK_PATH
from interview_jobs.contracts.webhooks import sign_headers
from tests.support.system import interview_clip, running_system, wait_for_status

pytestmark = pytest.mark.slow

PASSWORD = "log-test password 1"


def test_no_secret_or_token_reaches_the_logs(request: pytest.FixtureRequest) -> None:
    system = running_system(request.config)
    log_path = system.up.log_path
    start = log_path.stat().st_size if log_path.exists() else 0
    with httpx.Client(base_url=system.url, timeout=30) as client:
        body = {"username": "logwatcher", "password": PASSWORD}
        assert client.post("/api/auth/register", json=body).status_code == 201
        bad = client.post("/api/auth/login", json={**body, "password": "wrong " + PASSWORD})
        assert bad.status_code == 401
        token = client.post("/api/auth/login", json=body).json()["accessToken"]
        auth = {"Authorization": f"Bearer {token}"}
        with interview_clip().open("rb") as fh:
            meta = client.post("/api/files", files={"file": ("i.mp4", fh)}, headers=auth).json()
        job = client.post(
            "/api/interview/analyze", json={"fileId": meta["id"]}, headers=auth
        ).json()
        # a token in the query string, where a careless client might put it
        client.get(f"/api/files/{meta['id']}/content", params={"signature": "deadbeef" * 8})
        secrets = json.loads((system.data_dir / "secrets.json").read_text())
        # callbacks with a wrong key and a bad signature (logged as rejected, never echoed)
        raw = json.dumps({"jobId": job["jobId"], "status": "FAILED", "errorMessage": "x"})
        for key, secret in (
            ("wrong-key-0123456789", secrets["webhook_secret"]),
            (secrets["callback_api_key"], "whsec_" + "A" * 43 + "="),
        ):
            r = client.post(
                CALLBACK_PATH,
                content=raw,
                headers={"X-API-Key": key, **sign_headers(secret, raw)},
            )
            assert r.status_code == 401
    done = wait_for_status(system, token, job["jobId"], {"COMPLETED", "FAILED"}, timeout=300)
    assert done["status"] == "COMPLETED", system.log_tail()
    # a share link, opened (page and data) and commented on: its token is the credential
    with httpx.Client(base_url=system.url, timeout=30) as client:
        shared = client.post(
            f"/api/interview/job/{job['jobId']}/shares", json={"allowComments": True}, headers=auth
        ).json()
        share_token = shared["url"].removeprefix("/s/")
        assert client.get(shared["url"]).status_code == 200
        assert client.get(f"/api/shared/{share_token}").status_code == 200
        r = client.post(f"/api/shared/{share_token}/comments", json={"name": "c", "text": "t"})
        assert r.status_code == 201

    text = log_path.read_text(errors="replace")[start:]
    assert "POST /api/files" in text or "/api/files" in text, "the access log was read"
    found = []
    for name, value in secrets.items():
        if value and value in text:
            found.append(name)
        if value.startswith("whsec_") and value.removeprefix("whsec_") in text:
            found.append(f"{name} (base64 part)")
    for name, value in {
        "access token": token,
        "password": PASSWORD,
        "share token": share_token,
    }.items():
        if value in text:
            found.append(name)
    # a token's signature part alone (the header.payload part is not secret)
    if token.rsplit(".", 1)[1] in text:
        found.append("access token signature")
    if re.search(r"signature=[0-9a-f]{16,}", text):
        found.append("signed-URL signature: " + re.search(r".{60}signature=[0-9a-f]{16,}", text)[0])
    if re.search(r"v1,[A-Za-z0-9+/=]{20,}", text):
        found.append("webhook signature")
    assert not found, f"secrets in the logs: {found}"
