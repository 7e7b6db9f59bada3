"""Signed, retried callbacks from the AI backend to the API.

Every callback carries ``X-API-Key: CALLBACK_API_KEY`` and Standard Webhooks headers signed with
``WEBHOOK_SECRET``. A final result keeps one ``webhook-id`` across its retries (the API applies a
webhook-id once) and is re-signed on each try so its timestamp stays fresh.

Retry policy: network errors, 5xx and 429 are retried with exponential backoff (``Retry-After``
honoured, capped), up to ``give_up_after`` seconds; 4xx are never retried. The outcome tells the
worker what the API decided: 409 means the job was cancelled, finished by another delivery or
superseded by a newer attempt, 404 that it was deleted.

The key is a secret: it goes only to an endpoint that answers like a jobs API. A 2xx must echo
the callback's ``jobId`` (ours and the original's both answer ``{jobId, status, message}``), a
404/409 must have our error shape ``{error, message, details}``. Anything else — a 404 page from
another server on the API's port, a 200 from a catch-all — is a STRANGER; it, a refusal (REJECTED:
e.g. a 401 from another installation with other keys), a 404 and a 409 all stop the job's
callbacks: no further key is sent there for it.
"""

from __future__ import annotations

import enum
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from interview_jobs import __version__
from interview_jobs.contracts.callback import CALLBACK_PATH, CallbackRequest, SeedCallback
from interview_jobs.contracts.forward import API_KEY_HEADER
from interview_jobs.contracts.webhooks import sign_headers

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    APPLIED = "applied"  # 2xx
    CONFLICT = "conflict"  # 409: cancelled / already final / stale attempt
    GONE = "gone"  # 404: the job no longer exists
    REJECTED = "rejected"  # another 4xx: our request is wrong (bad key, bad body); not retried
    STRANGER = "stranger"  # the answer is not a jobs API's: wrong API_URL, or its port taken
    UNDELIVERED = "undelivered"  # retries exhausted

    @property
    def stop_work(self) -> bool:
        """Send nothing more for this job: the API said stop, or the endpoint is not one to
        send our key to again."""
        return self not in (Outcome.APPLIED, Outcome.UNDELIVERED)


@dataclass(frozen=True)
class CallbackResult:
    outcome: Outcome
    status_code: int | None
    detail: str


def callback_url_for(api_url: str, requested: str | None) -> str:
    return requested or f"{api_url.rstrip('/')}{CALLBACK_PATH}"


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class CallbackClient:
    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        client: httpx.Client | None = None,
        timeout: float = 15.0,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api_key = api_key
        self._secret = webhook_secret
        self._client = client or httpx.Client(
            timeout=timeout, headers={"User-Agent": f"interview-jobs-ai/{__version__}"}
        )
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._sleep = sleep

    def close(self) -> None:
        self._client.close()

    def send(
        self,
        url: str,
        payload: CallbackRequest | SeedCallback,
        *,
        give_up_after: float = 0.0,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> CallbackResult:
        """POST the callback; retry transient failures for up to ``give_up_after`` seconds.

        ``give_up_after=0`` makes one try (progress updates). ``should_stop`` lets a shutting-down
        worker end the wait early (the result is then UNDELIVERED; the API's deadline covers it).
        """
        body = json.dumps(payload.wire(), separators=(",", ":"))
        msg_id = f"msg_{uuid.uuid4().hex}"
        deadline = time.monotonic() + give_up_after
        tries = 0
        while True:
            tries += 1
            headers = {
                "Content-Type": "application/json",
                API_KEY_HEADER: self._api_key,
                **sign_headers(self._secret, body, msg_id=msg_id),
            }
            wait: float | None = None
            try:
                response = self._client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                detail = f"{type(exc).__name__}: {exc}"
            else:
                code = response.status_code
                detail = _error_message(response)
                if code < 500 and code not in (408, 425, 429):
                    return _final_answer(url, payload.job_id, response, detail)
                wait = retry_after_seconds(response.headers.get("retry-after"))
            backoff = min(self._max_backoff, self._min_backoff * 2 ** (tries - 1))
            delay = wait if wait is not None else backoff * (0.5 + random.random() / 2)  # noqa: S311
            delay = min(delay, self._max_backoff)
            if time.monotonic() + delay > deadline or should_stop():
                log.warning(
                    "callback for %s not delivered after %d tries: %s",
                    payload.job_id,
                    tries,
                    detail,
                )
                return CallbackResult(Outcome.UNDELIVERED, None, detail)
            log.info(
                "callback for %s failed (%s); retrying in %.1f s", payload.job_id, detail, delay
            )
            self._sleep(delay)


def _json_object(response: httpx.Response) -> dict[str, object] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _final_answer(url: str, job_id: str, response: httpx.Response, detail: str) -> CallbackResult:
    """What a non-retryable answer means (see the module docstring)."""
    code = response.status_code
    data = _json_object(response) or {}
    if code < 300:
        if data.get("jobId") == job_id:
            return CallbackResult(Outcome.APPLIED, code, "ok")
        outcome, why = Outcome.STRANGER, f"HTTP {code} without this job's jobId in the answer"
    elif not (isinstance(data.get("error"), str) and isinstance(data.get("message"), str)):
        outcome, why = Outcome.STRANGER, f"{detail}, not in the API's error shape"
    elif code == 409:
        return CallbackResult(Outcome.CONFLICT, code, detail)
    elif code == 404:
        return CallbackResult(Outcome.GONE, code, detail)
    else:
        outcome, why = Outcome.REJECTED, detail
    if outcome is Outcome.STRANGER:
        log.error(
            "callback for job %s: %s does not answer like the API (%s); check API_URL and what "
            "listens there — no more callbacks are sent there for this job",
            job_id,
            url,
            why,
        )
    else:
        log.error(
            "callback for job %s refused by %s (%s); check that API_URL is the API this AI "
            "backend serves and that CALLBACK_API_KEY/WEBHOOK_SECRET match it — no more callbacks "
            "are sent there for this job",
            job_id,
            url,
            why,
        )
    return CallbackResult(outcome, code, why)


def _error_message(response: httpx.Response) -> str:
    data = _json_object(response)
    if data is not None and isinstance(data.get("message"), str):
        return f"HTTP {response.status_code}: {data['message']}"
    return f"HTTP {response.status_code}"
