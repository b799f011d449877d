"""Refine the eye and brow asymmetry from the pixels, by registering one side on the other
(pure numpy).

MediaPipe's mesh pulls faces toward symmetry: its lids follow only about a fifth of a
real narrowing and its brows a fifth to a half of a lowering. The pixels do not. Along
the line through each pupil in the face's own "up" direction we sample the brightness
profile (lashes, lid margin, fold, brow), on the same head-frame scale for both sides,
and ask how the left profile must be stretched or shifted to match the right one:

- eye: the upper and the lower halves are each matched by a stretch about the pupil;
  the stretch is the ratio of the two sides' lid distances from the pupil;
- brow: the brow band is matched by a shift; the shift is the difference of heights.

This reads asymmetry as a relation between the two sides, so edges that no detector can
name reliably (hooded lids, faint brows, glasses rims) still count, lighting differences
between the sides are normalised away, and a mirrored image gives exactly the mirrored
answer. The mesh keeps the mean of the two sides; the registration sets their split. A
weak match (low correlation, or a peak at the end of the search range) leaves the mesh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import face_model as fm
from .headframe import DEFAULT_FOCAL_PER_WIDTH, HeadFrame
from .metrics import SideGeometry

SAMPLES_PER_IRIS = 96  # profile resolution, per iris diameter ...
SAMPLES_PER_PIXEL = 2.0  # ... but no finer than this: bilinear samples closer than half a
# pixel add no detail, only cost (a webcam's iris is 12–20 px across)
SMOOTH_PER_IRIS = 0.03  # Gaussian smoothing of the profile, as a share of the iris diameter
PARALLEL_LINES = 5  # profiles averaged across the pupil, against noise and single lashes
PARALLEL_SPAN_PER_IRIS = 0.25  # ... spread over ±this share of the iris diameter
MIN_CORRELATION = 0.6  # a weaker match between the sides is not trusted
# Windows and search ranges, as shares of the iris diameter (D) or as stretch factors.
LID_WINDOW = (0.06, 0.85)  # |offset| from the pupil covered by each lid half
LID_STRETCH = (0.55, 1.8)
BROW_HALF_WINDOW = 0.8
BROW_MAX_SHIFT = 0.5
SEARCH_STEPS = 41  # over each search range; the correlation peak spans several steps
_STRETCHES = np.linspace(*LID_STRETCH, SEARCH_STEPS)
_SHIFTS_PER_IRIS = np.linspace(-BROW_MAX_SHIFT, BROW_MAX_SHIFT, SEARCH_STEPS)
_PARALLEL = np.linspace(-1, 1, PARALLEL_LINES)
_IRIS_POINTS = [fm.LEFT_IRIS_RING[0], fm.LEFT_IRIS_RING[2], fm.RIGHT_IRIS_RING[0], fm.RIGHT_IRIS_RING[2]]
_PUPILS = [fm.LEFT_IRIS_CENTER, fm.RIGHT_IRIS_CENTER]


def _bilinear(gray: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """gray (float) at (x, y), pixel centres at integers, bilinear, held at the edges."""
    h, w = gray.shape
    x = np.minimum(np.maximum(x, 0), w - 1.001)  # ufuncs: np.clip's Python layer costs more
    y = np.minimum(np.maximum(y, 0), h - 1.001)
    x0, y0 = x.astype(np.intp), y.astype(np.intp)  # floor: both are ≥ 0
    x -= x0
    y -= y0
    i = y0 * w + x0
    flat = gray.ravel()
    top, bottom = flat.take(i), flat.take(i + w)
    top += (flat.take(i + 1) - top) * x
    bottom += (flat.take(i + w + 1) - bottom) * x
    return top + (bottom - top) * y


@lru_cache(maxsize=32)
def _gaussian_kernel(sigma: float) -> np.ndarray:
    r = max(1, math.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / max(sigma, 1e-6)) ** 2)
    return k / k.sum()


def _gaussian_smooth(values: np.ndarray, sigma: float) -> np.ndarray:
    k = _gaussian_kernel(round(sigma, 3))  # a face's size changes little from frame to frame
    r = len(k) // 2
    padded = np.concatenate([np.full(r, values[0]), values, np.full(r, values[-1])])  # edge values
    return np.convolve(padded, k, mode="valid")


def _ncc(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Normalised cross-correlation of each a[k] (K, N) with each row of rows[k] (K, M, N);
    0 for a flat row."""
    n = a.shape[-1]  # np.add.reduce: the mean without ndarray.mean's Python layer (per frame)
    a = a - np.add.reduce(a, axis=-1, keepdims=True) / n
    rows = rows - np.add.reduce(rows, axis=-1, keepdims=True) / n
    num = np.matmul(rows, a[..., None])[..., 0]
    den = np.sqrt((a * a).sum(axis=-1, keepdims=True) * (rows * rows).sum(axis=-1))
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _best(params: np.ndarray, scores: np.ndarray) -> float | None:
    """The parameter of the highest score, refined by a parabola; None if the match is
    weak or the peak sits at the end of the range (the truth may lie beyond it)."""
    j = int(scores.argmax())
    if scores[j] < MIN_CORRELATION or j == 0 or j == len(scores) - 1:
        return None
    a, b, c = scores[j - 1], scores[j], scores[j + 1]
    den = a - 2 * b + c
    off = 0.5 * (a - c) / den if den != 0 else 0.0
    return float(params[j] + off * (params[1] - params[0]))


# How a parameter p moves the sample heights h of the profile being matched.
STRETCH, SHIFT = np.multiply, np.add  # b(h · p) or b(h + p)


def _resample(profiles: np.ndarray, which: np.ndarray, x: np.ndarray, heights: np.ndarray) -> np.ndarray:
    """profiles[which] at heights x, linearly interpolated and held at the ends (as np.interp
    does) on the evenly spaced `heights`: one set of array operations for every profile."""
    n = len(heights)
    u = (x - heights[0]) * (1.0 / (heights[1] - heights[0]))
    np.maximum(u, 0, out=u)
    np.minimum(u, n - 1, out=u)
    i = u.astype(np.intp)
    np.minimum(i, n - 2, out=i)
    u -= i  # the fraction between samples i and i + 1
    i += which * n  # into the flattened profiles
    flat = profiles.ravel()
    lo, hi = flat.take(i), flat.take(i + 1)
    hi -= lo
    hi *= u
    hi += lo
    return hi


def _match(profiles: np.ndarray, heights: np.ndarray, jobs, params: np.ndarray, warp) -> list[float | None]:
    """For each job (a, b, h), the p in params for which profiles[b](warp(h, p)) best matches
    profiles[a](h) (see _best). The h of all jobs are equally long; all jobs at once."""
    ia, ib, h = (np.array(v) for v in zip(*jobs))
    a = _resample(profiles, ia[:, None], h, heights)  # (jobs, L)
    b = _resample(profiles, ib[:, None, None], warp(params[None, :, None], h[:, None, :]), heights)  # (jobs, M, L)
    scores = _ncc(a, b)
    return [_best(params, row) for row in scores]


@dataclass(frozen=True)
class Split:
    """How the pixels divide the lids and brows between the sides; None where the two sides
    did not match reliably (the mesh's own split stays)."""

    lid_ratios: tuple[float, float] | None  # right/left lid distance from the pupil: upper, lower
    brow_shift_px: float | None  # how far the left brow sits below the right (head-frame pixels)

    def apply(self, left: SideGeometry, right: SideGeometry) -> tuple[SideGeometry, SideGeometry]:
        """Both sides' geometry with this split. The mesh keeps the mean of the two sides
        (lid distances from the pupil, brow height); the split sets their difference."""
        if self.lid_ratios is not None:
            r_up, r_lo = self.lid_ratios
            up_mean = (left.upper_lid - left.pupil[1] + right.upper_lid - right.pupil[1]) / 2
            lo_mean = (left.pupil[1] - left.lower_lid + right.pupil[1] - right.lower_lid) / 2
            up_left, lo_left = 2 * up_mean / (1 + r_up), 2 * lo_mean / (1 + r_lo)
            left = _with(left, left.pupil[1] + up_left, left.pupil[1] - lo_left, left.brow)
            right = _with(right, right.pupil[1] + r_up * up_left, right.pupil[1] - r_lo * lo_left, right.brow)
        if self.brow_shift_px is not None:
            d = self.brow_shift_px
            mean = (left.brow - left.pupil[1] + right.brow - right.pupil[1]) / 2
            left = _with(left, left.upper_lid, left.lower_lid, left.pupil[1] + mean - d / 2)
            right = _with(right, right.upper_lid, right.lower_lid, right.pupil[1] + mean + d / 2)
        return left, right


NO_SPLIT = Split(None, None)


def _with(g: SideGeometry, upper_lid: float, lower_lid: float, brow: float) -> SideGeometry:
    """g with new lid and brow heights (dataclasses.replace, without its per-call overhead)."""
    return SideGeometry(g.pupil, upper_lid, lower_lid, brow, g.corner, g.alar)


class PixelRefiner:
    """Callable for metrics.measure(refine=...), for one frame's grey image and landmarks."""

    def __init__(self, gray: np.ndarray, landmarks: np.ndarray, image_size, focal_px=None, origin=(0, 0)):
        """gray: the frame's grey image, or a part of it whose top-left pixel is at `origin`
        (one that holds the whole face: samples are clamped to its edges)."""
        if gray.ndim != 2:
            raise ValueError(f"gray: expected a 2-D image, got shape {gray.shape}")
        self.gray = np.ascontiguousarray(gray, dtype=np.float32)
        self.origin = (float(origin[0]), float(origin[1]))
        self.landmarks = landmarks
        self.focal = focal_px if focal_px is not None else DEFAULT_FOCAL_PER_WIDTH * image_size[0]
        self.split: Split | None = None  # set when called (an excluded frame is not)

    def _profiles(self, frame: HeadFrame, heights: np.ndarray, iris_head: float) -> np.ndarray:
        """Brightness at head-frame heights (pixels, from each pupil) along the face's up
        line through the left (row 0) and the right (row 1) pupil."""
        ux, uy = frame.rotation[0, 1], -frame.rotation[1, 1]  # the face's y axis in the image (y down)
        length = math.hypot(ux, uy)
        ux, uy = ux / length, uy / length  # across the line: (-uy, ux)
        pupils = self.landmarks[_PUPILS] - (*self.origin, 0.0)  # (2, 3): x, y in the crop, depth
        # MediaPipe puts pixel centres at i + 0.5; the sampler at i.
        px, py = pupils[:, 0, None, None] - 0.5, pupils[:, 1, None, None] - 0.5
        scale = length / (1.0 + pupils[:, 2] / self.focal)  # image pixels per head-frame pixel, each eye
        t = np.multiply.outer(scale, heights)[:, None, :]  # (2, 1, N) along the line
        offsets = np.multiply.outer(PARALLEL_SPAN_PER_IRIS * iris_head * scale, _PARALLEL)[:, :, None]  # (2, L, 1)
        xs = px - offsets * uy + t * ux
        ys = py + offsets * ux + t * uy
        left, right = np.add.reduce(_bilinear(self.gray, xs, ys), axis=1) / PARALLEL_LINES
        sigma = SMOOTH_PER_IRIS * iris_head / (heights[1] - heights[0])
        return np.stack([_gaussian_smooth(left, sigma), _gaussian_smooth(right, sigma)])

    def __call__(self, frame: HeadFrame, left: SideGeometry, right: SideGeometry):
        """For metrics.measure(refine=...): the lids and brows split as the pixels show;
        the split found is kept in self.split."""
        self.split = self.estimate(frame, left, right)
        return self.split.apply(left, right)

    def estimate(self, frame: HeadFrame, left: SideGeometry, right: SideGeometry) -> Split:
        up_length = math.hypot(frame.rotation[0, 1], frame.rotation[1, 1])
        if up_length < 0.5:
            return NO_SPLIT  # pitched so far that "up" is nearly edge-on
        l0, l2, r0, r2 = frame.points[_IRIS_POINTS].tolist()
        iris = (math.dist(l0, l2) + math.dist(r0, r2)) / 2
        if iris * up_length < 6:  # too few pixels
            return NO_SPLIT
        step = max(iris / SAMPLES_PER_IRIS, 1 / SAMPLES_PER_PIXEL)
        brow_mid = ((left.brow - left.pupil[1]) + (right.brow - right.pupil[1])) / 2
        top = brow_mid + (BROW_HALF_WINDOW + BROW_MAX_SHIFT + 0.1) * iris
        bottom = -LID_WINDOW[1] * LID_STRETCH[1] * iris - step
        heights = np.arange(bottom, top, step)
        profiles = self._profiles(frame, heights, iris)
        L, R = 0, 1  # rows of `profiles`

        # Each match is made both ways (left onto right, right onto left) and the two
        # combined, so that swapping the sides, as a mirror does, gives exactly the inverse.
        stretches = _STRETCHES
        h = np.arange(LID_WINDOW[0] * iris, LID_WINDOW[1] * iris, step)
        # Upper half, then lower: right(h·r) ≈ left(h), and left(h·r) ≈ right(h).
        found = _match(profiles, heights, [(L, R, h), (R, L, h), (L, R, -h), (R, L, -h)], stretches, STRETCH)
        ratios = [None if a is None or b is None else float(np.sqrt(a / b)) for a, b in (found[:2], found[2:])]

        # Brow: right(h + d) ≈ left(h) over the brow band.
        h = np.arange(brow_mid - BROW_HALF_WINDOW * iris, brow_mid + BROW_HALF_WINDOW * iris, step)
        shifts = _SHIFTS_PER_IRIS * iris
        d_lr, d_rl = _match(profiles, heights, [(L, R, h), (R, L, h)], shifts, SHIFT)
        brow = None if d_lr is None or d_rl is None else (d_lr - d_rl) / 2
        return Split(None if None in ratios else (ratios[0], ratios[1]), brow)
