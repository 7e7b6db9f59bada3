"""Hesitations found in the sound: the "um"/"uh" Whisper dropped or could not place.

A hesitation is a short island of steady voiced sound between silences that no transcribed word
accounts for (see :func:`find_hesitations`).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.fillers import Word, hesitation_label, hesitation_marker, normalize
from interview_jobs.analysis.media import SAMPLE_RATE

_FRAME = 0.01  # s


def _frame_db(audio: NDArray[Any]) -> NDArray[Any]:
    """RMS level per 10 ms frame, dB full scale."""
    hop = int(_FRAME * SAMPLE_RATE)
    n = len(audio) // hop
    if n == 0:
        return np.zeros(0)
    frames = audio[: n * hop].reshape(n, hop).astype(np.float64)
    levels: NDArray[Any] = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    return levels


def _islands(active: NDArray[Any], max_gap: int, min_silence: int) -> list[tuple[int, int]]:
    """Runs of active frames (bridging gaps < ``max_gap``) with ≥ ``min_silence`` quiet frames
    on both sides."""
    runs: list[list[int]] = []
    idx = np.flatnonzero(active)
    for i in idx:
        if runs and i - runs[-1][1] <= max_gap:
            runs[-1][1] = int(i)
        else:
            runs.append([int(i), int(i)])
    out = []
    for k, (a, b) in enumerate(runs):
        before = a - (runs[k - 1][1] if k else -min_silence - 1) - 1
        after = (runs[k + 1][0] if k + 1 < len(runs) else len(active) + min_silence) - b - 1
        if before >= min_silence and after >= min_silence:
            out.append((a, b + 1))
    return out


def _stretched(word: Word) -> bool:
    """Whisper gave the word far more time than its letters take (≥ 2.5× ~70 ms per letter)."""
    letters = len(re.sub(r"[^a-z0-9]", "", word.text.lower()))
    return (word.end - word.start) > 2.5 * (0.05 + 0.07 * max(1, letters))


def _unexplained(start: float, end: float, words: list[Word]) -> bool:
    """True unless words mostly inside [start, end] fill at least half of it, or two such words
    are in it. A word counts when
    at least half of it lies inside and Whisper did not stretch it (its way of swallowing a
    hesitation into a neighbouring word); a syllable between two stop closures is explained by
    the word it belongs to."""
    filled = 0.0
    count = 0
    for w in words:
        inside = min(w.end, end) - max(w.start, start)
        if inside < 0 or inside < 0.5 * (w.end - w.start) or _stretched(w):
            continue
        filled += inside
        count += 1
    # two whole words in it: speech (Whisper squeezes short words' times), not one hesitation
    return count < 2 and filled < 0.5 * (end - start)


# Spectral change of a hesitation vs a word (measured on generated speech: um/uh had frame flux
# 0.54–0.63 and drift 0.60–0.72; short words and word pairs ≥ 0.70 flux or ≥ 1.36 drift).
MAX_HESITATION_FLUX = 0.67
MAX_HESITATION_DRIFT = 1.0


def spectral_change(segment: NDArray[Any]) -> tuple[float, float]:
    """(median frame-to-frame change, change from the first to the last third) of the log
    spectrum (120 Hz–4 kHz, level-normalised), in natural-log units."""
    hop, win = 160, 400
    n = (len(segment) - win) // hop
    if n < 3:
        return 0.0, 0.0
    window = np.hanning(win)
    frames = np.stack([segment[i * hop : i * hop + win] * window for i in range(n)])
    logs = np.log(np.abs(np.fft.rfft(frames, axis=1))[:, 3:160] + 1e-6)
    logs -= logs.mean(axis=1, keepdims=True)
    flux = float(np.median(np.sqrt(((logs[1:] - logs[:-1]) ** 2).mean(axis=1))))
    third = max(1, n // 3)
    drift = float(np.sqrt(((logs[:third].mean(0) - logs[-third:].mean(0)) ** 2).mean()))
    return flux, drift


# Whisper sometimes writes a hesitation down but cannot align it: the word gets no duration and
# the start of the word after it (measured: "Ah," at 15.07–15.07 for an "uh" sounded at
# 14.56–14.91). Such a word is moved onto the island of sound just before it.
DEGENERATE_WORD_SECONDS = 0.05


def _degenerate(word: Word) -> bool:
    return word.end - word.start < DEGENERATE_WORD_SECONDS


@dataclass
class Hesitations:
    found: list[Word] = field(default_factory=list)  # not transcribed: new hesitation markers
    retimed: dict[int, Word] = field(default_factory=dict)  # index in ``words`` → re-timed word


def find_hesitations(audio: NDArray[Any], offset_s: float, words: list[Word]) -> Hesitations:
    """Hesitations Whisper did not write down (or could not place), found in the sound.

    Whisper tends to drop "um"/"uh" and stretch a neighbouring word over it. A hesitation is an
    island of sound between short silences (≥ 100 ms each side), 0.2–1.0 s long, mostly voiced
    at a steady pitch and steady spectrum (one drawn-out vowel or hum), that no transcribed word
    accounts for (see :func:`_unexplained`). Each one found becomes a hesitation marker. A
    hesitation Whisper wrote without a duration, just after such an island, takes its times.
    """
    import parselmouth

    out = Hesitations()
    db = _frame_db(audio)
    if db.size == 0:
        return out
    loud = float(np.percentile(db, 95))
    active = db > max(loud - 30.0, -60.0)
    for a, b in _islands(active, max_gap=4, min_silence=10):
        start, end = offset_s + a * _FRAME, offset_s + b * _FRAME
        if not 0.2 <= end - start <= 1.0:
            continue
        near = [
            i
            for i, w in enumerate(words)
            if hesitation_label(normalize(w.text)) and w.end > start - 0.6 and w.start < end + 0.6
        ]
        if near:  # already transcribed
            for i in near:
                w = words[i]
                others = words[:i] + words[i + 1 :]
                if (
                    i not in out.retimed
                    and _degenerate(w)
                    and end - 0.05 <= w.start <= end + 0.6
                    and _unexplained(start, end, others)
                ):
                    out.retimed[i] = replace(w, start=round(start, 3), end=round(end, 3))
            continue
        if not _unexplained(start, end, words):
            continue
        segment = audio[a * int(_FRAME * SAMPLE_RATE) : b * int(_FRAME * SAMPLE_RATE)]
        sound = parselmouth.Sound(segment.astype(np.float64), sampling_frequency=SAMPLE_RATE)
        f0 = sound.to_pitch(time_step=_FRAME, pitch_floor=75.0, pitch_ceiling=500.0)
        values = f0.selected_array["frequency"]
        voiced = values[values > 0]
        if values.size == 0 or voiced.size < 0.7 * values.size:
            continue
        if float(np.std(12 * np.log2(voiced / np.median(voiced)))) > 2.0:
            continue  # a hesitation is held at one pitch
        flux, drift = spectral_change(segment)
        if flux > MAX_HESITATION_FLUX or drift > MAX_HESITATION_DRIFT:
            continue  # and at one sound: no consonant-vowel transitions
        out.found.append(hesitation_marker(start, end))
    return out


#: A hesitation of the filler pass counts only if a word of the word pass starts this soon after.
FOLLOWED_WITHIN = 3.0


def merge_hesitations(
    words: list[Word], heard: list[Word], speech: list[tuple[float, float]]
) -> list[Word]:
    """``words`` plus the hesitations of a second decoding (``heard``) that the first one did
    not write, aligned on the first one's words: between two consecutive words of ``words``
    (a *slot*), as many of the second one's hesitations are added as it wrote there beyond the
    first one's. A candidate must lie in speech (``speech``: the VAD's segments), not inside a
    word of ``words`` (unless Whisper stretched that word over it, its way of swallowing a
    hesitation), and a word of ``words`` must follow within :data:`FOLLOWED_WITHIN`. Counting
    per slot, not pairing by time: the second decoding's times in a run of "uh, uh, uh" are too
    loose to pair them one by one (mfa_uhuh, tune split: pairing added four to nine); several of
    its hesitations put at the same instant count as one."""
    spoken = [w for w in words if not hesitation_label(normalize(w.text)) and w.kind == "word"]
    anchors = sorted(_middle(w) for w in spoken)
    mine = Counter(
        bisect.bisect(anchors, _middle(w))
        for w in words
        if w.kind != "word" or hesitation_label(normalize(w.text))
    )
    theirs: dict[int, list[Word]] = {}
    for h in heard:
        if not hesitation_label(normalize(h.text)):
            continue
        found = theirs.setdefault(bisect.bisect(anchors, _middle(h)), [])
        if not found or abs(found[-1].start - h.start) > 0.01:
            found.append(h)
    added: list[Word] = []
    for slot, hesitations in theirs.items():
        candidates = [h for h in hesitations if _may_add(h, spoken, speech)]
        added += [replace(h, filler=None) for h in candidates[: len(hesitations) - mine[slot]]]
    return sorted(words + added, key=lambda w: (w.start, w.end))


def _may_add(h: Word, spoken: list[Word], speech: list[tuple[float, float]]) -> bool:
    middle = _middle(h)
    if not any(s - 0.1 <= middle <= e + 0.1 for s, e in speech):
        return False
    # Prompted with fillers, Whisper goes on writing them after the last word of a window
    # (tune split: "align...er. Er..." at the end of mfa_internalsil): a hesitation comes
    # before something said.
    if not any(h.end - 0.1 <= w.start <= h.end + FOLLOWED_WITHIN for w in spoken):
        return False
    return not any(w.start + 0.03 < middle < w.end - 0.03 and not _stretched(w) for w in spoken)


def _middle(word: Word) -> float:
    return (word.start + word.end) / 2


def suspect_regions(
    words: list[Word],
    speech: list[tuple[float, float]],
    min_gap: float = 0.25,
    context: float = 0.5,
) -> list[tuple[float, float]]:
    """Where a hesitation the word pass did not write may be (seconds, merged): speech of at
    least ``min_gap`` that no word covers (between words, or before the first / after the last
    word of a stretch of speech) and words Whisper stretched over more time than their letters
    take; each widened by ``context`` on both sides so that the filler pass hears the words
    around it."""
    spoken = sorted(
        ((w.start, w.end) for w in words if w.kind == "word" and not _stretched(w)),
    )
    regions: list[tuple[float, float]] = [
        (w.start, w.end) for w in words if w.kind == "word" and _stretched(w)
    ]
    for seg_start, seg_end in speech:
        cursor = seg_start
        for start, end in spoken:
            if end <= seg_start or start >= seg_end:
                continue
            if start - cursor >= min_gap:
                regions.append((cursor, start))
            cursor = max(cursor, end)
        if seg_end - cursor >= min_gap:
            regions.append((cursor, seg_end))
    merged: list[tuple[float, float]] = []
    for start, end in sorted((s - context, e + context) for s, e in regions):
        start = max(0.0, start)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


#: Islands of sound for counting hesitations in a run: 20 dB below the loud level, apart by
#: ≥ 50 ms of quiet (finer than :func:`find_hesitations`' islands, which must stand alone).
RUN_ISLAND_DROP_DB = 20.0
RUN_ISLAND_SILENCE_FRAMES = 5


def _is_hesitation(word: Word) -> bool:
    return word.kind != "word" or hesitation_label(normalize(word.text)) is not None


def cap_hesitation_runs(audio: NDArray[Any], offset_s: float, words: list[Word]) -> list[Word]:
    """``words`` with a run of hesitations (no spoken word between them) cut down to the
    islands of sound it spans: each "uh" is a sound of its own between short silences, and
    Whisper writes more of them than were said, some with no duration or inside another
    (tune split, mfa_uhuh: eight for six said, over six islands). Words with no duration go
    first, then the last ones; a run keeps at least one."""
    db = _frame_db(audio)
    if db.size == 0:
        return words
    loud = float(np.percentile(db, 95))
    islands = _islands(
        db > max(loud - RUN_ISLAND_DROP_DB, -60.0),
        max_gap=4,
        min_silence=RUN_ISLAND_SILENCE_FRAMES,
    )
    runs: list[list[int]] = []
    for i, word in enumerate(words):
        if not _is_hesitation(word):
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    drop: set[int] = set()
    for run in runs:
        if len(run) < 2:
            continue
        start = min(words[i].start for i in run) - offset_s
        end = max(words[i].end for i in run) - offset_s
        sounds = sum(1 for a, b in islands if a * _FRAME < end and b * _FRAME > start)
        excess = len(run) - max(1, sounds)
        if excess > 0:
            order = sorted(run, key=lambda i: (not _degenerate(words[i]), -i))
            drop.update(order[:excess])
    return [w for i, w in enumerate(words) if i not in drop]
