"""Voluntary movements, found by what the face does (pure numpy: no cv2, no MediaPipe).

Each frame gives per-side features in mm in the head frame (check_types.FEATURES, "up"
and "out" positive). The rest is the face before and between the movements; each
movement's activity is how far the features (or MediaPipe's blendshapes, whichever says
more) moved from rest in that movement's own way, scaled so that 1.0 is a clear, gentle
movement. A stretch of frames active for long enough is one repetition, named after the
movement most active in it. The clock that paced the cues plays no part, so a recording
of someone following the set at their own pace is read the same as a live check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import face_model as fm
from .check_plan import MOVEMENT_KEYS
from .check_types import FEATURES
from .face import BLENDSHAPE_NAMES
from .face_model import canonical_vertices
from .headframe import HeadFrame, back_project, similarity_fit
from .lid_cover import CoveredEye
from .lid_profiles import LidProfiles
from .lid_slide import lid_slide
from .metrics import CM_TO_MM, MAX_PITCH_DEG, MAX_YAW_DEG, mm_per_px

# The points followed, on the subject's right (their mirrors on the left): mid-brow on its
# upper and lower contours, the lids' middles, the mouth corner, the alar base, and the upper
# lip's top beside the philtrum. check_run.py corrects them from the pixels.
RIGHT_BROW_POINTS = (105, 52)
RIGHT_UPPER_LID_MID, RIGHT_LOWER_LID_MID = 159, 145
UPPER_LIP_RIGHT = 37
RIGHT_POINTS = (
    *RIGHT_BROW_POINTS,
    RIGHT_UPPER_LID_MID,
    RIGHT_LOWER_LID_MID,
    fm.RIGHT_MOUTH_CORNER,
    fm.RIGHT_ALAR_BASE,
    UPPER_LIP_RIGHT,
)
FOLLOWED = (*RIGHT_POINTS, *fm.mirrored(RIGHT_POINTS), fm.PHILTRUM)
INNER_LIP_UPPER, INNER_LIP_LOWER = 13, 14  # the lips' inner edges on the midline
# The head frame is first fitted to the eye corners and the nasal bridge (the forehead, in
# headframe.RIGID, rises with the brows). Then each frame is fitted again to this person's own
# resting face over a wider set of ANCHORS, keeping only the best-fitting KEEP_ANCHORS share:
# whichever anchors a movement moves (the canthi when the eyes close, the forehead when the
# brows rise) are left out, and the still part of the face sets the frame.
STILL = fm.EYE_CORNERS + fm.NOSE_BRIDGE
ANCHORS = fm.EYE_CORNERS + fm.NOSE_BRIDGE + fm.FOREHEAD  # the face's outline is too noisy
KEEP_ANCHORS = 0.6
FIT_ROUNDS = 3
# The points check_run.py follows in the pixels: the measured ones, and the anchors too. The
# mesh moves its still anchors with the mouth (an open smile shifts the eye corners a pixel or
# two), and the head frame fitted to them moves the still side's corner by as much.
TRACKED = tuple(dict.fromkeys((*FOLLOWED, *ANCHORS)))
KEPT = tuple(dict.fromkeys((*ANCHORS, *FOLLOWED, INNER_LIP_UPPER, INNER_LIP_LOWER)))  # the points a frame keeps
_AT = {index: i for i, index in enumerate(KEPT)}
_ANCHOR_ROWS = np.array([_AT[i] for i in ANCHORS])
_F = {name: i for i, name in enumerate(FEATURES)}

# -- activity: 1.0 is a clear, gentle movement ---------------------------------------------
# Half-strength movements of healthy faces move 2–6 mm (brows, corners) and close the eye;
# these references sit at about a third of that, well above rest noise (< 0.3 mm).
BROW_REF_MM = 1.5
EYE_REF_SHARE = 0.5  # of the resting opening closed
SMILE_REF_MM = 1.5  # mean of the corner's lift and outward travel
SNARL_REF_MM = 1.0  # mean of the alar base's and the upper lip's lift, beyond the corner's
PUCKER_REF_MM = 1.5  # the corner's inward travel
BLENDSHAPE_REF = 0.5  # a blendshape score this high is a clear movement too
LIPS_APART_MM = 2.0  # an inner-lip gap opened this much beyond rest makes a smile "open"
_BS = {name: BLENDSHAPE_NAMES.index(name) for name in BLENDSHAPE_NAMES}
BLENDSHAPES = {  # MediaPipe's signatures of each movement (either side's)
    "brow_raise": ("browInnerUp", "browOuterUpLeft", "browOuterUpRight"),
    "eye_close": ("eyeBlinkLeft", "eyeBlinkRight"),
    "smile": ("mouthSmileLeft", "mouthSmileRight"),
    "snarl": ("noseSneerLeft", "noseSneerRight"),
    "pucker": ("mouthPucker",),
}
KINDS = tuple(BLENDSHAPES)  # smile splits into closed and open by the lips
_EYE, _BROW = KINDS.index("eye_close"), KINDS.index("brow_raise")
# The eyes closing by half or more name the movement, whatever else moves: a smile or a snarl
# narrows them by a quarter to a third at most, and the mesh's brows rise when the lids close.
EYE_DECISIVE = 1.0
# Both eyes closing by 30 % at once name an eye closure too: a hooded eye shut tight reads only
# 0.7-0.8 (its lid cannot be followed in the pixels), while the set's other movements narrow
# the less narrowed eye by 15 % at most (scripted clips: 0.07-0.31 in every mouth movement).
BOTH_EYES_CLOSING = 0.6
BROW_KEEPS_EYES_OPEN = 0.66  # eye activity (a third of the opening closed) that no brow raise shows

# -- segments --------------------------------------------------------------------------------
ON_ACTIVITY = 0.6  # a repetition starts when some movement's activity passes this ...
OFF_ACTIVITY = 0.35  # ... and ends when it falls back below this
MIN_REP_S = 0.6  # shorter is a blink or a passing twitch, not a held movement
MERGE_GAP_S = 0.3  # a shorter dip inside one hold does not split it
HELD_QUANTILE = 0.8  # a movement's level in a repetition: held, not a passing peak
CORE_SHARE = 0.7  # a repetition's hold: its frames at this share of its peak activity or more
REST_PROBE_S = 0.5  # the first guess at rest: the clip's opening moments (the set starts at rest)
QUIET_ACTIVITY = 0.25  # frames this quiet (every movement) are rest
MIN_REST_FRAMES = 5
# A rest whose eye is open less than this share of its usual opening (REST_OPEN_QUANTILE of
# its frames) had the eyes closed: no rest to measure from. Healthy rests read 0.99-1.03 of
# it (the real and the scripted clips); a brow raise widens an eye by a fifth at most, so a
# narrowed eye that only a raise opens still passes. A clip that starts with the eyes
# squeezed shut (WolfgangLanger_Pexels.mp4) reads 0.21-0.40.
REST_EYE_OPEN_SHARE = 0.6
REST_OPEN_QUANTILE = 90


@dataclass(frozen=True, eq=False)  # arrays: compared by identity
class MoveFrame:
    t_s: float
    points: np.ndarray  # (len(KEPT), 3): the KEPT points in the head frame, face-model mm
    blendshapes: np.ndarray  # (52,)
    lids: LidProfiles | None = None  # each eye's own pixels (lid_profiles.sample_lids)
    iris_scale: float = math.nan  # the irises' mm over the face model's, when they could be read
    mesh_eyes: tuple[float, float] = (math.nan, math.nan)  # the mesh's own lid openings (face-model mm)


def _check_frame(landmarks: np.ndarray, image_size) -> HeadFrame:
    """headframe.head_frame, fitted to the STILL points."""
    cam = back_project(landmarks, image_size)
    still = np.array(STILL)
    scale, rot, t = similarity_fit(canonical_vertices()[still], cam[still])
    points = (cam - t) @ rot
    (rx, _, fx), (ry, _, fy), (_, _, fz) = rot.tolist()
    yaw = math.degrees(math.atan2(fx, fz))
    pitch = math.degrees(math.atan2(fy, math.hypot(fx, fz)))
    return HeadFrame(points, rot, scale, yaw, pitch, math.degrees(math.atan2(ry, rx)))


def move_frame(
    t_s: float, landmarks: np.ndarray, image_size, blendshapes: np.ndarray, lids=None, mesh=None
) -> MoveFrame | None:
    """One face's points (landmarks: the mesh, with the TRACKED points corrected from the
    pixels where they could be; mesh: the mesh's own landmarks, if they differ); None when the
    head is turned beyond the metrics' limits."""
    frame = _check_frame(landmarks, image_size)
    # The mesh's own pose says whether the head is turned (landmarks keep the resting face's
    # depth: check_run.PointFollower).
    own = _check_frame(mesh, image_size) if mesh is not None else frame
    if abs(own.yaw_deg) > MAX_YAW_DEG or abs(own.pitch_deg) > MAX_PITCH_DEG:
        return None
    # One scale for the whole check (Series.of): a closing eye hides the irises, and a
    # frame-to-frame switch of scale would move every feature by mm.
    k = CM_TO_MM / frame.px_per_cm
    k_iris, source = mm_per_px(frame)
    iris = k_iris / k if source == "iris" else math.nan
    # The mesh's own lids: coupled between the eyes and shy of a full closure, but they never
    # lose an eye that closes (the followed lid points can slide off a lid covering the iris).
    eyes = tuple(
        float(own.points[m(RIGHT_UPPER_LID_MID), 1] - own.points[m(RIGHT_LOWER_LID_MID), 1]) * k
        for m in (fm.mirrored, lambda i: i)
    )
    return MoveFrame(t_s, frame.points[list(KEPT)] * k, np.asarray(blendshapes, dtype=float), lids, iris, eyes)


def features(points: np.ndarray) -> tuple[np.ndarray, float]:
    """(F, 2) features and the lips' gap from a frame's KEPT points (mm, head frame)."""
    p = lambda i: points[_AT[i]]  # noqa: E731
    values = np.empty((len(FEATURES), 2))
    for j, side in enumerate(("left", "right")):
        m = (lambda i: i) if side == "right" else fm.mirrored
        out = 1.0 if side == "left" else -1.0  # the subject's left is +x in the head frame
        corner = p(m(fm.RIGHT_MOUTH_CORNER))
        values[:, j] = (
            float(np.mean([p(m(i))[1] for i in RIGHT_BROW_POINTS])),
            p(m(RIGHT_UPPER_LID_MID))[1] - p(m(RIGHT_LOWER_LID_MID))[1],
            corner[1],
            out * corner[0],
            p(m(fm.RIGHT_ALAR_BASE))[1],
            p(m(UPPER_LIP_RIGHT))[1],
        )
    return values, math.dist(p(INNER_LIP_UPPER).tolist(), p(INNER_LIP_LOWER).tolist())


def _refit(points: np.ndarray, rest_shape: np.ndarray) -> np.ndarray:
    """A frame's points in the frame of the resting face, fitted to its still anchors by a
    similarity in the face's plane (the first fit has turned the head frontal; the mesh's
    depth is its noisiest axis)."""
    src = rest_shape[_ANCHOR_ROWS, 0] + 1j * rest_shape[_ANCHOR_ROWS, 1]
    dst = points[_ANCHOR_ROWS, 0] + 1j * points[_ANCHOR_ROWS, 1]
    keep = np.arange(len(src))
    n_keep = max(4, int(round(KEEP_ANCHORS * len(src))))
    for _ in range(FIT_ROUNDS):
        ms, md = src[keep].mean(), dst[keep].mean()
        a = np.vdot(src[keep] - ms, dst[keep] - md) / np.vdot(src[keep] - ms, src[keep] - ms)  # scale·rotation
        residual = np.abs(a * (src - ms) + md - dst)
        keep = np.argsort(residual)[:n_keep]
    xy = (points[:, 0] + 1j * points[:, 1] - md) / a + ms
    out = points.copy()
    out[:, 0], out[:, 1] = xy.real, xy.imag
    return out


@dataclass(frozen=True, eq=False)
class Series:
    """A clip's measured frames as arrays (frames without a face left out)."""

    t: np.ndarray  # (N,)
    values: np.ndarray  # (N, F, 2)
    lip_gap: np.ndarray  # (N,)
    blendshapes: np.ndarray  # (N, 52)
    lids: tuple = ()  # (N,) LidProfiles or None, when read
    # (N, 2, 2): each mouth corner's (up, out) from the philtrum, mm: the corners' movement
    # while the eyes close or the brows rise, near enough to its reference that a small error
    # of the head frame's scale (a closing eye disturbs the fit) does not show as movement.
    corners: np.ndarray | None = None
    mesh_eyes: np.ndarray | None = None  # (N, 2): the mesh's own lid openings, mm (MoveFrame)

    @classmethod
    def of(cls, frames: list[MoveFrame]) -> Series:
        """The frames' features, each frame fitted to the resting face's still anchors and
        averaged with the one before (in video the landmarker's direct and mirrored passes
        alternate, and each pass alone is biased its own way)."""
        if not frames:
            return cls(np.zeros(0), np.zeros((0, len(FEATURES), 2)), np.zeros(0), np.zeros((0, len(BLENDSHAPE_NAMES))))
        iris = [f.iris_scale for f in frames if not math.isnan(f.iris_scale)]
        k = float(np.median(iris)) if iris else 1.0  # this person's size, from their irises
        points = np.stack([f.points for f in frames]) * k
        first = cls._of(frames, points)
        rest = find_rest(first)
        if rest is None:
            return first
        rest_shape = np.median(points[rest.mask], axis=0)
        return cls._of(frames, np.stack([_refit(p, rest_shape) for p in points]))

    @classmethod
    def _of(cls, frames: list[MoveFrame], points: np.ndarray) -> Series:
        values, gaps = zip(*(features(p) for p in points))
        corners = points[:, [_AT[fm.mirrored(fm.RIGHT_MOUTH_CORNER)], _AT[fm.RIGHT_MOUTH_CORNER]], :2]
        corners = corners - points[:, None, _AT[fm.PHILTRUM], :2]
        corners[:, 1, 0] *= -1.0  # out: +x on the left, −x on the right
        return cls(
            np.array([f.t_s for f in frames]),
            _pairs(np.stack(values)),
            _pairs(np.array(gaps)),
            _pairs(np.stack([f.blendshapes for f in frames])),
            tuple(f.lids for f in frames),
            _pairs(corners[:, :, ::-1]),  # (up, out)
            _pairs(np.array([f.mesh_eyes for f in frames])),
        )

    def __len__(self) -> int:
        return len(self.t)


def _pairs(x: np.ndarray) -> np.ndarray:
    out = x.astype(float)
    out[1:] = (x[1:] + x[:-1]) / 2
    return out


@dataclass(frozen=True, eq=False)
class Rest:
    values: np.ndarray  # (F, 2) the resting features
    lip_gap_mm: float
    blendshapes: np.ndarray  # (52,)
    frames: int
    seconds: float
    mask: np.ndarray | None = None  # (N,) the series' frames it was taken from


def _rest_of(series: Series, mask: np.ndarray) -> Rest:
    t = series.t[mask]
    span = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    return Rest(
        np.median(series.values[mask], axis=0),
        float(np.median(series.lip_gap[mask])),
        np.median(series.blendshapes[mask], axis=0),
        int(mask.sum()),
        min(span, len(t) * float(np.median(np.diff(series.t))) if len(series) > 1 else 0.0),
        mask,
    )


def deltas(series: Series, rest: Rest) -> np.ndarray:
    """(N, F, 2): each feature's movement from rest, mm."""
    return series.values - rest.values


def activities(series: Series, rest: Rest, closure_px: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per movement kind, (N,) activity: max over the sides of the geometry's, or the
    blendshapes' rise over rest, whichever is larger; 1.0 is a clear gentle movement.
    closure_px (pixel_closure): the eyes' closure read in their pixels, which the mesh's
    lids follow only in part."""
    return _activities(series, rest, closure_px)[0]


def _activities(series: Series, rest: Rest, closure_px: np.ndarray | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """activities, and each eye's own (N, 2) eye_activity, which they take the larger of."""
    d = deltas(series, rest)
    f = _F
    up, out = d[:, f["corner_up"]], d[:, f["corner_out"]]
    corner_lift = np.maximum(up, 0.0)
    geometry = {
        "brow_raise": d[:, f["brow"]] / BROW_REF_MM,
        "smile": (up + out) / 2 / SMILE_REF_MM,
        # A smile lifts the lip and the alar base with the corner; a snarl lifts them alone.
        "snarl": ((d[:, f["alar"]] + d[:, f["lip"]]) / 2 - corner_lift) / SNARL_REF_MM,
        "pucker": -out / PUCKER_REF_MM,
    }
    bs = series.blendshapes - rest.blendshapes
    out_activity = {}
    geometry["eye_close"] = eyes = eye_activity(series, rest, closure_px)
    for kind in KINDS:
        g = geometry[kind].max(axis=1)
        b = bs[:, [_BS[n] for n in BLENDSHAPES[kind]]].max(axis=1) / BLENDSHAPE_REF
        out_activity[kind] = np.maximum(g, b)
    return out_activity, eyes


def eye_activity(series: Series, rest: Rest, closure_px: np.ndarray | None = None) -> np.ndarray:
    """(N, 2): each eye's closure activity, the largest of its followed lid points', the
    mesh's own lids' and its pixels' (closure_px) closure."""
    eye_rest = np.maximum(rest.values[_F["eye"]], 1e-6)
    shares = [-deltas(series, rest)[:, _F["eye"]] / eye_rest]
    if series.mesh_eyes is not None and rest.mask is not None:
        mesh_rest = np.median(series.mesh_eyes[rest.mask], axis=0)
        shares.append(1.0 - series.mesh_eyes / np.maximum(mesh_rest, 1e-6))
    if closure_px is not None:
        shares.append(np.nan_to_num(closure_px, nan=0.0))
    return np.max(shares, axis=0) / EYE_REF_SHARE


def find_rest(series: Series) -> Rest | None:
    """The resting face: first the clip's opening moments, then every frame quiet against
    them (before, between and after the movements)."""
    if len(series) < MIN_REST_FRAMES:
        return None
    probe = series.t <= series.t[0] + REST_PROBE_S
    if probe.sum() < MIN_REST_FRAMES:
        probe = np.arange(len(series)) < MIN_REST_FRAMES
    rest = _rest_of(series, probe)
    for _ in range(2):  # the first guess may hold a movement's start: settle on the quiet frames
        quiet = np.max(np.stack(list(activities(series, rest).values())), axis=0) < QUIET_ACTIVITY
        if quiet.sum() < MIN_REST_FRAMES:
            break
        rest = _rest_of(series, quiet)
    return rest


def rest_problem(series: Series, rest: Rest) -> str | None:
    """Why the rest found cannot be measured from (an eye closed in it), or None."""
    eyes = series.values[:, _F["eye"]]
    usual = np.percentile(eyes, REST_OPEN_QUANTILE, axis=0)
    shut = rest.values[_F["eye"]] < REST_EYE_OPEN_SHARE * usual
    if shut.any():
        which = "the eyes were" if shut.all() else "an eye was"
        return f"{which} closed at the start, where the check takes your resting face"
    return None


@dataclass(frozen=True)
class Rep:
    """One repetition of a movement found in the clip."""

    movement: str  # a MOVEMENT_KEYS key
    start_s: float
    end_s: float
    core: tuple[int, ...]  # indices (into the Series) of its hold
    peak: float  # its activity at the top


def _runs(active: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index ranges where active is True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _hysteresis(level: np.ndarray) -> np.ndarray:
    on = level >= OFF_ACTIVITY
    keep = np.zeros(len(level), dtype=bool)
    for a, b in _runs(on):
        if (level[a:b] >= ON_ACTIVITY).any():
            keep[a:b] = True
    return keep


def find_reps(series: Series, rest: Rest, closure_px: np.ndarray | None = None) -> list[Rep]:
    """The repetitions in the clip, in time order."""
    if len(series) == 0:
        return []
    acts, eyes = _activities(series, rest, closure_px)
    stack = np.stack([acts[k] for k in KINDS])  # (kinds, N)
    both_eyes = eyes.min(axis=1)
    level = _smooth(stack.max(axis=0))
    runs = _runs(_hysteresis(level))
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and series.t[a] - series.t[merged[-1][1] - 1] <= MERGE_GAP_S:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    reps = []
    for a, b in merged:
        if series.t[b - 1] - series.t[a] < MIN_REP_S:
            continue
        window = stack[:, a:b]
        # Each movement's held level: a blink inside a smile is no eye closure.
        peak_each = np.quantile(window, HELD_QUANTILE, axis=1)
        k = int(np.argmax(peak_each))
        both_closing = np.quantile(both_eyes[a:b], HELD_QUANTILE) >= BOTH_EYES_CLOSING
        if peak_each[_EYE] >= EYE_DECISIVE or both_closing:  # no other movement of the set does either
            k = _EYE
        elif k == _BROW and peak_each[_EYE] >= BROW_KEEPS_EYES_OPEN:
            k = _EYE  # raised brows hold the lids open: eyes closing by a third are an eye closure
        kind, peak = KINDS[k], float(peak_each[k])
        core = np.flatnonzero(window[k] >= CORE_SHARE * peak) + a
        movement = kind
        if kind == "smile":
            opened = float(np.median(series.lip_gap[core])) - rest.lip_gap_mm
            movement = "smile_open" if opened >= LIPS_APART_MM else "smile_closed"
        reps.append(Rep(movement, float(series.t[a]), float(series.t[b - 1]), tuple(core.tolist()), peak))
    return reps


SMOOTH_FRAMES = 5  # a running median over this many frames, against single-frame jumps


def _smooth(x: np.ndarray) -> np.ndarray:
    if len(x) < SMOOTH_FRAMES:
        return x
    half = SMOOTH_FRAMES // 2
    padded = np.concatenate([np.repeat(x[:1], half), x, np.repeat(x[-1:], half)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, SMOOTH_FRAMES)
    return np.median(windows, axis=1)


def order_of(reps: list[Rep]) -> tuple[tuple[str, ...], bool]:
    """The movements as found in time, and whether they came in the set's order: each
    movement stands at the median of its repetitions' places, so one repetition read as
    another movement (an eye closure with a mouth pull read as a closed smile) does not put
    the whole check out of order, and a set done in another order still is."""
    found = tuple(r.movement for r in reps)
    place = {m: float(np.median([i for i, f in enumerate(found) if f == m])) for m in set(found)}
    ranked = sorted(place, key=lambda m: (place[m], MOVEMENT_KEYS.index(m)))  # a tie reads as in order
    index = [MOVEMENT_KEYS.index(m) for m in ranked]
    return found, all(a < b for a, b in zip(index, index[1:]))


MIN_LID_FRAMES = 3  # rest frames with both eyes readable, for the open reference
REST_QUANTILE, MAX_REST_CLOSURE = 0.9, 0.2  # nine rest frames in ten must read the eye open


def pixel_closure(series: Series, rest: Rest) -> np.ndarray | None:
    """(N, 2): each eye's closure read in its own pixels against its resting profile (0 open,
    more as the upper lid covers the aperture; see lid_cover.py), NaN where unreadable; None
    without lid profiles or when neither eye can be followed. The mesh couples the two eyes,
    so one eye closing shows in both; the pixels keep them apart."""
    if not series.lids or rest.mask is None:
        return None
    at_rest = [series.lids[i] for i in np.flatnonzero(rest.mask) if series.lids[i] is not None]
    if len(at_rest) < MIN_LID_FRAMES:
        return None
    out = np.full((len(series), 2), np.nan)
    for j in range(2):
        eye = CoveredEye()
        eye.set(
            np.mean([lids.profiles[j] for lids in at_rest], axis=0),
            float(np.mean([lids.upper[j] for lids in at_rest])),
            float(np.mean([lids.lower[j] for lids in at_rest])),
        )
        if not eye.usable():
            continue
        for i, lids in enumerate(series.lids):
            if lids is not None:
                c = eye.closure(lids.profiles[j])
                out[i, j] = np.nan if c is None else c
    # At rest an eye read this way is open by construction; one that reads otherwise is not
    # followed (a hooded lid, glare, lashes over a small eye) and is left out.
    at_rest = np.abs(out[rest.mask])
    for j in range(2):
        if not np.isfinite(at_rest[:, j]).any() or np.nanquantile(at_rest[:, j], REST_QUANTILE) > MAX_REST_CLOSURE:
            out[:, j] = np.nan
    if np.isnan(out).all():
        return None
    return out  # an eye that cannot be followed is NaN throughout


def eye_closure(series: Series, rest: Rest) -> np.ndarray | None:
    """(N, 2): each eye's closure from its pixels, both eyes read the same way (or the sides
    would not compare): by the covered share of the aperture (pixel_closure) when both eyes
    can be followed so, else by the lid's slide (lid_slide: a hooded lid); None when
    neither can be read."""
    covered = pixel_closure(series, rest)
    if covered is not None and not np.isnan(covered).all(axis=0).any():
        return covered
    if not series.lids or rest.mask is None:
        return covered
    slid = lid_slide(series.lids, rest.mask)
    return covered if slid is None or np.isnan(slid).all(axis=0).any() else slid
