"""Filler words in a transcript: hesitations (um, uh, er, hmm…) always; "like", "you know" and
"I mean" only where they are used as fillers, decided from the words around them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

HESITATION_WORDS = {
    "um": "um", "umm": "um", "uhm": "um", "mm": "um", "hmm": "hmm", "hm": "hmm", "mhm": "hmm",
    "uh": "uh", "uhh": "uh", "er": "er", "erm": "er", "ah": "ah", "ahh": "ah",
}  # fmt: skip
_CLAUSE_STARTERS = {
    "i", "we", "you", "he", "she", "they", "it", "the", "a", "an", "my", "our", "so", "and",
    "but", "just", "really", "um", "uh", "that", "this", "there",
}  # fmt: skip
_KNOW_OBJECTS = {
    "what", "how", "that", "why", "where", "when", "who", "whether", "if", "the", "a", "an",
    "about", "it", "him", "her", "them", "this", "me", "us", "any", "some", "someone",
}  # fmt: skip
_KNOW_ASKERS = {"do", "did", "don't", "didn't", "if", "would", "as", "you'd", "to", "does"}
_PUNCT = ".,?!;:…\"'“”‘’()[]-–—"


def normalize(norm: str) -> str:
    return norm.strip().strip(_PUNCT).lower()


def _ends_clause(raw: str) -> bool:
    return bool(re.search(r"[,;:.?!…—–-]\s*$", raw.strip()))


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float
    filler: str | None = None  # the filler it belongs to ("um", "you know", "like"…)


def tag_fillers(words: list[Word]) -> list[Word]:
    """Mark filler words: hesitations (um, uh, er, hmm…) always; "like", "you know" and
    "I mean" only where used as fillers (set off by a comma or pause, not as a verb)."""
    out = list(words)
    n = len(out)
    for i, word in enumerate(out):
        norm = normalize(word.text)
        prev_raw = out[i - 1].text if i > 0 else "."
        prev = normalize(prev_raw)
        nxt = normalize(out[i + 1].text) if i + 1 < n else ""
        label: str | None = None
        if norm in HESITATION_WORDS:
            label = HESITATION_WORDS[norm]
        elif norm == "like":
            if _ends_clause(word.text) or (_ends_clause(prev_raw) and nxt in _CLAUSE_STARTERS):
                label = "like"
        elif norm == "know" and prev == "you" and i >= 1:
            before = out[i - 2].text if i >= 2 else "."
            if normalize(before) not in _KNOW_ASKERS and (
                _ends_clause(word.text) or (_ends_clause(before) and nxt not in _KNOW_OBJECTS)
            ):
                label = "you know"
                out[i - 1] = _with_filler(out[i - 1], label)
        elif norm == "mean" and prev == "i" and _ends_clause(word.text):
            label = "i mean"
            out[i - 1] = _with_filler(out[i - 1], label)
        if label:
            out[i] = _with_filler(word, label)
    return out


def _with_filler(word: Word, label: str) -> Word:
    return Word(word.text, word.start, word.end, word.confidence, label)


def count_fillers(words: list[Word]) -> Counter[str]:
    """Occurrences per filler ("you know" counts once, not per word)."""
    counts: Counter[str] = Counter()
    previous: Word | None = None
    for word in words:
        if word.filler and not (
            previous is not None and previous.filler == word.filler and " " in word.filler
        ):
            counts[word.filler] += 1
        previous = word if word.filler else None
    return counts


def filler_events(words: list[Word]) -> list[tuple[str, float]]:
    """(filler, start time) per occurrence."""
    events: list[tuple[str, float]] = []
    previous: Word | None = None
    for word in words:
        if word.filler and not (
            previous is not None and previous.filler == word.filler and " " in word.filler
        ):
            events.append((word.filler, word.start))
        previous = word if word.filler else None
    return events
