"""Faces of a sampled frame and the landmarks of the main one, small faces included.

MediaPipe 0.10.21's legacy solutions (models inside the wheel). The full-range face detector
(``model_selection=1``) finds the faces; the face mesh with irises (``refine_landmarks``) then
runs on an enlarged square crop of the main face, so it always sees a big face. Run on the
whole frame, the mesh's own short-range detector misses faces under about 12% of the picture
height — a phone held upright or a laptop at arm's length.

Once found, a face is followed from sample to sample by the mesh alone; the cheap short-range
detector counts the faces once a second. When there is no face to follow, the
full-range detector looks at the whole frame — it sees a 192×192 copy of what it is given, so
it finds faces down to about 7% of the picture height — and then at one square tile, in turn,
for smaller ones (down to ``MIN_FACE``), or at the place a small face was last seen. A frame
without a face thus costs three detector runs, not one per tile — and only one on most samples
once a face has been missing for a while (see ``SEARCH_BACKOFF_*``).

A small face is cropped from the frame at its decoded resolution when the sampled frame was
scaled down (:meth:`SampledFrame.full_image`), so the mesh gets every pixel of it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.media import SampledFrame

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels of the sampled frame

#: The smallest face searched for, as a share of the picture height.
MIN_FACE = 0.05
# A face must be about 16 px tall in the detector's 192 px input to be found (measured on the
# generated clips: 13 px faces are found at score ≈ 0.8, 10 px ones not at all), so a tile is
# at most MIN_FACE × 192 / 16 = 0.6 picture heights; neighbouring tiles overlap by two smallest
# faces, so a small face always lies whole inside one of them.
_DETECTOR_INPUT, _DETECTABLE_PX = 192, 16.0
TILE_OF_HEIGHT = MIN_FACE * _DETECTOR_INPUT / _DETECTABLE_PX
TILE_OVERLAP_OF_HEIGHT = 2 * MIN_FACE
# The mesh's crop: a square CROP_SCALE times the face's size, resized to MESH_INPUT px (the
# mesh resizes its face region to 192 px; a face of half the crop keeps its detail).
CROP_SCALE = 2.0
MESH_INPUT = 256
# Below this height in the sampled frame, a face is cropped from the decoded resolution when
# that is at least FULL_RES_GAIN times larger (measured on generated clips: from 1920×1080 a 5%
# face, 17 px in the sampled frame, was found in 85% of the frames, as the truth, instead of
# 65%; from 23 px up the sampled frame gave the same results, and converting whole frames costs
# time).
FULL_RES_BELOW_PX = 64.0
FULL_RES_GAIN = 1.25
# The full-range searches are the costly part of a frame without a face. They run on every
# sample while no face has been seen yet or a small one was just lost (for SEARCH_BACKOFF_AFTER
# samples), and otherwise on every SEARCH_BACKOFF_EVERY-th: a candidate who stepped out of a
# normal picture comes back at a size the short-range detector finds at once (it runs on every
# sample without a face), and a picture without anybody costs little more than before.
SEARCH_BACKOFF_AFTER, SEARCH_BACKOFF_EVERY = 10, 4
# While a face is followed, the short-range detector counts the faces once a second (the
# samples in between keep that count); it runs at once whenever the followed face is lost.
COUNT_EVERY_SECONDS = 1.0
# Two boxes overlapping this much (intersection over the smaller one) are the same face, found
# twice (in the whole frame and a tile, or in two overlapping tiles).
SAME_FACE_OVERLAP = 0.5


@dataclass(frozen=True)
class FoundFaces:
    """What one sample shows: how many faces, and the main (largest) one — None without one."""

    count: int
    #: The main face's landmarks' bounding box and its 478 mesh landmarks (x, y), in pixels of
    #: the sampled frame.
    box: Box | None = None
    landmarks: NDArray[Any] | None = None


def tiles(width: int, height: int) -> list[tuple[int, int, int]]:
    """Square tiles ``(x, y, side)`` that cover a ``width``×``height`` frame, so that a face
    of ``MIN_FACE`` of the height is about 16 px in the detector's input."""
    side = max(1, min(width, height, round(TILE_OF_HEIGHT * height)))
    overlap = min(side - 1, round(TILE_OVERLAP_OF_HEIGHT * height))

    def starts(length: int) -> list[int]:
        if length <= side:
            return [0]
        n = math.ceil((length - side) / (side - overlap)) + 1
        return [round(i * (length - side) / (n - 1)) for i in range(n)]

    return [(x, y, side) for y in starts(height) for x in starts(width)]


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller if smaller > 0 else 0.0


def merge_boxes(scored: list[tuple[float, Box]]) -> list[Box]:
    """One box per face: of boxes that overlap, the best-scored one."""
    kept: list[Box] = []
    for _, box in sorted(scored, key=lambda sb: -sb[0]):
        if all(_overlap(box, k) < SAME_FACE_OVERLAP for k in kept):
            kept.append(box)
    return kept


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


class FaceFinder:
    """Finds faces sample after sample (it follows the main face between samples): one per
    analysis, not thread-safe."""

    def __init__(self) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        import mediapipe as mp

        detection = mp.solutions.face_detection
        # The short-range model costs a quarter of the full-range one and finds every face
        # above ~12% of the height: it runs on every sample to count the faces; the full-range
        # one only when it found none.
        self._near = detection.FaceDetection(model_selection=0, min_detection_confidence=0.5)
        self._far = detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
        # Tracking mode: on the next crop the mesh starts from the landmarks it found on the
        # previous one (every crop is centred on its face, at the same scale) and runs its own
        # detector only when it loses the face.
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False,
            max_num_faces=1,
            refine_landmarks=True,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )
        self._followed: Box | None = None  # the main face of the previous sample
        self._last_seen: Box | None = None
        self._next_tile = 0
        self._misses = 0  # samples in a row without a face
        self._first_sample = True
        self._count, self._counted_at = 0, -math.inf  # faces at the last count

    def close(self) -> None:
        self._near.close()
        self._far.close()
        self._mesh.close()

    def find(self, frame: SampledFrame) -> FoundFaces:
        """The faces of ``frame``; a face counts when the mesh fits it (both detectors see
        faces in cartoons, at scores the real faces here beat, but the mesh does not fit
        those)."""
        try:
            return self._find(frame)
        finally:
            self._first_sample = False

    def _find(self, frame: SampledFrame) -> FoundFaces:
        image = np.ascontiguousarray(frame.image)
        near: list[Box] | None = None
        if self._followed is None or frame.time - self._counted_at >= COUNT_EVERY_SECONDS:
            near = merge_boxes(self._detect_in(self._near, image))
        landmarks = None
        if self._followed is not None:
            landmarks = self._landmarks(frame, image, self._followed)
        if landmarks is None:
            if near is None:
                near = merge_boxes(self._detect_in(self._near, image))
            for box in self._candidates(image, near):
                landmarks = self._landmarks(frame, image, box)
                if landmarks is not None:
                    break
        if landmarks is None:
            self._followed = None
            self._misses += 1
            return FoundFaces(0)
        self._misses = 0
        x0, y0 = landmarks.min(axis=0)
        x1, y1 = landmarks.max(axis=0)
        main = (float(x0), float(y0), float(x1), float(y1))
        self._followed = self._last_seen = main
        if near is not None:
            others = [b for b in near if _overlap(b, main) < SAME_FACE_OVERLAP]
            self._count = 1 + sum(1 for b in others if self._landmarks(frame, image, b) is not None)
            self._counted_at = frame.time
            if others:  # the mesh has just looked at another face: start afresh on the main one
                self._followed = None
        return FoundFaces(self._count, main, landmarks)

    # ------------------------------------------------------------------ detection
    @staticmethod
    def _detect_in(
        detector: Any, image: NDArray[Any], x: int = 0, y: int = 0
    ) -> list[tuple[float, Box]]:
        h, w = image.shape[:2]
        result = detector.process(image)
        out = []
        for detection in result.detections or []:
            b = detection.location_data.relative_bounding_box
            x0, y0 = x + b.xmin * w, y + b.ymin * h
            out.append((float(detection.score[0]), (x0, y0, x0 + b.width * w, y0 + b.height * h)))
        return out

    def _candidates(self, image: NDArray[Any], near: list[Box]) -> Iterator[Box]:
        """Boxes that may hold the main face, largest first; each search runs only when the
        ones before gave nothing the mesh could fit."""
        yield from sorted(near, key=_area, reverse=True)
        last = self._last_seen
        small = last is None or last[3] - last[1] < 2 * MIN_FACE * image.shape[0]
        patient = small and self._misses < SEARCH_BACKOFF_AFTER
        if not patient and self._misses % SEARCH_BACKOFF_EVERY:
            return
        far = merge_boxes(self._detect_in(self._far, image))
        yield from sorted(far, key=_area, reverse=True)
        h, w = image.shape[:2]
        for x, y, side in self._regions(w, h):
            tile = np.ascontiguousarray(image[y : y + side, x : x + side])
            yield from sorted(
                merge_boxes(self._detect_in(self._far, tile, x, y)), key=_area, reverse=True
            )

    def _regions(self, w: int, h: int) -> list[tuple[int, int, int]]:
        """Where to look for a small face on this sample: every tile on the first sample (a
        recording mostly starts with its face), then one tile in turn, or every other sample
        the place a small face was last seen (in case it went elsewhere)."""
        grid = tiles(w, h)
        if len(grid) == 1:
            return []
        if self._first_sample:
            return grid
        last = self._last_seen
        if last is not None and last[3] - last[1] < 2 * MIN_FACE * h and self._misses % 2 == 0:
            side = grid[0][2]
            cx, cy = (last[0] + last[2]) / 2, (last[1] + last[3]) / 2
            x = int(min(max(0, cx - side / 2), w - side))
            y = int(min(max(0, cy - side / 2), h - side))
            return [(x, y, side)]
        self._next_tile += 1
        return [grid[(self._next_tile - 1) % len(grid)]]

    # ------------------------------------------------------------------ mesh
    def _landmarks(self, frame: SampledFrame, image: NDArray[Any], box: Box) -> NDArray[Any] | None:
        import cv2  # opencv-contrib-python: mediapipe's own dependency

        w = image.shape[1]
        source = image
        scale = 1.0
        if box[3] - box[1] < FULL_RES_BELOW_PX:
            full = frame.full_image()
            if full.shape[1] >= FULL_RES_GAIN * w:
                source = np.ascontiguousarray(full)
                scale = full.shape[1] / w
        side = max(8.0, CROP_SCALE * max(box[2] - box[0], box[3] - box[1])) * scale
        cx, cy = (box[0] + box[2]) / 2 * scale, (box[1] + box[3]) / 2 * scale
        zoom = MESH_INPUT / side
        # One affine warp crops, scales and pads (black outside the frame) in a single pass.
        matrix = np.array(
            [[zoom, 0.0, MESH_INPUT / 2 - cx * zoom], [0.0, zoom, MESH_INPUT / 2 - cy * zoom]],
            dtype=np.float64,
        )
        crop = cv2.warpAffine(
            source,
            matrix,
            (MESH_INPUT, MESH_INPUT),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0.0, 0.0, 0.0),
        )
        result = self._mesh.process(crop)
        if not result.multi_face_landmarks:
            return None
        points = np.array(
            [(p.x, p.y) for p in result.multi_face_landmarks[0].landmark], dtype=np.float64
        )
        # Crop coordinates (0..1) back to pixels of the sampled frame.
        x0, y0 = cx - side / 2, cy - side / 2
        out = np.empty_like(points)
        out[:, 0] = (x0 + points[:, 0] * side) / scale
        out[:, 1] = (y0 + points[:, 1] * side) / scale
        return out.astype(np.float32)
