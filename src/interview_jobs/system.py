"""``interview-jobs up``: the whole system on one machine, embedded default.

Starts the API service and the AI backend (which, without BROKER_URL, runs the workers itself) as
two supervised processes on one DATA_DIR: SQLite, local files, secrets generated on first start.

Ports: ``up``, ``api`` and ``ai`` claim their ports before anything else and stop with "port N is
in use" (exit code 3) when another process listens there — a second ``up`` beside a running one
must not read the first one's /health and call itself up, nor have its AI backend send results
(and their key) to the other API.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import time
from typing import Annotated

import httpx
import typer

from interview_jobs.config import ConfigError
from interview_jobs.supervise import EXIT_PORT_IN_USE


class PortInUse(OSError):
    """Another socket is bound to the port."""


def bind_port(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` the way uvicorn binds one (``SO_REUSEADDR``, so a port
    left in TIME_WAIT is free but one with a listener is not); :class:`PortInUse` if taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(exc.errno, f"port {port} is in use") from exc
        raise
    return sock


def claim_port(host: str, port: int) -> socket.socket:
    """:func:`bind_port` for a serving command: says why and exits when the port can't be had."""
    try:
        return bind_port(host, port)
    except PortInUse:
        typer.echo(
            f"port {port} is in use ({host}:{port}): another server listens there; stop it "
            "or choose another port with --port",
            err=True,
        )
        raise typer.Exit(EXIT_PORT_IN_USE) from None
    except OSError as exc:
        typer.echo(f"cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_PORT_IN_USE) from None


def ensure_port_free(host: str, port: int) -> None:
    """Exit with "port N is in use" unless ``host:port`` can be bound now (the command that
    checks then binds it itself, a moment later)."""
    claim_port(host, port).close()


def _internal_host(host: str) -> str:
    """The address the other process uses to reach a server listening on ``host``."""
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104


def register(app: typer.Typer) -> None:
    @app.command("up")
    def up(
        host: Annotated[str, typer.Option(help="address of the API and web page")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port of the API and web page")] = 8000,
        ai_port: Annotated[int, typer.Option(help="port of the AI backend")] = 8001,
    ) -> None:
        """Run everything: API + web page, AI backend and its workers (embedded default)."""
        from pydantic import ValidationError

        from interview_jobs.config import get_settings
        from interview_jobs.logs import setup_logging
        from interview_jobs.supervise import Program, Supervisor

        setup_logging("up")
        try:
            settings = get_settings()  # creates DATA_DIR/secrets.json before the children start
        except (ConfigError, ValidationError) as exc:
            typer.echo(f"configuration error: {exc}", err=True)
            raise typer.Exit(2) from exc
        # Both ports first: the children would otherwise fail one by one, after the migration.
        ensure_port_free(host, port)
        ensure_port_free("127.0.0.1", ai_port)
        data_dir = str(settings.data_dir.resolve())
        api_url = f"http://{_internal_host(host)}:{port}"
        env = {
            "INTERVIEW_JOBS_DATA_DIR": data_dir,
            "INTERVIEW_JOBS_API_URL": api_url,
            "INTERVIEW_JOBS_AI_URL": f"http://127.0.0.1:{ai_port}",
        }
        me = [sys.executable, "-m", "interview_jobs.cli"]
        migrated = subprocess.run([*me, "db", "upgrade"], env={**os.environ, **env}, check=False)  # noqa: S603
        if migrated.returncode != 0:
            raise typer.Exit(migrated.returncode)
        supervisor = Supervisor(
            [
                Program("api", [*me, "api", "--host", host, "--port", str(port)], env),
                Program("ai", [*me, "ai", "--host", "127.0.0.1", "--port", str(ai_port)], env),
            ],
            stop_timeout=30,
        )
        supervisor.install_signal_handlers()
        announced = False
        started = time.monotonic()

        def announce() -> None:
            # Only our own children's health: both must be running (a child that lost its port
            # has exited) before and after their ports answer.
            nonlocal announced
            if announced or not supervisor.all_running():
                return
            try:
                api_ok = httpx.get(f"{api_url}/health", timeout=1).status_code == 200
                ai_ok = (
                    httpx.get(f"http://127.0.0.1:{ai_port}/health", timeout=1).status_code == 200
                )
            except httpx.HTTPError:
                return
            if api_ok and ai_ok and supervisor.all_running():
                announced = True
                typer.echo(
                    f"\n  Interview Job System is up ({time.monotonic() - started:.1f} s): "
                    f"http://{_internal_host(host)}:{port}/\n  data: {data_dir}   stop: Ctrl-C\n",
                    err=True,
                )

        raise typer.Exit(supervisor.run(on_tick=announce))
