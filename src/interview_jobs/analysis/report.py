"""A readable report of an analysis object (for the CLI)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from interview_jobs.analysis.feedback import clock
from interview_jobs.analysis.scoring import LABELS

_SEVERITY_STYLE = {"info": "green", "suggestion": "yellow", "warning": "red"}


def _fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def _pct(value: Any) -> str:
    return "–" if value is None else f"{value:.0%}"


def render_report(result: dict[str, Any], console: Console) -> None:
    metrics = result.get("metrics", {})
    duration = clock(metrics.get("durationSeconds", 0))
    label = result.get("label") or f"Interview analysis ({result.get('analysisType')})"
    title = f"{label} — {duration}"
    console.print(
        Panel(f"[bold]{result['score']:.0f}/100[/bold]  {result['summary']}", title=title)
    )
    render_answers(result, console)

    subs = result.get("subScores") or {}
    if subs:
        table = Table(title="Sub-scores", show_header=False, box=None)
        for key, value in subs.items():
            colour = "green" if value >= 80 else "yellow" if value >= 60 else "red"
            table.add_row(LABELS.get(key, key), f"[{colour}]{value:.0f}[/{colour}]")
        console.print(table)

    speech = metrics.get("speech")
    if speech:
        table = Table(title="Speech", show_header=False, box=None)
        fillers = speech["fillerWords"]
        pauses = speech["pauses"]
        by_word = ", ".join(f"{w} ×{n}" for w, n in fillers["byWord"].items()) or "none"
        table.add_row("pace", _fmt(speech["wordsPerMinute"], " wpm", 0))
        table.add_row("speaking", _pct(speech["speakingRatio"]) + " of the time")
        table.add_row(
            "filler words", f"{fillers['total']} ({fillers['perMinute']:.1f}/min): {by_word}"
        )
        table.add_row(
            "pauses",
            f"{pauses['count']} ≥ {pauses.get('minSeconds', 1.0):g} s, "
            f"longest {pauses['longestSeconds']:.1f} s",
        )
        table.add_row(
            "pitch",
            f"{_fmt(speech['pitch']['meanHz'], ' Hz', 0)} ± "
            f"{_fmt(speech['pitch'].get('stdSemitones'), ' st')}",
        )
        table.add_row(
            "loudness",
            f"{_fmt(speech['loudness'].get('meanDbfs'), ' dBFS')} ± "
            f"{_fmt(speech['loudness']['stdDb'], ' dB')}",
        )
        console.print(table)
    visual = metrics.get("visual")
    if visual:
        table = Table(title="Picture", show_header=False, box=None)
        table.add_row("face visible", _pct(visual["facePresenceRatio"]))
        table.add_row("eye contact", _pct(visual["eyeContactRatio"]))
        table.add_row("several faces", _pct(visual["multipleFacesRatio"]))
        framing = visual.get("framing") or {}
        lighting = visual.get("lighting") or {}
        table.add_row("framing", str(framing.get("verdict", "–")))
        table.add_row("lighting", str(lighting.get("verdict", "–")))
        console.print(table)

    if result.get("feedback"):
        table = Table(title="Feedback", show_header=True, box=None)
        table.add_column("at")
        table.add_column("")
        table.add_column("message")
        for item in result["feedback"]:
            at = clock(item["atSeconds"]) if item.get("atSeconds") is not None else ""
            style = _SEVERITY_STYLE.get(item["severity"], "")
            table.add_row(at, f"[{style}]{item['category']}[/{style}]", item["message"])
        console.print(table)

    transcript = result.get("transcript")
    if transcript and transcript.get("text"):
        console.print(Panel(transcript["text"], title="Transcript"))
    timings = result.get("timingsSeconds") or {}
    if timings:
        console.print(
            "[dim]timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()) + "[/dim]"
        )


_STAR = ("situation", "task", "action", "result")


def _star_strip(star: dict[str, Any] | None) -> str:
    if not star:
        return "–"
    return " ".join(
        f"[green]{p[0].upper()}[/green]" if star[p]["present"] else f"[dim]{p[0].lower()}[/dim]"
        for p in _STAR
    )


def render_answers(result: dict[str, Any], console: Console) -> None:
    """Each answer: its question and time range, scores, STAR strip, measures and feedback."""
    answers = result.get("answers") or []
    if not answers:
        return
    split = result.get("answersSplit") or {}
    table = Table(
        title=f"Answers (split by {split.get('method', '?')})", show_header=True, box=None
    )
    for column in ("", "time", "question", "score", "content", "delivery", "STAR", "relevance"):
        table.add_column(column)
    for answer in answers:
        question = answer.get("question")
        content = answer.get("content") or {}
        relevance = content.get("relevance")
        table.add_row(
            f"Q{answer['index'] + 1}" if question else "–",
            f"{clock(answer['start'])}–{clock(answer['end'])}",
            (question or {}).get("text") or "[dim](no question)[/dim]",
            f"{answer['score']:.0f}",
            _fmt(answer.get("contentScore"), digits=0),
            _fmt(answer.get("deliveryScore"), digits=0),
            _star_strip(content.get("star")),
            "–" if relevance is None else f"{relevance:.2f}",
        )
    console.print(table)
    for answer in answers:
        content = answer.get("content") or {}
        delivery = answer.get("delivery") or {}
        spec = content.get("specificity") or {}
        own = content.get("ownership") or {}
        length = content.get("length") or {}
        lines = [
            f"{length.get('seconds', 0):.0f} s, {length.get('words', 0)} words "
            f"(aim {length.get('targetSeconds', ['?', '?'])[0]:g}–"
            f"{length.get('targetSeconds', ['?', '?'])[1]:g} s); "
            f"{_fmt(delivery.get('wordsPerMinute'), ' wpm', 0)}; "
            f"{(delivery.get('fillerWords') or {}).get('total', 0)} fillers; "
            f"eye contact {_pct(delivery.get('eyeContactRatio'))}",
            f"specifics {spec.get('per100Words', 0):.1f}/100 words; I {own.get('i', 0)} vs we "
            f"{own.get('we', 0)}; ends with "
            f"{(content.get('closing') or {}).get('endsWith', '–')}",
        ]
        for item in answer.get("feedback") or []:
            style = _SEVERITY_STYLE.get(item["severity"], "")
            lines.append(f"[{style}]•[/{style}] {item['message']}")
        label = f"Q{answer['index'] + 1}" if answer.get("question") else "Answer"
        console.print(Panel("\n".join(lines), title=label, title_align="left"))
