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
from .headframe import head_frame
from .metrics import MAX_PITCH_DEG, MAX_YAW_DEG, mm_per_px, side_geometry

UPPER_LIP_RIGHT = 37  # the upper lip's top beside the philtrum (its mirror on the left: 267)
INNER_LIP_UPPER, INNER_LIP_LOWER = 13, 14  # the lips' inner edges on the midline
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
LIPS_APART_MM = 3.0  # an inner-lip gap opened this much beyond rest makes a smile "open"
_BS = {name: BLENDSHAPE_NAMES.index(name) for name in BLENDSHAPE_NAMES}
BLENDSHAPES = {  # MediaPipe's signatures of each movement (either side's)
    "brow_raise": ("browInnerUp", "browOuterUpLeft", "browOuterUpRight"),
    "eye_close": ("eyeBlinkLeft", "eyeBlinkRight"),
    "smile": ("mouthSmileLeft", "mouthSmileRight"),
    "snarl": ("noseSneerLeft", "noseSneerRight"),
    "pucker": ("mouthPucker",),
}
KINDS = tuple(BLENDSHAPES)  # smile splits into closed and open by the lips

# -- segments --------------------------------------------------------------------------------
ON_ACTIVITY = 0.6  # a repetition starts when some movement's activity passes this ...
OFF_ACTIVITY = 0.35  # ... and ends when it falls back below this
MIN_REP_S = 0.6  # shorter is a blink or a passing twitch, not a held movement
MERGE_GAP_S = 0.3  # a shorter dip inside one hold does not split it
CORE_SHARE = 0.7  # a repetition's hold: its frames at this share of its peak activity or more
REST_PROBE_S = 0.5  # the first guess at rest: the clip's opening moments (the set starts at rest)
QUIET_ACTIVITY = 0.25  # frames this quiet (every movement) are rest
MIN_REST_FRAMES = 5


@dataclass(frozen=True, eq=False)  # arrays: compared by identity
class MoveFrame:
    t_s: float
    values: np.ndarray  # (len(FEATURES), 2): mm, (left, right), absolute, up and out positive
    lip_gap_mm: float  # between the lips' inner edges
    blendshapes: np.ndarray  # (52,)


def move_frame(t_s: float, landmarks: np.ndarray, image_size, blendshapes: np.ndarray, refine=None) -> MoveFrame | None:
    """One face's features; None when the head is turned beyond the metrics' limits.
    `refine(frame, left, right)` may set the sides' split from the pixels (refine.py)."""
    frame = head_frame(landmarks, image_size)
    if abs(frame.yaw_deg) > MAX_YAW_DEG or abs(frame.pitch_deg) > MAX_PITCH_DEG:
        return None
    k, _ = mm_per_px(frame)
    p = frame.points
    left, right = side_geometry(p, "left"), side_geometry(p, "right")
    if refine is not None:
        left, right = refine(frame, left, right)
    line = (left.pupil[1] + right.pupil[1]) / 2  # level in the head frame, as in metrics
    lips = {"right": p[UPPER_LIP_RIGHT], "left": p[fm.mirrored(UPPER_LIP_RIGHT)]}
    values = np.empty((len(FEATURES), 2))
    for j, (side, g) in enumerate((("left", left), ("right", right))):
        out = 1.0 if side == "left" else -1.0  # the subject's left is +x in the head frame
        values[:, j] = (
            g.brow - g.pupil[1],
            g.upper_lid - g.lower_lid,
            g.corner[1] - line,
            out * g.corner[0],
            g.alar[1] - line,
            lips[side][1] - line,
        )
    gap = math.dist(p[INNER_LIP_UPPER].tolist(), p[INNER_LIP_LOWER].tolist())
    return MoveFrame(t_s, values * k, gap * k, np.asarray(blendshapes, dtype=float))


@dataclass(frozen=True, eq=False)
class Series:
    """A clip's measured frames as arrays (frames without a face left out)."""

    t: np.ndarray  # (N,)
    values: np.ndarray  # (N, F, 2)
    lip_gap: np.ndarray  # (N,)
    blendshapes: np.ndarray  # (N, 52)

    @classmethod
    def of(cls, frames: list[MoveFrame]) -> Series:
        """The frames, each averaged with the one before: in video the landmarker's direct
        and mirrored passes alternate, and each pass alone is biased its own way."""
        if not frames:
            return cls(np.zeros(0), np.zeros((0, len(FEATURES), 2)), np.zeros(0), np.zeros((0, len(BLENDSHAPE_NAMES))))
        return cls(
            np.array([f.t_s for f in frames]),
            _pairs(np.stack([f.values for f in frames])),
            _pairs(np.array([f.lip_gap_mm for f in frames])),
            _pairs(np.stack([f.blendshapes for f in frames])),
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


def _rest_of(series: Series, mask: np.ndarray) -> Rest:
    t = series.t[mask]
    span = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    return Rest(
        np.median(series.values[mask], axis=0),
        float(np.median(series.lip_gap[mask])),
        np.median(series.blendshapes[mask], axis=0),
        int(mask.sum()),
        min(span, len(t) * float(np.median(np.diff(series.t))) if len(series) > 1 else 0.0),
    )


def deltas(series: Series, rest: Rest) -> np.ndarray:
    """(N, F, 2): each feature's movement from rest, mm."""
    return series.values - rest.values


def activities(series: Series, rest: Rest) -> dict[str, np.ndarray]:
    """Per movement kind, (N,) activity: max over the sides of the geometry's, or the
    blendshapes' rise over rest, whichever is larger; 1.0 is a clear gentle movement."""
    d = deltas(series, rest)
    f = _F
    eye_rest = np.maximum(rest.values[f["eye"]], 1e-6)
    up, out = d[:, f["corner_up"]], d[:, f["corner_out"]]
    corner_lift = np.maximum(up, 0.0)
    geometry = {
        "brow_raise": d[:, f["brow"]] / BROW_REF_MM,
        "eye_close": -d[:, f["eye"]] / eye_rest / EYE_REF_SHARE,
        "smile": (up + out) / 2 / SMILE_REF_MM,
        # A smile lifts the lip and the alar base with the corner; a snarl lifts them alone.
        "snarl": ((d[:, f["alar"]] + d[:, f["lip"]]) / 2 - corner_lift) / SNARL_REF_MM,
        "pucker": -out / PUCKER_REF_MM,
    }
    bs = series.blendshapes - rest.blendshapes
    out_activity = {}
    for kind in KINDS:
        g = geometry[kind].max(axis=1)
        b = bs[:, [_BS[n] for n in BLENDSHAPES[kind]]].max(axis=1) / BLENDSHAPE_REF
        out_activity[kind] = np.maximum(g, b)
    return out_activity


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


def find_reps(series: Series, rest: Rest) -> list[Rep]:
    """The repetitions in the clip, in time order."""
    if len(series) == 0:
        return []
    acts = activities(series, rest)
    stack = np.stack([acts[k] for k in KINDS])  # (kinds, N)
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
        peak_each = window.max(axis=1)
        k = int(np.argmax(peak_each))
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
    """The movements as found in time, and whether they came in the set's order."""
    found = tuple(r.movement for r in reps)
    index = [MOVEMENT_KEYS.index(m) for m in found]
    return found, all(a <= b for a, b in zip(index, index[1:]))
