"""Streaming tension and twitch tracking: (reading, time) in, a sample out. No I/O, no clock.

Holds the smoothing, the relaxed reference and the twitch detector's state. Times come in
from outside (a video's own time or a camera's monotonic clock), so the same object runs
a live session, a file analysis and a test.

Twitch: a burst of 0.1–2 s in one region and side that stands out from that signal's own
noise floor. Where the pixels are at hand, the signal is the skin's own motion beyond the
head's (skin.py: the lids' narrowing, the mouth corner's, cheek's and brow's lift, mm);
elsewhere (chin, jaw, or metrics alone) it is the region's tension drive. Each is detrended
by a slow average, and its noise floor is learnt on the same face at rest (a calibration,
else the first seconds). A burst must be one-sided (the other side stays calm), and bursts
that overlap a blink or a quick head movement are dropped: those are not twitches. A burst
of pulses is one event, with its dominant frequency.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .framerate import FrameRate
from .metrics import SKIN_PLACES, FrameMeasure, average_measures
from .tension import Rest, ShutEyes, default_rest, frame_tension, tension_index

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
    amplitude: float  # peak deviation from its trend, in `unit`
    kind: str = "twitch"
    frequency_hz: float | None = None  # a burst's dominant pulse rate; None for a single jerk
    unit: str = "drive"  # "mm": the skin's motion (skin.py); "drive": the tension drive


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
    min_twitch_s: float = 0.1  # the drive: consecutive frames are averaged, so one frame spans two
    max_twitch_s: float = 2.0
    lateral_ratio: float = 2.0  # the twitching side deviates this many times more than the other
    noise_floor_min: float = 0.02  # drive units: below this, noise estimates are not trusted
    # The skin's motion: below this, noise estimates are not trusted. A still photo's patches
    # hold to ~0.01 mm, where a twitch's spill-over onto the skin around it (and onto the
    # head's fitted motion) would pass 5 SDs; 5 × 0.04 mm is well under the smallest twitch
    # worth telling (lid myokymia, 0.3–0.6 mm).
    skin_floor_min_mm: float = 0.04
    # The skin's motion (skin.py) starts a burst above as many noise SDs as the drive ...
    skin_k_on: float = 5.0
    # ... or where its level or spread over the last energy_window_s stands out by this many
    # of their calm SDs (tracker._Window), with that frame above k_off. With 4 instead of 5
    # for either, 5 % more small twitches were found on 6 faces, and 2-3 times as many false
    # events on 24 twitch-free minutes (7 and 9 against 3).
    energy_window_s: float = 0.2
    skin_k_energy: float = 5.0
    # A 0.1 s jerk stands above k_off for only ~0.06 s (its raised ends are below), two
    # frames at 30 fps; one frame alone is a glitch.
    skin_min_twitch_s: float = 0.06
    # A place whose own noise is above this cannot tell a twitch under 5 × it (1.5 mm): its
    # bursts are noise (a textureless cheek on a small, compressed face), not reported.
    skin_useful_sd_mm: float = 0.3
    # Larger skin movements are blinks, gaze shifts or expressions, not twitches (a lid
    # twitch is 0.3-1.5 mm; a blink moves the upper lid 8-10 mm).
    skin_max_twitch_mm: float = 3.0
    skin_gap_s: float = 0.3  # a skin signal missing this long starts its slow average over
    # ... and so does a new reference frame. The average's first skin_settle_s are the median
    # of its values (one frame off does not move it) and start nothing; then it is their
    # running mean until that is as steady as the slow average (trend_tau_s). Begun from one
    # noisy frame, it made the frames after a new reference read as a lid "twitch" (on a 5 s
    # cut of the head-moving webcam clip of benchmarks/twitch_false.py).
    skin_settle_s: float = 0.2
    head_speed_deg_s: float = 25.0  # faster head rotation is movement, not a twitch
    head_speed_faces_s: float = 0.5  # faster translation (face heights per second) too
    # ... both measured over this span: the mesh's pose moves by ~1° when a twitch pulls the
    # skin under its forehead points, which frame to frame (67 ms) reads as 25°/s.
    head_span_s: float = 0.2
    guard_s: float = 0.15  # bursts this close to a blink or movement are dropped
    # A light flickering over the face moves the followed skin (skin.LIGHT_SD): a change of
    # the face's brightness by more than this from one frame to the next disturbs as a blink
    # does. A 3 % flicker at 4-8 Hz changes it by up to 2.5-5 % a frame; a steady light by
    # 0.2-0.7 % (the two passes and the head's drift move the weighted mean a little).
    light_step: float = 0.015


# A burst's dominant frequency is looked for in this band, and reported when the burst holds
# at least MIN_CYCLES of it (a single jerk has none).
FREQUENCY_BAND_HZ = (1.5, 15.0)
MIN_CYCLES = 2.0
SECOND_REGION_SHARE = 0.5  # see TensionTracker._release
LIDS_PER_EYE = sum(region == "eye" for region in SKIN_PLACES.values())  # followed on each eye
POSES_KEPT = 16  # the head's last poses: half a second at 30 fps
# Under this many frames a second no twitch is looked for: a 6 Hz burst needs twice its
# rate, and a 0.1 s jerk two frames. At 10 and 5 frames a second the practice demo (no
# twitch; a held eye narrowing eases at 30 s) read 6 and 7 lid "twitches"; at 15, none.
MIN_TWITCH_FPS = 12.0
# The level and spread of white noise of SD σ over ~6 frames vary by ~0.4 σ and ~0.3 σ:
# their SDs are not trusted below this share of the noise floor.
ENERGY_SD_PER_FLOOR = 0.3
# How far back a skin burst's first pulse is looked for, once the burst is found.
ONSET_LOOKBACK_S = 0.6


@dataclass
class _Burst:
    start: float
    last_strong: float
    peak: float
    spoiled: bool = False  # overlapped a blink or a head movement
    too_long: bool = False
    samples: list = field(default_factory=list)  # (t, detrended value): the burst's shape


@dataclass
class _Channel:
    born: float  # when the signal first came: its noise is learnt over the warm-up after
    trend: float | None = None
    var: float | None = None
    warm: list = field(default_factory=list)
    burst: _Burst | None = None
    last_t: float = -math.inf
    window: _Window | None = None  # the skin's channels only
    settled: float = -math.inf  # a skin channel's slow average is the median of its values until then
    settling: list = field(default_factory=list)
    averaged: int = 0  # values in a skin channel's slow average since it started over


@dataclass
class _Window:
    """A skin channel's last ONSET_LOOKBACK_S of (t, detrended value), and the calm spread
    of two statistics over its last energy_window_s: the level (the mean: a burst of
    one-signed pulses lifts it) and the spread (the SD about that mean: a burst's pulses and
    a ripple raise it; what a slow movement leaves does not). Both stand out of the noise at
    a smaller size than any single frame does."""

    recent: deque = field(default_factory=deque)
    warm: list = field(default_factory=list)  # (level, spread) over the warm-up
    level_var: float = 0.0
    spread_mean: float = 0.0
    spread_var: float = 0.0

    def add(self, t: float, h: float, window_s: float) -> tuple[float, float]:
        """Keep (t, h); the level and spread over the last window_s."""
        self.recent.append((t, h))
        while self.recent[0][0] <= t - ONSET_LOOKBACK_S:
            self.recent.popleft()
        tail = [v for u, v in self.recent if u > t - window_s]
        level = sum(tail) / len(tail)
        return level, math.sqrt(sum((v - level) ** 2 for v in tail) / len(tail))

    def settle(self) -> None:
        """The calm spread, from the warm-up."""
        if len(self.warm) > 2:
            levels, spread = np.array(self.warm).T
            self.level_var = float(np.mean(levels**2))
            self.spread_mean, self.spread_var = float(spread.mean()), float(spread.var())

    def learn(self, level: float, spread: float, a: float, clip_sd: float) -> None:
        """Follow the calm spread, each value clipped at clip_sd of its SD, so a twitch
        building up below the threshold does not raise it."""
        lim = clip_sd * math.sqrt(self.level_var) if self.level_var > 0 else math.inf  # none learnt yet: no clip
        self.level_var += a * (min(level * level, lim * lim) - self.level_var)
        lim = clip_sd * math.sqrt(self.spread_var) if self.spread_var > 0 else math.inf
        d = min(max(spread - self.spread_mean, -lim), lim)
        self.spread_mean += a * d
        self.spread_var += a * (d * d - self.spread_var)

    def scores(self, level: float, spread: float, floor_sd: float) -> tuple[float, float]:
        """How many of their calm SDs the level and the spread stand out."""
        return (
            abs(level) / max(math.sqrt(self.level_var), floor_sd),
            (spread - self.spread_mean) / max(math.sqrt(self.spread_var), floor_sd),
        )

    def onset(self, t: float, level: float, gap_s: float) -> float:
        """The start of the activity that reaches t: back through recent frames above
        level, across gaps shorter than gap_s (between a burst's pulses)."""
        start = t
        for u, v in reversed(self.recent):
            if start - u > gap_s:
                break
            if abs(v) > level:
                start = u
        return start


def dominant_frequency(samples: list[tuple[float, float]]) -> float | None:
    """The strongest pulse rate (Hz) in a burst's detrended samples, or None when the burst
    is too short to hold MIN_CYCLES of it (a jerk) or too sparsely sampled to tell."""
    if len(samples) < 6:
        return None
    t = np.array([p[0] for p in samples])
    x = np.array([p[1] for p in samples])
    dt = float(np.median(np.diff(t)))
    if not dt > 0:
        return None
    grid = np.arange(t[0], t[-1] + dt / 2, dt)  # frames can come unevenly from a camera
    y = np.interp(grid, t, x)
    y = (y - y.mean()) * np.hanning(len(y))
    n = max(256, 1 << int(math.ceil(math.log2(len(y) * 4))))
    power = np.abs(np.fft.rfft(y, n)) ** 2
    freqs = np.fft.rfftfreq(n, dt)
    band = (freqs >= FREQUENCY_BAND_HZ[0]) & (freqs <= min(FREQUENCY_BAND_HZ[1], 0.5 / dt))
    if not band.any():
        return None
    f = float(freqs[band][np.argmax(power[band])])
    return round(f, 1) if f * (t[-1] - t[0] + dt) >= MIN_CYCLES else None


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
        self._poses: deque = deque(maxlen=POSES_KEPT)  # (t, pose) of the last frames with a face
        self._channels: dict[Key, _Channel] = {}  # the tension drive's
        self._skin: dict[Key, _Channel] = {}  # the skin's motion (mm), where the pixels were read
        self._skin_epoch: int | None = None
        self._last_t: float | None = None
        self._last_disturbed = -math.inf  # last blink, head movement or flicker
        self._light: tuple[int, float] | None = None  # the last skin epoch and its light
        self._pending: list[tuple[TwitchEvent, float]] = []  # ended bursts, with their peak in noise SDs
        self._rate = FrameRate(MIN_TWITCH_FPS)  # between frames with a face
        self._prev_face = False
        self._shut = ShutEyes()  # a blink, or the eyes held shut since one
        self.slow = False  # the frames came too slowly for twitches (MIN_TWITCH_FPS)
        self.frames_slow = 0  # frames with a face read so ...
        self.frames_small = 0  # ... or too few pixels across (metrics.SMALL_FACE_IRIS_PX) ...
        self.frames_read = 0  # ... of all with a face

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
            self._prev = None
            self._prev_face = False
            self._shut.update(None, None, self.rest)
            self._poses.clear()
            for c in (*self._channels.values(), *self._skin.values()):
                c.burst = None
            self._last_t = t_s
            return None
        blink = self._shut.update(reading.blendshapes, reading.measure, self.rest)
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
        pose = self._pose(reading)
        moving = self._is_moving_since(pose, t_s)
        self._poses.append((t_s, pose))
        self._prev = (t_s, reading)
        ft = frame_tension(combined.blendshapes, combined.measure, self.rest, blink)
        values, drive = ft.values, ft.drive
        skin = reading.measure.skin if reading.measure is not None else None
        # A face too few pixels across (metrics.SMALL_FACE_IRIS_PX) has no twitch to tell from
        # its noise: it disturbs, as a blink does, so no burst there becomes an event.
        small = reading.measure is not None and reading.measure.small
        if self._last_t is not None and self._prev_face:
            self._rate.add(t_s - self._last_t)
        self.slow = self._rate.slow
        self.frames_read += 1
        self.frames_slow += self.slow
        self.frames_small += small
        self._prev_face = True
        flicker = False
        if skin is not None:
            last, self._light = self._light, (skin.epoch, skin.light)
            flicker = last is not None and last[0] == skin.epoch and abs(skin.light - last[1]) > s.light_step
        closing = skin is not None and _lid_closing(skin, s.skin_max_twitch_mm)
        if blink or moving or small or self.slow or flicker or closing:
            self._last_disturbed = t_s

        dt = 0.0 if self._last_t is None else t_s - self._last_t
        self._last_t = t_s
        a = 1.0 - math.exp(-dt / s.smooth_tau_s) if dt > 0 else 1.0
        for k, v in values.items():
            self._smooth[k] = v if k not in self._smooth else self._smooth[k] + a * (v - self._smooth[k])
        if blink:  # the eye's tension is not known under closed lids: not the closing's, held
            for k in _EYE_KEYS:
                self._smooth.pop(k, None)
        events = self._twitches(skin, drive, t_s, dt)
        return TensionSample(t_s, dict(self._smooth), tension_index(self._smooth), blink, moving, tuple(events))

    # -- head movement -----------------------------------------------------------------
    @staticmethod
    def _pose(r: Reading) -> tuple:
        m = r.measure
        angles = (m.yaw_deg, m.pitch_deg, m.roll_deg) if m is not None else None
        return angles, r.center_px, r.size_px

    def _is_moving_since(self, pose: tuple, t: float) -> bool:
        """Head speed against a frame head_span_s back, from the same pass: the two passes'
        head poses differ by up to 2° on some faces (a still photo read 1.6° of yaw and 1.8°
        of pitch apart), which between neighbouring frames is over 25°/s."""
        same_pass = list(self._poses)[-2::-2]  # two, four, six … frames back
        if not same_pass:
            return False
        then = next((p for p in same_pass if p[0] <= t - self.settings.head_span_s), same_pass[-1])
        return self._is_moving(then[1], pose, t - then[0])

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

    # -- twitches ---------------------------------------------------------------------
    def _twitches(self, skin, drive: dict[Key, float], t: float, dt: float) -> list[TwitchEvent]:
        ended = self._detect(self._channels, drive, t, dt, skin=False)
        if self._skin_epoch is not None:  # the skin's own motion tells these regions better
            ended = [(e, snr) for e, snr in ended if e.region not in SKIN_PLACES.values()]
        if skin is not None:
            if skin.epoch != self._skin_epoch:  # a new reference frame: the levels start over
                self._skin_epoch = skin.epoch
                for c in self._skin.values():
                    c.trend, c.burst = None, None
            ended += self._detect(self._skin, skin.values, t, dt, skin=True)
        self._pending += ended
        return self._release()

    def _release(self) -> list[TwitchEvent]:
        """The ended bursts that no open burst on their side may still join, one event per
        twitch: a twitch moves the skin around it a little (the other lid, the cheek above the
        corner), so of bursts on one side that overlap in time, a region's weaker ones are
        dropped, and another region's too unless it stood out at least SECOND_REGION_SHARE as
        far (in noise SDs) as the strongest."""
        if not self._pending:
            return []
        open_sides = {
            k[1] for group in (self._channels, self._skin) for k, c in group.items() if c.burst and not c.burst.spoiled
        }
        ready = [p for p in self._pending if p[0].side not in open_sides]
        self._pending = [p for p in self._pending if p[0].side in open_sides]
        kept: list[tuple[TwitchEvent, float]] = []
        for e, snr in sorted(ready, key=lambda p: -p[1]):
            rivals = [(o, o_snr) for o, o_snr in kept if o.side == e.side and _overlap(o, e)]
            if not any(o.region == e.region or snr < SECOND_REGION_SHARE * o_snr for o, o_snr in rivals):
                kept.append((e, snr))
        return sorted((e for e, _ in kept), key=lambda e: e.t_s)

    def _detect(self, channels: dict[Key, _Channel], values: dict[Key, float], t: float, dt: float, skin: bool):
        s = self.settings
        trend_a = 1.0 - math.exp(-dt / s.trend_tau_s) if dt > 0 else 0.0
        noise_a = 1.0 - math.exp(-dt / s.noise_tau_s)
        floor = s.skin_floor_min_mm if skin else s.noise_floor_min
        hp: dict[Key, float] = {}
        stats: dict[Key, tuple[float, float]] = {}  # skin: (level, spread) over the energy window
        signals: list[tuple[Key, _Channel, float]] = []  # each armed channel with its detrended value
        for k, x in values.items():
            c = channels.get(k)
            if c is None:
                c = channels[k] = _Channel(born=t, window=_Window() if skin else None)
            if c.trend is None or (skin and t - c.last_t > s.skin_gap_s):
                c.trend, c.burst = x, None
                if skin:
                    c.window.recent.clear()
                    c.settled, c.settling = t + s.skin_settle_s, []
            c.last_t = t
            if t < c.settled:  # the new slow average settles first
                c.settling.append(x)
                c.trend, c.averaged = float(np.median(c.settling)), len(c.settling)
                continue
            h = hp[k] = x - c.trend
            if c.burst is None or c.burst.too_long:  # a burst must not become its own trend
                c.averaged += 1
                c.trend += (max(trend_a, 1.0 / c.averaged) if skin else trend_a) * (x - c.trend)
            if skin:
                stats[k] = c.window.add(t, h, s.energy_window_s)
            if t - c.born < s.warmup_s:
                c.warm.append(h)
                if skin:
                    c.window.warm.append(stats[k])
            else:
                signals.append((k, c, h))
        events = []
        disturbed = t - self._last_disturbed <= s.guard_s
        for k, c, h in signals:
            if c.var is None:
                given = None if skin else self._noise_given.get(k)
                learnt = float(np.std(c.warm)) if len(c.warm) > 2 else floor
                c.var = max(given or learnt, floor) ** 2
                if skin:
                    c.window.settle()
            sd = math.sqrt(c.var)
            b = c.burst
            if b is None:
                start = self._onset(k, c, t, h, sd, hp, stats, floor)
                if start is not None:
                    shape = [p for p in c.window.recent if p[0] >= start] if skin else [(t, h)]
                    spoiled = disturbed or self._last_disturbed >= start - s.guard_s
                    c.burst = _Burst(start, t, max(abs(v) for _, v in shape), spoiled=spoiled, samples=shape)
                else:  # calm: keep learning the noise floor, a twitch's first rise clipped
                    lim = s.k_off * sd
                    c.var += noise_a * (min(h * h, lim * lim) - c.var)
                    c.var = max(c.var, floor**2)
                    if skin:
                        c.window.learn(*stats[k], noise_a, s.k_off)
                continue
            b.samples.append((t, h))
            if abs(h) > s.k_off * sd:
                b.last_strong = t
                b.peak = max(b.peak, abs(h))
            if disturbed:
                b.spoiled = True
            if t - b.start > s.max_twitch_s:
                b.too_long = True  # a held contraction: tension shows it, not a twitch
            if t - b.last_strong >= s.hold_s:
                duration = b.last_strong - b.start + dt
                shortest = s.skin_min_twitch_s if skin else s.min_twitch_s
                plausible = not skin or (sd <= s.skin_useful_sd_mm and b.peak <= s.skin_max_twitch_mm)
                if not (b.spoiled or b.too_long) and plausible and shortest <= duration <= s.max_twitch_s:
                    shape = [p for p in b.samples if p[0] <= b.last_strong]
                    events.append((
                        TwitchEvent(
                            round(b.start, 3), SKIN_PLACES[k[0]] if skin else k[0], k[1], round(duration, 3),
                            round(b.peak, 3),
                            frequency_hz=dominant_frequency(shape), unit="mm" if skin else "drive",
                        ),
                        b.peak / sd,
                    ))  # fmt: skip
                c.burst = None
        return events

    def _onset(
        self, k: Key, c: _Channel, t: float, h: float, sd: float, hp: dict, stats: dict, floor: float
    ) -> float | None:
        """When a burst began, if one begins now: this frame stands out (k_on SDs), or the
        skin's recent level or spread does (skin_k_energy of their calm SDs, this frame above
        k_off); each more than the other side's, the statistics in their own SDs
        (lateral_ratio). A skin burst is timed from its first pulse above k_off, which may
        have come a pulse or two before the one that gave it away."""
        s = self.settings
        other = _other_side(k)
        w = c.window
        if abs(h) > (s.k_on if w is None else s.skin_k_on) * sd and abs(h) > s.lateral_ratio * abs(hp.get(other, 0.0)):
            return t if w is None else w.onset(t, s.k_off * sd, s.hold_s)
        if w is None or abs(h) <= s.k_off * sd:
            return None
        floor_sd = ENERGY_SD_PER_FLOOR * floor
        z_level, z_spread = w.scores(*stats[k], floor_sd)
        oc = self._skin.get(other)
        o_level, o_spread = oc.window.scores(*stats[other], floor_sd) if oc and other in stats else (0.0, 0.0)
        lifted = z_level > s.skin_k_energy and z_level > s.lateral_ratio * o_level
        rippling = z_spread > s.skin_k_energy and z_spread > s.lateral_ratio * o_spread
        return w.onset(t, s.k_off * sd, s.hold_s) if lifted or rippling else None


_EYE_KEYS = tuple(("eye", side) for side in ("left", "right"))


def _lid_closing(skin, mm: float) -> bool:
    """A blink the mesh's blink test missed (a small face, glasses, one eye late), as the lids
    followed in the pixels show it: a lid moved more than mm (a twitch moves a lid 0.3-1.5
    mm, a blink 8-10), or both eyes have a lid that no longer matches its open reference. One
    eye losing a lid is not enough: a 1.5 mm lid twitch can do that."""
    lids = {(place, side): v for (place, side), v in skin.values.items() if SKIN_PLACES[place] == "eye"}
    if any(abs(v) > mm for v in lids.values()):
        return True
    return all(sum(k[1] == side for k in lids) < LIDS_PER_EYE for side in ("left", "right"))


def _overlap(a: TwitchEvent, b: TwitchEvent) -> bool:
    return a.t_s <= b.t_s + b.duration_s and b.t_s <= a.t_s + a.duration_s


@lru_cache(maxsize=64)
def _other_side(key: Key) -> Key:
    """The same region's other side."""
    return key[0], "left" if key[1] == "right" else "right"
