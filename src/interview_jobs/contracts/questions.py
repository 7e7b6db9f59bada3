"""Interview questions: the question bank and the ``questions`` a job is created with (CONTRACT.md
"Questions and answers").

The bank is data (``question_bank.json`` beside this module, written by the team). The API serves it
at ``GET /api/questions`` and checks ``questions[].questionId`` against it; the AI backend and the
offline CLI turn a job's questions into plain dicts with :func:`resolve` before handing them to the
analysis pipeline (which imports nothing from the contracts).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from interview_jobs.contracts.common import CamelModel

MAX_QUESTIONS = 20
MAX_QUESTION_CHARS = 500


class Category(StrEnum):
    BEHAVIOURAL = "behavioural"
    SITUATIONAL = "situational"
    MOTIVATION = "motivation"  # motivation and fit
    STRENGTHS_WEAKNESSES = "strengths_weaknesses"
    TEAMWORK = "teamwork"  # communication and teamwork
    LEADERSHIP = "leadership"


class BankQuestion(CamelModel):
    """One question of the bank."""

    id: str
    category: Category
    text: str
    # The answer form expected: STAR (Situation, Task, Action, Result) or free.
    form: Literal["STAR", "free"]
    key_points: list[str] = Field(min_length=3, max_length=6)
    # The suggested answer length, seconds (low, high).
    length_seconds: tuple[float, float]


class QuestionIn(CamelModel):
    """One item of a job's ``questions``: the question's own words, or a bank question by id."""

    text: str | None = None
    question_id: str | None = None
    start_seconds: float | None = Field(default=None, ge=0)

    # Field validators (not one model validator) so that a 422 names the item's field:
    # ``questions[2].text``, ``questions[0].questionId``.
    @field_validator("text")
    @classmethod
    def _text_given(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise ValueError("text is empty")
        if len(value) > MAX_QUESTION_CHARS:
            raise ValueError(f"text is longer than {MAX_QUESTION_CHARS} characters")
        return value

    @field_validator("question_id")
    @classmethod
    def _known_id(cls, value: str | None) -> str | None:
        if value is not None and find(value) is None:
            raise ValueError(f"unknown questionId {value!r}")
        return value

    @model_validator(mode="after")
    def _text_or_id(self) -> QuestionIn:
        if (self.text is None) == (self.question_id is None):
            raise ValueError("give either text or questionId")
        return self


class QuestionTimeError(ValueError):
    """A start time that goes back or lies beyond the video; ``field`` names it
    (``questions[1].startSeconds``)."""

    def __init__(self, index: int, message: str) -> None:
        self.field = f"questions[{index}].startSeconds"
        super().__init__(f"{self.field} {message}")
        self.reason = message


@cache
def bank() -> tuple[BankQuestion, ...]:
    """Every question of the bank, in the file's order."""
    raw = json.loads(resources.files(__package__).joinpath("question_bank.json").read_text("utf-8"))
    return tuple(BankQuestion.model_validate(item) for item in raw["questions"])


def find(question_id: str) -> BankQuestion | None:
    return _by_id().get(question_id)


@cache
def _by_id() -> dict[str, BankQuestion]:
    return {question.id: question for question in bank()}


def in_category(category: Category | None) -> list[BankQuestion]:
    return [q for q in bank() if category is None or q.category == category]


def check_times(questions: Sequence[QuestionIn], duration_seconds: float | None = None) -> None:
    """Raise :class:`QuestionTimeError` (a ``ValueError``) naming the item when start times go
    back or lie beyond the video."""
    previous: float | None = None
    for index, question in enumerate(questions):
        start = question.start_seconds
        if start is None:
            continue
        if previous is not None and start <= previous:
            raise QuestionTimeError(index, f"{start} is not after {previous}")
        if duration_seconds is not None and start >= duration_seconds:
            raise QuestionTimeError(
                index, f"{start} is beyond the video ({duration_seconds:.1f} s)"
            )
        previous = start


def resolve(questions: Sequence[QuestionIn]) -> list[dict[str, Any]]:
    """The plain dicts the analysis pipeline takes: ``{text, id, category, form, keyPoints,
    lengthSeconds, startSeconds}`` (bank fields None for a question given by its text)."""
    resolved: list[dict[str, Any]] = []
    for question in questions:
        known = find(question.question_id) if question.question_id else None
        resolved.append(
            {
                "text": known.text if known else question.text,
                "id": known.id if known else None,
                "category": known.category.value if known else None,
                "form": known.form if known else None,
                "keyPoints": list(known.key_points) if known else [],
                "lengthSeconds": list(known.length_seconds) if known else None,
                "startSeconds": question.start_seconds,
            }
        )
    return resolved
