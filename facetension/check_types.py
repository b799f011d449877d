"""The movement check's results: pure, frozen data (movement.py finds and measures the
movements, check_score.py grades them, storage logs them)."""

from __future__ import annotations

from dataclasses import dataclass

SIDES = ("left", "right")
ESTIMATE = "Estimates from a webcam, not a clinical grade."  # said wherever a check's figures are shown
# The per-side features followed through the check, each in mm from the check's own rest,
# in the head frame: brow height, eye opening, the mouth corner's height and its distance
# from the midline, the alar base's height, and the upper lip's height beside the philtrum.
FEATURES = ("brow", "eye", "corner_up", "corner_out", "alar", "lip")
# A check without a rest to measure from (movement.rest_problem) says how to begin again.
REST_AGAIN = "Begin again with a few seconds of rest, eyes open, looking at the screen."


@dataclass(frozen=True)
class Pair:
    """A figure per side of the face (the subject's own left and right); None: not measured."""

    left: float | None
    right: float | None

    def of(self, side: str) -> float | None:
        return self.left if side == "left" else self.right

    def to_json(self, digits: int = 2) -> dict:
        r = lambda v: None if v is None else round(float(v), digits)  # noqa: E731
        return {"left": r(self.left), "right": r(self.right)}


@dataclass(frozen=True)
class Synkinesis:
    """Unwanted movement elsewhere during one movement, per side, graded 0–3."""

    watched: str  # "eye": its narrowing (during mouth movements); "mouth": the corner's movement
    mm: Pair  # eye: narrowing in mm (+ narrower); mouth: how far the corner moved
    percent: Pair | None  # eye only: the narrowing as a share (%) of its resting opening
    grade: tuple[int, int]  # (left, right), 0 none .. 3 severe

    def to_json(self) -> dict:
        return {
            "watched": self.watched,
            "mm": self.mm.to_json(),
            "percent": None if self.percent is None else self.percent.to_json(1),
            "grade": {"left": self.grade[0], "right": self.grade[1]},
        }


@dataclass(frozen=True)
class MovementResult:
    """One movement of the set, as found in the clip (its repetitions pooled)."""

    movement: str  # a check_plan.MOVEMENT_KEYS key
    times: tuple[tuple[float, float], ...]  # (start_s, end_s) of each repetition found
    excursion_mm: Pair  # how far each side moved from rest (eye_close: the lids' travel)
    ratio: float | None  # the weaker side's excursion over the stronger's, 0..1
    weaker: str | None  # "left" | "right", or None when the sides agree within tolerance
    grade: int  # Sunnybrook-like voluntary movement grade 1 (unable) .. 5 (complete)
    synkinesis: Synkinesis
    closure: Pair | None = None  # eye_close: share of each eye's resting opening closed (0..1)
    lids_meet: tuple[bool, bool] | None = None  # eye_close: (left, right) closed completely

    @property
    def reps(self) -> int:
        return len(self.times)

    def to_json(self) -> dict:
        out = {
            "movement": self.movement,
            "reps": self.reps,
            "times_s": [[round(a, 2), round(b, 2)] for a, b in self.times],
            "excursion_mm": self.excursion_mm.to_json(),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "weaker_side": self.weaker,
            "grade": self.grade,
            "synkinesis": self.synkinesis.to_json(),
        }
        if self.closure is not None:
            out["closure"] = self.closure.to_json(3)
            out["lids_meet"] = {"left": self.lids_meet[0], "right": self.lids_meet[1]} if self.lids_meet else None
        return out


@dataclass(frozen=True)
class Scores:
    """Sunnybrook-like composites, estimated from a webcam: not a clinical grade.

    voluntary: 4 × the sum of the five standard expressions' grades (20..100);
    synkinesis: the sum of their worse side's synkinesis grades (0..15);
    resting: the resting symmetry score (0..20, 0 symmetric) from the check's own rest;
    composite: voluntary − resting − synkinesis (Sunnybrook's formula);
    dynamic: eFACE-like, the mean weaker/stronger ratio of the movements found, in %.
    A score that needs a missing movement is None, never a zero."""

    voluntary: int | None
    synkinesis: int | None
    resting: int | None
    composite: int | None
    dynamic: float | None

    def to_json(self) -> dict:
        return {
            "voluntary_movement": self.voluntary,
            "synkinesis": self.synkinesis,
            "resting_symmetry": self.resting,
            "composite": self.composite,
            "dynamic_symmetry_pct": None if self.dynamic is None else round(self.dynamic, 1),
            "label": ESTIMATE[0].lower() + ESTIMATE[1:-1],
        }


@dataclass(frozen=True)
class TraceRow:
    """The check at a coarse rate: one row per TRACE_STEP_S (movement.py)."""

    t_s: float
    movement: str | None  # the movement found at this time, None at rest
    values: dict[str, Pair]  # FEATURES → mm from rest


@dataclass(frozen=True)
class CheckResult:
    duration_s: float
    frames: int  # frames read
    measured: int  # frames with a usable face
    rest_s: float  # seconds of rest the movements are measured from
    rest_mm: dict[str, Pair]  # the resting face: FEATURES' absolute values (eye: opening, etc.)
    movements: tuple[MovementResult, ...]  # found, in the set's order
    missing: tuple[str, ...]  # movements of the set not found
    order: tuple[str, ...]  # the movements as found in time (one entry per repetition)
    in_order: bool  # the movements came in the set's order
    scores: Scores
    trace: tuple[TraceRow, ...] = ()
    rest_problem: str | None = None  # why no rest could be measured from (then nothing is scored)

    def movement(self, key: str) -> MovementResult | None:
        return next((m for m in self.movements if m.movement == key), None)

    def to_json(self) -> dict:
        return {
            "duration_s": round(self.duration_s, 2),
            "frames": self.frames,
            "frames_measured": self.measured,
            "rest_s": round(self.rest_s, 2),
            "rest_mm": {k: v.to_json() for k, v in self.rest_mm.items()},
            "movements": [m.to_json() for m in self.movements],
            "missing": list(self.missing),
            "order_found": list(self.order),
            "in_order": self.in_order,
            "scores": self.scores.to_json(),
            "rest_problem": self.rest_problem,
        }
