"""Job changes, pushed to the event streams that watch them (no stream polls the database).

The code that changes a job's status, progress or attempt (``transitions.transition``) or deletes
it calls :meth:`JobFeed.changed` inside its transaction. Each API process keeps, per job, the
events of the streams watching it (:meth:`JobFeed.watch`); a change sets them, and each stream
re-reads its job and sends what changed (``events.py``).

* **PostgreSQL** (any number of API processes): ``changed`` is a ``pg_notify`` on
  :data:`CHANNEL` in the same transaction, so it is delivered when (and only if) the change
  commits, to every process. Each process listens on one asyncpg connection of its own
  (:meth:`JobFeed.listen_forever`, started by the lifespan) and fans a notification out to its
  streams of that job. A notification sent while that connection was down is lost: so whenever
  it (re)connects, every watched job is re-read (:meth:`JobFeed.publish_all`); while it waits it
  checks the connection every :data:`LISTEN_CHECK_SECONDS`.
* **SQLite** (one API process): ``changed`` registers an after-commit hook that wakes this
  process's streams of the job directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.db import Database, on_commit

log = logging.getLogger(__name__)

CHANNEL = "interview_jobs_changes"
LISTEN_CHECK_SECONDS = 10.0
RECONNECT_MAX_SECONDS = 5.0
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
_CONNECTION_LOST = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class JobFeed:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._watchers: dict[int, set[asyncio.Event]] = {}
        self.listening = asyncio.Event()  # PostgreSQL: the LISTEN connection is up

    @contextlib.contextmanager
    def watch(self, job_pk: int) -> Iterator[asyncio.Event]:
        """An event set whenever the job may have changed, while the block runs."""
        changed = asyncio.Event()
        watchers = self._watchers.setdefault(job_pk, set())
        watchers.add(changed)
        try:
            yield changed
        finally:
            watchers.discard(changed)
            if not watchers:
                self._watchers.pop(job_pk, None)

    async def changed(self, session: AsyncSession, job_pk: int) -> None:
        """The job changes in ``session``'s transaction: its streams hear of it once committed."""
        if self._db.is_postgres:
            await session.execute(_NOTIFY, {"channel": CHANNEL, "payload": str(job_pk)})
        else:
            on_commit(session, lambda: self.publish(job_pk))

    def publish(self, job_pk: int) -> None:
        for changed in self._watchers.get(job_pk, ()):
            changed.set()

    def publish_all(self) -> None:
        for watchers in self._watchers.values():
            for changed in watchers:
                changed.set()

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            job_pk = int(payload)
        except ValueError:
            log.warning("ignoring a malformed %s notification: %r", CHANNEL, payload[:100])
            return
        self.publish(job_pk)

    async def listen_forever(self) -> None:
        """PostgreSQL: LISTEN on :data:`CHANNEL` and fan notifications out, reconnecting (with
        backoff) whenever the connection is lost."""
        delay = 0.1
        while True:
            try:
                conn = await asyncpg.connect(self._db.postgres_dsn())
            except _CONNECTION_LOST as exc:
                log.warning("job feed: cannot connect to listen (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
                continue
            try:
                await self._listen(conn)
                delay = 0.1
            except _CONNECTION_LOST as exc:
                log.warning("job feed: listening connection lost (%s); reconnecting", exc)
            finally:
                self.listening.clear()
                conn.terminate()

    async def _listen(self, conn: asyncpg.Connection) -> None:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _: lost.set())
        await conn.add_listener(CHANNEL, self._notified)
        self.listening.set()
        # Whatever changed while no connection was listening: every stream re-reads its job.
        self.publish_all()
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LISTEN_CHECK_SECONDS):
                    await lost.wait()
                    return
            # A connection that died silently (no FIN, no RST) shows here.
            async with asyncio.timeout(LISTEN_CHECK_SECONDS):
                await conn.fetchval("SELECT 1")
