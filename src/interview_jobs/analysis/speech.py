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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.media import SAMPLE_RATE, AudioBlock
from interview_jobs.analysis.options import AnalysisOptions

# Shown to Whisper as the previous text: it then writes hesitations down instead of dropping them.
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, so, uh, here's what I, um, think."

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
            self._transcribe(audio[:cut], final_segments, offset_s)
            self._timings["asr"] += time.perf_counter() - started
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
            language="en",
            task="transcribe",
            beam_size=self._options.beam_size,
            best_of=1,
            temperature=0.0,
            word_timestamps=True,
            vad_filter=False,
            condition_on_previous_text=True,
            initial_prompt=FILLER_PROMPT if self._options.filler_prompt else None,
            without_timestamps=False,
        )
        for segment in restore_speech_timestamps(result, chunks, SAMPLE_RATE):
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
