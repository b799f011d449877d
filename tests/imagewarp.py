"""Ground-truth edits of face photos: smooth warps whose geometry is known exactly.

Coordinates are image pixels as floats: x to the right, y down, and pixel centres
on integers. Each warp is applied as an inverse map with cv2.remap (INTER_LINEAR,
BORDER_REFLECT), so the forward map is known in closed form and a test can work
out where any source point (for example a landmark) ends up. cv2.remap rounds
sample positions to 1/32 px, so "exact" means exact to within that.
"""

from __future__ import annotations

import math
from typing import Literal

import cv2
import numpy as np

Point = tuple[float, float]

# Displacements smaller than this cannot be seen (remap works on a 1/32 px grid),
# so the warps re-sample only the box where the displacement is at least this big.
_NEGLIGIBLE_PX = 1e-3
# Beyond |u| = 1.6, plateau(u) = exp(-u^8) < 1e-18: the content there does not move.
_PLATEAU_EXTENT = 1.6
# Fold limit of local_scale: d s'/d s = 1 + (factor - 1) * w * (1 - 8 u^8) exp(-u^8)
# and min over u of (1 - 8 u^8) exp(-u^8) is -8 exp(-9/8), so stretching stays
# one-to-one only while factor < 1 + exp(9/8) / 8 (about 1.385).
_MAX_STRETCH = 1.0 + math.exp(9.0 / 8.0) / 8.0
_MID_GREY = (128, 128, 128, 128)


def _unit(vector: Point, name: str) -> tuple[float, float]:
    norm = math.hypot(vector[0], vector[1])
    if not norm > 0.0:
        raise ValueError(f"{name} must be a non-zero vector, got {vector}")
    return vector[0] / norm, vector[1] / norm


def _box_grid(
    image: np.ndarray, centre: Point, half_x: float, half_y: float
) -> tuple[np.ndarray, np.ndarray, int, int] | None:
    """Return the pixel grid (xs, ys) of the box around centre, clipped to the image, and its top-left corner."""
    height, width = image.shape[:2]
    x0 = max(math.floor(centre[0] - half_x), 0)
    x1 = min(math.ceil(centre[0] + half_x) + 1, width)
    y0 = max(math.floor(centre[1] - half_y), 0)
    y1 = min(math.ceil(centre[1] + half_y) + 1, height)
    if x0 >= x1 or y0 >= y1:
        return None
    xs, ys = np.meshgrid(np.arange(x0, x1, dtype=np.float64), np.arange(y0, y1, dtype=np.float64))
    return xs, ys, x0, y0


def _remap_box(image: np.ndarray, src_x: np.ndarray, src_y: np.ndarray, x0: int, y0: int) -> np.ndarray:
    """Return a copy of image whose box at (x0, y0) is re-sampled from the source positions (src_x, src_y)."""
    out = image.copy()
    patch = cv2.remap(
        image, src_x.astype(np.float32), src_y.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    box = out[y0 : y0 + src_x.shape[0], x0 : x0 + src_x.shape[1]]
    box[...] = patch.reshape(box.shape)  # remap drops a trailing channel axis of size 1
    return out


def local_shift(image: np.ndarray, center: Point, shift: Point, sigma: float) -> np.ndarray:
    """Move the content around center by shift, with a Gaussian falloff of std sigma px.

    The forward displacement is D(p) = shift * exp(-|p - center|^2 / (2 sigma^2)), so the
    content at center ends up exactly at center + shift.
    """
    if not sigma > 0.0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    cx, cy = center
    dx, dy = shift
    magnitude = math.hypot(dx, dy)
    # max |grad D| = |shift| / sigma * exp(-1/2). Below 0.6 sigma this is < 0.37, so the
    # warp does not fold and the fixed-point iteration below gains a factor of ~3 per step.
    if magnitude >= 0.6 * sigma:
        raise ValueError(f"|shift| = {magnitude:.3g} must be below 0.6 * sigma = {0.6 * sigma:.3g}")
    if magnitude < _NEGLIGIBLE_PX:
        return image.copy()
    # D < _NEGLIGIBLE_PX beyond this radius; the output moves by at most |shift| more.
    radius = sigma * math.sqrt(2.0 * math.log(magnitude / _NEGLIGIBLE_PX)) + magnitude + 1.0
    grid = _box_grid(image, center, radius, radius)
    if grid is None:
        return image.copy()
    qx, qy, x0, y0 = grid
    # Exact inverse: solve p + D(p) = q with p <- q - D(p); 20 steps leave < 1e-8 px of error.
    px, py = qx, qy
    for _ in range(20):
        falloff = np.exp(-((px - cx) ** 2 + (py - cy) ** 2) / (2.0 * sigma**2))
        px, py = qx - dx * falloff, qy - dy * falloff
    return _remap_box(image, px, py, x0, y0)


def _plateau(u: np.ndarray | float) -> np.ndarray:
    # ~1 well inside |u| < 0.5, smoothly 0 beyond ~1.3; relative dip at u is about u^8.
    return np.exp(-(np.asarray(u, dtype=np.float64) ** 8))


def _check_scale_args(factor: float, half_length: float, half_width: float) -> None:
    if not 0.0 < factor < _MAX_STRETCH:
        raise ValueError(f"factor must be in (0, {_MAX_STRETCH:.4f}) so the warp does not fold, got {factor}")
    if not (half_length > 0.0 and half_width > 0.0):
        raise ValueError(f"half_length and half_width must be positive, got {half_length}, {half_width}")


def local_scale_point(
    center: Point, axis: Point, factor: float, half_length: float, half_width: float, point: Point
) -> tuple[float, float]:
    """Return where local_scale moves the source point to (the forward map)."""
    _check_scale_args(factor, half_length, half_width)
    ax, ay = _unit(axis, "axis")
    ox, oy = point[0] - center[0], point[1] - center[1]
    s = ox * ax + oy * ay  # offset along the axis
    r = -ox * ay + oy * ax  # offset across it, along (-ay, ax)
    weight = float(_plateau(s / half_length) * _plateau(r / half_width))
    s_new = s * (1.0 + (factor - 1.0) * weight)
    return center[0] + s_new * ax - r * ay, center[1] + s_new * ay + r * ax


def local_scale(
    image: np.ndarray, center: Point, axis: Point, factor: float, half_length: float, half_width: float
) -> np.ndarray:
    """Compress (factor < 1) or stretch (factor > 1) content along axis, toward or away from center.

    A source point at offset s along the unit axis and r across it goes to
    s' = s * (1 + (factor - 1) * plateau(s / half_length) * plateau(r / half_width)),
    r unchanged, with plateau(u) = exp(-u^8); see local_scale_point.
    """
    _check_scale_args(factor, half_length, half_width)
    ax, ay = _unit(axis, "axis")
    # Only the rotated box |s| < 1.6 half_length, |r| < 1.6 half_width moves, and
    # stretching pushes its content out by at most the factor.
    extent_s = _PLATEAU_EXTENT * half_length * max(1.0, factor)
    extent_r = _PLATEAU_EXTENT * half_width
    half_x = abs(ax) * extent_s + abs(ay) * extent_r
    half_y = abs(ay) * extent_s + abs(ax) * extent_r
    grid = _box_grid(image, center, half_x, half_y)
    if grid is None:
        return image.copy()
    qx, qy, x0, y0 = grid
    ox, oy = qx - center[0], qy - center[1]
    s_out = ox * ax + oy * ay
    r = -ox * ay + oy * ax
    gain = (factor - 1.0) * _plateau(r / half_width)
    # Solve |s| * (1 + gain * plateau(|s| / L)) = |s'| for |s|. The left side increases with
    # |s| (factor is below the fold limit) and its multiplier lies between 1 and factor, so
    # |s| lies between |s'| and |s'| / factor: bisection in that bracket cannot fail, unlike
    # a plain fixed-point iteration, which barely contracts at factor 0.7.
    target = np.abs(s_out)
    lo = target * min(1.0, 1.0 / factor)
    hi = target * max(1.0, 1.0 / factor)
    for _ in range(40):  # bracket shrinks by 2^-40: sub-1e-6 px for any image size
        mid = 0.5 * (lo + hi)
        too_far = mid * (1.0 + gain * _plateau(mid / half_length)) > target
        hi = np.where(too_far, mid, hi)
        lo = np.where(too_far, lo, mid)
    s_src = np.copysign(0.5 * (lo + hi), s_out)
    src_x = center[0] + s_src * ax - r * ay
    src_y = center[1] + s_src * ay + r * ax
    return _remap_box(image, src_x, src_y, x0, y0)


def chimera(image: np.ndarray, line_point: Point, line_direction: Point, keep: Literal["left", "right"]) -> np.ndarray:
    """Mirror one half of the image onto the other about a line, e.g. the facial midline.

    With n the unit normal of the line pointing toward image +x and t(p) = (p - line_point) . n,
    keep='left' keeps the side t < 0 (image-left) and writes its mirror image over t > 0;
    keep='right' does the opposite. The result is mirror-symmetric about the line.
    """
    if keep not in ("left", "right"):
        raise ValueError(f"keep must be 'left' or 'right', got {keep!r}")
    dx, dy = _unit(line_direction, "line_direction")
    nx, ny = (dy, -dx) if dy >= 0.0 else (-dy, dx)  # normal with nx >= 0
    if nx < 1e-9:
        raise ValueError("a horizontal line has no image-left or image-right side")
    height, width = image.shape[:2]
    qx, qy = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    t = (qx - line_point[0]) * nx + (qy - line_point[1]) * ny
    # Pixels on the side we replace sample their mirror q - 2 t n; kept pixels sample themselves.
    t_replaced = np.maximum(t, 0.0) if keep == "left" else np.minimum(t, 0.0)
    return _remap_box(image, qx - 2.0 * t_replaced * nx, qy - 2.0 * t_replaced * ny, 0, 0)


def rotate_scale(image: np.ndarray, angle_deg: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate about the image centre (counter-clockwise positive, as in cv2) and scale.

    The canvas is just big enough for the whole result (nothing is cropped) and the
    uncovered corners are mid-grey. Returns the image and the 2x3 float64 matrix that
    maps source (x, y, 1) to output pixel coordinates.
    """
    if not scale > 0.0:
        raise ValueError(f"scale must be positive, got {scale}")
    height, width = image.shape[:2]
    centre = ((width - 1) / 2.0, (height - 1) / 2.0)
    matrix = cv2.getRotationMatrix2D(centre, angle_deg, scale)
    # Bounding box of the turned pixel area; the small slack keeps 90 degrees an exact swap.
    cos_s, sin_s = abs(matrix[0, 0]), abs(matrix[0, 1])
    out_width = math.ceil(width * cos_s + height * sin_s - 1e-6)
    out_height = math.ceil(width * sin_s + height * cos_s - 1e-6)
    # Put the image centre at the canvas centre, so the box is symmetric and fits.
    matrix[0, 2] += (out_width - 1) / 2.0 - centre[0]
    matrix[1, 2] += (out_height - 1) / 2.0 - centre[1]
    # Constant grey, not replicated edges: smeared border streaks could look like features.
    out = cv2.warpAffine(
        image,
        matrix,
        (out_width, out_height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=_MID_GREY,
    )
    return out, matrix
