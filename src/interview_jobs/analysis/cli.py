"""Commands of the analysis room (registered by interview_jobs.cli): ``interview-jobs analyze``."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

#: Turns ``--question``/``--questions-file`` into the pipeline's plain question dicts for the
#: video, or raises ``ValueError`` saying what is wrong. This room cannot read the question bank
#: (it imports nothing from the contracts): the root CLI, which can, gives one to :func:`register`.
QuestionsReader = Callable[[Path, list[str], Path | None], list[dict[str, Any]] | None]
_read_questions: list[QuestionsReader] = []


class AnalysisTypeChoice(StrEnum):
    comprehensive = "comprehensive"
    speech = "speech"
    visual = "visual"


def register(app: typer.Typer, *, read_questions: QuestionsReader | None = None) -> None:
    """Add this room's commands to the main CLI."""
    _read_questions[:] = [read_questions] if read_questions is not None else []
    app.command("analyze")(analyze)


def analyze(
    video: Annotated[Path, typer.Argument(help="A local video file (mp4, webm, mov, mkv…)")],
    analysis_type: Annotated[
        AnalysisTypeChoice, typer.Option("--type", "-t", help="What to analyse")
    ] = AnalysisTypeChoice.comprehensive,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print exactly the analysis JSON object on stdout")
    ] = False,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="ASR model: base, tiny.en or a faster-whisper model dir "
            "(default: the ASR_MODEL setting)",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display")] = False,
    question: Annotated[
        list[str] | None,
        typer.Option(
            "--question",
            metavar="TEXT",
            help="An interview question, in the order asked (repeat it); '1:05 Why us?' says "
            "when it was asked; a bank id (beh-001) picks a question of the bank",
            show_default=False,
        ),
    ] = None,
    questions_file: Annotated[
        Path | None,
        typer.Option(
            "--questions-file",
            metavar="FILE",
            help="Questions, one per line as for --question, or a JSON array of the API's "
            "items (before any --question)",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Analyse an interview video offline and print a report (or its JSON)."""
    # Heavy imports stay here so that `interview-jobs --help` stays fast.
    import json
    import sys

    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from interview_jobs.analysis import AnalysisError, AnalysisOptions, Analyzer
    from interview_jobs.client.render import report_renderable
    from interview_jobs.config import Settings

    err = Console(stderr=True)
    settings = Settings()
    overrides = {"asr_model": model} if model else {}
    try:
        options = AnalysisOptions.from_settings(settings, **overrides)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    questions = None
    if question or questions_file is not None:
        if not _read_questions:
            err.print("[red]error:[/red] questions need the interview-jobs command line")
            raise typer.Exit(2)
        try:
            questions = _read_questions[0](video, question or [], questions_file)
        except ValueError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from exc
    analyzer = Analyzer(options)
    show_progress = not quiet and err.is_terminal
    try:
        if show_progress:
            with Progress(
                TextColumn("[bold]{task.description:<18}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as bar:
                task = bar.add_task("starting", total=1.0)
                result = analyzer.analyze(
                    video,
                    analysis_type=analysis_type.value,
                    progress=lambda f, stage: bar.update(task, completed=f, description=stage),
                    questions=questions,
                )
        else:
            last = [-1]

            def plain(fraction: float, stage: str) -> None:
                if quiet:
                    return
                pct = int(fraction * 100)
                if pct // 10 != last[0] // 10 or fraction >= 1.0:
                    last[0] = pct
                    print(f"{pct:3d}% {stage}", file=sys.stderr, flush=True)

            result = analyzer.analyze(
                video, analysis_type=analysis_type.value, progress=plain, questions=questions
            )
    except AnalysisError as exc:
        from rich.markup import escape

        # A file that cannot be analysed is bad usage (2, as for the client commands); a model
        # that is missing or corrupt is the installation's problem (3).
        err.print(f"[red]error ({exc.code}):[/red] {escape(str(video))}: {escape(str(exc))}")
        raise typer.Exit(2 if exc.is_input_error else 3) from exc
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        Console().print(report_renderable(result))
