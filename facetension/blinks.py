"""Blinks, eye by eye: how completely each eye closes, how far one eye lags behind the
other, and how long a blink lasts (pure numpy: no cv2, no MediaPipe; times come in).

Incomplete or lagging closure on one side is a lasting sign after facial palsy. The mesh
cannot show it: MediaPipe couples its two eyes (on a real face with one eye shut by a
scripted lid, the shut eye read 55 % closed and the open one 13 %), and it reads a shut eye
as still a fifth to a third open. So each eye is followed in its own pixels:

- sample_lids (per frame): the brightness along the line through the middle of the eye's
  corners, square to them, in eye widths, with the mesh's lid heights on that line;
- the eye's open profile is its reference: it follows the eye while it is open, and slowly
  otherwise, so a held narrowing (a smile, a squint) becomes the new open eye;
- closure: the share of the aperture that the upper lid, sliding down, now covers (see
  _Eye). 0 is open; a shut eye reads 0.6 (the real blinks in the test videos) to 0.85 (a
  scripted lid), never 1: a closed lid's lashes and shading stay darker than the lid above.

A blink: either eye closing past DETECT_CLOSURE and both reopening below RELEASE_CLOSURE
within MAX_BLINK_S (longer is eyes closed, not a blink). For each eye:

- completeness = its deepest closure in the blink as a share of the session's full
  closure (FULL_QUANTILE of the deeper eye's deepest closure over the blinks so far), so
  1.0 is a closure as deep as this person's usual full blink, and below
  INCOMPLETE_BELOW (90 %) the blink is incomplete on that side;
- its closing time: when it passed half its own deepest closure, interpolated between
  frames (each eye against its own depth, so a shallower eye is not read as earlier).

lag_ms = right eye's closing time − left eye's, when both closed at least
LAG_MIN_COMPLETENESS; the duration runs from the first eye's onset to the last eye's
reopening (each at EDGE_SHARE of its own depth, interpolated). One eye closing while the
other stays open is a blink too, with the open eye's completeness near 0.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from . import face_model as fm

SIDES = ("left", "right")

# -- sampling (sample_lids) ----------------------------------------------------------------
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

# -- closure (each eye against its open reference) ------------------------------------------
MIN_APERTURE = 0.1  # eye widths (an open eye is 0.3–0.4): a narrower one cannot be followed
MIN_CONTRAST = 6.0  # grey levels between the open aperture and the lid above it, or nothing to follow
OPEN_CLOSURE = 0.1  # below this the eye is open, and its reference follows it ...
OPEN_TAU_S = 0.3  # ... this fast
DRIFT_TAU_S = 3.0  # otherwise (outside a blink) this slowly: a held narrowing becomes "open"
RESET_CLOSURE = -0.2  # an eye this much more open than its reference replaces it

# -- blinks ---------------------------------------------------------------------------------
DETECT_CLOSURE = 0.35  # either eye closing past this starts a blink ...
RELEASE_CLOSURE = 0.15  # ... which ends when both are back below this
MAX_BLINK_S = 0.8  # a blink lasts 0.1–0.4 s; a longer closure is eyes closed, not a blink
MAX_GAP_S = 0.25  # a longer gap between watched frames (no face, head turned) drops a blink
PRE_S = 0.4  # frames kept from before a blink is detected, for its onset
HALF_SHARE = 0.5  # an eye's closing time: when it passes this share of its own deepest closure
EDGE_SHARE = 0.2  # its onset and reopening: this share (but at least RELEASE_CLOSURE)
FULL_QUANTILE = 0.75  # the session's full closure: this quantile of the deeper eye's depth ...
MIN_FULL_CLOSURE = 0.4  # ... but at least this (a session of shallow blinks reads shallow)
LAG_MIN_COMPLETENESS = 0.3  # an eye closing less than this has no closing time
INCOMPLETE_BELOW = 0.9  # a blink is incomplete on a side closing less than 90 %
MIN_RATE_S = 10.0  # a rate needs this many seconds watched


@dataclass(frozen=True, eq=False)  # arrays: compared by identity
class LidProfiles:
    """One frame's eyes: the brightness along each eye's up line (row 0 left, row 1 right)
    at HEIGHTS (eye widths from the midpoint of its corners), and the mesh's upper and lower
    lid heights on that line, (left, right)."""

    profiles: np.ndarray  # (2, PROFILE_SAMPLES) grey levels
    upper: tuple[float, float]
    lower: tuple[float, float]

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


def sample_lids(image: np.ndarray, landmarks: np.ndarray) -> LidProfiles | None:
    """Both eyes' profiles in one frame (a BGR or grey image and its face's landmarks, in
    its pixels); None when an eye is too small to follow. Each eye's line is worked out in
    plain floats (a few numbers), and both eyes' pixels are read in one gather."""
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
    return LidProfiles(profiles, (heights[0], heights[2]), (heights[1], heights[3]))


_UNWATCHED = ("pose", "out-of-frame", "covered")  # frames whose lids are not to be read


def lids_of(measure) -> LidProfiles | None:
    """A frame's lid profiles (metrics.FrameMeasure.lids), or None when the frame must not
    be read: no face, the head turned, the face partly outside the picture or covered."""
    if measure is None or any(reason in measure.excluded for reason in _UNWATCHED):
        return None
    return getattr(measure, "lids", None)


# -- one eye -------------------------------------------------------------------------------
_STEP = float(HEIGHTS[1] - HEIGHTS[0])
_COVER = np.linspace(0.0, 1.0, 101)  # shares of the aperture covered from the top


def _cumulative(profile: np.ndarray) -> np.ndarray:
    """The profile integrated from its first height to each height (trapezoids)."""
    return np.concatenate([[0.0], np.cumsum((profile[1:] + profile[:-1]) * (_STEP / 2))])


def _mean(cum: np.ndarray, low: float, high: float) -> float:
    """Mean brightness between two heights, from the integrated profile."""
    a, b = np.interp((low, high), HEIGHTS, cum)
    return float((b - a) / (high - low))


class _Eye:
    """One eye's open reference and its closure against it.

    A closing upper lid slides down over the aperture, its margin (lashes) first and its
    skin behind. The closure is the share x of the aperture that, covered so in the open
    reference (the aperture's top x replaced by the x above the lid), gives the brightness
    the aperture has now. Reading the covered share, not the lost contrast, keeps a scripted
    lid that stops at 70 % reading 0.70, though the iris is darkest at its top."""

    def __init__(self):
        self.ref: np.ndarray | None = None
        self.upper = self.lower = 0.0

    def _covered(self, cum0: np.ndarray, shares: np.ndarray) -> np.ndarray:
        """Mean brightness of the open reference's aperture with its top shares covered."""
        ap = self.upper - self.lower
        left_open = np.interp(self.upper - shares * ap, HEIGHTS, cum0) - np.interp(self.lower, HEIGHTS, cum0)
        lid = np.interp(self.upper + shares * ap, HEIGHTS, cum0) - np.interp(self.upper, HEIGHTS, cum0)
        return (left_open + lid) / ap

    def _reference(self) -> np.ndarray | None:
        """The open reference's aperture covered by each share of _COVER (see _covered), or
        None when it cannot be followed: too narrow, or too little contrast between the
        open aperture (share 0) and the lid above it (share 1)."""
        if self.upper - self.lower < MIN_APERTURE:
            return None
        covered = self._covered(_cumulative(self.ref), _COVER)
        return covered if covered[-1] - covered[0] >= MIN_CONTRAST else None

    def _usable(self) -> bool:
        return self._reference() is not None

    def closure(self, profile: np.ndarray, upper: float, lower: float) -> float | None:
        if self.ref is None:
            self.set(profile, upper, lower)
        covered = self._reference()
        if covered is None:
            self.set(profile, upper, lower)  # perhaps this frame's eye can be followed
            return 0.0 if self._reference() is not None else None
        now = _mean(_cumulative(profile), self.lower, self.upper)
        if now <= covered[0]:  # no lighter than open: as much more open as it is darker
            return float((now - covered[0]) / (covered[-1] - covered[0]))
        past = np.flatnonzero(covered >= now)
        if not len(past):
            return 1.0
        i = int(past[0])
        return float(
            _COVER[i - 1] + (now - covered[i - 1]) / (covered[i] - covered[i - 1]) * (_COVER[i] - _COVER[i - 1])
        )

    def set(self, profile: np.ndarray, upper: float, lower: float) -> None:
        self.ref, self.upper, self.lower = profile.copy(), upper, lower

    def follow(self, profile: np.ndarray, upper: float, lower: float, closure: float, dt: float) -> None:
        """Outside a blink: the reference follows the eye (fast while it is open)."""
        if closure < RESET_CLOSURE:
            self.set(profile, upper, lower)
            return
        a = 1.0 - math.exp(-dt / (OPEN_TAU_S if closure < OPEN_CLOSURE else DRIFT_TAU_S))
        self.ref += a * (profile - self.ref)
        self.upper += a * (upper - self.upper)
        self.lower += a * (lower - self.lower)


# -- blinks --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Blink:
    """One blink. Completeness: 1.0 is a closure as deep as this person's usual full blink
    (see the module's doc), 0 an eye that stayed open."""

    t_s: float  # onset of the first eye
    duration_s: float  # from that onset to the last eye's reopening
    completeness_left: float
    completeness_right: float
    closed_left_s: float | None  # when each eye passed half its own deepest closure; None
    closed_right_s: float | None  # for an eye that closed less than LAG_MIN_COMPLETENESS

    @property
    def lag_ms(self) -> float | None:
        """Right eye's closing time − left eye's, ms (+: the right eye lags); None unless
        both eyes closed."""
        if self.closed_left_s is None or self.closed_right_s is None:
            return None
        return 1000.0 * (self.closed_right_s - self.closed_left_s)

    def completeness(self, side: str) -> float:
        return self.completeness_left if side == "left" else self.completeness_right

    def closed_s(self, side: str) -> float | None:
        return self.closed_left_s if side == "left" else self.closed_right_s

    def to_json(self) -> dict:
        lag = self.lag_ms
        return {
            "t_s": round(self.t_s, 3),
            "duration_s": round(self.duration_s, 3),
            "completeness": {s: round(self.completeness(s), 3) for s in SIDES},
            "lag_ms": None if lag is None else round(lag, 1),
        }


def _crossing(t: np.ndarray, c: np.ndarray, level: float, upward: bool, peak: int) -> float | None:
    """When the closure c crossed `level`, linearly interpolated between frames: the last
    upward crossing before index `peak`, or the first downward one after it."""
    if upward:
        below = np.flatnonzero(c[:peak] < level)
        if not len(below):
            return None
        i = int(below[-1])
    else:
        below = np.flatnonzero(c[peak:] < level)
        if not len(below):
            return None
        i = peak + int(below[0]) - 1
    c0, c1 = c[i], c[i + 1]
    share = (level - c0) / (c1 - c0) if c1 != c0 else 0.0
    return float(t[i] + share * (t[i + 1] - t[i]))


def _measure_blink(frames: list[tuple[float, float, float]], full: float) -> Blink:
    t = np.array([f[0] for f in frames])
    closures = (np.array([f[1] for f in frames]), np.array([f[2] for f in frames]))
    completeness, closed, onsets, ends = [], [], [], []
    for c in closures:
        k = int(np.argmax(c))
        depth = float(c[k])
        share = float(np.clip(depth / full, 0.0, 1.0))
        completeness.append(share)
        half = _crossing(t, c, HALF_SHARE * depth, True, k) if share >= LAG_MIN_COMPLETENESS else None
        closed.append(half)
        if depth > RELEASE_CLOSURE:
            edge = max(EDGE_SHARE * depth, RELEASE_CLOSURE)
            onset, end = _crossing(t, c, edge, True, k), _crossing(t, c, edge, False, k)
            onsets.append(t[0] if onset is None else onset)
            ends.append(t[-1] if end is None else end)
    start = float(min(onsets))
    return Blink(start, float(max(ends)) - start, completeness[0], completeness[1], closed[0], closed[1])


class BlinkDetector:
    """Blinks in a stream of frames: update(t_s, lids) per frame (lids None for a frame
    without a watchable face, see lids_of); it returns a blink once both eyes have reopened."""

    def __init__(self):
        self.eyes = (_Eye(), _Eye())
        self.blinks: list[Blink] = []
        self.seconds = 0.0  # time the eyes were watched
        self._depths: list[float] = []  # each blink's deeper eye's deepest closure
        self._last_t: float | None = None
        self._last_watched: float | None = None
        self._recent: deque = deque()  # (t, left, right) before a blink
        self._blink: list | None = None  # frames of the blink under way
        # A blink counts only from open eyes: at the start, and after a gap or a closure too
        # long for a blink, both eyes must be seen open before the next one.
        self._wait_open = True

    def _drop(self) -> None:
        self._recent.clear()
        self._wait_open = True
        self._blink = None

    def update(self, t_s: float, lids: LidProfiles | None) -> Blink | None:
        if self._last_t is not None and t_s <= self._last_t:
            raise ValueError(f"times must increase: {t_s} after {self._last_t}")
        self._last_t = t_s
        if lids is None:
            self._drop()
            return None
        dt = 0.0 if self._last_watched is None else t_s - self._last_watched
        if dt > MAX_GAP_S:
            self._drop()
            dt = 0.0
        self._last_watched = t_s
        self.seconds += dt
        closures = [eye.closure(lids.profiles[i], lids.upper[i], lids.lower[i]) for i, eye in enumerate(self.eyes)]
        if None in closures:
            self._drop()
            return None
        left, right = closures
        frame = (t_s, left, right)
        deepest = max(left, right)
        done = None
        if self._blink is not None:
            self._blink.append(frame)
            if t_s - self._blink[0][0] > MAX_BLINK_S + PRE_S:
                self._drop()
            elif deepest < RELEASE_CLOSURE:
                done = self._finish()
        elif self._wait_open:
            self._wait_open = deepest >= RELEASE_CLOSURE
        elif deepest >= DETECT_CLOSURE:
            self._blink = [*self._recent, frame]
        if self._blink is None:  # (also after a blink cut short: a held squint becomes "open")
            for i, eye in enumerate(self.eyes):
                eye.follow(lids.profiles[i], lids.upper[i], lids.lower[i], closures[i], dt)
            self._recent.append(frame)
            while self._recent and t_s - self._recent[0][0] > PRE_S:
                self._recent.popleft()
        return done

    def _finish(self) -> Blink | None:
        frames, self._blink = self._blink, None
        self._recent.clear()
        depths = [*self._depths, max(max(f[1], f[2]) for f in frames)]
        full = max(MIN_FULL_CLOSURE, float(np.quantile(depths, FULL_QUANTILE)))
        blink = _measure_blink(frames, full)
        if blink.duration_s > MAX_BLINK_S:
            return None
        self._depths = depths
        self.blinks.append(blink)
        return blink

    def summary(self) -> BlinkSummary | None:
        return summarise(self.blinks, self.seconds)


# -- a session's blinks --------------------------------------------------------------------
@dataclass(frozen=True)
class BlinkSummary:
    """A session's blinks: rate, and per side the share of incomplete blinks and the median
    completeness; the median lag (right − left, ms) over blinks where both eyes closed."""

    n: int
    seconds: float  # time the eyes were watched
    per_min: float | None  # None when watched less than MIN_RATE_S
    incomplete_left: float | None  # share of blinks closing less than INCOMPLETE_BELOW (None: no blink)
    incomplete_right: float | None
    completeness_left: float | None  # median
    completeness_right: float | None
    lag_ms: float | None  # median; None when no blink closed both eyes

    def incomplete(self, side: str) -> float | None:
        return self.incomplete_left if side == "left" else self.incomplete_right

    def completeness(self, side: str) -> float | None:
        return self.completeness_left if side == "left" else self.completeness_right

    def to_json(self) -> dict:
        r = lambda v, n=3: None if v is None else round(float(v), n)  # noqa: E731
        return {
            "n": self.n,
            "seconds": r(self.seconds, 1),
            "per_min": r(self.per_min, 1),
            "incomplete": {s: r(self.incomplete(s)) for s in SIDES},
            "completeness": {s: r(self.completeness(s)) for s in SIDES},
            "lag_ms": r(self.lag_ms, 1),
        }


def summarise(blinks: Iterable[Blink], seconds_observed: float) -> BlinkSummary | None:
    """The summary of blinks seen over `seconds_observed` of watched eyes; None when the eyes
    were not watched at all."""
    blinks = list(blinks)
    if not seconds_observed > 0:
        return None
    n = len(blinks)

    def median(values):
        values = [v for v in values if v is not None]
        return float(np.median(values)) if values else None

    def incomplete(side):
        return sum(b.completeness(side) < INCOMPLETE_BELOW for b in blinks) / n if n else None

    return BlinkSummary(
        n,
        float(seconds_observed),
        60.0 * n / seconds_observed if seconds_observed >= MIN_RATE_S else None,
        incomplete("left"),
        incomplete("right"),
        median(b.completeness_left for b in blinks),
        median(b.completeness_right for b in blinks),
        median(b.lag_ms for b in blinks),
    )


def from_events(events: Iterable) -> list[Blink]:
    """The blinks of a logged session, from its events (logrecords.EventRow; any others are
    skipped). Each blink is logged as two "blink" events in a row, left then right: t_s that
    eye's closing time, amplitude its completeness, duration_s the blink's."""
    rows = [e for e in events if e.kind == "blink"]
    blinks = []
    for left, right in zip(rows, rows[1:]):
        if (left.side, right.side) != SIDES or left.duration_s != right.duration_s:
            continue
        c = (left.amplitude or 0.0, right.amplitude or 0.0)
        closed = [e.t_s if share >= LAG_MIN_COMPLETENESS else None for e, share in zip((left, right), c)]
        blinks.append(Blink(min(left.t_s, right.t_s), right.duration_s or 0.0, c[0], c[1], closed[0], closed[1]))
    return blinks


def logged_summary(events: Iterable, samples: Iterable) -> BlinkSummary | None:
    """A logged session's blinks (Log.events, Log.samples of one session): its blink events,
    over the seconds its eyes were watched (each logged second's share of usable frames).
    None when it logged no blink, as sessions from before blinks were logged did not."""
    blinks = from_events(events)
    if not blinks:
        return None
    return summarise(blinks, sum(s.quality or 0.0 for s in samples))
