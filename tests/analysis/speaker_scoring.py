"""Scoring speaker separation against ground truth (the tests and bench/speakers.py share it).

DER follows the NIST definition (md-eval): over the scored reference time, (missed speech + false
alarm + speaker confusion) ÷ reference speaker time, overlapping reference speakers each counted,
the best one-to-one mapping of found voices to reference speakers, and no scoring within
``collar`` seconds of a reference boundary (0.25 s, the usual collar).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interview_jobs.analysis.speakers import SpeakerFindings
from tests.media.dialogue import DialogueTruth

FRAME = 0.01


def read_rttm(path: Path) -> list[tuple[float, float, str]]:
    out = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "SPEAKER":
            start, length = float(parts[3]), float(parts[4])
            out.append((start, start + length, parts[7]))
    return out


@dataclass(frozen=True)
class Der:
    der: float
    missed: float
    false_alarm: float
    confusion: float


def _best_overlap(overlap: np.ndarray) -> int:
    """Largest total overlap of a one-to-one mapping (rows: reference, columns: found); a few
    speakers each, so every permutation is tried."""
    size = max(overlap.shape)
    square = np.zeros((size, size), dtype=np.int64)
    square[: overlap.shape[0], : overlap.shape[1]] = overlap
    return max(
        (
            int(square[np.arange(size), list(perm)].sum())
            for perm in itertools.permutations(range(size))
        ),
        default=0,
    )


def der(
    reference: Sequence[tuple[float, float, str]],
    found: Sequence[tuple[float, float, int]],
    duration: float,
    collar: float = 0.25,
) -> Der | None:
    """DER of ``found`` (start, end, voice) against ``reference`` (start, end, name); None when
    the reference has no speech."""
    n = round(duration / FRAME) + 1
    names = sorted({r[2] for r in reference})
    voices = sorted({f[2] for f in found})
    ref = np.zeros((n, len(names)), dtype=bool)
    hyp = np.zeros((n, len(voices)), dtype=bool)
    scored = np.ones(n, dtype=bool)
    for start, end, name in reference:
        ref[round(start / FRAME) : round(end / FRAME), names.index(name)] = True
        for t in (start, end):
            scored[max(0, round((t - collar) / FRAME)) : round((t + collar) / FRAME)] = False
    for start, end, voice in found:
        hyp[round(start / FRAME) : round(end / FRAME), voices.index(voice)] = True
    ref, hyp = ref[scored], hyp[scored]
    total = int(ref.sum())
    if total == 0:
        return None
    n_ref, n_hyp = ref.sum(axis=1), hyp.sum(axis=1)
    overlap = ref.T.astype(np.int64) @ hyp.astype(np.int64)
    correct = _best_overlap(overlap)
    missed = int(np.maximum(n_ref - n_hyp, 0).sum())
    false_alarm = int(np.maximum(n_hyp - n_ref, 0).sum())
    errors = int(np.maximum(n_ref, n_hyp).sum()) - correct
    return Der(
        errors / total, missed / total, false_alarm / total, (errors - missed - false_alarm) / total
    )


def voice_of_speaker(truth: DialogueTruth, findings: SpeakerFindings) -> dict[str, int]:
    """The found voice that overlaps each true speaker most."""
    out = {}
    for speaker in {t.speaker for t in truth.turns}:
        overlap: dict[int, float] = {}
        for turn in truth.of(speaker):
            for found in findings.turns:
                shared = min(turn.end, found.end) - max(turn.start, found.start)
                if shared > 0:
                    overlap[found.speaker] = overlap.get(found.speaker, 0.0) + shared
        if overlap:
            out[speaker] = max(overlap, key=lambda k: overlap[k])
    return out


def attributed_right(truth: DialogueTruth, findings: SpeakerFindings) -> float:
    """Share of the true speech time (the spoken words) inside a found turn of the voice mapped
    to its true speaker; speech in no found turn counts as wrong."""
    mapping = voice_of_speaker(truth, findings)
    right = total = 0
    for turn in truth.turns:
        for word in turn.words:
            for t in np.arange(word.start, word.end, FRAME):
                total += 1
                right += findings.speaker_at(float(t)) == mapping.get(turn.speaker, -1)
    return right / total if total else 0.0


def boundary_errors(truth: DialogueTruth, findings: SpeakerFindings) -> list[float]:
    """|found − true| start and end of every true turn (seconds), each against the found turn of
    its mapped voice that overlaps it most (a missed turn counts its whole length)."""
    mapping = voice_of_speaker(truth, findings)
    errors = []
    for turn in truth.turns:
        voice = mapping.get(turn.speaker)
        candidates = [
            f
            for f in findings.turns
            if f.speaker == voice and min(turn.end, f.end) - max(turn.start, f.start) > 0
        ]
        if not candidates:
            errors += [turn.end - turn.start] * 2
            continue
        best = max(candidates, key=lambda f: min(turn.end, f.end) - max(turn.start, f.start))
        errors += [abs(best.start - turn.start), abs(best.end - turn.end)]
    return errors
