"""Share links of reports (``report_shares``) and the comments left through them
(``share_comments``): CONTRACT.md "Sharing".

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Migrations stand alone (no import of today's models): the types as 0001 spells them.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

Timestamp = sa.DateTime(timezone=True)


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_shares",
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "job_pk", BigId, sa.ForeignKey("interview_jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("allow_comments", sa.Boolean(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
    )
    op.create_index("ix_report_shares_job_pk", "report_shares", ["job_pk"])
    op.create_table(
        "share_comments",
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "job_pk", BigId, sa.ForeignKey("interview_jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "share_id", BigId, sa.ForeignKey("report_shares.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("author", sa.String(80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at_seconds", sa.Float(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_index("ix_share_comments_job_pk", "share_comments", ["job_pk", "id"])


def downgrade() -> None:
    op.drop_table("share_comments")
    op.drop_table("report_shares")
