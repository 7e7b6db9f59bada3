"""The one command line: ``interview-jobs``.

Each room of the project (api, ai, analysis, client) contributes its commands through a
``register(app)`` function in its own ``cli`` module, so that this file never grows with their
details. Those modules keep their heavy imports (FastAPI, models, PyAV…) inside the command bodies:
``interview-jobs --help`` must stay fast.
"""

from __future__ import annotations

import importlib

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

for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
