"""The pipeline: probe, decode once (streaming), run the registered analyzers, score, and build
the CONTRACT.md analysis object.

Two branches run side by side on the two cores: speech (audio blocks → VAD/Whisper, voice) in
the calling thread, visual (sampled frames → face mesh) in one helper thread; ctranslate2,
FFmpeg and MediaPipe do their work outside the GIL. A new analyzer is one module and one line
in :data:`AUDIO_ANALYZERS`, :data:`FRAME_ANALYZERS` or :data:`TEXT_ANALYZERS`.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from interview_jobs.analysis.content.answers import (
    embedding_similarity,
    split_answers,
)
from interview_jobs.analysis.content.assess import (
    AnswersFindings,
    ContentModels,
    assess_answers,
    candidate_speech,
    candidate_voice,
    load_content_models,
    remembering,
)
from interview_jobs.analysis.errors import AnalysisError, MediaError
from interview_jobs.analysis.feedback import Feedback, clock
from interview_jobs.analysis.media import (
    AudioBlock,
    DecodeReport,
    MediaInfo,
    SampledFrame,
    iter_audio,
    iter_frames,
    probe,
)
from interview_jobs.analysis.options import ANALYSIS_TYPES, AnalysisOptions
from interview_jobs.analysis.scoring import combine, score_all
from interview_jobs.analysis.speakers import SpeakerAnalyzer, SpeakerFindings
from interview_jobs.analysis.speech import SpeechAnalyzer, SpeechFindings
from interview_jobs.analysis.text import TextFindings, analyze_text
from interview_jobs.analysis.visual import FaceAnalyzer, VisualFindings
from interview_jobs.analysis.voice import VoiceAnalyzer, VoiceFindings
from interview_jobs.analysis.voice_encoder import load_encoder

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
ProgressFn = Callable[[float, str], None]


class AudioStage(Protocol):
    name: str

    def feed(self, block: AudioBlock) -> None: ...
    def finish(self) -> Any: ...


class FrameStage(Protocol):
    name: str

    def feed(self, frame: SampledFrame) -> None: ...
    def finish(self) -> Any: ...


@dataclass
class RunContext:
    """What an analyzer factory may use: options, the shared models, a progress hook."""

    options: AnalysisOptions
    analyzer: Analyzer
    media: MediaInfo
    on_audio_progress: Callable[[float], None]


# The registries: (name, factory). Findings are collected under the name.
AUDIO_ANALYZERS: tuple[tuple[str, Callable[[RunContext], AudioStage]], ...] = (
    (
        "speech",
        lambda ctx: SpeechAnalyzer(ctx.analyzer.whisper(), ctx.options, ctx.on_audio_progress),
    ),
    ("voice", lambda ctx: VoiceAnalyzer()),
    ("speakers", lambda ctx: SpeakerAnalyzer()),
)
FRAME_ANALYZERS: tuple[tuple[str, Callable[[RunContext], FrameStage]], ...] = (
    ("visual", lambda ctx: FaceAnalyzer()),
)
TEXT_ANALYZERS: tuple[tuple[str, Callable[[str], Any]], ...] = (("text", analyze_text),)


class _Aborted(Exception):
    """Carries an exception raised by the caller's progress callback through our handlers."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(repr(original))
        self.original = original


class _Progress:
    """Monotonic, throttled progress from two branches.

    Calls to the callback are serialised (one at a time, never concurrently) and come from the
    calling thread or, while Whisper holds it for seconds, from the visual branch's thread, so
    that a progress bar moves every half second. An exception raised by the callback in the
    helper thread stops that branch and is raised in the calling thread at its next report.
    """

    def __init__(self, callback: ProgressFn | None, weights: dict[str, float]) -> None:
        self._callback = callback
        total = sum(weights.values()) or 1.0
        self._weights = {k: v / total for k, v in weights.items()}
        self._done = dict.fromkeys(weights, 0.0)
        self._last_value = -1.0
        self._last_time = 0.0
        self._lock = threading.Lock()
        self._call_lock = threading.Lock()
        self._owner = threading.get_ident()
        self.aborted: BaseException | None = None
        self.stage = "probe"

    def set(self, branch: str, fraction: float) -> None:
        with self._lock:
            self._done[branch] = max(self._done.get(branch, 0.0), min(1.0, max(0.0, fraction)))

    def report(
        self, stage: str | None = None, force: bool = False, value: float | None = None
    ) -> None:
        if stage is not None and threading.get_ident() == self._owner:
            self.stage = stage
        self.raise_if_aborted()
        if self._callback is None:
            return
        with self._call_lock:
            with self._lock:
                fraction = (
                    value
                    if value is not None
                    else 0.02 + 0.93 * sum(self._weights[k] * v for k, v in self._done.items())
                )
            fraction = max(self._last_value, min(1.0, fraction))
            now = time.monotonic()
            if not force and fraction - self._last_value < 0.005 and now - self._last_time < 0.5:
                return
            self._last_value, self._last_time = fraction, now
            try:
                self._callback(round(fraction, 4), self.stage)
            except BaseException as exc:
                if threading.get_ident() == self._owner:
                    raise _Aborted(exc) from exc
                self.aborted = exc
                raise _Aborted(exc) from exc

    def raise_if_aborted(self) -> None:
        if self.aborted is not None and threading.get_ident() == self._owner:
            raise _Aborted(self.aborted)


@contextmanager
def _job_dir(work_dir: Path | None) -> Iterator[Path]:
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
        yield Path(work_dir)
        return
    own = Path(tempfile.mkdtemp(prefix="interview-analysis-"))
    try:
        yield own
    finally:
        shutil.rmtree(own, ignore_errors=True)


def _timed(iterator: Iterator[Any], timings: dict[str, float], key: str) -> Iterator[Any]:
    """Charge the time spent producing each item to ``timings[key]``."""
    while True:
        started = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            timings[key] = timings.get(key, 0.0) + time.perf_counter() - started
            return
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - started
        yield item


@dataclass
class _Run:
    info: MediaInfo
    analysis_type: str
    want_speech: bool
    want_visual: bool
    feedback: list[Feedback] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    findings: dict[str, Any] = field(default_factory=dict)
    decoded_seconds: float = 0.0
    truncated: bool = False
    questions: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # tracks wanted but absent from the file


class Analyzer:
    """Analyses interview videos; models load lazily once and are reused across calls.

    One ``analyze()`` at a time per instance (a worker process runs one job at a time); calls
    from several threads are serialised.
    """

    def __init__(self, options: AnalysisOptions | None = None) -> None:
        self.options = options or AnalysisOptions()
        self._whisper: Any = None
        self._content: ContentModels | None = None
        self._model_lock = threading.Lock()
        self._run_lock = threading.Lock()

    # ---- models ----
    def whisper(self) -> Any:
        """The faster-whisper model (resolved, verified and loaded on first use)."""
        with self._model_lock:
            if self._whisper is None:
                from interview_jobs.analysis.models import load_whisper, resolve_asr_model

                resolved = resolve_asr_model(self.options.asr_model, self.options.model_cache_dir)
                self._whisper = load_whisper(resolved, self.options.cpu_threads)
            return self._whisper

    def content_models(self) -> ContentModels:
        """The sentence models of the content analysis (embedding, STAR, relevance)."""
        with self._model_lock:
            if self._content is None:
                self._content = load_content_models()
            return self._content

    def warm_up(self, analysis_type: str = "comprehensive") -> None:
        """Load what ``analysis_type`` needs now (a worker can do this before its first job)."""
        if analysis_type in ("comprehensive", "speech"):
            self.whisper()
            load_encoder()
            self.content_models().embed(["Loading the sentence model."])
        if analysis_type in ("comprehensive", "visual"):
            FaceAnalyzer().close()

    # ---- analysis ----
    def analyze(
        self,
        video_path: str | Path,
        analysis_type: str = "comprehensive",
        progress: ProgressFn | None = None,
        work_dir: Path | None = None,
        questions: Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Analyse one local video file; returns the CONTRACT.md analysis object (JSON-ready).

        ``questions`` are the interview's questions as plain dicts (``text, id, category, form,
        keyPoints, lengthSeconds, startSeconds``, what ``contracts.questions.resolve()`` makes);
        the answers are split and assessed by them (docs/scoring.md, "Answers").

        Raises :class:`AnalysisError` (``MediaError`` for the file, ``ModelError`` for the
        installation). An exception raised by ``progress`` aborts the analysis and propagates
        unchanged (a way to cancel).
        """
        if analysis_type not in ANALYSIS_TYPES:
            raise AnalysisError(
                f"Unknown analysis type {analysis_type!r}; use one of {', '.join(ANALYSIS_TYPES)}.",
                "bad_analysis_type",
            )
        with self._run_lock, _job_dir(work_dir):
            try:
                return self._analyze(
                    Path(video_path), analysis_type, progress, _check_questions(questions)
                )
            except _Aborted as aborted:
                raise aborted.original from None
            except AnalysisError:
                raise
            except Exception as exc:  # a bug or an unforeseen decoder failure: typed, with cause
                log.exception("analysis failed")
                error = AnalysisError(f"The analysis failed unexpectedly: {exc}", "internal_error")
                error.is_input_error = False
                raise error from exc

    def _analyze(
        self,
        path: Path,
        analysis_type: str,
        callback: ProgressFn | None,
        questions: list[dict[str, Any]],
    ) -> dict[str, Any]:
        started = time.perf_counter()
        t0 = time.perf_counter()
        info = probe(path)
        options = self.options
        if (
            info.duration_seconds is not None
            and info.duration_seconds > options.max_duration_seconds
        ):
            raise MediaError(
                f"The video is {clock(info.duration_seconds)} long; the limit is "
                f"{clock(options.max_duration_seconds)}.",
                "too_long",
            )
        if info.video and info.video.width * info.video.height > options.max_frame_pixels:
            raise MediaError(
                f"The video's frames are too large ({info.video.width}×{info.video.height}).",
                "too_large",
            )
        run = _Run(
            info=info,
            analysis_type=analysis_type,
            want_speech=analysis_type in ("comprehensive", "speech"),
            want_visual=analysis_type in ("comprehensive", "visual"),
            questions=questions,
        )
        run.timings["probe"] = time.perf_counter() - t0
        self._check_streams(run)
        weights = {}
        if run.want_speech:
            weights["speech"] = 0.8 if run.want_visual else 1.0
        if run.want_visual:
            weights["visual"] = 0.2 if run.want_speech else 1.0
        prog = _Progress(callback, weights)
        prog.report("probe", force=True, value=0.0)

        t0 = time.perf_counter()
        prog.report("loading models", force=True, value=0.01)
        if run.want_speech:
            self.whisper()
        run.timings["load_models"] = time.perf_counter() - t0

        duration_hint = info.duration_seconds or 0.0
        ctx = RunContext(options, self, info, on_audio_progress=lambda t: None)
        stop = threading.Event()
        visual_future: Future[None] | None = None
        executor: ThreadPoolExecutor | None = None
        try:
            if run.want_visual and run.want_speech:
                executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="visual")
                visual_future = executor.submit(
                    self._visual_branch, run, ctx, prog, stop, duration_hint
                )
            elif run.want_visual:
                self._visual_branch(run, ctx, prog, stop, duration_hint, report_here=True)
            if run.want_speech:
                self._speech_branch(run, ctx, prog, duration_hint)
            if visual_future is not None:
                prog.report("analysing frames")
                while True:
                    try:
                        visual_future.result(timeout=0.25)
                        break
                    except TimeoutError:
                        prog.report()
            prog.raise_if_aborted()
        finally:
            stop.set()
            if executor is not None:
                executor.shutdown(wait=True)

        prog.report("text", force=True, value=0.96)
        speech: SpeechFindings | None = run.findings.get("speech")
        if speech is not None:
            # with two voices, delivery and wording describe the candidate only
            speakers: SpeakerFindings | None = run.findings.get("speakers")
            speech = candidate_speech(speech, speakers)
            run.findings["candidate_speech"] = speech
            if "voice" in run.findings:
                run.findings["candidate_voice"] = candidate_voice(run.findings["voice"], speakers)
            transcript = speech.text
            for name, function in TEXT_ANALYZERS:
                t0 = time.perf_counter()
                run.findings[name] = function(transcript)
                run.timings[name] = time.perf_counter() - t0
            prog.report("answers", force=True, value=0.97)
            t0 = time.perf_counter()
            self._answers(run, speakers)
            run.timings["content"] = time.perf_counter() - t0
        prog.report("scoring", force=True, value=0.98)
        t0 = time.perf_counter()
        result = self._build(run)
        run.timings["scoring"] = time.perf_counter() - t0
        run.timings["total"] = time.perf_counter() - started
        result["timingsSeconds"] = {k: round(v, 3) for k, v in run.timings.items()}
        prog.report("done", force=True, value=1.0)
        return result

    def _check_streams(self, run: _Run) -> None:
        info = run.info
        if run.want_speech and not info.has_audio:
            if run.analysis_type == "speech":
                raise MediaError(
                    "The video has no audio track, so there is no speech to analyse.", "no_audio"
                )
            run.want_speech = False
            run.missing.append("audio")
            run.feedback.append(
                Feedback(
                    "audio",
                    "warning",
                    "The video has no audio track: only the picture was analysed, and pace, "
                    "filler words, pauses and voice score 0.",
                )
            )
        if run.want_visual and not info.has_video:
            if run.analysis_type == "visual":
                raise MediaError(
                    "The file has no video track, so there is no picture to analyse.", "no_video"
                )
            run.want_visual = False
            run.missing.append("video")
            run.feedback.append(
                Feedback(
                    "video",
                    "warning",
                    "The file has no video track: only the speech was analysed, and eye contact "
                    "and on-camera presence score 0.",
                )
            )

    def _speech_branch(self, run: _Run, ctx: RunContext, prog: _Progress, duration: float) -> None:
        options = self.options
        report = DecodeReport()

        def on_asr(t: float) -> None:
            if duration > 0:
                prog.set("speech", t / duration)
            prog.report("transcribing")

        ctx.on_audio_progress = on_asr
        stages = [(name, factory(ctx)) for name, factory in AUDIO_ANALYZERS]
        blocks = iter_audio(
            run.info.path,
            block_seconds=10.0,
            max_duration_seconds=options.max_duration_seconds,
            max_errors=options.max_decode_errors,
            report=report,
        )
        prog.report("decoding audio", force=True)
        for block in _timed(blocks, run.timings, "decode_audio"):
            for _, stage in stages:
                stage.feed(block)
            if duration > 0:
                # decoding is ahead of Whisper; count it as half of the branch until ASR reports
                prog.set("speech", 0.5 * (block.offset + block.seconds) / duration)
            prog.report("transcribing")
        for name, stage in stages:
            findings = stage.finish()
            run.findings[name] = findings
            for key, value in getattr(findings, "timings", {}).items():
                run.timings[key] = run.timings.get(key, 0.0) + value
        prog.set("speech", 1.0)
        run.decoded_seconds = max(run.decoded_seconds, report.decoded_seconds)
        self._decode_feedback(run, report, "audio")

    def _visual_branch(
        self,
        run: _Run,
        ctx: RunContext,
        prog: _Progress,
        stop: threading.Event,
        duration: float,
        report_here: bool = False,
    ) -> None:
        options = self.options
        report = DecodeReport()
        timings: dict[str, float] = {}
        stages = [(name, factory(ctx)) for name, factory in FRAME_ANALYZERS]
        try:
            frames = iter_frames(
                run.info.path,
                fps=options.frame_sample_fps,
                max_width=options.frame_max_width,
                max_duration_seconds=options.max_duration_seconds,
                max_frame_pixels=options.max_frame_pixels,
                max_errors=options.max_decode_errors,
                report=report,
            )
            for frame in _timed(frames, timings, "decode_frames"):
                if stop.is_set():
                    return
                if frame.image.shape[0] >= 32 and frame.image.shape[1] >= 32:
                    for _, stage in stages:
                        stage.feed(frame)
                if duration > 0:
                    prog.set("visual", frame.time / duration)
                prog.report("analysing frames" if report_here else None)
            for name, stage in stages:
                findings = stage.finish()
                run.findings[name] = findings
                for key, value in getattr(findings, "timings", {}).items():
                    timings[key] = timings.get(key, 0.0) + value
        finally:
            for _, stage in stages:
                close = getattr(stage, "close", None)
                if close is not None:
                    close()
        prog.set("visual", 1.0)
        for key, value in timings.items():
            run.timings[key] = run.timings.get(key, 0.0) + value
        run.decoded_seconds = max(run.decoded_seconds, report.decoded_seconds)
        self._decode_feedback(run, report, "video")

    def _decode_feedback(self, run: _Run, report: DecodeReport, what: str) -> None:
        declared = run.info.duration_seconds
        if report.errors and report.decoded_seconds <= 0:
            raise MediaError(
                f"The {what} stream could not be decoded ({report.last_error}).", "decode_failed"
            )
        if report.errors and not report.stopped_early:
            run.feedback.append(
                Feedback(
                    "media",
                    "warning",
                    f"Parts of the {what} are damaged: {report.errors} undecodable packets were "
                    "skipped.",
                )
            )
        short = bool(declared) and report.decoded_seconds < 0.9 * (declared or 0.0) - 0.5
        if (report.stopped_early or short) and not run.truncated:
            run.truncated = True
            run.feedback.append(
                Feedback(
                    "media",
                    "warning",
                    f"The {what} ends at {clock(report.decoded_seconds)}"
                    + (f" although the file says {clock(declared)}" if declared else "")
                    + " (the file seems damaged or cut off); only that part was analysed.",
                    report.decoded_seconds,
                )
            )

    def _answers(self, run: _Run, speakers: SpeakerFindings | None) -> None:
        """Split the recording into answers and assess each (the content stage)."""
        speech: SpeechFindings = run.findings["speech"]
        models = remembering(self.content_models())
        similarity = embedding_similarity(models.embed)
        split = split_answers(
            speech.words, self._duration(run), run.questions, speakers, similarity
        )
        run.findings["answers"] = assess_answers(
            split,
            speech=speech,
            voice=run.findings.get("voice"),
            visual=run.findings.get("visual"),
            options=self.options,
            models=models,
        )

    def _duration(self, run: _Run) -> float:
        duration = run.info.duration_seconds or run.decoded_seconds
        if run.truncated and run.decoded_seconds > 0:
            duration = min(duration, run.decoded_seconds)
        return duration

    # ---- result ----
    def _build(self, run: _Run) -> dict[str, Any]:
        options = self.options
        info = run.info
        duration = self._duration(run)
        speech: SpeechFindings | None = run.findings.get("candidate_speech")
        # with two voices, the candidate's turns only (set beside candidate_speech)
        voice: VoiceFindings | None = run.findings.get("candidate_voice", run.findings.get("voice"))
        text: TextFindings | None = run.findings.get("text")
        visual: VisualFindings | None = run.findings.get("visual")
        scored = score_all(
            duration=duration,
            options=options,
            speech=speech,
            voice=voice,
            text=text,
            visual=visual,
            missing=tuple(run.missing),
        )
        metrics: dict[str, Any] = {
            "durationSeconds": round(duration, 3),
            "media": {
                "container": info.container,
                "sizeBytes": info.size_bytes,
                "streams": info.streams,
                "video": {
                    "codec": info.video.codec,
                    "width": info.video.width,
                    "height": info.video.height,
                    "fps": round(info.video.fps, 3) if info.video.fps else None,
                }
                if info.video
                else None,
                "audio": {
                    "codec": info.audio.codec,
                    "sampleRate": info.audio.sample_rate,
                    "channels": info.audio.channels,
                }
                if info.audio
                else None,
            },
        }
        transcript: dict[str, Any] | None = None
        if speech is not None:
            section = speech.to_metrics(options, duration)
            if voice is not None:
                section.update(voice.to_metrics())
            metrics["speech"] = section
            transcript = {
                "text": speech.text,
                "words": [w.to_json() for w in speech.words],
            }
        if visual is not None:
            metrics["visual"] = visual.to_metrics(options.frame_sample_fps)
        for name, _ in TEXT_ANALYZERS:
            if name in run.findings:
                metrics[name] = run.findings[name].to_metrics()
        speakers: SpeakerFindings | None = run.findings.get("speakers")
        if speakers is not None:
            metrics["speakers"] = speakers.to_metrics()
        answers: AnswersFindings | None = run.findings.get("answers")
        feedback = run.feedback + scored.feedback
        summary = scored.summary
        content_score = answers.content_score if answers is not None else None
        if content_score is not None:
            overall = combine(scored.score, content_score)
            summary = summary.replace(
                f"Overall {scored.score:.0f}/100",
                f"Overall {overall:.0f}/100 (content {content_score:.0f}, delivery "
                f"{scored.score:.0f})",
                1,
            )
        if answers is not None:
            if answers.split.note:  # a guessed split is a warning, what was left out a note
                severity = "info" if answers.split.confident else "warning"
                feedback.append(Feedback("answers", severity, answers.split.note))
            summary = _answers_summary(summary, answers)
        result: dict[str, Any] = {
            "schemaVersion": SCHEMA_VERSION,
            "analysisType": run.analysis_type,
            "label": _label(run),
            "missingTracks": list(run.missing),
            "score": combine(scored.score, content_score),
            "contentScore": content_score,
            "deliveryScore": scored.score,
            "subScores": scored.sub_scores,
            "summary": summary,
            "feedback": [f.to_json() for f in feedback],
            "answers": answers.answers if answers is not None else [],
            "answersSplit": answers.split.to_json() if answers is not None else None,
        }
        if transcript is not None:
            result["transcript"] = transcript
        result["metrics"] = metrics
        result["analyzer"] = {
            "asrModel": options.asr_model,
            "beamSize": options.beam_size,
            "batchSize": options.resolved_batch_size,
            "fillerHint": options.resolved_filler_hint,
            "frameSampleFps": options.frame_sample_fps,
        }
        return result


def _check_questions(questions: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Plain copies of the questions; a question without text is an error naming it."""
    out: list[dict[str, Any]] = []
    for index, question in enumerate(questions or []):
        if not isinstance(question, Mapping):
            raise AnalysisError(f"questions[{index}] is not an object.", "bad_questions")
        text = question.get("text")
        if not isinstance(text, str) or not text.strip():
            raise AnalysisError(f"questions[{index}] has no text.", "bad_questions")
        start = question.get("startSeconds")
        if start is not None and (not isinstance(start, int | float) or start < 0):
            raise AnalysisError(
                f"questions[{index}].startSeconds must be a number ≥ 0.", "bad_questions"
            )
        previous = out[-1].get("startSeconds") if out else None
        if start is not None and previous is not None and start <= previous:
            raise AnalysisError(
                f"questions[{index}].startSeconds is not after the previous question's.",
                "bad_questions",
            )
        out.append(dict(question))
    return out


def _answers_summary(summary: str, answers: AnswersFindings) -> str:
    """The delivery summary, with the content score and the strongest and weakest answer."""
    scored = [a for a in answers.answers if a["contentScore"] is not None]
    parts = [summary]
    if len(scored) >= 2:
        best = max(scored, key=lambda a: a["score"])
        worst = min(scored, key=lambda a: a["score"])
        if best is not worst:
            parts.append(
                f"Strongest answer: Q{best['index'] + 1} ({best['score']:.0f}); weakest: "
                f"Q{worst['index'] + 1} ({worst['score']:.0f})."
            )
    return " ".join(parts)


_TYPE_LABELS = {
    "comprehensive": "Comprehensive analysis",
    "speech": "Speech analysis",
    "visual": "Visual analysis",
}


def _label(run: _Run) -> str:
    """What was analysed, in words: the requested type, and a missing track when there is one."""
    label = _TYPE_LABELS.get(run.analysis_type, run.analysis_type)
    if "audio" in run.missing:
        return f"{label} — picture only (the file has no audio track)"
    if "video" in run.missing:
        return f"{label} — speech only (the file has no video track)"
    return label
