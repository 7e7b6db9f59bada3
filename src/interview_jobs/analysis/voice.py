"""Voice: pitch and loudness (Praat via parselmouth) on voiced frames, with their variation.

Running sums keep memory constant; pitch variation is also given in semitones (the spread that
listeners hear as lively vs monotone, independent of the speaker's register).

Pitch is tracked in a range adapted to the speaker (two passes, after De Looze & Hirst 2008): a
fixed wide range lets Praat jump an octave up or down now and then, which inflates the spread
(measured on the real read speech in shared/media/real/read: ±40 Hz, 3.9 semitones with 75–500 Hz
against ±17 Hz, 2.8 semitones for Praat at 75–250 Hz). So the first ``RANGE_AUDIO_SECONDS`` of
audio are tracked once in ``WIDE_RANGE_HZ``, the floor and ceiling are set from the quartiles of
what was found (0.75 × Q1, 1.5 × Q3), and that audio and everything after it is tracked in that
range.

Every voiced frame is also counted in a bin of ``BIN_SECONDS`` by its time, so the same figures
can be given for part of the recording (``VoiceFindings.over``): the candidate's turns when the
recording has two voices, one answer's span. The bins hold sums only (measured: 1.2 KB a second
of audio, 13 MB at the 3-hour limit), never the frames.
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

#: First pass: wide enough for any adult voice (a bass's 60 Hz to a high voice's 700 Hz).
WIDE_RANGE_HZ = (60.0, 700.0)
#: Without a first pass (too little voiced sound to set a range from): Praat's usual range.
DEFAULT_RANGE_HZ = (75.0, 500.0)
#: Audio held back for the first pass (bounded memory: ~4 MB at 16 kHz float32) …
RANGE_AUDIO_SECONDS = 60.0
#: … or less, once this much of it was voiced.
RANGE_VOICED_SECONDS = 20.0
#: Fewer voiced frames than this and the first pass does not set the range.
RANGE_MIN_VOICED_FRAMES = 50
#: Width of the time bins that let voice be measured over part of the recording.
BIN_SECONDS = 0.5
#: Fewer voiced frames than this and there is no pitch (or loudness) figure.
MIN_FRAMES = 10


def speaker_range(voiced_hz: NDArray[Any]) -> tuple[float, float]:
    """Pitch floor and ceiling for a speaker from first-pass pitch values (De Looze & Hirst:
    0.75 × first quartile, 1.5 × third quartile), kept within the wide range and at least an
    octave and a half apart."""
    if voiced_hz.size < RANGE_MIN_VOICED_FRAMES:
        return DEFAULT_RANGE_HZ
    q1, q3 = (float(q) for q in np.percentile(voiced_hz, [25, 75]))
    floor = max(WIDE_RANGE_HZ[0], 0.75 * q1)
    ceiling = min(WIDE_RANGE_HZ[1], max(1.5 * q3, floor * 2.8))
    return round(floor, 1), round(ceiling, 1)


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

    def merge(self, other: _Running) -> None:
        """Add another running summary's values (the same parallel update)."""
        if other.n == 0:
            return
        n = self.n + other.n
        delta = other.mean - self.mean
        self.mean += delta * other.n / n
        self._m2 += other._m2 + delta * delta * self.n * other.n / n
        self.n = n

    @property
    def std(self) -> float:
        return math.sqrt(self._m2 / (self.n - 1)) if self.n > 1 else 0.0


@dataclass
class _Sums:
    """Pitch (Hz and semitones) and loudness of the voiced frames of a stretch of audio."""

    pitch: _Running = field(default_factory=_Running)
    log_pitch: _Running = field(default_factory=_Running)
    loudness: _Running = field(default_factory=_Running)

    def merge(self, other: _Sums) -> None:
        self.pitch.merge(other.pitch)
        self.log_pitch.merge(other.log_pitch)
        self.loudness.merge(other.loudness)


@dataclass
class VoiceFindings:
    voiced_seconds: float = 0.0
    pitch_mean_hz: float | None = None
    pitch_std_hz: float | None = None
    pitch_std_semitones: float | None = None
    pitch_range_hz: tuple[float, float] | None = None
    loudness_mean_db: float | None = None
    loudness_std_db: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: voiced frames by time bin (``BIN_SECONDS``): what ``over`` measures a part from
    bins: dict[int, _Sums] = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls,
        sums: _Sums,
        pitch_range_hz: tuple[float, float] | None,
        bins: dict[int, _Sums] | None = None,
        timings: dict[str, float] | None = None,
    ) -> VoiceFindings:
        findings = cls(timings=timings or {}, bins=bins or {})
        findings.voiced_seconds = sums.pitch.n * VoiceAnalyzer.step
        if sums.pitch.n >= MIN_FRAMES:
            findings.pitch_mean_hz = sums.pitch.mean
            findings.pitch_std_hz = sums.pitch.std
            findings.pitch_std_semitones = sums.log_pitch.std
            findings.pitch_range_hz = pitch_range_hz
        if sums.loudness.n >= MIN_FRAMES:
            findings.loudness_mean_db = sums.loudness.mean
            findings.loudness_std_db = sums.loudness.std
        return findings

    def over(self, spans: list[tuple[float, float]]) -> VoiceFindings:
        """The same figures over the frames inside ``spans`` (seconds; a bin counts where its
        middle falls): the candidate's turns, one answer. Too few voiced frames there → no
        pitch or loudness figure (None), as for a whole recording."""
        sums = _Sums()
        for index, part in self.bins.items():
            middle = (index + 0.5) * BIN_SECONDS
            if any(start <= middle < end for start, end in spans):
                sums.merge(part)
        return VoiceFindings.of(sums, self.pitch_range_hz)

    def to_metrics(self) -> dict[str, Any]:
        """``pitch`` and ``loudness`` of ``metrics.speech``."""

        def r(value: float | None, digits: int = 1) -> float | None:
            return round(value, digits) if value is not None else None

        return {
            "pitch": {
                "meanHz": r(self.pitch_mean_hz),
                "stdHz": r(self.pitch_std_hz),
                "stdSemitones": r(self.pitch_std_semitones, 2),
                # the speaker-adapted range pitch was tracked in (floor, ceiling)
                "rangeHz": list(self.pitch_range_hz) if self.pitch_range_hz else None,
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
        self._all = _Sums()
        self._bins: dict[int, _Sums] = {}
        self._seconds = 0.0
        self._range: tuple[float, float] | None = None
        # audio waiting for the range (first pass done), with its offset in seconds
        self._held: list[tuple[NDArray[Any], float]] = []
        self._held_seconds = 0.0
        self._first_pass: list[NDArray[Any]] = []

    def feed(self, block: AudioBlock) -> None:
        if len(block.samples) < SAMPLE_RATE * 0.1:
            return
        started = time.perf_counter()
        samples = block.samples.astype(np.float64)
        if self._range is not None:
            self._measure(samples, block.offset, self._range)
        else:
            f0 = self._track(samples, WIDE_RANGE_HZ)[1].selected_array["frequency"]
            self._first_pass.append(f0[f0 > 0])
            self._held.append((samples, block.offset))
            self._held_seconds += len(samples) / SAMPLE_RATE
            voiced = sum(v.size for v in self._first_pass) * self.step
            if self._held_seconds >= RANGE_AUDIO_SECONDS or voiced >= RANGE_VOICED_SECONDS:
                self._set_range()
        self._seconds += time.perf_counter() - started

    def _set_range(self) -> None:
        self._range = speaker_range(np.concatenate(self._first_pass or [np.zeros(0)]))
        held, self._held, self._first_pass = self._held, [], []
        for samples, offset in held:
            self._measure(samples, offset, self._range)

    def _track(self, samples: NDArray[Any], hz: tuple[float, float]) -> tuple[Any, Any]:
        """(Praat Sound, Praat Pitch tracked between ``hz`` floor and ceiling)."""
        import parselmouth

        sound = parselmouth.Sound(samples, sampling_frequency=SAMPLE_RATE)
        return sound, sound.to_pitch(time_step=self.step, pitch_floor=hz[0], pitch_ceiling=hz[1])

    def _measure(self, samples: NDArray[Any], offset: float, hz: tuple[float, float]) -> None:
        sound, pitch = self._track(samples, hz)
        f0 = pitch.selected_array["frequency"]
        times = pitch.xs()
        voiced = f0 > 0
        if not voiced.any():
            return
        values, at = f0[voiced], times[voiced]
        intensity = sound.to_intensity(minimum_pitch=75.0, time_step=self.step)
        db = np.interp(at, intensity.xs(), intensity.values[0])
        loud = np.isfinite(db) & (db > 0)
        # frames are in time order: each bin is one slice of them
        index = ((at + offset) // BIN_SECONDS).astype(np.int64)
        cuts = np.flatnonzero(np.diff(index)) + 1
        for part in np.split(np.arange(index.size), cuts):
            sums = self._bins.setdefault(int(index[part[0]]), _Sums())
            sums.pitch.add(values[part])
            sums.log_pitch.add(12 * np.log2(values[part]))
            sums.loudness.add(db[part][loud[part]])
        self._all.pitch.add(values)
        self._all.log_pitch.add(12 * np.log2(values))
        self._all.loudness.add(db[loud])

    def finish(self) -> VoiceFindings:
        started = time.perf_counter()
        if self._range is None and self._held:
            self._set_range()
        self._seconds += time.perf_counter() - started
        return VoiceFindings.of(
            self._all, self._range, bins=self._bins, timings={"voice": self._seconds}
        )
