"""How `interview-jobs report` prints a job's answers (client/render.py)."""

from __future__ import annotations

from rich.console import Console

from interview_jobs.client.render import print_report


def _answer(index: int, text: str | None, score: float, star: dict[str, bool] | None) -> dict:
    return {
        "index": index,
        "question": {"text": text} if text else None,
        "start": 10.0 * index,
        "end": 10.0 * index + 9.5,
        "score": score,
        "contentScore": score - 5,
        "deliveryScore": score + 5,
        "content": {
            "relevance": 0.8 if text else None,
            "star": None
            if star is None
            else {k: {"present": v, "sentences": []} for k, v in star.items()},
        },
    }


def test_the_answers_are_printed_with_the_strongest_and_weakest() -> None:
    star = {"situation": True, "task": False, "action": True, "result": False}
    detail = {
        "jobId": "j1",
        "analysisType": "speech",
        "detailedAnalysis": {
            "score": 70,
            "summary": "Fine.",
            "answers": [
                _answer(0, "Why this team?", 82, star),
                _answer(1, "Tell me about a conflict.", 41, None),
            ],
        },
    }
    console = Console(record=True, width=140, color_system=None)
    print_report(console, detail)
    out = console.export_text()
    assert "Answers" in out
    assert "Q1" in out and "Why this team? (strongest)" in out
    assert "Tell me about a conflict. (weakest)" in out
    assert "0:00–0:09" in out and "0:10–0:19" in out
    assert "S T A R" in out and "80 %" in out


def test_no_answers_no_table() -> None:
    detail = {"jobId": "j1", "detailedAnalysis": {"score": 70, "summary": "Fine.", "answers": []}}
    console = Console(record=True, width=140, color_system=None)
    print_report(console, detail)
    assert "Answers" not in console.export_text()


def test_the_star_strip_marks_the_parts_present() -> None:
    from interview_jobs.client.render import star_strip

    strip = star_strip({"situation": {"present": True}, "result": {"present": False}})
    styles = [(strip.plain[span.start], str(span.style)) for span in strip.spans]
    assert styles == [("S", "bold green"), ("T", "dim"), ("A", "dim"), ("R", "dim")]
    assert star_strip(None).plain == "–"
