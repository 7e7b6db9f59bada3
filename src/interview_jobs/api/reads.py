"""The read session: SELECTs of read-only requests, outside any transaction.

In the style of polar's read session (``get_db_read_session``): requests that only read — a job's
status, detail, list, its event stream, the checks before a write — get their rows here, not
from the request's write session. Statements are SQLAlchemy Core selects, built once; a
:class:`Query` compiles its statement once per dialect and works out its parameter order and the
bind and result processors of its columns through SQLAlchemy's type API, so the values are those
a normal execution would give. Each call runs one statement on a connection of its own:

* SQLite: a read-only connection (``query_only``) in autocommit mode. In WAL mode each statement
  sees the latest commit and never waits for the writer. With the in-loop driver
  (``sqlite_inloop.py``) it runs on the event loop's thread; with ``DB_SQLITE_DRIVER=aiosqlite``
  on a worker thread.
* PostgreSQL: a pooled asyncpg connection of the read pool, one round trip (no BEGIN/ROLLBACK
  around it). Writes keep their own pool: a burst of status polls never queues behind them.

Why not the write engine: measured here (``bench/api_throughput.py``'s status run and a
profile of it), SQLAlchemy's asyncio layer — a greenlet per call, the pool's checkout and reset,
the result wrapper — cost several times the indexed read itself, on the request clients send most.

Driver errors are translated here, by :func:`interview_jobs.api.db.translated`, like those of
the write engine.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from interview_jobs.api.errors import translated


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    binders: tuple[Callable[[Any], Any] | None, ...]
    readers: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, processor) with work to do
    constants: dict[str, Any]  # parameters the compiler added itself (e.g. SQLite's OFFSET 0)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments for ``params``, bind processors applied."""
        values = [params[n] if n in params else self.constants[n] for n in self.names]
        return [
            binder(value) if binder else value
            for value, binder in zip(values, self.binders, strict=True)
        ]

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if not self.readers:
            return tuple(raw)
        values = list(raw)
        for index, reader in self.readers:
            values[index] = reader(values[index])
        return tuple(values)


class Query:
    """A Core SELECT, compiled once per dialect for :class:`ReadSession`."""

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
            processors = [_reader(c.type, dialect) for c in self.stmt.exported_columns]
            readers = tuple((i, r) for i, r in enumerate(processors) if r is not None)
            plan = self._plans[dialect.name] = _Plan(
                compiled.string, names, binders, readers, dict(compiled.params)
            )
        return plan


def _reader(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    if dialect.name == "postgresql" and not isinstance(type_, TypeDecorator):
        # asyncpg already returns Python values; only our own decorators (UTC datetimes) have
        # work to do.
        return None
    processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).result_processor(
        dialect, None
    )
    return processor


class ReadSession:
    """Runs :class:`Query` selects of one database (see the module docstring)."""

    def __init__(
        self,
        dialect: Dialect,
        *,
        sqlite_path: str | None = None,
        in_loop: bool = True,
        postgres_dsn: str | None = None,
        pool_size: int = 10,
    ) -> None:
        self.dialect = dialect
        self._sqlite_path = sqlite_path
        self._in_loop = in_loop
        self._sqlite: sqlite3.Connection | None = None
        self._dsn = postgres_dsn
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._pool_lock = asyncio.Lock()

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        plan = query.plan(self.dialect)
        args = plan.args(params)
        with translated():
            if self._sqlite_path is not None:
                if self._in_loop:
                    raw: Sequence[Sequence[Any]] = self._sqlite_rows(plan.sql, args)
                else:
                    raw = await asyncio.to_thread(self._sqlite_rows, plan.sql, args)
            else:
                pool = self._pool or await self._open_pool()
                raw = await pool.fetch(plan.sql, *args)
        return [plan.row(r) for r in raw]

    async def one(self, query: Query, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        rows = await self.all(query, params)
        return rows[0] if rows else None

    def _sqlite_rows(self, sql: str, args: Sequence[Any]) -> list[Any]:
        if self._sqlite is None:
            assert self._sqlite_path is not None
            conn = sqlite3.connect(self._sqlite_path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA query_only=ON")
            conn.execute("PRAGMA busy_timeout=5000")
            self._sqlite = conn
        return self._sqlite.execute(sql, args).fetchall()

    async def _open_pool(self) -> asyncpg.Pool:
        async with self._pool_lock:
            if self._pool is None:
                # min_size=0: an API that starts while the database is down still starts.
                self._pool = await asyncpg.create_pool(
                    self._dsn, min_size=0, max_size=self._pool_size, reset=_nothing_to_reset
                )
            return self._pool

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _nothing_to_reset(_: asyncpg.Connection) -> None:
    """The read pool's connections only ever run single SELECTs: no session state to reset
    (asyncpg's default reset is one more round trip on every release)."""
