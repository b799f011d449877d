"""Trends over weeks: weekly table, robust slopes with intervals, trigger effects (pure numpy).

Input is one `Point` per session (the report builds them from the log). Nothing here reads
a file or a clock, so the statistics are tested on constructed histories with known truth.

- Slope: Theil–Sen (the median of all pairwise slopes), per week, with the 95 % interval
  from the distribution of Kendall's S (Sen 1968): its bounds are the slopes of ranks
  symmetric about the median, so a mirrored history (every value negated) gets exactly the
  mirrored slope and interval. A verdict of "improving" or "worsening" is given only when
  that interval excludes zero. Here for the asymmetry index and the tension index; each
  region's signed left − right difference is trended toward the person's own symmetry in
  symmetry.py, with the same slope.
- Minimal detectable change (MDC95 = 1.96 · √2 · SEM): SEM is the measurement's own
  repeatability, from the two halves of each session's resting measurement (the asymmetry
  index's, and each region's difference in mm).
- Trigger effects: mean with the tag minus mean without, Welch's 95 % interval, counts;
  morning against evening alike; pain against tension as Spearman's ρ with a Fisher-z interval.
- Massage effect: per session with a massage, tension before minus after the massage; their
  mean with Student's t 95 % interval (paired), for the tension index and per region. And the
  whole session's relaxation gain (before − after) with massage against without: Welch again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from .methods import era_of, eras

if TYPE_CHECKING:
    from .blinks import BlinkSummary

Z95 = 1.959963984540054
MIN_GROUP = 3  # sessions with and without a tag before its effect is estimated
# Sessions with a massage before its paired effect is estimated: from 3 degrees of freedom on,
# _t95 is within 1 % of Student's quantile (at 2 it is 3 % short, the interval too narrow).
MIN_PAIRED = 4
# ... and before it is shown region by region: six regions are looked at at once, so each
# needs more sessions than the index before one of them stands out by chance.
MIN_REGION_PAIRED = 6
MIN_TREND_SESSIONS = 4
MIN_TREND_DAYS = 7  # a slope per week needs at least a week of history
MORNING_BEFORE_HOUR = 12
EVENING_FROM_HOUR = 17
DAYS_PER_WEEK = 7.0
# By the clock, not by the `evening` tag: the tag is the person's own word for how the day
# went (a late, tired session), the clock is when the session started; they can disagree.
CLOCK_EFFECT = f"morning (before {MORNING_BEFORE_HOUR}:00) vs evening (from {EVENING_FROM_HOUR}:00) by the clock"


@dataclass(frozen=True)
class Point:
    """One completed or incomplete session, as the trends need it."""

    local_start: datetime  # in the time zone the session was held in
    asymmetry_index: float | None
    tension_before: float | None  # tension index, 0..100
    tension_after: float | None
    diffs: dict[str, float] = field(default_factory=dict)  # region → left − right, mm (before)
    twitches: int = 0
    pain_before: float | None = None
    pain_after: float | None = None
    tags: tuple[str, ...] = ()
    completed: bool = True
    half_gap: float | None = None  # asymmetry index, first half − second half of the rest
    half_gaps: dict[str, float] = field(default_factory=dict)  # region → the same for its diff, mm
    session_id: int | None = None
    from_video: bool = False  # recorded from a video file rather than the camera
    massage_s: float | None = None  # time spent massaging; None or 0: no massage
    tension_after_massage: float | None = None  # tension index after the massage, 0..100
    # Tension region → its tenser side in index points (0..100), as the tension index counts
    # each region: before, and after the massage.
    tension_regions: dict[str, float] = field(default_factory=dict)
    tension_regions_after_massage: dict[str, float] = field(default_factory=dict)
    # The session's logged blinks (blinks.logged_summary): completeness and incomplete share
    # per side, lag. None: no blink logged (sessions from before blinks were logged).
    blinks: BlinkSummary | None = None
    app_version: str | None = None  # the version that measured it (methods.py: a change of method)

    @property
    def massaged(self) -> bool:
        return self.massage_s is not None and self.massage_s > 0


@dataclass(frozen=True)
class Slope:
    per_week: float
    low: float
    high: float
    n: int
    verdict: str  # "improving" | "worsening" | "no clear change yet" | "not enough data"

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class Effect:
    name: str
    difference: float  # mean with − mean without
    low: float
    high: float
    n_with: int
    n_without: int


def theil_sen(days: np.ndarray, values: np.ndarray, lower_is_better: bool = True, segments=None) -> Slope:
    """Theil–Sen slope per week with Sen's 95 % interval. segments: a label per session (an era
    of measuring, methods.eras); slopes are then taken only between sessions with the same
    label, and Kendall's S variance is the sum of each segment's, as in the seasonal Kendall
    slope (Hirsch, Slack & Smith 1982) with the eras as its seasons: a step between eras is not
    read as a trend. A session alone in its era gives no slope and is not counted. One label
    for all (or None): the plain estimator."""
    ok = np.isfinite(values)
    x, y = np.asarray(days, float)[ok], np.asarray(values, float)[ok]
    g = np.zeros(len(x), int) if segments is None else np.asarray(segments, int)[ok]
    labels, sizes = np.unique(g, return_counts=True)
    if len(labels) > 1:
        paired_ = np.isin(g, labels[sizes > 1])
        x, y, g = x[paired_], y[paired_], g[paired_]
    n = len(x)
    span = sum(float(np.ptp(x[g == s])) for s in np.unique(g)) if n else 0.0
    if n < MIN_TREND_SESSIONS or span < MIN_TREND_DAYS:
        return Slope(float("nan"), float("nan"), float("nan"), n, "not enough data")
    i, j = np.triu_indices(n, k=1)
    dx = x[j] - x[i]
    keep = (dx != 0) & (g[i] == g[j])
    slopes = np.sort((y[j] - y[i])[keep] / dx[keep])
    m = len(slopes)
    # Variance of Kendall's S with ties in x (Sen 1968), summed over the segments, then the
    # ranks bounding the interval.
    var_s = sum(_kendall_var(x[g == s]) for s in np.unique(g))
    c = Z95 * math.sqrt(max(var_s, 0.0))
    # Sen's bounds are the M1-th and (M2 + 1)-th smallest slopes (1-based), M1,2 = (m ∓ c) / 2,
    # rounded outward: 0-based ranks hi and m − 1 − hi, the same distance from either end.
    hi_rank = int(np.clip(math.ceil((m + c) / 2), 0, m - 1))
    lo_rank = m - 1 - hi_rank
    per_day = float(np.median(slopes))
    low, high = slopes[lo_rank] * DAYS_PER_WEEK, slopes[hi_rank] * DAYS_PER_WEEK
    slope = per_day * DAYS_PER_WEEK
    if low > 0 or high < 0:
        verdict = "improving" if (slope < 0) == lower_is_better else "worsening"
    else:
        verdict = "no clear change yet"
    return Slope(slope, float(low), float(high), n, verdict)


def _kendall_var(x: np.ndarray) -> float:
    """Variance of Kendall's S for these days under no trend, ties in x accounted for."""
    n = len(x)
    _, t = np.unique(x, return_counts=True)
    return (n * (n - 1) * (2 * n + 5) - float(np.sum(t * (t - 1) * (2 * t + 5)))) / 18.0


def welch(with_: np.ndarray, without: np.ndarray, name: str) -> Effect | None:
    a, b = np.asarray(with_, float), np.asarray(without, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < MIN_GROUP or len(b) < MIN_GROUP:
        return None
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / ((va**2) / (len(a) - 1) + (vb**2) / (len(b) - 1)) if se > 0 else len(a) + len(b) - 2
    t = _t95(dof)
    d = float(a.mean() - b.mean())
    return Effect(name, d, d - t * se, d + t * se, len(a), len(b))


@dataclass(frozen=True)
class Paired:
    """A paired change over sessions: each session's before − after, their mean and Student's
    t 95 % interval (positive: less tension after)."""

    name: str
    before: float  # mean before
    after: float  # mean after
    fall: float  # mean of before − after
    low: float
    high: float
    n: int


def paired(before, after, name: str, min_n: int = MIN_PAIRED) -> Paired | None:
    """Mean of before − after over the sessions that have both, with Student's t 95 %
    interval; None with fewer than min_n such sessions."""
    b, a = np.asarray(before, float), np.asarray(after, float)
    ok = np.isfinite(b) & np.isfinite(a)
    b, a = b[ok], a[ok]
    n = len(b)
    if n < max(min_n, 2):
        return None
    d = b - a
    half = _t95(n - 1) * float(d.std(ddof=1)) / math.sqrt(n)
    fall = float(d.mean())
    return Paired(name, float(b.mean()), float(a.mean()), fall, fall - half, fall + half, n)


def _t95(dof: float) -> float:
    """Two-sided 95 % Student t quantile (Cornish–Fisher expansion; exact enough for dof ≥ 2)."""
    z = Z95
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    dof = max(dof, 1.0)
    return z + g1 / dof + g2 / dof**2 + g3 / dof**3


def spearman(x, y) -> tuple[float, float, float, int] | None:
    """Spearman's ρ with a Fisher-z 95 % interval, and n."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 2 * MIN_GROUP or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    rx, ry = _ranks(x), _ranks(y)
    rho = float(np.corrcoef(rx, ry)[0, 1])
    z = math.atanh(np.clip(rho, -0.999999, 0.999999))
    se = 1.0 / math.sqrt(max(n - 3, 1))
    return rho, math.tanh(z - Z95 * se), math.tanh(z + Z95 * se), n


def _ranks(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="mergesort")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(len(v))
    for value in np.unique(v):  # ties share their mean rank
        tied = v == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def mdc95(points: list[Point], region: str | None = None) -> float | None:
    """Minimal detectable change of the asymmetry index (points), or of a region's left − right
    difference (mm), from its own repeatability; None with fewer than MIN_GROUP sessions."""
    found = (p.half_gap if region is None else p.half_gaps.get(region) for p in points)
    gaps = np.array([g for g in found if g is not None and np.isfinite(g)])
    if len(gaps) < MIN_GROUP:
        return None
    sem = float(np.sqrt(np.mean(gaps**2) / 2.0))  # each half-difference carries two errors
    return Z95 * math.sqrt(2.0) * sem


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly(points: list[Point]) -> list[dict]:
    """One row per calendar week (Monday first) that has sessions."""
    weeks: dict[date, list[Point]] = {}
    for p in points:
        weeks.setdefault(week_start(p.local_start.date()), []).append(p)
    rows = []
    for start in sorted(weeks):
        ps = weeks[start]
        regions = sorted({r for p in ps for r in p.diffs})
        gain = [
            p.tension_before - p.tension_after
            for p in ps
            if p.tension_before is not None and p.tension_after is not None
        ]
        rows.append(
            {
                "week": start.isoformat(),
                "sessions": len(ps),
                "asymmetry_index": _median([p.asymmetry_index for p in ps]),
                "diffs": {r: _median([p.diffs.get(r) for p in ps]) for r in regions},
                "tension_before": _median([p.tension_before for p in ps]),
                "tension_after": _median([p.tension_after for p in ps]),
                "relaxation_gain": _median(gain),
                "twitches_per_session": float(np.mean([p.twitches for p in ps])),
                "pain": _mean([p.pain_before for p in ps]),
            }
        )
    return rows


def _median(values) -> float | None:
    v = [x for x in values if x is not None and np.isfinite(x)]
    return float(np.median(v)) if v else None


def _mean(values) -> float | None:
    v = [x for x in values if x is not None and np.isfinite(x)]
    return float(np.mean(v)) if v else None


def days_since(points: list[Point]) -> np.ndarray:
    t0 = min(p.local_start for p in points)
    return np.array([(p.local_start - t0).total_seconds() / 86400.0 for p in points])


def trends(points: list[Point]) -> dict[str, Slope]:
    """Slopes per week of the asymmetry index and of tension, over completed sessions only.
    (The regions' signed differences: symmetry.region_trends.)"""
    done = [p for p in points if p.completed]
    if not done:
        return {}
    x = days_since(done)
    index = np.array([_nan(p.asymmetry_index) for p in done])
    return {  # the index is made of every region: each change of method starts an era of it
        "asymmetry_index": theil_sen(x, index, segments=eras([p.app_version for p in done])),
        "tension_before": theil_sen(x, np.array([_nan(p.tension_before) for p in done])),
    }


def intercepts(days: np.ndarray, values: np.ndarray, slope: Slope, segments=None) -> dict[int, float]:
    """Each segment's Theil–Sen line: the slope's line through the median of its sessions'
    residuals (values − slope · day), the estimator's own intercept; segment → intercept, for
    the segments with at least two sessions (all of them: label 0). Their differences are the
    steps between eras of measuring."""
    v, d = np.asarray(values, float), np.asarray(days, float)
    g = np.zeros(len(v), int) if segments is None else np.asarray(segments, int)
    ok = np.isfinite(v)
    residual = v - slope.per_week / DAYS_PER_WEEK * d
    labels = np.unique(g[ok])
    return {int(s): float(np.median(residual[ok & (g == s)])) for s in labels if np.sum(ok & (g == s)) > 1}


def line_at(days: np.ndarray, values: np.ndarray, slope: Slope, at, segments=None) -> np.ndarray:
    """The Theil–Sen line through the points, at the given days. With segments, the newest
    one's (the highest label with a line): the whole history in today's way of measuring."""
    per_day = slope.per_week / DAYS_PER_WEEK
    lines = intercepts(days, values, slope, segments)
    return lines[max(lines)] + per_day * np.asarray(at, float)


def _nan(v) -> float:
    return float("nan") if v is None else float(v)


def trigger_effects(points: list[Point], measure: str = "tension_before") -> list[Effect]:
    """For each tag with enough sessions with and without it, and for morning against
    evening: the difference in the given measure."""
    done = [p for p in points if p.completed]
    values = np.array([_nan(getattr(p, measure)) for p in done])
    effects = []
    for tag in sorted({t for p in done for t in p.tags}):
        has = np.array([tag in p.tags for p in done])
        e = welch(values[has], values[~has], tag)
        if e is not None:
            effects.append(e)
    hours = np.array([p.local_start.hour for p in done])
    e = welch(values[hours < MORNING_BEFORE_HOUR], values[hours >= EVENING_FROM_HOUR], CLOCK_EFFECT)
    if e is not None:
        effects.append(e)
    return effects


@dataclass(frozen=True)
class MassageEffect:
    """What the guided massage did, over completed sessions."""

    sessions_with: int  # completed sessions with a massage
    sessions_without: int
    index: Paired | None  # tension index, before − after the massage; None: too few sessions
    regions: tuple[Paired, ...]  # per tension region, each with at least MIN_REGION_PAIRED sessions
    gain: Effect | None  # relaxation gain (before − after), with massage − without; None: too few


def massage_effect(points: list[Point]) -> MassageEffect:
    """The massage's own effect (tension before against after the massage, paired per
    session), and the whole session's relaxation gain with a massage against without (Welch).
    Completed sessions only, as everywhere in the trends. A session counts as with a massage
    when it spent time massaging (massage_s > 0), whatever its tags say: the `massage` tag is
    the person's own word and stays a trigger like any other."""
    done = [p for p in points if p.completed]
    had = [p for p in done if p.massaged]
    index = paired([_nan(p.tension_before) for p in had], [_nan(p.tension_after_massage) for p in had], "tension index")
    regions = []
    for region in dict.fromkeys(r for p in had for r in p.tension_regions):  # first-seen order: the log's
        e = paired(
            [_nan(p.tension_regions.get(region)) for p in had],
            [_nan(p.tension_regions_after_massage.get(region)) for p in had],
            region,
            MIN_REGION_PAIRED,
        )
        if e is not None:
            regions.append(e)
    gain = np.array([_nan(p.tension_before) - _nan(p.tension_after) for p in done])
    with_ = np.array([p.massaged for p in done], bool)
    return MassageEffect(
        len(had),
        len(done) - len(had),
        index,
        tuple(regions),
        welch(gain[with_], gain[~with_], "relaxation gain, with massage − without"),
    )


# -- a session far from the person's own history --------------------------------------------
DEPARTURE_MIN_SESSIONS = 5  # the person's range needs this many completed sessions ...
DEPARTURE_WINDOW_DAYS = 28  # ... from the last four weeks
DEPARTURE_MDC_FACTOR = 3.0  # the asymmetry index this many MDC95 above their median
DEPARTURE_REGION_SDS = 4.0  # a region this many robust SDs beyond their median ...
DEPARTURE_REGION_MIN_MM = 1.5  # ... and at least this far: sub-millimetre moves are everyday noise


def departure(history: list[Point], now: Point) -> str | None:
    """What in this session lies far outside the person's own recent range (their completed
    sessions of the last four weeks, measured the same way: of its era, methods.py), in words;
    None when nothing does or the history is too short to say. Not a diagnosis: a reason to
    check with their clinician."""
    window = [
        p
        for p in history
        if p.completed
        and p is not now
        and timedelta(0) <= now.local_start - p.local_start <= timedelta(days=DEPARTURE_WINDOW_DAYS)
    ]
    found = []
    recent = [p for p in window if era_of(p.app_version) == era_of(now.app_version)]  # the index: every region
    mdc = mdc95(recent) if len(recent) >= DEPARTURE_MIN_SESSIONS else None
    indices = [p.asymmetry_index for p in recent if p.asymmetry_index is not None]
    if mdc is not None and now.asymmetry_index is not None and indices:
        median = float(np.median(indices))
        if now.asymmetry_index > median + DEPARTURE_MDC_FACTOR * mdc:
            found.append(f"your resting asymmetry index ({now.asymmetry_index:.0f}, usually about {median:.0f})")
    for region, value in sorted(now.diffs.items()):
        era = era_of(now.app_version, region)
        past = np.array([p.diffs[region] for p in window if region in p.diffs and era_of(p.app_version, region) == era])
        if len(past) < DEPARTURE_MIN_SESSIONS:
            continue
        median = float(np.median(past))
        sd = 1.4826 * float(np.median(np.abs(past - median)))  # robust: one odd day does not widen it
        if abs(value - median) > max(DEPARTURE_REGION_SDS * sd, DEPARTURE_REGION_MIN_MM):
            found.append(f"the {region.replace('_', ' ')} (left−right {value:+.1f} mm, usually {median:+.1f} mm)")
    if not found:
        return None
    return (
        "Today's resting measurement is well outside your own range of the last four weeks: "
        + "; ".join(found)
        + ". This can have simple causes (light, posture, a tired day), but if it "
        "stays, or your face feels different, please check with your clinician."
    )
