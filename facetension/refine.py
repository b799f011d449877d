"""Refine the eye, brow and mouth-corner asymmetry from the pixels, by registering one side
on the other (pure numpy).

MediaPipe's mesh pulls faces toward symmetry: its lids follow only about a fifth of a
real narrowing, its brows a fifth to a half of a lowering and its mouth corners about
two thirds of a drop. The pixels do not. On the same head-frame scale for both sides we
ask how the left side must be stretched or shifted to match the mirrored right one:

- eye: along the line through each pupil in the face's own "up" direction, the
  brightness profile's upper and lower halves (lashes, lid margin, fold) are each matched
  by a stretch about the pupil; the stretch is the ratio of the lid distances;
- brow: a band along the whole brow (BROW_BAND), centred on mid-brow and weighted toward
  it, is matched by a vertical shift: the difference of the brows' heights, so a glasses
  frame, a fringe or one odd column of hair does not decide it;
- mouth corner: a patch of the commissure (CORNER_BAND: the lip line, the corner's
  shading and the creases beside it), mirrored, is matched by a vertical shift.

This reads asymmetry as a relation between the two sides, so edges that no detector can
name reliably (hooded lids, faint brows, glasses rims, a beard at the corner) still count,
lighting differences between the sides are normalised away, and a mirrored image gives
exactly the mirrored answer. The mesh keeps the mean of the two sides; the registration
sets their split. A weak match (low correlation, or a peak at the end of the search
range) leaves the mesh's split, and Split.refined says which regions the pixels set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import face_model as fm
from .headframe import DEFAULT_FOCAL_PER_WIDTH, HeadFrame
from .metrics import SMALL_FACE_IRIS_PX, SideGeometry

SAMPLES_PER_IRIS = 96  # profile resolution, per iris diameter ...
SAMPLES_PER_PIXEL = 2.0  # ... but no finer than this: bilinear samples closer than half a
# pixel add no detail, only cost (a webcam's iris is 12–20 px across)
SMOOTH_PER_IRIS = 0.03  # Gaussian smoothing of the profile, as a share of the iris diameter
PARALLEL_LINES = 5  # profiles averaged across the pupil, against noise and single lashes
PARALLEL_SPAN_PER_IRIS = 0.25  # ... spread over ±this share of the iris diameter
MIN_CORRELATION = 0.6  # a weaker match between the sides is not trusted
# Under this iris (head-frame pixels) nothing is read from the pixels. From 4 px up the pixels
# agree better with the same photo at full size than the mesh does: of the wide set's photos
# at half size (irises 3-8 px), 89 % of readings lie within 1 mm of the full-size ones with
# 4 px, 84 % with 6 px (benchmarks/accuracy_gains.py).
MIN_IRIS_PX = SMALL_FACE_IRIS_PX
# Windows and search ranges, as shares of the iris diameter (D) or as stretch factors.
LID_WINDOW = (0.06, 0.85)  # |offset| from the pupil covered by each lid half
# A hooded lid already 1.2 times its other side's, narrowed by 30 % more, needs 1.7: the
# stretches (geometric, reciprocal about 1) reach 2.5 each way. Beyond that the search found
# no more on the test faces (1/3–3 read a 50 % narrowing no better).
LID_STRETCH = (0.4, 2.5)
SEARCH_STEPS = 57  # odd, so 1.0 is one of them; the correlation peak spans several steps
_STRETCHES = np.geomspace(*LID_STRETCH, SEARCH_STEPS)
_LOG_STRETCHES = np.log(_STRETCHES)
MESH_PRIOR = 0.02  # correlation given up per unit of ln(stretch) away from the mesh's ratio
# The lids' matches, rows of the profiles (0 left, 1 right) matched (a, b), each both ways:
# upper half, then lower: right(h·r) ≈ left(h), and left(h·r) ≈ right(h).
_LID_JOBS = np.array([[0, 1, 0, 1], [1, 0, 1, 0]])


@dataclass(frozen=True)
class Band:
    """A patch registered side against side by a vertical shift, in the head frame and in
    iris diameters (D): columns `across` from the anchor's x, mirrored so that + is away
    from the midline on both sides; rows `half_height` either side of the anchor's height;
    shifts up to ±max_shift. Columns are weighted by a Gaussian of sd `column_sd` about
    across = 0, so the feature's own column counts most and its ends (a glasses hinge, a
    fringe, the brow's tail) count less."""

    across: tuple[float, float]
    half_height: float
    max_shift: float
    column_sd: float
    row_sd: float  # rows likewise, about the centre height (9.0: all alike)
    min_correlation: float
    min_iris_px: float  # with a smaller iris (image pixels) the band is not read: too few pixels
    # Where the midline may lie, about the head frame's own (D, + toward the left side; a
    # set symmetric about 0): both patches move with it, and the best-matching one is used.
    midlines: tuple[float, ...] = (0.0,)


# The brow band: 1.4 D of brow centred on mid-brow (landmarks 105/52, about 0.6 D outside
# the pupil's vertical), weighted toward its middle (sd 0.3 D each way, so a glasses hinge,
# a fringe or the brow's tail counts little), tall enough for the arch and a browline frame.
# Under 8 px of iris (a face ~90 px tall) the brows of the two sides stopped matching on
# the test set (a half-size grace_hopper read 1.3 mm off the full-size photo): the mesh's
# split stays there. (Read from 4 px like the rest, three faces' brow gains rose from ~0.25
# to 0.5-0.6 and more half-size copies agreed with their photos, 91 % of readings instead
# of 89 %, but grace_hopper's and the dim, noisy takeo's brows moved by 1.3 mm.)
BROW_BAND = Band(
    across=(-0.7, 0.7), half_height=0.8, max_shift=0.5, column_sd=0.3, row_sd=0.3, min_correlation=0.5, min_iris_px=8.0
)
# The commissure: half an iris of lip line toward the midline and of cheek beyond the
# corner, weighted toward the corner, with the shading above and below it (the creases
# beside it). A corner lowered 6 mm moves half an iris; the search reaches 0.7 D (8 mm).
# The patches hang as mirrors about the head frame's midline, which moves by a pixel or so
# with the mesh's "rigid" points; on a sloping lip line a patch a pixel off reads a shift.
# Placed about the best of three midlines 0.05 D apart, a symmetric face (the 38 chimeras of
# benchmarks/accuracy_gains.py) reads its corners within 0.42 mm of level (0.72 before), and
# 824 of 855 robustness readings lie within 1 mm (821); the corner gains' median went from
# 0.95 to 0.93. Five midlines to ±0.05 D read the same; nine to ±0.1 D let a lowered corner
# slide along the lip line (miller's 6 mm read 0.33). The brow's band gained nothing from it.
CORNER_BAND = Band(
    across=(-0.5, 0.5),
    half_height=0.4,
    max_shift=0.7,
    column_sd=0.3,
    row_sd=9.0,
    min_correlation=0.5,
    min_iris_px=0.0,
    midlines=(-0.05, 0.0, 0.05),
)
BAND_STEPS_PER_IRIS = 20  # rows and columns of a band, per iris diameter ...
# (no finer than SAMPLES_PER_PIXEL: the shift's parabola refines between rows)
_PARALLEL = np.linspace(-1, 1, PARALLEL_LINES)
_IRIS_POINTS = [fm.LEFT_IRIS_RING[0], fm.LEFT_IRIS_RING[2], fm.RIGHT_IRIS_RING[0], fm.RIGHT_IRIS_RING[2]]
_PUPILS = [fm.LEFT_IRIS_CENTER, fm.RIGHT_IRIS_CENTER]
_MID_BROWS = [fm.mirrored(105), fm.mirrored(52), 105, 52]  # mid-brow: upper and lower edge, left then right
_CORNERS = [fm.mirrored(fm.RIGHT_MOUTH_CORNER), fm.RIGHT_MOUTH_CORNER]


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


def _match(
    profiles: np.ndarray, heights: np.ndarray, jobs: np.ndarray, h: np.ndarray, params: np.ndarray, warp
) -> np.ndarray:
    """For each job (a, b) and its row of heights h, how well profiles[b](warp(h, p))
    matches profiles[a](h) for each p in params: (jobs, len(params)) scores, all at once."""
    ia, ib = jobs
    a = _resample(profiles, ia[:, None], h, heights)  # (jobs, L)
    b = _resample(profiles, ib[:, None, None], warp(params[None, :, None], h[:, None, :]), heights)  # (jobs, M, L)
    return _ncc(a, b)


@lru_cache(maxsize=16)
def _window_band(rows: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """For the n-row windows of a rows-row patch: the (shifts, rows) matrix that takes each
    window's mean, and where a row weight goes in the matrix that takes each window's
    weighted sum (flat indices, window by window, row by row)."""
    shifts = rows - n + 1
    at = (np.arange(shifts)[:, None] * (rows + 1) + np.arange(n)).ravel()
    mean = np.zeros(shifts * rows)
    mean[at] = 1.0 / n
    mean = mean.reshape(shifts, rows)
    for array in (mean, at):
        array.setflags(write=False)
    return mean, at


def _shift_match(patches: np.ndarray, n: int, row_w: np.ndarray, col_w: np.ndarray) -> np.ndarray:
    """For each pair of (rows, columns) patches (..., 2, rows, columns), a and b = the pair
    reversed: the correlation of a's middle n rows with every n-row window of b (window k
    starts k rows into b, so b is shifted by k − (rows − n) / 2 rows against a), both ways.
    Each column is compared after removing its mean (a light that falls off across the band
    is no feature), rows weighted by row_w and columns by col_w, the whole normalised:
    (..., 2, shifts) scores.

    Every window's sums are band matrices (shifts × rows) applied to b, and its variance is
    expanded into them, so no (pairs, shifts, rows, columns) array of windows is built."""
    lead, (rows, columns) = patches.shape[:-2], patches.shape[-2:]
    b = np.ascontiguousarray(patches[..., ::-1, :, :]).reshape(-1, rows, columns)
    patches = patches.reshape(-1, rows, columns)
    pairs = len(patches)
    m = (rows - n) // 2
    a = patches[:, m : m + n]
    a = a - np.add.reduce(a, axis=1, keepdims=True) / n
    aw = a * (row_w[:, None] * col_w)  # (pairs, n, columns)
    mean_band, at = _window_band(rows, n)
    shifts = len(mean_band)
    weighted_band = np.zeros(shifts * rows)
    weighted_band[at] = np.tile(row_w, shifts)
    weighted_band = weighted_band.reshape(shifts, rows)
    mean, wsum = np.matmul(mean_band, b), np.matmul(weighted_band, b)  # (pairs, shifts, columns)
    wsq = np.matmul(weighted_band, b * b)
    # Σ_n Σ_c (b[k + n, c] − mean[k, c]) · aw[n, c]: row r of b against row n of aw (g), summed
    # along the diagonals r = k + n (a strided view of g)
    g = np.matmul(b, aw.transpose(0, 2, 1))  # (pairs, rows, n), contiguous
    diagonals = np.ndarray((pairs, shifts, n), g.dtype, g, 0, (g.strides[0], g.strides[1], g.strides[1] + g.strides[2]))
    num = np.add.reduce(diagonals, axis=2) - np.matmul(mean, np.add.reduce(aw, axis=1)[..., None])[..., 0]
    # Σ_n Σ_c w (b − mean)² = Σ_c col_w (Σ_n row_w b² − 2 mean Σ_n row_w b + mean² Σ_n row_w)
    var = np.matmul(wsq - mean * (2 * wsum - mean * float(np.add.reduce(row_w))), col_w)
    den = np.sqrt(np.add.reduce(aw * a, axis=(1, 2))[:, None] * np.maximum(var, 0.0))
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0).reshape(*lead, shifts)


def _best_band(band: Band, steps: np.ndarray, scores: np.ndarray) -> float | None:
    j = int(scores.argmax())
    if scores[j] < band.min_correlation or j == 0 or j == len(scores) - 1:
        return None
    a, b, c = scores[j - 1], scores[j], scores[j + 1]
    den = a - 2 * b + c
    off = 0.5 * (a - c) / den if den != 0 else 0.0
    return float(steps[j] + off * (steps[1] - steps[0]))


PIXEL_REFINED = ("brow", "eye", "mouth_corner")  # the regions whose split the pixels may set


@dataclass(frozen=True)
class Split:
    """How the pixels divide the lids, brows and mouth corners between the sides; None where
    the two sides did not match reliably (the mesh's own split stays). Callable like a
    PixelRefiner (metrics.measure(refine=split)), to reuse one frame's split on the next."""

    lid_ratios: tuple[float, float] | None  # right/left lid distance from the pupil: upper, lower
    brow_shift_px: float | None  # how far the left brow sits lower above its pupil than the right (head-frame pixels)
    corner_shift_px: float | None = None  # how far the left mouth corner sits below the right

    @property
    def refined(self) -> tuple[str, ...]:
        """The regions whose split the pixels set (the others keep the mesh's)."""
        found = (self.brow_shift_px, self.lid_ratios, self.corner_shift_px)
        return tuple(r for r, v in zip(PIXEL_REFINED, found) if v is not None)

    def __call__(self, _frame, left: SideGeometry, right: SideGeometry) -> tuple[SideGeometry, SideGeometry]:
        return self.apply(left, right)

    def apply(self, left: SideGeometry, right: SideGeometry) -> tuple[SideGeometry, SideGeometry]:
        """Both sides' geometry with this split. The mesh keeps the mean of the two sides
        (lid distances from the pupil, brow height, corner height); the split sets their
        difference."""
        if self.lid_ratios is not None:
            r_up, r_lo = self.lid_ratios
            up_mean = (left.upper_lid - left.pupil[1] + right.upper_lid - right.pupil[1]) / 2
            lo_mean = (left.pupil[1] - left.lower_lid + right.pupil[1] - right.lower_lid) / 2
            up_left, lo_left = 2 * up_mean / (1 + r_up), 2 * lo_mean / (1 + r_lo)
            left = _with(left, upper_lid=left.pupil[1] + up_left, lower_lid=left.pupil[1] - lo_left)
            right = _with(right, upper_lid=right.pupil[1] + r_up * up_left, lower_lid=right.pupil[1] - r_lo * lo_left)
        if self.brow_shift_px is not None:
            d = self.brow_shift_px
            mean = (left.brow - left.pupil[1] + right.brow - right.pupil[1]) / 2
            left = _with(left, brow=left.pupil[1] + mean - d / 2)
            right = _with(right, brow=right.pupil[1] + mean + d / 2)
        if self.corner_shift_px is not None:
            d = self.corner_shift_px
            mean = (left.corner[1] + right.corner[1]) / 2  # heights in the head frame, y up
            left = _with(left, corner_y=mean - d / 2)
            right = _with(right, corner_y=mean + d / 2)
        return left, right


NO_SPLIT = Split(None, None, None)


def _with(g: SideGeometry, upper_lid=None, lower_lid=None, brow=None, corner_y=None) -> SideGeometry:
    """g with new lid, brow or corner heights (dataclasses.replace, without its per-call
    overhead)."""
    corner = g.corner
    if corner_y is not None:
        corner = corner.copy()
        corner[1] = corner_y
    return SideGeometry(
        g.pupil,
        g.upper_lid if upper_lid is None else upper_lid,
        g.lower_lid if lower_lid is None else lower_lid,
        g.brow if brow is None else brow,
        corner,
        g.alar,
    )


class PixelRefiner:
    """Callable for metrics.measure(refine=...), for one frame's grey image and landmarks."""

    def __init__(self, gray: np.ndarray, landmarks: np.ndarray, image_size, focal_px=None, origin=(0, 0)):
        """gray: the frame's grey image, or a part of it whose top-left pixel is at `origin`
        (one that holds the eyes, brows and mouth: samples are clamped to its edges)."""
        if gray.ndim != 2:
            raise ValueError(f"gray: expected a 2-D image, got shape {gray.shape}")
        self.gray = np.ascontiguousarray(gray, dtype=np.float32)
        self.origin = (float(origin[0]), float(origin[1]))
        self.landmarks = landmarks
        self.focal = focal_px if focal_px is not None else DEFAULT_FOCAL_PER_WIDTH * image_size[0]
        self.split: Split | None = None  # set when called (an excluded frame is not)

    @property
    def refined(self) -> tuple[str, ...]:
        """The regions whose split the pixels set on the last call (metrics.measure reads it)."""
        return () if self.split is None else self.split.refined

    def _profiles(self, frame: HeadFrame, heights: np.ndarray, iris_head: float) -> np.ndarray:
        """Brightness at head-frame heights (pixels, from each pupil) along the face's up
        line through the left (row 0) and the right (row 1) pupil."""
        ux, uy = frame.rotation[0, 1], -frame.rotation[1, 1]  # the face's y axis in the image (y down)
        length = math.hypot(ux, uy)
        ux, uy = ux / length, uy / length  # across the line: (-uy, ux)
        # Each eye's samples are pupil + t · (ux, uy) + o · (−uy, ux), with t = scale · height and
        # o = scale · the parallel line's offset: a few numbers per eye, then one matrix product.
        coef = []
        span = PARALLEL_SPAN_PER_IRIS * iris_head
        for x, y, z in self.landmarks[_PUPILS].tolist():
            scale = length / (1.0 + z / self.focal)  # image pixels per head-frame pixel
            # MediaPipe puts pixel centres at i + 0.5; the sampler at i.
            coef += [
                (x - self.origin[0] - 0.5, scale * ux, -span * scale * uy),
                (y - self.origin[1] - 0.5, scale * uy, span * scale * ux),
            ]
        basis = np.empty((3, PARALLEL_LINES, len(heights)))
        basis[0], basis[1], basis[2] = 1.0, heights, _PARALLEL[:, None]
        xs, ys = (np.array(coef) @ basis.reshape(3, -1)).reshape(2, 2, PARALLEL_LINES, -1).transpose(1, 0, 2, 3)
        left, right = np.add.reduce(_bilinear(self.gray, xs, ys), axis=1) / PARALLEL_LINES
        sigma = SMOOTH_PER_IRIS * iris_head / (heights[1] - heights[0])
        return np.stack([_gaussian_smooth(left, sigma), _gaussian_smooth(right, sigma)])

    def _band_grid(self, frame: HeadFrame, band: Band, anchors, centre, iris: float):
        """Where to sample a band on both sides: image x and y (2, rows, columns), crop
        coordinates, and what _band_shift needs to match them; None when the face is too
        small for it. anchors: the (left, right) landmark indices the patches hang from;
        centre: the head-frame (|x|, y) both patches are centred on (mirrors of each other)."""
        (r00, r01, _), (r10, r11, _), _ = frame.rotation.tolist()
        if iris * math.hypot(r01, r11) < band.min_iris_px:
            return None  # (the iris's height in the image, near enough)
        step = max(iris / BAND_STEPS_PER_IRIS, 1 / SAMPLES_PER_PIXEL)
        cols = np.arange(band.across[0] * iris, band.across[1] * iris + step / 2, step)
        n = int(round(2 * band.half_height * iris / step)) + 1
        k = int(math.ceil(band.max_shift * iris / step))
        rows = (np.arange(n + 2 * k) - (n - 1) / 2 - k) * step  # heights from the centre, up
        # Each side's patch in the image is c + ex · column + ey · height (per image axis):
        # a few numbers per side, worked out in plain floats, then one matrix product.
        coef = []
        sides = (1.0, -1.0)  # left at +x, right at −x: columns point outward
        anchored = list(zip(sides, self.landmarks[anchors].tolist(), frame.points[anchors, :2].tolist()))
        for midline in band.midlines:
            for side, (x, y, z), (hx, hy) in anchored:
                depth = 1.0 + z / self.focal
                ex = (r00 / depth, -r10 / depth)  # image offset per head-frame x ...
                ey = (r01 / depth, -r11 / depth)  # ... and per head-frame y (up)
                dx, dy = side * centre[0] + midline * iris - hx, centre[1] - hy  # anchor to patch centre
                for axis, at in enumerate((x, y)):  # the sampler puts pixel centres at i, MediaPipe at i + 0.5
                    at += dx * ex[axis] + dy * ey[axis] - self.origin[axis] - 0.5
                    coef.append((at, side * ex[axis], ey[axis]))
        basis = np.empty((3, len(rows), len(cols)))
        basis[0], basis[1], basis[2] = 1.0, cols, rows[:, None]
        m = len(band.midlines)
        xs, ys = (np.array(coef) @ basis.reshape(3, -1)).reshape(m, 2, 2, len(rows), len(cols)).transpose(2, 0, 1, 3, 4)
        heights = rows[k : k + n]
        row_w = np.exp(-0.5 * (heights / (band.row_sd * iris)) ** 2)
        col_w = np.exp(-0.5 * (cols / (band.column_sd * iris)) ** 2)
        steps = (np.arange(2 * k + 1) - k) * step
        return xs, ys, (band, n, row_w, col_w, steps)

    @staticmethod
    def _band_shift(patches: np.ndarray, plan) -> float | None:
        """How far the left side's patch (patches[m, 0]) sits below the right's (head-frame
        pixels), or None for a weak match; of the midlines m, the one where the patches
        match best."""
        band, n, row_w, col_w, steps = plan
        # right(h + d) ≈ left(h), and left(h + d') ≈ right(h): d = −d' for a mirror image,
        # so (d − d') / 2 swaps sign exactly when the sides swap (and so do the midlines).
        every = _shift_match(patches, n, row_w, col_w)  # (midlines, 2, shifts)
        scores = every[int(np.argmax(every.max(axis=2).sum(axis=1)))]
        d_lr, d_rl = (_best_band(band, steps, row) for row in scores)
        return None if d_lr is None or d_rl is None else (d_lr - d_rl) / 2

    def _bands(self, frame: HeadFrame, jobs) -> list[float | None]:
        """_band_shift for each (band, anchors, centre, iris) job, all sampled at once."""
        grids = [self._band_grid(frame, *job) for job in jobs]
        found = [g for g in grids if g is not None]
        if not found:
            return [None] * len(jobs)
        values = _bilinear(
            self.gray, np.concatenate([g[0].ravel() for g in found]), np.concatenate([g[1].ravel() for g in found])
        )
        out, at = [], 0
        for g in grids:
            if g is None:
                out.append(None)
                continue
            size = g[0].size
            out.append(self._band_shift(values[at : at + size].reshape(g[0].shape), g[2]))
            at += size
        return out

    def __call__(self, frame: HeadFrame, left: SideGeometry, right: SideGeometry):
        """For metrics.measure(refine=...): the lids, brows and mouth corners split as the
        pixels show; the split found is kept in self.split."""
        self.split = self.estimate(frame, left, right)
        return self.split.apply(left, right)

    def estimate(self, frame: HeadFrame, left: SideGeometry, right: SideGeometry) -> Split:
        up_length = math.hypot(frame.rotation[0, 1], frame.rotation[1, 1])
        if up_length < 0.5:
            return NO_SPLIT  # pitched so far that "up" is nearly edge-on
        l0, l2, r0, r2 = frame.points[_IRIS_POINTS].tolist()
        iris = (math.dist(l0, l2) + math.dist(r0, r2)) / 2
        if iris * up_length < MIN_IRIS_PX:
            return NO_SPLIT
        step = max(iris / SAMPLES_PER_IRIS, 1 / SAMPLES_PER_PIXEL)
        reach = LID_WINDOW[1] * LID_STRETCH[1] * iris + step
        heights = np.arange(-reach, reach + step, step)
        profiles = self._profiles(frame, heights, iris)

        # Each lid half is matched both ways, right(h·r) ≈ left(h) and left(h/r) ≈ right(h),
        # for one stretch r: the stretches are geometric and reciprocal about 1, so 1/r is the
        # reversed row, and swapping the sides, as a mirror does, gives exactly 1/r. (Each
        # way's own peak could sit on a different feature: a hooded lid's margin one way, its
        # fold the other.) A lower half that is only a ramp of shading (lashes to cheek, on a
        # small face) matches nearly as well at any stretch: a slight preference for the
        # mesh's own ratio settles such near-ties and moves a clear peak by a hundredth or less.
        h = np.arange(LID_WINDOW[0] * iris, LID_WINDOW[1] * iris, step)
        scores = _match(profiles, heights, _LID_JOBS, np.stack([h, h, -h, -h]), _STRETCHES, STRETCH)  # upper, lower
        mesh = (
            (right.upper_lid - right.pupil[1]) / max(left.upper_lid - left.pupil[1], 1e-6),
            (right.pupil[1] - right.lower_lid) / max(left.pupil[1] - left.lower_lid, 1e-6),
        )
        ratios = []
        for i, r in zip((0, 2), mesh):
            joint = (scores[i] + scores[i + 1, ::-1]) / 2 - MESH_PRIOR * np.abs(_LOG_STRETCHES - math.log(max(r, 1e-6)))
            best = _best(_LOG_STRETCHES, joint)  # in ln(stretch), evenly spaced: a mirror gives exactly −best
            ratios.append(None if best is None else math.exp(best))

        # Brow: the band along both brows, centred on mid-brow. The band's shift is the
        # brows' difference in height; the brow is measured above its own pupil, so the
        # pupils' difference comes off (the mesh places pupils well). Mouth corner: the
        # commissure band at the two corners' mean position.
        (lux, luy), (llx, lly), (rux, ruy), (rlx, rly) = frame.points[_MID_BROWS, :2].tolist()  # left upper, ...
        brow_at = ((lux + llx - rux - rlx) / 4, (luy + lly + ruy + rly) / 4)
        corner = ((left.corner[0] - right.corner[0]) / 2, (left.corner[1] + right.corner[1]) / 2)
        brow, mouth = self._bands(
            frame, [(BROW_BAND, _MID_BROWS[::2], brow_at, iris), (CORNER_BAND, _CORNERS, corner, iris)]
        )
        if brow is not None:
            brow += float(right.pupil[1] - left.pupil[1])
        return Split(None if None in ratios else (ratios[0], ratios[1]), brow, mouth)
