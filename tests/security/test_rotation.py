"""Secret rotation without downtime: each secret may list a new and an old value ("new old");
the first signs or is sent, any listed value is accepted (SECURITY.md, "Rotating secrets")."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import jwt
import pytest

from interview_jobs.api.files.signing import signed_content_url
from interview_jobs.config import ConfigError, Settings
from interview_jobs.contracts.callback import CALLBACK_PATH
from interview_jobs.contracts.webhooks import SignatureError, sign_headers, verify
from tests.api.conftest import CALLBACK_KEY, WEBHOOK_SECRET, create_job, upload

OLD_JWT = "test-jwt-secret-0123456789abcdef"  # what the other API tests use
NEW_JWT = "rotated-jwt-secret-0123456789abcdef"
NEW_WEBHOOK = "whsec_" + "Q" * 43 + "="
NEW_CALLBACK_KEY = "rotated-callback-key-0123456789"


def _jwt_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"interview-jobs/access-tokens", hashlib.sha256).digest()


def test_webhook_signature_with_several_secrets() -> None:
    body = '{"jobId":"x","status":"FAILED"}'
    both = sign_headers(f"{NEW_WEBHOOK} {WEBHOOK_SECRET}", body)
    assert len(both["webhook-signature"].split()) == 2
    # a receiver that knows only one of them accepts the pair
    assert verify(WEBHOOK_SECRET, body.encode(), both) == both["webhook-id"]
    assert verify(NEW_WEBHOOK, body.encode(), both) == both["webhook-id"]
    # a receiver that knows both accepts a signature by either alone
    for signer in (WEBHOOK_SECRET, NEW_WEBHOOK):
        assert verify(f"{NEW_WEBHOOK},{WEBHOOK_SECRET}", body.encode(), sign_headers(signer, body))
    with pytest.raises(SignatureError):
        verify(NEW_WEBHOOK, body.encode(), sign_headers("whsec_" + "Z" * 43 + "=", body))


ROTATING = {
    "jwt_secret": f"{NEW_JWT} {OLD_JWT}",
    "webhook_secret": f"{NEW_WEBHOOK} {WEBHOOK_SECRET}",
    "callback_api_key": f"{NEW_CALLBACK_KEY},{CALLBACK_KEY}",
    "url_signing_secret": "rotated-url-signing-0123456789 test-url-signing-0123456789",
}


@pytest.mark.parametrize("settings_overrides", [ROTATING])
async def test_the_api_accepts_old_and_new_values_during_a_rotation(
    client: httpx.AsyncClient, alice: dict[str, str], settings: Settings
) -> None:
    # tokens: new ones are signed with the new secret; one signed with the old still works
    token = alice["Authorization"].split()[1]
    jwt.decode(token, _jwt_key(NEW_JWT), algorithms=["HS256"])
    claims = jwt.decode(token, options={"verify_signature": False})
    old_token = jwt.encode(claims, _jwt_key(OLD_JWT), "HS256")
    assert (
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {old_token}"})
    ).status_code == 200
    forged = jwt.encode(claims, _jwt_key("some-other-secret-0123456789"), "HS256")
    assert (
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})
    ).status_code == 401

    # callbacks: either key, either webhook secret
    job = await create_job(client, alice)
    for i, (key, secret) in enumerate(
        [
            (CALLBACK_KEY, WEBHOOK_SECRET),
            (NEW_CALLBACK_KEY, NEW_WEBHOOK),
            (CALLBACK_KEY, NEW_WEBHOOK),
        ]
    ):
        raw = json.dumps({"jobId": job["jobId"], "status": "PROCESSING", "progress": i})
        r = await client.post(
            CALLBACK_PATH, content=raw, headers={"X-API-Key": key, **sign_headers(secret, raw)}
        )
        assert r.status_code == 200, r.text
    raw = json.dumps({"jobId": job["jobId"], "status": "PROCESSING", "progress": 9})
    r = await client.post(
        CALLBACK_PATH,
        content=raw,
        headers={"X-API-Key": "retired-key-0123456789", **sign_headers(WEBHOOK_SECRET, raw)},
    )
    assert r.status_code == 401

    # signed file URLs made with the old key (forwards made before the switch) still download
    meta = await upload(client, alice)
    old_url_key = b"test-url-signing-0123456789"
    for key in (old_url_key, client._transport.app.state.ctx.url_signing_key):  # type: ignore[attr-defined]
        url = signed_content_url(key, "http://api.test", meta["id"], 60)
        assert (await client.get(url)).status_code == 200


def test_production_checks_every_listed_value(tmp_path: Any) -> None:
    good = "x" * 32
    base = {
        "environment": "production",
        "data_dir": tmp_path,
        "jwt_secret": good,
        "ai_api_key": good,
        "callback_api_key": good,
        "webhook_secret": "whsec_" + "A" * 43 + "=",
    }
    Settings(**{**base, "ai_api_key": f"{good} {'y' * 32}"}).with_secrets()  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="AI_API_KEY"):
        Settings(**{**base, "ai_api_key": f"{good} changeme"}).with_secrets()  # type: ignore[arg-type]
    assert (
        Settings(**{**base, "ai_api_key": f"{good}, {'y' * 32}"}).current_secret("ai_api_key")
        == good
    )  # type: ignore[arg-type]
