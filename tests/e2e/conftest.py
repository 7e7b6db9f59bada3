"""Fixtures of the end-to-end tests: generated media, a video host, and the two topologies —
embedded (`interview-jobs up`) and distributed (2 API processes on PostgreSQL, the AI backend,
2 worker processes on RabbitMQ)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.conftest import RABBITMQ_URL, port_open, require
from tests.media.generate import make_bad_inputs, make_clip
from tests.support.postgres import PG_HOST, PG_PORT, temporary_database
from tests.support.servers import ServerThread, free_port, serve
from tests.support.system import Client, Process, wait_http

# Secrets as an operator would set them (the processes must agree without a shared file).
SECRETS = {
    "INTERVIEW_JOBS_JWT_SECRET": "e2e-jwt-secret-0123456789abcdef",
    "INTERVIEW_JOBS_AI_API_KEY": "e2e-ai-key-0123456789abcdef",
    "INTERVIEW_JOBS_CALLBACK_API_KEY": "e2e-callback-key-0123456789abcdef",
    "INTERVIEW_JOBS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}
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
    url: str
    processes: dict[str, Process]
    video_host: ServerThread
    clients: list[Client] = field(default_factory=list)

    def client(self) -> Client:
        client = Client(self.url)
        self.clients.append(client)
        return client

    def close_clients(self) -> None:
        for client in self.clients:
            client.close()

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n{p.log_tail()}" for n, p in self.processes.items())


def _common_env(video_host: ServerThread, data_dir: Path) -> dict[str, str]:
    return {
        **SECRETS,
        **FAST,
        "INTERVIEW_JOBS_DATA_DIR": str(data_dir),
        "INTERVIEW_JOBS_TRUSTED_VIDEO_HOSTS": json.dumps([f"127.0.0.1:{video_host.port}"]),
    }


@pytest.fixture(scope="module")
def embedded(
    tmp_path_factory: pytest.TempPathFactory, video_host: ServerThread
) -> Iterator[System]:
    data = tmp_path_factory.mktemp("embedded")
    port, ai_port = free_port(), free_port()
    env = {**_common_env(video_host, data), "INTERVIEW_JOBS_WORKER_PROCESSES": "1"}
    up = Process("up", ["up", "--port", str(port), "--ai-port", str(ai_port)], env, data).start()
    system = System(f"http://127.0.0.1:{port}", {"up": up}, video_host)
    try:
        wait_http(f"{system.url}/health", proc=up)
        wait_http(f"http://127.0.0.1:{ai_port}/ready", proc=up)
        yield system
    finally:
        system.close_clients()
        up.stop()


@pytest.fixture(scope="module")
def distributed(
    tmp_path_factory: pytest.TempPathFactory, video_host: ServerThread
) -> Iterator[System]:
    require(port_open(PG_PORT, PG_HOST), f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT}")
    require(port_open(5672), "RabbitMQ is not reachable on 127.0.0.1:5672")
    data = tmp_path_factory.mktemp("distributed")
    queue = f"e2e_{uuid.uuid4().hex[:10]}"
    api1, api2, ai = free_port(), free_port(), free_port()
    with temporary_database("ij_e2e") as database_url:
        env = {
            **_common_env(video_host, data),
            "INTERVIEW_JOBS_DATABASE_URL": database_url,
            "INTERVIEW_JOBS_BROKER_URL": RABBITMQ_URL,
            "INTERVIEW_JOBS_QUEUE_NAME": queue,
            "INTERVIEW_JOBS_AI_URL": f"http://127.0.0.1:{ai}",
            # Callbacks go to the second API process: SSE on the first must still see them.
            "INTERVIEW_JOBS_API_URL": f"http://127.0.0.1:{api2}",
        }
        migrate = Process("migrate", ["db", "upgrade"], env, data).start()
        assert migrate.proc is not None and migrate.proc.wait(timeout=120) == 0, migrate.log_tail()
        processes = {
            "api1": Process("api1", ["api", "--port", str(api1)], env, data),
            "api2": Process("api2", ["api", "--port", str(api2)], env, data),
            "ai": Process("ai", ["ai", "--port", str(ai)], env, data),
            "workers": Process("workers", ["worker", "--processes", "2"], env, data),
        }
        system = System(f"http://127.0.0.1:{api1}", processes, video_host)
        try:
            for p in processes.values():
                p.start()
            wait_http(f"http://127.0.0.1:{api1}/ready", proc=processes["api1"])
            wait_http(f"http://127.0.0.1:{api2}/ready", proc=processes["api2"])
            wait_http(f"http://127.0.0.1:{ai}/ready", proc=processes["ai"])
            yield system
        finally:
            system.close_clients()
            for p in processes.values():
                p.stop()
            _delete_queue(queue)


def _delete_queue(queue: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    try:
        channel = connection.channel()
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
    finally:
        connection.close()
