"""Voice: pitch and loudness (Praat via parselmouth) on voiced frames, with their variation.

Running sums keep memory constant; pitch variation is also given in semitones (the spread that
listeners hear as lively vs monotone, independent of the speaker's register).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.media import SAMPLE_RATE, AudioBlock

# Praat's intensity is dB re 2e-5 (full-scale sine ≈ 91 dB); subtract to get dB full scale.
PRAAT_DB_FULL_SCALE = 20 * math.log10(1 / 2e-5)


class _Running:
    """Mean and standard deviation without keeping the values (Welford)."""

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self._m2 = 0.0

    def add(self, values: NDArray[Any]) -> None:
        """Merge a batch (Chan et al.'s parallel update)."""
        if values.size == 0:
            return
        n_b = int(values.size)
        mean_b = float(values.mean())
        m2_b = float(((values - mean_b) ** 2).sum())
        n = self.n + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / n
        self._m2 += m2_b + delta * delta * self.n * n_b / n
        self.n = n

    @property
    def std(self) -> float:
        return math.sqrt(self._m2 / (self.n - 1)) if self.n > 1 else 0.0


@dataclass
class VoiceFindings:
    voiced_seconds: float = 0.0
    pitch_mean_hz: float | None = None
    pitch_std_hz: float | None = None
    pitch_std_semitones: float | None = None
    loudness_mean_db: float | None = None
    loudness_std_db: float | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def to_metrics(self) -> dict[str, Any]:
        """``pitch`` and ``loudness`` of ``metrics.speech``."""

        def r(value: float | None, digits: int = 1) -> float | None:
            return round(value, digits) if value is not None else None

        return {
            "pitch": {
                "meanHz": r(self.pitch_mean_hz),
                "stdHz": r(self.pitch_std_hz),
                "stdSemitones": r(self.pitch_std_semitones, 2),
            },
            "loudness": {
                "meanDb": r(self.loudness_mean_db),
                "stdDb": r(self.loudness_std_db),
                "meanDbfs": r(self.loudness_mean_dbfs),
            },
            "voicedSeconds": round(self.voiced_seconds, 2),
        }

    @property
    def loudness_mean_dbfs(self) -> float | None:
        if self.loudness_mean_db is None:
            return None
        return self.loudness_mean_db - PRAAT_DB_FULL_SCALE


class VoiceAnalyzer:
    name = "voice"
    step = 0.01

    def __init__(self) -> None:
        self._pitch = _Running()
        self._log_pitch = _Running()
        self._loudness = _Running()
        self._seconds = 0.0

    def feed(self, block: AudioBlock) -> None:
        import parselmouth

        started = time.perf_counter()
        if len(block.samples) < SAMPLE_RATE * 0.1:
            return
        sound = parselmouth.Sound(block.samples.astype(np.float64), sampling_frequency=SAMPLE_RATE)
        pitch = sound.to_pitch(time_step=self.step, pitch_floor=75.0, pitch_ceiling=500.0)
        f0 = pitch.selected_array["frequency"]
        times = pitch.xs()
        voiced = f0 > 0
        if voiced.any():
            values = f0[voiced]
            self._pitch.add(values)
            self._log_pitch.add(12 * np.log2(values))
            intensity = sound.to_intensity(minimum_pitch=75.0, time_step=self.step)
            db = np.interp(times[voiced], intensity.xs(), intensity.values[0])
            db = db[np.isfinite(db) & (db > 0)]
            if db.size:
                self._loudness.add(db)
        self._seconds += time.perf_counter() - started

    def finish(self) -> VoiceFindings:
        findings = VoiceFindings(timings={"voice": self._seconds})
        findings.voiced_seconds = self._pitch.n * self.step
        if self._pitch.n >= 10:
            findings.pitch_mean_hz = self._pitch.mean
            findings.pitch_std_hz = self._pitch.std
            findings.pitch_std_semitones = self._log_pitch.std
        if self._loudness.n >= 10:
            findings.loudness_mean_db = self._loudness.mean
            findings.loudness_std_db = self._loudness.std
        return findings
