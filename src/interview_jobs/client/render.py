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


def time_left(job: dict[str, Any], now: datetime | None = None) -> str | None:
    """ "about 3 min left" from the job's estimatedCompletionTime (None without one, or once the
    job is over)."""
    iso = job.get("estimatedCompletionTime")
    if not iso or str(job.get("status")) not in ("PENDING", "PROCESSING"):
        return None
    try:
        eta = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return None
    seconds = (eta - (now or datetime.now(eta.tzinfo))).total_seconds()
    if seconds < 60:
        return "less than a minute left"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min left"
    return f"about {seconds / 3600:.1f} h left"


def activity(job: dict[str, Any], now: datetime | None = None) -> str:
    """What a waiting or running job is doing, in words: its phase, progress and time left."""
    phase = job.get("phase") or ("queued" if job.get("status") == "PENDING" else "analysing")
    words = {"queued": "queued", "downloading": "downloading the video"}.get(phase, str(phase))
    progress = job.get("progress")
    if job.get("status") == "PROCESSING" and isinstance(progress, int) and progress > 0:
        words += f" {progress}%"
    left = time_left(job, now)
    return f"{words} · {left}" if left else words


def status_text(job: dict[str, Any]) -> Text:
    status = str(job.get("status"))
    label = status
    if status == "PROCESSING" and isinstance(job.get("progress"), int):
        label = f"{status} {job['progress']}%"
    text = Text(label, style=STATUS_STYLE.get(status, ""))
    if status in ("PENDING", "PROCESSING") and job.get("phase"):
        text.append(f" {job['phase']}", style="dim")
    return text


def score_text(score: Any) -> Text:
    if not isinstance(score, int | float):
        return Text("–", style="dim")
    return Text(f"{round(score)}", style="bold")


def jobs_table(jobs: list[dict[str, Any]], scores: dict[str, Any] | None = None) -> Table:
    """The jobs, one line each (a long name is cut, never wrapped), with the score of each
    COMPLETED one given in ``scores`` (by jobId)."""
    scores = scores or {}
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
    table.add_column("Score", no_wrap=True, justify="right")
    table.add_column("Created", no_wrap=True)
    table.add_column("Video", min_width=12, no_wrap=True, overflow="ellipsis")
    for job in jobs:
        table.add_row(
            str(job.get("jobId")),
            status_text(job),
            score_text(scores.get(str(job.get("jobId")))),
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


def _label(name: str) -> str:
    """A sub-score's key in words ("eyeContact" → "eye contact")."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).replace("_", " ")


def report_renderable(report: dict[str, Any], job: dict[str, Any] | None = None) -> Group:
    """The whole report of an analysis object as one printable group: `interview-jobs report`
    (a COMPLETED job's ``detailedAnalysis``, with ``job`` for its header line) and
    `interview-jobs analyze` (the offline result) print the same thing."""
    parts: list[Any] = []
    metrics = report.get("metrics") or {}
    score = report.get("score")
    title = Text.assemble(
        ("Score ", "bold"),
        (f"{round(score)}" if isinstance(score, int | float) else "–", "bold green"),
        (" / 100", "dim"),
    )
    label = report.get("label") or f"Interview analysis ({report.get('analysisType')})"
    lines: list[Any] = [title, Text(f"{label} — {clock(metrics.get('durationSeconds'))}")]
    if job is not None:
        lines.append(
            Text(
                f"{video_name(job)} · {job.get('analysisType')} analysis · job {job.get('jobId')}",
                style="dim",
            )
        )
    lines.append(Text(str(report.get("summary") or "")))
    parts.append(Panel(Group(*lines), title="Interview report", title_align="left"))

    answers = report.get("answers") or []
    if answers:
        parts.append(answers_table(answers, (report.get("answersSplit") or {}).get("method")))
        parts += [answer_panel(answer) for answer in answers]

    subs = report.get("subScores")
    if isinstance(subs, dict) and subs:
        table = Table(title="Sub-scores", title_justify="left", show_header=False, box=None)
        table.add_column("name")
        table.add_column("bar")
        table.add_column("value", justify="right")
        for name, value in subs.items():
            if isinstance(value, int | float):
                filled = round(value / 5)
                table.add_row(_label(str(name)), "█" * filled + "·" * (20 - filled), f"{value:.0f}")
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

    table = Table(title="Measurements", title_justify="left", show_header=False, box=None)
    table.add_column("what", style="dim")
    table.add_column("value")
    for name, value in _measurements(metrics):
        table.add_row(name, escape(value))
    parts.append(table)

    transcript = report.get("transcript")
    if isinstance(transcript, dict) and transcript.get("words"):
        text = Text()
        for word in transcript["words"]:
            if word.get("kind") == "hesitation":
                text.append("(…)", style="dim")  # a hesitation heard in the sound, not a word
            else:
                token = str(word.get("word", "")).strip()
                text.append(token, style="bold magenta" if word.get("filler") else "")
            text.append(" ")
        parts.append(Panel(text, title="Transcript (fillers in bold)", title_align="left"))
    timings = report.get("timingsSeconds") or {}
    if timings:
        parts.append(
            Text("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()), style="dim")
        )
    return Group(*parts)


def _measurements(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [("Length", clock(metrics.get("durationSeconds")))]
    speech = metrics.get("speech")
    if isinstance(speech, dict):
        fillers = speech.get("fillerWords") or {}
        pauses = speech.get("pauses") or {}
        pitch = speech.get("pitch") or {}
        loudness = speech.get("loudness") or {}
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
            (
                "Pitch",
                f"{_num(pitch.get('meanHz'))} Hz ± {_num(pitch.get('stdSemitones'), 1)} semitones",
            ),
            (
                "Loudness",
                f"{_num(loudness.get('meanDbfs'), 1)} dBFS ± {_num(loudness.get('stdDb'), 1)} dB",
            ),
        ]
    visual = metrics.get("visual")
    if isinstance(visual, dict):
        rows += [
            ("Face visible", _pct(visual.get("facePresenceRatio"))),
            ("Eye contact", _pct(visual.get("eyeContactRatio"))),
            ("Several faces", _pct(visual.get("multipleFacesRatio"))),
            ("Framing", str((visual.get("framing") or {}).get("verdict", "–"))),
            ("Lighting", str((visual.get("lighting") or {}).get("verdict", "–"))),
        ]
    return rows


STAR_PARTS = ("situation", "task", "action", "result")


def star_strip(star: Any) -> Text:
    """``S T A R`` with the parts the answer has in bold green, the missing ones dim."""
    if not isinstance(star, dict):
        return Text("–", style="dim")
    text = Text()
    for part in STAR_PARTS:
        present = isinstance(star.get(part), dict) and star[part].get("present")
        text.append(part[0].upper(), style="bold green" if present else "dim")
        text.append(" ")
    return text


def _answer_label(answer: dict[str, Any]) -> str:
    return f"Q{int(answer.get('index', 0)) + 1}" if answer.get("question") else "Answer"


def answers_table(answers: list[dict[str, Any]], method: str | None = None) -> Table:
    """One row per answer: its question, time range, scores, STAR parts and relevance; the
    strongest and weakest marked."""
    scored = [a for a in answers if isinstance(a.get("score"), int | float)]
    best = max(scored, key=lambda a: a["score"]) if len(scored) > 1 else None
    worst = min(scored, key=lambda a: a["score"]) if len(scored) > 1 else None
    if best is not None and worst is not None and best["score"] == worst["score"]:
        best = worst = None
    title = f"Answers (split by {method})" if method else "Answers"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, header_style="bold")
    table.add_column("Q", no_wrap=True)
    table.add_column("Question", overflow="fold")
    table.add_column("Time", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Content", justify="right", no_wrap=True)
    table.add_column("Delivery", justify="right", no_wrap=True)
    table.add_column("STAR", no_wrap=True)
    table.add_column("Relevance", justify="right", no_wrap=True)
    for answer in answers:
        question = answer.get("question")
        text = str(question.get("text")) if isinstance(question, dict) else "(question not known)"
        mark = " (strongest)" if answer is best else " (weakest)" if answer is worst else ""
        content = answer.get("content") or {}
        table.add_row(
            _answer_label(answer),
            Text.assemble(text, (mark, "bold")),
            f"{clock(answer.get('start'))}–{clock(answer.get('end'))}",
            _num(answer.get("score")),
            _num(answer.get("contentScore")),
            _num(answer.get("deliveryScore")),
            star_strip(content.get("star")),
            _pct(content.get("relevance")),
        )
    return table


def answer_panel(answer: dict[str, Any]) -> Panel:
    """One answer's measures (length against its aim, pace, fillers, eye contact, specifics,
    I vs we, how it ends) and its feedback."""
    content = answer.get("content") or {}
    delivery = answer.get("delivery") or {}
    spec = content.get("specificity") or {}
    own = content.get("ownership") or {}
    length = content.get("length") or {}
    aim = length.get("targetSeconds")
    ends = (content.get("closing") or {}).get("endsWith", "–")
    lines = [
        Text(
            f"{_num(length.get('seconds'))} s, {length.get('words', 0)} words"
            + (f" (aim {aim[0]:g}–{aim[1]:g} s)" if isinstance(aim, list) and len(aim) == 2 else "")
            + f"; {_num(delivery.get('wordsPerMinute'))} words per minute; "
            f"{(delivery.get('fillerWords') or {}).get('total', 0)} fillers; "
            f"eye contact {_pct(delivery.get('eyeContactRatio'))}"
        ),
        Text(
            f"specifics {_num(spec.get('per100Words'), 1)} per 100 words; I {own.get('i', 0)} vs "
            f"we {own.get('we', 0)}; ends with {ends}"
        ),
    ]
    for item in answer.get("feedback") or []:
        style = SEVERITY_STYLE.get(str(item.get("severity")), "")
        lines.append(Text.assemble(("• ", style), str(item.get("message", ""))))
    return Panel(Group(*lines), title=_answer_label(answer), title_align="left")


def print_report(console: Console, detail: dict[str, Any]) -> None:
    """A job's report (its detail, as `GET …/detail` answers)."""
    console.print(report_renderable(detail.get("detailedAnalysis") or {}, job=detail))


# ---- progress (`interview-jobs progress`) ----
SPARKS = "▁▂▃▄▅▆▇█"
TREND_POINTS = 20
# (key in the API's answer, label, how to show a value, which way is better: +1 up, -1 down,
# 0 neither (a target range))
PROGRESS_MEASURES: tuple[tuple[str, str, str, int], ...] = (
    ("score", "Overall score", "score", 1),
    ("contentScore", "Content score", "score", 1),
    ("deliveryScore", "Delivery score", "score", 1),
    ("wordsPerMinute", "Pace (words/min)", "int", 0),
    ("fillersPerMinute", "Fillers per minute", "one", -1),
    ("eyeContactRatio", "Eye contact", "pct", 1),
    ("pausesPerMinute", "Pauses per minute", "one", 0),
    ("answerSeconds", "Answer length", "clock", 0),
    ("starCompleteness", "STAR completeness", "pct", 1),
)


def sparkline(values: list[Any]) -> str:
    """The last TREND_POINTS values as block characters (· where a value is missing)."""
    recent = values[-TREND_POINTS:]
    known = [v for v in recent if isinstance(v, int | float)]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    out = []
    for v in recent:
        if not isinstance(v, int | float):
            out.append("·")
        else:
            level = 0 if span == 0 else round((v - low) / span * (len(SPARKS) - 1))
            out.append(SPARKS[level if span else len(SPARKS) // 2])
    return "".join(out)


def _shown(value: Any, kind: str, *, signed: bool = False) -> str:
    if not isinstance(value, int | float):
        return "–"
    sign = "+" if signed and value > 0 else ""
    if kind == "pct":
        return f"{sign}{round(value * 100)} %"
    if kind == "clock":
        if signed:
            return f"{sign}{round(value)} s"
        return clock(value)
    if kind == "one":
        return f"{sign}{value:.1f}"
    return f"{sign}{round(value)}"


def _delta_text(value: Any, kind: str, better: int) -> Text:
    shown = _shown(value, kind, signed=True)
    if not isinstance(value, int | float) or better == 0 or abs(value) < 1e-9:
        return Text(shown, style="dim" if shown == "–" else "")
    return Text(shown, style="green" if value * better > 0 else "red")


def progress_renderable(body: dict[str, Any]) -> Group:
    """`GET /api/interview/progress` as tables: each measure's latest, average, change, best
    and trend; then the questions answered more than once."""
    series: dict[str, list[Any]] = body.get("series") or {}
    created = series.get("createdAt") or []
    scope = f"{body.get('attempts', 0)} attempts"
    if body.get("category"):
        scope += f" · category {body['category']}"
    if created:
        scope += f" · {when(created[0], short=True)} → {when(created[-1], short=True)}"
    latest = body.get("latest") or {}
    average = body.get("average") or {}
    delta = body.get("latestVsAverage") or {}
    bests = body.get("bests") or {}
    table = Table(
        title=f"Your progress ({scope})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        pad_edge=False,
    )
    table.add_column("Measure", no_wrap=True)
    table.add_column("Latest", justify="right", no_wrap=True)
    table.add_column("Average", justify="right", no_wrap=True)
    table.add_column("vs avg", justify="right", no_wrap=True)
    table.add_column("Best", justify="right", no_wrap=True)
    table.add_column(f"Trend (last {TREND_POINTS})", no_wrap=True)
    for key, label, kind, better in PROGRESS_MEASURES:
        values = series.get(key) or []
        if not any(isinstance(v, int | float) for v in values):
            continue  # nothing measured (e.g. content scores of delivery-only analyses)
        best = bests.get(key)
        table.add_row(
            label,
            _shown(latest.get(key), kind),
            _shown(average.get(key), kind),
            _delta_text(delta.get(key), kind, better),
            _shown(best.get("value"), kind) if isinstance(best, dict) else "",
            Text(sparkline(values), style="cyan"),
        )
    parts: list[Any] = [table]
    repeated = [q for q in body.get("questions") or [] if q.get("attempts", 0) >= 2]
    if repeated:
        questions = Table(
            title="Questions you answered more than once",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            header_style="bold",
            pad_edge=False,
        )
        questions.add_column("Question", overflow="fold", min_width=24)
        questions.add_column("Tries", justify="right", no_wrap=True)
        questions.add_column("Latest", justify="right", no_wrap=True)
        questions.add_column("Trend", no_wrap=True)
        for q in repeated:
            recent = q.get("recent") or []
            scores = [a.get("score") for a in reversed(recent)]  # oldest first
            label = str(q.get("text") or q.get("questionId") or "")
            if q.get("questionId"):
                label += f" ({q['questionId']})"
            questions.add_row(
                escape(label),
                str(q.get("attempts")),
                _shown(recent[0].get("score") if recent else None, "score"),
                Text(sparkline(scores), style="cyan"),
            )
        parts.append(questions)
    return Group(*parts)
