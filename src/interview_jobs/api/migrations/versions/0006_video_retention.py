"""Video retention: a user's own retention (``users.video_retention_days``) and the time the purge
deleted a job's video (``interview_jobs.video_deleted_at``).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("video_retention_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("interview_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("video_deleted_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("interview_jobs", schema=None) as batch_op:
        batch_op.drop_column("video_deleted_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("video_retention_days")
