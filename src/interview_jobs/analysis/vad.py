"""Where the speech is: the Silero VAD (the ONNX model inside faster-whisper), shared by the speech
stage (pauses, and what Whisper is given) and the speakers stage (what becomes a voiceprint), and
where a stream of audio may be cut into blocks without cutting speech."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.media import SAMPLE_RATE

#: Speech probability (Silero VAD) above which a 32 ms frame is speech, for pauses and the
#: speaking ratio (tuned on generated speech: pauses within 0.09 s) …
VAD_THRESHOLD = 0.5
#: … and for what Whisper is given: on the real recordings a threshold of 0.5 left out whispered,
#: falsetto and drawn-out speech (mfa_long: 4.4 s of its 7.9 s), 0.15 kept it.
ASR_VAD_THRESHOLD = 0.15


#: The Silero VAD's window: one speech probability per 512 samples (32 ms).
_VAD_WINDOW = 512
_MIN_SPEECH = 120 * SAMPLE_RATE // 1000  # samples; shorter speech is dropped
_MIN_SILENCE = 250 * SAMPLE_RATE // 1000  # a shorter silence does not end the speech
_SPEECH_PAD = 30 * SAMPLE_RATE // 1000  # added to each side of a stretch


def speech_stretches(
    audio: NDArray[Any], thresholds: tuple[float, ...] = (VAD_THRESHOLD,)
) -> list[list[tuple[int, int]]]:
    """The speech stretches (sample indices) at each threshold, from one run of the Silero VAD.

    faster-whisper's ``get_speech_timestamps`` runs the model at every call and takes no
    probabilities, and the model is nearly all of its cost; so the model runs once here and
    :func:`_stretches` applies faster-whisper's rule to the probabilities at each threshold
    (tests/analysis/test_vad.py checks that it gives what ``get_speech_timestamps`` gives)."""
    from faster_whisper.vad import get_vad_model

    padded = np.pad(audio, (0, _VAD_WINDOW - len(audio) % _VAD_WINDOW))
    probabilities = get_vad_model()(padded).tolist()
    return [_stretches(probabilities, len(audio), threshold) for threshold in thresholds]


def _stretches(probabilities: list[float], length: int, threshold: float) -> list[tuple[int, int]]:
    """faster-whisper 1.2's ``get_speech_timestamps`` after its model call, for speech of any
    length (``max_speech_duration_s`` infinite, so its splitting of long speech never happens):
    speech starts at a probability ≥ ``threshold``, ends after a silence (below ``threshold``
    − 0.15) of ``_MIN_SILENCE``; stretches shorter than ``_MIN_SPEECH`` are dropped and the rest
    padded by ``_SPEECH_PAD``, or by half the gap where two are closer than twice that."""
    low = max(threshold - 0.15, 0.01)
    found: list[list[int]] = []
    start: int | None = None
    silence_from = 0  # where the current silence inside speech began (0: none)
    for i, probability in enumerate(probabilities):
        at = _VAD_WINDOW * i
        if probability >= threshold:
            silence_from = 0
            if start is None:
                start = at
                continue
        if start is not None and probability < low:
            if not silence_from:
                silence_from = at
            if at - silence_from < _MIN_SILENCE:
                continue
            if silence_from - start > _MIN_SPEECH:
                found.append([start, silence_from])
            start, silence_from = None, 0
    if start is not None and length - start > _MIN_SPEECH:
        found.append([start, length])
    for i, stretch in enumerate(found):
        if i == 0:
            stretch[0] = max(0, stretch[0] - _SPEECH_PAD)
        if i == len(found) - 1:
            stretch[1] = min(length, stretch[1] + _SPEECH_PAD)
            continue
        following = found[i + 1]
        gap = following[0] - stretch[1]
        if gap < 2 * _SPEECH_PAD:
            stretch[1] += gap // 2
            following[0] = max(0, following[0] - gap // 2)
        else:
            stretch[1] = min(length, stretch[1] + _SPEECH_PAD)
            following[0] = max(0, following[0] - _SPEECH_PAD)
    return [(start, end) for start, end in found]


def cut_point(segments: list[tuple[int, int]], length: int) -> int:
    """A sample index in the middle of the last silence of ≥ 0.3 s in the second half of the
    buffer (so that speech carried over to the next block is never cut); the end if none."""
    min_gap = int(0.3 * SAMPLE_RATE)
    bounds = [(segments[i][1], segments[i + 1][0]) for i in range(len(segments) - 1)]
    bounds.append((segments[-1][1], length))
    for gap_start, gap_end in reversed(bounds):
        if gap_start < length // 2:
            break
        if gap_end - gap_start >= min_gap:
            return (gap_start + gap_end) // 2
    return length
