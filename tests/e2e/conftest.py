"""Fixtures of the end-to-end tests: generated media, a video host, and the two topologies —
embedded (`interview-jobs up`) and distributed (2 API processes on PostgreSQL sharing uploads
through S3, the AI backend, 2 worker processes on RabbitMQ)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.conftest import broker_url, require_postgres, s3_test_url
from tests.media.generate import make_bad_inputs, make_clip
from tests.support.seaweed import Seaweed
from tests.support.servers import ServerThread, serve
from tests.support.system import (
    Client,
    Process,
    Topology,
    distributed_topology,
    embedded_topology,
)

FAST = {
    "INTERVIEW_JOBS_ASR_MODEL": "tiny.en",
    "INTERVIEW_JOBS_DISPATCH_BACKOFF_MAX_SECONDS": "3",
    "INTERVIEW_JOBS_WORKER_SHUTDOWN_GRACE_SECONDS": "5",
    "INTERVIEW_JOBS_LOG_LEVEL": "INFO",
}


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("e2e-media")
    files = make_bad_inputs(d / "bad")
    make_clip(d / "good.mp4", 8)
    files["good"] = d / "good.mp4"
    make_clip(d / "long.mp4", 45)
    files["long"] = d / "long.mp4"
    return files


def _video_host(media: dict[str, Path]) -> Starlette:
    async def video(request: Request) -> Response:
        path = media.get(request.path_params["name"])
        if path is None:
            return PlainTextResponse("no such video", status_code=404)
        return FileResponse(path, media_type="video/mp4")

    async def to_private(request: Request) -> Response:
        return RedirectResponse("http://127.0.0.1:1/internal/secret.mp4", status_code=302)

    return Starlette(routes=[Route("/v/{name}", video), Route("/redirect-private", to_private)])


@pytest.fixture(scope="session")
def video_host(media: dict[str, Path]) -> Iterator[ServerThread]:
    with serve(_video_host(media)) as server:
        yield server


@dataclass
class System:
    topology: Topology
    video_host: ServerThread
    clients: list[Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.topology.url

    @property
    def processes(self) -> dict[str, Process]:
        return self.topology.processes

    def client(self) -> Client:
        client = Client(self.url)
        self.clients.append(client)
        return client

    def logs(self) -> str:
        return self.topology.logs()

    def close_clients(self) -> None:
        for client in self.clients:
            client.close()


def _env(video_host: ServerThread) -> dict[str, str]:
    return {
        **FAST,
        "INTERVIEW_JOBS_TRUSTED_VIDEO_HOSTS": json.dumps([f"127.0.0.1:{video_host.port}"]),
    }


@pytest.fixture(scope="module")
def embedded(
    tmp_path_factory: pytest.TempPathFactory, video_host: ServerThread
) -> Iterator[System]:
    env = {**_env(video_host), "INTERVIEW_JOBS_WORKER_PROCESSES": "1"}
    with embedded_topology(tmp_path_factory.mktemp("embedded"), env) as topology:
        system = System(topology, video_host)
        yield system
        system.close_clients()


@pytest.fixture(scope="module")
def distributed(
    tmp_path_factory: pytest.TempPathFactory, video_host: ServerThread, seaweed: Seaweed
) -> Iterator[System]:
    require_postgres()
    broker_url("rabbitmq")
    # Two API processes, as on two hosts: each its own DATA_DIR, the uploads in S3 (SeaweedFS).
    # Callbacks go to the second, so SSE on the first must still see them; the AI backend
    # downloads uploads from the second too, whichever process received them.
    with distributed_topology(
        tmp_path_factory.mktemp("distributed"),
        env={**_env(video_host), **seaweed.env(s3_test_url("e2e"))},
        api_data_dirs=True,
    ) as topology:
        system = System(topology, video_host)
        yield system
        system.close_clients()
