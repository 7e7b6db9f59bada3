"""Options of one :class:`~interview_jobs.analysis.Analyzer` (map to Settings of config.py)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ANALYSIS_TYPES = ("comprehensive", "speech", "visual")


@dataclass(frozen=True)
class AnalysisOptions:
    """How to analyse; defaults are the measured sweet spot on a 2-core CPU.

    ``asr_model`` is ``"base"`` or ``"tiny.en"`` (Whisper weights shipped in pinned pip packages,
    verified by sha256) or the path of a local faster-whisper model directory (not verified).
    ``model_cache_dir`` is where the base model's two parts are joined once (default: the user
    cache directory).
    """

    asr_model: str = "base"
    model_cache_dir: Path | None = None
    #: ctranslate2 threads for Whisper (the visual branch runs beside it in its own thread).
    cpu_threads: int = 2
    #: Whisper's beam (1 = greedy). 5, Whisper's default: on the real recordings greedy decoding
    #: fell into loops on cut-off words and had more word errors than a plain beam-5 run
    #: (bench/real_speech.py).
    beam_size: int = 5
    #: Whisper windows decoded together (faster-whisper's batched pipeline); 1 = one after the
    #: other, each conditioned on the previous text (a batched window that loops is decoded
    #: again that way); None = 4, but 1 for tiny.en (measured on
    #: five generated clips: base batched took ~10% less CPU at WER 0–2.6% and filler recall
    #: 0.83 vs 0.90; tiny.en batched lost fillers, 0.67 vs 0.98, and tiny is fast anyway).
    asr_batch_size: int | None = None
    #: A hint shown to the word pass' Whisper to write "um"/"uh" down: ``"hotwords"`` (a filler
    #: list in every window's prompt), ``"prompt"`` (an initial prompt with fillers) or
    #: ``"none"``; ``"auto"`` is none: on real speech a hint cost word accuracy (issue 13), so
    #: fillers come from the filler pass and the sound.
    filler_hint: str = "auto"
    #: A second, cheap decoding of the same speech for the fillers only: a bundled Whisper
    #: (``"tiny.en"``) with a prompt full of fillers writes "um"/"uh"/"hmm" down; those the word
    #: pass did not write are added where it has no word. ``"none"``: no filler pass.
    filler_asr_model: str = "tiny.en"
    #: Also find hesitations Whisper dropped, from the sound (short steady voiced islands that
    #: hold no transcribed word); they appear as hesitation markers among the words.
    acoustic_fillers: bool = True
    #: Frames per second handed to the face mesh.
    frame_sample_fps: float = 2.0
    #: Frames are scaled down to at most this width before the face mesh (speed; the mesh works
    #: on 192 px crops anyway).
    frame_max_width: int = 640
    #: Silence between speech of at least this long is a pause.
    pause_min_seconds: float = 1.0
    #: A pause at least this long gets its own feedback item.
    long_pause_seconds: float = 3.0
    #: Audio is analysed in blocks of about this length (memory stays flat in video length:
    #: measured peak 652 MiB for a 60 s clip, 674 MiB for 10 min; 120 s blocks grew 1.3×).
    audio_block_seconds: float = 60.0
    #: Refuse longer media (``too_long``); also stops decoding a file whose header lies.
    max_duration_seconds: float = 3 * 3600.0
    #: Refuse frames larger than this many pixels (``too_large``), e.g. 8K UHD is 33 Mpx.
    max_frame_pixels: int = 7680 * 4320
    #: Give up on a stream after this many undecodable packets, if they are most of it.
    max_decode_errors: int = 200

    def __post_init__(self) -> None:
        if self.cpu_threads < 1:
            raise ValueError("cpu_threads must be at least 1")
        if self.beam_size < 1:
            raise ValueError("beam_size must be at least 1")
        if self.asr_batch_size is not None and self.asr_batch_size < 1:
            raise ValueError("asr_batch_size must be at least 1")
        if not 0.1 <= self.frame_sample_fps <= 30:
            raise ValueError("frame_sample_fps must be between 0.1 and 30")
        if self.frame_max_width < 64:
            raise ValueError("frame_max_width must be at least 64")
        if self.audio_block_seconds < 20:
            raise ValueError("audio_block_seconds must be at least 20")
        if self.filler_hint not in ("auto", "hotwords", "prompt", "none"):
            raise ValueError("filler_hint must be auto, hotwords, prompt or none")
        if self.filler_asr_model not in ("none", "tiny.en", "base"):
            raise ValueError("filler_asr_model must be none, tiny.en or base")
        if self.pause_min_seconds <= 0 or self.long_pause_seconds < self.pause_min_seconds:
            raise ValueError("need 0 < pause_min_seconds <= long_pause_seconds")

    @property
    def resolved_filler_hint(self) -> str:
        return "none" if self.filler_hint == "auto" else self.filler_hint

    @property
    def resolved_batch_size(self) -> int:
        if self.asr_batch_size is not None:
            return self.asr_batch_size
        return 1 if self.asr_model == "tiny.en" else 4

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> AnalysisOptions:
        """Options from :class:`interview_jobs.config.Settings` (its ``asr_model``,
        ``model_cache_dir`` and ``analysis_*`` fields), plus keyword overrides."""
        values: dict[str, Any] = {}
        names = {f.name for f in fields(cls)}
        for name in names:
            for attr in (name, f"analysis_{name}"):
                value = getattr(settings, attr, None)
                if value is not None:
                    values[name] = value
                    break
        values.update(overrides)
        return cls(**values)
