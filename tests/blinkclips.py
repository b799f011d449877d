"""Scripted blinks on a real face: a lid sliding down over the eye as a real lid does, with a
spontaneous blink's timing. Used by the blink tests and the twitch benchmark's blinking clips."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from facetension import face_model as fm

CLOSE_S, HOLD_S, OPEN_S = 0.08, 0.04, 0.12  # a spontaneous blink: ~0.25 s, the lid down briefly


def blink_shape(t: float, start: float) -> float:
    """0 → 1 → 0: a raised-cosine closing, the lid held down, a raised-cosine reopening."""
    u = t - start
    if u <= 0 or u >= CLOSE_S + HOLD_S + OPEN_S:
        return 0.0
    if u < CLOSE_S:
        return 0.5 - 0.5 * math.cos(math.pi * u / CLOSE_S)
    if u < CLOSE_S + HOLD_S:
        return 1.0
    return 0.5 + 0.5 * math.cos(math.pi * (u - CLOSE_S - HOLD_S) / OPEN_S)


@dataclass(frozen=True)
class LidClose:
    """A blink on one eye: its upper lid slides down over the eye, covering it as a real lid
    does (the content above the lid margin moves down, the eye below it is hidden), to
    `depth` of the lid opening. The margin's path follows the mesh's own lid contours."""

    side: str = "left"
    start: float = 1.0
    depth: float = 1.0
    moves_frame: ClassVar[bool] = False

    def apply(self, frame, t_s, landmarks, up, mm_per_px):
        c = self.depth * blink_shape(t_s, self.start)
        return frame if c <= 0 else close_lid(frame, landmarks, up, self.side, c)


def close_lid(frame: np.ndarray, landmarks: np.ndarray, up: np.ndarray, side: str, c: float) -> np.ndarray:
    m = (lambda i: i) if side == "right" else fm.mirrored
    pupil = landmarks[fm.RIGHT_IRIS_CENTER if side == "right" else fm.LEFT_IRIS_CENTER, :2]
    ux, uy = float(up[0]), float(up[1])
    corners = (fm.RIGHT_OUTER_CANTHUS, fm.RIGHT_INNER_CANTHUS)
    contour = {
        k: [m(i) for i in (corners[0], *lid, corners[1])]
        for k, lid in (("upper", fm.RIGHT_UPPER_LID), ("lower", fm.RIGHT_LOWER_LID))
    }

    def local(idx):  # (across, up) coordinates from the pupil, sorted across
        p = landmarks[idx, :2] - pupil
        r, s = p @ (-uy, ux), p @ (ux, uy)
        return r[np.argsort(r)], s[np.argsort(r)]

    (ru, su), (rl, sl) = local(contour["upper"]), local(contour["lower"])
    aperture = float(su.max() - sl.min())
    tarsus, taper = 0.5 * aperture, 1.8 * aperture  # the lid moves as one, the skin above stretches
    pts = landmarks[contour["upper"] + contour["lower"], :2]
    pad = tarsus + taper + 4
    (x0, y0), (x1, y1) = np.floor(pts.min(axis=0) - pad).astype(int), np.ceil(pts.max(axis=0) + pad).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, frame.shape[1]), min(y1, frame.shape[0])
    xs, ys = np.meshgrid(np.arange(x0, x1, dtype=np.float64), np.arange(y0, y1, dtype=np.float64))
    r, s = (xs - pupil[0]) * -uy + (ys - pupil[1]) * ux, (xs - pupil[0]) * ux + (ys - pupil[1]) * uy
    inside = (r > max(ru[0], rl[0])) & (r < min(ru[-1], rl[-1]))
    upper = np.interp(r, ru, su)
    drop = np.where(inside, c * np.maximum(upper - np.interp(r, rl, sl), 0.0), 0.0)
    edge = upper - drop  # the margin's new height; below it the eye is as it was
    u = np.clip((s - edge - tarsus) / taper, 0.0, 1.0)
    shift = np.where(s >= edge, drop * (0.5 + 0.5 * np.cos(np.pi * u)), 0.0)
    patch = cv2.remap(
        frame,
        (xs + shift * ux).astype(np.float32),
        (ys + shift * uy).astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )
    out = frame.copy()
    out[y0:y1, x0:x1] = patch
    return out
