"""Scores that mean what they say (issue 13) and wording that holds on problem-solving answers
(issue 11): the rubric on measured findings built from word lists and face observations."""

from __future__ import annotations

import re

from interview_jobs.analysis import AnalysisOptions, scoring
from interview_jobs.analysis.fillers import Word
from interview_jobs.analysis.speech import SpeechFindings
from interview_jobs.analysis.text import analyze_text
from interview_jobs.analysis.visual import FaceObservation, VisualFindings

OPTIONS = AnalysisOptions()


def steady_words(seconds: float, pause: tuple[float, float] | None = None) -> SpeechFindings:
    """A word every 0.42 s (≈ 143 wpm) over ``seconds``, silent during ``pause``."""
    words = []
    t = 0.0
    while t < seconds:
        if pause and pause[0] <= t < pause[1]:
            t = pause[1]
            continue
        words.append(Word("work.", t, t + 0.3, 0.9))
        t += 0.42
    segments = [(0.0, pause[0]), (pause[1], seconds)] if pause else [(0.0, seconds)]
    return SpeechFindings(words=words, speech_segments=segments, audio_seconds=seconds)


def test_one_long_pause_in_a_short_answer_is_not_a_weakness() -> None:
    # before: pauses per 5 minutes of a 60 s video → 24/100 and "to work on: pauses"
    speech = steady_words(60.0, pause=(30.0, 33.5))
    scored = scoring.score_all(
        duration=60.0, options=OPTIONS, speech=speech, voice=None, text=None, visual=None
    )
    assert scored.sub_scores["pauses"] >= 80
    assert "pauses" not in scored.summary.partition("To work on:")[2]
    # in a long answer, many long pauses still cost
    assert scoring.pause_score(6, 5.0, 10.0, 3.0) < 60
    assert scoring.pause_score(1, 3.5, 1.0, 3.0) == scoring.pause_score(1, 3.5, 5.0, 3.0)


def test_filler_feedback_adds_up_to_the_count() -> None:
    fillers = ["uh", "uh", "you know", "you know", "like", "hesitation", "hesitation"]
    words: list[Word] = []
    t = 0.0
    for label in fillers:
        words.append(Word("I", t, t + 0.2, 0.9))
        t += 0.5
        if label == "you know":
            words.append(Word("you", t, t + 0.2, 0.9, filler="you know"))
            words.append(Word("know,", t + 0.25, t + 0.45, 0.9, filler="you know"))
        elif label == "hesitation":
            words.append(Word("…", t, t + 0.4, 0.0, filler="hesitation", kind="hesitation"))
        else:
            words.append(Word(f"{label},", t, t + 0.3, 0.9, filler=label))
        t += 1.0
    speech = SpeechFindings(words=words, speech_segments=[(0.0, t)], audio_seconds=t)
    scored = scoring.score_all(
        duration=t, options=OPTIONS, speech=speech, voice=None, text=None, visual=None
    )
    (item,) = [f for f in scored.feedback if f.category == "fillers" and "filler word" in f.message]
    total = int(item.message.split()[0])
    listed = [int(n) for n in re.findall(r"×(\d+)", item.message)]
    heard = re.search(r"(\d+) hesitations? heard without a word", item.message)
    assert total == 7
    assert sum(listed) + (int(heard.group(1)) if heard else 0) == total, item.message
    assert "“hesitation”" not in item.message


def faces(ratio: float, n: int = 100) -> VisualFindings:
    looking = round(ratio * n)
    return VisualFindings(
        observations=[
            FaceObservation(
                time=i / 2, faces=1, eye_contact=i < looking, yaw=0.0, pitch=0.0, gaze=0.0,
                face_height=0.3, center_x=0.0, center_y=0.0, face_luma=120, frame_luma=120,
            )
            for i in range(n)
        ]
    )  # fmt: skip


def test_strong_only_when_the_target_is_met() -> None:
    short_of = scoring.score_all(
        duration=50.0, options=OPTIONS, speech=None, voice=None, text=None, visual=faces(0.65)
    )
    assert "eye contact" not in short_of.summary.split("To work on:")[0].split("Strong:")[-1]
    assert not any(f.category == "eye_contact" and f.severity == "info" for f in short_of.feedback)
    met = scoring.score_all(
        duration=50.0, options=OPTIONS, speech=None, voice=None, text=None, visual=faces(0.8)
    )
    assert "Strong: " in met.summary and "eye contact" in met.summary.split("Strong:")[1]
    # plain words in the summary, no "0.0 hedges per 100 words"
    assert "looked at the camera 80% of the time" in met.summary


PROBLEM_SOLVED = (
    "Last year our payment service had a terrible outage and customers were angry. I found the "
    "broken migration, rolled it back and added a check. The outage was fixed and complaints "
    "dropped to zero within a week."
)
PUT_DOWN = (
    "Honestly I'm bad at presenting and I'm not good with numbers, so I usually let others "
    "present our results to the managers and the clients every month."
)


def test_a_problem_solved_is_not_negative_wording_but_putting_yourself_down_is() -> None:
    solved = analyze_text(PROBLEM_SOLVED)
    assert solved.sentiment is not None and solved.sentiment["compound"] < -0.3  # VADER's view
    scored = scoring.score_all(
        duration=30.0, options=OPTIONS, speech=None, voice=None, text=solved, visual=None
    )
    assert scored.sub_scores["language"] == 100
    assert not [f for f in scored.feedback if f.category == "language"]

    down = analyze_text(PUT_DOWN)
    assert down.self_deprecation == ["i'm bad at", "i'm not good with"]
    scored = scoring.score_all(
        duration=30.0, options=OPTIONS, speech=None, voice=None, text=down, visual=None
    )
    assert scored.sub_scores["language"] == 100 - 2 * scoring.SELF_DEPRECATION_PENALTY
    (item,) = [f for f in scored.feedback if f.category == "language"]
    assert "put yourself down" in item.message and "i'm bad at" in item.message
