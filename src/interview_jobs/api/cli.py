"""Commands of the api room (registered by interview_jobs.cli): ``api``, ``db upgrade``,
``user create``,
``purge``. Heavy imports stay inside the command bodies so that ``--help`` is fast."""

from __future__ import annotations

from typing import Annotated, Any

import typer

db_app = typer.Typer(help="Database schema (Alembic migrations shipped in the package).")
user_app = typer.Typer(help="Users of the API.")


def register(app: typer.Typer) -> None:
    """Add this room's commands to the main CLI."""
    app.command("api", help="Serve the API service (uvicorn).")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    app.command("purge", help="Delete uploads past their retention (VIDEO_RETENTION_DAYS).")(purge)


def serve(
    host: Annotated[str | None, typer.Option(help="default: API_HOST (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="default: API_PORT (8000)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes")] = 1,
    upgrade: Annotated[bool, typer.Option(help="apply pending migrations before serving")] = True,
    log_level: Annotated[str, typer.Option()] = "info",
) -> None:
    import uvicorn

    from interview_jobs.api import migrate
    from interview_jobs.config import get_settings
    from interview_jobs.logs import setup_logging, uvicorn_log_config
    from interview_jobs.system import ensure_port_free

    setup_logging("api")
    settings = get_settings()  # resolves (and in development generates) the secrets first
    ensure_port_free(host or settings.api_host, port or settings.api_port)  # exits 3 if taken
    if upgrade:
        migrate.upgrade(settings.resolved_database_url)
    uvicorn.run(
        "interview_jobs.api.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        log_level=log_level,
        # uvicorn's default config gives its loggers handlers of their own, past the redacting
        # filter: the access log then kept the signature of every signed file URL.
        log_config=uvicorn_log_config("api"),
        proxy_headers=True,
    )


@db_app.command("upgrade", help="Apply all migrations (creates the schema on an empty database).")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="target revision")] = "head",
) -> None:
    from interview_jobs.api import migrate
    from interview_jobs.config import get_settings

    settings = get_settings()
    migrate.upgrade(settings.resolved_database_url, revision)
    typer.echo(f"database at {revision}: {_safe_url(settings.resolved_database_url)}")


@user_app.command("create", help="Create a user (prompts for the password if not given).")
def user_create(
    username: str,
    password: Annotated[
        str | None, typer.Option(help="prompted (hidden) when omitted", show_default=False)
    ] = None,
) -> None:
    import asyncio

    from pydantic import ValidationError

    from interview_jobs.api.auth.schemas import Credentials

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        creds = Credentials(username=username, password=password)
    except ValidationError as exc:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        raise typer.BadParameter(problems) from None
    user_id = asyncio.run(_create_user(creds.username, creds.password))
    typer.echo(f"created user {creds.username} (id {user_id})")


async def _create_user(username: str, password: str) -> int:
    from interview_jobs.api.auth import service
    from interview_jobs.api.context import AppContext
    from interview_jobs.api.db import Database
    from interview_jobs.api.errors import AppError
    from interview_jobs.config import get_settings

    settings = get_settings()
    db = Database(settings.resolved_database_url)
    ctx = AppContext.build(settings, db)
    try:
        async with db.sessionmaker() as session, session.begin():
            user = await service.register(ctx, session, username, password)
            return user.id
    except AppError as exc:
        raise typer.BadParameter(exc.message) from None
    finally:
        await db.dispose()


def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list what would be deleted; delete nothing")
    ] = False,
) -> None:
    """One retention purge, as the API's loop runs it (safe beside running API processes)."""
    import asyncio

    from interview_jobs.config import get_settings

    settings = get_settings()
    done = asyncio.run(_purge(dry_run))
    verb = "would delete" if dry_run else "deleted"
    for item in done.deleted:
        typer.echo(
            f"{verb} file {item.file_id} of user {item.user_id} ({item.original_file_name}, "
            f"{item.file_size} bytes, uploaded {item.uploaded_at:%Y-%m-%d %H:%M} UTC)"
        )
    retention = settings.video_retention_days
    policy = f"server retention {retention} days" if retention else "no server retention"
    typer.echo(f"{verb} {len(done.deleted)} videos, {done.bytes} bytes ({policy})")


async def _purge(dry_run: bool) -> Any:
    from interview_jobs.api.context import AppContext
    from interview_jobs.api.db import Database
    from interview_jobs.api.files import retention
    from interview_jobs.config import get_settings

    settings = get_settings()
    db = Database(settings.resolved_database_url)
    ctx = AppContext.build(settings, db)
    await ctx.store.start()
    try:
        return await retention.purge(ctx, dry_run=dry_run)
    finally:
        await ctx.store.aclose()
        await db.dispose()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
