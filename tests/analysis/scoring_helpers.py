"""Accuracy measures against a clip's ground truth (used by the tests and bench/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

HESITATION_TOKENS = {
    "um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "hm", "mm", "mhm", "hesitation",
}  # fmt: skip
NUMBER_WORDS = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six"}


def tokens(text: str) -> list[str]:
    """Lower-case words without punctuation and without hesitations (scored separately)."""
    out = []
    for raw in re.findall(r"[A-Za-z0-9']+", text.lower().replace("’", "'")):
        word = NUMBER_WORDS.get(raw, raw)
        if word not in HESITATION_TOKENS:
            out.append(word)
    return out


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1]


def wer(reference: str, hypothesis: str) -> float:
    ref = tokens(reference)
    return edit_distance(ref, tokens(hypothesis)) / max(1, len(ref))


@dataclass(frozen=True)
class Matching:
    true_positives: int
    truth_count: int
    found_count: int
    offsets: list[float]

    @property
    def recall(self) -> float:
        return self.true_positives / self.truth_count if self.truth_count else 1.0

    @property
    def precision(self) -> float:
        return self.true_positives / self.found_count if self.found_count else 1.0


def _kind(word: str) -> str:
    """um/uh/er/hmm are one class: Whisper writes "uh" for an "um" and vice versa."""
    return "hesitation" if word in HESITATION_TOKENS else word


def match_fillers(
    truth: list[dict[str, Any]], found: list[dict[str, Any]], tolerance: float = 0.7
) -> Matching:
    """Greedy one-to-one matching of same-kind fillers whose starts are within ``tolerance``."""
    used: set[int] = set()
    offsets = []
    for t in truth:
        best = None
        for i, f in enumerate(found):
            if i in used or _kind(f["word"]) != _kind(t["word"]):
                continue
            d = abs(f["start"] - t["start"])
            if d <= tolerance and (best is None or d < best[1]):
                best = (i, d)
        if best is not None:
            used.add(best[0])
            offsets.append(best[1])
    return Matching(len(offsets), len(truth), len(found), offsets)


def match_intervals(
    truth: list[dict[str, float]], found: list[dict[str, float]], tolerance: float = 0.4
) -> Matching:
    """Pauses: a found pause matches a true one when both its ends are within ``tolerance``."""
    used: set[int] = set()
    offsets = []
    for t in truth:
        for i, f in enumerate(found):
            if i in used:
                continue
            d = max(abs(f["start"] - t["start"]), abs(f["end"] - t["end"]))
            if d <= tolerance:
                used.add(i)
                offsets.append(d)
                break
    return Matching(len(offsets), len(truth), len(found), offsets)
