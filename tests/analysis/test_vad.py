"""The VAD runs its model once for several thresholds: the stretches it finds are exactly those of
faster-whisper's own ``get_speech_timestamps`` (which runs the model at every call)."""

from __future__ import annotations

import numpy as np
import pytest
from faster_whisper.audio import decode_audio
from faster_whisper.vad import VadOptions, get_speech_timestamps
from numpy.typing import NDArray

from interview_jobs.analysis.vad import ASR_VAD_THRESHOLD, VAD_THRESHOLD, speech_stretches
from tests.analysis.real_speech import REAL
from tests.media.generate import GroundTruth


def _library(audio: NDArray[np.float32], threshold: float) -> list[tuple[int, int]]:
    options = VadOptions(
        threshold=threshold,
        min_speech_duration_ms=120,
        min_silence_duration_ms=250,
        speech_pad_ms=30,
    )
    return [(s["start"], s["end"]) for s in get_speech_timestamps(audio, options)]


def _recordings(clip60: GroundTruth) -> list[tuple[str, NDArray[np.float32]]]:
    audio = [("generated 60 s interview", decode_audio(clip60.path))]
    for folder in ("mfa_disfluency", "read"):
        for path in sorted((REAL / folder).glob("*.flac"))[:3]:
            audio.append((path.name, decode_audio(str(path))))
    return audio


def test_one_model_run_finds_what_faster_whisper_finds(clip60: GroundTruth) -> None:
    thresholds = (VAD_THRESHOLD, ASR_VAD_THRESHOLD, 0.3)
    for name, audio in _recordings(clip60):
        found = speech_stretches(audio, thresholds)
        for threshold, stretches in zip(thresholds, found, strict=True):
            assert stretches == _library(audio, threshold), (name, threshold)
        assert found[0], f"{name}: no speech found"


@pytest.mark.parametrize(
    "audio",
    [np.zeros(0, np.float32), np.zeros(100, np.float32), np.zeros(16000 * 2, np.float32)],
    ids=["empty", "shorter than a window", "silence"],
)
def test_no_speech_in_silence_or_nothing(audio: NDArray[np.float32]) -> None:
    thresholds = (VAD_THRESHOLD, ASR_VAD_THRESHOLD)
    assert speech_stretches(audio, thresholds) == [[], []]
    assert [_library(audio, threshold) for threshold in thresholds] == [[], []]
