"""Wire shapes of the files endpoints."""

from __future__ import annotations

from datetime import datetime

from interview_jobs.contracts.common import CamelModel

MAX_ID = 2**63 - 1  # ids are 64-bit database keys


class FileOut(CamelModel):
    id: int
    file_name: str
    original_file_name: str
    content_type: str
    file_size: int
    sha256: str
    uploaded_at: datetime
    duration_seconds: float | None = None  # (ext) from the container's metadata
