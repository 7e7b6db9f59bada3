"""Filler words in a transcript: hesitations (um, uh, er, hmm…) always; "like", "you know" and
"I mean" only where they are used as fillers, decided from the words around them.

A hesitation heard in the sound but not written by Whisper is a *marker* among the words
(``kind="hesitation"``, text :data:`HESITATION_MARK`, filler ``"hesitation"``): it is counted
with the fillers but is not part of the transcript's text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

HESITATION_WORDS = {
    "um": "um", "umm": "um", "uhm": "um", "mm": "um", "hmm": "hmm", "hm": "hmm", "mhm": "hmm",
    "uh": "uh", "uhh": "uh", "er": "er", "erm": "er", "ah": "ah", "ahh": "ah",
}  # fmt: skip
# Drawn-out spellings Whisper writes ("ummm", "uhhh", "hmmm", "mmm", "errr"), by their label.
_HESITATION_SPELLINGS = (
    (re.compile(r"^u+h*m+$"), "um"),
    (re.compile(r"^u+h+$"), "uh"),
    (re.compile(r"^(h+m+|m{3,}|m+h+m+)$"), "hmm"),
    (re.compile(r"^e+r+m*$"), "er"),
    (re.compile(r"^a+h+$"), "ah"),
)
#: The text of a hesitation marker (a hesitation found in the sound, not a transcribed word).
HESITATION_MARK = "…"
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


def hesitation_label(norm: str) -> str | None:
    """ "um", "uh", "er", "hmm" or "ah" for a (normalised) hesitation spelling, else None."""
    label = HESITATION_WORDS.get(norm)
    if label is None:
        for pattern, name in _HESITATION_SPELLINGS:
            if pattern.match(norm):
                return name
    return label


def _ends_clause(raw: str) -> bool:
    return bool(re.search(r"[,;:.?!…—–-]\s*$", raw.strip()))


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float
    filler: str | None = None  # the filler it belongs to ("um", "you know", "like"…)
    kind: str = "word"  # or "hesitation": a marker for a hesitation found in the sound

    def to_json(self) -> dict[str, object]:
        """A ``transcript.words`` item (CONTRACT.md): word, start, end, confidence, and
        ``filler`` / ``kind`` when it is one / not a transcribed word."""
        out: dict[str, object] = {
            "word": self.text,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
        }
        if self.filler:
            out["filler"] = self.filler
        if self.kind != "word":
            out["kind"] = self.kind
        return out


def hesitation_marker(start: float, end: float, confidence: float = 0.5) -> Word:
    return Word(
        HESITATION_MARK, round(start, 3), round(end, 3), confidence, "hesitation", "hesitation"
    )


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
        if word.kind != "word":
            continue
        if hesitation_label(norm):
            label = hesitation_label(norm)
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
    return replace(word, filler=label)


def filler_occurrences(words: list[Word]) -> list[list[Word]]:
    """The words of each filler occurrence in time order ("you know" is one occurrence of two
    words; a hesitation marker is one of its own)."""
    out: list[list[Word]] = []
    previous: Word | None = None
    for word in words:
        if not word.filler:
            previous = None
            continue
        if previous is not None and previous.filler == word.filler and " " in word.filler:
            out[-1].append(word)
        else:
            out.append([word])
        previous = word
    return out


def count_fillers(words: list[Word]) -> Counter[str]:
    """Occurrences per filler ("you know" counts once, not per word); they sum to the
    number of :func:`filler_events`."""
    return Counter(event[0].filler for event in filler_occurrences(words) if event[0].filler)


def filler_events(words: list[Word]) -> list[tuple[str, float]]:
    """(filler, start time) per occurrence, hesitation markers included."""
    return [(o[0].filler or "", o[0].start) for o in filler_occurrences(words)]


def filler_items(words: list[Word]) -> list[dict[str, object]]:
    """``metrics.speech.fillerWords.items``: each occurrence with its start, end and where it
    was found (``"transcript"``: a word Whisper wrote; ``"sound"``: a hesitation marker)."""
    return [
        {
            "word": o[0].filler,
            "start": round(o[0].start, 2),
            "end": round(o[-1].end, 2),
            "source": "sound" if o[0].kind == "hesitation" else "transcript",
        }
        for o in filler_occurrences(words)
    ]
