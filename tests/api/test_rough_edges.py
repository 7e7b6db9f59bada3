"""The API's rough edges a new user met (issue 13, "API, page and CLI rough edges"): each answer
names the problem, in one error shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import create_job, mp4_bytes, upload


def _input_error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "message", "details"}
    assert isinstance(body["details"], list) and body["details"], body
    for item in body["details"]:
        assert set(item) == {"field", "message"}, item
        assert item["field"] is None or isinstance(item["field"], str)
        assert isinstance(item["message"], str) and item["message"]
    return dict(body)


async def test_the_video_in_a_wrongly_named_field_is_422_naming_it(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    # Large enough to go past the limit of the other fields (it used to be 413 "too large").
    video = mp4_bytes(256 * 1024)
    r = await client.post(
        "/api/files", files={"video": ("i.mp4", video, "video/mp4")}, headers=alice
    )
    body = _input_error(r, 422)
    assert body["details"][0]["field"] == "video"
    assert "'video'" in body["message"] and "'file'" in body["message"]

    small = await client.post(
        "/api/files",
        files={"upload": ("i.mp4", mp4_bytes(), "video/mp4")},
        data={"note": "x"},
        headers=alice,
    )
    body = _input_error(small, 422)
    assert body["details"][0]["field"] == "file"
    assert "'upload'" in body["message"] and "'note'" in body["message"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/interview/analyze", "text/plain"),
        ("/api/auth/login", "text/plain"),
        ("/api/auth/register", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_body_not_sent_as_json_is_415_saying_json_is_expected(
    client: httpx.AsyncClient, alice: dict[str, str], path: str, content_type: str
) -> None:
    r = await client.post(
        path,
        content=b'{"username": "carol", "password": "correct horse battery"}',
        headers={**alice, "Content-Type": content_type},
    )
    body = _input_error(r, 415)
    assert "application/json" in body["message"]
    assert body["details"][0]["field"] is None
    assert content_type in body["details"][0]["message"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/api/interview/analyze", {"content": b"{", "json_type": True}, 400),
        ("POST", "/api/auth/login", {"content": b"{", "json_type": True}, 400),
        ("POST", "/api/interview/analyze", {"json": {}}, 422),
        ("POST", "/api/auth/register", {"json": {"username": "x"}}, 422),
        ("GET", "/api/interview/jobs?limit=0", {}, 422),
        ("GET", "/api/files/0", {}, 422),
        ("POST", "/api/files", {"content": b"x", "headers": {"Content-Type": "text/plain"}}, 415),
        ("POST", "/api/files", {"files": {"file": ("a.txt", b"hello", "text/plain")}}, 415),
        ("POST", "/api/files", {"files": {"file": ("a.mp4", b"", "video/mp4")}}, 422),
    ],
)
async def test_every_input_error_details_each_problem_as_field_and_message(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    headers = {**alice, **kwargs.pop("headers", {})}
    if kwargs.pop("json_type", False):
        headers["Content-Type"] = "application/json"
    r = await client.request(method, path, headers=headers, **kwargs)
    _input_error(r, status)


async def test_the_status_filter_ignores_case_as_analysis_type_does(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    job = await create_job(client, alice, videoUrl="https://v.example.com/a.mp4")
    for value in ("pending", "Pending", "PENDING"):
        r = await client.get("/api/interview/jobs", params={"status": value}, headers=alice)
        assert r.status_code == 200, r.text
        assert [j["jobId"] for j in r.json()] == [job["jobId"]]
    r = await client.get("/api/interview/jobs", params={"status": "completed"}, headers=alice)
    assert r.status_code == 200 and r.json() == []
    bad = await client.get("/api/interview/jobs", params={"status": "done"}, headers=alice)
    assert _input_error(bad, 422)["details"][0]["field"] == "status"


async def test_a_job_given_a_file_and_a_url_shows_the_file_it_analyses(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    file = await upload(client, alice, name="my answer.mp4")
    job = await create_job(
        client, alice, fileId=file["id"], videoUrl="https://elsewhere.example.com/v.mp4"
    )
    shown = (await client.get(f"/api/interview/job/{job['jobId']}", headers=alice)).json()
    assert shown["fileId"] == file["id"]
    assert shown["fileName"] == "my answer.mp4"
    assert shown["videoUrl"].endswith(f"/api/files/{file['id']}/content")
    assert "elsewhere.example.com" not in shown["videoUrl"]
