"""The practice session's types: its settings, a frame as the live loop saw it, an event it
says or logs, the view to draw. Pure data (session.py holds the logic)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .blinks import SIDES, Blink
from .face import Face
from .learn import MIN_CALIBRATION_S
from .logrecords import Key, Measures, median_measures
from .massage import GuideState
from .metrics import FrameMeasure
from .practice_words import Phase
from .tracker import TwitchEvent


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
    # A head tilted sideways (resting on a hand, lying in bed) beyond this is asked to come
    # level: the mesh reads a face rolled 20° up to 1 mm off its upright reading, 30° 1.5 mm.
    max_roll_deg: float = 20.0
    min_face_share: float = 0.2  # face height over frame height
    max_face_share: float = 0.8
    centre_tolerance: float = 0.25  # face centre within ±25 % of the frame from the middle
    min_brightness: float = 60.0  # mean grey level over the face
    massage_s: float = 0.0  # the guided self-massage after "before" (0: none)
    after_massage_s: float = 15.0  # the resting measurement after it ...
    settle_s: float = 2.0  # ... once the face has been clear (no hands) and still this long
    # Eyes shut this long while the face is measured (learnt, or rested before and after) are
    # asked to open: closed lids hide what is measured (metrics.FrameMeasure.eyes_shut). The
    # words stay a little after the eyes open, to be read.
    eyes_shut_notice_s: float = 2.0
    open_eyes_linger_s: float = 3.0
    evening: bool = False  # the evening wind-down's quieter words (its pacer: breaths_per_min)

    @classmethod
    def fitted(cls, duration_s: float, calibrate: bool, massage_s: float = 0.0, **given) -> PracticeSettings:
        """Phase lengths for a recorded clip of `duration_s`: the whole loop fits in it
        (calibration ~22 %, before and after ~18 % each, the rest relaxation; a massage
        keeps its length, and its resting measurement and settling come off the rest)."""
        after_massage = min(15.0, 0.15 * duration_s) if massage_s else 0.0
        usable = max(duration_s - 1.5 - (massage_s + after_massage + 2.0 if massage_s else 0.0), 6.0)
        # The calibration needs at least MIN_CALIBRATION_S of still face (plus the tracker's start).
        cal = min(12.0, max(0.22 * usable, MIN_CALIBRATION_S + 1.0)) if calibrate else 0.0
        rest = min(20.0, 0.18 * usable)
        return cls(
            relax_s=max(usable - cal - 2 * rest, 1.0),
            before_s=rest,
            after_s=rest,
            calibrate_s=max(cal, 1.0),
            massage_s=massage_s,
            after_massage_s=after_massage or cls.after_massage_s,
            **given,
        )


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
    kind: str  # "prompt" | "praise" | "warning" | "check" | "twitch" | "phase" | "blink" (logged, not said)
    text: str  # what the person reads
    region: str | None = None
    side: str | None = None
    phase: Phase | None = None  # a "phase" event: the phase entered
    twitch: TwitchEvent | None = None  # a "twitch" event: what the tracker found
    duration_s: float | None = None  # a massage step: the time spent on it
    logged: bool = True  # False: said (a massage step's start), logged when the step ends
    amplitude: float | None = None  # a "blink" event: that eye's completeness (0..1)


BLINK_WORDS = "blink: {side} eye closed {share:.0%}"


def blink_events(b: Blink) -> list[Event]:
    """A blink for the log: two "blink" events, left then right (see logrecords.EVENT_KINDS),
    each at that eye's closing time (the blink's start for an eye that hardly closed)."""
    return [
        Event(
            round(b.t_s if b.closed_s(side) is None else b.closed_s(side), 3),
            "blink",
            BLINK_WORDS.format(side=side, share=b.completeness(side)),
            "eye",
            side,
            duration_s=round(b.duration_s, 3),
            amplitude=round(b.completeness(side), 3),
        )
        for side in SIDES
    ]


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
    massage: GuideState | None = None  # the massage step to show on the face


@dataclass
class Window:
    """Frames collected for a resting measurement."""

    diffs: list = field(default_factory=list)
    tension: list = field(default_factory=list)
    index: list = field(default_factory=list)

    def summary(self) -> Measures | None:
        """Medians over the window's frames; None when nothing was measured."""
        if not self.diffs and not self.tension:
            return None
        return median_measures(self.diffs, self.tension, self.index)
