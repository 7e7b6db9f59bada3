"""The few numbers of an analysis that progress needs, taken once, when the result arrives.

``GET /api/interview/progress`` is computed in SQL from these columns (``interview_jobs`` for the
whole attempt, ``job_answers`` for each answer) and never loads an analysis. The callback's
COMPLETED transition stores them (``jobs/service.py``); migration 0007 backfilled the jobs that
completed before.

Both analysis versions summarise: a v1 analysis (delivery only, no ``answers``) gives its score,
pace, fillers, pauses and eye contact, its length as the answer length, and nulls for the content
figures; a v2 analysis (``schemaVersion`` 2, CONTRACT.md "The analysis") adds ``contentScore`` and
``deliveryScore`` and one row per answer. A value that is missing or not a finite number is null:
a summary never fails a callback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

STAR_PARTS = ("situation", "task", "action", "result")
MAX_QUESTION_ID = 64
MAX_QUESTION_TEXT = 500
MAX_CATEGORY = 32

# The measurements kept for a job and for each answer (the column names).
MEASURES = (
    "score",
    "content_score",
    "delivery_score",
    "words_per_minute",
    "fillers_per_minute",
    "eye_contact_ratio",
    "pauses_per_minute",
    "answer_seconds",
    "star_completeness",
)


@dataclass(frozen=True, slots=True)
class Measures:
    score: float | None = None
    content_score: float | None = None
    delivery_score: float | None = None
    words_per_minute: float | None = None
    fillers_per_minute: float | None = None
    eye_contact_ratio: float | None = None
    pauses_per_minute: float | None = None
    answer_seconds: float | None = None  # a job: the mean length of its answers
    star_completeness: float | None = None  # share of S, T, A, R present (a job: the mean)

    def columns(self) -> dict[str, float | None]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AnswerSummary:
    index: int
    question_id: str | None
    question_text: str | None
    category: str | None
    start_seconds: float | None
    end_seconds: float | None
    measures: Measures

    @property
    def question_key(self) -> str | None:
        """What makes two answers attempts at the same question: the bank id, else the text
        (case and spacing ignored)."""
        if self.question_id:
            return f"id:{self.question_id}"
        if self.question_text:
            return "text:" + " ".join(self.question_text.lower().split())[:MAX_QUESTION_TEXT]
        return None


@dataclass(frozen=True, slots=True)
class Summary:
    job: Measures
    answers: list[AnswerSummary]

    def by_category(self) -> dict[str, Measures]:
        """For each question category the job answered: the mean of those answers' figures."""
        groups: dict[str, list[Measures]] = {}
        for a in self.answers:
            if a.category is not None:
                groups.setdefault(a.category, []).append(a.measures)
        return {
            category: Measures(
                **{name: _mean([getattr(m, name) for m in group]) for name in MEASURES}
            )
            for category, group in groups.items()
        }


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _at(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]


def _pause_count(pauses: Any) -> float | None:
    """``pauses`` is ``{"count", …}`` (v1 metrics) or a plain count."""
    return _number(_at(pauses, "count")) if isinstance(pauses, Mapping) else _number(pauses)


def _per_minute(count: float | None, seconds: float | None) -> float | None:
    if count is None or seconds is None or seconds <= 0:
        return None
    return count / (seconds / 60)


def _star_completeness(star: Any) -> float | None:
    if not isinstance(star, Mapping):
        return None
    present = [_at(star, part, "present") for part in STAR_PARTS]
    if not any(isinstance(p, bool) for p in present):
        return None
    return sum(p is True for p in present) / len(STAR_PARTS)


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _answer(position: int, answer: Mapping[str, Any]) -> AnswerSummary:
    start, end = _number(answer.get("start")), _number(answer.get("end"))
    seconds = _number(answer.get("duration"))
    if seconds is None:
        seconds = _number(_at(answer, "content", "length", "seconds"))
    if seconds is None and start is not None and end is not None and end >= start:
        seconds = end - start
    delivery = answer.get("delivery")
    question = answer.get("question")
    index = _number(answer.get("index"))
    return AnswerSummary(
        index=int(index) if index is not None else position,
        question_id=_text(_at(question, "id"), MAX_QUESTION_ID),
        question_text=_text(_at(question, "text"), MAX_QUESTION_TEXT),
        category=_text(_at(question, "category"), MAX_CATEGORY),
        start_seconds=start,
        end_seconds=end,
        measures=Measures(
            score=_number(answer.get("score")),
            content_score=_number(answer.get("contentScore")),
            delivery_score=_number(answer.get("deliveryScore")),
            words_per_minute=_number(_at(delivery, "wordsPerMinute")),
            fillers_per_minute=_number(_at(delivery, "fillerWords", "perMinute")),
            eye_contact_ratio=_number(_at(delivery, "eyeContactRatio")),
            pauses_per_minute=_per_minute(_pause_count(_at(delivery, "pauses")), seconds),
            answer_seconds=seconds,
            star_completeness=_star_completeness(_at(answer, "content", "star")),
        ),
    )


def summarise(analysis: Mapping[str, Any]) -> Summary:
    """The job's measurements and its answers' (see the module docstring)."""
    raw_answers = analysis.get("answers")
    answers = (
        [_answer(i, a) for i, a in enumerate(raw_answers) if isinstance(a, Mapping)]
        if isinstance(raw_answers, list)
        else []
    )
    # Answer indexes are the table's key within a job: keep the first of any repeated one.
    unique: dict[int, AnswerSummary] = {}
    for answer in answers:
        unique.setdefault(answer.index, answer)
    answers = list(unique.values())
    speech = _at(analysis, "metrics", "speech")
    duration = _number(_at(analysis, "metrics", "durationSeconds"))
    if answers:
        answer_seconds = _mean([a.measures.answer_seconds for a in answers])
        star = _mean([a.measures.star_completeness for a in answers])
    else:  # v1: the whole recording is the one answer
        answer_seconds, star = duration, None
    job = Measures(
        score=_number(analysis.get("score")),
        content_score=_number(analysis.get("contentScore")),
        delivery_score=_number(analysis.get("deliveryScore")),
        words_per_minute=_number(_at(speech, "wordsPerMinute")),
        fillers_per_minute=_number(_at(speech, "fillerWords", "perMinute")),
        eye_contact_ratio=_number(_at(analysis, "metrics", "visual", "eyeContactRatio")),
        pauses_per_minute=_per_minute(_pause_count(_at(speech, "pauses")), duration),
        answer_seconds=answer_seconds,
        star_completeness=star,
    )
    return Summary(job, answers)
