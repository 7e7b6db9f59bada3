"""SQL of the jobs domain: jobs, their outbox rows, idempotency keys, applied webhook ids, and the
dispatcher's claims and deadlines.

* **Reading** a job is one reader: the ``read_*`` functions, on the read session
  (``api/driver.py``), give typed rows (:class:`JobRow`, :class:`JobDetailRow`). Every read of a
  user's job starts from :func:`readable`, the one place that scopes a statement to its owner
  (polar's ``get_readable_statement``); only the AI backend's callback reads a job by its id alone.
* **Creating** a job (:func:`create_job`: the Idempotency-Key's claim, the job, its first
  forward) is one atomic write on the driver (docs/ARCHITECTURE.md, "The one exception").
* **Every other write** happens in the caller's transaction (an ``AsyncSession``); functions here
  only execute statements, they never commit.

Statements are built once, at import, and executed with parameters: a statement built per call
pays SQLAlchemy's cache-key computation for every value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Column,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.db import insert_ignore
from interview_jobs.api.driver import Driver, ReadSession, Statement
from interview_jobs.api.models import (
    AppliedWebhook,
    IdempotencyKey,
    InterviewJob,
    OutboxEntry,
    UTCDateTime,
    table,
)
from interview_jobs.contracts.common import AnalysisType, JobStatus

jobs = table(InterviewJob)
outbox = table(OutboxEntry)
idempotency_keys = table(IdempotencyKey)
applied_webhooks = table(AppliedWebhook)

ACTIVE_STATUSES = frozenset({JobStatus.PENDING, JobStatus.PROCESSING})


# ---- rows ----
# Not frozen: a frozen dataclass sets each field by object.__setattr__ (6% of a poll: callgrind).
@dataclass(slots=True)
class JobRow:
    """A job as the API shows it: its columns of the same names (not the analysis, nor the
    dispatcher's bookkeeping)."""

    id: int
    job_id: str
    user_id: int
    status: JobStatus
    analysis_type: AnalysisType
    video_url: str
    file_id: int | None
    file_name: str | None
    created_at: datetime
    updated_at: datetime
    error_message: str | None
    progress: int | None
    attempt: int
    estimated_completion_at: datetime | None
    questions: str | None  # JSON (schemas.QuestionOut items)
    phase: str | None
    video_deleted_at: datetime | None


@dataclass(slots=True)
class JobDetailRow(JobRow):
    """A job with its analysis (kilobytes of JSON: only the detail endpoint reads it)."""

    detailed_analysis: str | None
    duration_seconds: float | None


@dataclass(slots=True)
class CallbackJobRow(JobRow):
    """A job as a callback needs it: since when its current attempt was forwarded."""

    forwarded_at: datetime | None


def _columns(row: type[JobRow]) -> list[Column[Any]]:
    return [jobs.c[f.name] for f in fields(row)]


JOB_COLUMNS = _columns(JobRow)


def readable(row: type[JobRow] = JobRow) -> Select[Any]:
    """The jobs a user may read, as ``row``'s columns: the ownership filter, written once.
    The owner is bound at execution as ``owner_id``."""
    return select(*_columns(row)).where(jobs.c.user_id == bindparam("owner_id"))


_READABLE_JOB = Statement(readable().where(jobs.c.job_id == bindparam("job_id")))
_READABLE_DETAIL = Statement(readable(JobDetailRow).where(jobs.c.job_id == bindparam("job_id")))
_JOB_FOR_CALLBACK = Statement(
    select(*_columns(CallbackJobRow)).where(jobs.c.job_id == bindparam("job_id"))
)


def _page(with_status: bool, with_cursor: bool) -> Statement:
    stmt = readable()
    if with_status:
        stmt = stmt.where(jobs.c.status == bindparam("status", type_=jobs.c.status.type))
    if with_cursor:
        cursor = tuple_(bindparam("before_created", type_=UTCDateTime()), bindparam("before_id"))
        stmt = stmt.where(tuple_(jobs.c.created_at, jobs.c.id) < cursor)
    return Statement(
        stmt.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(bindparam("n"))
    )


_PAGES = {(s, c): _page(s, c) for s in (False, True) for c in (False, True)}


# ---- the reader ----
async def read_job(reads: ReadSession, owner_id: int, job_id: str) -> JobRow | None:
    row = await reads.read_one(_READABLE_JOB, {"owner_id": owner_id, "job_id": job_id})
    return JobRow(*row) if row is not None else None


async def read_detail(reads: ReadSession, owner_id: int, job_id: str) -> JobDetailRow | None:
    row = await reads.read_one(_READABLE_DETAIL, {"owner_id": owner_id, "job_id": job_id})
    return JobDetailRow(*row) if row is not None else None


async def read_page(
    reads: ReadSession,
    owner_id: int,
    *,
    status: JobStatus | None,
    before: JobRow | None,
    limit: int,
) -> list[JobRow]:
    """Up to ``limit`` of the user's jobs older than ``before``, newest first (keyset on
    (created_at, id))."""
    params: dict[str, Any] = {"owner_id": owner_id, "n": limit}
    if status is not None:
        params["status"] = status
    if before is not None:
        params["before_created"], params["before_id"] = before.created_at, before.id
    rows = await reads.read(_PAGES[(status is not None, before is not None)], params)
    return [JobRow(*row) for row in rows]


async def read_for_callback(reads: ReadSession, job_id: str) -> CallbackJobRow | None:
    """A job by its id alone: for the AI backend, which is not a user."""
    row = await reads.read_one(_JOB_FOR_CALLBACK, {"job_id": job_id})
    return CallbackJobRow(*row) if row is not None else None


# (status = a OR status = b, not IN: an IN list is expanded at execution, which a Statement compiled
# once cannot do)
_COUNT_ACTIVE = Statement(
    select(func.count())
    .select_from(jobs)
    .where(or_(*(jobs.c.status == s for s in ACTIVE_STATUSES)))
)
_RECENT_PROCESSING = Statement(
    select(jobs.c.processing_seconds)
    .where(jobs.c.status == JobStatus.COMPLETED, jobs.c.processing_seconds.is_not(None))
    .order_by(jobs.c.finished_at.desc())
    .limit(bindparam("sample"))
)


async def count_active(reads: ReadSession) -> int:
    row = await reads.read_one(_COUNT_ACTIVE, {})
    return int(row[0]) if row is not None else 0


async def recent_processing_seconds(reads: ReadSession, sample: int = 50) -> list[float]:
    return [float(row[0]) for row in await reads.read(_RECENT_PROCESSING, {"sample": sample})]


# ---- creation: the job, its first forward, and the Idempotency-Key's claim ----
# Every column a new job sets (the ORM's Python-side defaults do not run on the driver).
NEW_JOB_FIELDS = (
    "job_id", "user_id", "video_url", "status", "file_id", "file_name", "analysis_type",
    "created_at", "updated_at", "attempt", "duration_seconds", "deadline_at",
    "estimated_completion_at", "questions", "phase",
)  # fmt: skip
_KEY_FIELDS = ("user_id", "key", "request_hash", "job_id", "created_at")
_FORWARD_FIELDS = ("job_pk", "attempt", "available_at", "created_at", "tries")


def _binds(table: Table, names: Sequence[str]) -> dict[str, BindParameter[Any]]:
    return {n: bindparam(f"{table.name}_{n}", type_=table.c[n].type) for n in names}


def _creation(dialect: str, keyed: bool) -> tuple[Statement, ...]:
    """The statements of a creation: the key's claim (``keyed``), the job, its first forward.

    PostgreSQL: one statement (data-modifying CTEs: one round trip, atomic by itself) that
    writes nothing and returns no row when the key is held. SQLite (no data-modifying CTEs, and
    no round trips to save) runs the three in :meth:`Driver.transaction`.
    """
    job_values = _binds(jobs, NEW_JOB_FIELDS)
    now = job_values["created_at"]
    claim = insert_ignore(idempotency_keys, dialect).values(_binds(idempotency_keys, _KEY_FIELDS))
    claim = claim.returning(idempotency_keys.c.key)
    if dialect == "postgresql":
        claimed = claim.cte("claim")
        job = insert(jobs).values(job_values)
        if keyed:  # no claim, no job
            job = insert(jobs).from_select(
                list(job_values), select(*job_values.values()).select_from(claimed)
            )
        new_job = job.returning(jobs.c.id).cte("job")
        forward = select(new_job.c.id, literal_column("1"), now, now, literal_column("0"))
        return (
            Statement(
                insert(outbox).from_select(_FORWARD_FIELDS, forward).returning(outbox.c.job_pk)
            ),
        )
    first_forward = insert(outbox).values(
        job_pk=bindparam("job_pk"), attempt=1, available_at=now, created_at=now, tries=0
    )
    job_and_forward = (
        Statement(insert(jobs).values(job_values).returning(jobs.c.id)),
        Statement(first_forward.returning(outbox.c.id)),
    )
    return (Statement(claim), *job_and_forward) if keyed else job_and_forward


_CREATION = {(d, k): _creation(d, k) for d in ("sqlite", "postgresql") for k in (False, True)}


async def create_job(driver: Driver, job: dict[str, Any], key: tuple[str, str] | None) -> bool:
    """A new job (``job`` has every field of NEW_JOB_FIELDS) and its first outbox row, and with
    ``key`` (Idempotency-Key, request hash) the key's claim, atomically; False (and nothing
    written) if the key is held already."""
    params = {f"interview_jobs_{name}": job[name] for name in NEW_JOB_FIELDS}
    if key is not None:
        claim = (job["user_id"], *key, job["job_id"], job["created_at"])
        params.update(zip((f"idempotency_keys_{c}" for c in _KEY_FIELDS), claim, strict=True))
    statements = _CREATION[(driver.dialect.name, key is not None)]
    if len(statements) == 1:
        return bool(await driver.write(statements[0], params))
    *claim_key, new_job, first_forward = statements
    async with driver.transaction() as tx:
        if claim_key and not await tx.write(claim_key[0], params):
            return False
        [(job_pk,)] = await tx.write(new_job, params)
        await tx.write(first_forward, {**params, "job_pk": job_pk})
    return True


@dataclass(frozen=True, slots=True)
class HeldKey:
    request_hash: str
    job_id: str
    created_at: datetime


_KEY_IS = (
    idempotency_keys.c.user_id == bindparam("user_id"),
    idempotency_keys.c.key == bindparam("key"),
)
_HELD_KEY = Statement(
    select(
        idempotency_keys.c.request_hash, idempotency_keys.c.job_id, idempotency_keys.c.created_at
    ).where(*_KEY_IS)
)
_DROP_KEY = Statement(
    delete(idempotency_keys)
    .where(*_KEY_IS, idempotency_keys.c.job_id == bindparam("job_id"))
    .returning(idempotency_keys.c.key)
)
_PURGE_KEYS = delete(idempotency_keys).where(
    idempotency_keys.c.created_at < bindparam("older_than", type_=UTCDateTime())
)


async def held_idempotency(reads: ReadSession, user_id: int, key: str) -> HeldKey | None:
    row = await reads.read_one(_HELD_KEY, {"user_id": user_id, "key": key})
    return HeldKey(*row) if row is not None else None


async def drop_idempotency(driver: Driver, user_id: int, key: str, job_id: str) -> None:
    """Free the key if it still names ``job_id`` (not a claim made since)."""
    await driver.write(_DROP_KEY, {"user_id": user_id, "key": key, "job_id": job_id})


# ---- other writes (in the caller's session) ----
_INSERT_OUTBOX = insert(outbox)
_DELETE_JOB = delete(jobs).where(jobs.c.id == bindparam("job_pk"))
_DELETE_OUTBOX = delete(outbox).where(outbox.c.job_pk == bindparam("job_pk"))
_DELETE_OUTBOX_OF_ATTEMPT = _DELETE_OUTBOX.where(outbox.c.attempt == bindparam("attempt"))


async def add_outbox(session: AsyncSession, job_pk: int, attempt: int, at: datetime) -> None:
    values = {"job_pk": job_pk, "attempt": attempt, "available_at": at, "created_at": at}
    await session.execute(_INSERT_OUTBOX, {**values, "tries": 0})


async def delete_job(session: AsyncSession, job_pk: int) -> None:
    # Its outbox rows go with it (ON DELETE CASCADE): locks taken jobs-then-outbox, as by every
    # writer, so that none deadlocks with another.
    await session.execute(_DELETE_JOB, {"job_pk": job_pk})


async def drop_outbox(session: AsyncSession, job_pk: int, attempt: int | None = None) -> None:
    if attempt is None:
        await session.execute(_DELETE_OUTBOX, {"job_pk": job_pk})
    else:
        await session.execute(_DELETE_OUTBOX_OF_ATTEMPT, {"job_pk": job_pk, "attempt": attempt})


# ---- applied webhook ids ----
_WEBHOOK_APPLIED = select(applied_webhooks.c.webhook_id).where(
    applied_webhooks.c.webhook_id == bindparam("webhook_id")
)
_PURGE_WEBHOOKS = delete(applied_webhooks).where(
    applied_webhooks.c.applied_at < bindparam("older_than", type_=UTCDateTime())
)


async def webhook_applied(session: AsyncSession, webhook_id: str) -> bool:
    found = await session.execute(_WEBHOOK_APPLIED, {"webhook_id": webhook_id})
    return found.first() is not None


async def remember_webhook(
    session: AsyncSession, webhook_id: str, job_id: str, now: datetime
) -> None:
    stmt = insert_ignore(applied_webhooks, session.get_bind().dialect.name)
    await session.execute(stmt, {"webhook_id": webhook_id, "job_id": job_id, "applied_at": now})


async def purge(session: AsyncSession, older_than: datetime) -> None:
    """Forget Idempotency-Keys and applied webhook ids older than ``older_than``."""
    await session.execute(_PURGE_KEYS, {"older_than": older_than})
    await session.execute(_PURGE_WEBHOOKS, {"older_than": older_than})


# ---- the dispatcher: deadlines ----
@dataclass(frozen=True, slots=True)
class Overdue:
    id: int
    job_id: str
    attempt: int
    forwarded_at: datetime | None


async def overdue_jobs(
    session: AsyncSession, now: datetime, limit: int, *, skip_locked: bool
) -> list[Overdue]:
    """Active jobs whose deadline has passed, oldest deadline first (locked for this
    transaction; with ``skip_locked``, rows another dispatcher holds are left to it)."""
    stmt = (
        select(jobs.c.id, jobs.c.job_id, jobs.c.attempt, jobs.c.forwarded_at)
        .where(jobs.c.deadline_at <= now, jobs.c.status.in_(ACTIVE_STATUSES))
        .order_by(jobs.c.deadline_at)
        .limit(limit)
    )
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True)
    return [Overdue(*row) for row in (await session.execute(stmt)).all()]


# ---- the dispatcher: forwards ----
@dataclass(frozen=True, slots=True)
class DueForward:
    """An outbox row claimed for forwarding (its first four fields), with what the forward says
    (the job's columns of the same names)."""

    outbox_id: int
    job_pk: int
    attempt: int
    tries: int
    job_id: str
    user_id: int
    video_url: str
    file_id: int | None
    analysis_type: AnalysisType
    questions: str | None


async def claim_due_forwards(
    session: AsyncSession, now: datetime, limit: int, lease_until: datetime, *, skip_locked: bool
) -> list[DueForward]:
    """Take the due outbox rows: push their ``available_at`` out to ``lease_until`` (so no other
    dispatcher takes them meanwhile) and drop those whose job moved on (terminal, or another
    attempt)."""
    forward = [outbox.c.id, outbox.c.job_pk, outbox.c.attempt, outbox.c.tries]
    of_job = [jobs.c[f.name] for f in fields(DueForward)[len(forward) :]]  # by name
    stmt = (
        select(*forward, *of_job, jobs.c.status, jobs.c.attempt.label("job_attempt"))
        .join(jobs, jobs.c.id == outbox.c.job_pk)
        .where(outbox.c.available_at <= now)
        .order_by(outbox.c.available_at)
        .limit(limit)
    )
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True, of=outbox)
    rows = (await session.execute(stmt)).all()
    live = [r for r in rows if r.status in ACTIVE_STATUSES and r.attempt == r.job_attempt]
    stale = [r.id for r in rows if r.status not in ACTIVE_STATUSES or r.attempt != r.job_attempt]
    if stale:
        await session.execute(delete(outbox).where(outbox.c.id.in_(stale)))
    if live:
        await session.execute(
            update(outbox)
            .where(outbox.c.id.in_([r.id for r in live]))
            .values(available_at=lease_until)
        )
    return [DueForward(*row[: len(forward) + len(of_job)]) for row in live]


async def forwards_accepted(
    session: AsyncSession, accepted: Sequence[DueForward], now: datetime, deadline: datetime
) -> None:
    """Forwards accepted: start each job's deadline, drop their outbox rows (two statements for
    the whole batch).

    Jobs first, then outbox rows: the order every other writer (callbacks, cancel, delete,
    deadlines) takes its locks in. The other way round deadlocked with a callback of the same
    job on PostgreSQL (found by bench/load.py).
    """
    await session.execute(
        update(jobs)
        .where(
            tuple_(jobs.c.id, jobs.c.attempt).in_([(r.job_pk, r.attempt) for r in accepted]),
            jobs.c.status.in_(ACTIVE_STATUSES),
        )
        .values(forwarded_at=now, deadline_at=deadline)
    )
    await session.execute(delete(outbox).where(outbox.c.id.in_([r.outbox_id for r in accepted])))


async def forward_later(
    session: AsyncSession, outbox_id: int, tries: int, available_at: datetime, error: str
) -> None:
    """A forward failed transiently: try it again at ``available_at``."""
    await session.execute(
        update(outbox)
        .where(outbox.c.id == outbox_id)
        .values(tries=tries, available_at=available_at, last_error=error)
    )


async def drop_forward(session: AsyncSession, outbox_id: int) -> None:
    await session.execute(delete(outbox).where(outbox.c.id == outbox_id))
