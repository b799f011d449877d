"""The weekly movement check's set: which movements, in which order, their cues, and the
clock that only paces the cues (pure data; no I/O).

The clock never decides what a movement was: movement.py finds each movement by what the
face does, so a recording of someone following the set at their own pace scores the same.

Every cue asks for a gentle movement at about half strength. After facial palsy, forcing a
movement recruits the regrown, miswired fibres hardest, which is what strengthens
synkinesis; therapists teach small, slow, controlled movements for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Movement:
    key: str
    name: str  # for tables and the report
    cue: str  # the on-screen instruction
    sunnybrook: bool  # one of Sunnybrook's five standard expressions


MOVEMENTS = (
    Movement("brow_raise", "Brow raise", "Gently raise your eyebrows", True),
    # The eyes are closed through the hold: the cue says when to open them, as no text can.
    Movement("eye_close", "Eye closure", "Gently close your eyes for a slow count of three", True),
    Movement("smile_closed", "Closed smile", "Smile gently, lips closed", False),
    Movement("smile_open", "Open smile", "Smile gently, showing your teeth", True),
    Movement("snarl", "Snarl", "Gently wrinkle your nose", True),
    Movement("pucker", "Pucker", "Gently pucker your lips, as for a kiss", True),
)
MOVEMENT_KEYS = tuple(m.key for m in MOVEMENTS)
BY_KEY = {m.key: m for m in MOVEMENTS}
MOUTH_MOVEMENTS = ("smile_closed", "smile_open", "snarl", "pucker")  # the eyes are watched for synkinesis
EYE_MOVEMENTS = ("brow_raise", "eye_close")  # the mouth corners are watched for synkinesis

HALF_STRENGTH = "about half strength"  # every cue says it
REST_CUE = "Rest with your head still, and let your face go soft"  # a nod reads as movement (check_run.py)
RELEASE_CUE = "Let it go"

REST_S = 6.0  # the resting face the movements are measured from
HOLD_S = 3.0  # each movement is held this long ...
BETWEEN_S = 2.0  # ... then released for this long
REPS = 3


@dataclass(frozen=True)
class Step:
    start_s: float
    end_s: float
    kind: str  # "rest" | "hold" | "release"
    movement: str | None = None  # for "hold" and "release"
    rep: int = 0  # 1..reps for "hold" and "release"

    @property
    def text(self) -> str:
        if self.kind == "hold":
            return f"{BY_KEY[self.movement].cue}, {HALF_STRENGTH}"
        return RELEASE_CUE if self.kind == "release" else REST_CUE


def plan(
    movements: tuple[str, ...] = MOVEMENT_KEYS,
    reps: int = REPS,
    rest_s: float = REST_S,
    hold_s: float = HOLD_S,
    between_s: float = BETWEEN_S,
) -> tuple[Step, ...]:
    """The set as timed steps: rest, then each movement `reps` times (hold, release)."""
    for key in movements:
        if key not in BY_KEY:
            raise ValueError(f"unknown movement {key!r}; expected one of {MOVEMENT_KEYS}")
    if reps < 1 or min(rest_s, hold_s, between_s) <= 0:
        raise ValueError("reps must be ≥ 1 and every duration > 0")
    steps = [Step(0.0, rest_s, "rest")]
    t = rest_s
    for key in movements:
        for rep in range(1, reps + 1):
            steps.append(Step(t, t + hold_s, "hold", key, rep))
            steps.append(Step(t + hold_s, t + hold_s + between_s, "release", key, rep))
            t += hold_s + between_s
    return tuple(steps)


def step_at(steps: tuple[Step, ...], t_s: float) -> Step | None:
    """The step at time t_s, or None once the set is over."""
    for step in steps:
        if step.start_s <= t_s < step.end_s:
            return step
    return None


def duration(steps: tuple[Step, ...]) -> float:
    return steps[-1].end_s if steps else 0.0
