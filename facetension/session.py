"""The guided relaxation practice: phases, checks, prompts, praise and summaries.

Pure session logic: frames' measurements and times come in, a view to draw and events to
log go out. No I/O, no clock, no window: the live loop (live.py) does those.

    CHECK → (CALIBRATE, first time only) → BEFORE → (MASSAGE → AFTER_MASSAGE) → RELAX → AFTER → DONE

The massage (massage.py guides it) measures nothing: hands are on the face. The "after
massage" measurement starts once the face has been clear and still for settle_s.
"""

from __future__ import annotations

import math

from .baselines import Baseline
from .blinks import BlinkDetector
from .errors import NoUsableFaceError
from .learn import baseline_from
from .lid_profiles import lids_of
from .logrecords import Key, SampleRow, SessionSummary, median_measures
from .massage import PAIN_ADVICE, PLEASANT, MassageGuide, Step, plan
from .metrics import FrameMeasure
from .practice_types import Event, FrameInput, PracticeSettings, View, Window, blink_events
from .practice_words import (
    BILATERAL,
    CHECK_MESSAGES,
    EVENING_INSTRUCTIONS,
    FACE_LOST,
    INTRO,
    INTRO_MASSAGE,
    OPEN_EYES,
    PAUSED,
    PHASE_INSTRUCTIONS,
    PHASE_TITLES,
    PRAISE,
    PROMPTS,
    SETTLE,
    TWO_FACES,
    Phase,
    prompt_text,
    span,
)
from .tension import ShutEyes
from .tracker import Reading, TensionSample, TensionTracker, TwitchEvent

# A first session still learning the relaxed face tries again this often (active seconds).
LEARN_RETRY_S = 1.0
BLINK_BARS_S = 0.5  # eyes shut longer than a blink (blinks.MAX_BLINK_S) show no eye tension


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
        self.blinks = BlinkDetector()  # each eye's closure, blink by blink (logged, not said)
        self.phase = Phase.CHECK
        self._phase_start = 0.0  # active (unpaused) time at which the phase began
        self._active = 0.0  # session time that counts (paused time does not)
        self._last_t: float | None = None
        self._paused = False
        self._check_ok_since: float | None = None
        self._calib: list = []
        self._learn_retry_at = 0.0  # active time of the next try at learning the relaxed face
        self._windows = {Phase.BEFORE: Window(), Phase.AFTER_MASSAGE: Window(), Phase.AFTER: Window()}
        self._guide: MassageGuide | None = None
        self._clear_since: float | None = None  # after the massage: face clear and still since
        self._settled = False
        self._over_since: dict[Key, float] = {}
        self._last_prompt_t = -math.inf
        self._last_said: dict[str, float] = {}
        self._prompted: tuple[Key, float, float] | None = None  # key, time, tension at prompt
        self._message: tuple[str, str] | None = None
        self._warned_two_faces = False
        self._face_lost = False
        self._eyes = ShutEyes()  # the tracker's blink, also while it is not run (learning)
        self._shut_from: float | None = None  # the eyes shut (a blink, or held shut) since
        self._opened_at: float | None = None
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
            massage=span(settings.massage_s),
            after_massage=span(settings.after_massage_s),
            relax=span(settings.relax_s),
            after=span(settings.after_s),
        )
        words = {**PHASE_INSTRUCTIONS, **(EVENING_INSTRUCTIONS if settings.evening else {})}
        self._instructions = {p: text.format(**lengths) for p, text in words.items()}
        total = sum(self._lengths().values())
        intro = INTRO_MASSAGE if settings.massage_s else INTRO
        self._intro = tuple(line.format(total=span(total), **lengths) for line in intro) if self._learn else ()

    # -- controls ------------------------------------------------------------------
    def toggle_pause(self) -> bool:
        self._paused = not self._paused
        return self._paused

    def stop(self) -> list[Event]:
        """The user ends the session (q, Esc, window closed); a massage step cut short is
        logged with the time spent on it."""
        events: list[Event] = []
        if self.phase != Phase.DONE:
            if self.phase == Phase.MASSAGE and self._guide is not None:
                self._step_event(self._guide.stop(self._active), events)
            self.stopped_early = True
            self.phase = Phase.DONE
        return events

    def pain(self) -> list[Event]:
        """'This hurts' (p) during the massage: advice, and on to the next zone."""
        if self.phase != Phase.MASSAGE or self._guide is None or self._paused:
            return []
        ended = self._guide.pain(self._active)
        if ended is None:
            return []
        events: list[Event] = []
        self._step_event(ended, events)
        t = self._last_t or 0.0
        events.append(Event(t, "pain", PAIN_ADVICE, ended[0].zone, ended[0].side))
        self._message = (PAIN_ADVICE, "warning")
        self._next_step(t, events)
        return events

    @property
    def paused(self) -> bool:
        return self._paused

    def view(self) -> View:
        return self._view()

    @property
    def done(self) -> bool:
        return self.phase == Phase.DONE

    def _lengths(self) -> dict[Phase, float]:
        """The planned phases' lengths, in order (a massage's as planned once it starts)."""
        massage = self._guide.total_s if self._guide is not None else self.s.massage_s
        return {
            Phase.CALIBRATE: self.s.calibrate_s if self._learn else 0.0,
            Phase.BEFORE: self.s.before_s,
            Phase.MASSAGE: massage,
            Phase.AFTER_MASSAGE: self.s.after_massage_s if self.s.massage_s else 0.0,
            Phase.RELAX: self.s.relax_s,
            Phase.AFTER: self.s.after_s,
        }

    def _phase_length(self) -> float:
        if self.phase == Phase.CALIBRATE:
            return self.s.calibrate_s
        return self._lengths().get(self.phase, 0.0)

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
        if self.phase == Phase.MASSAGE:  # hands on the face: nothing is measured
            self.tracker.update(None, f.t_s)
            self._massage(f.t_s, events)
            return self._view(), events, rows

        problem = self._problem(f)
        usable = problem is None
        reading = None
        if usable:
            reading = Reading.of(f.face, f.measure)
        if (blink := self.blinks.update(f.t_s, lids_of(f.measure) if usable else None)) is not None:
            events += blink_events(blink)
        if problem and not self._face_lost and (self.phase != Phase.AFTER_MASSAGE or self._settled):
            self._face_lost = True
            text = FACE_LOST if problem == "no-face" else CHECK_MESSAGES[problem]
            self._message = (text, "warning")
            events.append(Event(f.t_s, "warning", text))
        elif usable and self._face_lost:
            self._face_lost = False
            self._message = None
        if self._eyes.update(f.face.blendshapes if usable else None, f.measure, self.tracker.rest):
            self._shut_from = f.t_s if self._shut_from is None else self._shut_from
        else:
            self._shut_from = None
        self._ask_eyes_open(f.t_s, events)

        if self.phase == Phase.CALIBRATE:
            self._calib.append((f.t_s, f.face if usable else None, f.measure if usable else None))
        sample = None if self.phase == Phase.CALIBRATE else self.tracker.update(reading, f.t_s)
        if sample is not None:
            for e in sample.events:
                self._twitches.append(e)
                rate = f", {e.frequency_hz:.0f} Hz" if e.frequency_hz is not None else ""  # kept in the log's text
                events.append(Event(e.t_s, "twitch", f"twitch: {e.side} {e.region}{rate}", e.region, e.side, twitch=e))
            # The eye's tension is not read while the eyes are shut: its bars keep their last
            # reading through a blink, and are emptied when the eyes stay shut.
            brief = self._shut_from is not None and f.t_s - self._shut_from < BLINK_BARS_S
            self._last_values = {**(self._last_values if brief else {}), **sample.values}
        if self.phase == Phase.AFTER_MASSAGE and not self._settled:
            self._settle(f, sample, usable, events)
            return self._view(), events, rows
        measure = f.measure if usable else None
        if measure is not None and sample is not None and sample.blink:
            measure = measure.eyes_shut()  # a blink, or held shut since one (tension.ShutEyes)
        self._collect(measure, sample, usable)
        if self.phase == Phase.RELAX and sample is not None:
            self._relax_elapsed += dt
            if sample.index <= self.s.relaxed_index:
                self._relaxed_s += dt
            self._coach(sample, f.t_s, events)
        rows += self._per_second(f.t_s, measure, sample)
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
        if f.measure is not None and "covered" in f.measure.excluded:
            return "covered"
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
        if m is not None and "out-of-frame" in m.excluded:  # centred enough, yet over an edge:
            x0, y0, x1, y1 = f.face.box  # too big for the picture (an upright phone's), or off to one side
            return "back" if x1 - x0 >= w or y1 - y0 >= h else "centre"
        if m is not None and abs(m.roll_deg) > self.s.max_roll_deg:  # before "frontal": a roll
            return "level"  # past metrics.MAX_ROLL_DEG is a "pose" too, and needs this advice
        if m is None or "pose" in m.excluded or max(abs(m.yaw_deg), abs(m.pitch_deg)) > self.s.max_angle_deg:
            return "frontal"
        if f.brightness is not None and f.brightness < self.s.min_brightness:
            return "light"
        return None

    def _ask_eyes_open(self, t: float, events: list[Event]) -> None:
        """While the face is measured, eyes shut for eyes_shut_notice_s are asked to open; the
        words go open_eyes_linger_s after they do (or at once when the measuring is over)."""
        measuring = self.phase in (Phase.CALIBRATE, Phase.BEFORE, Phase.AFTER) or (
            self.phase == Phase.AFTER_MASSAGE and self._settled
        )
        asking = self._message == (OPEN_EYES, "warning")
        if self._shut_from is not None and measuring:
            self._opened_at = None
            if not asking and t - self._shut_from >= self.s.eyes_shut_notice_s:
                self._message = (OPEN_EYES, "warning")
                events.append(Event(t, "warning", OPEN_EYES))
            return
        if asking:
            self._opened_at = t if self._opened_at is None else self._opened_at
            if not measuring or t - self._opened_at >= self.s.open_eyes_linger_s:
                self._message, self._opened_at = None, None

    def _enter(self, phase: Phase, t_s: float, events: list[Event]) -> None:
        self.phase = phase
        self._phase_start = self._active
        events.append(Event(t_s, "phase", PHASE_TITLES[phase], phase=phase))

    def _advance(self, t_s: float, events: list[Event]) -> None:
        if self._active - self._phase_start < self._phase_length():
            return
        if self.phase == Phase.CALIBRATE:
            if self._active < self._learn_retry_at:
                return
            try:
                self.new_baseline = baseline_from(self._calib, self.source_name, "")
            except (NoUsableFaceError, ValueError):
                # Not enough still, frontal, open-eyed frames yet: keep learning, and try again
                # in a while (a try reads every frame so far: each frame would cost more).
                self._learn_retry_at = self._active + LEARN_RETRY_S
                return
            self.baseline = self.new_baseline
            self.tracker = TensionTracker.for_baseline(self.baseline)
            self._calib = []
            self._enter(Phase.BEFORE, t_s, events)
        elif self.phase == Phase.BEFORE and self.s.massage_s > 0:
            self._start_massage(t_s, events)
        elif self.phase in (Phase.BEFORE, Phase.AFTER_MASSAGE):
            self._end_coaching()
            self._enter(Phase.RELAX, t_s, events)
        elif self.phase == Phase.RELAX:
            self._end_coaching()
            self._enter(Phase.AFTER, t_s, events)
        elif self.phase == Phase.AFTER:
            self._enter(Phase.DONE, t_s, events)

    def _end_coaching(self) -> None:
        """A new phase: the last prompt or praise goes; a warning stays while its problem
        does (a face lost over the phase's end was left without a word until it came back)."""
        if not self._face_lost:
            self._message = None

    # -- the massage -------------------------------------------------------------------
    def _start_massage(self, t: float, events: list[Event]) -> None:
        before = self._windows[Phase.BEFORE].summary()
        steps, step_s = plan(before.tension if before else {}, self.s.massage_s)
        self._guide = MassageGuide(steps, step_s)
        self._enter(Phase.MASSAGE, t, events)
        self._message = (PLEASANT, "check")
        events.append(Event(t, "check", PLEASANT))
        self._guide.tick(self._active)
        self._next_step(t, events)

    def _massage(self, t: float, events: list[Event]) -> None:
        for ended in self._guide.tick(self._active):
            self._step_event(ended, events, t)
            self._next_step(t, events)
        if self._guide.finished:
            self._message = (SETTLE, "check")
            self._clear_since, self._settled = None, False
            self._enter(Phase.AFTER_MASSAGE, t, events)
            events.append(Event(t, "check", SETTLE))

    def _next_step(self, t: float, events: list[Event]) -> None:
        """Say the step that starts now (logged when it ends, with its length)."""
        state = self._guide.state(self._active)
        if state is not None:
            title = state.step.title[0].upper() + state.step.title[1:]
            text = f"{title}: {state.step.how[0].lower()}{state.step.how[1:]}"
            events.append(Event(t, "massage", text, state.step.zone, state.step.side, logged=False))

    def _step_event(self, ended: tuple[Step, float, float, bool] | None, events: list[Event], t=None) -> None:
        """A step that ended, for the log: its zone, side, start (session time) and length."""
        if ended is None:
            return
        step, start, duration, _ = ended
        now = self._last_t if t is None else t
        at = max(0.0, (now or 0.0) - (self._active - start))  # active time → the frames' time
        events.append(Event(at, "massage", step.title, step.zone, step.side, duration_s=round(duration, 3)))

    def _settle(self, f: FrameInput, sample: TensionSample | None, usable: bool, events: list[Event]) -> None:
        """After the massage: wait for a face clear of hands and still for settle_s, then
        start the phase's clock and measure."""
        still = usable and not (sample is not None and sample.moving)  # a blink is still (its sample: None)
        if not still:
            self._clear_since = None
            return
        if self._clear_since is None:
            self._clear_since = self._active
        if self._active - self._clear_since >= self.s.settle_s:
            self._settled = True
            self._phase_start = self._active
            self._message = None

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
        for key in [k for k in self._over_since if k not in sample.values]:  # not read (eyes shut)
            del self._over_since[key]
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
    def _collect(self, measure: FrameMeasure | None, sample: TensionSample | None, usable: bool) -> None:
        window = self._windows.get(self.phase)
        if window is None or not usable or sample is None:
            return
        if measure is not None and measure.usable:
            window.diffs.append({r: v.diff for r, v in measure.regions.items()})
        window.tension.append(dict(sample.values))
        window.index.append(sample.index)

    def _per_second(self, t: float, measure: FrameMeasure | None, sample: TensionSample | None) -> list[SampleRow]:
        if self.phase in (Phase.CHECK, Phase.DONE, Phase.MASSAGE):  # the massage: hands on the face
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
        waiting = self.phase == Phase.AFTER_MASSAGE and not self._settled
        in_phase = 0.0 if waiting else self._active - self._phase_start
        if self.phase == Phase.MASSAGE and self._guide is not None:
            in_phase = length - self._guide.left_s(self._active)
        progress = min(1.0, in_phase / length) if length > 0 else 0.0
        lengths = self._lengths()
        total = sum(lengths.values())
        passed = 0.0
        for p in lengths:
            if p == self.phase:
                passed += progress * lengths[p]
                break
            passed += lengths[p] if self.phase != Phase.CHECK else 0.0
        session_progress = 1.0 if self.phase == Phase.DONE else (passed / total if total else 0.0)
        phase_left = None if self.phase == Phase.CHECK else max(0.0, length - in_phase)
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
            self._guide.state(self._active) if self.phase == Phase.MASSAGE and self._guide else None,
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
            after_massage=self._windows[Phase.AFTER_MASSAGE].summary(),
            massage_s=None if self._guide is None else sum(d for _, _, d, _ in self._guide.done_steps),
            blink_events=tuple(self.blinks.blinks),
            blinks=self.blinks.summary(),
            small_face=2 * self.tracker.frames_small > self.tracker.frames_read,
            slow_frames=2 * self.tracker.frames_slow > self.tracker.frames_read,
        )
