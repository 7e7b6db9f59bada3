"""A small synchronous client of the API (httpx): auth, upload with progress, jobs, SSE.

Every non-2xx answer becomes :class:`ApiError` carrying the API's own ``message``; a server that
cannot be reached is an ApiError with ``status == 0``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from interview_jobs.client.sse import SSEParser
from interview_jobs.contracts.common import TERMINAL_STATUSES, JobStatus

UPLOAD_CHUNK = 1024 * 1024
ProgressCallback = Callable[[int, int], None]


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.retry_after = retry_after

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        body: Any = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return cls(
                response.status_code,
                str(body.get("error") or f"HTTP{response.status_code}"),
                body["message"],
                body.get("details"),
                response.headers.get("retry-after"),
            )
        text = response.text.strip()[:200] or response.reason_phrase
        return cls(
            response.status_code,
            f"HTTP{response.status_code}",
            f"HTTP {response.status_code}: {text}",
        )


def _quote_filename(name: str) -> str:
    # What browsers send in multipart headers (HTML's form encoding): ", CR and LF percent-escaped.
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartFile:
    """A ``multipart/form-data`` body with one file field, streamed from disk in chunks with an
    exact Content-Length, calling ``on_progress(sent, total)`` as the file's bytes go out."""

    def __init__(
        self,
        path: Path,
        *,
        field: str = "file",
        content_type: str = "application/octet-stream",
        on_progress: ProgressCallback | None = None,
        chunk_size: int = UPLOAD_CHUNK,
    ) -> None:
        self.path = path
        self.size = path.stat().st_size
        self.boundary = secrets.token_hex(16)
        self.on_progress = on_progress or (lambda sent, total: None)
        self.chunk_size = chunk_size
        self.head = (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; '
            f'filename="{_quote_filename(path.name)}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()

    @property
    def content_length(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        sent = 0
        self.on_progress(0, self.size)
        with self.path.open("rb") as fh:
            while chunk := fh.read(self.chunk_size):
                yield chunk
                sent += len(chunk)
                self.on_progress(sent, self.size)
        yield self.tail


class ApiClient:
    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Accept": "application/json", "User-Agent": "interview-jobs-cli"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- plumbing ----
    def _unreachable(self, exc: Exception) -> ApiError:
        return ApiError(0, "Unreachable", f"Cannot reach the API at {self.base_url}: {exc}")

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        if response.is_error:
            raise ApiError.from_response(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        return None if response.status_code == 204 else response.json()

    # ---- auth ----
    def register(self, username: str, password: str) -> dict[str, Any]:
        result: dict[str, Any] = self.json(
            "POST", "/api/auth/register", json={"username": username, "password": password}
        )
        return result

    def login(self, username: str, password: str) -> dict[str, Any]:
        result: dict[str, Any] = self.json(
            "POST", "/api/auth/login", json={"username": username, "password": password}
        )
        return result

    # ---- files ----
    def upload(
        self, path: Path, content_type: str, on_progress: ProgressCallback | None = None
    ) -> dict[str, Any]:
        body = MultipartFile(path, content_type=content_type, on_progress=on_progress)
        headers = {"Content-Type": body.content_type, "Content-Length": str(body.content_length)}
        # Large files: no overall time limit, only per read/write.
        timeout = httpx.Timeout(60.0, connect=10.0)
        result: dict[str, Any] = self.json(
            "POST", "/api/files", content=iter(body), headers=headers, timeout=timeout
        )
        return result

    def analyze(
        self,
        *,
        analysis_type: str,
        file_id: int | None = None,
        video_url: str | None = None,
        questions: list[dict[str, Any]] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"analysisType": analysis_type}
        if questions is not None:
            body["questions"] = questions
        if file_id is not None:
            body["fileId"] = file_id
        if video_url is not None:
            body["videoUrl"] = video_url
        headers = {"Idempotency-Key": idempotency_key or secrets.token_hex(16)}
        result: dict[str, Any] = self.json(
            "POST", "/api/interview/analyze", json=body, headers=headers
        )
        return result

    def job(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.json("GET", f"/api/interview/job/{quote(job_id, safe='')}")
        return result

    def detail(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.json(
            "GET", f"/api/interview/job/{quote(job_id, safe='')}/detail"
        )
        return result

    def progress(self, **query: str) -> dict[str, Any]:
        """``GET /api/interview/progress`` with ``from``, ``to``, ``category`` (those given)."""
        params = {k: v for k, v in query.items() if v}
        result: dict[str, Any] = self.json("GET", "/api/interview/progress", params=params)
        return result

    def jobs(
        self, *, status: str | None = None, limit: int = 50, page_url: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the caller's jobs and the URL of the next page (the ``Link`` header)."""
        if page_url is not None:
            response = self.request("GET", page_url)
        else:
            params: dict[str, Any] = {"limit": limit}
            if status:
                params["status"] = status
            response = self.request("GET", "/api/interview/jobs", params=params)
        nxt = response.links.get("next", {}).get("url")
        return response.json(), nxt

    def events(
        self, job_id: str, *, read_timeout: float = 60.0, max_reconnects: int = 20
    ) -> Iterator[dict[str, Any]]:
        """The job's ``status`` events until a terminal one (reconnecting if the stream drops).

        Raises ApiError (404 when the job is gone or was deleted). A reconnect sends the id of
        the last event seen (``Last-Event-ID``), so what was seen is not sent again."""
        path = f"/api/interview/job/{quote(job_id, safe='')}/events"
        timeout = httpx.Timeout(10.0, read=read_timeout)
        failures = 0
        last_event_id = ""
        while True:
            parser = SSEParser()
            headers = {"Accept": "text/event-stream"}
            if last_event_id:
                headers["Last-Event-ID"] = last_event_id
            try:
                with self.http.stream("GET", path, headers=headers, timeout=timeout) as response:
                    if response.status_code == 204:  # it saw the terminal event already
                        return
                    if response.is_error:
                        response.read()
                        raise ApiError.from_response(response)
                    for chunk in response.iter_text():
                        for event in parser.feed(chunk):
                            if event.event == "deleted":
                                raise ApiError(404, "NotFound", "The job was deleted.")
                            if event.event != "status":
                                continue
                            state = _status_data(event.data)
                            failures = 0
                            last_event_id = event.id
                            yield state
                            if JobStatus(str(state.get("status"))) in TERMINAL_STATUSES:
                                return
            except httpx.TransportError as exc:
                failures += 1
                if failures > max_reconnects:
                    raise self._unreachable(exc) from None
            except ApiError as exc:
                if exc.status < 500 and exc.status != 429:
                    raise
                failures += 1
                if failures > max_reconnects:
                    raise
            time.sleep(min(30.0, (parser.retry_ms or 2000) / 1000 * max(1, failures)))

    def cancel(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.json(
            "POST", f"/api/interview/job/{quote(job_id, safe='')}/cancel"
        )
        return result

    def delete(self, job_id: str) -> None:
        self.request("DELETE", f"/api/interview/job/{quote(job_id, safe='')}")

    def check_reachable(self) -> None:
        """Raise ApiError ("Unreachable") when nothing answers at the base URL."""
        self.request("GET", "/health")


def _status_data(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("an SSE status event's data is not a JSON object")
    return value
