"""``GET /api/interview/progress``: summaries stored by the COMPLETED callback (v1 and v2
analyses), the series, averages, bests, latest vs average, the category filter, attempts at the
same question, the query's validation, and ownership — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.api.conftest import create_job, login
from tests.api.test_callback import post_callback

STAR_ALL = (True, True, True, True)


def v1_analysis(score: float, *, wpm: float = 140.0, fillers: float = 2.0) -> dict[str, Any]:
    """A delivery-only analysis as schema version 1 makes it."""
    return {
        "schemaVersion": 1,
        "analysisType": "comprehensive",
        "score": score,
        "summary": "Delivery only.",
        "feedback": [],
        "metrics": {
            "durationSeconds": 120.0,
            "speech": {
                "wordsPerMinute": wpm,
                "speakingRatio": 0.8,
                "fillerWords": {"total": 4, "perMinute": fillers, "byWord": {"um": 4}},
                "pauses": {"count": 6, "totalSeconds": 9, "longestSeconds": 3, "items": []},
                "pitch": {"meanHz": 120, "stdHz": 20},
                "loudness": {"meanDb": -20, "stdDb": 3},
            },
            "visual": {
                "facePresenceRatio": 1,
                "eyeContactRatio": 0.6,
                "multipleFacesRatio": 0,
                "framing": None,
                "lighting": None,
            },
        },
        "timingsSeconds": {},
    }


def answer(
    index: int,
    *,
    question_id: str | None,
    category: str | None,
    start: float,
    end: float,
    score: float,
    star: tuple[bool, bool, bool, bool] = STAR_ALL,
    text: str | None = None,
    fillers: float = 1.0,
) -> dict[str, Any]:
    parts = ("situation", "task", "action", "result")
    question = None
    if question_id is not None or text is not None:
        question = {"text": text or f"Question {question_id}", "id": question_id}
        if category is not None:
            question["category"] = category
    return {
        "index": index,
        "question": question,
        "start": start,
        "end": end,
        "score": score,
        "contentScore": score - 5,
        "deliveryScore": score + 5,
        "content": {
            "star": {
                p: {"present": present, "sentences": []}
                for p, present in zip(parts, star, strict=True)
            },
            "length": {"seconds": end - start},
        },
        "delivery": {
            "wordsPerMinute": 150.0,
            "fillerWords": {"perMinute": fillers},
            "pauses": {"count": 3},
            "eyeContactRatio": 0.8,
        },
        "feedback": [],
    }


def v2_analysis(score: float, answers: list[dict[str, Any]]) -> dict[str, Any]:
    value = v1_analysis(score, wpm=150.0, fillers=1.0)
    value.update(schemaVersion=2, contentScore=score - 5, deliveryScore=score + 5, answers=answers)
    return value


async def completed(
    client: httpx.AsyncClient, headers: dict[str, str], analysis: dict[str, Any]
) -> dict[str, Any]:
    job = await create_job(client, headers)
    r = await post_callback(
        client,
        {"jobId": job["jobId"], "status": "COMPLETED", "analysisData": json.dumps(analysis)},
    )
    assert r.status_code == 200, r.text
    return job


async def progress(
    client: httpx.AsyncClient, headers: dict[str, str], **query: str
) -> dict[str, Any]:
    """The answer, with its columnar series also as a list of points (``points``)."""
    r = await client.get("/api/interview/progress", params=query, headers=headers)
    assert r.status_code == 200, r.text
    body = dict(r.json())
    series = body["series"]
    lengths = {len(values) for values in series.values()}
    assert len(lengths) == 1, series  # every column as long as the others
    body["points"] = [
        dict(zip(series, row, strict=True)) for row in zip(*series.values(), strict=True)
    ]
    return body


async def test_no_attempts_yet(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    await create_job(client, alice)  # pending: not an attempt yet
    body = await progress(client, alice)
    assert body["attempts"] == 0
    assert body["points"] == []
    assert body["latest"] is None
    assert body["average"]["score"] is None
    assert body["bests"]["score"] is None
    assert body["questions"] == []


async def test_v1_and_v2_results_summarised(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    old = await completed(client, alice, v1_analysis(60))
    new = await completed(
        client,
        alice,
        v2_analysis(
            80,
            [
                answer(0, question_id="beh-001", category="behavioural", start=0, end=60, score=90),
                answer(
                    1,
                    question_id="mot-001",
                    category="motivation",
                    start=60,
                    end=100,
                    score=70,
                    star=(True, False, True, False),
                ),
            ],
        ),
    )
    body = await progress(client, alice)
    assert body["attempts"] == 2
    first, second = body["points"]
    assert first["jobId"] == old["jobId"] and second["jobId"] == new["jobId"]
    # v1: delivery figures, its length as the answer length, nulls for content
    assert first["score"] == 60
    assert first["contentScore"] is None and first["deliveryScore"] is None
    assert first["starCompleteness"] is None
    assert first["answerSeconds"] == 120
    assert first["wordsPerMinute"] == 140
    assert first["fillersPerMinute"] == 2
    assert first["eyeContactRatio"] == 0.6
    assert first["pausesPerMinute"] == pytest.approx(3.0)  # 6 pauses in 2 minutes
    # v2: content and delivery scores, mean answer length and STAR completeness
    assert second["contentScore"] == 75 and second["deliveryScore"] == 85
    assert second["answerSeconds"] == pytest.approx(50)  # (60 + 40) / 2
    assert second["starCompleteness"] == pytest.approx(0.75)  # (4/4 + 2/4) / 2
    assert body["average"]["score"] == pytest.approx(70)
    assert body["average"]["contentScore"] == pytest.approx(75)  # v1's null left out
    assert body["latest"]["jobId"] == new["jobId"]
    assert body["latestVsAverage"]["score"] == pytest.approx(10)
    assert body["latestVsAverage"]["contentScore"] == pytest.approx(0)
    assert body["bests"]["score"]["jobId"] == new["jobId"]
    assert body["bests"]["score"]["value"] == 80
    assert body["bests"]["fillersPerMinute"]["jobId"] == new["jobId"]  # lowest wins
    assert body["bests"]["fillersPerMinute"]["value"] == 1
    assert body["categories"] == ["behavioural", "motivation"]


async def test_category_filter_and_the_same_question(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await completed(client, alice, v1_analysis(50))  # no answers: in no category
    a = await completed(
        client,
        alice,
        v2_analysis(
            70,
            [
                answer(0, question_id="beh-001", category="behavioural", start=0, end=30, score=60),
                answer(
                    1, question_id="beh-002", category="behavioural", start=30, end=90, score=80
                ),
                answer(2, question_id="mot-001", category="motivation", start=90, end=99, score=20),
            ],
        ),
    )
    b = await completed(
        client,
        alice,
        v2_analysis(
            90,
            [answer(0, question_id="beh-001", category="behavioural", start=0, end=50, score=95)],
        ),
    )
    body = await progress(client, alice, category="behavioural")
    assert body["category"] == "behavioural"
    assert body["attempts"] == 2
    assert [p["jobId"] for p in body["points"]] == [a["jobId"], b["jobId"]]
    assert body["points"][0]["score"] == pytest.approx(70)  # mean of its behavioural answers
    assert body["points"][0]["answerSeconds"] == pytest.approx(45)
    assert body["points"][1]["score"] == 95
    assert body["average"]["score"] == pytest.approx((70 + 95) / 2)
    assert body["bests"]["score"] == {
        "value": 95,
        "jobId": b["jobId"],
        "createdAt": body["points"][1]["createdAt"],
    }
    questions = {q["questionId"]: q for q in body["questions"]}
    assert set(questions) == {"beh-001", "beh-002"}
    assert body["questions"][0]["questionId"] == "beh-001"  # most attempted first
    beh1 = questions["beh-001"]
    assert beh1["attempts"] == 2 and beh1["category"] == "behavioural"
    assert beh1["key"] == "id:beh-001" and beh1["bestScore"] == 95
    assert beh1["latestAt"] == body["points"][1]["createdAt"]
    assert body["questionAttempts"] is None  # only with ?question=
    asked = await progress(client, alice, category="behavioural", question=beh1["key"])
    assert [(x["jobId"], x["answerIndex"], x["score"]) for x in asked["questionAttempts"]] == [
        (b["jobId"], 0, 95),
        (a["jobId"], 0, 60),
    ]
    unknown = await progress(client, alice, question="id:nothing-asked")
    assert unknown["questionAttempts"] == []
    other = await progress(client, alice, category="motivation")
    assert [p["score"] for p in other["points"]] == [20]
    none = await progress(client, alice, category="leadership")
    assert (none["attempts"], none["points"], none["questions"]) == (0, [], [])


async def test_questions_without_an_id_match_by_their_words(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    for score in (40, 60):
        await completed(
            client,
            alice,
            v2_analysis(
                score,
                [
                    answer(
                        0,
                        question_id=None,
                        category=None,
                        text="Why  do you want THIS job?"
                        if score == 40
                        else "why do you want this job?",
                        start=0,
                        end=30,
                        score=score,
                    ),
                    answer(1, question_id=None, category=None, start=30, end=60, score=score),
                ],
            ),
        )
    body = await progress(client, alice)
    # The unknown question (no words, no id) is never an attempt at "the same question".
    assert len(body["questions"]) == 1
    assert body["questions"][0]["attempts"] == 2
    assert body["questions"][0]["key"] == "text:why do you want this job?"


async def test_from_and_to(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    first = await completed(client, alice, v1_analysis(50))
    second = await completed(client, alice, v1_analysis(70))
    cut = second["createdAt"]
    later = await progress(client, alice, **{"from": cut})
    assert [p["jobId"] for p in later["points"]] == [second["jobId"]]
    earlier = await progress(client, alice, to=cut)
    assert [p["jobId"] for p in earlier["points"]] == [first["jobId"]]
    day = cut[:10]
    whole_day = await progress(client, alice, **{"from": day, "to": day})
    assert whole_day["attempts"] == 2
    assert whole_day["from"].startswith(day)
    none = await progress(client, alice, to="2000-01-01")
    assert (none["attempts"], none["points"], none["latest"]) == (0, [], None)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"category": "cooking"}, "category"),
        ({"question": "x" * 513}, "question"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"from": "2026-01-01T10:00:00Z", "to": "2026-01-01T10:00:00Z"}, "from"),
    ],
)
async def test_a_bad_parameter_is_422_naming_it(
    client: httpx.AsyncClient, alice: dict[str, str], query: dict[str, str], field: str
) -> None:
    r = await client.get("/api/interview/progress", params=query, headers=alice)
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["details"]] == [field]


async def test_needs_a_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/interview/progress")
    assert r.status_code == 401


async def test_only_the_users_own_completed_jobs(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    bob = await login(client, "bob")
    beh = [answer(0, question_id="beh-001", category="behavioural", start=0, end=9, score=99)]
    await completed(client, bob, v2_analysis(99, beh))
    failed = await create_job(client, alice)
    r = await post_callback(
        client, {"jobId": failed["jobId"], "status": "FAILED", "errorMessage": "corrupt"}
    )
    assert r.status_code == 200
    mine = await completed(client, alice, v1_analysis(42))
    body = await progress(client, alice)
    assert [p["jobId"] for p in body["points"]] == [mine["jobId"]]
    assert body["categories"] == [] and body["questions"] == []
    assert (await progress(client, alice, category="behavioural"))["attempts"] == 0


async def test_a_deleted_job_leaves_progress(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    beh = [answer(0, question_id="beh-001", category="behavioural", start=0, end=9, score=70)]
    job = await completed(client, alice, v2_analysis(70, beh))
    assert (await progress(client, alice))["questions"]
    r = await client.delete(f"/api/interview/job/{job['jobId']}", headers=alice)
    assert r.status_code == 204
    body = await progress(client, alice)
    assert body["attempts"] == 0 and body["questions"] == [] and body["categories"] == []


async def test_odd_values_summarise_as_null(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    """Whatever the analysis holds, the callback applies; figures it lacks are null."""
    odd = {
        "schemaVersion": 2,
        "score": 55,
        "contentScore": "high",
        "metrics": {"speech": None, "durationSeconds": 0},
        "answers": [{"index": 0, "question": "not an object", "score": True}, "junk"],
    }
    await completed(client, alice, odd)
    [point] = (await progress(client, alice))["points"]
    assert point["score"] == 55
    assert point["contentScore"] is None
    assert point["pausesPerMinute"] is None
    assert point["starCompleteness"] is None
