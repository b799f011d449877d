"""The weekly movement check (issue 15) against scripted movements of real faces: ratios,
sides, synkinesis grades, and the movements found and their order, per face and condition.

Run by hand: python benchmarks/check_accuracy.py [--faces single_face,woods.jpg] [--conditions half,still]
(--faces f1_surprise.jpg,f15_smile.jpg,f13_frown.jpg: three faces the check was not tuned on)

Clips are generated (tests/movementclips.py): a real face (the neutral loop of
samples/single_face.mp4, "single_face", or a still photo from tests/data/faces) follows the
set once (3 s rest, then each movement held 2 s with 1.5 s between, 30 fps), each side
scaled as the condition says. Each clip is scored as tests/test_check.py scores it: every
frame through Landmarker("video") into CheckRecorder. The goals are the issue's:

- equal (both sides 1.0): the weaker/stronger ratio reads ≥ 0.85;
- half (left 0.5): the ratio reads the truth (0.5) ± 0.1;
- half-mirrored (left 0.5, mirrored): ratio 0.5 ± 0.1 and the weaker side is the right;
- still (right 0.0): ratio ≤ 0.15 and the weaker side is the right;
- synkinesis (both sides 1.0, the left eye narrowing 30 % during the mouth movements and the
  right mouth corner pulling 2 mm during eye closure): the side with scripted synkinesis
  grades ≥ 1 and the other side 0; a movement with none scripted (the brow raise) grades 0
  on both sides;
- half-noisy: half, with sensor noise (σ 2 grey levels) and slow head drift (±2 px, ±1°).

A movement not found misses its goal. The snarl's ratio tolerance is the issue's 0.1 here,
not tests/test_check.py's wider 0.15. Order: "in order" is the check's own verdict
(CheckResult.in_order); "order as scripted" asks more, that the repetitions found are the
clip's holds one for one (an eye closure read as a second brow raise is in order, but not
as scripted). All four faces and six conditions (24 clips) take about 4 minutes on 2
shared cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension.check_plan import MOUTH_MOVEMENTS, MOVEMENT_KEYS  # noqa: E402
from facetension.check_run import CheckRecorder  # noqa: E402
from facetension.check_types import CheckResult, MovementResult  # noqa: E402
from facetension.landmarks import Landmarker  # noqa: E402

from movementclips import FACES, Truth, check_clip  # noqa: E402
from twitchclips import Drift  # noqa: E402

EQUAL_RATIO_MIN = 0.85  # both sides moving alike
RATIO_TOL = 0.1  # one side at 50 % reads 0.5 ± 0.1
STILL_RATIO_MAX = 0.15  # one side not moving at all
NARROWING = 0.30  # the left eye narrows by 30 % of its opening during the mouth movements
PULL_MM = 2.0  # the right mouth corner pulls 2 mm during eye closure
SYNKINESIS = (
    ("eye_narrow", "left", NARROWING, MOUTH_MOVEMENTS),
    ("corner_pull", "right", PULL_MM, ("eye_close",)),
)
NOISE_SD = 2.0
# The wide set's three posed faces, added after the check's settings were chosen: faces the
# check was never tuned on (their "rest" is a posed expression: a surprise with the mouth
# open, a broad smile, a frown).
UNSEEN = ("f1_surprise.jpg", "f15_smile.jpg", "f13_frown.jpg")


@dataclass(frozen=True)
class Condition:
    label: str  # for the headings
    clip: dict = field(default_factory=dict)  # check_clip's keywords
    goal: str = "ratio"  # "equal" | "ratio" | "still" | "synkinesis"
    weaker: bool = False  # the weaker side read must be the truth's too

    @property
    def goal_text(self) -> str:
        return GOAL_TEXT[self.goal] + (", weaker side as scripted" if self.weaker else "")


CONDITIONS = {
    "equal": Condition("both sides 1.0", goal="equal"),
    "half": Condition("left 0.5", {"left": 0.5}),
    "half-mirrored": Condition("left 0.5, mirrored", {"left": 0.5, "mirror": True}, weaker=True),
    "still": Condition("right 0.0", {"right": 0.0}, goal="still", weaker=True),
    "synkinesis": Condition(
        "left eye narrows 30 % in mouth movements, right corner pulls 2 mm in eye closure",
        {"synkinesis": SYNKINESIS},
        goal="synkinesis",
    ),
    "half-noisy": Condition(
        f"left 0.5, noise σ {NOISE_SD:g}, drift ±2 px ±1°", {"left": 0.5, "noise_sd": NOISE_SD, "drift": Drift()}
    ),
}
GOAL_TEXT = {
    "equal": f"ratio ≥ {EQUAL_RATIO_MIN}",
    "ratio": f"ratio = truth ± {RATIO_TOL}",
    "still": f"ratio ≤ {STILL_RATIO_MAX}",
    "synkinesis": "synkinesis grade ≥ 1 on the scripted side, 0 on the other (0, 0 where none)",
}


def score(lm: Landmarker, frames: list[np.ndarray], fps: float) -> CheckResult:
    """Every frame through the video landmarker into a CheckRecorder (as tests/test_check.py)."""
    lm.new_video()
    recorder = CheckRecorder()
    for i, image in enumerate(frames):
        t = i / fps
        recorder.add(t, lm.detect(np.ascontiguousarray(image), int(round(t * 1000))), image)
    return recorder.result()


def truth_weaker(truth: Truth, movement: str) -> str | None:
    left, right = truth.scales[movement]
    return None if left == right else ("left" if left < right else "right")


def expected_synkinesis(truth: Truth, movement: str) -> tuple[str | None, str | None]:
    """(what is watched, the side with synkinesis scripted) during the movement."""
    for s in truth.synkinesis:
        if movement in s.during:
            return ("eye" if s.kind == "eye_narrow" else "mouth"), s.side
    return None, None


def ratio_met(cond: Condition, truth: Truth, m: MovementResult | None) -> bool:
    if m is None or m.ratio is None:
        return False
    if cond.goal == "equal":
        ok = m.ratio >= EQUAL_RATIO_MIN
    elif cond.goal == "still":
        ok = m.ratio <= STILL_RATIO_MAX
    else:
        ok = abs(m.ratio - truth.ratio(m.movement)) <= RATIO_TOL
    return ok and (not cond.weaker or m.weaker == truth_weaker(truth, m.movement))


def synkinesis_met(truth: Truth, m: MovementResult | None) -> bool:
    if m is None:
        return False
    _, side = expected_synkinesis(truth, m.movement)
    left, right = m.synkinesis.grade
    if side is None:
        return left == 0 and right == 0
    on, off = (left, right) if side == "left" else (right, left)
    return on >= 1 and off == 0


def _f(value: float | None, fmt: str = ".2f") -> str:
    return "–" if value is None else format(value, fmt)


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def ratio_table(cond: Condition, truth: Truth, r: CheckResult) -> dict[str, bool]:
    print("| movement | left mm | right mm | ratio | truth | weaker | truth weaker | synkinesis L/R | goal met |")
    print("|---|---:|---:|---:|---:|---|---|---|---|")
    met = {}
    for key in MOVEMENT_KEYS:
        m = r.movement(key)
        met[key] = ratio_met(cond, truth, m)
        want = truth_weaker(truth, key) or "–"
        if m is None:
            print(f"| {key} | missing | | | {_f(truth.ratio(key))} | | {want} | | {_yes(False)} |")
            continue
        ex = m.excursion_mm
        g = m.synkinesis.grade
        print(
            f"| {key} | {_f(ex.left)} | {_f(ex.right)} | {_f(m.ratio)} | {_f(truth.ratio(key))} "
            f"| {m.weaker or '–'} | {want} | {g[0]}/{g[1]} | {_yes(met[key])} |"
        )
    return met


def synkinesis_table(truth: Truth, r: CheckResult) -> dict[str, bool]:
    print("| movement | ratio | watched | left | right | grade L/R | scripted | goal met |")
    print("|---|---:|---|---:|---:|---|---|---|")
    met = {}
    for key in MOVEMENT_KEYS:
        m = r.movement(key)
        met[key] = synkinesis_met(truth, m)
        watched, side = expected_synkinesis(truth, key)
        scripted = "none" if side is None else f"{side} {watched}"
        if m is None:
            print(f"| {key} | missing | | | | | {scripted} | {_yes(False)} |")
            continue
        s = m.synkinesis
        if s.watched == "eye":  # narrowing as a share of the resting opening, and in mm
            cells = [f"{_f(s.percent.of(side_), '.1f')} % ({_f(s.mm.of(side_))} mm)" for side_ in ("left", "right")]
        else:
            cells = [f"{_f(s.mm.of(side_))} mm" for side_ in ("left", "right")]
        print(
            f"| {key} | {_f(m.ratio)} | {s.watched} | {cells[0]} | {cells[1]} | {s.grade[0]}/{s.grade[1]} "
            f"| {scripted} | {_yes(met[key])} |"
        )
    return met


def run_one(lm: Landmarker, face: str, name: str) -> dict[str, bool]:
    """Make one clip, score it, print its table; whether each goal was met."""
    cond = CONDITIONS[name]
    t0 = time.monotonic()
    frames, fps, truth = check_clip(face, **cond.clip)
    made = time.monotonic() - t0
    r = score(lm, frames, fps)
    took = time.monotonic() - t0
    print(f"\n### {name}: {cond.label}. Goal: {cond.goal_text}")
    print(f"{truth.n_frames} frames, {r.measured} with a face; made in {made:.0f} s, {took:.0f} s in all\n")
    if cond.goal == "synkinesis":
        met = synkinesis_table(truth, r)
    else:
        met = ratio_table(cond, truth, r)
    scripted = tuple(step.movement for step in truth.steps if step.kind == "hold")
    as_scripted = r.order == scripted
    missing = ", ".join(r.missing) or "none"
    print(f"\nFound {len(r.movements)}/{len(MOVEMENT_KEYS)} (missing: {missing}). ", end="")
    print(f"The check says in order: {_yes(r.in_order)}; ", end="")
    print(f"order found as scripted: {_yes(as_scripted)} ({', '.join(r.order) or '–'})", flush=True)
    return {**met, "all found": not r.missing, "in order": r.in_order, "order as scripted": as_scripted}


def run(faces: tuple[str, ...], conditions: tuple[str, ...]) -> None:
    t_begin = time.monotonic()
    # condition → movement (and "all found", "in order", ...) → how many faces met the goal
    columns = (*MOVEMENT_KEYS, "all found", "in order", "order as scripted")
    tally = {name: dict.fromkeys(columns, 0) for name in conditions}
    with Landmarker("video") as lm:
        for face in faces:
            print(f"\n## {face}")
            for name in conditions:
                for key, ok in run_one(lm, face, name).items():
                    tally[name][key] += int(ok)

    n = len(faces)
    print(f"\n## Summary: faces meeting the goal (of {n})\n")
    print("| condition | goal | " + " | ".join(columns) + " |")
    print("|---|---|" + "---:|" * len(columns))
    for name, counts in tally.items():
        cells = " | ".join(f"{counts[c]}/{n}" for c in columns)
        print(f"| {name} | {CONDITIONS[name].goal_text} | {cells} |")
    print()
    for name, counts in tally.items():
        print(f"{name}: " + ", ".join(f"{c} {counts[c]}/{n}" for c in columns))
    print(f"\n{time.monotonic() - t_begin:.0f} s")


def _names(choices: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    """An argparse type: comma-separated names, each one of choices."""

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(s.strip() for s in text.split(",") if s.strip())
        unknown = [s for s in names if s not in choices]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"expected some of {', '.join(choices)}; got {text!r}")
        return names

    return parse


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--faces",
        type=_names(FACES + UNSEEN),
        default=FACES,
        help=f"comma-separated, of: {', '.join(FACES)} (the default) and {', '.join(UNSEEN)} (never tuned on)",
    )
    p.add_argument(
        "--conditions",
        type=_names(tuple(CONDITIONS)),
        default=tuple(CONDITIONS),
        help=f"comma-separated, of: {', '.join(CONDITIONS)}",
    )
    args = p.parse_args(argv)
    run(args.faces, args.conditions)


if __name__ == "__main__":
    main()
