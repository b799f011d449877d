"""Where each massage zone is on the person's own face: a polygon in the frame's pixels,
placed from the landmarks, so it follows the face as it moves, turns and tilts.

Zones inside the mesh are landmark rings, given for the subject's RIGHT side (the left is
their mirror, face_model.mirror_index). The neck and the place behind the ear are outside
the mesh: they are placed from the jaw line and the face's side contour, along the face's
own axes (x: from the right outer eye corner to the left one; y: at right angles, down)
in units of the face's height, so a tilted or smaller face gets a tilted or smaller zone.
Pure numpy.
"""

from __future__ import annotations

import numpy as np

from . import face_model as fm

FOREHEAD_TOP = 10
RIGHT_EYE_RING = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
OUTER_LIPS = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)
JAW_LINE = (172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397)  # right angle to left angle
RIGHT_EAR_SIDE = 234  # the face contour at the ear
# The other zones: the landmarks inside a box of the canonical face (cm; x toward the
# subject's left, y up; boxes for the subject's right side, x < 0), outlined by their
# convex hull in the frame. Boxes read off the anatomy: the forehead above the brows, the
# temple beside the brow's tail, the cheek between the nose and the cheekbone's edge, the
# masseter from below the cheekbone to the jaw's angle, the chin below the lower lip.
CANONICAL_BOXES = {
    "forehead": ((-5.5, 5.5), (5.0, 9.0)),
    "temple": ((-8.0, -5.6), (1.8, 5.6)),
    "cheek": ((-6.0, -2.8), (-3.6, 0.8)),
    "jaw": ((-7.6, -4.6), (-6.6, -2.2)),
    "chin": ((-2.7, 2.7), (-9.5, -6.0)),
}

# Rings drawn a little larger than the landmarks they follow (face-axis x, y factors): the
# eye zone is around the eye, not on it; the mouth zone around the lips.
EYE_GROWTH = (1.5, 2.6)
MOUTH_GROWTH = (1.6, 2.6)
# Outside the mesh, in face heights (forehead top to chin).
NECK_DEPTH = 0.35  # the neck shown below the chin
NECK_NARROWING = 0.08  # each side of the neck inside the jaw's angle
EAR_OUT, EAR_DOWN = 0.10, 0.10  # behind the ear: outward and down from the contour at the ear
EAR_RADII = (0.06, 0.11)
ELLIPSE_POINTS = 24


def _box_indices(zone: str) -> np.ndarray:
    (x0, x1), (y0, y1) = CANONICAL_BOXES[zone]
    v = fm.canonical_vertices()
    return np.flatnonzero((v[:, 0] >= x0) & (v[:, 0] <= x1) & (v[:, 1] >= y0) & (v[:, 1] <= y1))


BOX_INDICES = {zone: _box_indices(zone) for zone in CANONICAL_BOXES}  # right side; mirrored for the left


def _hull(points: np.ndarray) -> np.ndarray:
    """Convex hull, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(map(tuple, points.tolist()))
    if len(pts) < 3:
        return np.array(pts, float)

    def half(seq):
        out: list = []
        for q in seq:
            while (
                len(out) >= 2
                and ((out[-1][0] - out[-2][0]) * (q[1] - out[-2][1]) - (out[-1][1] - out[-2][1]) * (q[0] - out[-2][0]))
                <= 0
            ):
                out.pop()
            out.append(q)
        return out[:-1]

    return np.array(half(pts) + half(pts[::-1]), float)


def _axes(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The face's x axis (toward the subject's left), its y axis (down) and its height."""
    ex = p[int(fm.mirror_index()[fm.RIGHT_OUTER_CANTHUS])] - p[fm.RIGHT_OUTER_CANTHUS]
    ex = ex / max(float(np.linalg.norm(ex)), 1e-9)
    ey = np.array([-ex[1], ex[0]])
    return ex, ey, float(np.linalg.norm(p[fm.CHIN] - p[FOREHEAD_TOP]))


def _on_side(indices: tuple[int, ...], side: str) -> list[int]:
    mirror = fm.mirror_index()
    return list(indices) if side == "right" else [int(mirror[i]) for i in indices]


def _grown(ring: np.ndarray, ex: np.ndarray, ey: np.ndarray, growth: tuple[float, float]) -> np.ndarray:
    c = ring.mean(axis=0)
    d = ring - c
    return c + np.outer(d @ ex, ex) * growth[0] + np.outer(d @ ey, ey) * growth[1]


def zone_polygon(landmarks: np.ndarray, zone: str, side: str | None) -> np.ndarray:
    """The zone's outline, (n, 2) pixels of the frame the landmarks were found in.
    side: the subject's own side for a zone with two, None for one in the middle."""
    if landmarks.shape[0] < fm.N_LANDMARKS or landmarks.shape[1] < 2:
        raise ValueError(f"landmarks: expected ({fm.N_LANDMARKS}, 2 or 3), got {landmarks.shape}")
    p = landmarks[:, :2].astype(float)
    ex, ey, h = _axes(p)
    out = -1.0 if side == "right" else 1.0  # outward, along x, on that side
    if zone in BOX_INDICES:
        idx = BOX_INDICES[zone]
        if side == "left":
            idx = fm.mirror_index()[idx]
        return _hull(p[idx])
    if zone == "eye":
        return _grown(p[_on_side(RIGHT_EYE_RING, side)], ex, ey, EYE_GROWTH)
    if zone == "mouth":
        return _grown(p[list(OUTER_LIPS)], ex, ey, MOUTH_GROWTH)
    if zone == "neck":
        top = p[list(JAW_LINE)]
        chin = p[fm.CHIN]
        bottom_y = (chin - top[0]) @ ey + NECK_DEPTH * h  # from the right angle down to below the chin
        right = top[0] + ex * NECK_NARROWING * h + ey * bottom_y
        left = top[-1] - ex * NECK_NARROWING * h + ey * ((chin - top[-1]) @ ey + NECK_DEPTH * h)
        return np.vstack([top, left[None], right[None]])
    if zone == "ear":
        c = p[_on_side((RIGHT_EAR_SIDE,), side)[0]] + ex * out * EAR_OUT * h + ey * EAR_DOWN * h
        a = np.linspace(0, 2 * np.pi, ELLIPSE_POINTS, endpoint=False)
        return c + np.outer(np.cos(a) * EAR_RADII[0] * h, ex) + np.outer(np.sin(a) * EAR_RADII[1] * h, ey)
    raise ValueError(f"unknown massage zone {zone!r}")
