"""Pure parts of the pipeline: filler rules, pauses and pace, scoring, progress, options."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from interview_jobs.analysis import AnalysisOptions, feedback, scoring
from interview_jobs.analysis.fillers import Word, count_fillers, tag_fillers
from interview_jobs.analysis.hesitations import _unexplained, find_hesitations, spectral_change
from interview_jobs.analysis.pipeline import _Aborted, _Progress
from interview_jobs.analysis.speech import SpeechFindings, is_hallucinated
from interview_jobs.analysis.vad import cut_point
from interview_jobs.analysis.visual import FaceObservation, VisualFindings, smooth_eye_contact


def words(text: str, step: float = 0.3) -> list[Word]:
    return [Word(w, i * step, i * step + 0.25, 0.9) for i, w in enumerate(text.split())]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("So, um, I worked on payments.", {"um": 1}),
        ("Uh, we rebuilt it. Umm, then hmm.", {"uh": 1, "um": 1, "hmm": 1}),
        ("I like building things.", {}),
        ("Tools like Docker help.", {}),
        ("And, like, we shipped it.", {"like": 1}),
        ("It was, like, hard.", {"like": 1}),
        ("Do you know how it works?", {}),
        ("As you know the system is old.", {}),
        ("And, you know, I like it.", {"you know": 1}),
        ("It was hard, you know.", {"you know": 1}),
        ("I mean, it worked.", {"i mean": 1}),
        ("I mean what I say.", {}),
    ],
)
def test_filler_rules(text: str, expected: dict[str, int]) -> None:
    assert dict(count_fillers(tag_fillers(words(text)))) == expected


def test_pauses_pace_and_metrics() -> None:
    findings = SpeechFindings(
        words=tag_fillers(words("So, um, this is a test of the pace " * 20, step=0.4)),
        speech_segments=[(0.0, 10.0), (10.5, 20.0), (22.5, 40.0), (46.0, 64.0)],
        audio_seconds=70.0,
    )
    assert findings.pauses(1.0) == [(20.0, 22.5), (40.0, 46.0)]
    span = findings.words[-1].end - findings.words[0].start
    assert findings.words_per_minute() == pytest.approx(len(findings.words) / (span / 60))
    metrics = findings.to_metrics(AnalysisOptions(), duration=70.0)
    assert metrics["pauses"]["count"] == 2 and metrics["pauses"]["longestSeconds"] == 6.0
    assert metrics["fillerWords"]["byWord"] == {"um": 20}
    assert metrics["speakingRatio"] == pytest.approx(55 / 70, abs=1e-3)
    assert metrics["paceByMinute"][0]["wordsPerMinute"] == pytest.approx(150, rel=0.01)


def test_cut_point_is_in_a_late_silence() -> None:
    sr = 16000
    segments = [(0, 5 * sr), (6 * sr, 50 * sr), (51 * sr, 80 * sr), (80 * sr + 2000, 100 * sr)]
    cut = cut_point(segments, 120 * sr)
    assert cut == (100 * sr + 120 * sr) // 2
    continuous = [(0, 120 * sr)]
    assert cut_point(continuous, 120 * sr) == 120 * sr


def test_hallucination_guard() -> None:
    assert is_hallucinated("a little bit of " * 12, 6.0)
    assert is_hallucinated("one two three four five six seven eight nine ten", 0.5)
    assert not is_hallucinated("So I have been working as a backend engineer for five years.", 4.0)


def test_hesitation_rules() -> None:
    # a word swallowed the hesitation: "We" stretched over it
    assert _unexplained(14.57, 14.90, [Word("We", 14.61, 15.11, 0.9)])
    # nothing transcribed there
    assert _unexplained(81.69, 82.02, [Word("After", 81.99, 82.43, 0.9)])
    # a syllable of a word between stop closures
    assert not _unexplained(
        13.74, 13.95, [Word("four", 13.65, 13.87, 0.9), Word("people.", 13.87, 14.39, 0.9)]
    )
    # two short words squeezed into it
    assert not _unexplained(
        97.66, 98.02, [Word("You", 97.75, 97.75, 0.9), Word("know,", 97.75, 97.91, 0.9)]
    )
    t = np.arange(8000) / 16000
    hum = np.sin(2 * np.pi * 120 * t) + 0.5 * np.sin(2 * np.pi * 240 * t)
    chirp = np.sin(2 * np.pi * (200 + 3000 * t) * t)
    assert spectral_change(hum.astype(np.float32))[1] < spectral_change(chirp.astype(np.float32))[1]


def test_a_hesitation_whisper_could_not_place_takes_the_times_of_its_sound() -> None:
    # 0.0–0.4 s a word, 0.55–0.9 s a held "uh" (steady 120 Hz vowel), then silence; Whisper
    # wrote "Ah," with no duration at 1.05 s (the start of the next word) — measured so on the
    # generated interview, 0.5 s after the sound it stands for.
    rate = 16000
    audio = np.zeros(2 * rate, dtype=np.float32)

    def hum(start: float, end: float, f0: float) -> None:
        t = np.arange(int((end - start) * rate)) / rate
        wave = np.sin(2 * np.pi * f0 * t) + 0.5 * np.sin(2 * np.pi * 2 * f0 * t)
        audio[int(start * rate) : int(start * rate) + t.size] = 0.3 * wave

    hum(0.0, 0.4, 150.0)
    hum(0.55, 0.9, 120.0)
    spoken = [Word("Well,", 0.0, 0.4, 0.9), Word("Ah,", 1.05, 1.05, 0.6)]
    result = find_hesitations(audio, 0.0, spoken)
    assert result.found == []  # transcribed already: not counted twice
    assert list(result.retimed) == [1]
    moved = result.retimed[1]
    assert moved.text == "Ah," and moved.confidence == 0.6
    assert moved.start == pytest.approx(0.55, abs=0.03)
    assert moved.end == pytest.approx(0.9, abs=0.03)
    # a hesitation Whisper placed itself keeps its times
    placed = [Word("Well,", 0.0, 0.4, 0.9), Word("uh", 0.55, 0.9, 0.6)]
    assert find_hesitations(audio, 0.0, placed).retimed == {}


def test_eye_contact_smoothing_ignores_single_glitches() -> None:
    def obs(t: float, yaw: float) -> FaceObservation:
        return FaceObservation(t, 1, None, yaw, 0.0, 0.5, 0.3, 0.0, 0.0, 150.0, 140.0)

    yaws = [0, 0, 40, 0, 0, 40, 40, 40, 0, 0]
    smoothed = smooth_eye_contact([obs(i / 2, y) for i, y in enumerate(yaws)])
    contact = [o.eye_contact for o in smoothed]
    assert contact == [True] * 5 + [False] * 3 + [True] * 2
    findings = VisualFindings([*smoothed, FaceObservation(5.0, 0), FaceObservation(5.5, 0)])
    assert findings.face_presence_ratio() == pytest.approx(10 / 12)
    assert findings.eye_contact_ratio() == pytest.approx(7 / 12)
    assert findings.intervals(lambda o: o.faces and not o.eye_contact, 1.0) == [(2.5, 4.0)]
    assert findings.intervals(lambda o: o.faces == 0, 0.5) == [(5.0, 5.5)]


def test_score_rubric_shapes() -> None:
    assert scoring.pace_score(140) == 100 and scoring.pace_score(200) < scoring.pace_score(170)
    assert scoring.filler_score(0.5) == 100 and scoring.filler_score(6) == 40
    assert scoring.eye_contact_score(0.35) == 50 and scoring.eye_contact_score(0.9) == 100
    assert scoring.voice_score(0.5, None) == 40 and scoring.voice_score(2.5, -20) == 100
    assert scoring.voice_score(2.5, -50) == 80
    assert scoring.pause_score(0, 2.0, 5, 3.0) == 100 and scoring.pause_score(2, 8.0, 5, 3.0) == 60
    assert feedback.clock(83.4) == "01:23" and feedback.clock(3725) == "1:02:05"


def test_scoring_with_nothing_found() -> None:
    scored = scoring.score_all(
        duration=30, options=AnalysisOptions(), speech=SpeechFindings(), voice=None, text=None,
        visual=VisualFindings(),
    )  # fmt: skip
    assert scored.score == 0 and "Nothing to score" in scored.summary


def test_progress_is_monotonic_throttled_and_can_abort() -> None:
    calls: list[tuple[float, str]] = []
    progress = _Progress(lambda f, s: calls.append((f, s)), {"speech": 0.8, "visual": 0.2})
    for i in range(1000):
        progress.set("speech", i / 1000)
        progress.set("visual", 0.5 - i / 4000)  # never goes back
        progress.report("transcribing")
    progress.report("done", force=True, value=1.0)
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert 20 <= len(calls) <= 250

    def cancel(fraction: float, stage: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(_Aborted) as caught:
        _Progress(cancel, {"speech": 1}).report(force=True)
    assert isinstance(caught.value.original, KeyboardInterrupt)


def test_options_validation_and_settings() -> None:
    with pytest.raises(ValueError):
        AnalysisOptions(frame_sample_fps=0)
    with pytest.raises(ValueError):
        AnalysisOptions(filler_hint="shout")
    assert AnalysisOptions(asr_model="tiny.en").resolved_filler_hint == "none"
    assert AnalysisOptions().resolved_filler_hint == "none"
    assert AnalysisOptions(filler_hint="hotwords").resolved_filler_hint == "hotwords"
    with pytest.raises(ValueError):
        AnalysisOptions(filler_asr_model="large")
    from interview_jobs.config import Settings

    settings = Settings(
        asr_model="tiny.en",
        analysis_beam_size=2,
        analysis_frame_sample_fps=1.0,
        analysis_filler_asr_model="none",
    )
    expected = ("tiny.en", 2, 1.0, "none")
    options = AnalysisOptions.from_settings(settings)
    got = (options.asr_model, options.beam_size, options.frame_sample_fps, options.filler_asr_model)
    assert got == expected
    backend = AnalysisOptions(**settings.analysis_options())  # the AI backend's path
    got = (backend.asr_model, backend.beam_size, backend.frame_sample_fps, backend.filler_asr_model)
    assert got == expected
    assert AnalysisOptions.from_settings(Settings()).filler_asr_model == "tiny.en"


def test_package_imports_stay_light_and_independent() -> None:
    code = (
        "import sys, interview_jobs.analysis as a, interview_jobs.analysis.cli;"
        "heavy = [m for m in ('av', 'faster_whisper', 'mediapipe', 'numpy', 'cv2')"
        " if m in sys.modules];"
        "assert not heavy, heavy;"
        "import interview_jobs.analysis.pipeline;"
        "bad = [m for m in sys.modules if m.startswith(('interview_jobs.api', 'interview_jobs.ai',"
        " 'interview_jobs.contracts'))];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_feedback_json_shape() -> None:
    item: dict[str, Any] = scoring.Feedback(
        "pauses", "warning", "A 6.2 s pause at 01:23.", 83.0
    ).to_json()
    assert item == {
        "category": "pauses",
        "severity": "warning",
        "message": "A 6.2 s pause at 01:23.",
        "atSeconds": 83.0,
    }


def test_progress_from_a_helper_thread_is_serialised_and_aborts_the_caller() -> None:
    import threading

    seen: list[int] = []

    def callback(fraction: float, stage: str) -> None:
        seen.append(threading.get_ident())
        if fraction > 0.5:
            raise RuntimeError("cancelled")

    progress = _Progress(callback, {"visual": 1.0})

    def helper() -> None:
        for i in range(1, 101):
            progress.set("visual", i / 100)
            try:
                progress.report()
            except _Aborted:
                return

    thread = threading.Thread(target=helper)
    thread.start()
    thread.join()
    assert len(set(seen)) == 1 and seen[0] != threading.get_ident()
    with pytest.raises(_Aborted) as caught:
        progress.report("transcribing")
    assert isinstance(caught.value.original, RuntimeError)
