"""Rules of progress: the user's attempts over time, their bests, the latest against the average,
and the questions answered more than once. The figures come from the summary columns
(``repository.py``); here they are only put in shape."""

from __future__ import annotations

from typing import Any

from interview_jobs.api.auth.tokens import AuthUser
from interview_jobs.api.driver import ReadSession
from interview_jobs.api.progress import repository
from interview_jobs.api.progress.schemas import (
    AttemptOut,
    BestOut,
    Measures,
    ProgressOut,
    ProgressPoint,
    ProgressQuery,
    ProgressSeries,
    QuestionProgress,
)
from interview_jobs.api.progress.summary import MEASURES


def _measures(values: tuple[float | None, ...]) -> dict[str, float | None]:
    return dict(zip(MEASURES, values, strict=True))


def _point(point: repository.Point) -> ProgressPoint:
    return ProgressPoint(
        job_id=point.job_id,
        created_at=point.created_at,
        file_name=point.file_name,
        **_measures(point.measures),
    )


def _series(columns: dict[str, list[Any]]) -> ProgressSeries:
    # Straight from the database's typed columns: validating 12,000 values again would cost more
    # than reading them.
    return ProgressSeries.model_construct(None, **columns)


async def progress(reads: ReadSession, user: AuthUser, query: ProgressQuery) -> ProgressOut:
    category = query.category.value if query.category is not None else None
    rows = await repository.read_progress(
        reads,
        user.id,
        since=query.start,
        until=query.end,
        category=category,
        question=query.question,
    )
    average = _measures(rows.averages)
    latest = rows.latest
    delta: dict[str, float | None] = dict.fromkeys(MEASURES)
    if latest is not None:
        for name, value in _measures(latest.measures).items():
            mean = average[name]
            delta[name] = None if value is None or mean is None else value - mean
    bests: dict[str, BestOut | None] = dict.fromkeys(
        (Measures.model_fields[m].alias or m for m in repository.BEST_DIRECTIONS), None
    )
    for best in rows.bests:
        key = Measures.model_fields[best.measure].alias or best.measure
        bests[key] = BestOut(value=best.value, job_id=best.job_id, created_at=best.created_at)
    questions = [
        QuestionProgress(
            key=q.key,
            question_id=q.question_id,
            text=q.text,
            category=q.category,
            attempts=q.attempts,
            latest_at=q.latest_at,
            best_score=q.best_score,
        )
        for q in rows.questions
    ]
    attempts = [
        AttemptOut(
            job_id=a.job_id,
            answer_index=a.answer_index,
            created_at=a.created_at,
            score=a.score,
            content_score=a.content_score,
            delivery_score=a.delivery_score,
        )
        for a in rows.attempts
    ]
    return ProgressOut(
        from_=query.start,
        to=query.end,
        category=category,
        attempts=rows.count,
        series=_series(rows.series),
        average=Measures(**average),
        latest=_point(latest) if latest is not None else None,
        latest_vs_average=Measures(**delta),
        bests=bests,
        questions=questions,
        question_attempts=attempts if query.question is not None else None,
        categories=rows.categories,
    )
