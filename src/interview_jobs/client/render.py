"""How the CLI shows jobs and reports in a terminal (rich)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

STATUS_STYLE = {
    "PENDING": "blue",
    "PROCESSING": "cyan",
    "COMPLETED": "green",
    "FAILED": "red",
    "CANCELLED": "dim",
}
SEVERITY_STYLE = {"info": "green", "suggestion": "yellow", "warning": "red"}


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def when(iso: str | None, *, short: bool = False) -> str:
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso).astimezone()
        return moment.strftime("%d %b %H:%M" if short else "%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def video_name(job: dict[str, Any]) -> str:
    if job.get("fileName"):
        return str(job["fileName"])
    file_id = job.get("fileId")
    if isinstance(file_id, int):
        return f"file #{file_id}"
    url = str(job.get("videoUrl") or "")
    parts = urlsplit(url)
    tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return f"{tail} ({parts.hostname})" if tail and parts.hostname else url


def status_text(job: dict[str, Any]) -> Text:
    status = str(job.get("status"))
    label = status
    if status == "PROCESSING" and isinstance(job.get("progress"), int):
        label = f"{status} {job['progress']}%"
    return Text(label, style=STATUS_STYLE.get(status, ""))


def jobs_table(jobs: list[dict[str, Any]]) -> Table:
    # Fits 80 columns: the full job id (needed for `report`), then the rest.
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
        header_style="bold",
    )
    table.add_column("Job ID", no_wrap=True, min_width=36)
    table.add_column("Status", no_wrap=True)
    table.add_column("Created", no_wrap=True)
    table.add_column("Video", min_width=12, overflow="fold")
    for job in jobs:
        table.add_row(
            str(job.get("jobId")),
            status_text(job),
            when(job.get("createdAt"), short=True),
            Text.assemble(video_name(job), (f" · {job.get('analysisType', '')}", "dim")),
        )
    return table


def _pct(ratio: Any) -> str:
    return f"{round(ratio * 100)} %" if isinstance(ratio, int | float) else "–"


def _num(value: Any, digits: int = 0) -> str:
    if not isinstance(value, int | float):
        return "–"
    return f"{value:.{digits}f}"


def report_renderable(detail: dict[str, Any]) -> Group:
    """The whole report of a COMPLETED job's detail as one printable group."""
    report: dict[str, Any] = detail.get("detailedAnalysis") or {}
    parts: list[Any] = []
    score = report.get("score")
    title = Text.assemble(
        ("Score ", "bold"),
        (f"{round(score)}" if isinstance(score, int | float) else "–", "bold green"),
        (" / 100", "dim"),
    )
    header = Group(
        title,
        Text(
            f"{video_name(detail)} · {detail.get('analysisType')} analysis · "
            f"job {detail.get('jobId')}",
            style="dim",
        ),
        Text(str(report.get("summary") or "")),
    )
    parts.append(Panel(header, title="Interview report", title_align="left"))

    subs = report.get("subScores")
    if isinstance(subs, dict) and subs:
        table = Table(title="Sub-scores", title_justify="left", show_header=False, box=None)
        table.add_column("name")
        table.add_column("bar")
        table.add_column("value", justify="right")
        for name, value in subs.items():
            if isinstance(value, int | float):
                filled = round(value / 5)
                table.add_row(
                    str(name).replace("_", " "), "█" * filled + "·" * (20 - filled), f"{value:.0f}"
                )
        parts.append(table)

    feedback = report.get("feedback") or []
    if feedback:
        table = Table(title="Feedback", title_justify="left", show_header=False, box=None)
        table.add_column("at", no_wrap=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("message")
        for item in feedback:
            severity = str(item.get("severity", "info"))
            at = item.get("atSeconds")
            table.add_row(
                clock(at) if isinstance(at, int | float) else "",
                Text(severity, style=SEVERITY_STYLE.get(severity, "")),
                Text(f"{item.get('category', '')}: {item.get('message', '')}"),
            )
        parts.append(table)

    metrics = report.get("metrics") or {}
    rows: list[tuple[str, str]] = [("Length", clock(metrics.get("durationSeconds")))]
    speech = metrics.get("speech")
    if isinstance(speech, dict):
        fillers = speech.get("fillerWords") or {}
        pauses = speech.get("pauses") or {}
        by_word = ", ".join(f"{w} ×{n}" for w, n in (fillers.get("byWord") or {}).items())
        rows += [
            ("Pace", f"{_num(speech.get('wordsPerMinute'))} words per minute"),
            ("Speaking time", _pct(speech.get("speakingRatio"))),
            (
                "Filler words",
                f"{fillers.get('total', '–')} ({_num(fillers.get('perMinute'), 1)} per minute)"
                + (f": {by_word}" if by_word else ""),
            ),
            (
                "Pauses",
                f"{pauses.get('count', '–')}, {_num(pauses.get('totalSeconds'), 1)} s in all, "
                f"longest {_num(pauses.get('longestSeconds'), 1)} s",
            ),
        ]
    visual = metrics.get("visual")
    if isinstance(visual, dict):
        rows += [
            ("Face visible", _pct(visual.get("facePresenceRatio"))),
            ("Eye contact", _pct(visual.get("eyeContactRatio"))),
        ]
    table = Table(title="Measurements", title_justify="left", show_header=False, box=None)
    table.add_column("what", style="dim")
    table.add_column("value")
    for name, value in rows:
        table.add_row(name, escape(value))
    parts.append(table)

    transcript = report.get("transcript")
    if isinstance(transcript, dict) and transcript.get("words"):
        text = Text()
        for word in transcript["words"]:
            token = str(word.get("word", "")).strip()
            text.append(token, style="bold magenta" if word.get("filler") else "")
            text.append(" ")
        parts.append(Panel(text, title="Transcript (fillers in bold)", title_align="left"))
    return Group(*parts)


def print_report(console: Console, detail: dict[str, Any]) -> None:
    console.print(report_renderable(detail))
