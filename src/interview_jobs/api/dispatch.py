"""The outbox dispatcher: forwards jobs to the AI backend after commit, and enforces deadlines.

Runs as a loop inside every API process (started and stopped by the lifespan); tests drive it by
hand with :meth:`Dispatcher.run_once`. One round:

1. **Deadlines.** An active job whose ``deadline_at`` has passed — no terminal callback, and no
   PROCESSING report for JOB_DEADLINE_SECONDS — goes back to PENDING with ``attempt+1`` and a new
   outbox row; after MAX_ATTEMPTS it becomes FAILED with an errorMessage saying it timed out. A
   job's deadline is set at creation (so even a job the AI backend never accepts ends), reset when
   a forward is accepted, and pushed out by each PROCESSING callback.
2. **Forwards.** Due outbox rows are *claimed* in a short transaction — ``SELECT … FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, so that several replicas never take the same row; a single writer on
   SQLite — by pushing their ``available_at`` out by a lease. After that commit the forwards are
   POSTed (``X-API-Key: AI_API_KEY``); the AI backend is idempotent on (jobId, attempt), so a
   forward repeated after a crash is harmless. Then, per row: accepted (2xx) → row deleted, job's
   deadline reset; network error, 408, 429 or 5xx → retried with capped exponential backoff;
   any other 4xx → permanent: the job is FAILED with the AI backend's reason.
3. **Housekeeping** (every few minutes): expired Idempotency-Keys and applied webhook ids go.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from sqlalchemy.ext.asyncio import AsyncSession
from yarl import URL

from interview_jobs.api.context import AppContext
from interview_jobs.api.files.signing import signed_content_url
from interview_jobs.api.jobs import repository as job_repository
from interview_jobs.api.jobs.repository import DueForward
from interview_jobs.api.jobs.schemas import forwarded_questions
from interview_jobs.api.jobs.transitions import transition
from interview_jobs.api.models import utcnow
from interview_jobs.contracts.callback import CALLBACK_PATH
from interview_jobs.contracts.common import JobStatus
from interview_jobs.contracts.forward import API_KEY_HEADER, FORWARD_PATH, ForwardRequest

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY_SECONDS = 300.0
DISPATCH_LINGER_SECONDS = 0.05
# Forwards in flight per dispatcher: an accept takes the AI backend milliseconds, so 4 keep up
# with far more jobs than the workers can analyse.
MAX_CONCURRENT_POSTS = 4
TRANSIENT_STATUS = frozenset({408, 425, 429})


@dataclass
class RoundReport:
    forwarded: int = 0
    retried: int = 0
    rejected: int = 0
    reforwarded: int = 0
    timed_out: int = 0
    claimed: int = 0

    @property
    def busy(self) -> bool:
        """A full batch was handled: there may be more right away."""
        return self.claimed > 0 or self.reforwarded > 0 or self.timed_out > 0


@dataclass(frozen=True)
class _Result:
    row: DueForward
    outcome: str  # accepted | retry | rejected
    detail: str = ""
    retry_after: float | None = None


class Dispatcher:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self._client: aiohttp.ClientSession | None = None
        self._proxy: tuple[URL | None, aiohttp.BasicAuth | None] = (None, None)
        self._wake = asyncio.Event()
        self._last_housekeeping = float("-inf")
        self._last_deadlines = float("-inf")

    @property
    def client(self) -> aiohttp.ClientSession:
        # aiohttp, not httpx: its POST costs a tenth of the CPU (bench/forward_client.py), and the
        # forwards run on the event loop that serves the API's requests. The proxy the
        # environment names for the AI backend (HTTP(S)_PROXY, NO_PROXY) applies, as it did with
        # httpx; it is looked up here, once, with aiohttp's own lookup: trust_env=True repeats it
        # on every request, in two worker threads (one reads ~/.netrc) — measured in process
        # (CPU of all threads) as about two thirds of a forward's CPU.
        if self._client is None:
            with contextlib.suppress(LookupError):
                self._proxy = get_env_proxy_for_url(URL(self.settings.ai_url))
            self._client = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.settings.forward_timeout_seconds)
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            report = RoundReport()
            try:
                report = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be down: log, wait, try again
                log.exception("dispatcher round failed")
            if report.busy:
                continue
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that arrives as the wake-up event fires, and the loop then never stops (seen in CI).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.dispatch_interval_seconds):
                    await self._wake.wait()
            if self._wake.is_set():
                # Woken by a commit: linger a moment so that a burst of new jobs goes out as one
                # batch (one claim, one record transaction) instead of one round per job.
                await asyncio.sleep(DISPATCH_LINGER_SECONDS)
            self._wake.clear()

    async def run_once(self, now: datetime | None = None) -> RoundReport:
        """One round: deadlines, then due forwards, then (now and then) housekeeping.

        ``now`` lets tests step the clock instead of sleeping.
        """
        report = RoundReport()
        explicit_clock = now is not None
        now = now or utcnow()
        # Deadlines are checked once per DISPATCH_INTERVAL, not on every wake-up by a commit.
        if (
            explicit_clock
            or time.monotonic() - self._last_deadlines >= self.settings.dispatch_interval_seconds
        ):
            await self.expire_deadlines(now, report)
            self._last_deadlines = time.monotonic()
        await self.forward_due(now, report)
        if time.monotonic() - self._last_housekeeping >= HOUSEKEEPING_EVERY_SECONDS:
            await self.housekeeping(now)
            self._last_housekeeping = time.monotonic()
        return report

    # ---- deadlines ----
    async def expire_deadlines(self, now: datetime, report: RoundReport) -> None:
        settings = self.settings
        feed = self.ctx.feed
        async with self.ctx.db.transaction() as session:
            overdue = await job_repository.overdue_jobs(
                session, now, settings.dispatch_batch_size, skip_locked=self.ctx.db.is_postgres
            )
            for job in overdue:
                if job.attempt >= settings.max_attempts:
                    reason = (
                        "the AI backend could not be reached"
                        if job.forwarded_at is None
                        else "no result arrived"
                    )
                    message = (
                        f"Timed out after {job.attempt} attempt(s): {reason} within "
                        f"{settings.job_deadline_seconds} s of each forward."
                    )
                    if await self._fail(session, job.id, job.attempt, message, now):
                        await job_repository.drop_outbox(session, job.id)
                        report.timed_out += 1
                        self.ctx.metrics.deadlines.labels("failed").inc()
                    continue
                again = await transition(
                    session,
                    feed,
                    job.id,
                    JobStatus.PENDING,
                    attempt=job.attempt,
                    values={
                        "attempt": job.attempt + 1,
                        "progress": None,
                        "forwarded_at": None,
                        "deadline_at": now + timedelta(seconds=settings.job_deadline_seconds),
                    },
                    now=now,
                )
                if again is not None:
                    await job_repository.drop_outbox(session, job.id)
                    await job_repository.add_outbox(session, job.id, job.attempt + 1, now)
                    report.reforwarded += 1
                    self.ctx.metrics.deadlines.labels("reforwarded").inc()

    # ---- forwards ----
    async def forward_due(self, now: datetime, report: RoundReport) -> None:
        claimed = await self._claim(now)
        report.claimed = len(claimed)
        if not claimed:
            return
        semaphore = asyncio.Semaphore(MAX_CONCURRENT_POSTS)

        async def post(row: DueForward) -> _Result:
            async with semaphore:
                return await self._post(row)

        results = await asyncio.gather(*(post(row) for row in claimed))
        await self._record(results, report)

    async def _claim(self, now: datetime) -> list[DueForward]:
        lease = utcnow() + timedelta(seconds=self.settings.dispatch_lease_seconds)
        async with self.ctx.db.transaction() as session:
            return await job_repository.claim_due_forwards(
                session,
                now,
                self.settings.dispatch_batch_size,
                lease,
                skip_locked=self.ctx.db.is_postgres,
            )

    def _forward_body(self, row: DueForward) -> dict[str, Any]:
        settings = self.settings
        video_url = row.video_url
        if row.file_id is not None:
            video_url = signed_content_url(
                self.ctx.url_signing_key,
                settings.api_url,
                row.file_id,
                settings.signed_url_ttl_seconds,
            )
        body = ForwardRequest(
            job_id=row.job_id,
            video_url=video_url,
            analysis_type=row.analysis_type,
            user_id=str(row.user_id),
            file_id=row.file_id,
            callback_url=f"{settings.api_url}{CALLBACK_PATH}",
            attempt=row.attempt,
            questions=forwarded_questions(row.questions),
        ).wire()
        if body["questions"] is None:
            del body["questions"]  # a job without questions is forwarded as the original's
        return body

    async def _post(self, row: DueForward) -> _Result:
        client = self.client
        proxy, proxy_auth = self._proxy
        try:
            async with client.post(
                f"{self.settings.ai_url}{FORWARD_PATH}",
                json=self._forward_body(row),
                headers={API_KEY_HEADER: self.ctx.settings.current_secret("ai_api_key")},
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                code = response.status
                text = "" if 200 <= code < 300 else await _text(response)
                retry_after = response.headers.get("retry-after", "")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return _Result(row, "retry", f"{type(exc).__name__}: {exc}")
        if 200 <= code < 300:
            return _Result(row, "accepted")
        detail = f"HTTP {code}: {text[:500]}"
        if code >= 500 or code in TRANSIENT_STATUS:
            return _Result(
                row,
                "retry",
                detail,
                retry_after=float(retry_after) if retry_after.isdigit() else None,
            )
        return _Result(row, "rejected", detail)

    def backoff(self, tries: int) -> float:
        """Seconds before the next try after ``tries`` failures: capped exponential, jittered."""
        base = self.settings.dispatch_backoff_base_seconds * (2 ** min(tries, 30))
        capped = min(base, self.settings.dispatch_backoff_max_seconds)
        return float(capped * random.uniform(0.8, 1.0))  # noqa: S311 - jitter, not security

    async def _record(self, results: list[_Result], report: RoundReport) -> None:
        now = utcnow()
        async with self.ctx.db.transaction() as session:
            accepted = [r.row for r in results if r.outcome == "accepted"]
            if accepted:
                deadline = now + timedelta(seconds=self.settings.job_deadline_seconds)
                await job_repository.forwards_accepted(session, accepted, now, deadline)
                report.forwarded += len(accepted)
                self.ctx.metrics.forwards.labels("accepted").inc(len(accepted))
            for result in results:
                row = result.row
                if result.outcome == "accepted":
                    continue
                if result.outcome == "retry":
                    delay = max(self.backoff(row.tries), result.retry_after or 0.0)
                    await job_repository.forward_later(
                        session,
                        row.outbox_id,
                        row.tries + 1,
                        now + timedelta(seconds=delay),
                        result.detail,
                    )
                    report.retried += 1
                    log.info("forward of %s will be retried: %s", row.job_id, result.detail)
                else:
                    message = f"The AI backend rejected the job ({result.detail})"
                    await self._fail(session, row.job_pk, row.attempt, message, now)
                    await job_repository.drop_forward(session, row.outbox_id)
                    report.rejected += 1
                    log.warning("forward of %s rejected: %s", row.job_id, result.detail)
                self.ctx.metrics.forwards.labels(result.outcome).inc()

    async def _fail(
        self, session: AsyncSession, job_pk: int, attempt: int, message: str, now: datetime
    ) -> bool:
        """Move the job (still on ``attempt``) to FAILED with ``message``; whether it changed."""
        values = {"error_message": message}
        failed = await transition(
            session,
            self.ctx.feed,
            job_pk,
            JobStatus.FAILED,
            attempt=attempt,
            values=values,
            now=now,
        )
        return failed is not None

    # ---- housekeeping ----
    async def housekeeping(self, now: datetime) -> None:
        retention = now - timedelta(seconds=self.settings.idempotency_ttl_seconds)
        async with self.ctx.db.transaction() as session:
            await job_repository.purge(session, retention)


async def _text(response: aiohttp.ClientResponse) -> str:
    """The start of an error response's body, as text (whatever its declared charset)."""
    body = await response.content.read(2000)
    return body.decode("utf-8", errors="replace")
