"""Hot read-only queries with the least work per call.

A client following a job polls ``GET /api/interview/job/{jobId}``; profiling showed SQLAlchemy's
per-execution machinery (connection checkout, compiled-cache lookup, result metadata) costing
several times the indexed read itself. A :class:`FastSelect` is a Core ``SELECT`` compiled once per
dialect, with its parameter order, bind and result processors worked out in advance (through
SQLAlchemy's public type API, so the values are exactly those a normal execution would give).

On SQLite with the in-loop driver it runs on a dedicated read-only connection in autocommit mode
(WAL: each statement sees the latest commit, and never waits for a writer). On PostgreSQL it
runs on the pooled asyncpg connection itself, outside a transaction: one round trip instead of
SQLAlchemy's BEGIN, SELECT, ROLLBACK. Otherwise it runs through the engine as usual. The rows are
named tuples with the selected columns' names.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    binders: tuple[Callable[[Any], Any] | None, ...]
    readers: tuple[Callable[[Any], Any] | None, ...]
    row: type
    constants: dict[str, Any]  # parameters the compiler added itself (e.g. SQLite's OFFSET 0)


class FastSelect:
    def __init__(self, stmt: Select[Any]) -> None:
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
            columns = list(self.stmt.selected_columns)
            readers = tuple(_reader(c.type, dialect) for c in columns)
            row = namedtuple("Record", [c.key for c in columns])  # type: ignore[misc]
            plan = self._plans[dialect.name] = _Plan(
                compiled.string, names, binders, readers, row, dict(compiled.params)
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


class FastReader:
    """Runs :class:`FastSelect` queries for one :class:`~interview_jobs.api.db.Database`."""

    def __init__(self, engine: AsyncEngine, sqlite_path: str | None) -> None:
        self.engine = engine
        self._sqlite_path = sqlite_path
        self._conn: sqlite3.Connection | None = None
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

    async def all(self, query: FastSelect, params: Mapping[str, Any]) -> list[Any]:
        if self._sqlite_path is None and not self._asyncpg:
            async with self.engine.connect() as conn:
                return list((await conn.execute(query.stmt, dict(params))).all())
        plan = query.plan(self.engine.dialect)
        values = [params[n] if n in params else plan.constants[n] for n in plan.names]
        args = [
            binder(value) if binder else value
            for value, binder in zip(values, plan.binders, strict=True)
        ]
        raw_rows: Sequence[Sequence[Any]]
        if self._sqlite_path is not None:
            raw_rows = self._sqlite().execute(plan.sql, args).fetchall()
        else:
            async with self.engine.connect() as conn:
                pooled = await conn.get_raw_connection()
                raw_rows = await pooled.driver_connection.fetch(plan.sql, *args)  # type: ignore[union-attr]
        readers = plan.readers
        return [
            plan.row(*[r(v) if r else v for r, v in zip(readers, raw, strict=True)])
            for raw in raw_rows
        ]

    async def one(self, query: FastSelect, params: Mapping[str, Any]) -> Any | None:
        rows = await self.all(query, params)
        return rows[0] if rows else None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
