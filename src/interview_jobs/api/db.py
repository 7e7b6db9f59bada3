"""Database engine and sessions (async SQLAlchemy 2).

Nothing is created at import time: :class:`Database` is made by ``create_app`` (or a CLI command or
a test) from the settings. SQLite runs in WAL mode with foreign keys on and, by default, one
connection per process: SQLite has one writer anyway, and a pool of connections fighting for the
write lock only adds latency (NOTES.md measured p99 ≈ 1 s with a pool vs. ≈ 0.25 s with one).
PostgreSQL (``postgresql+asyncpg://``) gets an ordinary pool.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.dml import Insert

from interview_jobs.api import sqlite_inloop
from interview_jobs.api.fastsql import FastSQL

SQLITE_BUSY_SECONDS = 5.0
CHECKPOINT_INTERVAL_SECONDS = 1.0
log = logging.getLogger(__name__)


class Database:
    def __init__(
        self, url: str, *, pool_size: int | None = None, sqlite_driver: str = "inloop"
    ) -> None:
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
            database = self.url.database or ":memory:"
            if sqlite_driver == "inloop":
                kwargs["async_creator"] = sqlite_inloop.creator(database, SQLITE_BUSY_SECONDS)
            else:
                kwargs["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS}
        else:
            kwargs.update(pool_size=pool_size or 10, max_overflow=10, pool_timeout=10)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self.inloop_sqlite = self.is_sqlite and sqlite_driver == "inloop"
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        if self.inloop_sqlite:
            event.listen(self.engine.sync_engine, "connect", _no_autocheckpoint)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.fast = FastSQL(self.engine, self.url.database if self.inloop_sqlite else None)

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    async def ping(self) -> None:
        """Raise if the database does not answer."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        self.fast.close()
        await self.engine.dispose()

    async def checkpoint_forever(self, interval: float = CHECKPOINT_INTERVAL_SECONDS) -> None:
        """In-loop SQLite: fold the WAL back into the database file from a worker thread.

        SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 WAL pages, copying
        pages and fsyncing — on the event loop thread, stalling every request for that long.
        The in-loop writer has it switched off; this loop (started by the app's lifespan) runs
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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable across application crashes in WAL mode; only a power cut can lose the
    # last transactions.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
    cursor.close()


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _checkpoint(path: str) -> None:
    conn = sqlite3.connect(path, timeout=1)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()


def insert_ignore(session: AsyncSession, table: Any) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's dialect."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    return insert(table)
