"""Standard Webhooks signing and verification for callbacks.

We use the ``standardwebhooks`` reference package rather than hand-rolled HMAC: it implements the
spec's ``msg_id.timestamp.body`` signing, base64 secrets and the 5-minute timestamp tolerance.
This module only adds a typed error and makes every malformed header a verification failure
(the package lets ValueError/binascii.Error escape on garbage input).

``WEBHOOK_SECRET`` may list several secrets (space- or comma-separated) while one is rotated:
the sender signs with each (Standard Webhooks carries several signatures, space-separated, in
one header), the receiver accepts a signature by any.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from interview_jobs.config import split_secrets


class SignatureError(Exception):
    """The webhook headers are missing, malformed, too old/new, or the signature does not match."""


def sign_headers(secret: str, body: str, msg_id: str | None = None) -> dict[str, str]:
    """Headers (webhook-id, webhook-timestamp, webhook-signature) for ``body``; one signature
    per secret listed in ``secret``."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    now = datetime.now(tz=UTC)
    signature = " ".join(
        Webhook(s).sign(msg_id=msg_id, timestamp=now, data=body) for s in split_secrets(secret)
    )
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> str:
    """Verify ``body`` against the Standard Webhooks headers with any of the listed secrets;
    returns the webhook-id."""
    lowered = {k.lower(): v for k, v in headers.items()}
    candidates = split_secrets(secret)
    if not candidates:
        raise SignatureError("no webhook secret is configured")
    failure: Exception | None = None
    for one in candidates:
        try:
            Webhook(one).verify(body, lowered, json_parse=False)
        except Exception as exc:  # the package raises several types on malformed headers
            failure = failure or exc
            continue
        return lowered["webhook-id"]
    raise SignatureError(str(failure) or type(failure).__name__) from failure
