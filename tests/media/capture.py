"""A fake camera and microphone for Chromium, made by the generator: the face photo as a Y4M video
and a Piper voice answering interview questions as a WAV file.

Chromium plays them as its capture devices with ``--use-fake-device-for-media-stream
--use-file-for-fake-video-capture=F.y4m --use-file-for-fake-audio-capture=F.wav`` and loops both,
so a page's ``getUserMedia`` + ``MediaRecorder`` record a person speaking to the camera::

    from tests.media.capture import make_fake_capture
    video, audio = make_fake_capture(tmp_path)      # fake.y4m, fake.wav
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from tests.media.generate import SAMPLE_RATE, build_speech, render_frame


def write_y4m(path: Path, frames: list[np.ndarray], fps: int) -> None:
    """RGB frames as raw 4:2:0 YUV (BT.601, the only layout Chromium's file capture reads)."""
    import av

    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in frames:
            yuv = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
            out.write(b"FRAME\n")
            out.write(yuv.to_ndarray().tobytes())  # Y, then U, then V, without row padding


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    pcm = np.clip(samples * 32767, -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())


def make_fake_capture(
    directory: str | Path,
    *,
    speech_seconds: float = 30.0,
    loop_seconds: float = 2.0,
    fps: int = 15,
    width: int = 640,
    height: int = 360,
) -> tuple[Path, Path]:
    """Write ``fake.y4m`` (the face looking at the camera, swaying a little; ``loop_seconds``
    long, Chromium repeats it) and ``fake.wav`` (``speech_seconds`` of the generator's answers)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    video, audio = d / "fake.y4m", d / "fake.wav"
    frames = [
        render_frame("present", i / fps, width, height) for i in range(round(loop_seconds * fps))
    ]
    write_y4m(video, frames, fps)
    samples, _ = build_speech(speech_seconds)
    write_wav(audio, samples)
    return video, audio
