"""The wording: feedback items tied to times and the plain-words helpers the summary uses.

The rubric (what scores what) is :mod:`interview_jobs.analysis.scoring`; this module only says it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Feedback:
    category: str
    severity: str  # info | suggestion | warning
    message: str
    at_seconds: float | None = None

    def to_json(self) -> dict[str, object]:
        item: dict[str, object] = {
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
        }
        if self.at_seconds is not None:
            item["atSeconds"] = round(self.at_seconds, 2)
        return item


def clock(seconds: float) -> str:
    """01:23 (or 1:02:03 past an hour)."""
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def ordinal_minute(index: int) -> str:
    names = [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
    ]
    return f"the {names[index]} minute" if index < len(names) else f"minute {index + 1}"


def duration_words(seconds: float) -> str:
    """ "45 s", "2 min", "3 min 40 s" (for feedback a candidate reads)."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    m, rest = divmod(s, 60)
    return f"{m} min" if rest == 0 else f"{m} min {rest} s"
