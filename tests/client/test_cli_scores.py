"""`interview-jobs jobs`' score column: one progress request for the page, not one detail
request per completed job (the client is replaced at its edge: what the API answers)."""

from __future__ import annotations

from typing import Any

from interview_jobs.client.cli import _scores


class _Api:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def progress(self) -> dict[str, Any]:
        self.calls.append("progress")
        return {"series": {"jobId": ["a", "b"], "score": [71.5, 64.0]}}

    def detail(self, job_id: str) -> dict[str, Any]:
        self.calls.append(f"detail {job_id}")
        return {"detailedAnalysis": {"score": 55.0}}


def test_scores_come_from_one_progress_request_and_old_jobs_from_their_detail() -> None:
    api = _Api()
    found = [
        {"jobId": "a", "status": "COMPLETED"},
        {"jobId": "b", "status": "COMPLETED"},
        {"jobId": "c", "status": "PENDING"},
        {"jobId": "old", "status": "COMPLETED"},  # beyond the series' newest 1,000
    ]
    scores = _scores(api, found)  # type: ignore[arg-type]
    assert scores["a"] == 71.5 and scores["b"] == 64.0 and scores["old"] == 55.0
    assert "c" not in scores
    assert api.calls == ["progress", "detail old"]


def test_no_completed_job_no_request() -> None:
    api = _Api()
    assert _scores(api, [{"jobId": "c", "status": "FAILED"}]) == {}  # type: ignore[arg-type]
    assert api.calls == []
