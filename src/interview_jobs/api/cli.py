"""Commands of the api room (registered by interview_jobs.cli)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this room's commands to the main CLI."""
