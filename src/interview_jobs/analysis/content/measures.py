"""What an answer says, measured on its sentences: specificity, ownership, length, repetition and
closing (docs/scoring.md, "Content"). Each measure returns its evidence (the sentences or
phrases and their times) with the figures, as a JSON-ready dict.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from interview_jobs.analysis.content.answers import Sentence

# ---------------------------------------------------------------- specificity
_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "fifteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "half",
    "twice",
    "double",
    "doubled",
    "triple",
    "tripled",
    "dozen",
    "dozens",
    "percent",
]
_NUMBER_RE = re.compile(
    r"(?<![a-z])(?:\$|€|£)?\d[\d,.]*\s*(?:%|percent|k|x|ms|s|seconds?|minutes?|hours?|days?|"
    r"weeks?|months?|years?|people|users|customers|engineers)?(?![a-z])|\b(?:"
    + "|".join(_NUMBER_WORDS)
    + r")\b",
    re.IGNORECASE,
)
_TIME_MARKERS = (
    "last year", "last month", "last week", "last quarter", "this year", "next year", "yesterday",
    "in the end", "at first", "afterwards", "after that", "within", "by the end of", "a week",
    "a month", "a year", "two weeks", "the following", "the next day", "the next week",
    "january", "february", "march", "april", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "in my first", "in my last", "in my previous", "during", "deadline", "sprint", "quarter",
)  # fmt: skip
_TIME_RE = re.compile(r"\b(" + "|".join(re.escape(t) for t in _TIME_MARKERS) + r")\b")
_YEAR_RE = re.compile(r"\b(19|20)\d\d\b")
# A named thing: a capitalised word that does not start its sentence (Whisper capitalises
# proper nouns: tools, teams, companies, places), or an all-caps acronym.
_NAME_RE = re.compile(r"(?<=[a-z,;:] )([A-Z][a-zA-Z0-9+#.]*[a-zA-Z0-9+#]|[A-Z]{2,})")
_NOT_NAMES = frozenset({"I", "I'm", "I've", "I'd", "I'll", "OK", "Okay"})
# per 100 words, the rate of specifics at which specificity has full marks
SPECIFIC_FULL_PER_100 = 4.0


def specificity(sentences: Sequence[Sentence]) -> dict[str, Any]:
    """Numbers and measurable results, named tools/teams/places and time markers per 100 words."""
    items: list[dict[str, Any]] = []
    words = sum(s.words for s in sentences)
    for sentence in sentences:
        text = sentence.text
        lowered = text.lower()
        for match in _NUMBER_RE.finditer(text):
            items.append({"kind": "number", "text": match.group(0).strip(), "at": sentence.start})
        for match in _YEAR_RE.finditer(text):
            items.append({"kind": "time", "text": match.group(0), "at": sentence.start})
        for match in _TIME_RE.finditer(lowered):
            items.append({"kind": "time", "text": match.group(1), "at": sentence.start})
        for match in _NAME_RE.finditer(text):
            if match.group(1) not in _NOT_NAMES:
                items.append({"kind": "name", "text": match.group(1), "at": sentence.start})
    per_100 = len(items) / words * 100 if words else 0.0
    counts = {k: sum(1 for i in items if i["kind"] == k) for k in ("number", "name", "time")}
    return {
        "numbers": counts["number"],
        "names": counts["name"],
        "timeMarkers": counts["time"],
        "per100Words": round(per_100, 2),
        "items": [{**i, "at": round(i["at"], 2)} for i in items[:30]],
    }


def specificity_score(measure: dict[str, Any]) -> float:
    return min(100.0, float(measure["per100Words"]) / SPECIFIC_FULL_PER_100 * 100)


# ---------------------------------------------------------------- ownership
_I_RE = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|myself|mine)\b")
_WE_RE = re.compile(r"\b(we|we're|we've|we'd|we'll|us|our|ours|ourselves)\b")
# "I" at least this share of I + we in the actions is full ownership
OWNERSHIP_FULL = 0.5


def ownership(sentences: Sequence[Sentence], actions: Sequence[Sentence] | None) -> dict[str, Any]:
    """'I' against 'we' in the action sentences (all sentences when the actions are unknown)."""
    checked = list(actions) if actions else list(sentences)
    i_count = we_count = 0
    for sentence in checked:
        lowered = sentence.text.lower().replace("’", "'")
        i_count += len(_I_RE.findall(lowered))
        we_count += len(_WE_RE.findall(lowered))
    total = i_count + we_count
    return {
        "i": i_count,
        "we": we_count,
        "iShare": round(i_count / total, 3) if total else None,
        "basis": "actions" if actions else "all sentences",
    }


def ownership_score(measure: dict[str, Any]) -> float | None:
    share = measure["iShare"]
    if share is None:
        return None
    return min(100.0, float(share) / OWNERSHIP_FULL * 100)


# ---------------------------------------------------------------- length
# Without a bank question's range: what interview coaches advise for one answer.
DEFAULT_LENGTH_SECONDS = (30.0, 120.0)


def length(
    seconds: float, words: int, target: Sequence[float] | None, talk_seconds: float | None = None
) -> dict[str, Any]:
    """The answer's length against the question's suggested range (seconds)."""
    lo, hi = (float(target[0]), float(target[1])) if target else DEFAULT_LENGTH_SECONDS
    spoken = talk_seconds if talk_seconds is not None else seconds
    verdict = "short" if spoken < lo else "long" if spoken > hi else "good"
    return {
        "seconds": round(spoken, 1),
        "words": words,
        "targetSeconds": [lo, hi],
        "targetFrom": "question" if target else "default",
        "verdict": verdict,
    }


def length_score(measure: dict[str, Any]) -> float:
    lo, hi = (float(x) for x in measure["targetSeconds"])
    seconds = float(measure["seconds"])
    if seconds < lo:
        return max(0.0, seconds / lo * 100)
    if seconds > hi:
        return max(0.0, 100 - (seconds - hi) / hi * 100)
    return 100.0


# ---------------------------------------------------------------- repetition
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_GLUE = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "so",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "i",
        "we",
        "you",
        "it",
        "is",
        "was",
        "that",
        "this",
        "like",
        "um",
        "uh",
        "then",
        "just",
        "really",
    ]
)
MIN_PHRASE_WORDS = 3
MAX_PHRASE_WORDS = 8


def repetition(sentences: Sequence[Sentence]) -> dict[str, Any]:
    """Phrases of ≥ 3 words said more than once (the longest such phrases, each once), and the
    share of the answer's words that are such repeats."""
    tokens: list[tuple[str, float]] = []
    for sentence in sentences:
        found = _TOKEN_RE.findall(sentence.text.lower().replace("’", "'"))
        n = len(found)
        span = max(sentence.end - sentence.start, 0.0)
        for k, token in enumerate(found):
            tokens.append((token, sentence.start + span * k / max(n, 1)))
    words = [t for t, _ in tokens]
    covered = [False] * len(words)
    phrases: list[dict[str, Any]] = []
    for size in range(MAX_PHRASE_WORDS, MIN_PHRASE_WORDS - 1, -1):
        seen: dict[tuple[str, ...], list[int]] = {}
        for i in range(len(words) - size + 1):
            gram = tuple(words[i : i + size])
            if all(w in _GLUE for w in gram) or sum(w not in _GLUE for w in gram) < 2:
                continue
            seen.setdefault(gram, []).append(i)
        for gram, starts in seen.items():
            # occurrences that do not overlap each other nor a longer phrase already found
            kept: list[int] = []
            for s in starts:
                if (not kept or s >= kept[-1] + size) and not any(covered[s : s + size]):
                    kept.append(s)
            if len(kept) < 2:
                continue
            for s in kept:
                for k in range(s, s + size):
                    covered[k] = True
            phrases.append(
                {
                    "phrase": " ".join(gram),
                    "count": len(kept),
                    "at": [round(tokens[s][1], 2) for s in kept],
                }
            )
    repeated = sum((p["count"] - 1) * len(p["phrase"].split()) for p in phrases)
    share = repeated / len(words) if words else 0.0
    phrases.sort(key=lambda p: (-p["count"], p["at"][0]))
    return {"phrases": phrases[:10], "repeatedShare": round(share, 3)}


def repetition_score(measure: dict[str, Any]) -> float:
    return max(0.0, 100 - 250 * float(measure["repeatedShare"]))


# ---------------------------------------------------------------- closing
_RESULT_RE = re.compile(
    r"\b(as a result|in the end|which meant|that meant|the result|resulted|so we|we shipped|"
    r"i shipped|reduced|increased|improved|saved|dropped|fell|grew|cut|doubled|halved|"
    r"went (?:up|down|from)|launched|delivered|finished|succeeded|achieved|won|fixed|solved|"
    r"on time|ahead of|still uses?|adopted|promoted)\b"
)
_LESSON_RE = re.compile(
    r"\b(i learn(?:ed|t)|learn(?:ed|t) that|taught me|the lesson|lesson|next time|since then|"
    r"from then on|now i|i now|i would (?:do|have)|differently|i realised|i realized|"
    r"what i took away|takeaway)\b"
)


def closing(sentences: Sequence[Sentence], results: Sequence[Sentence] | None) -> dict[str, Any]:
    """Does the answer end with a result or a lesson? Its last two sentences are checked (and
    whether one of them is a Result sentence, when the structure is known)."""
    tail = list(sentences[-2:])
    ends_with = "other"
    evidence: Sentence | None = None
    for sentence in reversed(tail):
        lowered = sentence.text.lower().replace("’", "'")
        if _LESSON_RE.search(lowered):
            ends_with, evidence = "lesson", sentence
            break
        if (
            (results and sentence in results)
            or _RESULT_RE.search(lowered)
            or (_NUMBER_RE.search(sentence.text) and _RESULT_RE.search(lowered))
        ):
            ends_with, evidence = "result", sentence
            break
    out: dict[str, Any] = {"endsWith": ends_with}
    out["sentence"] = (evidence or tail[-1]).to_json() if tail else None
    return out


def closing_score(measure: dict[str, Any]) -> float:
    return 100.0 if measure["endsWith"] in ("result", "lesson") else 40.0
