"""The interview's questions (issue 11): the bank at GET /api/questions, and `questions` on job
creation — validated item by item (a 422 names the item), stored with the job, shown on its
status, detail and list, and carried in the forward to the AI backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from interview_jobs.contracts.questions import MAX_QUESTIONS, Category, bank
from tests.api.conftest import create_job, serve, upload
from tests.api.test_dispatch import StubAI, dispatcher
from tests.api.test_files import tiny_mp4
from tests.support.servers import free_port

PORT = free_port()
URL = "https://videos.example.com/interview.mp4"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"ai_url": f"http://127.0.0.1:{PORT}"}


@pytest.fixture
async def stub() -> AsyncIterator[StubAI]:
    ai = StubAI(PORT)
    async with serve(ai.app(), PORT):
        yield ai


async def analyze(
    client: httpx.AsyncClient, headers: dict[str, str], questions: Any, **body: Any
) -> httpx.Response:
    return await client.post(
        "/api/interview/analyze",
        json={"videoUrl": URL, **body, "questions": questions},
        headers=headers,
    )


def invalid(r: httpx.Response) -> list[str]:
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "ValidationError"
    return [d["field"] for d in r.json()["details"]]


# ---- the bank ----
async def test_the_bank_needs_a_login_and_is_served_whole(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    assert (await client.get("/api/questions")).status_code == 401
    r = await client.get("/api/questions", headers=alice)
    assert r.status_code == 200
    body = r.json()
    assert [q["id"] for q in body["questions"]] == [q.id for q in bank()]
    first = body["questions"][0]
    assert set(first) == {"id", "category", "text", "form", "keyPoints", "lengthSeconds"}
    assert [c["id"] for c in body["categories"]] == [c.value for c in Category]
    assert sum(c["count"] for c in body["categories"]) == len(bank())
    assert all(c["label"] for c in body["categories"])


async def test_the_bank_by_category(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    r = await client.get("/api/questions", params={"category": "leadership"}, headers=alice)
    assert r.status_code == 200
    got = r.json()["questions"]
    assert got and {q["category"] for q in got} == {"leadership"}
    assert len(got) == sum(1 for q in bank() if q.category is Category.LEADERSHIP)


async def test_an_unknown_category_is_422_naming_the_allowed_ones(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    r = await client.get("/api/questions", params={"category": "cooking"}, headers=alice)
    assert invalid(r) == ["category"]
    for category in Category:
        assert category.value in r.json()["message"]


# ---- validation: a 422 names the item ----
@pytest.mark.parametrize(
    ("questions", "field", "says"),
    [
        ([{"text": "Why us?"}, {"text": "Fine."}, {"text": "   "}], "questions[2].text", "empty"),
        ([{"text": "x" * 501}], "questions[0].text", "longer than 500"),
        ([{"text": "ok"}, {"questionId": "nope-999"}], "questions[1].questionId", "unknown"),
        ([{"text": "ok"}, {"startSeconds": 3}], "questions[1]", "either text or questionId"),
        ([{"text": "a", "questionId": bank()[0].id}], "questions[0]", "either"),
        ([{"text": "a", "startSeconds": -1}], "questions[0].startSeconds", "greater than"),
        ([{"text": "a"}] * (MAX_QUESTIONS + 1), "questions", "at most 20"),
        ("Why us?", "questions", "list"),
    ],
)
async def test_invalid_questions_are_422_naming_the_item(
    client: httpx.AsyncClient, alice: dict[str, str], questions: Any, field: str, says: str
) -> None:
    r = await analyze(client, alice, questions)
    assert invalid(r) == [field]
    assert says in r.json()["message"]
    assert (await client.get("/api/interview/jobs", headers=alice)).json() == []


async def test_times_must_increase(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    questions = [
        {"text": "First?", "startSeconds": 0},
        {"text": "Second?"},  # no time: not compared
        {"text": "Third?", "startSeconds": 30},
        {"text": "Fourth?", "startSeconds": 30},
    ]
    r = await analyze(client, alice, questions)
    assert invalid(r) == ["questions[3].startSeconds"]
    assert "30.0 is not after 30.0" in r.json()["message"]


async def test_times_beyond_an_uploaded_video_are_422(
    client: httpx.AsyncClient, alice: dict[str, str], tmp_path: Path
) -> None:
    meta = await upload(client, alice, tiny_mp4(tmp_path / "v.mp4", seconds=3), name="v.mp4")
    assert meta["durationSeconds"] == pytest.approx(3.0, abs=0.2)
    late = [{"text": "Why us?", "startSeconds": 1}, {"text": "And?", "startSeconds": 4}]
    r = await analyze(client, alice, late, videoUrl=None, fileId=meta["id"])
    assert invalid(r) == ["questions[1].startSeconds"]
    assert "beyond the video (3.0 s)" in r.json()["message"]
    ok = [{"text": "Why us?", "startSeconds": 0.5}, {"text": "And?", "startSeconds": 2}]
    assert (await analyze(client, alice, ok, videoUrl=None, fileId=meta["id"])).status_code == 202


async def test_validation_comes_before_the_files_ownership(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    theirs = await upload(client, bob)
    bad = [{"text": "a", "startSeconds": 5}, {"text": "b", "startSeconds": 1}]
    r = await analyze(client, alice, bad, videoUrl=None, fileId=theirs["id"])
    assert invalid(r) == ["questions[1].startSeconds"]
    good = [{"text": "a"}]
    r = await analyze(client, alice, good, videoUrl=None, fileId=theirs["id"])
    assert r.status_code == 404


# ---- stored, shown, forwarded ----
async def test_questions_are_stored_shown_and_forwarded(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, stub: StubAI
) -> None:
    known = bank()[0]
    questions = [
        {"questionId": known.id, "startSeconds": 0},
        {"text": "  What did you learn from it?  ", "startSeconds": 42.5},
        {"text": "Any questions for us?"},
    ]
    r = await analyze(client, alice, questions)
    assert r.status_code == 202, r.text
    job_id = r.json()["jobId"]
    shown = [
        {"text": known.text, "questionId": known.id, "startSeconds": 0.0},
        {"text": "What did you learn from it?", "questionId": None, "startSeconds": 42.5},
        {"text": "Any questions for us?", "questionId": None, "startSeconds": None},
    ]
    status = (await client.get(f"/api/interview/job/{job_id}", headers=alice)).json()
    detail = (await client.get(f"/api/interview/job/{job_id}/detail", headers=alice)).json()
    [listed] = (await client.get("/api/interview/jobs", headers=alice)).json()
    assert status["questions"] == detail["questions"] == listed["questions"] == shown

    assert (await dispatcher(app).run_once()).forwarded == 1
    [sent] = stub.received
    assert sent["questions"] == [
        {"text": None, "questionId": known.id, "startSeconds": 0.0},
        {"text": "What did you learn from it?", "questionId": None, "startSeconds": 42.5},
        {"text": "Any questions for us?", "questionId": None, "startSeconds": None},
    ]


async def test_a_job_without_questions_is_forwarded_as_the_originals(
    client: httpx.AsyncClient, alice: dict[str, str], app: FastAPI, stub: StubAI
) -> None:
    job = await create_job(client, alice)
    empty = await create_job(client, alice, videoUrl=URL, questions=[])
    for made in (job, empty):
        status = (await client.get(f"/api/interview/job/{made['jobId']}", headers=alice)).json()
        assert status["questions"] is None
    assert (await dispatcher(app).run_once()).forwarded == 2
    assert [("questions" in sent) for sent in stub.received] == [False, False]


async def test_an_idempotency_key_covers_the_questions(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    key = {**alice, "Idempotency-Key": "practice-1"}
    body = {"videoUrl": URL, "questions": [{"text": "Why us?", "startSeconds": 1}]}
    first = await client.post("/api/interview/analyze", json=body, headers=key)
    again = await client.post("/api/interview/analyze", json=body, headers=key)
    assert first.status_code == again.status_code == 202
    assert again.json()["jobId"] == first.json()["jobId"]
    other = {"videoUrl": URL, "questions": [{"text": "Why them?", "startSeconds": 1}]}
    r = await client.post("/api/interview/analyze", json=other, headers=key)
    assert invalid(r) == ["Idempotency-Key"]
