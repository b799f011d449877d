"""Each region's trend toward the person's own symmetry (pure numpy; no file, no clock).

The log keeps each region's signed difference, left − right in mm. Its size |left − right|
breaks whenever a region passes through zero (tension can push a face past its own natural
asymmetry, and a fading tension brings it back through), so the trend is taken of the signed
values: the same Theil–Sen slope, 95 % interval and MDC95 as every other trend (trends.py).

The reference: what "symmetric" means for this person, per region.
- Their calibrated relaxed face when the log holds one (the newest personal baseline): its
  resting left − right of the eye opening, the mouth corner's drop and its outward reach, and
  the brow height. The baseline holds no nose geometry, so the nose is judged against 0.
- Else 0 mm. Either way the report says which.

The direction, given the fitted line's value at the first and last session (start, end):
- "no clear change yet" when the slope's 95 % interval includes 0 (and "not enough data"
  below four sessions over a week, as everywhere);
- else "toward symmetry" when the line's distance from the reference shrinks from start to
  end, "away from symmetry" when it grows;
- except when the line clearly passes through the reference: start and end on opposite sides,
  each at least the region's MDC95 from it (an end nearer than that cannot be told from the
  symmetric point itself; without an MDC95, any crossing counts). Then the person's affected
  side decides. A held (tense) side reads, against the other side, as a narrower eye, a lower
  brow, a mouth corner higher and pulled further out, a higher nostril (TIGHT_SIGN). A line
  that starts on the affected side's held look is that side letting go: "toward symmetry",
  and past it (`crossed`; the words say that the other side now reads held, which can be the
  face's own natural asymmetry showing). A line that starts on the other side and ends on the
  held look: "away from symmetry". With no affected side (set to none, or not told by the
  history) a crossing is judged by the distances at start and end like any line.
  (So the issue's eye, −0.38 … +0.69 mm over six weeks with the left side held, reads toward
  symmetry, although its end lies further from 0 than its start.)

A baseline calibrated while one side was held carries that side's asymmetry into the
reference; calibrate warns when a side moved during the recording, and the report names the
reference and its date so the person (or their therapist) can see what is aimed at.

The affected side: the person's own word (`facetension settings --affected-side`), else
inferred from their first INFER_SESSIONS completed sessions: per region, the median of
(difference − reference) votes for the side it makes look held when it is at least
INFER_MIN_MM; the side with more votes is inferred, a tie infers none. It is always shown as
inferred, with how to set it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from .baselines import Baseline
from .logrecords import DIFF_DECIMALS
from .methods import era_versions, eras
from .trends import DAYS_PER_WEEK, MIN_GROUP, Point, Slope, days_since, intercepts, line_at, mdc95, theil_sen

AFFECTED_SIDES = ("left", "right", "none")
# The sign of left − right (against the reference) when the LEFT side is the held one: a
# narrower eye, a lower brow, a mouth corner higher (less drop below the pupils' line) and
# further out, a nostril (alar base) higher. The right side held: the opposite signs. (The
# practice demo's held left eye and left corner read eye −3.1, drop −1.8, out +0.6 mm.)
TIGHT_SIGN = {"brow": -1, "eye": -1, "mouth_corner": -1, "mouth_excursion": +1, "nose": -1}
# Rest geometry a baseline keeps (tension.Rest) → the region whose difference it is.
BASELINE_FIELDS = {
    "eye": "eye_mm",
    "mouth_corner": "corner_drop_mm",
    "mouth_excursion": "corner_out_mm",
    "brow": "brow_mm",
}
INFER_SESSIONS = 5  # the first completed sessions the affected side is inferred from ...
INFER_MIN_MM = 0.5  # ... where a region's median counts once it is this far from the reference:
# beyond the everyday noise of a session's difference (0.1-0.3 mm), and not the tenths of a
# millimetre a face can differ by from one day to the next.

TOWARD, AWAY, UNCLEAR, TOO_FEW = "toward symmetry", "away from symmetry", "no clear change yet", "not enough data"


@dataclass(frozen=True)
class Reference:
    """What symmetric means for this person: region → left − right, mm. A region missing
    from `mm` is judged against 0."""

    mm: dict[str, float]
    baseline_taken: str | None = None  # when the relaxed face was calibrated; None: 0 everywhere

    def of(self, region: str) -> float:
        return self.mm.get(region, 0.0)


ZERO = Reference({})


def reference_from(baseline: Baseline | None) -> Reference:
    """The relaxed face's own left − right per region, from a personal baseline; 0 without one
    (built-in defaults are no one's face)."""
    if baseline is None or not baseline.rest.personal:
        return ZERO
    mm = {}
    for region, name in BASELINE_FIELDS.items():
        sides = getattr(baseline.rest, name)
        if sides and all(math.isfinite(sides.get(s, math.nan)) for s in ("left", "right")):
            mm[region] = round(float(sides["left"] - sides["right"]), DIFF_DECIMALS)  # as the log keeps diffs
    return Reference(mm, baseline.taken_at) if mm else ZERO


@dataclass(frozen=True)
class AffectedSide:
    side: str | None  # "left" | "right" | "none"; None: not set and not told by the history
    inferred: bool  # True: read from the first sessions, not the person's own word

    def tight(self, region: str) -> int | None:
        """The sign of (difference − reference) that this side's held look gives the region."""
        if self.side not in ("left", "right") or region not in TIGHT_SIGN:
            return None
        return TIGHT_SIGN[region] * (1 if self.side == "left" else -1)


def infer_affected_side(points: list[Point], reference: Reference = ZERO) -> str | None:
    """The side the first completed sessions show held, or None when they do not tell."""
    first = sorted((p for p in points if p.completed), key=lambda p: p.local_start)[:INFER_SESSIONS]
    votes = {"left": 0, "right": 0}
    for region, sign in TIGHT_SIGN.items():
        values = [p.diffs[region] - reference.of(region) for p in first if _finite(p.diffs.get(region))]
        if len(values) < MIN_GROUP:
            continue
        median = float(np.median(values))
        if abs(median) >= INFER_MIN_MM:
            votes["left" if np.sign(median) == sign else "right"] += 1
    if votes["left"] == votes["right"]:
        return None
    return max(votes, key=votes.get)


def affected_side(setting: str | None, points: list[Point], reference: Reference = ZERO) -> AffectedSide:
    """The person's own setting when they gave one, else the one their history shows."""
    if setting in AFFECTED_SIDES:
        return AffectedSide(setting, inferred=False)
    return AffectedSide(infer_affected_side(points, reference), inferred=True)


@dataclass(frozen=True)
class EraLine:
    """The trend line over one era of measuring (methods.py) a region's history spans."""

    since: str | None  # the version that began the era; None: from the start
    first: datetime  # its first and last session with this region
    last: datetime
    start: float  # the line there, mm
    end: float


@dataclass(frozen=True)
class RegionTrend:
    region: str
    slope: Slope  # of the signed left − right, mm per week
    reference: float  # left − right that is symmetric for this person, mm
    start: float | None  # the fitted line at the first and the last session, mm
    end: float | None
    crossed: bool  # the line clearly passes through the reference between start and end
    direction: str  # TOWARD | AWAY | UNCLEAR | TOO_FEW
    mdc95: float | None  # mm: a change between two sessions below this is measurement noise
    # With sessions from more than one era of measuring: each era's line (the same slope), and
    # (version, mm) for each change between two of them, how far the line steps there.
    eras: tuple[EraLine, ...] = ()
    steps: tuple[tuple[str, float], ...] = ()


def judge(
    slope: Slope, start: float, end: float, reference: float, tight: int | None, within: float = 0.0
) -> tuple[str, bool]:
    """The direction of a fitted line against the reference, and whether it clearly crosses
    it: both ends at least `within` (the MDC95) from it (see the module's docstring)."""
    a0, a1 = start - reference, end - reference
    crossed = a0 * a1 < 0 and min(abs(a0), abs(a1)) >= within
    if slope.verdict == TOO_FEW:
        return TOO_FEW, False
    if not slope.excludes_zero:
        return UNCLEAR, False  # a line the interval does not tell from flat crosses nothing
    if crossed and tight is not None:
        toward = np.sign(a0) == tight  # it started on the held side's look, and left it
    else:
        toward = abs(a1) < abs(a0)
    return (TOWARD if toward else AWAY), crossed


def region_trends(points: list[Point], reference: Reference, side: AffectedSide) -> dict[str, RegionTrend]:
    """Per region measured in the completed sessions: its signed trend and direction."""
    done = sorted((p for p in points if p.completed), key=lambda p: p.local_start)
    if not done:
        return {}
    x = days_since(done)
    out = {}
    for region in sorted({r for p in done for r in p.diffs}):
        y = np.array([p.diffs[region] if _finite(p.diffs.get(region)) else np.nan for p in done])
        era = eras([p.app_version for p in done], region)
        slope = theil_sen(x, y, segments=era)
        ref, mdc = reference.of(region), mdc95(done, region)
        start = end = None
        direction, crossed = TOO_FEW, False
        lines, steps = (), ()
        if slope.verdict != TOO_FEW:
            measured = x[np.isfinite(y)]
            # Judged in today's way of measuring: the newest era's line over the whole history.
            start, end = (float(v) for v in line_at(x, y, slope, [measured.min(), measured.max()], era))
            direction, crossed = judge(slope, start, end, ref, side.tight(region), mdc or 0.0)
            lines, steps = _era_lines(done, x, y, slope, era, region)
        out[region] = RegionTrend(region, slope, ref, start, end, crossed, direction, mdc, lines, steps)
    return out


def _era_lines(done: list[Point], x, y, slope: Slope, era: np.ndarray, region: str):
    """Each era's own line, and the steps between consecutive ones; () for a single era."""
    heights = intercepts(x, y, slope, era)
    if len(heights) < 2:
        return (), ()
    per_day, since = slope.per_week / DAYS_PER_WEEK, era_versions(region)
    lines = []
    for label, height in sorted(heights.items()):
        at = np.flatnonzero((era == label) & np.isfinite(y))
        a, b = at[0], at[-1]
        name = since[label] if label >= 0 else "unknown"
        start, end = height + per_day * x[a], height + per_day * x[b]
        lines.append(EraLine(name, done[a].local_start, done[b].local_start, float(start), float(end)))
    steps = tuple(
        (since[k], round(heights[k] - heights[k - 1], 3)) for k in sorted(heights) if k > 0 and k - 1 in heights
    )
    return tuple(lines), steps


def _finite(v) -> bool:
    return v is not None and math.isfinite(v)
