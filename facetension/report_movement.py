"""The report's "Movement and synkinesis": the weekly movement check (`facetension check`,
kept by checklog.py) over the weeks, in numbers (--json "movement"), in words (the page and
`trend`), as a weekly chart (an inline SVG) and as a table of the last check per movement.
Every figure is an estimate from a webcam, not a clinical grade, and says so.

Trends, with the report's own statistics (trends.py) over every check, one value a check:
- each movement's ratio, the weaker side's excursion over the stronger's (×100, %): Theil–Sen
  slope per week with its 95 % interval; "toward symmetry" when it clearly rises (100 % is both
  sides alike), "away from symmetry" when it clearly falls, else "no clear change yet". Its
  MDC95 (1.96 · √2 · SEM) comes from the check's own repeatability: the spread of the ratio
  between the repetitions of a movement within each check, read from the logged trace (each
  repetition's median excursion per side over its time, as check_score measures a movement);
- the synkinesis score (lower is better), the voluntary movement score and the composite
  (higher is better): "improving", "worsening" or "no clear change yet".
Below MIN_TREND_SESSIONS checks over MIN_TREND_DAYS days a trend says "not enough data". A
movement that a check did not find is missing from that check's trend, never a zero.

With no check in the log, the page and --json carry one calm sentence on how to start, and
`trend` leaves the check out, as the massage and blinks do.
"""

from __future__ import annotations

import html
import math
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from .check_plan import BY_KEY, MOVEMENT_KEYS
from .check_score import excursion  # pure numpy: the report measures repetitions as the check does
from .check_types import FEATURES, SIDES
from .symmetry import AWAY, TOO_FEW, TOWARD
from .trends import MIN_GROUP, MIN_TREND_DAYS, MIN_TREND_SESSIONS, Z95, theil_sen, week_start
from .wording import count

if TYPE_CHECKING:
    from .check_types import CheckResult
    from .checklog import CheckRecord

LABEL = "estimates from a webcam, not a clinical grade"
NO_CHECKS = (
    "No movement check in your log yet: `facetension check`, once a week, measures how each side of "
    "your face moves and any synkinesis, and its weekly trends will show here."
)
# The scores trended, with their range and which way is better (check_types.Scores).
SCORES = {
    "synkinesis": ("Synkinesis score", "0 none to 15, lower is better", True),
    "voluntary": ("Voluntary movement score", "20 to 100, higher is better", False),
    "composite": ("Composite score", "voluntary − resting − synkinesis, higher is better", False),
}
SPARK = "▁▂▃▄▅▆▇█"
SPARK_WEEKS = 12  # `trend` draws the last weeks only: a line stays a line after a year of checks
# The chart's lines (Paul Tol's bright scheme: told apart with colour-blindness too).
COLOURS = ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377")


# -- numbers ---------------------------------------------------------------------------------
def ratio_pct(result: CheckResult, movement: str) -> float | None:
    m = result.movement(movement)
    return None if m is None or m.ratio is None else 100.0 * m.ratio


def _series(result: CheckResult) -> dict[str, float | None]:
    """One check's values for every trend: each movement's ratio (%), then the scores."""
    s = result.scores
    return {
        **{key: ratio_pct(result, key) for key in MOVEMENT_KEYS},
        "synkinesis": s.synkinesis,
        "voluntary": s.voluntary,
        "composite": s.composite,
    }


def movement_json(records: list[CheckRecord], traces: dict[int, tuple] | None = None) -> dict:
    """Everything "Movement and synkinesis" shows, for --json and for the page. records:
    checklog.load_checks's; traces: checklog.load_trace_arrays's (None: each record's own
    result.trace), for the ratios' MDC95 (a check without a trace leaves it out)."""
    records = sorted(records, key=lambda r: r.local_start)
    out = {
        "label": LABEL,
        "checks": len(records),
        "from_video": sum(r.from_video for r in records),
        "first": records[0].local_start.isoformat(timespec="minutes") if records else None,
        "last": records[-1].local_start.isoformat(timespec="minutes") if records else None,
        "min_checks": MIN_TREND_SESSIONS,
        "min_days": MIN_TREND_DAYS,
        "enough": False,
        "trends": {},
        "weekly": [],
        "last_check": None,
        "movements": [],
        "sentences": [NO_CHECKS],
    }
    if not records:
        return out
    days = np.array([(r.local_start - records[0].local_start).total_seconds() / 86400.0 for r in records])
    values = [_series(r.result) for r in records]
    # Once a check: every movement reads them.
    arrays = [trace_arrays(r.result) if traces is None else traces.get(r.id, _NO_TRACE) for r in records]
    out["enough"] = len(records) >= MIN_TREND_SESSIONS and float(np.ptp(days)) >= MIN_TREND_DAYS
    for name in (*MOVEMENT_KEYS, *SCORES):
        y = np.array([np.nan if v[name] is None else float(v[name]) for v in values])
        if not np.isfinite(y).any():
            continue  # never found: no trend line at all
        lower_is_better = SCORES[name][2] if name in SCORES else False
        s = theil_sen(days, y, lower_is_better)
        verdict = s.verdict
        if name in BY_KEY:  # a ratio: rising is toward symmetry
            verdict = {"improving": TOWARD, "worsening": AWAY}.get(verdict, verdict)
        found = y[np.isfinite(y)]
        out["trends"][name] = {
            "per_week": s.per_week,
            "low": s.low,
            "high": s.high,
            "n": s.n,
            "verdict": verdict,
            "first": float(found[0]),
            "last": float(found[-1]),
            "mdc95": ratio_mdc95([r.result for r in records], name, arrays) if name in BY_KEY else None,
        }
        out["trends"][name]["sentence"] = trend_sentence(name, out["trends"][name])
    out["weekly"] = _weekly(records, values)
    out["last_check"] = _last_check(records[-1])
    out["movements"] = _last_per_movement(records)
    out["sentences"] = status_sentences(out)
    return out


def _weekly(records: list[CheckRecord], values: list[dict]) -> list[dict]:
    weeks: dict[date, list[dict]] = {}
    for r, v in zip(records, values):
        weeks.setdefault(week_start(r.local_start.date()), []).append(v)
    return [
        {
            "week": w.isoformat(),
            "checks": len(vs),
            "ratio_pct": {k: _median([v[k] for v in vs]) for k in MOVEMENT_KEYS},
            **{name: _median([v[name] for v in vs]) for name in SCORES},
        }
        for w, vs in sorted(weeks.items())
    ]


def _median(values) -> float | None:
    v = [x for x in values if x is not None and math.isfinite(x)]
    return float(np.median(v)) if v else None


def _last_check(r: CheckRecord) -> dict:
    return {
        "id": r.id,
        "date": r.local_start.date().isoformat(),
        "missing": list(r.result.missing),
        "in_order": r.result.in_order,
        "scores": r.result.scores.to_json(),
    }


def _last_per_movement(records: list[CheckRecord]) -> list[dict]:
    """Per movement of the set, from the newest check that found it: each side's excursion,
    the ratio, the weaker side and the synkinesis grade per side."""
    rows = []
    for key in MOVEMENT_KEYS:
        found = next(((r, m) for r in reversed(records) if (m := r.result.movement(key)) is not None), None)
        row = {"movement": key, "name": BY_KEY[key].name, "found": found is not None}
        if found is not None:
            r, m = found
            row |= {
                "date": r.local_start.date().isoformat(),
                "in_last_check": r is records[-1],
                "excursion_mm": m.excursion_mm.to_json(),
                "ratio_pct": None if m.ratio is None else 100.0 * m.ratio,
                "weaker": m.weaker,
                "grade": m.grade,
                "synkinesis_watched": m.synkinesis.watched,
                "synkinesis_grade": {"left": m.synkinesis.grade[0], "right": m.synkinesis.grade[1]},
                "closure": None if m.closure is None else m.closure.to_json(3),
            }
        rows.append(row)
    return rows


MIN_EXCURSION_MM = 0.5  # a side moving less has not moved (check_score.MIN_EXCURSION_MM)


_NO_TRACE = (np.zeros(0), np.zeros((0, len(FEATURES), len(SIDES))))


def trace_arrays(result: CheckResult) -> tuple[np.ndarray, np.ndarray]:
    """A check's trace as arrays: its times (N,), and each feature's movement from rest per side
    (N, F, 2), NaN where not measured (as checklog.load_trace_arrays reads them from the log)."""
    t = np.array([row.t_s for row in result.trace], float)
    d = np.array([[_sides(row.values.get(f)) for f in FEATURES] for row in result.trace], float)
    return t, d.reshape(len(t), len(FEATURES), len(SIDES))


def rep_ratios(result: CheckResult, movement: str, arrays: tuple | None = None) -> list[float]:
    """The weaker/stronger ratio of each repetition of a movement, from the check's trace: each
    side's median excursion over the repetition's time. arrays: trace_arrays(result), if known."""
    m = result.movement(movement)
    t, d = arrays if arrays is not None else trace_arrays(result)
    if m is None or not len(t):
        return []
    out = []
    for start, end in m.times:
        inside = (t >= start) & (t <= end)
        if not inside.any():
            continue
        sides = [v[np.isfinite(v)] for v in excursion(movement, d[inside]).T]
        if not all(len(v) for v in sides):
            continue  # a side never measured in this repetition
        left, right = (float(np.median(v)) for v in sides)
        strong = max(left, right)
        if strong >= MIN_EXCURSION_MM:
            out.append(max(min(left, right), 0.0) / strong)
    return out


def _sides(pair) -> list[float]:
    return [np.nan if pair is None or pair.of(s) is None else pair.of(s) for s in SIDES]


def ratio_mdc95(results: list[CheckResult], movement: str, arrays: list | None = None) -> float | None:
    """The minimal detectable change of a movement's ratio between two checks, in percentage
    points: 1.96 · √2 · SEM, the SEM of a check's ratio from the pooled spread of its
    repetitions' ratios about their check's mean, over the typical number of repetitions.
    None with fewer than MIN_GROUP checks that repeated the movement in their trace. arrays:
    each result's trace_arrays, if known."""
    squares, dof, reps = 0.0, 0, []
    for result, a in zip(results, arrays or [None] * len(results)):
        r = np.array(rep_ratios(result, movement, a))
        if len(r) >= 2:
            squares += float(np.sum((r - r.mean()) ** 2))
            dof += len(r) - 1
            reps.append(len(r))
    if len(reps) < MIN_GROUP:
        return None
    sem = math.sqrt(squares / dof) / math.sqrt(float(np.median(reps)))
    return 100.0 * Z95 * math.sqrt(2.0) * sem


# -- words -----------------------------------------------------------------------------------
def _signed(v: float, digits: int = 1) -> str:
    """With a real minus sign, never '−0.0' or '+0.0'."""
    text = f"{v:+.{digits}f}"
    return text[1:] if float(text) == 0 else text.replace("-", "−")


def title(name: str) -> str:
    return f"{BY_KEY[name].name}, weaker side against the stronger" if name in BY_KEY else SCORES[name][0]


def trend_sentence(name: str, t: dict) -> str:
    if t["verdict"] == TOO_FEW:
        return (
            f"{title(name)}: not enough checks for a trend yet (it needs {MIN_TREND_SESSIONS} checks over at "
            f"least a week; {count(t['n'], 'check')} so far)."
        )
    if name in BY_KEY:
        unit, digits = "percentage points", 1
        mdc = "" if t["mdc95"] is None else f"; a change under {t['mdc95']:.0f} points is within measurement noise"
        span = f"first {t['first']:.0f} %, latest {t['last']:.0f} %"
    else:
        unit, digits, mdc = "points", 2, ""
        span = f"first {t['first']:.0f}, latest {t['last']:.0f}; {SCORES[name][1]}"
    return (
        f"{title(name)}: {t['verdict']} ({_signed(t['per_week'], digits)} {unit} a week, 95 % interval "
        f"{_signed(t['low'], digits)} to {_signed(t['high'], digits)}, {count(t['n'], 'check')}; {span}{mdc})."
    )


def status_sentences(m: dict) -> list[str]:
    n = m["checks"]
    video = "" if not m["from_video"] else ", from a video file" if n == 1 else f", {m['from_video']} from video files"
    out = [f"{count(n, 'check')}, {m['first'][:10]}" + (f" to {m['last'][:10]}" if n > 1 else "") + f"{video}."]
    out[0] += f" These are {LABEL}."
    if not m["enough"]:
        out.append(
            f"Not enough checks for a trend yet: a trend needs at least {MIN_TREND_SESSIONS} checks over at least "
            f"a week (about a month of weekly checks); {count(n, 'check')} so far."
        )
    last = m["last_check"]
    if last and last["missing"]:
        names = ", ".join(BY_KEY[k].name.lower() for k in last["missing"])
        out.append(f"The last check did not find: {names} (shown as missing, never as zero).")
    return out


def _spark(values) -> str:
    v = np.array([x for x in values if x is not None], float)
    if len(v) == 0:
        return ""
    lo, hi = v.min(), v.max()
    scaled = np.zeros(len(v), int) if hi == lo else np.round((v - lo) / (hi - lo) * (len(SPARK) - 1)).astype(int)
    return "".join(SPARK[i] for i in scaled)


def movement_terminal_lines(m: dict | None) -> list[str]:
    """The lines `trend` prints: none with no check in the log; else what the checks are, and a
    line a movement and a score (a sparkline of its last SPARK_WEEKS weeks, the latest value and
    the trend)."""
    if not m or not m["checks"]:
        return []
    lines = ["Movement check: " + " ".join(m["sentences"])]
    for name, t in m["trends"].items():
        weeks = [w["ratio_pct"][name] if name in BY_KEY else w[name] for w in m["weekly"][-SPARK_WEEKS:]]
        if name in BY_KEY:
            label, last = BY_KEY[name].name.lower(), f"{t['last']:.0f} %"
            change = f"{_signed(t['per_week'])} points/week, 95 % interval {_signed(t['low'])} to {_signed(t['high'])}"
            if t["mdc95"] is not None:
                change += f"; MDC95 {t['mdc95']:.0f}"
        else:
            label, last = SCORES[name][0].lower(), f"{t['last']:.0f}"
            change = (
                f"{_signed(t['per_week'], 2)}/week, 95 % interval {_signed(t['low'], 2)} to {_signed(t['high'], 2)}"
            )
        verdict = t["verdict"] if t["verdict"] == TOO_FEW else f"{t['verdict']} ({change})"
        lines.append(f"  {label:<25} {_spark(weeks):<{SPARK_WEEKS}} latest {last:>5}  {verdict}")
    return lines


# -- the page ---------------------------------------------------------------------------------
def movement_html(m: dict | None) -> list[str]:
    """The page's "Movement and synkinesis": one calm sentence with no check in the log; else
    what the checks are, the trends in words, the weekly chart, the last check per movement,
    the weeks, and what the numbers mean."""
    if m is None:
        return []
    e = html.escape
    parts = ["<h2>Movement and synkinesis</h2>", *(f"<p class='movement'>{e(s)}</p>" for s in m["sentences"])]
    if not m["checks"]:
        return parts
    if m["enough"]:
        parts += ["<ul class='movement'>", *(f"<li>{e(t['sentence'])}</li>" for t in m["trends"].values()), "</ul>"]
    parts.append(weekly_svg(m["weekly"]))
    parts.append(_last_table(m["movements"]))
    parts.append(_weeks_table(m["weekly"]))
    parts.append(
        "<p><small>"
        + e(
            "The ratio is how far your weaker side moved as a share of your stronger side, each measured from your "
            "own resting face in the same check (100 % is both sides alike). Synkinesis is unwanted movement "
            "elsewhere: your eye narrowing while your mouth moves, or your mouth corner moving while you close "
            "your eyes or raise your brows, graded per side from 0 (none) to 3 (marked), in the manner of the "
            "Sunnybrook scale; the composite is its voluntary movement score minus the resting and synkinesis "
            f"scores. These are {LABEL}: useful to follow your own change week by week, not to compare with a "
            "clinician's grading. A movement a check did not find is shown as missing, never as zero. Trends are "
            "per week over every check, with the slope's 95 % interval; a change is said only when it excludes 0. "
            "A change in a ratio smaller than its MDC95 (from how much the ratio varies between the repetitions "
            "within one check) cannot be told from measurement noise."
        )
        + "</small></p>"
    )
    return parts


def _fmt(v, digits: int = 0, unit: str = "") -> str:
    return "–" if v is None else f"{v:.{digits}f}{unit}"


def _last_table(rows: list[dict]) -> str:
    e = html.escape
    head = (
        "<table class='movement-last'><caption>The last check of each movement</caption><tr><th>movement</th>"
        "<th>check of</th><th>left mm</th><th>right mm</th><th>ratio</th><th>weaker side</th>"
        "<th>synkinesis watched in</th><th>its grade, left</th><th>right</th></tr>"
    )
    body = []
    for r in rows:
        if not r["found"]:
            body.append(f"<tr><td>{e(r['name'])}</td><td colspan='8'>not found in any check yet</td></tr>")
            continue
        ex, g = r["excursion_mm"], r["synkinesis_grade"]
        watched = "the eyes" if r["synkinesis_watched"] == "eye" else "the mouth corners"
        body.append(
            f"<tr><td>{e(r['name'])}</td><td style='white-space: nowrap'>{e(r['date'])}</td>"
            f"<td>{_fmt(ex['left'], 1)}</td><td>{_fmt(ex['right'], 1)}</td>"
            f"<td>{_fmt(r['ratio_pct'], 0, '&nbsp;%')}</td>"
            f"<td>{e(r['weaker'] or 'neither')}</td><td>{watched}</td><td>{g['left']}</td><td>{g['right']}</td></tr>"
        )
    return head + "".join(body) + "</table>"


def _weeks_table(weeks: list[dict]) -> str:
    e = html.escape
    head = (
        "<table class='movement-weeks'><caption>Week by week (medians)</caption><tr><th>week of</th><th>checks</th>"
        + "".join(f"<th>{e(BY_KEY[k].name)}</th>" for k in MOVEMENT_KEYS)
        + "<th>synkinesis</th><th>voluntary</th><th>composite</th></tr>"
    )
    body = [
        f"<tr><td style='white-space: nowrap'>{e(w['week'])}</td><td>{w['checks']}</td>"
        + "".join(f"<td>{_fmt(w['ratio_pct'][k], 0, '&nbsp;%')}</td>" for k in MOVEMENT_KEYS)
        + "".join(f"<td>{_fmt(w[name])}</td>" for name in SCORES)
        + "</tr>"
        for w in weeks
    ]
    return head + "".join(body) + "</table>"


def weekly_svg(weeks: list[dict], width: int = 640, height: int = 250) -> str:
    """Each movement's weekly median ratio (0–100 %) as a line over the weeks, inline SVG: it
    scales, prints sharp and needs nothing to load. A week without the movement breaks its line."""
    e = html.escape
    left, right, top, bottom = 44, 150, 14, 34  # room for the axis labels and the legend
    w, h = width - left - right, height - top - bottom
    starts = [date.fromisoformat(wk["week"]) for wk in weeks]
    span = max((starts[-1] - starts[0]).days, 1) if starts else 1
    x = lambda d: left + (w * (d - starts[0]).days / span if len(starts) > 1 else w / 2)  # noqa: E731
    y = lambda pct: top + h * (1 - pct / 100.0)  # noqa: E731
    out = [
        f"<svg class='movement-chart' xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
        f"width='{width}' height='{height}' role='img' aria-labelledby='movement-chart-title'>",
        "<title id='movement-chart-title'>Each movement's weekly ratio, weaker side against the stronger, in %</title>",
        "<rect width='100%' height='100%' fill='#ffffff'/>",
    ]
    for pct in (0, 25, 50, 75, 100):
        out.append(
            f"<line x1='{left}' x2='{left + w}' y1='{y(pct):.1f}' y2='{y(pct):.1f}' stroke='#dddddd' "
            f"stroke-width='{1.5 if pct == 100 else 1}'/>"
            f"<text x='{left - 6}' y='{y(pct) + 4:.1f}' font-size='11' text-anchor='end' fill='#555555'>{pct} %</text>"
        )
    labels = dict.fromkeys([starts[0], starts[len(starts) // 2], starts[-1]]) if starts else {}
    for d in labels:
        out.append(
            f"<text x='{x(d):.1f}' y='{top + h + 18}' font-size='11' text-anchor='middle' fill='#555555'>"
            f"{e(d.isoformat())}</text>"
        )
    for i, key in enumerate(MOVEMENT_KEYS):
        colour = COLOURS[i % len(COLOURS)]
        runs: list[list[tuple[float, float]]] = [[]]
        for d, wk in zip(starts, weeks):
            pct = wk["ratio_pct"][key]
            if pct is None:
                runs.append([])  # a week without it: the line breaks
            else:
                runs[-1].append((x(d), y(pct)))
        runs = [r for r in runs if r]
        for r in runs:
            coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in r)
            out.append(f"<polyline points='{coords}' fill='none' stroke='{colour}' stroke-width='2'/>")
        out += [f"<circle cx='{px:.1f}' cy='{py:.1f}' r='3' fill='{colour}'/>" for r in runs for px, py in r]
        ly = top + 12 + 18 * i
        out.append(
            f"<line x1='{left + w + 14}' x2='{left + w + 32}' y1='{ly - 4}' y2='{ly - 4}' stroke='{colour}' "
            f"stroke-width='2'/><text x='{left + w + 38}' y='{ly}' font-size='11' fill='#333333'>"
            f"{e(BY_KEY[key].name)}</text>"
        )
    out.append(
        f"<text x='{left + w + 14}' y='{top + 12 + 18 * len(MOVEMENT_KEYS) + 8}' font-size='10' fill='#555555'>"
        "100 %: both sides alike</text></svg>"
    )
    return "".join(out)
