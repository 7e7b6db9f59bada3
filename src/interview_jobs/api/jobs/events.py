"""Server-Sent Events of one job's status and progress.

The stream polls the job row (an indexed primary-key read) every SSE_POLL_INTERVAL_SECONDS, so it
sees a callback that landed on any API replica; each change of (status, progress, attempt) is one
``status`` event, the first event is the current state, and the stream ends after a terminal
status. Comment lines every SSE_HEARTBEAT_SECONDS keep proxies from closing an idle stream.
The request's own database session is released before streaming starts; each poll uses a short
session of its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import anyio

from interview_jobs.api.context import AppContext
from interview_jobs.api.jobs import service
from interview_jobs.contracts.common import TERMINAL_STATUSES, JobStatus


def _event(name: str, data: dict[str, object]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def job_events(ctx: AppContext, job_pk: int) -> AsyncIterator[str]:
    settings = ctx.settings
    last: tuple[object, ...] | None = None
    last_sent = time.monotonic()
    yield "retry: 2000\n\n"
    while True:
        state = await service.current_state(ctx, job_pk)
        if state is None:
            yield _event("deleted", {"message": "The job was deleted."})
            return
        key = (state["status"], state["progress"], state["attempt"])
        if key != last:
            last = key
            last_sent = time.monotonic()
            yield _event("status", state)
            if JobStatus(str(state["status"])) in TERMINAL_STATUSES:
                return
        elif time.monotonic() - last_sent >= settings.sse_heartbeat_seconds:
            last_sent = time.monotonic()
            yield ": keep-alive\n\n"
        await anyio.sleep(settings.sse_poll_interval_seconds)
