"""Clips built from the frames of a real recording, for what no real clip here shows long enough.

``pyfeat_single_face.mp4`` (a real man on a webcam, looking into the camera) blinks once: its
frame at 0.90 s has both eyes shut (eye aspect ratio 0.07 by the face mesh), its frame at 0.30 s
has them open. Holding those real frames gives eyes closed for seconds, blinks at chosen times,
and — with the generator's cylinder warp of the open frame — a head turned away. Nothing is
painted on the face.

The recording lives outside the repository (``../shared/media/real/``); callers skip when it is
absent (:func:`real_video`).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tests.media.generate import AWAY_DEGREES, encode, turn_head

REAL_VIDEO = Path(__file__).resolve().parents[2] / ".." / "shared" / "media" / "real" / "video"
SINGLE_FACE = "pyfeat_single_face.mp4"
OPEN_AT, CLOSED_AT = 0.30, 0.90
# The face of the open frame: its centre column and half width (pixels of the 640×360 frame),
# from the face mesh (cheeks at x 217 and 366) with some hair, for turning the head on a cylinder.
FACE_CENTER_X, FACE_RADIUS = 291.0, 85.0
FPS = 15


def real_video(name: str) -> Path | None:
    path = REAL_VIDEO / name
    return path if path.exists() else None


@lru_cache(maxsize=2)
def _frame_at(seconds: float) -> np.ndarray:
    import av

    path = real_video(SINGLE_FACE)
    if path is None:
        raise FileNotFoundError(REAL_VIDEO / SINGLE_FACE)
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= seconds - 1e-3:
                image: np.ndarray = frame.to_ndarray(format="rgb24")
                return image
    raise ValueError(f"{path.name} has no frame at {seconds} s")


def picture(state: str) -> np.ndarray:
    """The real frame for ``state``: ``open`` (looking into the camera), ``closed`` (eyes shut)
    or ``away`` (the open frame's head turned by the generator's ``AWAY_DEGREES``)."""
    if state == "closed":
        return _frame_at(CLOSED_AT)
    opened = _frame_at(OPEN_AT)
    if state == "away":
        return turn_head(opened, AWAY_DEGREES, FACE_CENTER_X, FACE_RADIUS)
    return opened


def make_real_face_clip(path: Path, plan: list[tuple[str, float]]) -> list[dict[str, Any]]:
    """Write a silent clip that shows each ``(state, seconds)`` of ``plan`` in turn (a 2 px sway,
    as the generator's, keeps it a moving picture); return and write beside it
    (``<stem>.states.json``) the intervals ``{start, end, state}``."""
    intervals: list[dict[str, Any]] = []
    t = 0.0
    for state, seconds in plan:
        intervals.append({"start": round(t, 3), "end": round(t + seconds, 3), "state": state})
        t += seconds
    height, width = picture("open").shape[:2]

    def frames() -> Any:
        for i in range(round(t * FPS)):
            now = i / FPS
            state = next(iv["state"] for iv in intervals if now < iv["end"] or iv is intervals[-1])
            yield np.roll(picture(state), round(2 * math.sin(now * 1.3)), axis=1)

    encode(path, audio=None, frames=frames(), fps=FPS, width=width, height=height)
    path.with_suffix(".states.json").write_text(json.dumps(intervals))
    return intervals


def state_at(intervals: list[dict[str, Any]], t: float) -> str | None:
    return next((iv["state"] for iv in intervals if iv["start"] <= t < iv["end"]), None)
