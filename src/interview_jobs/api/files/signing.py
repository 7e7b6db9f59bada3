"""Signed, expiring content URLs for the AI backend (``?expires=<unix>&signature=<hmac>``)."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence
from urllib.parse import urlencode

from interview_jobs.api.errors import Forbidden


def _signature(key: bytes, file_id: int, expires: int) -> str:
    return hmac.new(key, f"file:{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def content_path(file_id: int) -> str:
    return f"/api/files/{file_id}/content"


def signed_content_url(
    key: bytes, api_url: str, file_id: int, ttl_seconds: int, now: float | None = None
) -> str:
    expires = int((time.time() if now is None else now) + ttl_seconds)
    query = urlencode({"expires": expires, "signature": _signature(key, file_id, expires)})
    return f"{api_url}{content_path(file_id)}?{query}"


def check_signature(
    key: bytes | Sequence[bytes], file_id: int, expires: str | None, signature: str | None
) -> None:
    """Raise Forbidden unless ``expires``/``signature`` are a valid, unexpired pair for the file
    (made with ``key``, or any of the keys of a rotation)."""
    if not expires or not signature:
        raise Forbidden("A signed URL needs both 'expires' and 'signature'.")
    try:
        expires_at = int(expires)
    except ValueError:
        raise Forbidden("The signed URL is not valid.") from None
    keys = [key] if isinstance(key, bytes) else list(key)
    if not any(hmac.compare_digest(_signature(k, file_id, expires_at), signature) for k in keys):
        raise Forbidden("The signed URL is not valid.")
    if expires_at < time.time():
        raise Forbidden("The signed URL has expired.")
