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


def test_the_offline_result_and_the_jobs_report_print_the_same_report() -> None:
    """`interview-jobs analyze` (an analysis object) and `report` (a job's detail) share one
    renderer: answers with their panels, measurements incl. voice and picture, the transcript
    with fillers and hesitation markers, the timings."""
    from interview_jobs.client.render import report_renderable

    answer = _answer(0, "Why this team?", 82, {"situation": True})
    answer["content"]["length"] = {"seconds": 95.0, "words": 210, "targetSeconds": [60, 120]}
    answer["feedback"] = [
        {"severity": "suggestion", "message": "Q1 has no Result: say what changed."}
    ]
    result = {
        "score": 71,
        "summary": "Clear answers.",
        "label": "Comprehensive analysis",
        "answersSplit": {"method": "speakers"},
        "answers": [answer],
        "subScores": {"eyeContact": 64.0},
        "metrics": {
            "durationSeconds": 125.0,
            "speech": {
                "wordsPerMinute": 141,
                "pitch": {"meanHz": 118.0, "stdSemitones": 2.7},
                "loudness": {"meanDbfs": -21.5, "stdDb": 4.0},
                "fillerWords": {"total": 2, "perMinute": 1.0, "byWord": {"um": 1, "hesitation": 1}},
            },
            "visual": {"eyeContactRatio": 0.64, "framing": {"verdict": "too_far"}},
        },
        "transcript": {
            "words": [
                {"word": "So", "filler": False},
                {"word": "um", "filler": True},
                {"word": "…", "filler": True, "kind": "hesitation"},
                {"word": "yes", "filler": False},
            ]
        },
        "timingsSeconds": {"asr": 3.25},
    }
    printed = {}
    for name, job in (("offline", None), ("job", {"jobId": "j1", "analysisType": "comprehensive"})):
        console = Console(record=True, width=140, color_system=None)
        console.print(report_renderable(result, job=job))
        printed[name] = console.export_text()
    out = printed["offline"]
    assert "Comprehensive analysis — 2:05" in out and "Answers (split by speakers)" in out
    assert "95 s, 210 words (aim 60–120 s)" in out and "Q1 has no Result" in out
    assert "eye contact" in out and "118 Hz ± 2.7 semitones" in out and "too_far" in out
    assert "So um (…) yes" in out and "asr 3.2s" in out
    assert "job j1" in printed["job"] and "job j1" not in out
    assert printed["job"].replace("\n", "").count("Q1 has no Result") == 1
