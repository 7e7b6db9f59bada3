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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.fillers import (
    HESITATION_MARK,
    Word,
    count_fillers,
    filler_events,
    filler_items,
    hesitation_label,
    normalize,
    tag_fillers,
)
from interview_jobs.analysis.hesitations import (
    cap_hesitation_runs,
    find_hesitations,
    merge_hesitations,
    suspect_regions,
)
from interview_jobs.analysis.media import SAMPLE_RATE, AudioBlock
from interview_jobs.analysis.options import AnalysisOptions
from interview_jobs.analysis.vad import (
    ASR_VAD_THRESHOLD,
    VAD_THRESHOLD,
    cut_point,
    speech_stretches,
)

__all__ = ["HESITATION_MARK", "SpeechAnalyzer", "SpeechFindings", "Word", "filler_events"]

# Shown to Whisper as the previous text / as hot words in every window: it then writes
# hesitations down instead of dropping them (see AnalysisOptions.filler_hint).
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, so, uh, here's what I, um, think."
FILLER_HOTWORDS = "Umm, uh, hmm, er, like, you know"


@dataclass
class SpeechFindings:
    words: list[Word] = field(default_factory=list)
    speech_segments: list[tuple[float, float]] = field(default_factory=list)
    audio_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """What Whisper wrote (without the hesitation markers found in the sound)."""
        return " ".join(w.text for w in self.words if w.kind == "word")

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
                "items": filler_items(self.words),
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


@dataclass(frozen=True)
class _Decoding:
    """How one pass decodes: beam, windows per batch, and the hint shown to Whisper."""

    beam_size: int
    batch_size: int
    hint: str  # "none", "prompt" or "hotwords"
    #: decode a looping window again, stretch by stretch (see :func:`_transcribe_sequential`);
    #: the filler pass does not: it keeps only hesitations, and a loop is dropped by
    #: :func:`is_hallucinated`
    fallback: bool = True
    #: Whisper's timestamp tokens (segments inside a window); without them a window is one
    #: segment and the words keep the times of the alignment. The filler pass goes without:
    #: measured 2026-12-03 on the 10-minute generated clip, the pass took 11.3 s instead of 21-25 s
    #: (fewer tokens to generate) and found the same 61 fillers; on the real recordings 6 of
    #: the tune split's 7 fillers instead of 7, 8 of the held-out 12 as before, none counted
    #: wrongly (bench/real_speech.py).
    timestamps: bool = True

    def kwargs(self) -> dict[str, Any]:
        return {
            "language": "en",
            "task": "transcribe",
            "beam_size": self.beam_size,
            "best_of": 1,
            "word_timestamps": True,
            "vad_filter": False,
            "initial_prompt": FILLER_PROMPT if self.hint == "prompt" else None,
            "hotwords": FILLER_HOTWORDS if self.hint == "hotwords" else None,
        }


class SpeechAnalyzer:
    """Feeds audio blocks through VAD and Whisper; :meth:`finish` gives :class:`SpeechFindings`.

    ``filler_model`` (optional) is the Whisper model of the filler pass
    (:attr:`AnalysisOptions.filler_asr_model`): it decodes the same speech again with a prompt full
    of fillers, and the hesitations it writes where the word pass has none are added.
    """

    name = "speech"

    def __init__(
        self,
        model: Any,
        options: AnalysisOptions,
        on_progress: Callable[[float], None] | None = None,
        filler_model: Any = None,
    ) -> None:
        self._model = model
        if filler_model is None and options.filler_asr_model != "none":
            from interview_jobs.analysis.models import shared_whisper

            filler_model = shared_whisper(
                options.filler_asr_model, options.model_cache_dir, options.cpu_threads
            )
        self._filler_model = filler_model
        self._options = options
        self._on_progress = on_progress
        self._buffer: list[NDArray[Any]] = []
        self._buffered = 0
        self._buffer_offset = 0  # samples
        self._findings = SpeechFindings()
        self._timings = {"vad": 0.0, "asr": 0.0}
        self._batched: dict[int, Any] = {}

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

    def _time(self, key: str, started: float) -> None:
        self._timings[key] = self._timings.get(key, 0.0) + time.perf_counter() - started

    def _process(self, *, final: bool) -> None:
        audio = np.concatenate(self._buffer) if len(self._buffer) > 1 else self._buffer[0]
        started = time.perf_counter()
        segments, asr_segments = speech_stretches(audio, (VAD_THRESHOLD, ASR_VAD_THRESHOLD))
        self._time("vad", started)
        cut = len(audio)
        if not final and asr_segments:
            cut = cut_point(asr_segments, len(audio))
        offset_s = self._buffer_offset / SAMPLE_RATE
        self._add_segments(
            [
                (offset_s + s / SAMPLE_RATE, offset_s + min(e, cut) / SAMPLE_RATE)
                for s, e in segments
                if s < cut
            ]
        )
        final_segments = [(s, min(e, cut)) for s, e in asr_segments if s < cut]
        speech = [
            (offset_s + s / SAMPLE_RATE, offset_s + e / SAMPLE_RATE) for s, e in final_segments
        ]
        if final_segments:
            options = self._options
            started = time.perf_counter()
            words = self._decode(
                self._model,
                audio[:cut],
                final_segments,
                offset_s,
                _Decoding(
                    options.beam_size, options.resolved_batch_size, options.resolved_filler_hint
                ),
                self._on_progress,
            )
            self._time("asr", started)
            if self._filler_model is not None:
                started = time.perf_counter()
                # only where a hesitation may hide: fluent speech costs the filler pass little
                regions = [
                    (int((a - offset_s) * SAMPLE_RATE), min(cut, int((b - offset_s) * SAMPLE_RATE)))
                    for a, b in suspect_regions(words, speech)
                ]
                if regions:
                    heard = self._decode(
                        self._filler_model,
                        audio[:cut],
                        regions,
                        offset_s,
                        _Decoding(1, 1, "prompt", fallback=False, timestamps=False),
                        None,
                    )
                    words = merge_hesitations(words, heard, speech)
                self._time("filler_pass", started)
            if options.acoustic_fillers:
                started = time.perf_counter()
                hesitations = find_hesitations(audio[:cut], offset_s, words)
                for i, word in hesitations.retimed.items():
                    words[i] = word
                words = sorted(words + hesitations.found, key=lambda w: (w.start, w.end))
                words = cap_hesitation_runs(audio[:cut], offset_s, words)
                self._time("hesitations", started)
            self._findings.words.extend(words)
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

    def _decode(
        self,
        model: Any,
        audio: NDArray[Any],
        segments: list[tuple[int, int]],
        offset_s: float,
        decoding: _Decoding,
        on_progress: Callable[[float], None] | None,
    ) -> list[Word]:
        common = decoding.kwargs()
        words: list[Word] = []
        if decoding.batch_size <= 1:
            self._collect(
                _transcribe_sequential(
                    model, audio, segments, common, decoding.fallback, decoding.timestamps
                ),
                offset_s,
                words,
                on_progress,
            )
            return words
        clips = pack_clips(segments, len(audio))
        looped = self._collect(
            self._transcribe_batched(model, audio, clips, common, decoding.batch_size),
            offset_s,
            words,
            on_progress,
        )
        # A window whose text was a loop (measured on the real recordings: windows looped on
        # cut-off words, "Mon- Mon- treat- …") is decoded again, deterministically: its
        # stretches of speech one by one (see _transcribe_sequential).
        for lo, hi in sorted({_clip_of(clips, t) for t in looped}):
            inside = [(s, e) for s, e in segments if lo <= s / SAMPLE_RATE < hi]
            if inside:
                self._collect(_redecode(model, audio, inside, common), offset_s, words, None)
        words.sort(key=lambda w: (w.start, w.end))
        return words

    @staticmethod
    def _collect(
        segments: Iterator[Any],
        offset_s: float,
        words: list[Word],
        on_progress: Callable[[float], None] | None,
    ) -> list[float]:
        """Append the words of Whisper's segments; return the middle (s, in the buffer) of the
        segments left out as hallucinated."""
        looped: list[float] = []
        for segment in segments:
            if is_hallucinated(segment.text, segment.end - segment.start):
                looped.append((segment.start + segment.end) / 2)
                continue
            for w in segment.words or []:
                text = w.word.strip()
                if not text:
                    continue
                words.append(
                    Word(
                        text=text,
                        start=round(offset_s + max(0.0, w.start), 3),
                        end=round(offset_s + max(w.start, w.end), 3),
                        confidence=round(min(1.0, max(0.0, float(w.probability))), 4),
                    )
                )
            if on_progress is not None:
                on_progress(offset_s + segment.end)
        return looped

    def _transcribe_batched(
        self,
        model: Any,
        audio: NDArray[Any],
        clips: list[dict[str, float]],
        common: dict[str, Any],
        batch_size: int,
    ) -> Iterator[Any]:
        """Speech packed into clips of ≤ 30 s (one Whisper window each), decoded in batches:
        on 2 cores this took ~25% less CPU than sequential decoding of the same speech, and no
        window is conditioned on a previous one (no run-away repetition)."""
        from faster_whisper import BatchedInferencePipeline

        if id(model) not in self._batched:
            self._batched[id(model)] = BatchedInferencePipeline(model)
        result, _info = self._batched[id(model)].transcribe(
            audio,
            clip_timestamps=clips,
            batch_size=batch_size,
            without_timestamps=True,
            **common,
        )
        yield from result


def _transcribe_sequential(
    model: Any,
    audio: NDArray[Any],
    segments: list[tuple[int, int]],
    common: dict[str, Any],
    fallback: bool = True,
    timestamps: bool = True,
) -> Iterator[Any]:
    """Speech concatenated (silence cut out) and decoded window after window, each window
    conditioned on the text before it (with or without timestamp tokens: :class:`_Decoding`).

    Always at temperature 0: Whisper's temperature fallback samples, so the same audio gave
    other words and fillers from run to run (measured on the real recordings: 3 to 13
    hesitations on mfa_uhuh + mfa_uhum). Instead, with ``fallback``, a window whose text is a
    loop (:func:`is_hallucinated`) is decoded again without the text before it and with no
    3-gram of tokens repeated (real mfa_uhuh: "uh uh uh …" to the end of the window at
    temperature 0 or with a repetition penalty, 18 CPU-s; with the 3-gram rule "Montreal, uh,
    uh... uh... uh... Forstyliner." in 1.3 CPU-s); what still loops is left out by the
    caller."""
    for segment in _decode_concatenated(
        model, audio, segments, common, condition=True, timestamps=timestamps
    ):
        if not fallback or not is_hallucinated(segment.text, segment.end - segment.start):
            yield segment
            continue
        lo, hi = segment.start * SAMPLE_RATE, segment.end * SAMPLE_RATE
        inside = [(s, e) for s, e in segments if e > lo and s < hi] or [(int(lo), int(hi))]
        yield from _redecode(model, audio, inside, common)


def _redecode(
    model: Any, audio: NDArray[Any], segments: list[tuple[int, int]], common: dict[str, Any]
) -> Iterator[Any]:
    """The speech of a window that looped, decoded again: without the text before it and with
    no 3-gram of tokens repeated (deterministic, unlike Whisper's temperature fallback)."""
    yield from _decode_concatenated(
        model,
        audio,
        segments,
        {**common, "no_repeat_ngram_size": 3},
        condition=False,
        timestamps=False,  # timestamp tokens between them, repeated words make new 3-grams
    )


def _decode_concatenated(
    model: Any,
    audio: NDArray[Any],
    segments: list[tuple[int, int]],
    common: dict[str, Any],
    *,
    condition: bool,
    timestamps: bool = True,
) -> Iterator[Any]:
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
    result, _info = model.transcribe(
        speech,
        temperature=0.0,  # no sampling: the same audio gives the same words
        # with one temperature these only let Whisper skip a window it finds silent
        # (no-speech probability > 0.6 at a mean log probability < -1)
        compression_ratio_threshold=2.4,
        log_prob_threshold=-1.0,
        condition_on_previous_text=condition,
        without_timestamps=not timestamps,
        **common,
    )
    yield from restore_speech_timestamps(result, chunks, SAMPLE_RATE)


def _clip_of(clips: list[dict[str, float]], t: float) -> tuple[float, float]:
    """The (start, end) of the clip that holds time ``t`` (or the nearest one)."""
    best = min(clips, key=lambda c: 0.0 if c["start"] <= t <= c["end"] else abs(t - c["start"]))
    return best["start"], best["end"]


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


def is_hallucinated(text: str, seconds: float) -> bool:
    """A Whisper segment that no one said: a phrase repeated over and over, or more words than a
    person can say in the time (> 7 words/s). Hesitations are left out of the repetition rule: a
    speaker does say "uh, uh, uh, uh, uh" (the real recording mfa_uhuh lost its whole transcript
    to it); more than 12 in one window is a loop."""
    words = [w for w in (normalize(w) for w in re.findall(r"[\w']+", text)) if w]
    if seconds > 0 and len(words) / seconds > 7.0 and len(words) > 8:
        return True
    if sum(1 for w in words if hesitation_label(w)) > 12:
        return True  # more than anyone hesitates in one window: a loop
    words = [w for w in words if not hesitation_label(w)]
    for n in (1, 2, 3, 4, 5):
        grams = [tuple(words[i : i + n]) for i in range(0, len(words) - n + 1)]
        run = best = 1
        for i in range(n, len(grams), n):
            run = run + 1 if grams[i] == grams[i - n] else 1
            best = max(best, run)
        # a loop fills the window; a speaker's "word, word, word, word, word" does not
        if best >= 5 and best * n >= 0.6 * len(words):
            return True
    return False
