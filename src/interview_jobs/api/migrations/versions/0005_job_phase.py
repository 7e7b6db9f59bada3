"""Jobs carry their ``phase`` (issue 13): what the worker reported doing — downloading, analysing,
scoring — shown on status, events, the page and the CLI ("queued" while it is NULL).

Jobs made before this revision have none: an active one shows "queued" until its next report.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interview_jobs", schema=None) as batch_op:
        batch_op.drop_column("phase")
