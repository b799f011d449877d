"""The guided relaxation practice: phases, checks, prompts, praise and summaries.

Pure session logic: frames' measurements and times come in, a view to draw and events to
log go out. No I/O, no clock, no window: the live loop (live.py) does those.

    CHECK → (CALIBRATE, first time only) → BEFORE → RELAX → AFTER → DONE
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .baselines import Baseline
from .errors import NoUsableFaceError
from .face import Face
from .learn import MIN_CALIBRATION_S, baseline_from
from .logrecords import Key, Measures, SampleRow, SessionSummary, median_measures
from .metrics import FrameMeasure
from .practice_words import (
    BILATERAL,
    CHECK_MESSAGES,
    FACE_LOST,
    INTRO,
    PAUSED,
    PHASE_INSTRUCTIONS,
    PHASE_TITLES,
    PRAISE,
    PROMPTS,
    TWO_FACES,
    Phase,
    prompt_text,
    span,
)
from .tracker import Reading, TensionSample, TensionTracker, TwitchEvent


@dataclass(frozen=True)
class PracticeSettings:
    relax_s: float = 300.0
    before_s: float = 20.0
    after_s: float = 20.0
    calibrate_s: float = 12.0  # first session only: learn the relaxed face
    check_hold_s: float = 1.0  # the check must pass this long without a break
    prompt_gap_s: float = 6.0  # at most one prompt every 6 s ...
    same_prompt_gap_s: float = 15.0  # ... and the same one not again within 15 s
    prompt_threshold: float = 0.15  # tension above the baseline that earns a prompt (rest noise: < 0.07)
    prompt_hold_s: float = 1.0  # ... held this long (a passing twitch is not held tension)
    praise_fraction: float = 0.5  # praise when the prompted tension has halved ...
    praise_window_s: float = 20.0  # ... within this long of the prompt
    breaths_per_min: float = 6.0
    inhale_share: float = 0.4  # in for 4 s, out for 6 s
    relaxed_index: float = 10.0  # tension index at or below this counts as relaxed
    max_angle_deg: float = 15.0
    min_face_share: float = 0.2  # face height over frame height
    max_face_share: float = 0.8
    centre_tolerance: float = 0.25  # face centre within ±25 % of the frame from the middle
    min_brightness: float = 60.0  # mean grey level over the face

    @classmethod
    def fitted(cls, duration_s: float, calibrate: bool) -> PracticeSettings:
        """Phase lengths for a recorded clip of `duration_s`: the whole loop fits in it
        (calibration ~22 %, before and after ~18 % each, the rest relaxation)."""
        usable = max(duration_s - 1.5, 6.0)  # the check, and a little slack at the end
        # The calibration needs at least MIN_CALIBRATION_S of still face (plus the tracker's start).
        cal = min(12.0, max(0.22 * usable, MIN_CALIBRATION_S + 1.0)) if calibrate else 0.0
        rest = min(20.0, 0.18 * usable)
        return cls(relax_s=max(usable - cal - 2 * rest, 1.0), before_s=rest, after_s=rest, calibrate_s=max(cal, 1.0))


@dataclass(frozen=True)
class FrameInput:
    """One frame, as the live loop saw it."""

    t_s: float
    face: Face | None
    measure: FrameMeasure | None
    frame_size: tuple[int, int]  # (width, height)
    brightness: float | None  # mean grey over the face box, 0..255


@dataclass(frozen=True)
class Event:
    t_s: float
    kind: str  # "prompt" | "praise" | "warning" | "check" | "twitch" | "phase"
    text: str  # what the person reads
    region: str | None = None
    side: str | None = None
    phase: Phase | None = None  # a "phase" event: the phase entered
    twitch: TwitchEvent | None = None  # a "twitch" event: what the tracker found


@dataclass(frozen=True)
class View:
    phase: Phase
    phase_progress: float  # 0..1
    session_progress: float  # 0..1 over the whole session
    message: str | None  # the current prompt, check advice or warning
    message_kind: str | None
    pacer: float  # 0..1 breath size
    pacer_label: str  # "breathe in" | "breathe out"
    tension: dict[Key, float]
    paused: bool
    baseline: str  # "personal" | "default"
    phase_left_s: float | None = None  # time left in the phase (None: the check, which has no length)
    session_left_s: float | None = None  # ... and in the whole session (active time: pauses stop it)
    instruction: str = ""  # what to do in this phase, one short line
    intro: tuple[str, ...] = ()  # the first session: what will happen and how long it takes


@dataclass
class _Window:
    """Frames collected for a resting measurement."""

    diffs: list = field(default_factory=list)
    tension: list = field(default_factory=list)
    index: list = field(default_factory=list)

    def summary(self) -> Measures | None:
        """Medians over the window's frames; None when nothing was measured."""
        if not self.diffs and not self.tension:
            return None
        return median_measures(self.diffs, self.tension, self.index)


class PracticeSession:
    def __init__(
        self,
        settings: PracticeSettings = PracticeSettings(),
        baseline: Baseline | None = None,
        source_name: str = "camera",
        learn: bool = True,
    ):
        """Without a baseline and with `learn`, the session first learns the relaxed face
        (CALIBRATE); without `learn` it measures against the built-in defaults."""
        self.s = settings
        self._learn = learn and baseline is None
        self.baseline = baseline
        self.new_baseline: Baseline | None = None  # learnt in CALIBRATE, for the caller to save
        self.source_name = source_name
        self.tracker = TensionTracker.for_baseline(baseline)
        self.phase = Phase.CHECK
        self._phase_start = 0.0  # active (unpaused) time at which the phase began
        self._active = 0.0  # session time that counts (paused time does not)
        self._last_t: float | None = None
        self._paused = False
        self._check_ok_since: float | None = None
        self._calib: list = []
        self._windows = {Phase.BEFORE: _Window(), Phase.AFTER: _Window()}
        self._over_since: dict[Key, float] = {}
        self._last_prompt_t = -math.inf
        self._last_said: dict[str, float] = {}
        self._prompted: tuple[Key, float, float] | None = None  # key, time, tension at prompt
        self._message: tuple[str, str] | None = None
        self._warned_two_faces = False
        self._face_lost = False
        self._relaxed_s = 0.0
        self._relax_elapsed = 0.0
        self._twitches: list[TwitchEvent] = []
        self._second: list = []
        self._second_start: float | None = None
        self._second_phase = Phase.CHECK
        self._last_values: dict[Key, float] = {}
        self.stopped_early = False
        lengths = dict(
            calibrate=span(settings.calibrate_s),
            before=span(settings.before_s),
            relax=span(settings.relax_s),
            after=span(settings.after_s),
        )
        self._instructions = {p: text.format(**lengths) for p, text in PHASE_INSTRUCTIONS.items()}
        total = settings.calibrate_s + settings.before_s + settings.relax_s + settings.after_s
        self._intro = tuple(line.format(total=span(total), **lengths) for line in INTRO) if self._learn else ()

    # -- controls ------------------------------------------------------------------
    def toggle_pause(self) -> bool:
        self._paused = not self._paused
        return self._paused

    def stop(self) -> None:
        """The user ends the session (q, Esc, window closed)."""
        if self.phase != Phase.DONE:
            self.stopped_early = True
            self.phase = Phase.DONE

    @property
    def paused(self) -> bool:
        return self._paused

    def view(self) -> View:
        return self._view()

    @property
    def done(self) -> bool:
        return self.phase == Phase.DONE

    def _phase_length(self) -> float:
        return {
            Phase.CALIBRATE: self.s.calibrate_s,
            Phase.BEFORE: self.s.before_s,
            Phase.RELAX: self.s.relax_s,
            Phase.AFTER: self.s.after_s,
        }.get(self.phase, 0.0)

    # -- the frame loop --------------------------------------------------------------
    def update(self, f: FrameInput) -> tuple[View, list[Event], list[SampleRow]]:
        if self._last_t is not None and f.t_s <= self._last_t:
            raise ValueError(f"times must increase: {f.t_s} after {self._last_t}")
        dt = 0.0 if self._last_t is None else f.t_s - self._last_t
        self._last_t = f.t_s
        events: list[Event] = []
        rows: list[SampleRow] = []
        if self._paused or self.phase == Phase.DONE:
            return self._view(), events, rows
        self._active += dt

        if f.face is not None and f.face.faces_seen > 1 and not self._warned_two_faces:
            self._warned_two_faces = True
            events.append(Event(f.t_s, "warning", TWO_FACES))
        if self.phase == Phase.CHECK:
            self._check(f, events)
            return self._view(), events, rows

        problem = self._problem(f)
        usable = problem is None
        reading = None
        if usable:
            reading = Reading.of(f.face, f.measure)
        if problem and not self._face_lost:
            self._face_lost = True
            text = FACE_LOST if problem == "no-face" else CHECK_MESSAGES[problem]
            self._message = (text, "warning")
            events.append(Event(f.t_s, "warning", text))
        elif usable and self._face_lost:
            self._face_lost = False
            self._message = None

        if self.phase == Phase.CALIBRATE:
            self._calib.append((f.t_s, f.face if usable else None, f.measure if usable else None))
        sample = None if self.phase == Phase.CALIBRATE else self.tracker.update(reading, f.t_s)
        if sample is not None:
            for e in sample.events:
                self._twitches.append(e)
                events.append(Event(e.t_s, "twitch", f"twitch: {e.side} {e.region}", e.region, e.side, twitch=e))
            self._last_values = sample.values
        self._collect(f, sample, usable)
        if self.phase == Phase.RELAX and sample is not None:
            self._relax_elapsed += dt
            if sample.index <= self.s.relaxed_index:
                self._relaxed_s += dt
            self._coach(sample, f.t_s, events)
        rows += self._per_second(f.t_s, f.measure if usable else None, sample)
        self._advance(f.t_s, events)
        return self._view(), events, rows

    def _check(self, f: FrameInput, events: list[Event]) -> None:
        problem = self._problem(f)
        if problem is not None:
            self._check_ok_since = None
            text = CHECK_MESSAGES[problem]
            if self._message != (text, "check"):  # say it once, not every frame
                events.append(Event(f.t_s, "check", text))
            self._message = (text, "check")
            return
        if self._check_ok_since is None:
            self._check_ok_since = self._active
        if self._active - self._check_ok_since >= self.s.check_hold_s or self.s.check_hold_s <= 0:
            self._message = None
            self._enter(Phase.CALIBRATE if self._learn else Phase.BEFORE, f.t_s, events)

    def _problem(self, f: FrameInput) -> str | None:
        """What stops this frame from being measured, as a CHECK_MESSAGES key."""
        if f.face is None:
            return "no-face"
        w, h = f.frame_size
        share = f.face.height_px / h
        cx, cy = f.face.centre_px
        if share < self.s.min_face_share:
            return "closer"
        if share > self.s.max_face_share:
            return "back"
        if abs(cx / w - 0.5) > self.s.centre_tolerance or abs(cy / h - 0.5) > self.s.centre_tolerance:
            return "centre"
        m = f.measure
        if (
            m is None
            or "pose" in m.excluded
            or "out-of-frame" in m.excluded
            or max(abs(m.yaw_deg), abs(m.pitch_deg)) > self.s.max_angle_deg
        ):
            return "frontal"
        if f.brightness is not None and f.brightness < self.s.min_brightness:
            return "light"
        return None

    def _enter(self, phase: Phase, t_s: float, events: list[Event]) -> None:
        self.phase = phase
        self._phase_start = self._active
        events.append(Event(t_s, "phase", PHASE_TITLES[phase], phase=phase))

    def _advance(self, t_s: float, events: list[Event]) -> None:
        if self._active - self._phase_start < self._phase_length():
            return
        if self.phase == Phase.CALIBRATE:
            try:
                self.new_baseline = baseline_from(self._calib, self.source_name, "")
            except (NoUsableFaceError, ValueError):
                return  # not enough still, frontal frames yet: keep learning
            self.baseline = self.new_baseline
            self.tracker = TensionTracker.for_baseline(self.baseline)
            self._calib = []
            self._enter(Phase.BEFORE, t_s, events)
        elif self.phase == Phase.BEFORE:
            self._enter(Phase.RELAX, t_s, events)
        elif self.phase == Phase.RELAX:
            self._message = None
            self._enter(Phase.AFTER, t_s, events)
        elif self.phase == Phase.AFTER:
            self._enter(Phase.DONE, t_s, events)

    # -- coaching ----------------------------------------------------------------------
    def _coach(self, sample: TensionSample, t: float, events: list[Event]) -> None:
        s = self.s
        # Praise: the prompted region has eased.
        if self._prompted is not None:
            key, t_prompt, level = self._prompted
            now = sample.values.get(key)
            if t - t_prompt > s.praise_window_s:
                self._prompted = None
            elif now is not None and now <= level * s.praise_fraction:
                text = prompt_text(key[0], key[1], PRAISE)
                events.append(Event(t, "praise", text, key[0], key[1]))
                self._message = (text, "praise")
                self._prompted = None
        # Which region and side holds the most tension, held long enough?
        for key, v in sample.values.items():
            if v >= s.prompt_threshold:
                self._over_since.setdefault(key, t)
            else:
                self._over_since.pop(key, None)
        held = {k: sample.values[k] for k, since in self._over_since.items() if t - since >= s.prompt_hold_s}
        if not held or t - self._last_prompt_t < s.prompt_gap_s:
            if (
                not held
                and self._message
                and self._message[1] == "prompt"
                and t - self._last_prompt_t >= s.prompt_gap_s
            ):
                self._message = None  # nothing stands out: the pacer alone
            return
        # The tensest region and side whose prompt has not been said in the last 15 s.
        for key in sorted(held, key=held.get, reverse=True):
            region, side = key
            text = prompt_text(region, side) if region not in BILATERAL else PROMPTS[region]
            if t - self._last_said.get(text, -math.inf) >= s.same_prompt_gap_s:
                break
        else:
            return
        self._last_prompt_t = t
        self._last_said[text] = t
        self._prompted = (key, t, held[key])
        self._message = (text, "prompt")
        events.append(Event(t, "prompt", text, region, None if region in BILATERAL else side))

    # -- measurements ------------------------------------------------------------------
    def _collect(self, f: FrameInput, sample: TensionSample | None, usable: bool) -> None:
        window = self._windows.get(self.phase)
        if window is None or not usable or sample is None:
            return
        if f.measure is not None and f.measure.usable:
            window.diffs.append({r: v.diff for r, v in f.measure.regions.items()})
        window.tension.append(dict(sample.values))
        window.index.append(sample.index)

    def _per_second(self, t: float, measure: FrameMeasure | None, sample: TensionSample | None) -> list[SampleRow]:
        if self.phase in (Phase.CHECK, Phase.DONE):
            return []
        if self._second_start is None:
            self._second_start, self._second_phase = t, self.phase
        rows = []
        if t - self._second_start >= 1.0 or self.phase != self._second_phase:
            rows.append(self._second_row())
            self._second, self._second_start, self._second_phase = [], t, self.phase
        self._second.append((measure, sample))
        return rows

    def _second_row(self) -> SampleRow:
        """One second of session, for the log: medians over the second's measured frames."""
        frames = self._second
        measured = [(m, smp) for m, smp in frames if m is not None and m.usable and smp is not None]
        values = median_measures(
            [{r: v.diff for r, v in m.regions.items()} for m, _ in measured],
            [smp.values for _, smp in measured],
            [smp.index for _, smp in measured],
        )
        return SampleRow(
            round(self._second_start, 3), values, len(measured) / max(len(frames), 1), self._second_phase.value
        )

    def flush(self) -> list[SampleRow]:
        """The last, partial second (at the end of a session)."""
        rows = [self._second_row()] if self._second else []
        self._second = []
        return rows

    # -- output ------------------------------------------------------------------------
    def _view(self) -> View:
        length = self._phase_length()
        progress = min(1.0, (self._active - self._phase_start) / length) if length > 0 else 0.0
        order = [Phase.CALIBRATE, Phase.BEFORE, Phase.RELAX, Phase.AFTER]
        lengths = {
            Phase.CALIBRATE: self.s.calibrate_s if self._learn else 0.0,
            Phase.BEFORE: self.s.before_s,
            Phase.RELAX: self.s.relax_s,
            Phase.AFTER: self.s.after_s,
        }
        total = sum(lengths.values())
        passed = 0.0
        for p in order:
            if p == self.phase:
                passed += progress * lengths[p]
                break
            passed += lengths[p] if self.phase != Phase.CHECK else 0.0
        session_progress = 1.0 if self.phase == Phase.DONE else (passed / total if total else 0.0)
        phase_left = None if self.phase == Phase.CHECK else max(0.0, length - (self._active - self._phase_start))
        session_left = 0.0 if self.phase == Phase.DONE else max(0.0, total - passed)
        cycle = 60.0 / self.s.breaths_per_min
        phase_t = (self._active % cycle) / cycle
        inhale = self.s.inhale_share
        if phase_t < inhale:
            pacer, label = 0.5 - 0.5 * math.cos(math.pi * phase_t / inhale), "breathe in"
        else:
            pacer, label = 0.5 + 0.5 * math.cos(math.pi * (phase_t - inhale) / (1 - inhale)), "breathe out"
        message, kind = self._message if self._message else (None, None)
        if self._paused:
            message, kind = PAUSED, "paused"
        # CHECK often passes in a second: the first session's explanation stays up while it
        # learns the relaxed face, which asks only for a still face.
        intro = self._intro if self.phase in (Phase.CHECK, Phase.CALIBRATE) else ()
        return View(
            self.phase,
            progress,
            session_progress,
            message,
            kind,
            pacer,
            label,
            dict(self._last_values),
            self._paused,
            self.tracker.baseline_kind,
            phase_left,
            session_left,
            self._instructions[self.phase],
            intro,
        )

    def summary(self) -> SessionSummary:
        return SessionSummary(
            self._windows[Phase.BEFORE].summary(),
            self._windows[Phase.AFTER].summary(),
            len(self._twitches),
            self._relaxed_s,
            self._relax_elapsed,
            completed=self.phase == Phase.DONE and not self.stopped_early,
            baseline=self.tracker.baseline_kind,
            twitch_events=tuple(self._twitches),
        )
