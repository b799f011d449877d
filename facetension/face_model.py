"""The canonical face and named landmark indices (pure numpy).

Left and right are always the *subject's* sides. MediaPipe's canonical face has the
subject's left at +x, y up and z toward the camera, in centimetres. Mirrored pairs and
the midline are derived from its exact symmetry, never typed in by hand.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

N_MESH = 468  # points in the canonical mesh
N_LANDMARKS = 478  # the mesh plus 2 × 5 iris points

# Irises (not in the canonical mesh): centre, then four points on the limbus.
RIGHT_IRIS_CENTER, LEFT_IRIS_CENTER = 468, 473
RIGHT_IRIS_RING = (469, 470, 471, 472)
LEFT_IRIS_RING = (474, 475, 476, 477)

# Rigid landmarks for the head frame: eye corners, nose bridge, forehead.
# Cheeks, mouth and jaw are left out on purpose, so that a drooping side cannot tilt it.
EYE_CORNERS = (33, 133, 263, 362)
NOSE_BRIDGE = (168, 6, 197, 195)
FOREHEAD = (10, 151, 9, 8, 109, 338, 67, 297, 108, 337)
RIGID = EYE_CORNERS + NOSE_BRIDGE + FOREHEAD

# Region landmarks, given for the subject's RIGHT side; the left side is their mirror.
RIGHT_UPPER_LID = (246, 161, 160, 159, 158, 157, 173)
RIGHT_LOWER_LID = (7, 163, 144, 145, 153, 154, 155)
RIGHT_BROW_UPPER = (70, 63, 105, 66, 107)
RIGHT_BROW_LOWER = (46, 53, 52, 65, 55)
RIGHT_MOUTH_CORNER = 61
RIGHT_ALAR_BASE = 98
RIGHT_OUTER_CANTHUS, RIGHT_INNER_CANTHUS = 33, 133

# Midline points.
PHILTRUM = 164  # between subnasale and the upper lip
UPPER_LIP_TOP = 0
CHIN = 152  # menton

MIRROR_TOLERANCE_CM = 1e-4  # the canonical model is symmetric to the printed digit


@lru_cache(maxsize=1)
def canonical_vertices() -> np.ndarray:
    """The 468 canonical vertices, (468, 3), centimetres, read-only."""
    text = resources.files("facetension.data").joinpath("canonical_face_model.obj").read_text()
    verts = np.array([[float(x) for x in line.split()[1:4]] for line in text.splitlines() if line.startswith("v ")])
    if verts.shape != (N_MESH, 3):
        raise ValueError(f"canonical face: expected ({N_MESH}, 3) vertices, got {verts.shape}")
    verts.setflags(write=False)
    return verts


@lru_cache(maxsize=1)
def mirror_index() -> np.ndarray:
    """mirror_index()[i] is the landmark that mirrors i (itself on the midline), for all 478."""
    v = canonical_vertices()
    flipped = v * np.array([-1.0, 1.0, 1.0])
    dist = np.linalg.norm(v[None, :, :] - flipped[:, None, :], axis=2)
    idx = dist.argmin(axis=1)
    if dist[np.arange(N_MESH), idx].max() > MIRROR_TOLERANCE_CM:
        raise ValueError("canonical face is not symmetric: cannot derive mirrored pairs")
    # Iris points: each ring mirrors the other, point by point (centre, then ring order
    # with the horizontal pair swapped so that the temporal point maps to the temporal point).
    iris = np.array([473, 476, 475, 474, 477, 468, 471, 470, 469, 472])
    out = np.concatenate([idx, iris])
    out.setflags(write=False)
    return out


@lru_cache(maxsize=1)
def midline_indices() -> np.ndarray:
    return np.flatnonzero(np.abs(canonical_vertices()[:, 0]) < MIRROR_TOLERANCE_CM)


def mirrored(indices) -> tuple:
    """The subject's-left counterparts of right-side landmark indices."""
    m = mirror_index()
    if isinstance(indices, (int, np.integer)):
        return int(m[indices])
    return tuple(int(m[i]) for i in indices)
