"""SQLite on the event loop's own thread, behind SQLAlchemy's aiosqlite dialect.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on a helper thread and hands the
result back through the event loop: five thread round trips for one indexed read, which cost far
more than the read itself (measured here: ~140 µs of CPU per trivial query, and one API request
slower than 2 ms). SQLite reads in WAL mode never wait for a lock, and an indexed read or a small
write takes microseconds, so this module runs them directly on the loop's thread instead. It is
plugged in with ``create_async_engine(..., async_creator=connect)``: SQLAlchemy keeps using its
aiosqlite adapter, which only sees awaitables that complete at once.

The trade: a statement blocks the event loop while it runs. That is fine for the indexed queries
of this service; it is why the SQLite pool has one connection (the request's session holds it
only while it runs statements) and why several API processes should share PostgreSQL, not SQLite
(a write lock held by another process would make the busy wait block the loop).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any


class _ImmediateQueue:
    """Stands in for aiosqlite's job queue (used by SQLAlchemy's isolation-level setter)."""

    def put_nowait(self, item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is not None:
                future.set_exception(exc)
        else:
            if future is not None:
                future.set_result(result)


class InLoopCursor:
    """An aiosqlite cursor whose awaitables complete at once; the plain attributes
    (``description``, ``rowcount``, ``lastrowid``, ``arraysize``) are the cursor's own."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    async def __aenter__(self) -> InLoopCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InLoopCursor:
        self._cursor.execute(sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InLoopCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def close(self) -> None:
        self._cursor.close()


class InLoopConnection:
    """The subset of ``aiosqlite.Connection`` that SQLAlchemy's adapter uses."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        # The connection itself: for job creation's writes (``driver.py``) and, as ``_conn``,
        # SQLAlchemy's isolation-level setter.
        self.sqlite = self._conn = conn
        self._connection: sqlite3.Connection | None = conn  # None once closed
        self._tx = _ImmediateQueue()

    @property
    def isolation_level(self) -> str | None:
        return self.sqlite.isolation_level

    def cursor(self) -> InLoopCursor:
        return InLoopCursor(self.sqlite.cursor())

    async def commit(self) -> None:
        self.sqlite.commit()

    async def rollback(self) -> None:
        self.sqlite.rollback()

    async def close(self) -> None:
        self.stop()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self.sqlite.create_function(*args, **kwargs)

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self.sqlite.close()


def creator(database: str, timeout: float) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine``."""

    async def connect() -> InLoopConnection:
        # check_same_thread=False: SQLAlchemy may close a pooled connection from a finaliser.
        # cached_statements: the dispatcher's batch statements have one SQL text per batch size
        # (IN lists), and with the default 128 they pushed job creation's INSERTs out of the
        # cache (measured with the dispatcher busy: the job INSERT took 156 us on average with
        # 128, 92 us with 2048, 21 us with the dispatcher off).
        conn = sqlite3.connect(
            database, timeout=timeout, check_same_thread=False, cached_statements=2048
        )
        return InLoopConnection(conn)

    return connect
