"""Server-Sent Events of one job's status and progress, pushed (``feed.py``), never polled.

The first event is the job's current state; then one ``status`` event per change of (status,
progress, phase, attempt), and the stream ends after a terminal status. The stream re-reads its job
(one indexed read, on the read session) only when the feed says it may have changed — a change
committed by any API process — and holds no database connection in between. Each event's
``id`` names the state it shows: a client that reconnects with ``Last-Event-ID`` gets the
current state only if it is newer than that (and a 204, which tells an EventSource to stop, if
it already saw the job's terminal event). Comment lines every SSE_HEARTBEAT_SECONDS keep
proxies from closing an idle stream; while the database cannot be read the stream keeps them
coming and reads again every READ_RETRY_SECONDS.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from interview_jobs.api.driver import ReadSession
from interview_jobs.api.errors import ServiceUnavailable
from interview_jobs.api.jobs import repository
from interview_jobs.api.jobs.feed import JobFeed
from interview_jobs.api.jobs.repository import JobRow
from interview_jobs.api.jobs.schemas import shown_phase

RETRY_MS = 2000
READ_RETRY_SECONDS = 1.0


def event_id(job: JobRow) -> str:
    """The id of the event that shows this state of the job."""
    progress = "-" if job.progress is None else str(job.progress)
    return f"{job.attempt}.{job.status.value}.{progress}.{shown_phase(job) or '-'}"


def _state(job: JobRow) -> dict[str, object]:
    return {
        "jobId": job.job_id,
        "status": job.status.value,
        "progress": job.progress,
        "phase": shown_phase(job),
        "attempt": job.attempt,
        "errorMessage": job.error_message,
        "updatedAt": job.updated_at.isoformat(),
        "estimatedCompletionTime": (
            None if job.estimated_completion_at is None else job.estimated_completion_at.isoformat()
        ),
    }


def _event(name: str, data: dict[str, object], event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def job_events(
    reads: ReadSession,
    feed: JobFeed,
    job: JobRow,
    *,
    last_event_id: str | None,
    heartbeat_seconds: float,
) -> AsyncIterator[str]:
    """The stream of ``job`` (already read for its owner, who is the one reading it again)."""
    loop = asyncio.get_running_loop()
    last = last_event_id
    yield f"retry: {RETRY_MS}\n\n"
    with feed.watch(job.id) as changed:
        changed.set()  # the first round reads the job now: it may have changed since
        next_beat = loop.time() + heartbeat_seconds
        while True:
            try:
                async with asyncio.timeout_at(next_beat):
                    await changed.wait()
            except TimeoutError:
                yield ": keep-alive\n\n"
                next_beat = loop.time() + heartbeat_seconds
                continue
            changed.clear()  # before the read: a change after it wakes the next wait
            try:
                current = await repository.read_job(reads, job.user_id, job.job_id)
            except ServiceUnavailable:
                loop.call_later(READ_RETRY_SECONDS, changed.set)  # read it again soon
                continue
            if current is None:
                yield _event("deleted", {"message": "The job was deleted."})
                return
            shown = event_id(current)
            if shown != last:
                last = shown
                yield _event("status", _state(current), shown)
                next_beat = loop.time() + heartbeat_seconds
                if current.status.is_terminal:
                    return
