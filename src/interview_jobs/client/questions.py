"""The interview's questions as the command line gives them (``--question``, ``--questions-file``),
for ``interview-jobs submit`` (sent as the job's ``questions``) and ``interview-jobs analyze``
(resolved for the offline pipeline by the root CLI).

A question is its words, optionally after the time it was asked (``1:05 Why this team?``,
``h:mm:ss`` too), or a bank id (``beh-001``, see ``GET /api/questions``). A questions file is a
JSON array of the API's items (``[{"text": …, "startSeconds": …} | {"questionId": …}]``), or text
with one question per line in the form above (blank lines and ``#`` comments skipped). The file's
questions come first, then each ``--question`` in order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from interview_jobs.contracts.errors import field_name
from interview_jobs.contracts.questions import MAX_QUESTIONS, QuestionIn, check_times, find

_TIMED = re.compile(r"^(?:(\d+):)?(\d+):(\d\d(?:\.\d+)?)\s+(.*)$", re.DOTALL)
_ITEMS = TypeAdapter(list[QuestionIn])


class QuestionsError(ValueError):
    """Questions the API would refuse, named as it names them (``questions[2].text: …``)."""


def item_of(line: str) -> dict[str, Any]:
    """One question as written on the command line, as an item of the API's ``questions``."""
    text, start = line.strip(), None
    timed = _TIMED.match(text)
    if timed:
        hours, minutes, seconds, text = timed.groups()
        start = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    item: dict[str, Any] = {"questionId": text} if find(text) is not None else {"text": text}
    if start is not None:
        item["startSeconds"] = start
    return item


def _file_items(path: Path) -> list[Any]:
    try:
        raw = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionsError(f"cannot read {path}: {exc}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise QuestionsError(f"{path} is not valid JSON: {exc}") from None
        if isinstance(data, dict) and "questions" in data:
            data = data["questions"]
        if not isinstance(data, list):
            raise QuestionsError(f"{path} must hold a JSON array of questions")
        return data
    lines = (line.strip() for line in raw.splitlines())
    return [item_of(line) for line in lines if line and not line.startswith("#")]


def read_questions(texts: Sequence[str], file: Path | None) -> list[QuestionIn] | None:
    """The questions given, checked as the API checks them (without the video's length); None
    when none were given."""
    items = (_file_items(file) if file is not None else []) + [item_of(t) for t in texts]
    if not items and file is None:
        return None
    if not items:
        raise QuestionsError(f"{file} holds no questions")
    if len(items) > MAX_QUESTIONS:
        raise QuestionsError(f"at most {MAX_QUESTIONS} questions, got {len(items)}")
    try:
        questions = _ITEMS.validate_python(items)
        check_times(questions)
    except ValidationError as exc:
        problems = [
            f"{field_name(('questions', *e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise QuestionsError("; ".join(problems)) from None
    except ValueError as exc:
        raise QuestionsError(str(exc)) from None
    return questions


def wire(questions: list[QuestionIn]) -> list[dict[str, Any]]:
    """The items as ``POST /api/interview/analyze`` takes them (unset fields left out)."""
    return [q.model_dump(mode="json", by_alias=True, exclude_none=True) for q in questions]
