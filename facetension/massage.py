"""The guided gentle self-massage: its zones, their order, and the guide through them.

Pure: the "before" measurement's tension and the times come in; the step to show and what
to log go out. The zones' places on the face are massage_zones.py's.

Order: the zones where "before" found the most tension come first, and a zone with two
sides starts on its tenser side. When the time asked for is short, the least tense zones
are the ones left out (a step is never shorter than MIN_STEP_S: a few seconds of massage
do nothing but hurry the person).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .tension import SIDES

MIN_STEP_S = 10.0  # shorter steps only hurry the person
MAX_STEP_S = 30.0  # longer ones, on a long massage, leave room for a second round


@dataclass(frozen=True)
class Zone:
    name: str  # as the log keeps it
    title: str  # as the person reads it; "{side}" is the person's own side
    region: str  # the tension region (tension.TENSION_REGIONS) whose "before" orders it
    sided: bool  # one step per side, or one for both
    how: str  # what to do; "{side}" is the person's own side


# Top to bottom, as a massage therapist would go when nothing stands out.
ZONES = (
    Zone("forehead", "forehead", "brow", False, "Slow small circles across your forehead with your fingertips"),
    Zone("temple", "{side} temple", "brow", True, "Slow small circles on your {side} temple, very light"),
    Zone("eye", "around the {side} eye", "eye", True, "Close your eyes; stroke very lightly around your {side} eye"),
    Zone("cheek", "{side} cheek", "cheek", True, "Slow small circles on your {side} cheek with two fingertips"),
    Zone(
        "jaw", "{side} jaw muscle", "jaw", True, "Circles on your {side} jaw muscle, below the cheekbone; teeth apart"
    ),
    Zone("mouth", "around the mouth", "mouth", False, "Light strokes around your mouth, from the middle outwards"),
    Zone("chin", "chin", "chin", False, "Small circles on your chin with two fingertips"),
    Zone("neck", "neck", "jaw", False, "Stroke gently down the sides of your neck, one hand at a time"),
    Zone("ear", "behind the {side} ear", "jaw", True, "Small circles behind your {side} ear, light pressure"),
)
ZONE_NAMES = tuple(z.name for z in ZONES)
BY_NAME = {z.name: z for z in ZONES}

PLEASANT = "Massage should feel pleasant. If it hurts, press less or stop (p)"
PAIN_ADVICE = "Press more lightly, or leave this zone out. Moving on to the next one"
NEXT = "Next: {title}"


@dataclass(frozen=True)
class Step:
    zone: str
    side: str | None  # the person's own side, or None for both

    @property
    def title(self) -> str:
        return BY_NAME[self.zone].title.format(side=self.side or "")

    @property
    def how(self) -> str:
        return BY_NAME[self.zone].how.format(side=self.side or "")


def plan(before: Mapping[tuple[str, str], float | None], total_s: float) -> tuple[tuple[Step, ...], float]:
    """The steps, tensest zone first and its tenser side first, and each step's length, to
    fill total_s. `before`: the "before" measurement's tension by (region, side)."""
    if total_s <= 0:
        return (), 0.0

    def level(zone: Zone, side: str) -> float:
        v = before.get((zone.region, side))
        return -1.0 if v is None else float(v)  # not measured: after every measured zone

    ranked = sorted(
        range(len(ZONES)),
        key=lambda i: (-max(level(ZONES[i], s) for s in SIDES), i),  # ties keep the top-to-bottom order
    )
    steps: list[Step] = []
    for i in ranked:
        z = ZONES[i]
        if not z.sided:
            steps.append(Step(z.name, None))
        else:
            first = max(SIDES, key=lambda s: (level(z, s), s == "left"))
            steps += [Step(z.name, first), Step(z.name, "right" if first == "left" else "left")]
    rounds = math.ceil(total_s / (len(steps) * MAX_STEP_S))  # a long massage goes round again
    steps *= rounds
    keep = max(1, min(len(steps), int(total_s / MIN_STEP_S + 1e-9)))  # short: the least tense left out
    return tuple(steps[:keep]), total_s / keep


@dataclass(frozen=True)
class GuideState:
    """What the window shows during the massage."""

    step: Step
    index: int  # 0-based
    count: int
    step_left_s: float
    next_step: Step | None


class MassageGuide:
    """Steps through the plan on the session's active time. A pain report ends the step at
    once (and is logged with it); each step's time spent is kept for the log."""

    def __init__(self, steps: tuple[Step, ...], step_s: float):
        if not steps:
            raise ValueError("a massage needs at least one step")
        self.steps, self.step_s = steps, step_s
        self._i = 0
        self._step_start: float | None = None
        self.done_steps: list[tuple[Step, float, float, bool]] = []  # step, start, duration, hurt

    @property
    def finished(self) -> bool:
        return self._i >= len(self.steps)

    @property
    def total_s(self) -> float:
        return self.step_s * len(self.steps)

    def _close(self, t: float, hurt: bool) -> Step:
        step = self.steps[self._i]
        start = t if self._step_start is None else self._step_start
        self.done_steps.append((step, start, max(0.0, t - start), hurt))
        self._i += 1
        self._step_start = t
        return step

    def tick(self, t: float) -> list[tuple[Step, float, float, bool]]:
        """Advance to time t (active session time); the steps that ended."""
        ended = []
        if self._step_start is None:
            self._step_start = t
        while not self.finished and t - self._step_start >= self.step_s:
            at = self._step_start + self.step_s
            self._close(at, False)
            ended.append(self.done_steps[-1])
        return ended

    def pain(self, t: float) -> tuple[Step, float, float, bool] | None:
        """'This hurts': the step ends now; None when the massage is over."""
        if self.finished:
            return None
        self._close(t, True)
        return self.done_steps[-1]

    def stop(self, t: float) -> tuple[Step, float, float, bool] | None:
        """The session ends mid-step: keep the time spent on it."""
        if self.finished or self._step_start is None:
            return None
        self._close(t, False)
        return self.done_steps[-1]

    def state(self, t: float) -> GuideState | None:
        if self.finished:
            return None
        start = t if self._step_start is None else self._step_start
        nxt = self.steps[self._i + 1] if self._i + 1 < len(self.steps) else None
        return GuideState(self.steps[self._i], self._i, len(self.steps), max(0.0, self.step_s - (t - start)), nxt)

    def left_s(self, t: float) -> float:
        """Time left in the whole massage."""
        state = self.state(t)
        return 0.0 if state is None else state.step_left_s + self.step_s * (len(self.steps) - self._i - 1)
