"""Every bad input gives one typed error with a sentence for the user, or a partial analysis
that still makes sense; never a hang or a crash. Temp dirs are removed either way."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from interview_jobs.analysis import (
    AnalysisError,
    AnalysisOptions,
    Analyzer,
    MediaError,
    probe,
)
from interview_jobs.contracts.analysis import AnalysisResult
from tests.media.generate import make_clip

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("text_as_mp4", "not_a_video"),
        ("zero_bytes", "empty_file"),
        ("image_as_mp4", "not_a_video"),
        ("truncated_mp4", "truncated"),
        ("missing", "not_found"),
    ],
)
def test_unreadable_files_raise_typed_errors(
    bad_inputs: dict[str, Path], tiny: Analyzer, name: str, code: str
) -> None:
    with pytest.raises(MediaError) as caught:
        probe(bad_inputs[name])
    assert caught.value.code == code and caught.value.is_input_error
    with pytest.raises(AnalysisError) as caught2:
        tiny.analyze(bad_inputs[name])
    assert caught2.value.code == code
    message = str(caught2.value)
    assert message.endswith(".") and "Traceback" not in message and len(message) < 300


def test_directory_is_not_a_video(tmp_path: Path, tiny: Analyzer) -> None:
    with pytest.raises(MediaError) as caught:
        tiny.analyze(tmp_path)
    assert caught.value.code == "not_a_video"


def test_video_without_audio_gives_visual_only(
    bad_inputs: dict[str, Path], analyze_cached: Callable[..., dict[str, Any]], tiny: Analyzer
) -> None:
    result = analyze_cached(bad_inputs["video_no_audio"])
    AnalysisResult.model_validate(result)
    assert "speech" not in result["metrics"] and "visual" in result["metrics"]
    assert any(f["category"] == "audio" and f["severity"] == "warning" for f in result["feedback"])
    # the missing track shows in the score and in the label, not only in a warning
    assert result["missingTracks"] == ["audio"]
    assert "no audio track" in result["label"] and "no audio track" in result["summary"]
    assert all(result["subScores"][k] == 0 for k in ("pace", "fillers", "pauses", "voice"))
    # the picture alone can earn 30 of the 90 weight points left without wording: ≤ 33.3
    assert result["score"] <= 34 and result["answers"] == []
    with pytest.raises(MediaError) as caught:
        tiny.analyze(bad_inputs["video_no_audio"], analysis_type="speech")
    assert caught.value.code == "no_audio"


def test_audio_only_gives_speech_only(
    bad_inputs: dict[str, Path], analyze_cached: Callable[..., dict[str, Any]], tiny: Analyzer
) -> None:
    info = probe(bad_inputs["audio_only"])
    assert info.video is None and info.audio is not None
    result = analyze_cached(bad_inputs["audio_only"])
    AnalysisResult.model_validate(result)
    assert "visual" not in result["metrics"] and result["transcript"]["words"]
    assert any(f["category"] == "video" for f in result["feedback"])
    assert result["missingTracks"] == ["video"] and "no video track" in result["label"]
    assert result["subScores"]["eyeContact"] == 0 and result["subScores"]["presence"] == 0
    assert result["deliveryScore"] <= 70
    with pytest.raises(MediaError) as caught:
        tiny.analyze(bad_inputs["audio_only"], analysis_type="visual")
    assert caught.value.code == "no_video"


def test_silent_video(
    bad_inputs: dict[str, Path], analyze_cached: Callable[..., dict[str, Any]]
) -> None:
    result = analyze_cached(bad_inputs["silent_video"])
    AnalysisResult.model_validate(result)
    speech = result["metrics"]["speech"]
    assert speech["wordsPerMinute"] is None and speech["wordCount"] == 0
    assert speech["speakingRatio"] == 0 and result["transcript"]["words"] == []
    assert any("No speech" in f["message"] for f in result["feedback"])
    assert result["metrics"]["visual"]["facePresenceRatio"] > 0.5
    # Saying nothing is not a good interview: the speech sub-scores are 0, not left out.
    assert {result["subScores"][k] for k in ("pace", "fillers", "pauses", "voice")} == {0.0}
    assert result["score"] < 50


def test_no_face(
    bad_inputs: dict[str, Path], analyze_cached: Callable[..., dict[str, Any]]
) -> None:
    result = analyze_cached(bad_inputs["no_face"])
    AnalysisResult.model_validate(result)
    visual = result["metrics"]["visual"]
    assert visual["facePresenceRatio"] == 0 and visual["eyeContactRatio"] == 0
    assert result["subScores"]["eyeContact"] == 0
    assert any(f["category"] == "face" and f["severity"] == "warning" for f in result["feedback"])
    assert result["transcript"]["words"], "speech is still analysed"


def test_truncated_webm_is_analysed_up_to_the_cut(
    bad_inputs: dict[str, Path], analyze_cached: Callable[..., dict[str, Any]]
) -> None:
    result = analyze_cached(bad_inputs["truncated_webm"])
    AnalysisResult.model_validate(result)
    # the header still says 8 s; half of the bytes hold about half of it
    assert 2.0 < result["metrics"]["durationSeconds"] < 7.0
    assert any(f["category"] == "media" and "cut off" in f["message"] for f in result["feedback"])


def test_damage_in_the_middle_is_skipped(
    bad_inputs: dict[str, Path], analyze_cached: Callable[..., dict[str, Any]]
) -> None:
    result = analyze_cached(bad_inputs["damaged_mp4"])
    AnalysisResult.model_validate(result)
    assert any("damaged" in f["message"] for f in result["feedback"] if f["category"] == "media")
    assert result["metrics"]["visual"]["framesAnalyzed"] >= 6  # of 12 in 6 s
    assert result["transcript"]["words"]


def test_too_long_and_too_large(media_dir: Path) -> None:
    clip = make_clip(media_dir / "short.mp4", 6, speech=False)
    strict = Analyzer(AnalysisOptions(asr_model="tiny.en", max_duration_seconds=3))
    with pytest.raises(MediaError) as caught:
        strict.analyze(clip.path, analysis_type="visual")
    assert caught.value.code == "too_long"
    small = Analyzer(AnalysisOptions(asr_model="tiny.en", max_frame_pixels=320 * 200))
    with pytest.raises(MediaError) as caught:
        small.analyze(clip.path, analysis_type="visual")
    assert caught.value.code == "too_large"


def test_header_that_lies_about_duration_is_caught_while_decoding(media_dir: Path) -> None:
    """A decoder-side limit, not only the header's duration: WebM without a duration header."""
    from interview_jobs.analysis.media import iter_audio

    clip = make_clip(media_dir / "lying.webm", 6)
    with pytest.raises(MediaError) as caught:
        for _ in iter_audio(clip.path, max_duration_seconds=2.0):
            pass
    assert caught.value.code == "too_long"


def test_unknown_analysis_type(clip60: Any, tiny: Analyzer) -> None:
    with pytest.raises(AnalysisError) as caught:
        tiny.analyze(clip60.path, analysis_type="everything")
    assert caught.value.code == "bad_analysis_type"


def _own_temp_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("interview-analysis-*")}


def test_temp_dirs_are_removed_on_success_and_failure(
    bad_inputs: dict[str, Path], clip60: Any, tiny: Analyzer, tmp_path: Path
) -> None:
    before = _own_temp_dirs()
    tiny.analyze(bad_inputs["video_no_audio"], analysis_type="visual")
    with pytest.raises(AnalysisError):
        tiny.analyze(bad_inputs["truncated_mp4"])
    assert _own_temp_dirs() == before
    work = tmp_path / "job"
    tiny.analyze(bad_inputs["video_no_audio"], analysis_type="visual", work_dir=work)
    assert work.is_dir(), "a caller's work_dir is the caller's to remove"
