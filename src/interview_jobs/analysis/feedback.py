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


# The filler label of a hesitation heard in the sound but not written by Whisper.
HESITATION = "hesitation"


def filler_breakdown(fillers: list[str]) -> str:
    """Every filler with its count, so that the counts add up to the total: "“uh” ×2, “like” ×1
    and 2 hesitations heard without a word" (beyond four kinds, the rest as "N others")."""
    counts: dict[str, int] = {}
    for word in fillers:
        counts[word] = counts.get(word, 0) + 1
    heard = counts.pop(HESITATION, 0)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"“{w}” ×{n}" for w, n in ranked[:4]]
    rest = sum(n for _, n in ranked[4:])
    if rest:
        parts.append(f"{rest} other{'s' if rest != 1 else ''}")
    if heard:
        parts.append(f"{heard} hesitation{'s' if heard != 1 else ''} heard without a word")
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else "none"


def hedging_words(per_100_words: float, put_downs: int) -> str:
    """The wording in plain words, for the summary."""
    if put_downs:
        return f"you put yourself down {put_downs} time{'s' if put_downs != 1 else ''}"
    if per_100_words <= 1.0:
        return "you rarely hedge with “I think” or “maybe”"
    return f"you hedge often (“I think”, “maybe”: {per_100_words:.1f} in every 100 words)"
