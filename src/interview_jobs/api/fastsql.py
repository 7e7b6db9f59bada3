"""The hot statements with the least work per call: the status poll's read, job creation's write.

A client following a job polls ``GET /api/interview/job/{jobId}``; profiling showed SQLAlchemy's
per-execution machinery (connection checkout, compiled-cache lookup, result metadata) costing
several times the indexed read itself, and an ORM session's begin/execute/commit costing more
than job creation's two ``INSERT``s. A :class:`FastStatement` is a Core statement compiled once
per dialect, with its parameter order, bind and result processors worked out in advance (through
SQLAlchemy's public type API, so the values are exactly those a normal execution would give).

Reads (:meth:`FastSQL.all`): on SQLite with the in-loop driver, on a dedicated read-only
connection in autocommit mode (WAL: each statement sees the latest commit, and never waits for a
writer); on PostgreSQL on the pooled asyncpg connection itself, outside a transaction: one round
trip instead of SQLAlchemy's BEGIN, SELECT, ROLLBACK. Otherwise through the engine as usual. The
rows are named tuples with the selected columns' names.

Writes: :meth:`FastSQL.sqlite_transaction` runs statements on the pool's (single) in-loop SQLite
connection between ``BEGIN IMMEDIATE`` and ``COMMIT`` with no ``await`` in between, so nothing
else on the event loop can interleave; :meth:`FastSQL.value` runs one statement (on PostgreSQL a
data-modifying CTE is one atomic statement) on a pooled asyncpg connection. Driver errors are
raised as SQLAlchemy's exception classes, so the API's error handlers treat them as before. With
any other driver :attr:`FastSQL.raw_writes` is None: callers write through a session.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Insert, Select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    binders: tuple[Callable[[Any], Any] | None, ...]
    row: type
    readers: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, processor) with work to do
    constants: dict[str, Any]  # parameters the compiler added itself (e.g. SQLite's OFFSET 0)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments for ``params``, bind processors applied."""
        values = [params[n] if n in params else self.constants[n] for n in self.names]
        return [
            binder(value) if binder else value
            for value, binder in zip(values, self.binders, strict=True)
        ]


class FastStatement:
    def __init__(self, stmt: Select[Any] | Insert) -> None:
        self.stmt = stmt
        self._plans: dict[str, _Plan] = {}

    def plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self.stmt.compile(dialect=dialect)
            names = tuple(compiled.positiontup or ())
            binders = tuple(
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in names
            )
            # a SELECT's columns, or an INSERT's RETURNING columns (none without RETURNING)
            columns = list(getattr(self.stmt, "exported_columns", ()))
            processors = [_reader(c.type, dialect) for c in columns]
            readers = tuple((i, r) for i, r in enumerate(processors) if r is not None)
            row = namedtuple("Record", [c.key for c in columns])  # type: ignore[misc]
            plan = self._plans[dialect.name] = _Plan(
                compiled.string, names, binders, row, readers, dict(compiled.params)
            )
        return plan


def _reader(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    if dialect.driver == "asyncpg" and not isinstance(type_, TypeDecorator):
        # asyncpg already returns Python values (its numeric processors even want the column's
        # type code); only our own decorators (UTC datetimes) have work to do.
        return None
    processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).result_processor(
        dialect, None
    )
    return processor


class FastSQL:
    """Runs :class:`FastStatement` queries for one :class:`~interview_jobs.api.db.Database`."""

    def __init__(self, engine: AsyncEngine, sqlite_path: str | None) -> None:
        self.engine = engine
        self._sqlite_path = sqlite_path
        self._conn: sqlite3.Connection | None = None
        self._write_lock: asyncio.Lock | None = None
        self._asyncpg = engine.dialect.driver == "asyncpg"

    def _sqlite(self) -> sqlite3.Connection:
        if self._conn is None:
            assert self._sqlite_path is not None
            conn = sqlite3.connect(self._sqlite_path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")  # persistent; a no-op once the writer set it
            conn.execute("PRAGMA query_only=ON")
            conn.execute("PRAGMA busy_timeout=5000")
            self._conn = conn
        return self._conn

    @property
    def raw_writes(self) -> str | None:
        """``"sqlite"`` (in-loop SQLite), ``"asyncpg"``, or None: writes go through a session."""
        if self._sqlite_path is not None:
            return "sqlite"
        return "asyncpg" if self._asyncpg else None

    async def all(self, query: FastStatement, params: Mapping[str, Any]) -> list[Any]:
        if self._sqlite_path is None and not self._asyncpg:
            async with self.engine.connect() as conn:
                return list((await conn.execute(query.stmt, dict(params))).all())
        plan = query.plan(self.engine.dialect)
        args = plan.args(params)
        raw_rows: Sequence[Sequence[Any]]
        if self._sqlite_path is not None:
            try:
                raw_rows = self._sqlite().execute(plan.sql, args).fetchall()
            except sqlite3.Error as exc:
                raise _wrapped(plan.sql, args, exc) from exc
        else:
            async with self.engine.connect() as conn:
                pooled = await conn.get_raw_connection()
                raw_rows = await pooled.driver_connection.fetch(plan.sql, *args)  # type: ignore[union-attr]
        row, readers = plan.row, plan.readers
        rows = []
        for raw in raw_rows:
            values = list(raw)
            for index, reader in readers:
                values[index] = reader(values[index])
            rows.append(row(*values))
        return rows

    async def one(self, query: FastStatement, params: Mapping[str, Any]) -> Any | None:
        rows = await self.all(query, params)
        return rows[0] if rows else None

    @asynccontextmanager
    async def sqlite_transaction(self) -> AsyncIterator[SQLiteTransaction]:
        """The pool's in-loop SQLite connection in a write transaction, committed at the end
        (rolled back if the block raises). Only synchronous statements may run inside: an
        ``await`` would let other requests see the connection mid-transaction."""
        assert self._sqlite_path is not None, "only with the in-loop SQLite driver"
        # The pool hands a returned connection to whoever asks first, not to the longest
        # waiter: under load a writer could wait for seconds (measured: 2.5 s with 32 clients).
        # Writers here queue on a FIFO lock instead, so only one of them at a time asks the pool.
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        async with self._write_lock:
            # The pooled DBAPI connection itself: an engine Connection around it would cost
            # more than the two INSERTs (SQLite's pool does not reset a connection it gets back).
            pooled = await self.engine.raw_connection()
            try:
                tx = SQLiteTransaction(self.engine.dialect, pooled.driver_connection.sqlite)  # type: ignore[union-attr]
                tx.run_sql("BEGIN IMMEDIATE")
                try:
                    yield tx
                except BaseException:
                    tx.connection.rollback()
                    raise
                try:
                    tx.connection.commit()
                except sqlite3.Error as exc:
                    tx.connection.rollback()
                    raise _wrapped("COMMIT", [], exc) from exc
            finally:
                pooled.close()  # back to the pool

    async def value(self, stmt: FastStatement, params: Mapping[str, Any]) -> Any:
        """Run one statement on a pooled asyncpg connection (autocommit: one statement is one
        transaction) and return the first column of its first row."""
        assert self._asyncpg, "only with asyncpg"
        plan = stmt.plan(self.engine.dialect)
        args = plan.args(params)
        async with self.engine.connect() as conn:
            pooled = await conn.get_raw_connection()
            try:
                return await pooled.driver_connection.fetchval(plan.sql, *args)  # type: ignore[union-attr]
            except asyncpg.IntegrityConstraintViolationError as exc:
                # As through SQLAlchemy (the API answers 409); asyncpg's other errors have
                # handlers of their own (errors.py).
                raise sa_exc.IntegrityError(plan.sql, args, exc) from exc

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class SQLiteTransaction:
    """Statements inside :meth:`FastSQL.sqlite_transaction` (synchronous, on the loop's thread)."""

    def __init__(self, dialect: Dialect, connection: sqlite3.Connection) -> None:
        self._dialect = dialect
        self.connection = connection

    def run_sql(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self.connection.execute(sql, args)
        except sqlite3.Error as exc:
            raise _wrapped(sql, args, exc) from exc

    def run(self, stmt: FastStatement, params: Mapping[str, Any]) -> sqlite3.Cursor:
        plan = stmt.plan(self._dialect)
        return self.run_sql(plan.sql, plan.args(params))


def _wrapped(sql: str, args: Sequence[Any], exc: sqlite3.Error) -> sa_exc.StatementError:
    """The SQLAlchemy exception a normal execution would have raised (IntegrityError,
    OperationalError, …), so that the API's error handlers map it the same way."""
    return sa_exc.DBAPIError.instance(sql, list(args), exc, sqlite3.Error)
