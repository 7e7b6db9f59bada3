"""Statements run on the database driver itself: the read session, and job creation's writes.

SQLAlchemy builds every statement here (Core, once, at import); a :class:`Statement` compiles it
once per dialect and works out its parameter order and the bind and result processors of its
columns through SQLAlchemy's type API, so the values are those a normal execution would give.
What is skipped is SQLAlchemy's execution layer — measured here (``bench/api_throughput.py``
and a profile of it) its asyncio greenlets, pool checkout and reset and result wrappers cost
several times the statement itself, on the two requests clients send most.

* **The read session** (:meth:`Driver.read`, in the style of polar's read session): the SELECTs
  of read-only requests, one statement at a time, outside any transaction. SQLite: a read-only
  connection (``query_only``) in autocommit mode on the event loop's thread (WAL: each
  statement sees the latest commit and never waits for the writer). PostgreSQL: one of
  the driver's own asyncpg connections, one round trip (no BEGIN/ROLLBACK around it).
* **Job creation's writes**, the only ones that run here (docs/ARCHITECTURE.md, "The one
  exception"): :meth:`Driver.write`, one statement in a transaction of its own (PostgreSQL:
  the statement alone, one round trip), and :meth:`Driver.transaction` (SQLite: the write
  pool's in-loop connection between ``BEGIN IMMEDIATE`` and ``COMMIT``, nothing awaited in
  between, so nothing else on the event loop can interleave).

Driver errors leave as the API's errors (:func:`interview_jobs.api.errors.translated`), as the
write engine's do.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
from sqlalchemy import Delete, Insert, Select, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator

from interview_jobs.api.errors import translated

Row = tuple[Any, ...]
Processors = tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, processor) with work to do


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    binders: Processors  # of the parameters
    readers: Processors  # of the columns
    constants: dict[str, Any]  # parameters the compiler added itself (e.g. SQLite's OFFSET 0)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments for ``params``, bind processors applied."""
        args = list(map({**self.constants, **params}.__getitem__, self.names))
        for index, binder in self.binders:
            args[index] = binder(args[index])
        return args

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[Row]:
        rows = []
        for r in raw:
            values = list(r)
            for index, reader in self.readers:
                values[index] = reader(values[index])
            rows.append(tuple(values))
        return rows


class Statement:
    """A Core statement (a SELECT, or a DML statement whose RETURNING columns are its rows),
    compiled once per dialect."""

    def __init__(self, stmt: Select[Any] | Insert | Update | Delete) -> None:
        self.stmt = stmt
        self._plans: dict[str, _Plan] = {}

    def plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self.stmt.compile(dialect=dialect)
            names = tuple(compiled.positiontup or ())
            binders = _with_work(
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in names
            )
            # asyncpg returns Python values already: only our own decorators (UTC datetimes,
            # enums) have work to do there.
            readers = _with_work(
                c.type.dialect_impl(dialect).result_processor(dialect, None)
                if dialect.name != "postgresql" or isinstance(c.type, TypeDecorator)
                else None
                for c in self.stmt.exported_columns
            )
            plan = self._plans[dialect.name] = _Plan(
                compiled.string, names, binders, readers, dict(compiled.params)
            )
        return plan


def _with_work(processors: Iterable[Callable[[Any], Any] | None]) -> Processors:
    return tuple((i, p) for i, p in enumerate(processors) if p is not None)


class ReadSession(Protocol):
    """What read-only code may do with the driver: run SELECTs."""

    async def read(self, stmt: Statement, params: Mapping[str, Any]) -> list[Row]: ...

    async def read_one(self, stmt: Statement, params: Mapping[str, Any]) -> Row | None: ...


Fetch = Callable[[str, list[Any]], Awaitable[Sequence[Sequence[Any]]]]


class Executor:
    """Statements run by ``fetch`` (the SQL and its positional arguments) as typed rows: the
    driver's own, and those inside :meth:`Driver.transaction`."""

    def __init__(self, dialect: Dialect, fetch: Fetch) -> None:
        self.dialect = dialect
        self._fetch = fetch

    async def read(self, stmt: Statement, params: Mapping[str, Any]) -> list[Row]:
        plan = stmt.plan(self.dialect)
        args = plan.args(params)
        with translated():
            return plan.rows(await self._fetch(plan.sql, args))

    async def read_one(self, stmt: Statement, params: Mapping[str, Any]) -> Row | None:
        rows = await self.read(stmt, params)
        return rows[0] if rows else None

    write = read  # the same call: a write's rows are those of its RETURNING columns


class Driver(Executor):
    """The driver-level connections of one database (see the module docstring)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        sqlite_path: str | None = None,
        postgres_dsn: str | None = None,
        pool_size: int = 10,
    ) -> None:
        super().__init__(engine.dialect, self._read_sqlite if sqlite_path else self._read_pg)
        self.engine = engine
        self._sqlite_path = sqlite_path
        self._sqlite: sqlite3.Connection | None = None
        self._dsn = postgres_dsn
        self._idle: list[asyncpg.Connection] = []  # PostgreSQL: see _connection
        self._slots = asyncio.Semaphore(pool_size)

    async def write(self, stmt: Statement, params: Mapping[str, Any]) -> list[Row]:
        """One write statement, in a transaction of its own (PostgreSQL: the statement alone,
        one round trip)."""
        if self._sqlite_path is None:
            return await self.read(stmt, params)
        async with self.transaction() as tx:
            return await tx.write(stmt, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        with translated():
            if self._sqlite_path is not None:
                # The write pool's own (single) connection: SQLite has one writer per file.
                pooled = await self.engine.raw_connection()
                try:
                    connection: sqlite3.Connection = pooled.driver_connection.sqlite  # type: ignore[union-attr]

                    async def fetch(sql: str, args: list[Any]) -> Sequence[Sequence[Any]]:
                        return connection.execute(sql, args).fetchall()  # nothing suspends

                    connection.execute("BEGIN IMMEDIATE")
                    try:
                        yield Executor(self.dialect, fetch)
                        connection.commit()
                    except BaseException:
                        connection.rollback()
                        raise
                finally:
                    pooled.close()  # back to the pool
            else:
                async with self._connection() as conn, conn.transaction():
                    yield Executor(self.dialect, conn.fetch)

    async def _read_sqlite(self, sql: str, args: list[Any]) -> Sequence[Sequence[Any]]:
        if self._sqlite is None:
            assert self._sqlite_path is not None
            conn = sqlite3.connect(self._sqlite_path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA query_only=ON")
            conn.execute("PRAGMA busy_timeout=5000")
            self._sqlite = conn
        return self._sqlite.execute(sql, args).fetchall()

    async def _read_pg(self, sql: str, args: list[Any]) -> Sequence[Sequence[Any]]:
        async with self._connection() as conn:
            result: Sequence[Sequence[Any]] = await conn.fetch(sql, *args)
            return result

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """One of up to ``pool_size`` asyncpg connections, made when first needed (an API that
        starts while the database is down still starts). Not asyncpg's pool: measured with
        callgrind, its acquire and release (a task each time) cost twice the statement itself.
        A connection interrupted mid-statement (cancelled) or closed is not used again."""
        async with self._slots:
            conn = self._idle.pop() if self._idle else None
            if conn is None or conn.is_closed():
                conn = await asyncpg.connect(self._dsn)
            reusable = False
            try:
                yield conn
                reusable = True
            except Exception:
                reusable = True
                raise
            finally:
                if reusable and not conn.is_closed() and not conn.is_in_transaction():
                    self._idle.append(conn)
                else:  # interrupted (cancelled), closed, or left inside a transaction
                    conn.terminate()

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        while self._idle:
            await self._idle.pop().close()
