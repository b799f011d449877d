"""Real-face clips of the weekly movement check with known movements: ground truth for issue 15.

A real face (the neutral loop of samples/single_face.mp4, or a still photo) follows the set
that check_plan.plan lays out: rest, then each movement held (raised-cosine ramps in and out
inside the hold) and released. Each movement is a smooth warp whose size is known in mm on
the face (converted with the face's own iris scale); `left` and `right` scale each side:

- brow_raise: the brow band (between its contours, inner to outer end) lifted 4 mm as one;
  the skin below it stretches, the upper lid stays put, the forehead follows with a falloff;
- eye_close: the upper lid slides down over the eye (the opening shrinks to 1 − scale of
  itself; at full scale the lids meet); the eye below the lid's edge and the lower lid stay;
- smile_closed: the mouth corner 3 mm up and 3 mm out, lips closed;
- smile_open: the corner 4 mm up and 3 mm out, and the lower lip 6 mm down on the midline
  (a lens-shaped gap from corner to corner, painted with upper teeth over a dark mouth);
- snarl: the ala, the alar base and the upper lip beside the philtrum lifted 2.5 mm;
- pucker: the mouth corner 3 mm inward.

Synkinesis (Synkinesis specs) adds, during the holds of the listed movements: an eye
narrowing by a share of its opening (both lids toward the pupil, as scripted.EyeNarrow), or
a mouth corner pulled a number of mm, half up and half out.

Every per-side warp fades to exactly zero at the facial midline, so a side with scale 0
keeps its pixels (the open-smile gap blends the two sides' scales over the central third of
the mouth, so there the still side is untouched from STILL_MARGIN_MM off the midline).

Truth is given in the sides an analyser of the output frames sees: with mirror=True every
side is swapped. Frames are read-only and shared between identical frames; clips are cached.

What MediaPipe's mesh reads (Landmarker("image"), rest vs mid-plateau frame, both sides at
full scale, landmark moves along the face's axes, on the four FACES): brow 67–81 % of the
lift; eye closure 38–74 % (a shut eye still reads a quarter to three fifths open, as
blinks.py says of real ones); corner up 95–115 % (smiles); corner out 72–88 % (closed
smile), 74–132 % (open smile, uneven between sides); lip gap 72–97 %; pucker 62–87 %; snarl:
upper lip beside the philtrum 54–64 %, alar base 15–32 %. The mesh couples the sides: with
one side still it reads that side moving by ~10–15 % of the other (brow, corners), ~25 %
for a shut eye, and for the snarl it splits the lift almost evenly between the sides. An eye
narrowed by 30 % reads 9–17 %, and the other eye half as much.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import cv2
import numpy as np

from facetension import check_plan
from facetension import face_model as fm
from facetension.check_plan import MOVEMENT_KEYS, Step
from facetension.headframe import head_frame
from facetension.metrics import mm_per_px as scale_of

from imagewarp import local_scale
from scripted import NEUTRAL_FRAMES, Track, pingpong_indices, raised_cosine_window, rest_frames, rest_track, write_clip
from twitchclips import Drift, base

VIDEO_FACE = "single_face"  # the neutral loop of samples/single_face.mp4
# Photos with a neutral, closed mouth, open eyes and visible brows (tests/data/faces).
PHOTO_FACES = ("woods.jpg", "nanjiani.jpg", "middleditch.jpg")
FACES = (VIDEO_FACE, *PHOTO_FACES)
RAMP_S = 0.4

# Full amplitudes, per side. mm on the face, except eye_close's "closure" (a share of the
# eye's opening). Keys follow check_types.FEATURES where one matches.
FULL = MappingProxyType(
    {
        "brow_raise": MappingProxyType({"brow": 4.0}),
        "eye_close": MappingProxyType({"closure": 1.0}),
        "smile_closed": MappingProxyType({"corner_up": 3.0, "corner_out": 3.0}),
        "smile_open": MappingProxyType({"corner_up": 4.0, "corner_out": 3.0}),
        "snarl": MappingProxyType({"alar": 2.5, "lip": 2.5}),
        "pucker": MappingProxyType({"corner_out": -3.0}),
    }
)
LIP_GAP_MM = 6.0  # smile_open: lower lip drop at the midline at full scale (mean of the sides' scales)
SYNKINESIS_KINDS = ("eye_narrow", "corner_pull")
MAX_NARROWING = 0.9  # eye_narrow: share of the opening
MAX_PULL_MM = 5.0

# Warp shapes, in mm on the face. Each is a compromise between looking like skin (broad)
# and staying on its own side and feature (narrow).
MIDLINE_TAPER_MM = 5.0  # per-side warps rise from 0 at the midline to full over this
STILL_MARGIN_MM = 10.0  # beyond this off the midline a still side's pixels are untouched
BROW_TAIL_MM = 8.0  # the lift fades beyond each end of the brow over this
BROW_UP_SIGMA_MM = 12.0  # the forehead above the brow follows with this Gaussian falloff
BROW_FLAT_BELOW_MM = 1.5  # ... and down to this below the brow's lower contour
BROW_BELOW_SHARE = 0.75  # the lift fades to 0 over this share of the brow-to-lid gap
# Below the mesh's lower-lid contour a rim of bright sclera would stay when the lids meet;
# eye_close closes it too (the lower lid's landmarks then dip by up to this).
LID_MARGIN_MM = 0.5
LID_BAND_SHARE = 0.6  # eye_close stretches this share of the lid-to-brow skin over the eye
CORNER_SIGMA_MM = 11.0  # smiles and corner pulls: the cheek moves with the corner
PUCKER_SIGMA_MM = 9.0
SNARL_SIGMA_MM = 5.0  # around the polyline through SNARL_POINTS
LIP_BAND_MM = 0.5  # smile_open: the ± band around the lip line stretched into the gap
LIP_TAPER_MM = 15.0  # below the lower lip the drop fades over this (into the chin)
LIP_BELOW_MM = 1.0  # the lower lip moves rigidly to this far below its lower edge (landmark 17)
TEETH_SHARE = 0.5  # the upper teeth fill this share of the gap's depth; the mouth below is dark
TEETH_BGR = np.array([196.0, 208.0, 222.0])
MOUTH_BGR = np.array([38.0, 34.0, 62.0])
MOUTH_CORNER_SHADE = 0.5

FIXED_POINT_STEPS = 40  # inverse of a vector warp whose gradient is < 0.5: error < 1e-12 px
BISECTION_STEPS = 36  # inverse of a lift: bracket of a few px shrinks below 1e-9 px
NEGLIGIBLE_PX = 1e-3  # Gaussian tails are cut where they move content less than this

SIDES = ("left", "right")
# Landmarks (subject's right; the left ones are their mirrors).
UPPER_LID = (fm.RIGHT_OUTER_CANTHUS, *fm.RIGHT_UPPER_LID, fm.RIGHT_INNER_CANTHUS)
LOWER_LID = (fm.RIGHT_OUTER_CANTHUS, *fm.RIGHT_LOWER_LID, fm.RIGHT_INNER_CANTHUS)
LIP_BESIDE_PHILTRUM = 37  # on the upper lip's outer contour, next to the philtrum (left: 267)
SNARL_POINTS = (64, fm.RIGHT_ALAR_BASE, LIP_BESIDE_PHILTRUM)  # ala, alar base, upper lip
# The inner lip contours, corner to corner (MediaPipe's lipsUpperInner, lipsLowerInner).
UPPER_INNER_LIP = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_INNER_LIP = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
LOWER_LIP_BOTTOM = 17
MIDLINE = (168, 6, 197, 195, 5, 4, 1, 164, 0, 17, 152)  # nose bridge to chin


def _on(index: int, side: str) -> int:
    return index if side == "right" else fm.mirrored(index)


def _read_only(frame: np.ndarray) -> np.ndarray:
    frame.setflags(write=False)
    return frame


# -- specs and truth -------------------------------------------------------------------


@dataclass(frozen=True)
class Synkinesis:
    """Unwanted movement during the holds of `during`, with their timing and ramps.

    eye_narrow: `side`'s eye narrows by `amount` (share of its opening, both lids toward
    the pupil); corner_pull: `side`'s mouth corner moves `amount` mm, half up, half out
    (amount / √2 mm each way).
    """

    kind: str
    side: str
    amount: float
    during: tuple[str, ...]

    def __post_init__(self):
        if self.kind not in SYNKINESIS_KINDS:
            raise ValueError(f"synkinesis kind must be one of {SYNKINESIS_KINDS}, got {self.kind!r}")
        if self.side not in SIDES:
            raise ValueError(f"side must be 'left' or 'right', got {self.side!r}")
        limit = MAX_NARROWING if self.kind == "eye_narrow" else MAX_PULL_MM
        if not 0.0 <= self.amount <= limit:
            raise ValueError(f"{self.kind} amount must be in [0, {limit}], got {self.amount}")
        unknown = [m for m in self.during if m not in MOVEMENT_KEYS]
        if unknown or not self.during:
            raise ValueError(f"during must name movements among {MOVEMENT_KEYS}, got {self.during!r}")

    def swapped(self) -> Synkinesis:
        return Synkinesis(self.kind, "right" if self.side == "left" else "left", self.amount, self.during)

    @property
    def up_out_mm(self) -> tuple[float, float]:
        """corner_pull: the corner's movement up and out, mm."""
        return self.amount / math.sqrt(2.0), self.amount / math.sqrt(2.0)


@dataclass(frozen=True)
class Truth:
    """What the clip does, in the sides an analyser of the output frames sees."""

    face: str
    fps: float
    n_frames: int
    image_size: tuple[int, int]  # (width, height)
    steps: tuple[Step, ...]  # check_plan.plan(...) of the clip
    ramp_s: float
    mm_per_px: float  # the scale every amplitude was converted with (iris, first base frame)
    scale_source: str  # "iris" or "face-model" (metrics.mm_per_px on that frame)
    mirror: bool
    scales: Mapping[str, tuple[float, float]]  # movement → (left, right) share of FULL
    full_mm: Mapping[str, Mapping[str, float]]  # FULL: per side at scale 1 (closure: a share)
    full_px: Mapping[str, Mapping[str, float]]  # the same in pixels (closure stays a share)
    lip_gap_full_mm: float
    synkinesis: tuple[Synkinesis, ...]
    eye_opening_mm: tuple[float, float]  # (left, right) at rest, first base frame, lid contours at the pupil

    def scale(self, movement: str, side: str) -> float:
        left, right = self.scales[movement]
        return left if side == "left" else right

    def expected(self, movement: str, side: str) -> dict[str, float]:
        """The side's excursion at the hold's plateau: mm per feature (closure: a share)."""
        k = self.scale(movement, side)
        return {feature: k * v for feature, v in self.full_mm[movement].items()}

    def lip_gap_mm(self) -> float:
        """smile_open: how far the lower lip drops at the midline at the plateau."""
        return self.lip_gap_full_mm * sum(self.scales["smile_open"]) / 2.0

    def ratio(self, movement: str) -> float | None:
        """Weaker side's scale over the stronger's; None when neither side moves."""
        a, b = sorted(self.scales[movement])
        return None if b == 0.0 else a / b

    def holds(self, movement: str) -> tuple[tuple[float, float], ...]:
        return tuple((s.start_s, s.end_s) for s in self.steps if s.kind == "hold" and s.movement == movement)

    def plateaus(self, movement: str) -> tuple[tuple[float, float], ...]:
        """Where the movement is at full size: its holds less the ramps."""
        return tuple((a + self.ramp_s, b - self.ramp_s) for a, b in self.holds(movement))

    def rest(self) -> tuple[float, float]:
        return self.steps[0].start_s, self.steps[0].end_s

    def synkinesis_during(self, movement: str) -> tuple[Synkinesis, ...]:
        return tuple(s for s in self.synkinesis if movement in s.during)

    def eye_narrowing(self, movement: str, side: str) -> float:
        """Share of `side`'s eye opening lost to synkinesis at the plateau of `movement`."""
        return sum(s.amount for s in self.synkinesis_during(movement) if s.kind == "eye_narrow" and s.side == side)

    def corner_pull_mm(self, movement: str, side: str) -> float:
        """How far `side`'s mouth corner is pulled by synkinesis at the plateau of `movement`."""
        return sum(s.amount for s in self.synkinesis_during(movement) if s.kind == "corner_pull" and s.side == side)

    def frame_at(self, t_s: float) -> int:
        return min(round(t_s * self.fps), self.n_frames - 1)

    def weight_at(self, t_s: float) -> tuple[str | None, float]:
        """The movement under way at t_s and its share of its plateau size (the ramps), or (None, 0)."""
        return _weight_at(self.steps, t_s, self.ramp_s)


# -- geometry of one base frame --------------------------------------------------------


@dataclass(frozen=True)
class _Geo:
    """A base frame's landmarks in face axes: r across (+ toward the subject's left, 0 on the
    midline), s up, both in image pixels."""

    p: np.ndarray  # (478, 3) pixels
    up: np.ndarray  # (2,) unit, image pixels
    across: np.ndarray  # (2,) unit, toward the subject's left
    origin: np.ndarray  # (2,) a point on the midline
    px_per_mm: float

    @staticmethod
    def of(p: np.ndarray, up: np.ndarray, mm_per_px: float) -> _Geo:
        up = np.asarray(up, dtype=np.float64)
        across = np.array([-up[1], up[0]])
        origin = p[list(MIDLINE), :2].mean(axis=0)
        return _Geo(p, up, across, origin, 1.0 / mm_per_px)

    def rs(self, index) -> np.ndarray:
        """(r, s) of landmark(s): shape (2,) or (n, 2)."""
        d = self.p[index, :2] - self.origin
        return np.stack([d @ self.across, d @ self.up], axis=-1)

    def grid_rs(self, qx: np.ndarray, qy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dx, dy = qx - self.origin[0], qy - self.origin[1]
        return dx * self.across[0] + dy * self.across[1], dx * self.up[0] + dy * self.up[1]

    def xy(self, r: float, s: float) -> np.ndarray:
        return self.origin + r * self.across + s * self.up

    def mm(self, value_mm: float) -> float:
        return value_mm * self.px_per_mm

    def side_mask(self, r: np.ndarray, side: str) -> np.ndarray:
        """0 on the other side of the midline, rising smoothly to 1 over MIDLINE_TAPER_MM."""
        x = np.clip((r if side == "left" else -r) / self.mm(MIDLINE_TAPER_MM), 0.0, 1.0)
        return x * x * (3.0 - 2.0 * x)

    def box(self, r0: float, r1: float, s0: float, s1: float, size: tuple[int, int]):
        """Pixel grid (qx, qy) and top-left (x0, y0) of the image box holding the face-axes
        rectangle [r0, r1] × [s0, s1], or None when it misses the image."""
        corners = np.array([self.xy(r, s) for r in (r0, r1) for s in (s0, s1)])
        w, h = size
        x0, y0 = max(math.floor(corners[:, 0].min()) - 1, 0), max(math.floor(corners[:, 1].min()) - 1, 0)
        x1, y1 = min(math.ceil(corners[:, 0].max()) + 2, w), min(math.ceil(corners[:, 1].max()) + 2, h)
        if x0 >= x1 or y0 >= y1:
            return None
        qx, qy = np.meshgrid(np.arange(x0, x1, dtype=np.float64), np.arange(y0, y1, dtype=np.float64))
        return qx, qy, x0, y0


def _remap(image: np.ndarray, qx: np.ndarray, qy: np.ndarray, x0: int, y0: int, dx, dy) -> np.ndarray:
    """A copy of image whose box at (x0, y0) samples the source at (qx + dx, qy + dy). Where
    the offset is exactly 0 the pixel is copied unchanged."""
    map_x, map_y = (qx + dx).astype(np.float32), (qy + dy).astype(np.float32)
    patch = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    out = image.copy()
    box = out[y0 : y0 + qx.shape[0], x0 : x0 + qx.shape[1]]
    box[...] = patch.reshape(box.shape)  # remap drops a trailing channel axis of size 1
    return out


def _interp(r: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Height s of a contour [(r, s), ...] at r (held at its ends)."""
    order = np.argsort(points[:, 0])
    return np.interp(r, points[order, 0], points[order, 1])


def _raised_cos(x: np.ndarray) -> np.ndarray:
    """1 at x ≤ 0 falling smoothly to 0 at x ≥ 1."""
    x = np.clip(x, 0.0, 1.0)
    return 0.5 * (1.0 + np.cos(np.pi * x))


def _lift(image: np.ndarray, g: _Geo, box, lift: Callable, max_px: float) -> np.ndarray:
    """Move content up (along g.up) by the forward field lift(r, s) ≥ 0, which must keep
    s + lift(r, s) increasing in s. The inverse is solved by bisection per pixel."""
    if box is None or max_px <= 0.0:
        return image
    qx, qy, x0, y0 = box
    r, s_out = g.grid_rs(qx, qy)
    lo, hi = s_out - max_px, s_out.copy()
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        beyond = mid + lift(r, mid) > s_out
        hi = np.where(beyond, mid, hi)
        lo = np.where(beyond, lo, mid)
    d = -lift(r, 0.5 * (lo + hi))  # exactly 0 where the field is
    return _remap(image, qx, qy, x0, y0, d * g.up[0], d * g.up[1])


def _shift(image: np.ndarray, g: _Geo, box, field: Callable) -> np.ndarray:
    """Move content by the forward field field(r, s) → (dr, ds) px, whose gradient must stay
    well below 1; the inverse is solved by fixed-point iteration."""
    if box is None:
        return image
    qx, qy, x0, y0 = box
    r_out, s_out = g.grid_rs(qx, qy)
    r, s = r_out, s_out
    for _ in range(FIXED_POINT_STEPS):
        dr, ds = field(r, s)
        r, s = r_out - dr, s_out - ds
    dr, ds = field(r, s)
    return _remap(image, qx, qy, x0, y0, -(dr * g.across[0] + ds * g.up[0]), -(dr * g.across[1] + ds * g.up[1]))


def _gauss_reach(sigma: float, amplitude: float) -> float:
    return sigma * math.sqrt(2.0 * math.log(max(amplitude, 2 * NEGLIGIBLE_PX) / NEGLIGIBLE_PX)) + amplitude + 1.0


# -- the warps ------------------------------------------------------------------------


def _brow_raise(image, g: _Geo, side: str, mm: float) -> np.ndarray:
    """Lift the brow band (between its upper and lower contours, from the inner to the outer
    end, and BROW_FLAT_BELOW_MM below it) as one; the forehead above follows with a Gaussian
    falloff, and the skin below stretches, the lift fading out before the upper lid."""
    a = g.mm(mm)
    upper = g.rs([_on(i, side) for i in fm.RIGHT_BROW_UPPER])
    lower = g.rs([_on(i, side) for i in fm.RIGHT_BROW_LOWER])
    flat = g.mm(BROW_FLAT_BELOW_MM)
    r_pupil = g.rs(_on(fm.RIGHT_IRIS_CENTER, side))[0]
    lid = float(_interp(r_pupil, g.rs([_on(i, side) for i in UPPER_LID])))
    below = BROW_BELOW_SHARE * max(float(_interp(r_pupil, lower)) - flat - lid, g.mm(2.0))
    tail, up_sigma = g.mm(BROW_TAIL_MM), g.mm(BROW_UP_SIGMA_MM)
    both = np.vstack([upper, lower])
    r_lo, r_hi = float(both[:, 0].min()), float(both[:, 0].max())

    def lift(r, s):
        along = _raised_cos((r_lo - r) / tail) * _raised_cos((r - r_hi) / tail)
        above = np.maximum(s - _interp(r, upper), 0.0)
        under = _interp(r, lower) - flat - s
        vertical = np.where(under > 0, _raised_cos(under / below), np.exp(-0.5 * (above / up_sigma) ** 2))
        return a * along * vertical * g.side_mask(r, side)

    reach = up_sigma * math.sqrt(2.0 * math.log(max(a, 1.0) / NEGLIGIBLE_PX)) + a
    s0, s1 = float(lower[:, 1].min()) - flat - below - 1, float(upper[:, 1].max()) + reach
    return _lift(image, g, g.box(r_lo - tail, r_hi + tail, s0, s1, _size(image)), lift, a)


def _lid_contours(g: _Geo, side: str) -> tuple[np.ndarray, np.ndarray]:
    return g.rs([_on(i, side) for i in UPPER_LID]), g.rs([_on(i, side) for i in LOWER_LID])


def _eye_opening_px(g: _Geo, side: str) -> float:
    upper, lower = _lid_contours(g, side)
    r = g.rs(_on(fm.RIGHT_IRIS_CENTER, side))[0]
    return float(_interp(r, upper) - _interp(r, lower))


def _eye_close(image, g: _Geo, side: str, closure: float) -> np.ndarray:
    """The upper lid slides down over the eye, as a real lid does: the opening at every r
    shrinks to (1 − closure) of itself, the eye below the lid's margin stays as it was (its
    top is hidden), and a band of lid skin above the margin stretches down to follow."""
    if closure <= 0.0:
        return image
    upper, lower = _lid_contours(g, side)
    r_pupil = g.rs(_on(fm.RIGHT_IRIS_CENTER, side))[0]
    brow_lower = g.rs([_on(i, side) for i in fm.RIGHT_BROW_LOWER])
    band = LID_BAND_SHARE * max(float(_interp(r_pupil, brow_lower) - _interp(r_pupil, upper)), g.mm(3.0))
    r0, r1 = float(upper[:, 0].min()), float(upper[:, 0].max())
    box = g.box(r0, r1, float(lower[:, 1].min()) - 1, float(upper[:, 1].max()) + band + 1, _size(image))
    if box is None:
        return image
    qx, qy, x0, y0 = box
    r, s = g.grid_rs(qx, qy)
    inside = (r > r0) & (r < r1)
    b, t = _interp(r, lower), _interp(r, upper)
    gap = np.where(inside, np.maximum(t - b, 0.0), 0.0)
    rim = g.mm(LID_MARGIN_MM) * gap / max(float(gap.max()), 1e-9)  # fading to 0 at the canthi
    b, gap = b - rim, gap + rim  # the lower lid's rim closes in too
    new_gap = (1.0 - closure) * gap
    top = t + band  # content above stays
    # Output [b, b + new_gap] shows the eye as it was; [b + new_gap, top] the lid and skin [t, top].
    with np.errstate(divide="ignore", invalid="ignore"):
        in_band = t + (s - b - new_gap) * band / (top - b - new_gap)
    src = np.where(s < b + new_gap, s, in_band)
    moves = inside & (gap > 0) & (s >= b) & (s <= top)
    d = np.where(moves, src - s, 0.0)
    return _remap(image, qx, qy, x0, y0, d * g.up[0], d * g.up[1])


def _eye_narrow(image, g: _Geo, side: str, share: float) -> np.ndarray:
    """As scripted.EyeNarrow: squeeze the eye along up about its pupil (lids toward it)."""
    if share <= 0.0:
        return image
    pupil = g.p[_on(fm.RIGHT_IRIS_CENTER, side), :2]
    ring = fm.RIGHT_IRIS_RING if side == "right" else fm.LEFT_IRIS_RING
    iris = float(np.linalg.norm(g.p[ring[0], :2] - g.p[ring[2], :2]))
    up = (float(g.up[0]), float(g.up[1]))
    return local_scale(image, (float(pupil[0]), float(pupil[1])), up, 1.0 - share, 1.3 * iris, 1.6 * iris)


def _corner(image, g: _Geo, side: str, up_mm: float, out_mm: float, sigma_mm: float) -> np.ndarray:
    """Move the mouth corner up and out (negative: down, in) with a Gaussian falloff."""
    sign = 1.0 if side == "left" else -1.0
    dr, ds = sign * g.mm(out_mm), g.mm(up_mm)
    amp = math.hypot(dr, ds)
    if amp < NEGLIGIBLE_PX:
        return image
    c_r, c_s = g.rs(_on(fm.RIGHT_MOUTH_CORNER, side))
    sigma = g.mm(sigma_mm)

    def field(r, s):
        w = np.exp(-((r - c_r) ** 2 + (s - c_s) ** 2) / (2.0 * sigma**2)) * g.side_mask(r, side)
        return dr * w, ds * w

    reach = _gauss_reach(sigma, amp)
    return _shift(image, g, g.box(c_r - reach, c_r + reach, c_s - reach, c_s + reach, _size(image)), field)


def _snarl(image, g: _Geo, side: str, mm: float) -> np.ndarray:
    """Lift the ala, the alar base and the upper lip beside the philtrum: a Gaussian around
    the polyline through SNARL_POINTS."""
    a = g.mm(mm)
    if a < NEGLIGIBLE_PX:
        return image
    pts = g.rs([_on(i, side) for i in SNARL_POINTS])
    sigma = g.mm(SNARL_SIGMA_MM)

    def lift(r, s):
        d2 = np.full(np.shape(r), np.inf)
        for p0, p1 in zip(pts[:-1], pts[1:]):
            seg = p1 - p0
            t = np.clip(((r - p0[0]) * seg[0] + (s - p0[1]) * seg[1]) / float(seg @ seg), 0.0, 1.0)
            d2 = np.minimum(d2, (r - p0[0] - t * seg[0]) ** 2 + (s - p0[1] - t * seg[1]) ** 2)
        return a * np.exp(-d2 / (2.0 * sigma**2)) * g.side_mask(r, side)

    reach = _gauss_reach(sigma, a)
    box = g.box(
        pts[:, 0].min() - reach,
        pts[:, 0].max() + reach,
        pts[:, 1].min() - reach,
        pts[:, 1].max() + reach,
        _size(image),
    )
    return _lift(image, g, box, lift, a)


def _lips_part(image, g: _Geo, left_mm: float, right_mm: float) -> np.ndarray:
    """Drop the lower lip below the closed lip line: a lens-shaped gap from corner to corner
    (0 at the corners, so they move only as the smile moves them), deepest on the midline,
    filled with teeth and a dark mouth. Each side's drop blends into the other's over the
    central third of the mouth (the midline drops by their mean); below the lower lip the
    drop fades into the chin."""
    if max(left_mm, right_mm) <= 0.0:
        return image
    line = (g.rs(list(UPPER_INNER_LIP)) + g.rs(list(LOWER_INNER_LIP))) / 2.0
    r_right, r_left = g.rs(fm.RIGHT_MOUTH_CORNER)[0], g.rs(fm.mirrored(fm.RIGHT_MOUTH_CORNER))[0]
    band, taper = g.mm(LIP_BAND_MM), g.mm(LIP_TAPER_MM)
    lip = float(_interp(0.0, line) - g.rs(LOWER_LIP_BOTTOM)[1]) + g.mm(LIP_BELOW_MM)
    gl, gr = g.mm(left_mm), g.mm(right_mm)
    s_top, s_bottom = float(line[:, 1].max()) + band + 1, float(line[:, 1].min()) - lip - max(gl, gr) - taper - 2
    box = g.box(r_right, r_left, s_bottom, s_top, _size(image))
    if box is None:
        return image
    qx, qy, x0, y0 = box
    r, s = g.grid_rs(qx, qy)
    x = np.where(r < 0, -r / r_right, r / r_left)  # −1 at the right corner, 0 on the midline, 1 at the left
    blend = np.clip((x + 1.0 / 3.0) * 1.5, 0.0, 1.0)
    blend = blend * blend * (3.0 - 2.0 * blend)
    gap = np.maximum(1.0 - x * x, 0.0) * (gr + (gl - gr) * blend)
    y = _interp(r, line) - s  # depth below the lip line
    in_band = -band + (y + band) * (2.0 * band) / (gap + 2.0 * band)
    rigid_end = gap + band + lip
    in_chin = y - gap * _raised_cos((y - rigid_end) / taper)
    src_y = np.where(y < gap + band, in_band, np.where(y < rigid_end, y - gap, in_chin))
    src_y = np.where((y < -band) | (gap <= 0.0), y, src_y)
    d = y - src_y  # along up: a point below the line (larger y) lies lower
    out = _remap(image, qx, qy, x0, y0, d * g.up[0], d * g.up[1])
    return _paint_mouth(out, qx, x0, y0, y, gap, np.abs(x))


def _paint_mouth(image: np.ndarray, qx: np.ndarray, x0: int, y0: int, y, gap, x_abs) -> np.ndarray:
    """Fill the lip gap (depth y in [0, gap] below the lip line) with upper teeth over a dark
    mouth, anti-aliased over a pixel at every edge: a stretched lip line alone reads as thick
    pink lips, not as a mouth that opens."""
    inside = np.clip(np.minimum(y, gap - y) + 0.5, 0.0, 1.0) * (gap > 1.0)
    if not inside.any():
        return image
    teeth = np.clip(TEETH_SHARE * gap - y + 0.5, 0.0, 1.0)
    shade = 1.0 - MOUTH_CORNER_SHADE * x_abs**2  # teeth darken toward the corners
    colour = (teeth * shade)[..., None] * TEETH_BGR + (1.0 - teeth)[..., None] * MOUTH_BGR
    box = image[y0 : y0 + qx.shape[0], x0 : x0 + qx.shape[1]]
    sel = inside > 0
    a = inside[sel][:, None]
    blended = box[sel] * (1.0 - a) + colour[sel] * a
    box[sel] = np.clip(blended + 0.5, 0, 255) if box.dtype == np.uint8 else blended
    return image


def _size(image: np.ndarray) -> tuple[int, int]:
    return image.shape[1], image.shape[0]


def _movement(image, g: _Geo, movement: str, side: str, k: float) -> np.ndarray:
    """One side's share k (ramp × scale) of a movement's full amplitude."""
    if k <= 0.0:
        return image
    full = FULL[movement]
    if movement == "brow_raise":
        return _brow_raise(image, g, side, k * full["brow"])
    if movement == "eye_close":
        return _eye_close(image, g, side, min(k * full["closure"], 1.0))
    if movement == "snarl":
        return _snarl(image, g, side, k * full["alar"])
    if movement == "pucker":
        return _corner(image, g, side, 0.0, k * full["corner_out"], PUCKER_SIGMA_MM)
    return _corner(image, g, side, k * full["corner_up"], k * full["corner_out"], CORNER_SIGMA_MM)


def _render(image, g: _Geo, movement: str, w: float, scales: dict, synkinesis: tuple[Synkinesis, ...]) -> np.ndarray:
    out = image
    left, right = scales[movement]
    if movement == "smile_open":  # the gap first: the corner warps then move its ends
        out = _lips_part(out, g, w * left * LIP_GAP_MM, w * right * LIP_GAP_MM)
    for side, k in (("left", left), ("right", right)):
        out = _movement(out, g, movement, side, w * k)
    for syn in synkinesis:
        if movement not in syn.during:
            continue
        if syn.kind == "eye_narrow":
            out = _eye_narrow(out, g, syn.side, w * syn.amount)
        else:
            up, out_mm = syn.up_out_mm
            out = _corner(out, g, syn.side, w * up, w * out_mm, CORNER_SIGMA_MM)
    return out


# -- the clip -------------------------------------------------------------------------


def _face_name(face: str) -> str:
    if face in (VIDEO_FACE, "video"):
        return VIDEO_FACE
    return face if "." in face else f"{face}.jpg"


def _base(face: str) -> tuple[list[np.ndarray], Track]:
    """The face's distinct base frames (15 neutral video frames, or the one photo) and their track."""
    if face == VIDEO_FACE:
        seconds = len(NEUTRAL_FRAMES) / 30.0
        frames, _ = rest_frames(seconds)
        return frames, rest_track(seconds)
    return base(face, 1.0 / 30.0)


def _scales(value, name: str) -> tuple[tuple[str, float], ...]:
    if isinstance(value, Mapping):
        unknown = [m for m in value if m not in MOVEMENT_KEYS]
        if unknown:
            raise ValueError(f"{name}: unknown movements {unknown}; expected some of {MOVEMENT_KEYS}")
        per = {m: float(value.get(m, 1.0)) for m in MOVEMENT_KEYS}
    else:
        per = dict.fromkeys(MOVEMENT_KEYS, float(value))
    for m, k in per.items():
        if not 0.0 <= k <= 1.0:
            raise ValueError(f"{name}[{m}] must be in [0, 1], got {k}")
    return tuple(per.items())


def _synkinesis(specs) -> tuple[Synkinesis, ...]:
    out = []
    for spec in specs:
        if isinstance(spec, Synkinesis):
            out.append(spec)
        else:
            kind, side, amount, during = spec
            out.append(Synkinesis(kind, side, float(amount), tuple(during)))
    return tuple(out)


def check_clip(
    face: str = VIDEO_FACE,
    movements: tuple[str, ...] = MOVEMENT_KEYS,
    reps: int = 1,
    rest_s: float = 3.0,
    hold_s: float = 2.0,
    between_s: float = 1.5,
    left: float | Mapping[str, float] = 1.0,
    right: float | Mapping[str, float] = 1.0,
    synkinesis=(),
    mirror: bool = False,
    fps: float = 30.0,
    ramp_s: float = RAMP_S,
    drift: Drift | None = None,
    noise_sd: float = 0.0,
    seed: int = 0,
) -> tuple[list[np.ndarray], float, Truth]:
    """The face following check_plan.plan(movements, reps, rest_s, hold_s, between_s).

    face: VIDEO_FACE ("single_face") or a photo in media.FACES ("woods" or "woods.jpg").
    left, right: the subject's sides' share of each movement's FULL amplitude (one number
    for all, or a dict movement → share, missing ones 1.0). synkinesis: Synkinesis specs or
    (kind, side, amount, during) tuples. Then drift (twitchclips.Drift) and Gaussian noise
    of noise_sd grey levels (seeded) move and spoil every frame, and mirror flips it.
    Frames are read-only (identical ones are the same array).
    """
    spec = _Spec(
        _face_name(face), tuple(movements), int(reps), float(rest_s), float(hold_s), float(between_s),
        _scales(left, "left"), _scales(right, "right"), _synkinesis(synkinesis), bool(mirror), float(fps),
        float(ramp_s), drift, float(noise_sd), int(seed),
    )  # fmt: skip
    if spec.hold_s < 2 * spec.ramp_s:
        raise ValueError(f"hold_s ({hold_s}) must hold both ramps (2 × {ramp_s} s)")
    frames, truth = _clip(spec)
    return list(frames), spec.fps, truth


@dataclass(frozen=True)
class _Spec:
    """check_clip's arguments in hashable form: the cache key."""

    face: str
    movements: tuple[str, ...]
    reps: int
    rest_s: float
    hold_s: float
    between_s: float
    left: tuple[tuple[str, float], ...]  # movement → share, every movement
    right: tuple[tuple[str, float], ...]
    synkinesis: tuple[Synkinesis, ...]
    mirror: bool
    fps: float
    ramp_s: float
    drift: Drift | None
    noise_sd: float
    seed: int


@lru_cache(maxsize=2)  # a 30 s video-face clip holds ~250 distinct frames (~170 MB)
def _clip(spec: _Spec) -> tuple[tuple[np.ndarray, ...], Truth]:
    steps = check_plan.plan(spec.movements, spec.reps, spec.rest_s, spec.hold_s, spec.between_s)
    sources, tr = _base(spec.face)
    n = round(check_plan.duration(steps) * spec.fps)
    idx = pingpong_indices(len(sources), n)
    left, right = dict(spec.left), dict(spec.right)
    scales = {m: (left[m], right[m]) for m in MOVEMENT_KEYS}
    geos = [_Geo.of(p, up, tr.mm_per_px) for p, up in zip(tr.landmarks, tr.up)]
    rng = np.random.default_rng(spec.seed)
    memo: dict = {}  # (base frame, movement, weight) → frame: the plateaus are one frame per base frame
    frames = []
    for i in range(n):
        t = i / spec.fps
        movement, w = _weight_at(steps, t, spec.ramp_s)
        key = (idx[i], movement, w)
        if key not in memo:
            frame = sources[idx[i]]
            if movement is not None:
                frame = _render(frame, geos[idx[i]], movement, w, scales, spec.synkinesis)
            memo[key] = frame
        frame = memo[key]
        if spec.drift is not None or spec.noise_sd > 0:
            frame = _spoil(frame, t, spec.drift, spec.noise_sd, rng)
        frames.append(frame)
    truth = _truth(spec, n, steps, tr, geos[0], sources[0], scales)
    return tuple(_finish(frames, spec.mirror)), truth


def _weight_at(steps: tuple[Step, ...], t_s: float, ramp_s: float) -> tuple[str | None, float]:
    """The movement under way at t_s and its share of full size (rounded, so that repeated
    holds and plateaus give equal keys), or (None, 0.0)."""
    step = check_plan.step_at(steps, t_s)
    if step is None or step.kind != "hold":
        return None, 0.0
    w = round(raised_cosine_window(t_s, step.start_s, step.end_s, ramp_s), 6)
    return (step.movement, w) if w > 0 else (None, 0.0)


def _spoil(frame: np.ndarray, t: float, drift: Drift | None, noise_sd: float, rng) -> np.ndarray:
    if drift is not None:
        h, w = frame.shape[:2]
        frame = cv2.warpAffine(
            frame, drift.matrix(t, (w, h)), (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    if noise_sd > 0:
        noise = rng.standard_normal(frame.shape, dtype=np.float32) * np.float32(noise_sd)
        frame = np.clip(frame + noise, 0, 255).astype(np.uint8)
    return frame


def _finish(frames: list[np.ndarray], mirror: bool) -> list[np.ndarray]:
    """Mirror (once per distinct array) and make every frame read-only."""
    done: dict[int, np.ndarray] = {}
    out = []
    for f in frames:
        if id(f) not in done:
            g = np.ascontiguousarray(f[:, ::-1]) if mirror else f
            done[id(f)] = g if not g.flags.writeable else _read_only(g)
        out.append(done[id(f)])
    return out


def _truth(spec: _Spec, n: int, steps, tr: Track, g: _Geo, image: np.ndarray, scales: dict) -> Truth:
    size = _size(image)
    source = scale_of(head_frame(tr.landmarks[0], size))[1]
    opening = tuple(_eye_opening_px(g, side) * tr.mm_per_px for side in SIDES)
    synkinesis = spec.synkinesis
    if spec.mirror:
        scales = {m: (r, lf) for m, (lf, r) in scales.items()}
        synkinesis = tuple(s.swapped() for s in synkinesis)
        opening = opening[::-1]
    px = {m: {k: (v if k == "closure" else v / tr.mm_per_px) for k, v in f.items()} for m, f in FULL.items()}
    return Truth(
        face=spec.face,
        fps=spec.fps,
        n_frames=n,
        image_size=size,
        steps=steps,
        ramp_s=spec.ramp_s,
        mm_per_px=tr.mm_per_px,
        scale_source=source,
        mirror=spec.mirror,
        scales=MappingProxyType(scales),
        full_mm=FULL,
        full_px=MappingProxyType({m: MappingProxyType(v) for m, v in px.items()}),
        lip_gap_full_mm=LIP_GAP_MM,
        synkinesis=synkinesis,
        eye_opening_mm=opening,
    )


def base_landmarks(face: str = VIDEO_FACE) -> np.ndarray:
    """The landmarks (478, 3) px of the face's first base frame, which the warps follow."""
    return _base(_face_name(face))[1].landmarks[0]


def warp_like(
    image: np.ndarray,
    face: str,
    movement: str,
    left: float = 1.0,
    right: float = 1.0,
    synkinesis=(),
    weight: float = 1.0,
) -> np.ndarray:
    """Warp any image of the face's size as check_clip warps the face's first base frame at
    `weight` of the movement's plateau (no mirror): to see where points go, e.g. on a chart
    of dots drawn at the landmarks."""
    _, tr = _base(_face_name(face))
    g = _Geo.of(tr.landmarks[0], tr.up[0], tr.mm_per_px)
    scales = {m: (float(left), float(right)) for m in MOVEMENT_KEYS}
    return _render(image, g, movement, weight, scales, _synkinesis(synkinesis))


def write(frames: list[np.ndarray], path: str | Path, fps: float = 30.0, fourcc: str = "MJPG") -> Path:
    """Write a clip as a video (MJPG .avi by default) and return its path."""
    return write_clip(frames, path, fps, fourcc)
