"""estimatedCompletionTime.

    per_job  = mean processing time of the last 50 completed jobs (forward accepted → COMPLETED),
               or ESTIMATE_DEFAULT_SECONDS before any job has completed
    wait     = active jobs ahead (PENDING + PROCESSING) x per_job / ESTIMATE_PARALLELISM
    own      = video length x ESTIMATE_SECONDS_PER_VIDEO_SECOND   when the length is known
               (an upload's container metadata; for a URL job the callback's durationSeconds)
               per_job                                            otherwise
    estimate = createdAt + wait + own

A PROCESSING callback that carries durationSeconds re-estimates the job as
``now + length x factor x (1 - progress/100)``. The queue figures are cached per process for a few
seconds: an estimate does not need an exact count, and the count must not cost every request.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from interview_jobs.api.driver import ReadSession
from interview_jobs.api.jobs import repository
from interview_jobs.config import Settings

STATS_TTL_SECONDS = 5.0


class QueueStats:
    def __init__(self) -> None:
        self.active = 0
        self.mean_processing: float | None = None
        self._fetched = float("-inf")

    async def refresh(self, reads: ReadSession, *, force: bool = False) -> None:
        if not force and time.monotonic() - self._fetched < STATS_TTL_SECONDS:
            return
        self.active = await repository.count_active(reads)
        sample = await repository.recent_processing_seconds(reads)
        self.mean_processing = sum(sample) / len(sample) if sample else None
        self._fetched = time.monotonic()

    def estimate(
        self, settings: Settings, created_at: datetime, duration_seconds: float | None
    ) -> datetime:
        per_job = self.mean_processing or settings.estimate_default_seconds
        wait = self.active * per_job / settings.estimate_parallelism
        own = (
            duration_seconds * settings.estimate_seconds_per_video_second
            if duration_seconds is not None
            else per_job
        )
        return created_at + timedelta(seconds=wait + own)


def remaining(
    settings: Settings, now: datetime, duration_seconds: float, progress: int | None
) -> datetime:
    left = duration_seconds * settings.estimate_seconds_per_video_second
    left *= 1 - (progress or 0) / 100
    return now + timedelta(seconds=left)
