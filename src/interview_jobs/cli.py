"""The one command line: ``interview-jobs``.

Each room of the project (api, ai, analysis, client) contributes its commands through a
``register(app)`` function in its own ``cli`` module, so that this file never grows with their
details. Those modules keep their heavy imports (FastAPI, models, PyAV…) inside the command bodies:
``interview-jobs --help`` must stay fast.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(
    name="interview-jobs",
    help="Asynchronous, offline analysis of recorded job interviews.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Order is the order of `--help`.
COMMAND_MODULES = (
    "interview_jobs.api.cli",
    "interview_jobs.ai.cli",
    "interview_jobs.system",
    "interview_jobs.analysis.cli",
    "interview_jobs.client.cli",
)


def _offline_questions(
    video: Path, texts: list[str], file: Path | None
) -> list[dict[str, Any]] | None:
    """``analyze --question``: the questions checked as the API checks them (their times against
    the video's length too) and resolved against the bank, as the AI backend does. Here, because
    the analysis room imports nothing from the contracts."""
    from interview_jobs.analysis import AnalysisError, probe
    from interview_jobs.client.questions import read_questions
    from interview_jobs.contracts.questions import check_times, resolve

    questions = read_questions(texts, file)
    if questions is None:
        return None
    try:
        duration: float | None = probe(video).duration_seconds
    except AnalysisError:
        duration = None  # the analysis says what is wrong with the file
    check_times(questions, duration)
    return resolve(questions)


# What a room's register() needs from the root, besides the app.
_REGISTER_WITH: dict[str, dict[str, Any]] = {
    "interview_jobs.analysis.cli": {"read_questions": _offline_questions},
}

for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app, **_REGISTER_WITH.get(_module, {}))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
