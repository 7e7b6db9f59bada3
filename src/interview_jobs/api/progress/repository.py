"""SQL of progress: storing a result's summary, and the progress reads.

Every read is scoped to its owner (``owner_id``) and runs on the read session over the summary
tables only (``job_summaries``, ``job_answers``) — never the analysis JSON. One
*source* of attempts is built per filter (``from``, ``to``): the ``job_summaries`` rows of one
scope — a completed job's own figures (scope ``""``), or, for a category, the mean of its answers
in that category (stored beside it). The series, the averages, the bests and the latest attempt
are all read from that one source.
Statements are built once, at import (``driver.Statement``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    CTE,
    ColumnElement,
    bindparam,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from interview_jobs.api.driver import ReadSession, Statement
from interview_jobs.api.models import JobAnswer, JobSummary, UTCDateTime, table
from interview_jobs.api.progress.summary import MEASURES, Summary

summaries = table(JobSummary)
answers = table(JobAnswer)

# The measures that have a "best", and which way is better (pace and length have a target
# range, not a best; pauses are not all bad).
BEST_DIRECTIONS: dict[str, Literal["max", "min"]] = {
    "score": "max",
    "content_score": "max",
    "delivery_score": "max",
    "eye_contact_ratio": "max",
    "star_completeness": "max",
    "fillers_per_minute": "min",
}
SERIES_LIMIT = 1000  # points of the series (the newest); averages and bests cover all
SERIES_COLUMNS = ("job_id", "created_at", "file_name", *MEASURES)
RECENT_ATTEMPTS = 50  # of the question asked for, the newest


# ---- writes (the callback's transaction) ----
_INSERT_SUMMARY = insert(summaries)
_INSERT_ANSWER = insert(answers)


@dataclass(frozen=True, slots=True)
class CompletedJob:
    """What a summary copies from its job."""

    pk: int
    job_id: str
    user_id: int
    created_at: datetime
    file_name: str | None


WHOLE_JOB = ""  # the scope of a job's own figures


def summary_rows(
    job: CompletedJob, summary: Summary
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``job_summaries`` rows (the whole job, then one per category it answered) and the
    ``job_answers`` rows of a completed job."""
    own = {"job_pk": job.pk, "user_id": job.user_id, "job_id": job.job_id,
           "created_at": job.created_at}  # fmt: skip
    answer_rows = [
        {
            **own,
            "answer_index": a.index,
            "question_key": a.question_key,
            "question_id": a.question_id,
            "question_text": a.question_text,
            "category": a.category,
            "start_seconds": a.start_seconds,
            "end_seconds": a.end_seconds,
            **a.measures.columns(),
        }
        for a in summary.answers
    ]
    scopes = {WHOLE_JOB: summary.job, **summary.by_category()}
    rows = [
        {**own, "scope": scope, "file_name": job.file_name, **measures.columns()}
        for scope, measures in scopes.items()
    ]
    return rows, answer_rows


async def store_summary(session: AsyncSession, job: CompletedJob, summary: Summary) -> None:
    """The summary of a job that has just COMPLETED, in the transition's transaction."""
    rows, answer_rows = summary_rows(job, summary)
    await session.execute(_INSERT_SUMMARY, rows)
    if answer_rows:
        await session.execute(_INSERT_ANSWER, answer_rows)


# ---- reads ----
@dataclass(frozen=True, slots=True)
class Point:
    """One attempt (a completed job) with its measures, in MEASURES order."""

    job_id: str
    created_at: datetime
    file_name: str | None
    measures: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class Best:
    measure: str
    value: float
    job_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Question:
    """A question the user answered, matched across attempts by ``key`` (summary.question_key)."""

    key: str
    question_id: str | None
    text: str | None
    category: str | None
    attempts: int
    latest_at: datetime
    best_score: float | None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One answer to a question, for comparing attempts at the same question."""

    job_id: str
    answer_index: int
    created_at: datetime
    score: float | None
    content_score: float | None
    delivery_score: float | None


def _window(created: ColumnElement[Any], since: bool, until: bool) -> list[ColumnElement[bool]]:
    conditions = []
    if since:
        conditions.append(created >= bindparam("since", type_=UTCDateTime()))
    if until:
        conditions.append(created < bindparam("until", type_=UTCDateTime()))
    return conditions


def _source(since: bool, until: bool) -> CTE:
    """The user's attempts of one ``scope``: (job_id, created_at, job_pk, file_name, *MEASURES)."""
    return (
        select(
            summaries.c.job_id,
            summaries.c.created_at,
            summaries.c.job_pk,
            summaries.c.file_name,
            *(summaries.c[m] for m in MEASURES),
        )
        .where(
            summaries.c.user_id == bindparam("owner_id"),
            summaries.c.scope == bindparam("scope"),
            *_window(summaries.c.created_at, since, until),
        )
        .cte("attempts")
    )


@dataclass(frozen=True, slots=True)
class _Reads:
    series: Statement
    totals: Statement
    bests: Statement
    questions: Statement
    attempts: Statement


def _reads(category: bool, since: bool, until: bool) -> _Reads:
    src = _source(since, until)
    newest = (
        select(src.c.job_id, src.c.created_at, src.c.file_name, *(src.c[m] for m in MEASURES))
        .order_by(src.c.created_at.desc(), src.c.job_pk.desc())
        .limit(SERIES_LIMIT)
    )
    totals = select(func.count(), *(func.avg(src.c[m]) for m in MEASURES))
    bests = union_all(
        *(
            select(
                literal(measure).label("measure"),
                src.c[measure].label("value"),
                src.c.job_id,
                src.c.created_at,
            )
            .where(src.c[measure].is_not(None))
            .order_by(
                src.c[measure].desc() if way == "max" else src.c[measure].asc(),
                src.c.created_at,
                src.c.job_pk,
            )
            .limit(1)
            .subquery(f"best_{measure}")
            .select()
            for measure, way in BEST_DIRECTIONS.items()
        )
    )
    answered = [
        answers.c.user_id == bindparam("owner_id"),
        answers.c.question_key.is_not(None),
        *_window(answers.c.created_at, since, until),
    ]
    if category:
        answered.append(answers.c.category == bindparam("category"))
    attempts_count = func.count().label("attempts")
    questions = (
        select(
            answers.c.question_key,
            func.max(answers.c.question_id),
            func.max(answers.c.question_text),
            func.max(answers.c.category),
            attempts_count,
            func.max(answers.c.created_at).label("latest_at"),
            func.max(answers.c.score),
        )
        .where(*answered)
        .group_by(answers.c.question_key)
        .order_by(attempts_count.desc(), answers.c.question_key)
    )
    attempts = (
        select(
            answers.c.job_id,
            answers.c.answer_index,
            answers.c.created_at,
            answers.c.score,
            answers.c.content_score,
            answers.c.delivery_score,
        )
        .where(*answered, answers.c.question_key == bindparam("question"))
        .order_by(answers.c.created_at.desc(), answers.c.answer_index.desc())
        .limit(RECENT_ATTEMPTS)
    )
    return _Reads(
        series=Statement(newest),
        totals=Statement(totals),
        bests=Statement(bests),  # type: ignore[arg-type]
        questions=Statement(questions),
        attempts=Statement(attempts),
    )


_READS = {
    (c, s, u): _reads(c, s, u) for c in (False, True) for s in (False, True) for u in (False, True)
}
_CATEGORIES = Statement(
    select(answers.c.category)
    .where(answers.c.user_id == bindparam("owner_id"), answers.c.category.is_not(None))
    .group_by(answers.c.category)
    .order_by(answers.c.category)
)


@dataclass(frozen=True, slots=True)
class ProgressRows:
    count: int
    averages: tuple[float | None, ...]  # MEASURES order
    series: dict[str, list[Any]]  # SERIES_COLUMNS, each oldest first
    latest: Point | None
    bests: list[Best]
    questions: list[Question]  # most attempted first
    attempts: list[Attempt]  # of the question asked for, newest first
    categories: list[str]


async def read_progress(
    reads: ReadSession,
    owner_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    category: str | None,
    question: str | None = None,
) -> ProgressRows:
    stmts = _READS[(category is not None, since is not None, until is not None)]
    params: dict[str, Any] = {"owner_id": owner_id, "scope": category or WHOLE_JOB}
    if category is not None:
        params["category"] = category
    if since is not None:
        params["since"] = since
    if until is not None:
        params["until"] = until
    total = await reads.read_one(stmts.totals, params)
    assert total is not None  # an aggregate always has its row
    rows = await reads.read(stmts.series, params)
    rows.reverse()  # oldest first
    # One list per column (transposed in C: a thousand points cost no Python loop per value).
    transposed = zip(*rows, strict=True) if rows else ([] for _ in SERIES_COLUMNS)
    series = {name: list(values) for name, values in zip(SERIES_COLUMNS, transposed, strict=True)}
    latest = Point(rows[-1][0], rows[-1][1], rows[-1][2], tuple(rows[-1][3:])) if rows else None
    bests = [Best(r[0], float(r[1]), r[2], r[3]) for r in await reads.read(stmts.bests, params)]
    questions = [Question(*r) for r in await reads.read(stmts.questions, params)]
    attempts = []
    if question is not None:
        attempts = [
            Attempt(*r) for r in await reads.read(stmts.attempts, {**params, "question": question})
        ]
    categories = [r[0] for r in await reads.read(_CATEGORIES, {"owner_id": owner_id})]
    return ProgressRows(
        count=int(total[0]),
        averages=tuple(_float(v) for v in total[1:]),
        series=series,
        latest=latest,
        bests=bests,
        questions=questions,
        attempts=attempts,
        categories=categories,
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
