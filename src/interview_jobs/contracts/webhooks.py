"""Standard Webhooks signing and verification for callbacks.

We use the ``standardwebhooks`` reference package rather than hand-rolled HMAC: it implements the
spec's ``msg_id.timestamp.body`` signing, base64 secrets and the 5-minute timestamp tolerance.
This module only adds a typed error and makes every malformed header a verification failure
(the package lets ValueError/binascii.Error escape on garbage input).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook


class SignatureError(Exception):
    """The webhook headers are missing, malformed, too old/new, or the signature does not match."""


def sign_headers(secret: str, body: str, msg_id: str | None = None) -> dict[str, str]:
    """Headers (webhook-id, webhook-timestamp, webhook-signature) for ``body``."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    now = datetime.now(tz=UTC)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=now, data=body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> str:
    """Verify ``body`` against the Standard Webhooks headers; returns the webhook-id."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        Webhook(secret).verify(body, lowered, json_parse=False)
    except Exception as exc:  # the package raises several types on malformed headers
        raise SignatureError(str(exc) or type(exc).__name__) from exc
    return lowered["webhook-id"]
