"""Head frame: undo perspective and head rotation using rigid landmarks only (pure numpy).

The result puts every landmark in the canonical face's axes (subject's left at +x, y up,
z toward the camera), in pixels at the face's depth, with x = 0 on the facial midline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import face_model as fm

# Laptop webcams see about 55–70° horizontally; a focal length of 0.9 × the image width
# (58°) sits in the middle. It only matters for the small perspective correction.
DEFAULT_FOCAL_PER_WIDTH = 0.9


@dataclass(frozen=True)
class HeadFrame:
    points: np.ndarray  # (478, 3) landmarks in the head frame, pixels at the face's depth
    rotation: np.ndarray  # (3, 3) canonical axes → camera axes (y up, z toward camera)
    px_per_cm: float  # similarity scale against the canonical face (an average adult)
    yaw_deg: float  # + when the face turns toward the subject's left
    pitch_deg: float  # + when the face tilts up
    roll_deg: float  # + when the subject's left side goes up in the image


def back_project(landmarks: np.ndarray, image_size: tuple[int, int], focal_px: float | None = None) -> np.ndarray:
    """Pixels (x right, y down, z away) → camera space (x right, y up, z toward camera).

    MediaPipe's x, y are a perspective projection and z is depth relative to the face,
    scaled like x. A point deeper by z is farther by the factor (1 + z / f), so multiplying
    its offset from the principal point by that factor undoes perspective without knowing
    the distance to the face.
    """
    w, h = image_size
    f = focal_px if focal_px is not None else DEFAULT_FOCAL_PER_WIDTH * w
    cam = landmarks - (w / 2, h / 2, 0.0)
    cam[:, :2] *= 1.0 + landmarks[:, 2:3] / f  # k = 1 + z / f
    cam *= (1.0, -1.0, -1.0)
    return cam


POLAR_MAX_ITERATIONS = 30  # scaled Newton converges in about 6 for a face's rigid points
POLAR_TOLERANCE = 1e-26  # squared change of the iterate at which it has converged


def _polar_rotation(m: list[list[float]]) -> list[list[float]] | None:
    """The rotation closest to a 3 × 3 matrix (the orthogonal factor of its polar
    decomposition), by scaled Newton iteration X ← (γX + X⁻ᵀ/γ) / 2 (Higham 1986), in
    plain floats: per frame this is cheaper than a LAPACK SVD, whose code must come back
    into the caches after each inference. None when det ≤ 0 (the closest orthogonal matrix
    is a reflection) or it does not converge."""
    x = m
    for _ in range(POLAR_MAX_ITERATIONS):
        (a, b, c), (d, e, f), (g, h, i) = x
        c00, c01, c02 = e * i - f * h, f * g - d * i, d * h - e * g
        det = a * c00 + b * c01 + c * c02
        if det <= 0:
            return None
        cof = (
            (c00, c01, c02),
            (c * h - b * i, a * i - c * g, b * g - a * h),
            (b * f - c * e, c * d - a * f, a * e - b * d),
        )  # X⁻ᵀ · det
        norm_x = a * a + b * b + c * c + d * d + e * e + f * f + g * g + h * h + i * i
        norm_inv = sum(v * v for row in cof for v in row) / (det * det)
        gamma = (norm_inv / norm_x) ** 0.25
        k = 1.0 / (det * gamma)
        new = [[0.5 * (gamma * xv + k * cv) for xv, cv in zip(xr, cr)] for xr, cr in zip(x, cof)]
        change = sum((p - q) ** 2 for nr, xr in zip(new, x) for p, q in zip(nr, xr))
        x = new
        if change < POLAR_TOLERANCE:
            return x
    return None


def similarity_fit(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Least-squares s, R, t with dst ≈ s R src + t (Umeyama 1991), R a proper rotation."""
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 3:
        raise ValueError(f"similarity_fit: expected two (N, 3) arrays, got {src.shape} and {dst.shape}")
    n = len(src)
    mu_s, mu_d = np.add.reduce(src) / n, np.add.reduce(dst) / n
    a, b = src - mu_s, dst - mu_d
    m = b.T @ a / n
    polar = _polar_rotation(m.tolist())
    if polar is not None:
        rot = np.array(polar)
    else:  # a reflection, or a degenerate fit: Umeyama's SVD turns it into a rotation
        u, _, vt = np.linalg.svd(m)
        rot = (u * (1.0, 1.0, -1.0 if np.linalg.det(u @ vt) < 0 else 1.0)) @ vt
    # The optimal scale is trace(Rᵀ M) / var(src) (the sum of M's signed singular values).
    scale = float(np.vdot(rot, m) / np.vdot(a, a) * n)
    return scale, rot, mu_d - scale * rot @ mu_s


@lru_cache(maxsize=1)
def _rigid() -> tuple[np.ndarray, np.ndarray]:
    rigid = np.array(fm.RIGID)
    return rigid, fm.canonical_vertices()[rigid]


def head_frame(landmarks: np.ndarray, image_size: tuple[int, int], focal_px: float | None = None) -> HeadFrame:
    cam = back_project(landmarks, image_size, focal_px)
    rigid, canon = _rigid()
    s, rot, t = similarity_fit(canon, cam[rigid])
    points = (cam - t) @ rot  # rotᵀ (p − t): camera → canonical axes, still in pixels
    (rx, _, fx), (ry, _, fy), (_, _, fz) = rot.tolist()  # columns: right, up, forward
    yaw = math.degrees(math.atan2(fx, fz))
    pitch = math.degrees(math.atan2(fy, math.hypot(fx, fz)))
    roll = math.degrees(math.atan2(ry, rx))
    return HeadFrame(points, rot, s, yaw, pitch, roll)
