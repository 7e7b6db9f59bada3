"""A result's summary, for progress over time: ``job_summaries`` (one row per completed job) and
``job_answers`` (one per answer).

``GET /api/interview/progress`` is computed in SQL from these (never from the analysis JSON); the
callback stores them when a job COMPLETES. Jobs that completed before this revision are
summarised here from their stored analysis, in batches of ``BATCH`` jobs (keyset on the id), with
the same functions the callback uses (``api/progress``).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

from interview_jobs.api.progress.repository import CompletedJob, summary_rows
from interview_jobs.api.progress.summary import MEASURES, summarise

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def _measure_columns() -> list[sa.Column[float]]:
    return [sa.Column(name, sa.Float(), nullable=True) for name in MEASURES]


def _owner_columns() -> list[SchemaItem]:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    return [
        sa.Column("job_pk", big_id, nullable=False),
        sa.Column("user_id", big_id, nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _foreign_keys(table: str) -> list[SchemaItem]:
    return [
        sa.ForeignKeyConstraint(
            ["job_pk"],
            ["interview_jobs.id"],
            name=op.f(f"fk_{table}_job_pk_interview_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "job_summaries",
        *_owner_columns(),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        *_measure_columns(),
        *_foreign_keys("job_summaries"),
        sa.PrimaryKeyConstraint("job_pk", "scope", name=op.f("pk_job_summaries")),
    )
    op.create_index(
        "ix_job_summaries_user_scope_created",
        "job_summaries",
        ["user_id", "scope", "created_at", "job_pk"],
    )
    op.create_table(
        "job_answers",
        sa.Column("id", big_id, nullable=False),
        *_owner_columns(),
        sa.Column("answer_index", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=512), nullable=True),
        sa.Column("question_id", sa.String(length=64), nullable=True),
        sa.Column("question_text", sa.String(length=500), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("start_seconds", sa.Float(), nullable=True),
        sa.Column("end_seconds", sa.Float(), nullable=True),
        *_measure_columns(),
        *_foreign_keys("job_answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_answers")),
        sa.UniqueConstraint("job_pk", "answer_index", name="uq_job_answers_job_pk_answer_index"),
    )
    op.create_index(
        "ix_job_answers_user_category_created",
        "job_answers",
        ["user_id", "category", "created_at"],
    )
    op.create_index(
        "ix_job_answers_user_question_created",
        "job_answers",
        ["user_id", "question_key", "created_at"],
    )
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    meta = sa.MetaData()
    jobs = sa.Table("interview_jobs", meta, autoload_with=conn)
    summaries = sa.Table("job_summaries", meta, autoload_with=conn)
    answers = sa.Table("job_answers", meta, autoload_with=conn)
    last = 0
    while True:
        batch = conn.execute(
            sa.select(
                jobs.c.id,
                jobs.c.job_id,
                jobs.c.user_id,
                jobs.c.created_at,
                jobs.c.file_name,
                jobs.c.detailed_analysis,
            )
            .where(
                jobs.c.id > last,
                jobs.c.status == "COMPLETED",
                jobs.c.detailed_analysis.is_not(None),
            )
            .order_by(jobs.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        last = batch[-1].id
        summary_values: list[dict[str, Any]] = []
        answer_values: list[dict[str, Any]] = []
        for row in batch:
            try:
                analysis = json.loads(row.detailed_analysis)
            except ValueError:
                continue  # not JSON (never stored by this API): nothing to summarise
            if not isinstance(analysis, dict):
                continue
            job = CompletedJob(row.id, row.job_id, row.user_id, row.created_at, row.file_name)
            summary, answer_rows = summary_rows(job, summarise(analysis))
            summary_values.extend(summary)
            answer_values.extend(answer_rows)
        if summary_values:
            conn.execute(summaries.insert(), summary_values)
        if answer_values:
            conn.execute(answers.insert(), answer_values)


def downgrade() -> None:
    op.drop_index("ix_job_answers_user_question_created", table_name="job_answers")
    op.drop_index("ix_job_answers_user_category_created", table_name="job_answers")
    op.drop_table("job_answers")
    op.drop_index("ix_job_summaries_user_scope_created", table_name="job_summaries")
    op.drop_table("job_summaries")
