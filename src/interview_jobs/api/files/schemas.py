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


class FileLinkOut(CamelModel):
    """(ext) A signed, expiring URL of the file's content, relative to the API: a ``<video>``
    can stream it (with Range) although it cannot send the token."""

    url: str
    expires_at: datetime
