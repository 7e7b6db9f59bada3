"""Speech: voice activity (Silero VAD), transcript with word times (faster-whisper), pace,
pauses and filler words.

Audio arrives in small blocks; it is buffered up to ``audio_block_seconds`` and cut in the middle
of a silence, so that memory does not grow with the video and no word is cut in two. Pauses come
from the VAD (Whisper's word timestamps shrink gaps), words from Whisper run only on the speech
the VAD found, concatenated (no time spent transcribing silence).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.media import SAMPLE_RATE, AudioBlock
from interview_jobs.analysis.options import AnalysisOptions

# Shown to Whisper as the previous text / as hot words in every window: it then writes
# hesitations down instead of dropping them (see AnalysisOptions.filler_hint).
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, so, uh, here's what I, um, think."
FILLER_HOTWORDS = "Umm, uh, hmm, er, like, you know"

_HESITATIONS = {
    "um": "um", "umm": "um", "uhm": "um", "mm": "um", "hmm": "hmm", "hm": "hmm", "mhm": "hmm",
    "uh": "uh", "uhh": "uh", "er": "er", "erm": "er", "ah": "ah", "ahh": "ah",
}  # fmt: skip
_CLAUSE_STARTERS = {
    "i", "we", "you", "he", "she", "they", "it", "the", "a", "an", "my", "our", "so", "and",
    "but", "just", "really", "um", "uh", "that", "this", "there",
}  # fmt: skip
_KNOW_OBJECTS = {
    "what", "how", "that", "why", "where", "when", "who", "whether", "if", "the", "a", "an",
    "about", "it", "him", "her", "them", "this", "me", "us", "any", "some", "someone",
}  # fmt: skip
_KNOW_ASKERS = {"do", "did", "don't", "didn't", "if", "would", "as", "you'd", "to", "does"}
_PUNCT = ".,?!;:…\"'“”‘’()[]-–—"


def normalize(norm: str) -> str:
    return norm.strip().strip(_PUNCT).lower()


def _ends_clause(raw: str) -> bool:
    return bool(re.search(r"[,;:.?!…—–-]\s*$", raw.strip()))


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float
    filler: str | None = None  # the filler it belongs to ("um", "you know", "like"…)


def tag_fillers(words: list[Word]) -> list[Word]:
    """Mark filler words: hesitations (um, uh, er, hmm…) always; "like", "you know" and
    "I mean" only where used as fillers (set off by a comma or pause, not as a verb)."""
    out = list(words)
    n = len(out)
    for i, word in enumerate(out):
        norm = normalize(word.text)
        prev_raw = out[i - 1].text if i > 0 else "."
        prev = normalize(prev_raw)
        nxt = normalize(out[i + 1].text) if i + 1 < n else ""
        label: str | None = None
        if norm in _HESITATIONS:
            label = _HESITATIONS[norm]
        elif norm == "like":
            if _ends_clause(word.text) or (_ends_clause(prev_raw) and nxt in _CLAUSE_STARTERS):
                label = "like"
        elif norm == "know" and prev == "you" and i >= 1:
            before = out[i - 2].text if i >= 2 else "."
            if normalize(before) not in _KNOW_ASKERS and (
                _ends_clause(word.text) or (_ends_clause(before) and nxt not in _KNOW_OBJECTS)
            ):
                label = "you know"
                out[i - 1] = _with_filler(out[i - 1], label)
        elif norm == "mean" and prev == "i" and _ends_clause(word.text):
            label = "i mean"
            out[i - 1] = _with_filler(out[i - 1], label)
        if label:
            out[i] = _with_filler(word, label)
    return out


def _with_filler(word: Word, label: str) -> Word:
    return Word(word.text, word.start, word.end, word.confidence, label)


def count_fillers(words: list[Word]) -> Counter[str]:
    """Occurrences per filler ("you know" counts once, not per word)."""
    counts: Counter[str] = Counter()
    previous: Word | None = None
    for word in words:
        if word.filler and not (
            previous is not None and previous.filler == word.filler and " " in word.filler
        ):
            counts[word.filler] += 1
        previous = word if word.filler else None
    return counts


def filler_events(words: list[Word]) -> list[tuple[str, float]]:
    """(filler, start time) per occurrence."""
    events: list[tuple[str, float]] = []
    previous: Word | None = None
    for word in words:
        if word.filler and not (
            previous is not None and previous.filler == word.filler and " " in word.filler
        ):
            events.append((word.filler, word.start))
        previous = word if word.filler else None
    return events


@dataclass
class SpeechFindings:
    words: list[Word] = field(default_factory=list)
    speech_segments: list[tuple[float, float]] = field(default_factory=list)
    audio_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """What Whisper wrote (without the ``[hesitation]`` marks found in the sound)."""
        return " ".join(w.text for w in self.words if w.text != HESITATION_MARK)

    @property
    def speech_seconds(self) -> float:
        return sum(end - start for start, end in self.speech_segments)

    def pauses(self, min_seconds: float) -> list[tuple[float, float]]:
        """Silences of at least ``min_seconds`` between two stretches of speech."""
        gaps = []
        for (_, end), (start, _) in zip(
            self.speech_segments, self.speech_segments[1:], strict=False
        ):
            if start - end >= min_seconds:
                gaps.append((end, start))
        return gaps

    def words_per_minute(self) -> float | None:
        if len(self.words) < 2:
            return None
        span = self.words[-1].end - self.words[0].start
        if span < 1.0:
            return None
        return len(self.words) / (span / 60.0)

    def to_metrics(self, options: AnalysisOptions, duration: float) -> dict[str, Any]:
        """The ``metrics.speech`` fragment (CONTRACT.md), pitch/loudness come from voice."""
        wpm = self.words_per_minute()
        events = filler_events(self.words)
        counts = count_fillers(self.words)
        span_min = (self.words[-1].end - self.words[0].start) / 60 if len(self.words) > 1 else 0.0
        pauses = self.pauses(options.pause_min_seconds)
        return {
            "wordsPerMinute": round(wpm, 1) if wpm is not None else None,
            "wordCount": len(self.words),
            "speakingRatio": round(min(1.0, self.speech_seconds / duration), 3)
            if duration > 0
            else 0.0,
            "speechSeconds": round(self.speech_seconds, 2),
            "fillerWords": {
                "total": len(events),
                "perMinute": round(len(events) / span_min, 2) if span_min > 0 else 0.0,
                "per100Words": round(len(events) / len(self.words) * 100, 2) if self.words else 0.0,
                "byWord": dict(counts.most_common()),
                "items": [{"word": w, "start": round(t, 2)} for w, t in events],
            },
            "pauses": {
                "count": len(pauses),
                "minSeconds": options.pause_min_seconds,
                "totalSeconds": round(sum(e - s for s, e in pauses), 2),
                "longestSeconds": round(max((e - s for s, e in pauses), default=0.0), 2),
                "items": [{"start": round(s, 2), "end": round(e, 2)} for s, e in pauses],
            },
            "paceByMinute": self.pace_by_minute(),
        }

    def pace_by_minute(self, min_span: float = 20.0) -> list[dict[str, float]]:
        """Words per minute within each minute of the video (with ≥ ``min_span`` s of talk)."""
        if not self.words:
            return []
        out = []
        last = self.words[-1].end
        minute = 0
        while minute * 60 < last:
            lo, hi = minute * 60.0, (minute + 1) * 60.0
            inside = [w for w in self.words if lo <= w.start < hi]
            if inside:
                span = min(hi, inside[-1].end) - max(lo, inside[0].start)
                if span >= min_span and len(inside) >= 5:
                    out.append(
                        {
                            "start": lo,
                            "end": min(hi, last),
                            "wordsPerMinute": round(len(inside) / span * 60, 1),
                        }
                    )
            minute += 1
        return out


def _vad(audio: NDArray[Any]) -> list[tuple[int, int]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=0.5, min_speech_duration_ms=120, min_silence_duration_ms=250, speech_pad_ms=30
    )
    return [(int(s["start"]), int(s["end"])) for s in get_speech_timestamps(audio, options)]


class SpeechAnalyzer:
    """Feeds audio blocks through VAD and Whisper; :meth:`finish` gives :class:`SpeechFindings`."""

    name = "speech"

    def __init__(
        self,
        model: Any,
        options: AnalysisOptions,
        on_progress: Callable[[float], None] | None = None,
    ) -> None:
        self._model = model
        self._options = options
        self._on_progress = on_progress
        self._buffer: list[NDArray[Any]] = []
        self._buffered = 0
        self._buffer_offset = 0  # samples
        self._findings = SpeechFindings()
        self._timings = {"vad": 0.0, "asr": 0.0}
        self._batched: Any = None

    def feed(self, block: AudioBlock) -> None:
        self._buffer.append(block.samples)
        self._buffered += len(block.samples)
        self._findings.audio_seconds = (self._buffer_offset + self._buffered) / SAMPLE_RATE
        if self._buffered >= self._options.audio_block_seconds * SAMPLE_RATE:
            self._process(final=False)

    def finish(self) -> SpeechFindings:
        if self._buffered:
            self._process(final=True)
        self._findings.words = tag_fillers(self._findings.words)
        self._findings.timings = dict(self._timings)
        return self._findings

    def _process(self, *, final: bool) -> None:
        audio = np.concatenate(self._buffer) if len(self._buffer) > 1 else self._buffer[0]
        started = time.perf_counter()
        segments = _vad(audio)
        self._timings["vad"] += time.perf_counter() - started
        cut = len(audio)
        if not final and segments:
            cut = _cut_point(segments, len(audio))
        final_segments = [(s, min(e, cut)) for s, e in segments if s < cut]
        offset_s = self._buffer_offset / SAMPLE_RATE
        self._add_segments(
            [(offset_s + s / SAMPLE_RATE, offset_s + e / SAMPLE_RATE) for s, e in final_segments]
        )
        if final_segments:
            started = time.perf_counter()
            first_new = len(self._findings.words)
            self._transcribe(audio[:cut], final_segments, offset_s)
            self._timings["asr"] += time.perf_counter() - started
            if self._options.acoustic_fillers:
                started = time.perf_counter()
                words = self._findings.words
                hesitations = find_hesitations(audio[:cut], offset_s, words[first_new:])
                for i, word in hesitations.retimed.items():
                    words[first_new + i] = word
                self._findings.words = sorted(
                    words + hesitations.found, key=lambda w: (w.start, w.end)
                )
                self._timings["hesitations"] = (
                    self._timings.get("hesitations", 0.0) + time.perf_counter() - started
                )
        rest = audio[cut:]
        self._buffer = [rest] if len(rest) else []
        self._buffered = len(rest)
        self._buffer_offset += cut

    def _add_segments(self, segments: list[tuple[float, float]]) -> None:
        existing = self._findings.speech_segments
        for start, end in segments:
            if existing and start - existing[-1][1] < 0.01:  # touching across a block cut
                existing[-1] = (existing[-1][0], end)
            else:
                existing.append((start, end))

    def _transcribe(
        self, audio: NDArray[Any], segments: list[tuple[int, int]], offset_s: float
    ) -> None:
        hint = self._options.resolved_filler_hint
        common: dict[str, Any] = {
            "language": "en",
            "task": "transcribe",
            "beam_size": self._options.beam_size,
            "best_of": 1,
            "word_timestamps": True,
            "vad_filter": False,
            "initial_prompt": FILLER_PROMPT if hint == "prompt" else None,
            "hotwords": FILLER_HOTWORDS if hint == "hotwords" else None,
        }
        if self._options.resolved_batch_size > 1:
            segments_iter = self._transcribe_batched(audio, segments, common)
        else:
            segments_iter = self._transcribe_sequential(audio, segments, common)
        for segment in segments_iter:
            if is_hallucinated(segment.text, segment.end - segment.start):
                continue
            for w in segment.words or []:
                text = w.word.strip()
                if not text:
                    continue
                self._findings.words.append(
                    Word(
                        text=text,
                        start=round(offset_s + max(0.0, w.start), 3),
                        end=round(offset_s + max(w.start, w.end), 3),
                        confidence=round(min(1.0, max(0.0, float(w.probability))), 4),
                    )
                )
            if self._on_progress is not None:
                self._on_progress(offset_s + segment.end)

    def _transcribe_batched(
        self, audio: NDArray[Any], segments: list[tuple[int, int]], common: dict[str, Any]
    ) -> Iterator[Any]:
        """Speech packed into clips of ≤ 30 s (one Whisper window each), decoded in batches:
        on 2 cores this took ~25% less CPU than sequential decoding of the same speech, and no
        window is conditioned on a previous one (no run-away repetition)."""
        from faster_whisper import BatchedInferencePipeline

        if self._batched is None:
            self._batched = BatchedInferencePipeline(self._model)
        clips = pack_clips(segments, len(audio))
        result, _info = self._batched.transcribe(
            audio,
            clip_timestamps=clips,
            batch_size=self._options.resolved_batch_size,
            without_timestamps=True,
            **common,
        )
        yield from result

    def _transcribe_sequential(
        self, audio: NDArray[Any], segments: list[tuple[int, int]], common: dict[str, Any]
    ) -> Iterator[Any]:
        """Speech concatenated (silence cut out) and decoded window after window, each window
        conditioned on the text before it."""
        from faster_whisper.transcribe import restore_speech_timestamps
        from faster_whisper.vad import collect_chunks

        pad = int(0.2 * SAMPLE_RATE)
        chunks: list[dict[str, int]] = []
        for start, end in segments:
            s, e = max(0, start - pad), min(len(audio), end + pad)
            if chunks and s <= chunks[-1]["end"]:
                chunks[-1]["end"] = max(chunks[-1]["end"], e)
            else:
                chunks.append({"start": s, "end": e})
        pieces, _ = collect_chunks(audio, chunks)
        speech = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
        result, _info = self._model.transcribe(
            speech,
            # Whisper's own guard against repetition loops: a window whose text compresses too
            # well (compression ratio > 2.4) or is improbable is decoded again, warmer.
            temperature=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
            compression_ratio_threshold=2.4,
            log_prob_threshold=-1.0,
            condition_on_previous_text=True,
            without_timestamps=False,
            **common,
        )
        yield from restore_speech_timestamps(result, chunks, SAMPLE_RATE)


def pack_clips(
    segments: list[tuple[int, int]],
    length: int,
    max_seconds: float = 29.0,
    max_gap_seconds: float = 2.5,
    pad_seconds: float = 0.2,
) -> list[dict[str, float]]:
    """Speech segments (samples) packed into clips (seconds) of at most ``max_seconds`` that
    span no silence longer than ``max_gap_seconds``; a longer segment is cut."""
    clips: list[dict[str, float]] = []
    pad = pad_seconds
    total = length / SAMPLE_RATE
    for start_i, end_i in segments:
        start, end = start_i / SAMPLE_RATE, end_i / SAMPLE_RATE
        while end - start > max_seconds:  # continuous speech: cut (rare: no 250 ms breath)
            clips.append({"start": max(0.0, start - pad), "end": start + max_seconds})
            start += max_seconds
        if (
            clips
            and end - clips[-1]["start"] <= max_seconds
            and start - clips[-1]["end"] < max_gap_seconds
        ):
            clips[-1]["end"] = min(total, end + pad)
        else:
            clips.append({"start": max(0.0, start - pad), "end": min(total, end + pad)})
    return clips


HESITATION_MARK = "[hesitation]"
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
    found: list[Word] = field(default_factory=list)  # not transcribed: new [hesitation] words
    retimed: dict[int, Word] = field(default_factory=dict)  # index in ``words`` → re-timed word


def find_hesitations(audio: NDArray[Any], offset_s: float, words: list[Word]) -> Hesitations:
    """Hesitations Whisper did not write down (or could not place), found in the sound.

    Whisper tends to drop "um"/"uh" and stretch a neighbouring word over it. A hesitation is an
    island of sound between short silences (≥ 100 ms each side), 0.2–1.0 s long, mostly voiced
    at a steady pitch and steady spectrum (one drawn-out vowel or hum), that no transcribed word
    accounts for (see :func:`_unexplained`). Each one found becomes a ``[hesitation]`` word. A
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
            if normalize(w.text) in _HESITATIONS and w.end > start - 0.6 and w.start < end + 0.6
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
        out.found.append(Word(HESITATION_MARK, round(start, 3), round(end, 3), 0.5, "hesitation"))
    return out


def is_hallucinated(text: str, seconds: float) -> bool:
    """A Whisper segment that no one said: a phrase repeated over and over, or more words than a
    person can say in the time (> 7 words/s)."""
    words = [normalize(w) for w in text.split() if normalize(w)]
    if seconds > 0 and len(words) / seconds > 7.0 and len(words) > 8:
        return True
    for n in (1, 2, 3, 4, 5):
        grams = [tuple(words[i : i + n]) for i in range(0, len(words) - n + 1)]
        run = best = 1
        for i in range(n, len(grams), n):
            run = run + 1 if grams[i] == grams[i - n] else 1
            best = max(best, run)
        if best >= 5:
            return True
    return False


def _cut_point(segments: list[tuple[int, int]], length: int) -> int:
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
