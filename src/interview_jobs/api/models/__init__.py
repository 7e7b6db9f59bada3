"""SQLAlchemy models of the API service.

The seed's ``InterviewJob`` keeps every field of the design (id, jobId, userId, videoUrl, status,
fileId, detailedAnalysis, createdAt, updatedAt, analysisType, errorMessage) plus the bookkeeping the
asynchronous flow needs (attempt, progress, deadline, timings). Forwards to the AI backend go
through :class:`OutboxEntry` rows written in the job's transaction. Relationships are
``lazy="raise"`` so that no query is ever issued implicitly.

Every list query has an index: "my jobs, newest first" is ``(user_id, created_at, id)`` (scanned
backwards), with a status filter ``(user_id, status, created_at, id)``; "job by jobId" is the unique
index on ``job_id``; the dispatcher reads ``outbox.available_at`` and ``deadline_at``. Progress
reads a user's job summaries by ``(user_id, scope, created_at)`` and their answers by
``(user_id, category, created_at)`` and ``(user_id, question_key, created_at)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from interview_jobs.contracts.common import AnalysisType, JobStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL; SQLite only auto-increments an "INTEGER PRIMARY KEY".
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python on both databases.

    PostgreSQL stores ``timestamptz``; SQLite has no time zone, so values are stored as naive UTC
    text in one fixed format (``2025-07-25 10:00:00.123000``: string order is time order), written
    and parsed by ``datetime`` itself, in C: SQLAlchemy's own processors cost 2-3 times as much
    (a job creation binds 7 datetimes, a job read parses 4).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any] | None:
        return _sqlite_text if dialect.name == "sqlite" else super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        return _sqlite_datetime if dialect.name == "sqlite" else _aware_utc

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _utc(value)  # PostgreSQL (SQLite: _sqlite_text)


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is UTC:  # asyncpg's timestamptz: UTC already
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    return _utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_datetime(value: str | None) -> datetime | None:
    # The offset parsed with the rest: replace(tzinfo=…) cost six times the parse (callgrind).
    return None if value is None else datetime.fromisoformat(value + "+00:00")


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A StrEnum stored as its value (plain text, so the enum can grow without a migration);
    read back as the enum."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        # A dict lookup (a KeyError for no member): the enum's call is three Python frames.
        members: dict[str | None, E | None] = {member.value: member for member in self.enum}
        return (members | {None: None}).__getitem__


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Days an upload is kept (shorter than the server's VIDEO_RETENTION_DAYS only); NULL = the
    # server's.
    video_retention_days: Mapped[int | None] = mapped_column(Integer)


class FileUpload(Base):
    __tablename__ = "file_uploads"
    __table_args__ = (Index("ix_file_uploads_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    # Generated storage name under DATA_DIR/files; never the client's name.
    file_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class InterviewJob(Base):
    __tablename__ = "interview_jobs"
    __table_args__ = (
        Index("ix_interview_jobs_user_created", "user_id", "created_at", "id"),
        Index("ix_interview_jobs_user_status_created", "user_id", "status", "created_at", "id"),
        Index("ix_interview_jobs_deadline_at", "deadline_at"),
        Index("ix_interview_jobs_status_finished", "status", "finished_at"),
        Index("ix_interview_jobs_file_id", "file_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    video_url: Mapped[str] = mapped_column(String(4096))
    status: Mapped[JobStatus] = mapped_column(EnumText(JobStatus, 16))
    file_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("file_uploads.id", ondelete="SET NULL")
    )
    # The upload's original name, kept with the job (it outlives a deleted file).
    file_name: Mapped[str | None] = mapped_column(String(255))
    # (ext) The questions it was created with: a JSON array of {text, questionId, startSeconds}
    # (jobs/schemas.QuestionOut); null when none were given.
    questions: Mapped[str | None] = mapped_column(Text)
    detailed_analysis: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    analysis_type: Mapped[AnalysisType] = mapped_column(EnumText(AnalysisType, 32))
    error_message: Mapped[str | None] = mapped_column(Text)
    # When the retention purge deleted the analysed upload (the report stays).
    video_deleted_at: Mapped[datetime | None] = mapped_column()

    # --- bookkeeping of the asynchronous flow ---
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    progress: Mapped[int | None] = mapped_column(Integer)
    # (ext) what the worker reported doing (contracts.callback.Phase); NULL: nothing yet.
    phase: Mapped[str | None] = mapped_column(String(16))
    # No terminal callback by then: forward again with attempt+1 (or fail). NULL once terminal.
    deadline_at: Mapped[datetime | None] = mapped_column()
    forwarded_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    processing_seconds: Mapped[float | None] = mapped_column(Float)
    estimated_completion_at: Mapped[datetime | None] = mapped_column()


class _Measures:
    """The measures progress charts (api/progress/summary.py MEASURES), of a job or an answer."""

    score: Mapped[float | None] = mapped_column(Float)
    content_score: Mapped[float | None] = mapped_column(Float)
    delivery_score: Mapped[float | None] = mapped_column(Float)
    words_per_minute: Mapped[float | None] = mapped_column(Float)
    fillers_per_minute: Mapped[float | None] = mapped_column(Float)
    eye_contact_ratio: Mapped[float | None] = mapped_column(Float)
    pauses_per_minute: Mapped[float | None] = mapped_column(Float)
    answer_seconds: Mapped[float | None] = mapped_column(Float)
    star_completeness: Mapped[float | None] = mapped_column(Float)


class JobSummary(_Measures, Base):
    """A completed job's figures (api/progress/summary.py), written when it COMPLETES: what the
    progress endpoint reads. ``scope`` is ``""`` for the whole job, or a question category for
    the mean of the job's answers in that category (what ``?category=`` reads: the same query).
    A table of its own, not columns of ``interview_jobs``: there they would sit behind the
    analysis JSON, and SQLite reads through a row's overflow pages (the whole analysis) to reach
    a column stored after it. ``user_id``, ``job_id``, ``created_at`` and ``file_name`` are the
    job's, copied."""

    __tablename__ = "job_summaries"
    __table_args__ = (
        Index("ix_job_summaries_user_scope_created", "user_id", "scope", "created_at", "job_pk"),
    )

    job_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("interview_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column()
    file_name: Mapped[str | None] = mapped_column(String(255))


class JobAnswer(_Measures, Base):
    """One answer of a completed job, summarised (api/progress/summary.py): what the progress
    endpoint's category filter and "the same question" comparisons read. ``user_id``,
    ``job_id`` and ``created_at`` are the job's, copied so that a user's answers are one index
    range and need no join."""

    __tablename__ = "job_answers"
    __table_args__ = (
        UniqueConstraint("job_pk", "answer_index", name="uq_job_answers_job_pk_answer_index"),
        Index("ix_job_answers_user_category_created", "user_id", "category", "created_at"),
        Index("ix_job_answers_user_question_created", "user_id", "question_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_pk: Mapped[int] = mapped_column(BigId, ForeignKey("interview_jobs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column()
    answer_index: Mapped[int] = mapped_column(Integer)
    question_key: Mapped[str | None] = mapped_column(String(512))
    question_id: Mapped[str | None] = mapped_column(String(64))
    question_text: Mapped[str | None] = mapped_column(String(500))
    category: Mapped[str | None] = mapped_column(String(32))
    start_seconds: Mapped[float | None] = mapped_column(Float)
    end_seconds: Mapped[float | None] = mapped_column(Float)


class OutboxEntry(Base):
    """A forward to the AI backend that has not been accepted yet (one per job and attempt)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("job_pk", "attempt", name="uq_outbox_job_pk_attempt"),
        Index("ix_outbox_available_at", "available_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_pk: Mapped[int] = mapped_column(BigId, ForeignKey("interview_jobs.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    # Not before this time: the backoff after a failure, or a claim's lease.
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(Base):
    """``Idempotency-Key`` of a job creation, per user, kept for IDEMPOTENCY_TTL_SECONDS."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppliedWebhook(Base):
    """webhook-ids of applied callbacks, so that a replay is answered 200 without a change."""

    __tablename__ = "applied_webhooks"
    __table_args__ = (Index("ix_applied_webhooks_applied_at", "applied_at"),)

    webhook_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(36))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportShare(Base):
    """A read-only link to one job's report for someone without an account (a coach).

    Only the SHA-256 of the link's token is stored: the token itself is shown once, in the link
    made at creation. Revoked or expired shares stay (the owner's list shows them) but open
    nothing; they go with the job or the user.
    """

    __tablename__ = "report_shares"
    __table_args__ = (Index("ix_report_shares_job_pk", "job_pk"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_pk: Mapped[int] = mapped_column(BigId, ForeignKey("interview_jobs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    allow_comments: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class ShareComment(Base):
    """A comment left through a share link, pinned to a moment of the video (or to none)."""

    __tablename__ = "share_comments"
    __table_args__ = (Index("ix_share_comments_job_pk", "job_pk", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The job's, so that the owner keeps the comments of a revoked link.
    job_pk: Mapped[int] = mapped_column(BigId, ForeignKey("interview_jobs.id", ondelete="CASCADE"))
    share_id: Mapped[int] = mapped_column(BigId, ForeignKey("report_shares.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    at_seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def table(model: type[Base]) -> Table:
    """The model's Core table (typed), for the Core statements of the hot paths."""
    return cast(Table, model.__table__)
