"""Speakers: who speaks when, how many voices there are, and which one is the candidate.

Streaming: each audio block goes through the Silero VAD (the ONNX model inside faster-whisper)
in chunks cut in a silence; every stretch of speech is cut into 1.6 s windows (0.8 s apart) and
each window becomes a voiceprint (:mod:`~interview_jobs.analysis.voice_encoder`, Resemblyzer's
encoder). Only the voiceprints (1 KB a window) and the speech times are kept, never the audio.

At the end the voiceprints are clustered (docs/scoring.md, "Who is speaking"):

* **How many voices.** The windows are split in two by spherical k-means; the split is a second
  voice only when the halves are far apart for how loose they are — ``separation`` = (mean
  similarity within the looser half − mean similarity between the halves) ÷ (1 − that within)
  of at least :data:`SEPARATION` — the smaller half has :data:`MIN_VOICE_WINDOWS` windows, and,
  unless the split is clear (:data:`CLEAR_SEPARATION`), a fifth of them. It needs
  :data:`MIN_WINDOWS_TO_SPLIT` windows (about 16 s of speech). Each half is tested again the
  same way, up to :data:`MAX_VOICES`. A monologue stays one voice.
* **Turns.** A stretch of speech between two pauses that is short takes the voice most of its
  windows have; in a longer one the voice can change from one window to the next (a change
  needs two windows in a row). Consecutive speech of the same voice is one turn.
* **The candidate** is the voice that talks most (``rule = "talks most"``): in an interview the
  candidate answers at length and the interviewer asks; the on-camera face is analysed in the
  other branch of the pipeline and is not used here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.media import SAMPLE_RATE, AudioBlock

# The speech stage's VAD and chunking, so that both stages agree on what is speech.
from interview_jobs.analysis.vad import cut_point, speech_stretches
from interview_jobs.analysis.voice_encoder import (
    HOP,
    N_MELS,
    PARTIAL_FRAMES,
    TARGET_DBFS,
    VoiceEncoder,
    load_encoder,
    mel_frames,
)

WINDOW_SECONDS = PARTIAL_FRAMES * HOP / SAMPLE_RATE  # 1.6 s
WINDOW_HOP_SECONDS = 0.8
# Speech shorter than this has too little voice for a voiceprint; it takes its neighbour's voice.
MIN_WINDOW_SECONDS = 0.5
# A stretch of speech up to this long is one speaker (changes need a pause or more evidence).
SHORT_STRETCH_SECONDS = 2 * WINDOW_SECONDS
# Voice-count criterion, measured on single-voice and two-voice recordings (docs/scoring.md).
SEPARATION = 0.30
# A split this clear needs only MIN_VOICE_WINDOWS; a closer one needs both halves substantial.
CLEAR_SEPARATION = 0.6
MIN_SHARE_IF_CLOSE = 0.2
MIN_VOICE_WINDOWS = 5
# Below ~16 s of speech the statistic is too noisy (a single voice's halves reached 0.5).
MIN_WINDOWS_TO_SPLIT = 20
MAX_VOICES = 4
# VAD chunks: buffered to about this length, then cut in the middle of a silence.
VAD_CHUNK_SECONDS = 30.0
EMBED_BATCH = 16
RULE_TALKS_MOST = "talks most"


@dataclass(frozen=True)
class SpeakerTurn:
    """One voice speaking from ``start`` to ``end`` (seconds), pauses of its own included."""

    start: float
    end: float
    speaker: int


@dataclass(frozen=True)
class SpeakerFindings:
    """Who speaks when. Voices are numbered 0, 1, … in order of their first turn."""

    voices: int
    turns: tuple[SpeakerTurn, ...]
    candidate: int | None
    rule: str
    speech_seconds: tuple[float, ...] = ()  # per voice, VAD speech time
    segments: tuple[SpeakerTurn, ...] = ()  # the speech itself (VAD), each piece with its voice
    separation: float | None = None  # the criterion's value for the first split (None: too few)
    windows: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def speaker_at(self, t: float) -> int | None:
        """The voice whose turn contains ``t`` (None between turns)."""
        for turn in self.turns:
            if turn.start <= t < turn.end:
                return turn.speaker
        return None

    def speaker_of(self, start: float, end: float) -> int | None:
        """The voice that overlaps ``[start, end]`` most, else the nearest turn's (e.g. a word)."""
        if not self.turns:
            return None
        overlap: dict[int, float] = {}
        for turn in self.turns:
            shared = min(end, turn.end) - max(start, turn.start)
            if shared > 0:
                overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + shared
        if overlap:
            return max(overlap, key=lambda k: overlap[k])
        middle = (start + end) / 2
        nearest = min(self.turns, key=lambda t: min(abs(t.start - middle), abs(t.end - middle)))
        return nearest.speaker

    def to_metrics(self) -> dict[str, Any]:
        return {
            "voices": self.voices,
            "candidate": self.candidate,
            "rule": self.rule,
            "speechSeconds": [round(s, 2) for s in self.speech_seconds],
            "turns": [
                {"start": round(t.start, 2), "end": round(t.end, 2), "speaker": t.speaker}
                for t in self.turns
            ],
        }


@dataclass
class _Window:
    start: float
    end: float
    stretch: int  # index of the stretch of speech (VAD segment) it belongs to


def window_spans(start: float, end: float) -> list[tuple[float, float]]:
    """Windows of :data:`WINDOW_SECONDS` every :data:`WINDOW_HOP_SECONDS` over one stretch of
    speech, the last one ending with it; one shorter window for a short stretch."""
    length = end - start
    if length < MIN_WINDOW_SECONDS:
        return []
    if length <= WINDOW_SECONDS:
        return [(start, end)]
    count = int(np.ceil((length - WINDOW_SECONDS) / WINDOW_HOP_SECONDS)) + 1
    starts = np.linspace(start, end - WINDOW_SECONDS, count)
    return [(float(s), float(s) + WINDOW_SECONDS) for s in starts]


def _spherical_kmeans(x: NDArray[Any], iterations: int = 25) -> NDArray[np.int_]:
    """Two groups of unit vectors; deterministic start: the vector least like the mean, then
    the one least like it."""
    first = x[np.argmin(x @ x.mean(axis=0))]
    second = x[np.argmin(x @ first)]
    centres = np.stack([first, second])
    labels = np.zeros(len(x), dtype=np.int_)
    for n in range(iterations):
        new = np.argmax(x @ centres.T, axis=1)
        if n and np.array_equal(new, labels):
            break
        labels = new
        for j in range(2):
            if (labels == j).any():
                total = x[labels == j].sum(axis=0)
                centres[j] = total / max(float(np.linalg.norm(total)), 1e-9)
    return labels


def _mean_pair_similarity(a: NDArray[Any], b: NDArray[Any] | None = None) -> float:
    """Mean cosine similarity of all pairs within ``a`` (or between ``a`` and ``b``), from sums:
    O(n), so hours of windows cost nothing."""
    sum_a = a.sum(axis=0)
    if b is not None:
        return float(sum_a @ b.sum(axis=0)) / (len(a) * len(b))
    n = len(a)
    return (float(sum_a @ sum_a) - n) / (n * (n - 1)) if n > 1 else 1.0


def split_voices(x: NDArray[Any]) -> tuple[NDArray[np.int_] | None, float | None]:
    """Labels 0/1 when the windows ``x`` hold two voices by the criterion of the module
    docstring (else None), and the separation measured (None when there are too few windows)."""
    if len(x) < MIN_WINDOWS_TO_SPLIT:
        return None, None
    labels = _spherical_kmeans(x)
    halves = [x[labels == 0], x[labels == 1]]
    smaller = min(len(h) for h in halves)
    if smaller < 2:
        return None, 0.0
    within = min(_mean_pair_similarity(h) for h in halves)
    between = _mean_pair_similarity(halves[0], halves[1])
    separation = (within - between) / max(1.0 - within, 1e-6)
    enough = smaller >= MIN_VOICE_WINDOWS and (
        separation >= CLEAR_SEPARATION or smaller / len(x) >= MIN_SHARE_IF_CLOSE
    )
    if separation >= SEPARATION and enough:
        return labels, separation
    return None, separation


def cluster_voices(x: NDArray[Any]) -> tuple[NDArray[np.int_], float | None]:
    """A voice label per window (bisecting while :func:`split_voices` finds two voices) and the
    separation of the first split."""
    labels = np.zeros(len(x), dtype=np.int_)
    first_separation: float | None = None
    pending = [0]
    count = 1
    tested = 0
    while pending and count < MAX_VOICES:
        voice = pending.pop(0)
        members = np.flatnonzero(labels == voice)
        halves, separation = split_voices(x[members])
        if tested == 0:
            first_separation = separation
        tested += 1
        if halves is None:
            continue
        labels[members[halves == 1]] = count
        pending += [voice, count]
        count += 1
    return labels, first_separation


class SpeakerAnalyzer:
    """Audio blocks → :class:`SpeakerFindings`; memory grows by one voiceprint per 0.8 s of
    speech, the audio itself is dropped chunk by chunk."""

    name = "speakers"

    def __init__(self, encoder: VoiceEncoder | None = None) -> None:
        self._encoder = encoder
        self._buffer: list[NDArray[Any]] = []
        self._buffered = 0
        self._offset = 0  # samples before the buffer
        self._stretches: list[tuple[float, float]] = []
        self._windows: list[_Window] = []
        self._prints: list[NDArray[np.float32]] = []
        self._seconds = 0.0

    def feed(self, block: AudioBlock) -> None:
        started = time.perf_counter()
        self._buffer.append(block.samples)
        self._buffered += len(block.samples)
        if self._buffered >= VAD_CHUNK_SECONDS * SAMPLE_RATE:
            self._process(final=False)
        self._seconds += time.perf_counter() - started

    def finish(self) -> SpeakerFindings:
        started = time.perf_counter()
        if self._buffered:
            self._process(final=True)
        findings = self._conclude()
        seconds = self._seconds + time.perf_counter() - started
        return replace(findings, timings={"speakers": seconds})

    # ---- streaming part
    def _process(self, *, final: bool) -> None:
        audio = np.concatenate(self._buffer) if len(self._buffer) > 1 else self._buffer[0]
        (segments,) = speech_stretches(audio)
        cut = len(audio)
        if not final and segments:
            cut = cut_point(segments, len(audio))
        spans: list[tuple[float, float, int]] = []
        for s, e in segments:
            if s >= cut:
                break
            e = min(e, cut)
            start = (self._offset + s) / SAMPLE_RATE
            end = (self._offset + e) / SAMPLE_RATE
            if self._stretches and start - self._stretches[-1][1] < 0.01:  # touching a cut
                start = self._stretches.pop()[0]
            self._stretches.append((start, end))
            index = len(self._stretches) - 1
            spans += [(a, b, index) for a, b in window_spans(start, end)]
        self._embed(audio, spans)
        rest = audio[cut:]
        self._buffer = [rest] if len(rest) else []
        self._buffered = len(rest)
        self._offset += cut

    def _embed(self, audio: NDArray[Any], spans: list[tuple[float, float, int]]) -> None:
        # a stretch merged across a cut may start before this chunk: its windows start here
        chunk_start = self._offset / SAMPLE_RATE
        spans = [(max(a, chunk_start), b, i) for a, b, i in spans]
        spans = [(a, b, i) for a, b, i in spans if b - a >= MIN_WINDOW_SECONDS]
        if not spans:
            return
        if self._encoder is None:
            self._encoder = load_encoder()
        mels = np.zeros((len(spans), PARTIAL_FRAMES, N_MELS), dtype=np.float32)
        lengths = np.zeros(len(spans), dtype=np.int_)
        target = 10 ** (TARGET_DBFS / 20)
        for n, (a, b, _) in enumerate(spans):
            piece = audio[
                round(a * SAMPLE_RATE) - self._offset : round(b * SAMPLE_RATE) - self._offset
            ]
            rms = float(np.sqrt(np.mean(piece.astype(np.float64) ** 2)))
            frames = mel_frames(piece * (target / max(rms, 1e-6)))[:PARTIAL_FRAMES]
            mels[n, : len(frames)] = frames
            lengths[n] = max(1, len(frames))
        # in batches: the LSTM's work arrays grow with the batch (≈ 1 MB a window)
        prints = np.concatenate(
            [
                self._encoder.embed(mels[n : n + EMBED_BATCH], lengths[n : n + EMBED_BATCH])
                for n in range(0, len(spans), EMBED_BATCH)
            ]
        )
        for (a, b, i), vector in zip(spans, prints, strict=True):
            self._windows.append(_Window(a, b, i))
            self._prints.append(vector)

    # ---- conclusion
    def _conclude(self) -> SpeakerFindings:
        stretches = self._stretches
        if not stretches:
            return SpeakerFindings(0, (), None, "no speech")
        x = np.stack(self._prints) if self._prints else np.zeros((0, 256), dtype=np.float32)
        labels, separation = cluster_voices(x) if len(x) else (np.zeros(0, np.int_), None)
        voices = int(labels.max()) + 1 if len(labels) else 1
        pieces = self._label_stretches(x, labels, voices)
        # renumber voices by first appearance
        order: dict[int, int] = {}
        for _, _, voice in pieces:
            order.setdefault(voice, len(order))
        pieces = [(a, b, order[v]) for a, b, v in pieces]
        voices = len(order)
        speech = [0.0] * voices
        for a, b, v in pieces:
            speech[v] += b - a
        turns: list[SpeakerTurn] = []
        for a, b, v in pieces:
            if turns and turns[-1].speaker == v:
                turns[-1] = SpeakerTurn(turns[-1].start, b, v)
            else:
                turns.append(SpeakerTurn(a, b, v))
        candidate = int(np.argmax(speech)) if voices else None
        rule = RULE_TALKS_MOST if voices > 1 else "only voice"
        return SpeakerFindings(
            voices=voices,
            turns=tuple(SpeakerTurn(round(t.start, 3), round(t.end, 3), t.speaker) for t in turns),
            candidate=candidate,
            rule=rule,
            speech_seconds=tuple(round(s, 3) for s in speech),
            segments=tuple(SpeakerTurn(round(a, 3), round(b, 3), v) for a, b, v in pieces),
            separation=round(separation, 4) if separation is not None else None,
            windows=len(x),
        )

    def _label_stretches(
        self, x: NDArray[Any], labels: NDArray[np.int_], voices: int
    ) -> list[tuple[float, float, int]]:
        """(start, end, voice) pieces of speech in time order, covering every stretch."""
        centres = (
            np.stack(
                [
                    x[labels == v].sum(axis=0)
                    / max(float(np.linalg.norm(x[labels == v].sum(0))), 1e-9)
                    for v in range(voices)
                ]
            )
            if len(x)
            else np.zeros((1, 256), dtype=np.float32)
        )
        scores = x @ centres.T if len(x) else np.zeros((0, 1))
        by_stretch: dict[int, list[int]] = {}
        for n, window in enumerate(self._windows):
            by_stretch.setdefault(window.stretch, []).append(n)
        pieces: list[tuple[float, float, int | None]] = []
        for index, (start, end) in enumerate(self._stretches):
            members = by_stretch.get(index, [])
            if not members:
                pieces.append((start, end, None))
            elif end - start <= SHORT_STRETCH_SECONDS or voices == 1:
                pieces.append((start, end, int(np.argmax(scores[members].sum(axis=0)))))
            else:
                pieces += self._changes_within(start, end, members, scores)
        return _fill_unlabelled(pieces)

    def _changes_within(
        self, start: float, end: float, members: list[int], scores: NDArray[Any]
    ) -> list[tuple[float, float, int | None]]:
        votes = np.argmax(scores[members], axis=1)
        # a change needs two windows in a row: a lone window takes its neighbours' voice
        for n in range(1, len(votes) - 1):
            if votes[n - 1] == votes[n + 1] != votes[n]:
                votes[n] = votes[n - 1]
        centres = [(self._windows[m].start + self._windows[m].end) / 2 for m in members]
        out: list[tuple[float, float, int | None]] = []
        piece_start = start
        for n in range(1, len(votes)):
            if votes[n] != votes[n - 1]:
                boundary = (centres[n - 1] + centres[n]) / 2
                out.append((piece_start, boundary, int(votes[n - 1])))
                piece_start = boundary
        out.append((piece_start, end, int(votes[-1])))
        return out


def _fill_unlabelled(
    pieces: list[tuple[float, float, int | None]],
) -> list[tuple[float, float, int]]:
    """Speech too short for a voiceprint takes the voice of the nearest labelled piece."""
    labelled = [(a, b, v) for a, b, v in pieces if v is not None]
    if not labelled:
        return [(a, b, 0) for a, b, _ in pieces]
    out = []
    for a, b, v in pieces:
        if v is None:
            nearest = min(labelled, key=lambda p: min(abs(p[0] - b), abs(p[1] - a)))
            v = nearest[2]
        out.append((a, b, v))
    return out
