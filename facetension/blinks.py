"""Blinks, eye by eye: how completely each eye closes, how far one eye lags behind the
other, and how long a blink lasts (pure numpy: no cv2, no MediaPipe; times come in).

Incomplete or lagging closure on one side is a lasting sign after facial palsy. The mesh
cannot show it: MediaPipe couples its two eyes (on a real face with one eye shut by a
scripted lid, the shut eye read 55 % closed and the open one 13 %), and it reads a shut eye
as still a fifth to a third open. So each eye is followed in its own pixels
(lid_profiles.sample_lids) and read by its lid's slide (lid_slide.SlideEye):

- each eye's open profile is its reference: it follows the eye while it is open, and slowly
  otherwise, so a held narrowing (a smile, a squint) becomes the new open eye. The
  landmarker's two passes (direct and mirrored, alternating in video) place the eye's line
  a little differently, so each pass has its own references;
- closure: how far the upper lid's margin has slid down, as a share of the opening. 0 is
  open, 1 the lids meeting; a shut eye reads 0.9-1.0 (scripted lids on 14 faces) or
  0.68-0.79 (the real blinks in the test videos).

Why the slide, not the share of the aperture the lid covers (lid_cover.py, which this read
before): on 14 faces with scripted blinks and sensor noise (benchmarks/blink_faces.py), the
covered share found 46 of 56 blinks and 53 that were not there; a hooded lid (too little
contrast) or the passes' shift of the line (a bright aperture's mean jumped by a third of a
closure from frame to frame) lost it. The slide finds 55, and none that were not there.

A blink: either eye closing past DETECT_CLOSURE and both reopening below RELEASE_CLOSURE
within MAX_BLINK_S, the deeper eye's depth (below) at least MIN_BLINK_DEPTH. A squint is the
confounder: narrowing an eye by 40 % reads 0.4-0.65, and real shut eyes only 0.68-0.79, so
depth alone cannot tell them apart. A squint is held, though, and a blink is brief: the
scripted squints (tests/blinkfaces.py) lasted 0.72-0.79 s, blinks last 0.1-0.4 s. For each
eye:

- completeness = its depth in the blink (its deepest closure in each landmarker pass,
  averaged: see _depths) as a share of
  the session's full closure (FULL_QUANTILE of the deeper eye's depth over the blinks so far), so
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

from .framerate import FrameRate
from .lid_profiles import SIDES, LidProfiles
from .lid_slide import SlideEye

__all__ = ["SIDES", "Blink", "BlinkDetector", "BlinkSummary", "from_events", "logged_summary", "summarise"]

# -- following each eye's open reference ----------------------------------------------------
OPEN_CLOSURE = 0.1  # below this the eye is open, and its reference follows it ...
OPEN_TAU_S = 0.3  # ... this fast
DRIFT_TAU_S = 3.0  # otherwise (outside a blink) this slowly: a held narrowing becomes "open"
# An eye seen open this many times wider (by the mesh) than its reference was taken on a
# squint or a closing eye (a stream that starts with the eyes squeezed shut): the reference is
# taken anew from it. Gaze and brows move an open eye's aperture by a fifth or so, a blink only
# narrows it. (WolfgangLanger_Pexels.mp4 opens crying: one eye's reference, taken half shut
# at 0.17 eye widths and followed slowly as "not open", read the open eye at 0.34 as shut
# for 4 s and six blinks came from its laughter.)
REOPENED_FACTOR = 1.5

# -- blinks ---------------------------------------------------------------------------------
DETECT_CLOSURE = 0.35  # either eye closing past this starts a blink ...
RELEASE_CLOSURE = 0.15  # ... which ends when both are back below this
MAX_BLINK_S = 0.5  # a blink lasts 0.1–0.4 s; a longer closure is a squint or eyes closed
MAX_GAP_S = 0.25  # a longer gap between watched frames (no face, head turned) drops a blink
PRE_S = 0.4  # frames kept from before a blink is detected, for its onset
HALF_SHARE = 0.5  # an eye's closing time: when it passes this share of its own deepest closure
EDGE_SHARE = 0.2  # its onset and reopening: this share (but at least RELEASE_CLOSURE)
MIN_BLINK_DEPTH = 0.5  # the deeper eye's depth (_depths) at least, or it was a narrowing, not a blink
DEPTH_FRAMES = 2  # seen by one landmarker pass only, an eye's depth: the mean of its this many deepest closures
FULL_QUANTILE = 0.75  # the session's full closure: this quantile of the deeper eye's depth
LAG_MIN_COMPLETENESS = 0.3  # an eye closing less than this has no closing time
INCOMPLETE_BELOW = 0.9  # a blink is incomplete on a side closing less than 90 %
MIN_RATE_S = 10.0  # a rate needs this many seconds watched
# A blink's lids are down for 0.1-0.2 s: under 12 frames a second (a webcam in a dim room
# gives 10 or 7.5) the deepest closure falls between frames. Scripted full blinks on four
# faces (benchmark clips) read 0.85-0.89 complete at 10 fps in 4 of 16 eyes, so "incomplete",
# and a 60 ms lag read 36-47 ms; at 7.5 fps 0.80-0.85, lags of 130 ms, and one-eyed blinks
# missed. So such frames are not watched for blinks, as twitches are not (tracker.py).
MIN_BLINK_FPS = 12.0


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


def _depths(frames: list[tuple]) -> tuple[float, float]:
    """Each eye's depth in a blink: its deepest closure in each landmarker pass, averaged
    over the passes. A shut eye is seen for 1-3 frames, and the passes alternate frame by
    frame, each reading against its own reference: one frame alone would carry one pass's
    bias (the real blink in samples/single_face.mp4 peaks at 0.68 and 0.79 in one frame),
    and a blink is seen by both (one pass's reference led astray by a glance reads 0.5-0.9
    where the other reads 0.1-0.2: WolfgangLanger_Pexels.mp4's laughter). With one pass
    only, its DEPTH_FRAMES deepest closures."""
    c = np.array([f[1:3] for f in frames])
    passes = np.array([f[3] for f in frames])
    if len(set(passes.tolist())) < 2:
        deep = np.sort(c, axis=0)[-DEPTH_FRAMES:]
        return float(deep[:, 0].mean()), float(deep[:, 1].mean())
    deep = np.array([c[passes == p].max(axis=0) for p in (False, True)])
    return float(deep[:, 0].mean()), float(deep[:, 1].mean())


def _measure_blink(frames: list[tuple], full: float) -> Blink:
    t = np.array([f[0] for f in frames])
    closures = (np.array([f[1] for f in frames]), np.array([f[2] for f in frames]))
    completeness, closed, onsets, ends = [], [], [], []
    for c, deep in zip(closures, _depths(frames)):
        k = int(np.argmax(c))
        depth = float(c[k])
        share = float(np.clip(deep / full, 0.0, 1.0))
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
        # Each pass's references (see the module's doc), (left, right): {mirrored_pass: eyes}.
        self.eyes = {False: (SlideEye(), SlideEye()), True: (SlideEye(), SlideEye())}
        self.blinks: list[Blink] = []
        self.seconds = 0.0  # time the eyes were watched (both eyes followed)
        self._depths: list[float] = []  # each blink's deeper eye's deepest closure
        self._last_t: float | None = None
        self._rate = FrameRate(MIN_BLINK_FPS)
        self.frames_read = 0
        self.frames_slow = 0  # frames that came too slowly to watch (MIN_BLINK_FPS)
        self._last_watched: float | None = None
        self._last_pass: dict[bool, float] = {}  # when each pass's references last followed
        self._recent: deque = deque()  # (t, left, right, mirrored pass) before a blink
        self._blink: list | None = None  # frames of the blink under way
        # A blink counts only from open eyes: at the start, and after a gap or a closure too
        # long for a blink, both eyes must be seen open before the next one.
        self._wait_open = True

    def _drop(self) -> None:
        self._recent.clear()
        self._wait_open = True
        self._blink = None

    @staticmethod
    def _closure(eye: SlideEye, lids: LidProfiles, i: int) -> float | None:
        # Not set yet, or too narrow: perhaps this frame's eye can be followed. Or taken on a
        # squint: this frame's eye is open wider.
        if eye.narrow() or lids.upper[i] - lids.lower[i] > REOPENED_FACTOR * (eye.upper - eye.lower):
            eye.set(lids.profiles[i], lids.upper[i], lids.lower[i])
            return None if eye.narrow() else 0.0
        return eye.closure(lids.profiles[i])

    def _follow(self, t_s: float, lids: LidProfiles, closures: list[float]) -> None:
        """Outside a blink: this pass's references follow the eyes (fast while open)."""
        last = self._last_pass.get(lids.mirrored_pass)
        dt = 0.0 if last is None or t_s - last > MAX_GAP_S else t_s - last
        self._last_pass[lids.mirrored_pass] = t_s
        for i, eye in enumerate(self.eyes[lids.mirrored_pass]):
            a = 1.0 - math.exp(-dt / (OPEN_TAU_S if closures[i] < OPEN_CLOSURE else DRIFT_TAU_S))
            eye.blend(lids.profiles[i], lids.upper[i], lids.lower[i], a, dt)

    def update(self, t_s: float, lids: LidProfiles | None) -> Blink | None:
        if self._last_t is not None and t_s <= self._last_t:
            raise ValueError(f"times must increase: {t_s} after {self._last_t}")
        slow = self._last_t is not None and self._rate.add(t_s - self._last_t)
        self._last_t = t_s
        self.frames_read += 1
        if slow:
            self.frames_slow += 1
            self._drop()  # not watched: no blink, and no time toward the rate
            return None
        eyes = () if lids is None else self.eyes[lids.mirrored_pass]
        closures = None if lids is None else [self._closure(e, lids, i) for i, e in enumerate(eyes)]
        if closures is None or None in closures:
            self._drop()
            return None
        dt = 0.0 if self._last_watched is None else t_s - self._last_watched
        if dt > MAX_GAP_S:
            self._drop()
            dt = 0.0
        self._last_watched = t_s
        self.seconds += dt
        left, right = closures
        frame = (t_s, left, right, lids.mirrored_pass)
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
            self._follow(t_s, lids, closures)
            self._recent.append(frame)
            while self._recent and t_s - self._recent[0][0] > PRE_S:
                self._recent.popleft()
        return done

    def _finish(self) -> Blink | None:
        frames, self._blink = self._blink, None
        self._recent.clear()
        depth = max(_depths(frames))
        if depth < MIN_BLINK_DEPTH:
            return None
        depths = [*self._depths, depth]
        blink = _measure_blink(frames, float(np.quantile(depths, FULL_QUANTILE)))
        if blink.duration_s > MAX_BLINK_S:
            return None
        self._depths = depths
        self.blinks.append(blink)
        return blink

    @property
    def slow(self) -> bool:
        """Most frames came too slowly to watch for blinks (MIN_BLINK_FPS)."""
        return 2 * self.frames_slow > self.frames_read

    def summary(self) -> BlinkSummary | None:
        """None when the eyes were not watched, or mostly came too slowly to be."""
        return None if self.slow else summarise(self.blinks, self.seconds)


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
