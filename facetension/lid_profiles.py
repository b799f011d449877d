"""Each eye's pixels along its up line, per frame, and an eye's open reference that follows
it (pure numpy: no cv2, no MediaPipe).

The mesh cannot tell the two eyes apart well: MediaPipe couples them, and it reads a shut eye
as still a fifth to a third open. So each eye is read in its own pixels:

- sample_lids (per frame): the brightness along the line through the middle of the eye's
  corners, square to them, in eye widths, with the mesh's lid heights on that line;
- EyeReference: an eye's open profile and lid heights, which a reader (blinks.py,
  lid_slide.py, lid_cover.py) compares each frame against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import face_model as fm

SIDES = ("left", "right")

# -- sampling (sample_lids) ------------------------------------------------------------------
# Heights along each eye's up line, in eye widths (corner to corner) from the midpoint of its
# corners: the lids lie within about ±0.25 of it, the skin above them up to about 0.5.
PROFILE_SPAN = (-0.5, 0.8)
PROFILE_SAMPLES = 131  # 0.01 eye width apart: a webcam's eye is 25–60 px wide
HEIGHTS = np.linspace(*PROFILE_SPAN, PROFILE_SAMPLES)
PROFILE_LINES = 5  # parallel lines averaged, against noise and single lashes ...
PROFILE_HALF_SPREAD = 0.08  # ... over ± this share of the eye's width
MIN_EYE_WIDTH_PX = 8.0  # a smaller eye has too few pixels to follow a lid in
GREY_WEIGHTS = np.array([0.114, 0.587, 0.299], dtype=np.float32)  # B, G, R (as OpenCV's grey)
_SMOOTH = np.array([0.25, 0.5, 0.25])  # along the line: 0.01 eye width is under a pixel
_CORNERS = {"right": (fm.RIGHT_OUTER_CANTHUS, fm.RIGHT_INNER_CANTHUS)}
_CORNERS["left"] = tuple(fm.mirrored(_CORNERS["right"]))
_LIDS = {"right": (fm.RIGHT_UPPER_LID, fm.RIGHT_LOWER_LID)}
_LIDS["left"] = (fm.mirrored(fm.RIGHT_UPPER_LID), fm.mirrored(fm.RIGHT_LOWER_LID))
_FOREHEAD, _CHIN = fm.FOREHEAD[0], fm.CHIN  # which way is up


@dataclass(frozen=True, eq=False)  # arrays: compared by identity
class LidProfiles:
    """One frame's eyes: the brightness along each eye's up line (row 0 left, row 1 right)
    at HEIGHTS (eye widths from the midpoint of its corners), and the mesh's upper and lower
    lid heights on that line, (left, right). mirrored_pass: the landmarker saw this frame
    mirrored (landmarks.Landmarker alternates the passes in video); each pass places the
    corners, and so the line, a little differently, so a reader keeps one reference per pass."""

    profiles: np.ndarray  # (2, PROFILE_SAMPLES) grey levels
    upper: tuple[float, float]
    lower: tuple[float, float]
    mirrored_pass: bool = False

    def __post_init__(self):
        if self.profiles.shape != (2, PROFILE_SAMPLES):
            raise ValueError(f"profiles: expected (2, {PROFILE_SAMPLES}), got {self.profiles.shape}")


# Both eyes (row 0 left, row 1 right): their corners and the points telling up, then their lids.
_GEOMETRY_IDX = [i for side in SIDES for i in _CORNERS[side]] + [_FOREHEAD, _CHIN]
_LID_IDX = np.array([_LIDS[side] for side in SIDES]).reshape(4, -1)  # left upper, left lower, right ...
# Each eye's sample points are a + b · height + c · offset across: the same heights and offsets
# for every eye and frame, as one (3, lines × samples) basis for a matrix product.
_LINE_OFFSETS = np.linspace(-PROFILE_HALF_SPREAD, PROFILE_HALF_SPREAD, PROFILE_LINES)
_BASIS = np.stack(
    [
        np.ones(PROFILE_LINES * PROFILE_SAMPLES),
        np.tile(HEIGHTS, PROFILE_LINES),
        np.repeat(_LINE_OFFSETS, PROFILE_SAMPLES),
    ]
)


def _grey_at(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Grey level at (x, y), pixel centres at integers, bilinear, held at the edges. The
    four neighbours of every point are read in one gather and made grey before blending."""
    h, w = image.shape[:2]
    x = np.minimum(np.maximum(x, 0), w - 1.001)  # ufuncs: np.clip's Python layer costs more
    y = np.minimum(np.maximum(y, 0), h - 1.001)
    x0, y0 = x.astype(np.intp), y.astype(np.intp)  # floor: both are ≥ 0
    fx, fy = x - x0, y - y0
    flat = image.reshape(h * w, -1)
    i = y0 * w + x0
    taps = flat.take(np.stack([i, i + 1, i + w, i + w + 1]), axis=0)  # (4, ..., channels)
    if taps.shape[-1] >= 3:  # (a 2-D product: a stacked one takes numpy's slow path)
        grey = (taps[..., :3].reshape(-1, 3).astype(np.float32) @ GREY_WEIGHTS).reshape(taps.shape[:-1])
    else:
        grey = taps[..., 0].astype(np.float32)
    g00, g01, g10, g11 = grey
    top = g00 * (1 - fx) + g01 * fx
    bottom = g10 * (1 - fx) + g11 * fx
    return top * (1 - fy) + bottom * fy


def _interp_at_zero(r: list, s: list) -> float:
    """np.interp(0, r, s) for a short sorted r, in plain floats (np.interp's call costs more)."""
    if r[0] > 0.0:
        return s[0]
    for j in range(len(r) - 1):
        if r[j + 1] > 0.0:
            return s[j] + (0.0 - r[j]) * ((s[j + 1] - s[j]) / (r[j + 1] - r[j]))
    return s[-1]


def sample_lids(image: np.ndarray, landmarks: np.ndarray, mirrored_pass: bool = False) -> LidProfiles | None:
    """Both eyes' profiles in one frame (a BGR or grey image and its face's landmarks, in
    its pixels, from the landmarker's mirrored pass or not); None when an eye is too small
    to follow. Each eye's line is worked out in plain floats (a few numbers), and both eyes'
    pixels are read in one gather."""
    lo_x, lo_y, li_x, li_y, ro_x, ro_y, ri_x, ri_y, top_x, top_y, chin_x, chin_y = (
        landmarks[_GEOMETRY_IDX, :2].ravel().tolist()
    )
    head_up = (top_x - chin_x, top_y - chin_y)
    lines, coef, widths = [], [], []
    for ox, oy, ix, iy in ((lo_x, lo_y, li_x, li_y), (ro_x, ro_y, ri_x, ri_y)):
        width = math.hypot(ix - ox, iy - oy)
        if width < MIN_EYE_WIDTH_PX:
            return None
        across = ((ix - ox) / width, (iy - oy) / width)
        up = (across[1], -across[0])
        if up[0] * head_up[0] + up[1] * head_up[1] < 0:
            up = (-up[0], -up[1])
        anchor = ((ox + ix) / 2, (oy + iy) / 2)
        lines += [(anchor, across, up)] * 2  # the upper lid's, then the lower's
        widths.append(width)
        # MediaPipe puts pixel centres at i + 0.5; the sampler at i.
        coef += [(anchor[k] - 0.5, width * up[k], width * across[k]) for k in (0, 1)]
    # Each lid contour's height (along up) where it crosses its eye's line (r = 0).
    lid_xy = landmarks[_LID_IDX, :2]  # (4 contours, 7, 2)
    heights = []
    for (anchor, across, up), pts, width in zip(lines, lid_xy.tolist(), np.repeat(widths, 2).tolist()):
        rs = sorted(
            (
                (x - anchor[0]) * across[0] + (y - anchor[1]) * across[1],
                (x - anchor[0]) * up[0] + (y - anchor[1]) * up[1],
            )
            for x, y in pts
        )
        heights.append(_interp_at_zero([r for r, _ in rs], [h for _, h in rs]) / width)
    xs, ys = (np.array(coef) @ _BASIS).reshape(2, 2, PROFILE_LINES, PROFILE_SAMPLES).transpose(1, 0, 2, 3)
    grey = np.add.reduce(_grey_at(image, xs, ys), axis=1) / PROFILE_LINES  # (2, samples)
    padded = np.concatenate([grey[:, :1], grey, grey[:, -1:]], axis=1)
    profiles = _SMOOTH[0] * padded[:, :-2] + _SMOOTH[1] * padded[:, 1:-1] + _SMOOTH[2] * padded[:, 2:]
    return LidProfiles(profiles, (heights[0], heights[2]), (heights[1], heights[3]), mirrored_pass)


_UNWATCHED = ("pose", "out-of-frame", "covered")  # frames whose lids are not to be read


def lids_of(measure) -> LidProfiles | None:
    """A frame's lid profiles (metrics.FrameMeasure.lids), or None when the frame must not
    be read: no face, the head turned, the face partly outside the picture or covered."""
    if measure is None or any(reason in measure.excluded for reason in _UNWATCHED):
        return None
    return getattr(measure, "lids", None)


# -- an eye's open reference ----------------------------------------------------------------
MIN_APERTURE = 0.1  # eye widths (an open eye is 0.3–0.4): a narrower one cannot be followed


class EyeReference:
    """One eye's open profile and its upper and lower lid heights (eye widths), which the
    caller sets and lets follow the eye (blend) as it sees fit."""

    def __init__(self):
        self.ref: np.ndarray | None = None
        self.upper = self.lower = 0.0

    def narrow(self) -> bool:
        """Too narrow to follow (or not set yet)."""
        return self.ref is None or self.upper - self.lower < MIN_APERTURE

    def set(self, profile: np.ndarray, upper: float, lower: float) -> None:
        self.ref, self.upper, self.lower = profile.copy(), upper, lower

    def blend(self, profile: np.ndarray, upper: float, lower: float, a: float) -> None:
        """Move the reference a share `a` of the way to this frame's eye."""
        self.ref += a * (profile - self.ref)
        self.upper += a * (upper - self.upper)
        self.lower += a * (lower - self.lower)
