"""One job's report as a self-contained HTML document: no script, no external asset, styles
inline (with a print stylesheet), so that it opens from disk years later and prints to PDF.

Everything taken from the analysis is escaped (``html.escape``): a transcript or a question is
text, never markup.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; color: #0f172a; max-width: 56rem;
       margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { margin-top: 2rem; font-size: 1.2rem; }
.meta, .hint { color: #475569; } .score { font-size: 3rem; font-weight: 700; }
.score small { font-size: 1rem; color: #475569; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #e2e8f0;
         vertical-align: top; }
.feedback li, .answer { margin-bottom: 0.6rem; }
.sev { font-weight: 700; text-transform: uppercase; font-size: 0.75rem; margin-right: 0.4rem; }
.sev-warning { color: #b91c1c; } .sev-suggestion { color: #b45309; } .sev-info { color: #15803d; }
.answer { border: 1px solid #e2e8f0; border-radius: 8px; padding: 0.75rem 1rem;
          break-inside: avoid; }
.star span { display: inline-block; margin-right: 0.5rem; padding: 0 0.4rem; border-radius: 4px; }
.star .yes { background: #dcfce7; } .star .no { background: #fee2e2; }
.transcript { white-space: pre-wrap; }
@media print { body { margin: 0; max-width: none; font-size: 11pt; } a { color: inherit; }
               h2 { break-after: avoid; } }
"""

STAR = ("situation", "task", "action", "result")


def clock(seconds: Any) -> str:
    if not isinstance(seconds, int | float) or not math.isfinite(seconds):
        return "–"
    total = max(0, round(seconds))
    return f"{total // 60}:{total % 60:02d}"


def _num(value: Any, digits: int = 0, unit: str = "") -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}f}{unit}"


def _pct(value: Any) -> str:
    return _num(value * 100, 0, " %") if isinstance(value, int | float) else "–"


def _rows(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in pairs)


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _feedback(items: Any) -> str:
    out = []
    for item in items if isinstance(items, list) else []:
        item = _dict(item)
        severity = str(item.get("severity", "info"))
        at = f"{clock(item['atSeconds'])} " if item.get("atSeconds") is not None else ""
        out.append(
            f'<li><span class="sev sev-{escape(severity)}">{escape(severity)}</span>'
            f"<strong>{escape(at)}{escape(str(item.get('category', '')))}</strong> "
            f"{escape(str(item.get('message', '')))}</li>"
        )
    return f'<ol class="feedback">{"".join(out)}</ol>' if out else "<p>No feedback.</p>"


def _answers(answers: Any) -> str:
    out = []
    for answer in answers if isinstance(answers, list) else []:
        answer = _dict(answer)
        question = _dict(answer.get("question"))
        title = question.get("text") or "(question unknown)"
        content = _dict(answer.get("content"))
        star = _dict(content.get("star"))
        parts = (
            "".join(
                f'<span class="{"yes" if _dict(star.get(p)).get("present") else "no"}">'
                f"{p.title()}</span>"
                for p in STAR
            )
            if star
            else "<span>Structure (STAR) not assessed</span>"
        )
        delivery = _dict(answer.get("delivery"))
        fillers = _dict(delivery.get("fillerWords"))
        figures = _rows(
            [
                ("Score", _num(answer.get("score"))),
                ("Content / delivery", f"{_num(answer.get('contentScore'))} / "
                 f"{_num(answer.get('deliveryScore'))}"),
                ("Relevance", _pct(content.get("relevance"))),
                ("Pace", _num(delivery.get("wordsPerMinute"), 0, " words/min")),
                ("Filler words", _num(fillers.get("total"))),
                ("Eye contact", _pct(delivery.get("eyeContactRatio"))),
            ]
        )  # fmt: skip
        index = answer.get("index")
        number = f"Q{index + 1}" if isinstance(index, int) else "Q"
        out.append(
            f'<div class="answer"><h3>{escape(number)} · {escape(str(title))}</h3>'
            f'<p class="hint">{clock(answer.get("start"))}–{clock(answer.get("end"))}</p>'
            f'<p class="star">{parts}</p><table>{figures}</table>'
            f"{_feedback(answer.get('feedback'))}</div>"
        )
    return "".join(out)


def render(job: Mapping[str, Any], analysis: Mapping[str, Any] | None) -> str:
    """The HTML document of ``job`` (its JobOut fields) and its analysis (None: not analysed)."""
    name = job.get("fileName") or job.get("videoUrl") or job.get("jobId")
    title = f"Interview report: {name}"
    head = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(str(title))}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(str(title))}</h1>"
        f'<p class="meta">{escape(str(job.get("analysisType", "")))} analysis · job '
        f"{escape(str(job.get('jobId', '')))} · created {escape(str(job.get('createdAt', '')))} · "
        f"{escape(str(job.get('status', '')))}</p>"
    )
    if not analysis:
        message = job.get("errorMessage") or job.get("message") or "No analysis."
        return f"{head}<p>{escape(str(message))}</p></body></html>"
    subs = _dict(analysis.get("subScores"))
    body = [
        f'<p class="score">{_num(analysis.get("score"))}<small> / 100</small></p>',
        f"<p>{escape(str(analysis.get('summary', '')))}</p>",
    ]
    overall = [("Content", _num(analysis.get("contentScore"))),
               ("Delivery", _num(analysis.get("deliveryScore")))]  # fmt: skip
    sub_rows = [(k.replace("_", " ").title(), _num(v)) for k, v in subs.items()]
    body.append(f"<table>{_rows([r for r in overall if r[1] != '–'] + sub_rows)}</table>")
    if analysis.get("answers"):
        body.append(f"<h2>Answers</h2>{_answers(analysis.get('answers'))}")
    body.append(f"<h2>Feedback</h2>{_feedback(analysis.get('feedback'))}")
    transcript = _dict(analysis.get("transcript"))
    if transcript.get("text"):
        body.append(
            f'<h2>Transcript</h2><p class="transcript">{escape(str(transcript["text"]))}</p>'
        )
    metrics = _dict(analysis.get("metrics"))
    speech, visual = _dict(metrics.get("speech")), _dict(metrics.get("visual"))
    pauses, fillers = _dict(speech.get("pauses")), _dict(speech.get("fillerWords"))
    measured = [
        ("Length", clock(metrics.get("durationSeconds"))),
        ("Pace", _num(speech.get("wordsPerMinute"), 0, " words/min")),
        ("Speaking time", _pct(speech.get("speakingRatio"))),
        ("Filler words", f"{_num(fillers.get('total'))} "
                         f"({_num(fillers.get('perMinute'), 1)}/min)"),
        ("Pauses", f"{_num(pauses.get('count'))}, "
                   f"longest {_num(pauses.get('longestSeconds'), 1)} s"),
        ("Face visible", _pct(visual.get("facePresenceRatio"))),
        ("Eye contact", _pct(visual.get("eyeContactRatio"))),
    ]  # fmt: skip
    body.append(f"<h2>Measurements</h2><table>{_rows(measured)}</table>")
    body.append('<p class="hint">Made by the Interview Job System; every figure was measured '
                "from the recording.</p>")  # fmt: skip
    return head + "".join(body) + "</body></html>"
