"""Resting asymmetry per region, in millimetres (pure numpy: no cv2, no MediaPipe).

Everything is measured in the head frame (see headframe.py): y up, subject's left at +x,
x = 0 on the facial midline. Each region has a left and a right value for the subject's
own sides, and diff = left − right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from . import face_model as fm
from .headframe import HeadFrame, head_frame
from .lid_profiles import LidProfiles

IRIS_DIAMETER_MM = 11.7  # horizontal visible iris diameter of adults (MediaPipe Iris uses it too)
# Under this iris (head-frame pixels; a face ~45 px tall, a millimetre a third of a pixel)
# nothing is read from the pixels (refine.py) and no twitch is looked for (tracker.py): from
# 4 px up the pixels agree better with the same photo at full size than the mesh does (see
# refine.py), and below it a real clip without twitches showed one (practice_demo.mp4 at 0.3×).
SMALL_FACE_IRIS_PX = 4.0
IRIS_AGREEMENT = 0.15  # the two irises must agree within 15 % to set the scale
# Iris diameter over outer-canthal width: adults lie near 0.13; outside this the
# iris points are not trusted (closed eyes, glare, tiny faces).
IRIS_TO_CANTHI_RANGE = (0.09, 0.18)
CM_TO_MM = 10.0
# The iris scale must also agree with the face-model scale within this share: people
# differ from the average face by less, so a larger gap means the iris points are wrong.
IRIS_VS_FACE_MODEL = 0.25

MAX_YAW_DEG = 20.0
MAX_PITCH_DEG = 20.0
# A head on its side (roll beyond an eighth of a turn: lying down, or a video turned on its
# side) reads 1–8 mm off its upright reading. A photo is turned upright first (landmarks.py).
MAX_ROLL_DEG = 45.0
ANGLE_SLACK_DEG = 1e-6  # so that a pose of exactly 20° is inside the limit despite rounding
BLINK_OPENING_PER_IRIS = 0.25  # an eye open less than a quarter of an iris is blinking
OUT_OF_FRAME_MARGIN_PX = 2.0
MIN_PUPIL_RUN_PX = 1.0  # pupils closer than this (head-frame x) give no tilt: the line stays level

REGIONS = ("brow", "eye", "mouth_corner", "mouth_excursion", "nose")
# eFACE-style static score: 100 when symmetric, falling linearly to 0 at this |diff|.
FULL_SCALE_MM = {"brow": 8.0, "eye": 4.0, "mouth_corner": 6.0, "mouth_excursion": 6.0, "nose": 4.0}


@dataclass(frozen=True)
class Side:
    left: float
    right: float

    @property
    def diff(self) -> float:
        return self.left - self.right


# The places skin.py follows, and the region a twitch there belongs to.
SKIN_PLACES = {"lower_lid": "eye", "upper_lid": "eye", "mouth_corner": "mouth", "cheek": "cheek", "brow": "brow"}


@dataclass(frozen=True)
class SkinMotion:
    """Skin patches' motion beyond the head's (skin.py), mm by (place, side), + toward the
    pupil for a lid and up elsewhere. Values of one epoch share a reference frame; a new
    epoch starts from a new one."""

    values: dict[tuple[str, str], float]
    epoch: int
    light: float = 1.0  # the face's brightness against the reference frame's (skin.LIGHT_SD)


@dataclass(frozen=True)
class FrameMeasure:
    """One frame's measurements. A region left out for this frame is absent from `regions`."""

    regions: dict[str, Side]
    philtrum_mm: float  # midline deviation, + toward the subject's left
    chin_mm: float
    mm_per_px: float
    scale_source: str  # "iris" or "face-model"
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    excluded: tuple[str, ...] = field(default=())  # reasons: "blink", "pose", "out-of-frame", "covered"
    # Both eyes' brightness profiles, on every frame with the pixels at hand (blink frames too):
    # blinks.py follows each lid in them. None without pixels (a photo, metrics alone).
    lids: LidProfiles | None = field(default=None, repr=False, compare=False)
    # The regions whose left/right split the pixels set (refine.py); the others kept the
    # mesh's, a weak match among them. None when the pixels were not read (refine off).
    refined: tuple[str, ...] | None = None
    # Skin motion for the twitch detector (skin.py); None without pixels or a reference.
    skin: SkinMotion | None = field(default=None, repr=False, compare=False)
    # Exactly one eye open less than the blink opening (BLINK_OPENING_PER_IRIS), blink or not.
    one_eye_shut: bool = False

    @property
    def usable(self) -> bool:
        return bool(self.regions)

    def eyes_shut(self) -> FrameMeasure:
        """This frame with its eyes shut (a blink, or held shut: tension.ShutEyes): nothing
        measured. The irises set the scale and the pupils the brows' height; under closed
        lids the mesh moves both (a clip with the eyes closed for 30 s read its mouth corners
        10 mm lower, its brows 8 mm higher and the sides' differences up to 0.7 mm off)."""
        excluded = self.excluded if "blink" in self.excluded else (*self.excluded, "blink")
        return replace(self, regions={}, excluded=excluded)

    @property
    def small(self) -> bool:
        """The face is too few pixels for detail (see SMALL_FACE_IRIS_PX)."""
        return IRIS_DIAMETER_MM / self.mm_per_px < SMALL_FACE_IRIS_PX


def score(region: str, diff_mm: float) -> float:
    """eFACE-style static score: 100 · max(0, 1 − |diff| / full scale)."""
    return float(100.0 * max(0.0, 1.0 - abs(diff_mm) / FULL_SCALE_MM[region]))


def asymmetry_index(diffs: dict[str, float]) -> float:
    """Composite resting asymmetry: the mean of (100 − score) over the measured regions.
    0 is a perfectly symmetric face; 100 means every region at or beyond full scale."""
    if not diffs:
        return float("nan")
    return float(np.mean([100.0 - score(r, d) for r, d in diffs.items()]))


def _height_at(points: list, x: float) -> float:
    """Height of a contour [[x, y], ...] at horizontal position x, linearly interpolated and
    held at its ends (as np.interp; plain Python, since a contour has 5–7 points)."""
    pts = sorted(points)
    if x <= pts[0][0]:
        return pts[0][1]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return pts[-1][1]


_SCALE_POINTS = [
    fm.RIGHT_IRIS_RING[0],
    fm.RIGHT_IRIS_RING[2],
    fm.LEFT_IRIS_RING[0],
    fm.LEFT_IRIS_RING[2],
    fm.RIGHT_OUTER_CANTHUS,
    fm.mirrored(fm.RIGHT_OUTER_CANTHUS),
]


def mm_per_px(frame: HeadFrame) -> tuple[float, str]:
    """Millimetres per head-frame pixel.

    From the irises (11.7 mm across) when both are found and agree; otherwise from the
    canonical face, which is an average adult in centimetres. The fallback is off by a
    person's difference from average size (~±10 %), which scales both sides alike and
    so leaves the sign and rank of every asymmetry intact.
    """
    r0, r2, l0, l2, c_right, c_left = frame.points[_SCALE_POINTS].tolist()
    d_right, d_left, canthi = math.dist(r0, r2), math.dist(l0, l2), math.dist(c_right, c_left)
    mean_d = (d_left + d_right) / 2
    agree = abs(d_left - d_right) <= IRIS_AGREEMENT * mean_d
    plausible = IRIS_TO_CANTHI_RANGE[0] <= mean_d / max(canthi, 1e-9) <= IRIS_TO_CANTHI_RANGE[1]
    from_iris, from_model = IRIS_DIAMETER_MM / mean_d, CM_TO_MM / frame.px_per_cm
    consistent = abs(from_iris / from_model - 1.0) <= IRIS_VS_FACE_MODEL
    if agree and plausible and consistent:
        return float(from_iris), "iris"
    return float(from_model), "face-model"


@dataclass(frozen=True)
class SideGeometry:
    """Head-frame positions (pixels) that region values are built from, for one side."""

    pupil: np.ndarray  # (3,)
    upper_lid: float  # lid heights at the pupil's x
    lower_lid: float
    brow: float  # brow height (mid-brow) at the pupil's x
    corner: np.ndarray  # mouth commissure (3,)
    alar: np.ndarray  # alar base (3,)


_CONTOURS = (fm.RIGHT_UPPER_LID, fm.RIGHT_LOWER_LID, fm.RIGHT_BROW_UPPER, fm.RIGHT_BROW_LOWER)


@lru_cache(maxsize=2)
def _side_indices(side: str) -> tuple[np.ndarray, tuple[tuple[int, int], ...], int, int, int]:
    """One side's contour landmarks (all in one index array, with each contour's bounds in
    it), pupil, mouth corner and alar base."""
    m = (lambda i: i) if side == "right" else fm.mirrored
    idx = [m(i) for contour in _CONTOURS for i in contour]
    ends = np.cumsum([0] + [len(c) for c in _CONTOURS])
    bounds = tuple((int(a), int(b)) for a, b in zip(ends[:-1], ends[1:]))
    pupil = fm.RIGHT_IRIS_CENTER if side == "right" else fm.LEFT_IRIS_CENTER
    return np.array(idx), bounds, pupil, m(fm.RIGHT_MOUTH_CORNER), m(fm.RIGHT_ALAR_BASE)


def side_geometry(points: np.ndarray, side: str) -> SideGeometry:
    idx, bounds, pupil_i, corner_i, alar_i = _side_indices(side)
    pupil = points[pupil_i]
    x = float(pupil[0])
    xy = points[idx, :2].tolist()
    upper, lower, brow_upper, brow_lower = (_height_at(xy[a:b], x) for a, b in bounds)
    return SideGeometry(pupil, upper, lower, (brow_upper + brow_lower) / 2, points[corner_i], points[alar_i])


def regions_from(left: SideGeometry, right: SideGeometry, k: float) -> dict[str, Side]:
    """Region values in mm (k = mm per pixel) from both sides' geometry."""
    # Mouth corners hang from the pupils' line, as in Emotrics: the mesh's "rigid" points
    # are not rigid (a mouth corner lowered 4 mm moves the eye corners and nose bridge by
    # up to a pixel), so the head frame's roll follows the mouth and would undo a fifth of
    # its drop; the irises move less (on the wide set the mouth's gain rose from 0.88 to
    # 0.95, though on one face they too follow the mouth). The nose keeps the level line.
    line = (left.pupil[1] + right.pupil[1]) / 2
    run = float(left.pupil[0] - right.pupil[0])
    tilt = float(left.pupil[1] - right.pupil[1]) / run if run > MIN_PUPIL_RUN_PX else 0.0
    mid_x = float(left.pupil[0] + right.pupil[0]) / 2
    left_line, right_line = (line + tilt * (float(g.corner[0]) - mid_x) for g in (left, right))
    return {
        "brow": Side((left.brow - left.pupil[1]) * k, (right.brow - right.pupil[1]) * k),
        "eye": Side((left.upper_lid - left.lower_lid) * k, (right.upper_lid - right.lower_lid) * k),
        "mouth_corner": Side((left_line - left.corner[1]) * k, (right_line - right.corner[1]) * k),
        "mouth_excursion": Side(left.corner[0] * k, -right.corner[0] * k),
        "nose": Side((line - left.alar[1]) * k, (line - right.alar[1]) * k),
    }


def out_of_frame(landmarks: np.ndarray, image_size: tuple[int, int]) -> bool:
    w, h = image_size
    xy = landmarks[: fm.N_MESH, :2]
    m = OUT_OF_FRAME_MARGIN_PX
    (x0, y0), (x1, y1) = xy.min(axis=0).tolist(), xy.max(axis=0).tolist()
    return x0 < -m or y0 < -m or x1 > w - 1 + m or y1 > h - 1 + m


def measure(
    landmarks: np.ndarray,
    image_size: tuple[int, int],
    focal_px: float | None = None,
    refine=None,
    still: bool = False,
) -> FrameMeasure:
    """Measure one face. `refine(frame, left, right) -> (left, right)` may replace lid, brow
    and mouth-corner heights with pixel-refined ones (see refine.py); it is given the head
    frame, and its `refined` attribute, if any, names the regions it split after the call.
    still: a photo, not a frame of a stream (the blink test below)."""
    if landmarks.shape != (fm.N_LANDMARKS, 3):
        raise ValueError(f"landmarks: expected ({fm.N_LANDMARKS}, 3), got {landmarks.shape}")
    frame = head_frame(landmarks, image_size, focal_px)
    k, source = mm_per_px(frame)
    p = frame.points
    excluded = []
    if (
        abs(frame.yaw_deg) > MAX_YAW_DEG + ANGLE_SLACK_DEG
        or abs(frame.pitch_deg) > MAX_PITCH_DEG + ANGLE_SLACK_DEG
        or abs(frame.roll_deg) > MAX_ROLL_DEG + ANGLE_SLACK_DEG
    ):
        excluded.append("pose")
    if out_of_frame(landmarks, image_size):
        excluded.append("out-of-frame")
    regions: dict[str, Side] = {}
    refined = None
    one_eye_shut = False
    if not excluded:  # excluded frames skip the costly pixel refinement
        left, right = side_geometry(p, "left"), side_geometry(p, "right")
        # Blinks are judged on the mesh: it follows a full closure well, and a blink
        # must not depend on how the refinement splits the two sides.
        ring = fm.RIGHT_IRIS_RING
        iris_mm = IRIS_DIAMETER_MM if source == "iris" else np.linalg.norm(p[ring[0]] - p[ring[2]]) * k
        # In a stream one eye shuts a frame before the other, so either eye shut is a blink.
        # A photo holds no such moment: one eye nearly shut there, the other open, is a
        # narrowed eye (or a wink), the very asymmetry to measure; only both shut is a blink.
        # (A stream whose one eye stays shut past any blink says so: analysis.StreamMeasurer.)
        shut = [(g.upper_lid - g.lower_lid) * k < BLINK_OPENING_PER_IRIS * iris_mm for g in (left, right)]
        one_eye_shut = shut[0] != shut[1]
        blink = all(shut) if still else any(shut)
        if refine is not None:
            left, right = refine(frame, left, right)
            refined = tuple(getattr(refine, "refined", ()))  # a refiner may say which regions it split
        regions = regions_from(left, right, k)
        if blink:
            excluded.append("blink")
            del regions["eye"]
    return FrameMeasure(
        regions=regions,
        philtrum_mm=float(p[fm.PHILTRUM, 0] * k),
        chin_mm=float(p[fm.CHIN, 0] * k),
        mm_per_px=k,
        scale_source=source,
        yaw_deg=frame.yaw_deg,
        pitch_deg=frame.pitch_deg,
        roll_deg=frame.roll_deg,
        excluded=tuple(excluded),
        refined=refined,
        one_eye_shut=one_eye_shut,
    )


def average_measures(a: FrameMeasure, b: FrameMeasure) -> FrameMeasure:
    """The mean of two frames' measures (regions measured in both), e.g. the direct and the
    mirrored pass of consecutive video frames, whose small opposite biases then cancel."""
    regions = {
        r: Side((a.regions[r].left + b.regions[r].left) / 2, (a.regions[r].right + b.regions[r].right) / 2)
        for r in a.regions
        if r in b.regions
    }
    mean = lambda attr: (getattr(a, attr) + getattr(b, attr)) / 2  # noqa: E731
    return FrameMeasure(
        regions,
        mean("philtrum_mm"),
        mean("chin_mm"),
        mean("mm_per_px"),
        b.scale_source,
        mean("yaw_deg"),
        mean("pitch_deg"),
        mean("roll_deg"),
        tuple(sorted(set(a.excluded) | set(b.excluded))),
        refined=None if a.refined is None or b.refined is None else tuple(r for r in a.refined if r in b.refined),
    )
