"""Commands of the AI backend: ``ai`` (ingress, plus the workers when embedded) and ``worker``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from interview_jobs.config import ConfigError


def _settings(**overrides: object):  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    from interview_jobs.config import get_settings

    try:
        return get_settings(**overrides)
    except (ConfigError, ValidationError) as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc


def register(app: typer.Typer) -> None:
    """Add this room's commands to the main CLI."""

    @app.command("ai")
    def serve_ai(
        host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
        port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    ) -> None:
        """Run the AI backend (and, without BROKER_URL, its workers in-process)."""
        import uvicorn

        from interview_jobs.ai.app import create_ai_app
        from interview_jobs.logs import setup_logging
        from interview_jobs.system import claim_port

        setup_logging("ai")
        settings = _settings()
        host, port = host or settings.ai_host, port or settings.ai_port
        # Bound before the app starts its workers, and handed to uvicorn: nothing else can take it.
        sock = claim_port(host, port)
        config = uvicorn.Config(
            create_ai_app(settings),
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            # The peer address decides keyless forwards (AI_UNKEYED_FORWARD_FROM): never let an
            # X-Forwarded-For header rewrite it (uvicorn trusts it from FORWARDED_ALLOW_IPS).
            proxy_headers=False,
        )
        uvicorn.Server(config).run(sockets=[sock])

    @app.command("worker")
    def serve_worker(
        processes: Annotated[
            int | None, typer.Option(min=1, help="worker processes (default: one per core)")
        ] = None,
        threads: Annotated[int, typer.Option(min=1, help="tasks at a time per process")] = 1,
        index: Annotated[int | None, typer.Option(hidden=True)] = None,
    ) -> None:
        """Run analysis workers on the broker (BROKER_URL): one process per core by default."""
        from interview_jobs.ai.worker import require_broker, worker_process
        from interview_jobs.logs import setup_logging
        from interview_jobs.supervise import Program, Supervisor

        settings = _settings()
        try:
            require_broker(settings)
        except ConfigError as exc:
            typer.echo(f"configuration error: {exc}", err=True)
            raise typer.Exit(2) from exc
        if index is not None:  # one supervised worker process
            setup_logging(f"worker-{index}")
            worker_process(settings, index=index, threads=threads)
            return
        setup_logging("workers")
        count = processes or settings.worker_processes
        me = [sys.executable, "-m", "interview_jobs.cli", "worker", "--threads", str(threads)]
        # The workers share the machine's cores: tell each how many siblings it has.
        env = {"INTERVIEW_JOBS_WORKER_PROCESSES": str(count)}
        supervisor = Supervisor(
            [Program(f"worker-{i}", [*me, "--index", str(i)], env) for i in range(count)],
            stop_timeout=settings.worker_shutdown_grace_seconds + 60,
        )
        supervisor.install_signal_handlers()
        raise typer.Exit(supervisor.run())
