"""Real-face test clips with scripted, smooth, known changes: ground truth for tension and twitch.

A neutral stretch of samples/single_face.mp4 is ping-pong looped to any length
(rest_frames), its landmarks are measured once (rest_track), and small frozen edits
(EyeNarrow, CornerShift, LidFlicker, Jitter, Mirror) warp each frame with the known warps
of imagewarp.py inside their time window. make_clip combines them and caches the result.

Cached frames are read-only arrays, so a caller cannot corrupt the cache by accident.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal, Protocol

import cv2
import numpy as np

from facetension import face_model as fm
from facetension.analysis import analyze_image
from facetension.headframe import head_frame
from facetension.landmarks import Landmarker

from imagewarp import local_scale, local_shift
from media import FACES

SOURCE_CLIP = FACES["single_face.mp4"]
FPS = 30.0
# Frames 0..14 are neutral. Measured with Landmarker("image") on every frame of the clip:
# mouthSmileLeft + mouthSmileRight is 0.000 up to frame 16, 0.002 at 17, 0.31 at 18 and
# 1.3 at 19; the left mouth corner's height below the pupil (291 vs 473) stays in 82.8–83.7 px
# up to frame 15 and rises by 2 px at 16. Keeping 0..14 leaves 2 frames before any smile motion.
# (Frames 0..5 hold a small natural head settle of ~6 px, which is fine for "rest".)
NEUTRAL_FRAMES = range(15)
DEFAULT_RAMP_S = 0.3

Side = Literal["left", "right"]
Vec = tuple[float, float]

# Mid-lid landmarks of the subject's right eye (on RIGHT_LOWER_LID / RIGHT_UPPER_LID); the
# left ones are their mirrors (374, 386), as is the left mouth corner (291).
_LIDS = {"lower": 145, "upper": 159}


def _on_side(right_index: int, side: Side) -> int:
    return right_index if side == "right" else fm.mirrored(right_index)


def _check(side: str, lid: str = "lower") -> None:
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    if lid not in _LIDS:
        raise ValueError(f"lid must be 'lower' or 'upper', got {lid!r}")


def _read_only(frame: np.ndarray) -> np.ndarray:
    frame.setflags(write=False)
    return frame


@lru_cache(maxsize=1)
def _neutral_frames() -> tuple[np.ndarray, ...]:
    cap = cv2.VideoCapture(str(SOURCE_CLIP))
    frames = []
    try:
        while len(frames) < NEUTRAL_FRAMES.stop:
            ok, frame = cap.read()
            if not ok:
                raise RuntimeError(f"{SOURCE_CLIP}: only {len(frames)} frames could be read")
            frames.append(frame)
    finally:
        cap.release()
    return tuple(_read_only(frames[i]) for i in NEUTRAL_FRAMES)


def pingpong_indices(n_source: int, n_out: int) -> list[int]:
    """0, 1, …, n−1, n−2, …, 1, 0, 1, …: a loop with no frame repeated at the turns."""
    if n_source == 1:
        return [0] * n_out
    period = 2 * (n_source - 1)
    return [k if k < n_source else period - k for k in (i % period for i in range(n_out))]


def n_frames(seconds: float) -> int:
    return round(seconds * FPS)


def rest_frames(seconds: float = 12.0) -> tuple[list[np.ndarray], float]:
    """The neutral frames ping-pong looped to `seconds` at 30 fps, as read-only arrays."""
    source = _neutral_frames()
    return [source[i] for i in pingpong_indices(len(source), n_frames(seconds))], FPS


def track(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Per-frame landmarks (478, 3) in pixels, each frame detected on its own (IMAGE mode)."""
    out = []
    with Landmarker("image") as lm:
        for i, frame in enumerate(frames):
            face = lm.detect(frame)
            if face is None:
                raise RuntimeError(f"no face in frame {i}")
            out.append(_read_only(face.landmarks.copy()))
    return out


def face_up(landmarks: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """Unit vector, in image pixels (y down), pointing from chin to forehead."""
    r = head_frame(landmarks, image_size).rotation
    up = np.array([r[0, 1], -r[1, 1]])
    return _read_only(up / np.linalg.norm(up))


@dataclass(frozen=True)
class Track:
    landmarks: tuple[np.ndarray, ...]  # per frame, (478, 3) pixels, read-only
    up: tuple[np.ndarray, ...]  # per frame, unit (2,) in image pixels
    mm_per_px: float  # from the first frame, constant for the clip


@lru_cache(maxsize=1)
def _neutral_track() -> Track:
    # The loop only repeats the neutral frames, so those are all that need detecting.
    frames = _neutral_frames()
    landmarks = track(list(frames))
    size = (frames[0].shape[1], frames[0].shape[0])
    with Landmarker("image") as lm:
        mm_per_px = analyze_image(frames[0], lm).mm_per_px
    if mm_per_px is None:
        raise RuntimeError("the first neutral frame has no usable face for the scale")
    return Track(tuple(landmarks), tuple(face_up(p, size) for p in landmarks), float(mm_per_px))


def rest_track(seconds: float = 12.0) -> Track:
    """Landmarks, up vectors and scale of rest_frames(seconds), frame for frame."""
    base = _neutral_track()
    idx = pingpong_indices(len(base.landmarks), n_frames(seconds))
    return Track(tuple(base.landmarks[i] for i in idx), tuple(base.up[i] for i in idx), base.mm_per_px)


def raised_cosine_window(t: float, start: float, end: float, ramp: float) -> float:
    """0 outside [start, end], 1 inside it, with raised-cosine ramps over its first and last `ramp` s."""
    if t <= start or t >= end:
        return 0.0
    edge = min(t - start, end - t)
    if edge >= ramp:
        return 1.0
    return 0.5 * (1.0 - math.cos(math.pi * edge / ramp))


class Edit(Protocol):
    moves_frame: ClassVar[bool]  # True for whole-frame edits, which must come last

    def apply(
        self, frame: np.ndarray, t_s: float, landmarks: np.ndarray, up: np.ndarray, mm_per_px: float
    ) -> np.ndarray: ...


def _iris(landmarks: np.ndarray, side: Side) -> tuple[Vec, float]:
    """Pupil centre and iris diameter (px) of the subject's `side` eye."""
    centre = fm.LEFT_IRIS_CENTER if side == "left" else fm.RIGHT_IRIS_CENTER
    ring = fm.LEFT_IRIS_RING if side == "left" else fm.RIGHT_IRIS_RING
    diameter = float(np.linalg.norm(landmarks[ring[0], :2] - landmarks[ring[2], :2]))
    return (float(landmarks[centre, 0]), float(landmarks[centre, 1])), diameter


def _point(landmarks: np.ndarray, index: int) -> Vec:
    return float(landmarks[index, 0]), float(landmarks[index, 1])


@dataclass(frozen=True)
class EyeNarrow:
    """Squeeze one eye along the face's up axis about its pupil: factor 1 → factor → 1."""

    side: Side = "left"
    factor: float = 0.7
    start: float = 4.0
    end: float = 9.0
    ramp: float = DEFAULT_RAMP_S
    moves_frame: ClassVar[bool] = False

    def __post_init__(self):
        _check(self.side)

    def apply(
        self, frame: np.ndarray, t_s: float, landmarks: np.ndarray, up: np.ndarray, mm_per_px: float
    ) -> np.ndarray:
        w = raised_cosine_window(t_s, self.start, self.end, self.ramp)
        if w == 0.0:
            return frame
        centre, iris = _iris(landmarks, self.side)
        # The box reaches past both lids (~1.3 irises from the pupil) and both canthi.
        return local_scale(
            frame, centre, (float(up[0]), float(up[1])), 1.0 + (self.factor - 1.0) * w, 1.3 * iris, 1.6 * iris
        )


@dataclass(frozen=True)
class CornerShift:
    """Pull one mouth corner up along the face's up axis by up_mm (negative: down)."""

    side: Side = "left"
    up_mm: float = 3.0
    start: float = 4.0
    end: float = 9.0
    ramp: float = DEFAULT_RAMP_S
    sigma_mm: float = 11.0  # about a quarter of the mouth's width: the cheek moves with it
    moves_frame: ClassVar[bool] = False

    def __post_init__(self):
        _check(self.side)

    def apply(
        self, frame: np.ndarray, t_s: float, landmarks: np.ndarray, up: np.ndarray, mm_per_px: float
    ) -> np.ndarray:
        w = raised_cosine_window(t_s, self.start, self.end, self.ramp)
        if w == 0.0:
            return frame
        corner = _on_side(fm.RIGHT_MOUTH_CORNER, self.side)
        d = w * self.up_mm / mm_per_px
        return local_shift(frame, _point(landmarks, corner), (d * up[0], d * up[1]), self.sigma_mm / mm_per_px)


@dataclass(frozen=True)
class LidFlicker:
    """A lid twitch: the lid moves toward the pupil by amplitude·(1 − cos 2π·hz·(t − start))/2.

    The lower lid moves up and the upper lid down, from 0 to the amplitude and back, hz
    times a second for `duration` s. The cosine starts and (for whole cycles) ends at 0.
    """

    side: Side = "left"
    lid: Literal["lower", "upper"] = "lower"
    hz: float = 6.0
    start: float = 5.0
    duration: float = 1.0
    amplitude_mm: float = 1.2
    moves_frame: ClassVar[bool] = False

    def __post_init__(self):
        _check(self.side, self.lid)

    def apply(
        self, frame: np.ndarray, t_s: float, landmarks: np.ndarray, up: np.ndarray, mm_per_px: float
    ) -> np.ndarray:
        if not self.start < t_s < self.start + self.duration:
            return frame
        _, iris = _iris(landmarks, self.side)
        index = _on_side(_LIDS[self.lid], self.side)
        toward_pupil = 1.0 if self.lid == "lower" else -1.0
        phase = 2 * math.pi * self.hz * (t_s - self.start)
        d = toward_pupil * self.amplitude_mm / mm_per_px * (1 - math.cos(phase)) / 2
        # A narrow falloff: the lid margin moves, the pupil and the other lid barely do.
        return local_shift(frame, _point(landmarks, index), (d * up[0], d * up[1]), 0.35 * iris)


@dataclass(frozen=True)
class Jitter:
    """A head moving slightly for the whole clip: shift and rotation of the whole frame."""

    shift_px: float = 4.0
    angle_deg: float = 3.0
    hz: float = 0.4
    moves_frame: ClassVar[bool] = True

    def matrix(self, t_s: float, image_size: tuple[int, int]) -> np.ndarray:
        """The 2×3 map from source to output pixels at time t_s."""
        phase = 2 * math.pi * self.hz * t_s
        w, h = image_size
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), self.angle_deg * math.sin(0.7 * phase), 1.0)
        m[:, 2] += (self.shift_px * math.sin(phase), self.shift_px * math.cos(phase))
        return m

    def apply(
        self, frame: np.ndarray, t_s: float, landmarks: np.ndarray, up: np.ndarray, mm_per_px: float
    ) -> np.ndarray:
        h, w = frame.shape[:2]
        return cv2.warpAffine(
            frame, self.matrix(t_s, (w, h)), (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )


@dataclass(frozen=True)
class Mirror:
    """Flip every frame left-right: the subject's sides swap in the image."""

    moves_frame: ClassVar[bool] = True

    def apply(
        self, frame: np.ndarray, t_s: float, landmarks: np.ndarray, up: np.ndarray, mm_per_px: float
    ) -> np.ndarray:
        return np.ascontiguousarray(frame[:, ::-1])


@lru_cache(maxsize=8)
def _clip(edits: tuple[Edit, ...], seconds: float) -> tuple[np.ndarray, ...]:
    # Local edits use the landmarks of the un-moved frame, so whole-frame edits go last.
    first_global = next((i for i, e in enumerate(edits) if e.moves_frame), len(edits))
    if any(not e.moves_frame for e in edits[first_global:]):
        raise ValueError("whole-frame edits (Jitter, Mirror) must come after the local ones")
    frames, fps = rest_frames(seconds)
    tr = rest_track(seconds)
    out = []
    for i, frame in enumerate(frames):
        t = i / fps
        edited = frame
        for edit in edits:
            edited = edit.apply(edited, t, tr.landmarks[i], tr.up[i], tr.mm_per_px)
        out.append(edited if edited is frame else _read_only(edited))
    return tuple(out)


def make_clip(edits: tuple[Edit, ...] = (), seconds: float = 12.0) -> tuple[list[np.ndarray], float]:
    """The rest clip with `edits` applied in order to each frame at t = i / fps (read-only frames)."""
    return list(_clip(tuple(edits), float(seconds))), FPS


def write_clip(frames: list[np.ndarray], path: str | Path, fps: float = FPS, fourcc: str = "MJPG") -> Path:
    """Write frames as a video (MJPG .avi by default; "mp4v" for an .mp4) and return its path."""
    path = Path(path)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path}")
    try:
        for frame in frames:
            writer.write(np.ascontiguousarray(frame))
    finally:
        writer.release()
    return path
