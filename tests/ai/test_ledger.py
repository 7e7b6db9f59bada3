from __future__ import annotations

from pathlib import Path

from interview_jobs.ai.ledger import Ledger


def test_accept_is_idempotent_per_job_and_attempt(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite3")
    assert ledger.accept("j", 1, {"jobId": "j"}) is True
    assert ledger.accept("j", 1, {"jobId": "j"}) is False
    assert ledger.accept("j", 2, {"jobId": "j"}) is True
    ledger.forget("j", 2)
    assert ledger.accept("j", 2, {"jobId": "j"}) is True


def test_interrupted_deliveries_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    ledger = Ledger(path)
    assert ledger.begin("j", 1, {"jobId": "j"}) == 0
    # the worker died: the next delivery finds it still running
    assert Ledger(path).begin("j", 1, {"jobId": "j"}) == 1
    ledger.requeue("j", 1)  # an orderly retry is not an interruption
    assert ledger.begin("j", 1, {"jobId": "j"}) == 1
    ledger.finish("j", 1)
    assert ledger.unfinished() == []


def test_unfinished_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    first = Ledger(path)
    first.accept("a", 1, {"jobId": "a", "n": 1})
    first.accept("b", 1, {"jobId": "b"})
    first.begin("b", 1, {"jobId": "b"})
    first.accept("c", 1, {"jobId": "c"})
    first.finish("c", 1)
    first.close()
    pending = Ledger(path).unfinished()
    assert [(p.job_id, p.interrupted) for p in pending] == [("a", 0), ("b", 0)]
    assert pending[0].payload == {"jobId": "a", "n": 1}
