"""Streaming tension and twitch tracking: (reading, time) in, a sample out. No I/O, no clock.

Holds the smoothing, the relaxed reference and the twitch detector's state. Times come in
from outside (a video's own time or a camera's monotonic clock), so the same object runs
a live session, a file analysis and a test.

Twitch: a burst of 0.1–2 s in one region and side that stands out from that signal's own
noise floor. The signal is the region's tension drive, detrended by a slow average; its
noise floor is learnt on the same face at rest (a calibration, else the first seconds).
A burst must be one-sided (the other side stays calm), and bursts that overlap a blink or
a quick head movement are dropped: those are not twitches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .metrics import FrameMeasure, average_measures
from .tension import Rest, default_rest, frame_tension, is_blink, tension_index

Key = tuple[str, str]


@dataclass(frozen=True)
class Reading:
    """What the tracker needs from one frame with a face."""

    blendshapes: np.ndarray  # (52,)
    measure: FrameMeasure | None
    center_px: tuple[float, float]  # face centre, for head-movement detection
    size_px: float  # face height

    @classmethod
    def of(cls, face, measure: FrameMeasure | None) -> Reading:
        """From a landmarks.Face and its measure."""
        return cls(face.blendshapes, measure, face.centre_px, face.height_px)


@dataclass(frozen=True)
class TwitchEvent:
    t_s: float  # start of the burst
    region: str
    side: str
    duration_s: float
    amplitude: float  # peak deviation of the tension drive from its trend
    kind: str = "twitch"


@dataclass(frozen=True)
class TensionSample:
    t_s: float
    values: dict[Key, float]  # smoothed tension 0..1
    index: float  # 0..100
    blink: bool
    moving: bool
    events: tuple[TwitchEvent, ...] = ()


@dataclass(frozen=True)
class TrackerSettings:
    smooth_tau_s: float = 0.3  # tension shown to the user
    trend_tau_s: float = 1.5  # the slow average twitches stand out from
    noise_tau_s: float = 10.0  # how fast the learnt noise floor follows the face
    warmup_s: float = 2.0  # noise learnt before any twitch is reported
    k_on: float = 5.0  # a burst starts above this many noise SDs ...
    k_off: float = 2.5  # ... and lasts while its envelope stays above this many
    hold_s: float = 0.25  # envelope: a burst ends this long after its last strong sample
    min_twitch_s: float = 0.1
    max_twitch_s: float = 2.0
    lateral_ratio: float = 2.0  # the twitching side deviates this many times more than the other
    noise_floor_min: float = 0.02  # drive units: below this, noise estimates are not trusted
    head_speed_deg_s: float = 25.0  # faster head rotation is movement, not a twitch
    head_speed_faces_s: float = 0.5  # faster translation (face heights per second) too
    guard_s: float = 0.15  # bursts this close to a blink or movement are dropped


@dataclass
class _Burst:
    start: float
    last_strong: float
    peak: float
    spoiled: bool = False  # overlapped a blink or a head movement
    too_long: bool = False


@dataclass
class _Channel:
    trend: float | None = None
    var: float | None = None
    warm: list = field(default_factory=list)
    burst: _Burst | None = None


def _mean_measure(a: FrameMeasure | None, b: FrameMeasure | None) -> FrameMeasure | None:
    if a is None or b is None or not a.usable or not b.usable:
        return b
    return average_measures(a, b)


class TensionTracker:
    def __init__(
        self,
        rest: Rest | None = None,
        noise: dict[Key, float] | None = None,
        settings: TrackerSettings = TrackerSettings(),
    ):
        self.rest = rest or default_rest()
        self.settings = settings
        self._noise_given = dict(noise or {})
        self._smooth: dict[Key, float] = {}
        self._prev: tuple[float, Reading] | None = None
        self._prev2: tuple[float, Reading] | None = None  # the one before _prev: the same pass
        self._channels: dict[Key, _Channel] = {}
        self._t0: float | None = None
        self._last_t: float | None = None
        self._last_disturbed = -math.inf  # last blink or head movement

    @classmethod
    def for_baseline(cls, baseline) -> TensionTracker:
        """Against a personal baseline (baselines.Baseline: its rest and its noise floor), or
        the built-in defaults when there is none."""
        return cls(baseline.rest, baseline.noise) if baseline is not None else cls()

    @property
    def baseline_kind(self) -> str:
        return "personal" if self.rest.personal else "default"

    def noise_floor(self) -> dict[Key, float]:
        """The learnt noise SD of each signal (drive units)."""
        return {k: math.sqrt(c.var) for k, c in self._channels.items() if c.var is not None}

    def update(self, reading: Reading | None, t_s: float) -> TensionSample | None:
        s = self.settings
        if self._last_t is not None and t_s <= self._last_t:
            raise ValueError(f"times must increase: {t_s} after {self._last_t}")
        if reading is not None and reading.measure is not None and not reading.measure.usable:
            reading = None  # turned away or partly out of the picture: blendshapes unreliable
        if reading is None:  # no face: measurement pauses, open bursts are abandoned
            self._prev = self._prev2 = None
            for c in self._channels.values():
                c.burst = None
            self._last_t = t_s
            return None
        if self._t0 is None:
            self._t0 = t_s
        blink = is_blink(reading.blendshapes, reading.measure)
        combined, moving = reading, False
        if self._prev is not None:
            # Frames alternate between the direct and the mirrored pass, whose small biases
            # are opposite: each frame is averaged with the one before, before any
            # non-linear step (clipping would otherwise turn that jitter into tension).
            pt, prev = self._prev
            combined = Reading(
                (reading.blendshapes + prev.blendshapes) / 2,
                _mean_measure(prev.measure, reading.measure),
                reading.center_px,
                reading.size_px,
            )
            # Head speed is measured against the frame two back, from the same pass: the
            # two passes' head poses differ by up to 2° on some faces (a still photo read
            # 1.6° of yaw and 1.8° of pitch apart), which frame to frame is over 25°/s.
            qt, q = self._prev2 if self._prev2 is not None else self._prev
            moving = self._is_moving(self._pose(q), self._pose(reading), t_s - qt)
        self._prev2, self._prev = self._prev, (t_s, reading)
        ft = frame_tension(combined.blendshapes, combined.measure, self.rest, blink)
        values, drive = ft.values, ft.drive
        if blink or moving:
            self._last_disturbed = t_s

        dt = 0.0 if self._last_t is None else t_s - self._last_t
        self._last_t = t_s
        a = 1.0 - math.exp(-dt / s.smooth_tau_s) if dt > 0 else 1.0
        for k, v in values.items():
            self._smooth[k] = v if k not in self._smooth else self._smooth[k] + a * (v - self._smooth[k])
        events = self._twitches(drive, t_s, dt)
        shown = {k: v for k, v in self._smooth.items() if not (blink and k[0] == "eye")}
        return TensionSample(t_s, dict(self._smooth), tension_index(shown), blink, moving, tuple(events))

    # -- head movement -----------------------------------------------------------------
    @staticmethod
    def _pose(r: Reading) -> tuple:
        m = r.measure
        angles = (m.yaw_deg, m.pitch_deg, m.roll_deg) if m is not None else None
        return angles, r.center_px, r.size_px

    def _is_moving(self, a, b, dt: float) -> bool:
        if dt <= 0:
            return False
        s = self.settings
        if (
            a[0] is not None
            and b[0] is not None
            and max(abs(x - y) for x, y in zip(a[0], b[0])) / dt > s.head_speed_deg_s
        ):
            return True
        shift = math.hypot(b[1][0] - a[1][0], b[1][1] - a[1][1]) / max(b[2], 1.0)
        return shift / dt > s.head_speed_faces_s

    # -- twitches ----------------------------------------------------------------------
    def _twitches(self, drive: dict[Key, float], t: float, dt: float) -> list[TwitchEvent]:
        s = self.settings
        warm = t - self._t0 < s.warmup_s
        trend_a = 1.0 - math.exp(-dt / s.trend_tau_s) if dt > 0 else 0.0
        noise_a = 1.0 - math.exp(-dt / s.noise_tau_s)
        channels = self._channels
        hp: dict[Key, float] = {}
        signals: list[tuple[Key, _Channel, float]] = []  # each channel with its detrended value
        for k, x in drive.items():
            c = channels.get(k)
            if c is None:
                c = channels[k] = _Channel()
            if c.trend is None:
                c.trend = x
            h = hp[k] = x - c.trend
            signals.append((k, c, h))
            if c.burst is None or c.burst.too_long:  # a burst must not become its own trend
                c.trend += trend_a * (x - c.trend)
        if warm:
            for _, c, h in signals:
                c.warm.append(h)
            return []
        events = []
        floor_var = s.noise_floor_min**2
        disturbed = t - self._last_disturbed <= s.guard_s
        for k, c, h in signals:
            if c.var is None:
                given = self._noise_given.get(k)
                learnt = float(np.std(c.warm)) if len(c.warm) > 2 else s.noise_floor_min
                c.var = max(given or learnt, s.noise_floor_min) ** 2
            sd = math.sqrt(c.var)
            b = c.burst
            if b is None:
                other = hp.get(_other_side(k), 0.0)
                if abs(h) > s.k_on * sd and abs(h) > s.lateral_ratio * abs(other):
                    c.burst = _Burst(t, t, abs(h), spoiled=disturbed)
                else:  # calm: keep learning the noise floor
                    c.var += noise_a * (h * h - c.var)
                    c.var = max(c.var, floor_var)
                continue
            if abs(h) > s.k_off * sd:
                b.last_strong = t
                b.peak = max(b.peak, abs(h))
            if disturbed:
                b.spoiled = True
            if t - b.start > s.max_twitch_s:
                b.too_long = True  # a held contraction: tension shows it, not a twitch
            if t - b.last_strong >= s.hold_s:
                duration = b.last_strong - b.start + dt
                if not (b.spoiled or b.too_long) and s.min_twitch_s <= duration <= s.max_twitch_s:
                    events.append(TwitchEvent(round(b.start, 3), k[0], k[1], round(duration, 3), round(b.peak, 3)))
                c.burst = None
        return events


@lru_cache(maxsize=64)
def _other_side(key: Key) -> Key:
    """The same region's other side."""
    return key[0], "left" if key[1] == "right" else "right"
