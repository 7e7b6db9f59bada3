"""Wire shapes of ``GET /api/interview/progress`` (ext)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interview_jobs.contracts.common import CamelModel
from interview_jobs.contracts.questions import Category


def _instant(value: date | datetime, *, end_of_day: bool) -> datetime:
    """A query bound as an aware UTC datetime: a datetime without a zone is UTC; a bare date
    is the start of that day (``from``) or the end of it (``to``: the whole day is in)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    day = datetime.combine(value, time(), tzinfo=UTC)
    return day + timedelta(days=1) if end_of_day else day


class ProgressQuery(BaseModel):
    """Query of ``GET /api/interview/progress``: ``from`` ≤ createdAt < ``to``, and a category of
    the question bank."""

    model_config = ConfigDict(populate_by_name=True)

    since: datetime | date | None = Field(
        default=None,
        alias="from",
        description="ISO 8601 date or datetime (UTC if it has no zone); attempts from then on",
    )
    until: datetime | date | None = Field(
        default=None,
        alias="to",
        description="ISO 8601 date (that day included) or datetime (excluded)",
    )
    category: Category | None = Field(
        default=None, description="only answers to questions of this category"
    )
    question: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="a question's key (from questions[].key): list its attempts",
    )

    @field_validator("since", "until", mode="before")
    @classmethod
    def _iso(cls, value: object) -> object:
        """``YYYY-MM-DD`` is a day (not its midnight: ``to`` takes it whole); anything else must
        be an ISO 8601 datetime. One message for a bad value, naming the parameter."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return date.fromisoformat(text)
            return datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                "must be an ISO 8601 date (2026-01-31) or datetime (2026-01-31T09:00:00Z)"
            ) from None

    @property
    def start(self) -> datetime | None:
        return None if self.since is None else _instant(self.since, end_of_day=False)

    @property
    def end(self) -> datetime | None:
        return None if self.until is None else _instant(self.until, end_of_day=True)


class Measures(CamelModel):
    """An attempt's figures (null where its analysis has none: a v1 analysis has no content
    score, STAR completeness or per-answer figures)."""

    score: float | None = None
    content_score: float | None = None
    delivery_score: float | None = None
    words_per_minute: float | None = None
    fillers_per_minute: float | None = None
    eye_contact_ratio: float | None = Field(default=None, description="0–1")
    pauses_per_minute: float | None = None
    answer_seconds: float | None = Field(default=None, description="mean length of an answer")
    star_completeness: float | None = Field(
        default=None, description="mean share (0–1) of Situation, Task, Action, Result present"
    )


class ProgressPoint(Measures):
    job_id: str
    created_at: datetime
    file_name: str | None


class ProgressSeries(CamelModel):
    """The attempts oldest first, one list per field (all of the same length): the shape a chart
    takes, and no key repeated a thousand times."""

    job_id: list[str]
    created_at: list[datetime]
    file_name: list[str | None]
    score: list[float | None]
    content_score: list[float | None]
    delivery_score: list[float | None]
    words_per_minute: list[float | None]
    fillers_per_minute: list[float | None]
    eye_contact_ratio: list[float | None]
    pauses_per_minute: list[float | None]
    answer_seconds: list[float | None]
    star_completeness: list[float | None]


class BestOut(CamelModel):
    value: float
    job_id: str
    created_at: datetime


class AttemptOut(CamelModel):
    job_id: str
    answer_index: int
    created_at: datetime
    score: float | None
    content_score: float | None
    delivery_score: float | None


class QuestionProgress(CamelModel):
    key: str = Field(description="names the question in ?question=")
    question_id: str | None
    text: str | None
    category: str | None
    attempts: int
    latest_at: datetime
    best_score: float | None


class ProgressOut(CamelModel):
    from_: datetime | None = Field(alias="from")
    to: datetime | None
    category: str | None
    attempts: int = Field(description="completed jobs under the filter")
    series: ProgressSeries = Field(description="oldest first; the newest 1,000 at most")
    average: Measures
    latest: ProgressPoint | None
    latest_vs_average: Measures = Field(description="latest minus average, per measure")
    bests: dict[str, BestOut | None] = Field(
        description="highest score, contentScore, deliveryScore, eyeContactRatio, "
        "starCompleteness; lowest fillersPerMinute"
    )
    questions: list[QuestionProgress] = Field(
        description="questions answered under the filter, most attempted first"
    )
    question_attempts: list[AttemptOut] | None = Field(
        description="with ?question=: its newest attempts (at most 50), newest first"
    )
    categories: list[str] = Field(description="every category the user has answered")
