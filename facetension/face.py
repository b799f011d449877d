"""One measured face as numpy, and MediaPipe's 52 blendshape names: the types every layer
shares. Pure numpy: the landmarker (the only MediaPipe import) makes Faces; the metrics,
the session and the log read them without loading OpenCV or MediaPipe."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .face_model import N_LANDMARKS

N_BLENDSHAPES = 52
BLENDSHAPE_NAMES = (
    "_neutral",
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "eyeLookDownLeft",
    "eyeLookDownRight",
    "eyeLookInLeft",
    "eyeLookInRight",
    "eyeLookOutLeft",
    "eyeLookOutRight",
    "eyeLookUpLeft",
    "eyeLookUpRight",
    "eyeSquintLeft",
    "eyeSquintRight",
    "eyeWideLeft",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawOpen",
    "jawRight",
    "mouthClose",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthFunnel",
    "mouthLeft",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthPucker",
    "mouthRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "noseSneerLeft",
    "noseSneerRight",
)
assert len(BLENDSHAPE_NAMES) == N_BLENDSHAPES


@dataclass(frozen=True)
class Face:
    """One measured face, already in numpy."""

    landmarks: np.ndarray  # (478, 3) pixels; x right, y down, z toward the back of the head
    blendshapes: np.ndarray  # (52,) scores in [0, 1], MediaPipe's order
    pose: np.ndarray  # (4, 4) facial transformation matrix
    image_size: tuple[int, int]  # (width, height) of the frame it was found in
    faces_seen: int  # faces found in the frame; the largest is the one measured
    mirrored_pass: bool = False  # video: found in the mirrored frame (see Landmarker)

    def __post_init__(self):
        if self.landmarks.shape != (N_LANDMARKS, 3):
            raise ValueError(f"landmarks: expected ({N_LANDMARKS}, 3), got {self.landmarks.shape}")
        if self.blendshapes.shape != (N_BLENDSHAPES,):
            raise ValueError(f"blendshapes: expected ({N_BLENDSHAPES},), got {self.blendshapes.shape}")

    @cached_property
    def box(self) -> tuple[float, float, float, float]:
        """x0, y0, x1, y1: the landmarks' extent in pixels (worked out once per face)."""
        (x0, y0), (x1, y1) = self.landmarks[:, :2].min(axis=0).tolist(), self.landmarks[:, :2].max(axis=0).tolist()
        return x0, y0, x1, y1

    @property
    def height_px(self) -> float:
        """Face height, forehead to chin, in pixels."""
        return self.box[3] - self.box[1]

    @property
    def centre_px(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        return (x0 + x1) / 2, (y0 + y1) / 2
