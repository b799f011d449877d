"""What is drawn on the face itself, in the mirrored picture: the mesh and the massage zone.
Draws only. Points are the frame's pixels; the picture is mirrored about w (the frame's width,
or more when it is shown in a wider picture: MirroredCanvas.mirror_width) and enlarged by k."""

from __future__ import annotations

import cv2
import numpy as np

from .massage import Step
from .massage_zones import zone_polygon

ZONE = (210, 140, 255)  # BGR: a soft pink, unlike the tension colours, the pacer and the messages
ZONE_ALPHA = 0.3  # the zone's tint: the skin stays visible under it
MESH = (200, 230, 200)


def draw_mesh(canvas, landmarks, w, k):
    pts = np.stack([(w - landmarks[:, 0]) * k, landmarks[:, 1] * k], axis=1).astype(int)
    for x, y in pts[::2]:  # every other point: light enough to see the face through
        cv2.circle(canvas, (int(x), int(y)), 1, MESH, -1, cv2.LINE_AA)


def draw_zone(canvas, landmarks: np.ndarray, step: Step, w: float, k: float) -> None:
    """The massage step's zone on the mirrored face: lightly tinted, with a clear outline."""
    poly = zone_polygon(landmarks, step.zone, step.side)
    pts = np.stack([(w - poly[:, 0]) * k, poly[:, 1] * k], axis=1).round().astype(np.int32)
    x0, y0 = np.maximum(pts.min(axis=0) - 2, 0)
    x1, y1 = pts.max(axis=0) + 3
    patch = canvas[y0:y1, x0:x1]
    if patch.size == 0:
        return
    tint = patch.copy()
    cv2.fillPoly(tint, [pts - (x0, y0)], ZONE, cv2.LINE_AA)
    cv2.addWeighted(tint, ZONE_ALPHA, patch, 1 - ZONE_ALPHA, 0, dst=patch)
    cv2.polylines(canvas, [pts], True, ZONE, max(2, int(round(2 * k))), cv2.LINE_AA)
