"""The client's HTTP parts against real servers on loopback: the streamed multipart upload with
its progress, the SSE follower (reconnects, terminal status, deletion) and error messages."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from interview_jobs.client.http import ApiClient, ApiError
from tests.support.servers import serve


def _app(state: dict[str, Any]) -> Starlette:
    async def upload(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != "Bearer good":
            return JSONResponse(
                {
                    "error": "Unauthorized",
                    "message": "The access token is not valid.",
                    "details": None,
                },
                status_code=401,
            )
        state["headers"] = dict(request.headers)
        raw = b""
        async for chunk in request.stream():
            raw += chunk
        state["raw_length"] = len(raw)
        # Parse the body we received with the same parser the API uses.
        from python_multipart import parse_form

        fields: dict[str, Any] = {}

        def on_file(f: Any) -> None:
            f.file_object.seek(0)
            fields["file"] = (f.file_name, f.file_object.read())
            f.close()

        parse_form(
            {"Content-Type": request.headers["content-type"].encode()},
            _Reader(raw),
            lambda field: None,
            on_file,
        )
        name, data = fields["file"]
        return JSONResponse(
            {
                "id": 7,
                "originalFileName": name.decode(),
                "fileSize": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
            status_code=201,
        )

    async def events(request: Request) -> StreamingResponse | JSONResponse:
        job = request.path_params["job"]
        if job == "missing":
            return JSONResponse(
                {"error": "NotFound", "message": "No job missing.", "details": None},
                status_code=404,
            )
        state["connections"] = state.get("connections", 0) + 1
        first = state["connections"] == 1

        def status(name: str, progress: int | None) -> str:
            data = json.dumps({"jobId": job, "status": name, "progress": progress})
            return f"event: status\ndata: {data}\n\n"

        async def stream() -> AsyncIterator[str]:
            yield "retry: 20\n\n"
            if job == "gone":
                yield 'event: deleted\ndata: {"message":"The job was deleted."}\n\n'
                return
            yield status("PENDING", None)
            yield ": keep-alive\n\n"
            yield status("PROCESSING", 40)
            if first:
                return  # the connection drops before the end: the client must reconnect
            await asyncio.sleep(0.05)
            yield status("COMPLETED", 100)
            yield 'event: status\ndata: {"status":"NEVER-READ"}\n\n'

        return StreamingResponse(stream(), media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/api/files", upload, methods=["POST"]),
            Route("/api/interview/job/{job}/events", events),
        ]
    )


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.pos + size
        chunk = self.data[self.pos : end]
        self.pos += len(chunk)
        return chunk


@pytest.fixture(scope="module")
def server() -> Any:
    state: dict[str, Any] = {}
    with serve(_app(state)) as running:
        running.state = state  # type: ignore[attr-defined]
        yield running


def test_upload_streams_the_file_with_exact_length_and_progress(
    server: Any, tmp_path: Path
) -> None:
    video = tmp_path / 'my "best" take.mp4'
    data = os.urandom(2 * 1024 * 1024 + 12345)
    video.write_bytes(data)
    calls: list[tuple[int, int]] = []
    with ApiClient(server.url, "good") as client:
        result = client.upload(video, "video/mp4", lambda sent, total: calls.append((sent, total)))
    assert result["fileSize"] == len(data)
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["originalFileName"] == "my %22best%22 take.mp4"
    headers = server.state["headers"]
    assert int(headers["content-length"]) == server.state["raw_length"]
    assert "transfer-encoding" not in headers
    assert calls[0] == (0, len(data))
    assert calls[-1] == (len(data), len(data))
    assert [sent for sent, _ in calls] == sorted(sent for sent, _ in calls)
    assert len(calls) >= 4  # 1 MiB chunks: progress along the way, not only at the end


def test_errors_carry_the_apis_message(server: Any, tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x" * 10)
    with ApiClient(server.url, "bad") as client, pytest.raises(ApiError) as caught:
        client.upload(video, "video/mp4")
    assert caught.value.status == 401
    assert caught.value.message == "The access token is not valid."
    with ApiClient("http://127.0.0.1:9") as client, pytest.raises(ApiError) as caught:
        client.jobs()
    assert caught.value.status == 0
    assert "Cannot reach the API at http://127.0.0.1:9" in caught.value.message


def test_events_follow_to_the_terminal_status_across_a_dropped_connection(server: Any) -> None:
    server.state["connections"] = 0
    with ApiClient(server.url, "good") as client:
        states = [(s["status"], s["progress"]) for s in client.events("job-1")]
    assert states == [
        ("PENDING", None),
        ("PROCESSING", 40),
        ("PENDING", None),
        ("PROCESSING", 40),
        ("COMPLETED", 100),
    ]
    assert server.state["connections"] == 2


def test_events_of_a_missing_or_deleted_job_raise_not_found(server: Any) -> None:
    with ApiClient(server.url, "good") as client:
        with pytest.raises(ApiError) as caught:
            list(client.events("missing"))
        assert (caught.value.status, caught.value.message) == (404, "No job missing.")
        with pytest.raises(ApiError) as caught:
            list(client.events("gone"))
        assert caught.value.status == 404
