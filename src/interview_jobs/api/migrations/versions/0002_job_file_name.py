"""Jobs carry the name of the file they analyse (``fileName`` on the job responses).

Copied from the upload when the job is created, so that a list of jobs needs no second request
(or join) to label them, and a job keeps its name after its file was deleted. Jobs made before
this revision get the name of their file if it still exists.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_name", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE interview_jobs SET file_name = (SELECT original_file_name FROM file_uploads "
        "WHERE file_uploads.id = interview_jobs.file_id) WHERE file_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("interview_jobs", schema=None) as batch_op:
        batch_op.drop_column("file_name")
