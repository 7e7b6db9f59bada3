"""Jobs keep the questions they were created with (``questions`` on the job responses).

A JSON array of ``{text, questionId, startSeconds}`` (text copied from the bank for a bank
question), null for a job created without questions, which every job before this revision was.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("questions", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interview_jobs", schema=None) as batch_op:
        batch_op.drop_column("questions")
