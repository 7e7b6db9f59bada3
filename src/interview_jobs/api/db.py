"""The database: the write engine and its transactions, and the read session.

Nothing is created at import time: :class:`Database` is made by ``create_app`` (or a CLI command or
a test) from the settings. SQLite runs in WAL mode with foreign keys on and, by default, one
write connection per process: SQLite has one writer anyway, and a pool of connections fighting for
the write lock only adds latency (NOTES.md measured p99 ≈ 1 s with a pool vs. ≈ 0.25 s with one).
SQLite's statements run on the event loop's thread (``sqlite_inloop.py``). PostgreSQL
(``postgresql+asyncpg://``) gets an ordinary pool.

* Writes go through :meth:`Database.transaction`: an ORM session in one transaction, committed
  when the block ends and rolled back if it raises; hooks registered with :func:`on_commit` /
  :func:`on_rollback` run after that (side effects that must follow the transaction's fate).
  A request's transaction is this one too (``deps.SessionDep``).
* Reads of read-only requests, and job creation's transaction, run on the driver itself
  (:attr:`Database.driver`, ``driver.py``).

Driver errors are translated at the driver, into the API's errors
(:func:`interview_jobs.api.errors.database_error`): statement failures by the write engine's
``handle_error`` event, connection failures by the connection factories below, the driver's
own statements by ``driver.py``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.dml import Insert

from interview_jobs.api import sqlite_inloop
from interview_jobs.api.driver import Driver
from interview_jobs.api.errors import database_error, log_database_error, translated

SQLITE_BUSY_SECONDS = 5.0
CHECKPOINT_INTERVAL_SECONDS = 1.0
log = logging.getLogger(__name__)

# session.info keys of the hooks that follow the transaction's fate (delete a stored file only
# once its row is gone; remove a fresh upload if its row was not written; wake the dispatcher).
_AFTER_COMMIT = "after_commit"
_AFTER_ROLLBACK = "after_rollback"


class Database:
    def __init__(self, url: str, *, pool_size: int | None = None) -> None:
        self.url = make_url(url)
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs.update(
                pool_size=pool_size or 1,
                max_overflow=0,
                pool_timeout=30,
                # The session always ends its transaction itself; a second rollback on check-in
                # would be one more call into the driver for nothing.
                pool_reset_on_return=None,
            )
            kwargs["async_creator"] = _translated(
                sqlite_inloop.creator(self.url.database or ":memory:", SQLITE_BUSY_SECONDS)
            )
        else:
            kwargs.update(pool_size=pool_size or 10, max_overflow=10, pool_timeout=10)
            kwargs["async_creator"] = _translated(
                functools.partial(asyncpg.connect, self.postgres_dsn())
            )
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        event.listen(self.engine.sync_engine, "handle_error", _translate_statement_error)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.driver = Driver(
            self.engine,
            sqlite_path=self.url.database if self.is_sqlite else None,
            postgres_dsn=None if self.is_sqlite else self.postgres_dsn(),
            pool_size=pool_size or 10,
        )

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def postgres_dsn(self) -> str:
        """The URL as asyncpg (and libpq) spell it."""
        return self.url.set(drivername="postgresql").render_as_string(hide_password=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed when the block ends normally, rolled back if
        it raises (or the commit fails); then the session's hooks of that outcome run."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                for hook in session.info.get(_AFTER_ROLLBACK, ()):
                    await _run(hook)
                raise
            for hook in session.info.get(_AFTER_COMMIT, ()):
                await _run(hook)

    async def ping(self) -> None:
        """Raise if the database does not answer."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.driver.close()
        await self.engine.dispose()

    async def checkpoint_forever(self, interval: float = CHECKPOINT_INTERVAL_SECONDS) -> None:
        """SQLite: fold the WAL back into the database file from a worker thread.

        SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 WAL pages, copying
        pages and fsyncing — on the event loop thread, stalling every request for that long.
        The writer has it switched off; this loop (started by the app's lifespan) runs
        a PASSIVE checkpoint, which never waits for readers or writers, on its own connection in
        a thread. Without the loop (a CLI command) the WAL is folded back when the last
        connection closes.
        """
        assert self.url.database
        path = self.url.database
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(_checkpoint, path)
            except sqlite3.Error as exc:  # busy or locked: the next round will do it
                log.debug("WAL checkpoint skipped: %s", exc)


Hook = Callable[[], Awaitable[None] | None]


async def _run(hook: Hook) -> None:
    result = hook()
    if inspect.isawaitable(result):
        await result


def on_commit(session: AsyncSession, hook: Hook) -> None:
    """Run ``hook`` once ``session``'s transaction has committed (see Database.transaction)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(hook)


def on_rollback(session: AsyncSession, hook: Hook) -> None:
    """Run ``hook`` if ``session``'s transaction is rolled back."""
    session.info.setdefault(_AFTER_ROLLBACK, []).append(hook)


@functools.cache
def insert_ignore(table: Table, dialect: str) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` into ``table`` for the dialect (built once: a
    statement built per call pays SQLAlchemy's cache-key computation every time)."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def _translate_statement_error(context: ExceptionContext) -> BaseException | None:
    """A statement failed: raise the API's error instead (see errors.database_error)."""
    raised = context.sqlalchemy_exception or context.original_exception
    error = database_error(raised)
    if error is not None:
        log_database_error(context.original_exception, error)
    return error


def _translated(connect: Callable[[], Any]) -> Callable[[], Any]:
    """A connection factory whose failures (refused, timed out, unreadable file) are the API's
    503: raised before SQLAlchemy has a connection, they would reach no ``handle_error``."""

    async def connect_translated() -> Any:
        with translated():
            return await connect()

    return connect_translated


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable across application crashes in WAL mode; only a power cut can lose the
    # last transactions.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
    cursor.execute("PRAGMA wal_autocheckpoint=0")  # Database.checkpoint_forever does it
    cursor.close()


def _checkpoint(path: str) -> None:
    conn = sqlite3.connect(path, timeout=1)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()
