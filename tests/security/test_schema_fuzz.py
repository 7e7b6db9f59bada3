"""Schema fuzzing: schemathesis generates requests from the API's own OpenAPI document and checks
every answer — no 5xx, the status code and body are the declared ones, every error has
CONTRACT.md's shape ``{error, message, details}``.

A real API (uvicorn on a loopback port, on SQLite and on PostgreSQL) with a registered user:
requests carry that user's bearer token; the callback carries ``X-API-Key`` and a Standard
Webhooks signature of the exact bytes sent. Half of the generated job and file ids are swapped
for ids that exist (the user's own job and file), so that the fuzzer reaches the code past
"not found". Positive and negative data (schema-invalid on purpose), bounded by
``FUZZ_EXAMPLES`` per operation (default 25; deterministic unless ``FUZZ_SEED`` is set).

Cases it found are kept as plain tests in ``test_fuzz_regressions.py``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from interview_jobs.api.app import create_app
from interview_jobs.contracts.callback import CALLBACK_PATH
from interview_jobs.contracts.webhooks import sign_headers
from tests.api.conftest import (
    CALLBACK_KEY,
    PASSWORD,
    WEBHOOK_SECRET,
    empty_tables,
    make_settings,
    mp4_bytes,
)
from tests.support.servers import ServerThread

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
DETERMINISTIC = "FUZZ_SEED" not in os.environ


class LiveApi:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.file_id = 0
        self.job_id = ""
        self.replenish()
        self.requests = 0
        self.turn = 0
        self.statuses: Counter[int] = Counter()
        self.by_operation: dict[str, Counter[int]] = {}

    def replenish(self) -> None:
        """A file and a job of the user's own (again, after the fuzzer deleted them)."""
        auth = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=30, headers=auth) as client:
            if client.get(f"/api/files/{self.file_id}").status_code != 200:
                r = client.post("/api/files", files={"file": ("a.mp4", mp4_bytes())})
                assert r.status_code == 201, r.text
                self.file_id = r.json()["id"]
            if (
                not self.job_id
                or client.get(f"/api/interview/job/{self.job_id}").status_code != 200
            ):
                r = client.post("/api/interview/analyze", json={"fileId": self.file_id})
                assert r.status_code == 202, r.text
                self.job_id = r.json()["jobId"]


@pytest.fixture(scope="module")
def live_api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    import asyncio

    asyncio.run(empty_tables(database_url))
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    settings_ = make_settings(
        data_dir, database_url, login_rate_limit_per_minute=100_000, max_upload_bytes=1_000_000
    )
    server = ServerThread(create_app(settings_)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            body = {"username": "fuzzer", "password": PASSWORD}
            assert client.post("/api/auth/register", json=body).status_code == 201
            token = client.post("/api/auth/login", json=body).json()["accessToken"]
        api = LiveApi(server.url, token)
        yield api
        print(
            f"\nschema fuzzing on {database_url.split(':', 1)[0]}: {api.requests} requests, "
            f"statuses {dict(sorted(api.statuses.items()))}"
        )
        for operation, statuses in sorted(api.by_operation.items()):
            print(f"  {operation}: {dict(sorted(statuses.items()))}")
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api_schema(live_api: LiveApi) -> Any:
    return schemathesis.openapi.from_url(f"{live_api.url}/openapi.json")


def _send(case: Any, api: LiveApi) -> Any:
    # Every other case names the user's real job and file (in the path, or in the body of
    # analyze and the callback), so that the fuzzer gets past "not found".
    api.turn += 1
    # Not for the events stream: it lasts as long as the job, which nothing here finishes.
    if api.turn % 2 == 0 and not case.path.endswith("/events"):
        params = case.path_parameters or {}
        if "job_id" in params:
            params["job_id"] = api.job_id
        if "file_id" in params:
            params["file_id"] = api.file_id
        if isinstance(case.body, dict):
            if "jobId" in case.body:
                case.body["jobId"] = api.job_id
            if "fileId" in case.body:
                case.body["fileId"] = api.file_id
    if case.path == CALLBACK_PATH:
        response = _send_callback(case, api)
    else:
        # The user's token, not one the fuzzer made up (bad credentials: test_authorization.py).
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api.token}"}
        response = case.call(base_url=api.url, timeout=30)
    if case.method == "DELETE" and response.status_code == 204:
        api.replenish()
    api.requests += 1
    api.statuses[response.status_code] += 1
    api.by_operation.setdefault(f"{case.method} {case.path}", Counter())[response.status_code] += 1
    return response


def _send_callback(case: Any, api: LiveApi) -> httpx.Response:
    """Sign what is sent, as the AI backend does; the fuzzer decides the body."""
    kwargs = case.as_transport_kwargs(base_url=api.url)
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items()}
    if "json" in kwargs:
        raw = json.dumps(kwargs["json"]).encode()
        headers["Content-Type"] = "application/json"
    else:
        data = kwargs.get("data")
        raw = data.encode() if isinstance(data, str) else (data or b"")
    headers.update(
        {"X-API-Key": CALLBACK_KEY, **sign_headers(WEBHOOK_SECRET, raw.decode("utf-8", "replace"))}
    )
    with httpx.Client(timeout=30) as client:
        return client.post(kwargs["url"], content=raw, headers=headers, params=kwargs.get("params"))


def check_error_shape(response: Any) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(
            f"{response.status_code} is not JSON: {response.headers} {response.text[:300]!r}"
        ) from None
    assert set(body) == {"error", "message", "details"}, body
    assert isinstance(body["error"], str) and body["error"], body
    assert isinstance(body["message"], str) and body["message"], body


CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _fuzz_operation(operation: Any, mode: Any, api: LiveApi, failures: list[str]) -> int:
    """Run up to EXAMPLES generated cases of one operation; returns how many were sent."""
    sent = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        deadline=None,
        suppress_health_check=list(HealthCheck),
        max_examples=EXAMPLES,
        derandomize=DETERMINISTIC,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the case as found
    )
    def run(case: Any) -> None:
        nonlocal sent
        try:
            response = _send(case, api)
        except (httpx.LocalProtocolError, requests.exceptions.InvalidHeader):
            reject()  # a header value no HTTP client can send (e.g. a newline in it)
        sent += 1
        where = f"{case.method} {case.path} [{mode.value}]"
        try:
            assert response.status_code < 500, f"{where}: {response.status_code} {response.text}"
            check_error_shape(response)
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # collect, then go on with the other cases and operations
            sent_headers = dict(getattr(response, "request", None).headers or {})
            failures.append(
                f"{where}: {type(exc).__name__}: {str(exc)[:1500]} (sent {sent_headers})"
            )

    try:
        run()
    except Unsatisfiable:
        # Negative mode of an operation without inputs (GET /health): nothing to make invalid.
        assert mode is schemathesis.GenerationMode.NEGATIVE, operation
    return sent


def test_api_answers_as_declared(live_api: LiveApi, api_schema: Any) -> None:
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, live_api, failures)
    print(f"\n{operations} operations, {live_api.requests} examples")
    assert operations >= 19
    assert not failures, f"{len(failures)} failing cases:\n" + "\n\n".join(failures[:30])
