"""The AI backend's local ledger of forwarded jobs: one SQLite file in DATA_DIR.

It is bookkeeping beside the task engine, not a queue:

* the ingress answers a repeated forward of the same (jobId, attempt) without enqueuing it again;
* a worker counts how often a delivery of each (jobId, attempt) began and never ended (its worker
  died), so a task that keeps killing its worker ends FAILED after ``max_deliveries`` instead of
  being redelivered forever (Dramatiq does not cap redeliveries: its PR #383 was declined);
* the embedded queue (no broker) re-enqueues, at start-up, the jobs it had accepted but not finished
  when the process stopped.

Several processes on one host share the file (WAL, a busy timeout); every operation is one short
transaction. With workers on several hosts each host counts its own deliveries, which still bounds
them (N per host).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS forwards (
    job_id      TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    payload     TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'queued',  -- queued | running | done
    interrupted INTEGER NOT NULL DEFAULT 0,         -- deliveries that began and never ended
    accepted_at REAL    NOT NULL,
    updated_at  REAL    NOT NULL,
    PRIMARY KEY (job_id, attempt)
);
CREATE INDEX IF NOT EXISTS ix_forwards_state ON forwards (state, accepted_at);
"""

# Finished entries are kept this long so that a late duplicate forward is still recognised.
RETENTION_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class PendingForward:
    job_id: str
    attempt: int
    payload: dict[str, Any]
    interrupted: int


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connection().executescript(_SCHEMA)  # its own transaction (executescript commits)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def accept(self, job_id: str, attempt: int, payload: dict[str, Any]) -> bool:
        """Record a forward; False when this (jobId, attempt) was accepted before."""
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO forwards (job_id, attempt, payload, accepted_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (job_id, attempt, json.dumps(payload), now, now),
            )
            return cur.rowcount == 1

    def forget(self, job_id: str, attempt: int) -> None:
        """Drop an accepted forward whose enqueue failed, so a retry of the forward is accepted."""
        with self._tx() as db:
            db.execute("DELETE FROM forwards WHERE job_id = ? AND attempt = ?", (job_id, attempt))

    def begin(self, job_id: str, attempt: int, payload: dict[str, Any]) -> int:
        """Mark a delivery as running; returns how many earlier deliveries were interrupted."""
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO forwards (job_id, attempt, payload, accepted_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (job_id, attempt, json.dumps(payload), now, now),
            )
            # A delivery still marked running when a new one begins was interrupted.
            db.execute(
                "UPDATE forwards SET interrupted = interrupted + (state = 'running'),"
                " state = 'running', updated_at = ? WHERE job_id = ? AND attempt = ?",
                (now, job_id, attempt),
            )
            row = db.execute(
                "SELECT interrupted FROM forwards WHERE job_id = ? AND attempt = ?",
                (job_id, attempt),
            ).fetchone()
        return int(row[0])

    def requeue(self, job_id: str, attempt: int) -> None:
        """The delivery ended in order but the task will run again (a retry, a hand-back)."""
        self._set_state(job_id, attempt, "queued")

    def finish(self, job_id: str, attempt: int) -> None:
        """The job's result (or failure) was reported, or the API told us to stop."""
        self._set_state(job_id, attempt, "done")

    def _set_state(self, job_id: str, attempt: int, state: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE forwards SET state = ?, updated_at = ? WHERE job_id = ? AND attempt = ?",
                (state, time.time(), job_id, attempt),
            )

    def unfinished(self) -> list[PendingForward]:
        """Accepted forwards not yet finished, oldest first (for the embedded queue's restart)."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT job_id, attempt, payload, interrupted FROM forwards"
                " WHERE state != 'done' ORDER BY accepted_at"
            ).fetchall()
        return [PendingForward(r[0], int(r[1]), json.loads(r[2]), int(r[3])) for r in rows]

    def prune(self, older_than: float = RETENTION_SECONDS) -> int:
        with self._tx() as db:
            cur = db.execute(
                "DELETE FROM forwards WHERE state = 'done' AND updated_at < ?",
                (time.time() - older_than,),
            )
            return cur.rowcount

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
