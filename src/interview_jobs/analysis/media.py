"""Media access with PyAV: a cheap probe, and streaming decoders for audio and sampled frames.

Nothing here holds a whole stream in memory: audio comes out in blocks of 16 kHz mono float32,
frames one at a time at a low sampling rate, scaled down. Every FFmpeg failure becomes a
:class:`MediaError` with a sentence a user understands.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.errors import MediaError

if TYPE_CHECKING:
    import av.container

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# Container formats FFmpeg uses for still images: a picture renamed .mp4 is not a video.
_IMAGE_FORMATS = ("image2", "gif", "apng", "tty")
_MP4_BRANDS = (b"ftyp", b"moov", b"mdat", b"free", b"wide")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


@dataclass(frozen=True)
class VideoStreamInfo:
    codec: str
    width: int
    height: int
    fps: float | None
    frames: int | None


@dataclass(frozen=True)
class AudioStreamInfo:
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class MediaInfo:
    """What a probe tells without decoding."""

    path: str
    size_bytes: int
    container: str
    duration_seconds: float | None
    video: VideoStreamInfo | None
    audio: AudioStreamInfo | None
    streams: list[str] = field(default_factory=list)

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _open(path: Path) -> av.container.InputContainer:
    import av

    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise _unopenable(path, exc) from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise MediaError(f"The file could not be read: {exc}", "not_a_video") from exc


def _unopenable(path: Path, exc: Exception) -> MediaError:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        head = b""
    if head[4:8] in _MP4_BRANDS or head.startswith(_EBML_MAGIC):
        return MediaError(
            "The video file is incomplete (it looks like an MP4/WebM whose end is missing, "
            "e.g. an interrupted upload or recording); please upload it again.",
            "truncated",
        )
    return MediaError(
        "This file is not a video we can read (no known audio/video format found).", "not_a_video"
    )


def _too_long(limit_seconds: float) -> MediaError:
    return MediaError(
        f"The video is longer than the limit of {limit_seconds / 60:.0f} min.", "too_long"
    )


def _check_path(path: Path) -> int:
    if not path.exists():
        raise MediaError(f"The file {path.name} does not exist.", "not_found")
    if not path.is_file():
        raise MediaError(f"{path.name} is not a file.", "not_a_video")
    size = path.stat().st_size
    if size == 0:
        raise MediaError("The file is empty (0 bytes).", "empty_file")
    return size


def _fps(stream: Any) -> float | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            value = float(rate)
            if 0 < value < 1000:
                return value
    return None


def _stream_seconds(stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
        if seconds > 0:
            return seconds
    return None


def _scan_duration(container: av.container.InputContainer, limit_seconds: float) -> float | None:
    """Duration from packet timestamps (demux only, no decoding) for files whose header has none,
    such as WebM from a browser's MediaRecorder."""
    end = 0.0
    for packet in container.demux():
        if packet.pts is None or packet.time_base is None:
            continue
        t = float((packet.pts + (packet.duration or 0)) * packet.time_base)
        end = max(end, t)
        if end > limit_seconds:
            break
    return end or None


def probe(video_path: str | Path, *, scan_if_unknown: bool = True) -> MediaInfo:
    """Duration, streams, resolution and fps from the container headers, without decoding.

    When the header has no duration (browser WebM), packets are demuxed (not decoded) to find it,
    unless ``scan_if_unknown`` is false. Raises :class:`MediaError` for anything that is not a
    readable audio/video file.
    """
    path = Path(video_path)
    size = _check_path(path)
    container = _open(path)
    try:
        video_info: VideoStreamInfo | None = None
        audio_info: AudioStreamInfo | None = None
        stream_names: list[str] = []
        format_name = container.format.name or "unknown"
        durations: list[float] = []
        streams: list[Any] = list(container.streams)
        for stream in streams:
            stream_names.append(
                f"{stream.type}:{stream.codec_context.name if stream.codec_context else '?'}"
            )
            if stream.type == "video" and video_info is None:
                cc = stream.codec_context
                if not cc.width or not cc.height:
                    continue
                frames = int(stream.frames) if stream.frames else None
                video_info = VideoStreamInfo(
                    codec=cc.name,
                    width=int(cc.width),
                    height=int(cc.height),
                    fps=_fps(stream),
                    frames=frames,
                )
            elif stream.type == "audio" and audio_info is None:
                cc = stream.codec_context
                channels = getattr(cc, "channels", None) or cc.layout.nb_channels
                audio_info = AudioStreamInfo(
                    codec=cc.name, sample_rate=int(cc.sample_rate or 0), channels=int(channels or 0)
                )
            else:
                continue
            seconds = _stream_seconds(stream)
            if seconds:
                durations.append(seconds)
        duration: float | None = None
        if container.duration is not None and container.duration > 0:
            duration = container.duration / 1_000_000
        elif durations:
            duration = max(durations)
        if video_info is None and audio_info is None:
            raise MediaError("The file has no audio or video stream.", "no_streams")
        is_image = any(
            format_name.startswith(name) for name in _IMAGE_FORMATS
        ) or format_name.endswith("_pipe")
        if is_image and audio_info is None:
            raise MediaError("This is a still image, not a video.", "not_a_video")
        if duration is None and scan_if_unknown:
            duration = _scan_duration(container, limit_seconds=10 * 24 * 3600)
        if duration is not None and not math.isfinite(duration):
            duration = None
        return MediaInfo(
            path=str(path),
            size_bytes=size,
            container=format_name,
            duration_seconds=duration,
            video=video_info,
            audio=audio_info,
            streams=stream_names,
        )
    except MediaError:
        raise
    except Exception as exc:  # FFmpeg errors while reading headers/packets
        raise _unopenable(path, exc) from exc
    finally:
        container.close()


@dataclass
class DecodeReport:
    """What a streaming decoder saw; filled while iterating."""

    decoded_seconds: float = 0.0
    packets: int = 0
    errors: int = 0
    stopped_early: bool = False
    last_error: str | None = None

    def hopeless(self, max_errors: int) -> bool:
        """Give up on a stream when most of its packets fail (beyond ``max_errors``); local
        damage is skipped: the decoder recovers at the next keyframe."""
        return self.errors > max_errors and self.errors > self.packets // 2


@dataclass(frozen=True)
class AudioBlock:
    """Mono float32 samples at 16 kHz starting at ``offset`` seconds."""

    samples: NDArray[Any]
    offset: float

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def iter_audio(
    video_path: str | Path,
    *,
    block_seconds: float = 10.0,
    max_duration_seconds: float = math.inf,
    max_errors: int = 50,
    report: DecodeReport | None = None,
) -> Iterator[AudioBlock]:
    """Yield the first audio stream as contiguous 16 kHz mono blocks of about ``block_seconds``.

    Samples are counted, not taken from timestamps, so blocks are gapless; a decoder error in the
    middle skips that packet (up to ``max_errors``), a file ending early just ends the stream.
    """
    import av

    report = report if report is not None else DecodeReport()
    path = Path(video_path)
    container = _open(path)
    try:
        if not container.streams.audio:
            raise MediaError("The video has no audio track.", "no_audio")
        stream: Any = container.streams.audio[0]
        stream.thread_type = "AUTO"
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        target = int(block_seconds * SAMPLE_RATE)
        pending: list[NDArray[Any]] = []
        pending_len = 0
        emitted = 0

        def take(arrays: list[NDArray[Any]]) -> NDArray[Any]:
            return np.concatenate(arrays) if len(arrays) > 1 else arrays[0]

        for frames in _decoded(container, stream, report, max_errors):
            for frame in frames:
                for out in resampler.resample(frame):
                    data = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                    pending.append(data)
                    pending_len += len(data)
            if (emitted + pending_len) / SAMPLE_RATE > max_duration_seconds:
                raise _too_long(max_duration_seconds)
            while pending_len >= target:
                data = take(pending)
                block, rest = data[:target], data[target:]
                yield AudioBlock(block, emitted / SAMPLE_RATE)
                emitted += len(block)
                pending = [rest] if len(rest) else []
                pending_len = len(rest)
                report.decoded_seconds = emitted / SAMPLE_RATE
        try:
            for out in resampler.resample(None):
                data = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                pending.append(data)
                pending_len += len(data)
        except av.error.FFmpegError:
            pass
        if pending_len:
            data = take(pending)
            yield AudioBlock(data, emitted / SAMPLE_RATE)
            emitted += len(data)
        report.decoded_seconds = emitted / SAMPLE_RATE
    finally:
        container.close()


def _decoded(
    container: Any, stream: Any, report: DecodeReport, max_errors: int
) -> Iterator[list[Any]]:
    """The decoded frames of each packet of ``stream``, for every streaming decoder.

    A packet that fails to decode is skipped and counted; the stream is given up
    (``report.stopped_early``) once :meth:`DecodeReport.hopeless` says most packets are bad.
    """
    import av

    for packet in _demux(container, stream, report):
        try:
            frames = packet.decode()
        except av.error.FFmpegError as exc:
            report.errors += 1
            report.last_error = str(exc)
            if report.hopeless(max_errors):
                report.stopped_early = True
                return
            continue
        yield frames


def _demux(container: Any, stream: Any, report: DecodeReport) -> Iterator[Any]:
    """Packets of one stream; a read error mid-file ends the stream instead of raising."""
    import av

    iterator = container.demux(stream)
    while True:
        try:
            packet = next(iterator)
        except StopIteration:
            return
        except av.error.FFmpegError as exc:
            report.errors += 1
            report.last_error = str(exc)
            report.stopped_early = True
            log.info("demux stopped: %s", exc)
            return
        if packet.size == 0 and packet.pts is None:
            continue  # flush packet; the decoder is drained by decode() of the empty packet below
        report.packets += 1
        yield packet


@dataclass(frozen=True)
class SampledFrame:
    """An RGB frame (H×W×3 uint8), scaled down, at ``time`` seconds."""

    image: NDArray[Any]
    time: float
    #: Converts the decoded frame at its own resolution; None when ``image`` already is that.
    decoded: Callable[[], NDArray[Any]] | None = field(default=None, repr=False, compare=False)

    def full_image(self) -> NDArray[Any]:
        """The frame at its decoded resolution, converted on demand (only a small face needs
        it: converting every sample at full size would cost more than finding the faces)."""
        return self.decoded() if self.decoded is not None else self.image


def iter_frames(
    video_path: str | Path,
    *,
    fps: float = 2.0,
    max_width: int = 640,
    max_duration_seconds: float = math.inf,
    max_frame_pixels: int = 7680 * 4320,
    max_errors: int = 50,
    report: DecodeReport | None = None,
) -> Iterator[SampledFrame]:
    """Yield about ``fps`` frames per second of the first video stream, RGB, at most
    ``max_width`` wide. Only the sampled frames are converted and scaled; the rest are decoded
    and dropped (inter-coded video cannot be decoded sparsely)."""
    report = report if report is not None else DecodeReport()
    container = _open(Path(video_path))
    try:
        if not container.streams.video:
            raise MediaError("The file has no video track.", "no_video")
        stream: Any = container.streams.video[0]
        cc = stream.codec_context
        if cc.width and cc.height and cc.width * cc.height > max_frame_pixels:
            raise MediaError(
                f"The video's frames are too large ({cc.width}×{cc.height}).", "too_large"
            )
        # One decoding thread: the pipeline decodes frames beside Whisper on the same cores, and
        # FFmpeg's frame threads cost CPU (10 min of 720p h264: 4.2 s CPU single-threaded, 6.9 s
        # with frame threads).
        cc.thread_count = 1
        # Frames no other frame refers to (B-frames of camera/phone files) are never needed at
        # a low sampling rate: don't decode them. No effect on streams without them.
        with contextlib.suppress(AttributeError, ValueError, TypeError):
            cc.skip_frame = "NONREF"
        step = 1.0 / fps
        next_time = 0.0
        index = 0
        rate = _fps(stream) or 25.0
        for frames in _decoded(container, stream, report, max_errors):
            for frame in frames:
                t = float(frame.time) if frame.time is not None else index / rate
                index += 1
                if t > max_duration_seconds:
                    raise _too_long(max_duration_seconds)
                if frame.width * frame.height > max_frame_pixels:
                    raise MediaError(
                        f"The video's frames are too large ({frame.width}×{frame.height}).",
                        "too_large",
                    )
                report.decoded_seconds = max(report.decoded_seconds, t)
                if t + 1e-6 < next_time:
                    continue
                next_time = max(next_time + step, t + step * 0.5)
                width, height = frame.width, frame.height
                if width > max_width:
                    height = max(2, round(height * max_width / width / 2) * 2)
                    width = max_width
                image = frame.to_ndarray(format="rgb24", width=width, height=height)
                decoded = partial(frame.to_ndarray, format="rgb24") if width < frame.width else None
                yield SampledFrame(image=image, time=max(t, 0.0), decoded=decoded)
    finally:
        container.close()
