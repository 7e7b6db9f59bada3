"""Commands of the analysis room (registered by interview_jobs.cli): ``interview-jobs analyze``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class AnalysisTypeChoice(StrEnum):
    comprehensive = "comprehensive"
    speech = "speech"
    visual = "visual"


def register(app: typer.Typer) -> None:
    """Add this room's commands to the main CLI."""
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
) -> None:
    """Analyse an interview video offline and print a report (or its JSON)."""
    # Heavy imports stay here so that `interview-jobs --help` stays fast.
    import json
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from interview_jobs.analysis import AnalysisError, AnalysisOptions, Analyzer
    from interview_jobs.analysis.report import render_report
    from interview_jobs.config import Settings

    err = Console(stderr=True)
    settings = Settings()
    overrides = {"asr_model": model} if model else {}
    try:
        options = AnalysisOptions.from_settings(settings, **overrides)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
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

            result = analyzer.analyze(video, analysis_type=analysis_type.value, progress=plain)
    except AnalysisError as exc:
        err.print(f"[red]error ({exc.code}):[/red] {exc}")
        raise typer.Exit(1 if exc.is_input_error else 3) from exc
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        render_report(result, Console())
