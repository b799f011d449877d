"""Exact synthetic faces: MediaPipe's canonical face, posed and projected by a pinhole camera.

Gives landmarks in the Face Landmarker's own convention (pixels, z scaled like x and
relative to the face), so the metrics can be checked against known ground truth.
"""

from __future__ import annotations

import numpy as np

from facetension import face_model as fm

IMAGE_SIZE = (1280, 720)
DISTANCE_CM = 50.0  # a person at a laptop
FOCAL_PX = 0.9 * IMAGE_SIZE[0]
IRIS_RADIUS_CM = 0.585  # 11.7 mm across


def rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Ry(yaw) · Rx(pitch) · Rz(roll): yaw and pitch then read back exactly from the
    face's forward axis, whatever the roll."""
    y, p, r = np.radians([yaw_deg, pitch_deg, roll_deg])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return ry @ rx @ rz


def canonical_478() -> np.ndarray:
    """The canonical mesh plus irises (centre and four ring points, ring order as
    MediaPipe: +x, +y, −x, −y), in centimetres."""
    v = fm.canonical_vertices()
    out = np.zeros((fm.N_LANDMARKS, 3))
    out[: fm.N_MESH] = v
    for centre_idx, (outer, inner, upper, lower) in ((468, (33, 133, 159, 145)), (473, (263, 362, 386, 374))):
        c = np.array(
            [(v[outer, 0] + v[inner, 0]) / 2, (v[upper, 1] + v[lower, 1]) / 2, (v[upper, 2] + v[lower, 2]) / 2]
        )
        out[centre_idx] = c
        for j, d in enumerate(((1, 0), (0, 1), (-1, 0), (0, -1))):
            out[centre_idx + 1 + j] = c + IRIS_RADIUS_CM * np.array([d[0], d[1], 0.0])
    return out


def project(
    points_cm: np.ndarray,
    yaw=0.0,
    pitch=0.0,
    roll=0.0,
    image_size=IMAGE_SIZE,
    distance_cm=DISTANCE_CM,
    focal_px=FOCAL_PX,
    offset_cm=(0.0, 0.0),
) -> np.ndarray:
    """Pose the face and project it; returns (478, 3) landmarks as MediaPipe gives them."""
    w, h = image_size
    cam = points_cm @ rotation(yaw, pitch, roll).T + np.array([offset_cm[0], offset_cm[1], 0.0])
    depth = distance_cm - cam[:, 2]  # camera looks down −z; the face's +z points at it
    x = w / 2 + focal_px * cam[:, 0] / depth
    y = h / 2 - focal_px * cam[:, 1] / depth
    z = (depth - distance_cm) * focal_px / distance_cm  # relative depth, scaled like x
    return np.stack([x, y, z], axis=1)
