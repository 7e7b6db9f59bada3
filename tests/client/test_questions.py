"""The questions of `interview-jobs submit/analyze --question/--questions-file`: the line syntax
(a time before the words, a bank id), files (lines or the API's JSON items), and errors named as
the API names them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interview_jobs.client.questions import QuestionsError, item_of, read_questions, wire
from interview_jobs.contracts.questions import bank


@pytest.mark.parametrize(
    ("line", "item"),
    [
        ("Why this team?", {"text": "Why this team?"}),
        ("  1:05 Why this team? ", {"text": "Why this team?", "startSeconds": 65.0}),
        ("1:02:03.5 And then?", {"text": "And then?", "startSeconds": 3723.5}),
        ("10:30am is when we start, ok?", {"text": "10:30am is when we start, ok?"}),
        (bank()[0].id, {"questionId": bank()[0].id}),
        (f"0:30 {bank()[0].id}", {"questionId": bank()[0].id, "startSeconds": 30.0}),
    ],
)
def test_a_line_is_an_item(line: str, item: dict[str, object]) -> None:
    assert item_of(line) == item


def test_none_given_is_none() -> None:
    assert read_questions([], None) is None


def test_a_text_file_then_the_options(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text("# my mock interview\n0:00 Tell me about yourself.\n\n0:40 Why us?\n")
    got = wire(read_questions(["2:00 Any questions?"], path) or [])
    assert got == [
        {"text": "Tell me about yourself.", "startSeconds": 0.0},
        {"text": "Why us?", "startSeconds": 40.0},
        {"text": "Any questions?", "startSeconds": 120.0},
    ]


def test_a_json_file_of_api_items(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    items = [{"questionId": bank()[0].id, "startSeconds": 3}, {"text": "Why us?"}]
    path.write_text(json.dumps({"questions": items}))
    assert wire(read_questions([], path) or []) == [
        {"questionId": bank()[0].id, "startSeconds": 3.0},
        {"text": "Why us?"},
    ]


@pytest.mark.parametrize(
    ("texts", "file_text", "says"),
    [
        (["Why?", "  "], None, "questions[1].text: text is empty"),
        (["x" * 501], None, "questions[0].text: text is longer than 500 characters"),
        (["1:00 Why?", "0:30 How?"], None, "questions[1].startSeconds 30.0 is not after 60.0"),
        (["Why?"] * 21, None, "at most 20 questions, got 21"),
        ([], '[{"questionId": "nope-1"}]', "questions[0].questionId: unknown questionId 'nope-1'"),
        ([], '{"questions": 3}', "must hold a JSON array"),
        ([], "[oops", "is not valid JSON"),
        ([], "# nothing but a comment\n", "holds no questions"),
    ],
)
def test_errors_name_the_item(
    tmp_path: Path, texts: list[str], file_text: str | None, says: str
) -> None:
    path = None
    if file_text is not None:
        path = tmp_path / ("q.json" if not file_text.startswith("#") else "q.txt")
        path.write_text(file_text)
    with pytest.raises(QuestionsError) as raised:
        read_questions(texts, path)
    assert says in str(raised.value)
