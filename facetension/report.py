"""The trends report: numbers (JSON), a terminal summary, and a self-contained HTML page.

Charts are PNGs embedded as data URLs, so the page loads nothing from anywhere and prints
as it shows. Every edge case (an empty log, one session, a single day, gaps, several time
zones, incomplete sessions) gets an honest sentence instead of a misleading chart.

Each region is trended by its signed left − right toward the person's own symmetry
(symmetry.py; words, --json "symmetry" and its chart in report_symmetry.py).

The massage effect (trends.massage_effect) is said in plain sentences, the same in the
page, in --json ("massage") and as one line of `trend`. With no massage in the log, the
page and --json carry one calm sentence that shows how to try it, and `trend` leaves the
line out: its summary stays short for whoever does not massage. Blinks eye by eye
(report_blinks.py) follow the same rule when the log holds no blink.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import asdict
from datetime import date, timedelta

import numpy as np

from .habit import MONTHS, WEEKDAYS, Habit, day_label, habit_json
from .methods import change_note, changes_within, eras
from .report_blinks import blinks_html, blinks_json, blinks_terminal_lines
from .report_movement import movement_html, movement_terminal_lines  # numbers: report_cli sets r["movement"]
from .report_symmetry import regions_figure, symmetry_html, symmetry_json, terminal_lines
from .safetext import printable
from .symmetry import ZERO, AffectedSide, Reference, affected_side, region_trends
from .trends import (
    MIN_GROUP,
    MIN_PAIRED,
    MIN_REGION_PAIRED,
    MassageEffect,
    Point,
    Slope,
    intercepts,
    massage_effect,
    mdc95,
    spearman,
    trends,
    trigger_effects,
    weekly,
)
from .wording import NOT_A_DEVICE, RED_FLAGS, REGION_NAMES, REGION_SHORT, count

GAP_WEEKS = 3  # a pause longer than this is pointed out
SPARK = "▁▂▃▄▅▆▇█"
TITLES = {
    "asymmetry_index": "Resting asymmetry index",
    "tension_before": "Tension index (before practice)",
}


def build(
    points: list[Point],
    zones: set[str] | None = None,
    habit: Habit | None = None,
    side: AffectedSide | None = None,
    reference: Reference = ZERO,
) -> dict:
    """Every number of the report, for --json and for the page. habit: the days practised up
    to today (all of them, whatever the points' --since), for the habit line and the calendar
    strip; None leaves them out. side: the affected side (None: inferred from these points);
    reference: what symmetric means for this person, per region."""
    points = sorted(points, key=lambda p: p.local_start)
    done = [p for p in points if p.completed]
    notes = []
    if not points:
        notes.append("No practice sessions yet: practise a few times and the trends will appear here.")
    elif len(done) < 2:
        notes.append("Only one completed session so far: trends need a few weeks of practice.")
    elif len({p.local_start.date() for p in done}) == 1:
        notes.append("All sessions are from one day: a weekly trend needs sessions on several days.")
    incomplete = len(points) - len(done)
    if incomplete:
        notes.append(
            f"{count(incomplete, 'incomplete session')} (listed below) "
            f"{'is' if incomplete == 1 else 'are'} kept out of the trends."
        )
    gaps = [
        (a.local_start, b.local_start)
        for a, b in zip(done, done[1:])
        if b.local_start - a.local_start > timedelta(weeks=GAP_WEEKS)
    ]
    for a, b in gaps:
        notes.append(f"No sessions between {a.date()} and {b.date()}: the trend bridges that gap.")
    changes = changes_within([(p.local_start, p.app_version) for p in done])
    notes += [change_note(c) for c in changes]
    if zones and len(zones) > 1:
        notes.append(
            f"Sessions were held in {len(zones)} time zones ({', '.join(sorted(zones))}); "
            "each is shown at its own local time."
        )
    slopes = trends(points)
    side = side or affected_side(None, points, reference)
    pain = spearman([p.pain_before for p in done], [p.tension_before for p in done])
    weeks = (points[-1].local_start - points[0].local_start).days // 7 + 1 if points else 0
    return {
        "headline": headline(slopes.get("asymmetry_index"), weeks),
        "incomplete": [p.local_start.isoformat(timespec="minutes") for p in points if not p.completed],
        "from_video": sum(p.from_video for p in points),
        "sessions": len(points),
        "completed": len(done),
        "first": points[0].local_start.isoformat() if points else None,
        "last": points[-1].local_start.isoformat() if points else None,
        "weekly": weekly(done),
        "trends": {k: asdict(v) for k, v in slopes.items()},
        "mdc95_asymmetry_index": mdc95(done),
        "symmetry": symmetry_json(region_trends(points, reference, side), side, reference),
        "trigger_effects": {
            "tension_before": [asdict(e) for e in trigger_effects(points, "tension_before")],
            "asymmetry_index": [asdict(e) for e in trigger_effects(points, "asymmetry_index")],
        },
        "pain_vs_tension": None if pain is None else dict(zip(("rho", "low", "high", "n"), pain)),
        "massage": massage_json(massage_effect(points)),
        "blinks": blinks_json(points),
        "notes": notes,
        "method_changes": [
            {"version": c.version, "first_used": c.first_used.isoformat(), "what": c.what, "regions": list(c.regions)}
            for c in changes
        ],
        "habit": None if habit is None else habit_json(habit),
    }


def headline(slope: Slope | None, weeks: int) -> str:
    """The page's first line, readable without any statistics."""
    if slope is None or slope.verdict == "not enough data":
        return "Not enough sessions yet for a trend: keep practising, and it will show here."
    span = f"Over the last {count(weeks, 'week')}"
    if slope.verdict not in ("improving", "worsening"):
        return f"{span}, your resting asymmetry shows no clear change yet."
    near, far = sorted((abs(slope.low), abs(slope.high)))  # the interval is all on one side of 0 here
    word = "improved" if slope.verdict == "improving" else "worsened"
    return (
        f"{span}, your resting asymmetry {word} by {abs(slope.per_week):.1f} points a week "
        f"(95 % interval {near:.1f} to {far:.1f})."
    )


NO_MASSAGE = "No completed sessions with a massage yet: try `facetension practice --massage 3`."


def massage_json(m: MassageEffect) -> dict:
    return {
        "sessions_with": m.sessions_with,
        "sessions_without": m.sessions_without,
        "min_sessions": MIN_PAIRED,  # with a massage, for its effect
        "min_sessions_region": MIN_REGION_PAIRED,
        "min_sessions_each": MIN_GROUP,  # with and without, for the gain's comparison
        "effect": None if m.index is None else asdict(m.index),  # tension index, before − after massage
        "regions": [asdict(e) for e in m.regions],
        "gain": None if m.gain is None else asdict(m.gain),  # relaxation gain, with − without
        "sentences": massage_sentences(m),
    }


def _minus(v: float) -> str:
    """One decimal, with a real minus sign, and never '−0.0'."""
    text = f"{v:.1f}"
    return "0.0" if text == "-0.0" else text.replace("-", "−")


def _one_way(v: float, low: float, high: float) -> tuple[bool, str, str, str]:
    """(v >= 0, |v|, and the interval turned the same way round), formatted: 'fell by 6.1
    (95 % interval 4.9 to 7.3)' and 'rose by 6.1 (...)' read alike."""
    up = v >= 0
    v, low, high = (v, low, high) if up else (-v, -high, -low)
    return up, _minus(v), _minus(low), _minus(high)


def massage_sentences(m: MassageEffect) -> list[str]:
    """The massage effect in words: what the massage itself did, then how the whole session's
    relaxation gain compares with and without one."""
    if m.sessions_with == 0:
        return [NO_MASSAGE]
    e, g = m.index, m.gain
    if e is None:
        first = (
            f"Not enough sessions with a massage yet to tell its effect: it needs {MIN_PAIRED} completed "
            f"sessions with a resting measurement before and after the massage "
            f"({count(m.sessions_with, 'session')} with a massage so far)."
        )
    else:
        up, v, low, high = _one_way(e.fall, e.low, e.high)
        unclear = "" if e.low > 0 or e.high < 0 else ", so no clear change yet"
        first = (
            f"In the {count(e.n, 'session')} with a massage, tension {'fell' if up else 'rose'} by {v} points "
            f"(95 % interval {low} to {high}{unclear}) from before to after the massage."
        )
    if g is None:
        second = (
            f"Comparing the whole session's relaxation gain with and without massage needs {MIN_GROUP} "
            f"completed sessions of each (so far {m.sessions_with} with, {m.sessions_without} without)."
        )
    else:
        up, v, low, high = _one_way(g.difference, g.low, g.high)
        unclear = "" if g.low > 0 or g.high < 0 else ", not a clear difference yet"
        second = (
            f"With massage, the whole session's relaxation gain was {v} points {'larger' if up else 'smaller'} "
            f"(95 % interval {low} to {high}{unclear}; {g.n_with} sessions with, {g.n_without} without)."
        )
    return [first, second]


def sources(r: dict) -> str:
    """Where the sessions came from: the camera, or video files (a demo, a phone recording)."""
    video = r["from_video"]
    return f"{r['sessions'] - video} from the camera, {video} from video files"


def sentence(name: str, s: dict, unit: str = "points") -> str:
    if s["verdict"] == "not enough data":
        return f"{TITLES.get(name, name)}: not enough data for a trend yet."
    return (
        f"{TITLES.get(name, name)}: {s['verdict']} ({s['per_week']:+.2f} {unit}/week, "
        f"95 % interval {s['low']:+.2f} to {s['high']:+.2f}, {count(s['n'], 'session')})."
    )


def sparkline(values) -> str:
    v = np.array([x for x in values if x is not None and np.isfinite(x)], float)
    if len(v) == 0:
        return ""
    lo, hi = v.min(), v.max()
    scaled = np.zeros(len(v), int) if hi == lo else np.round((v - lo) / (hi - lo) * (len(SPARK) - 1)).astype(int)
    return "".join(SPARK[i] for i in scaled)


def terminal(r: dict) -> str:
    lines = [
        r["headline"],
        f"{count(r['sessions'], 'session')} ({r['completed']} completed; {sources(r)})"
        + (f", {r['first'][:10]} to {r['last'][:10]}" if r["first"] else ""),
    ]
    if r["habit"] and r["habit"]["sentence"]:
        lines.append(r["habit"]["sentence"])
    weeks = r["weekly"]
    if weeks:
        lines.append("asymmetry by week  " + sparkline([w["asymmetry_index"] for w in weeks]))
        lines.append("tension by week    " + sparkline([w["tension_before"] for w in weeks]))
    for name in ("asymmetry_index", "tension_before"):
        if name in r["trends"]:
            lines.append(sentence(name, r["trends"][name]))
    if r["mdc95_asymmetry_index"] is not None:
        lines.append(
            f"A change smaller than {r['mdc95_asymmetry_index']:.1f} points cannot be told from measurement noise."
        )
    lines += terminal_lines(r["symmetry"])
    if r["massage"]["sessions_with"]:
        lines.append("Massage: " + " ".join(r["massage"]["sentences"]))
    lines += blinks_terminal_lines(r["blinks"]) + movement_terminal_lines(r.get("movement"))
    lines += r["notes"]
    if r["incomplete"]:
        lines.append("Incomplete: " + ", ".join(t.replace("T", " ") for t in r["incomplete"]))
    return printable("\n".join(lines))  # time-zone names come from the log


# -- charts ---------------------------------------------------------------------------------
def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _trend_chart(points: list[Point], attr: str, title: str, slope: Slope | None) -> str:
    return _png(_trend_figure(points, attr, title, slope))


def _trend_figure(points: list[Point], attr: str, title: str, slope: Slope | None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [p for p in points if p.completed and getattr(p, attr) is not None]
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    xs = [p.local_start for p in done]
    ax.plot(xs, [getattr(p, attr) for p in done], "o", ms=3, alpha=0.45, color="#4477aa", label="sessions")
    wk = weekly(done)
    key = {"asymmetry_index": "asymmetry_index", "tension_before": "tension_before"}[attr]
    from datetime import datetime

    ax.plot(
        [datetime.fromisoformat(w["week"]) + timedelta(days=3.5) for w in wk],
        [w[key] for w in wk],
        "-",
        color="#223355",
        lw=2,
        label="weekly median",
    )
    if slope is not None and slope.verdict != "not enough data":
        t0 = min(xs)
        days = np.array([(x - t0).total_seconds() / 86400 for x in xs])
        values = np.array([getattr(p, attr) for p in done], float)
        # The index is made of every region: each era of measuring (methods.py) has its own line.
        era = eras([p.app_version for p in done]) if attr == "asymmetry_index" else np.zeros(len(done), int)
        for i, (label, height) in enumerate(sorted(intercepts(days, values, slope, era).items())):
            at = np.flatnonzero(era == label)
            line = height + slope.per_week / 7 * days[at]
            ax.plot([xs[k] for k in at], line, "--", color="#cc6633", lw=1.5, label="trend" if i == 0 else None)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # outside: it never hides a point
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def _regions_chart(points: list[Point], sym: dict):
    return _png(regions_figure(points, sym))


def _effects_chart(effects: list[dict]):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 0.5 + 0.35 * len(effects)))
    for i, e in enumerate(effects):
        colour = "#cc3311" if e["low"] > 0 else "#009988" if e["high"] < 0 else "#888888"
        ax.errorbar(
            e["difference"],
            i,
            xerr=[[e["difference"] - e["low"]], [e["high"] - e["difference"]]],
            fmt="o",
            color=colour,
            capsize=3,
        )
    ax.set_yticks(range(len(effects)), [f"{e['name']} ({e['n_with']}/{e['n_without']})" for e in effects], fontsize=8)
    ax.axvline(0, color="#888", lw=0.8)
    ax.set_xlabel("difference in tension index (with − without), 95 % interval", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    return _png(fig)


# -- the page ---------------------------------------------------------------------------------
CSS = """
body { font-family: sans-serif; max-width: 52em; margin: 2em auto; color: #222; line-height: 1.45; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { padding: 0.2em 0.6em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; } .note { background: #f4f1e8; padding: 0.5em 0.8em; border-radius: 4px; }
.strip { border-collapse: separate; border-spacing: 3px; margin: 0.4em 0; }
.strip th, .strip td { padding: 0; border: 0; }
.strip th { font-weight: normal; font-size: 0.7em; color: #666; text-align: center; }
.strip th[scope=row] { text-align: right; padding-right: 0.5em; white-space: nowrap; }
.day { display: block; width: 1.05em; height: 1.05em; box-sizing: border-box; border-radius: 3px;
  background: #f1f1f1; border: 1px solid #dddddd; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.day.on { background: #4a8f7b; border-color: #3f7a69; }
.day.today { box-shadow: 0 0 0 2px #9fb8c8; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } img { page-break-inside: avoid; } }
"""


def _fmt(v, digits=1) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _calendar_html(h: dict) -> str:
    """The days practised as small squares, a week a row, Monday to Sunday: practised days
    filled in a calm green, the others plain. Every day is named for screen readers and on
    hover ('Monday 2 March 2026: practised'); the sentence above says it in words."""
    e = html.escape
    days = [(date.fromisoformat(c["date"]), c["practised"]) for c in h["calendar"]]
    today = date.fromisoformat(h["today"])
    rows = [
        "<table class='strip'><tr><td></td>"
        + "".join(f"<th scope='col' abbr='{e(d)}'>{e(d[:3])}</th>" for d in WEEKDAYS)
        + "</tr>"
    ]
    for i in range(0, len(days), 7):
        week = days[i : i + 7]
        cells = [
            f"<td><span class='day{' on' if done else ''}{' today' if d == today else ''}' role='img' "
            f"title='{e(day_label(d, done))}' aria-label='{e(day_label(d, done))}'></span></td>"
            for d, done in week
        ]
        cells += ["<td></td>"] * (7 - len(week))  # the days of this week still to come
        monday = week[0][0]
        rows.append(f"<tr><th scope='row'>{monday.day} {MONTHS[monday.month - 1][:3]}</th>{''.join(cells)}</tr>")
    return "".join(rows) + "</table>"


def _massage_html(m: dict) -> list[str]:
    """The 'Massage effect' section: the sentences, then a small table of the massage's own
    effect (the index, then each region with enough sessions). Plain, no colours."""
    e = html.escape
    parts = ["<h2>Massage effect</h2>"] + [f"<p class='massage'>{e(s)}</p>" for s in m["sentences"]]
    if m["effect"]:
        rows = [("tension index", m["effect"])] + [
            (f"{REGION_NAMES.get(g['name'], g['name'])} (tenser side)", g) for g in m["regions"]
        ]
        parts.append(
            "<table class='massage'><tr><th></th><th>sessions</th><th>before</th><th>after massage</th>"
            "<th>fall</th><th>95 % interval</th></tr>"
            + "".join(
                f"<tr><td>{e(name)}</td><td>{g['n']}</td><td>{_minus(g['before'])}</td><td>{_minus(g['after'])}</td>"
                f"<td>{_minus(g['fall'])}</td><td>{_minus(g['low'])} to {_minus(g['high'])}</td></tr>"
                for name, g in rows
            )
            + "</table>"
        )
    if m["sessions_with"]:
        parts.append(
            "<p><small>In points of the tension index (0 to 100), resting measurements of completed "
            "sessions. The fall is before minus after the massage, averaged over sessions, with its 95 % "
            "interval (Student's t). A region is shown once "
            f"{m['min_sessions_region']} sessions measured it. The relaxation gain is before minus after "
            "the whole session; its comparison goes by the massage the session guided, not by the "
            "<em>massage</em> tag, and the days you chose to massage may differ in other ways too.</small></p>"
        )
    return parts


def render_html(points: list[Point], r: dict) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>facetension report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Your facial asymmetry and tension over time</h1>",
        f"<p class='headline'><strong>{e(r['headline'])}</strong></p>",
        f"<p>{count(r['sessions'], 'session')} ({r['completed']} completed; {e(sources(r))})"
        + (f", from {e(r['first'][:10])} to {e(r['last'][:10])}" if r["first"] else "")
        + ".</p>",
    ]
    for note in r["notes"]:
        parts.append(f"<p class='note'>{e(note)}</p>")
    habit = r["habit"]
    if habit and habit["calendar"]:  # nothing to show before the first practice
        parts.append("<h2>Days you practised</h2>")
        if habit["sentence"]:
            parts.append(f"<p class='habit'>{e(habit['sentence'])}</p>")
        parts.append(_calendar_html(habit))
        parts.append(
            "<p><small>A filled square is a day you practised; each row is a week, Monday to Sunday.</small></p>"
        )
    enough = r["completed"] >= 2 and len({p.local_start.date() for p in points if p.completed}) > 1
    if enough:
        parts.append("<h2>Are things getting better?</h2><ul>")
        for name in ("asymmetry_index", "tension_before"):
            parts.append(f"<li>{e(sentence(name, r['trends'][name]))}</li>")
        if r["mdc95_asymmetry_index"] is not None:
            parts.append(
                f"<li>Minimal detectable change of the asymmetry index: {r['mdc95_asymmetry_index']:.1f} "
                "points (smaller changes cannot be told from measurement noise).</li>"
            )
        parts.append("</ul>")
        slopes = {k: Slope(**v) for k, v in r["trends"].items()}
        for attr in ("asymmetry_index", "tension_before"):
            chart = _trend_chart(points, attr, TITLES[attr], slopes.get(attr))
            parts.append(f"<img alt='{e(TITLES[attr])} over time' src='{chart}'>")
        parts += symmetry_html(r["symmetry"], _regions_chart(points, r["symmetry"]))
    effects = r["trigger_effects"]["tension_before"]
    parts.append("<h2>What makes it worse?</h2>")
    if effects:
        parts.append(f"<img alt='Trigger effects on tension' src='{_effects_chart(effects)}'>")
        parts.append(
            "<p>Red: clearly more tension with the tag; green: clearly less; grey: no clear "
            "difference. In brackets: sessions with / without. A tag is your own word for the day "
            "(<em>evening</em> is what you tagged); the morning-evening line goes by the clock alone, "
            "so the two can differ.</p>"
        )
    else:
        parts.append(
            "<p class='note'>Not enough tagged sessions yet: a trigger needs at least 3 sessions with "
            "it and 3 without.</p>"
        )
    pvt = r["pain_vs_tension"]
    if pvt:
        parts.append(
            f"<p>Pain and tension: Spearman ρ = {pvt['rho']:.2f} (95 % interval {pvt['low']:.2f} to "
            f"{pvt['high']:.2f}, {count(pvt['n'], 'session')}).</p>"
        )
    parts += _massage_html(r["massage"])
    parts += blinks_html(r["blinks"]) + movement_html(r.get("movement"))
    if r["weekly"]:
        regions = sorted({g for w in r["weekly"] for g in w["diffs"]})
        parts.append(
            "<h2>Week by week</h2><table><tr><th>week of</th><th>sessions</th><th>asymmetry</th>"
            "<th>tension before</th><th>after</th><th>gain</th><th>twitches</th><th>pain</th>"
            + "".join(f"<th>{e(REGION_SHORT[g])} L−R mm</th>" for g in regions)
            + "</tr>"
        )
        for w in r["weekly"]:
            parts.append(
                f"<tr><td>{e(w['week'])}</td><td>{w['sessions']}</td><td>{_fmt(w['asymmetry_index'])}</td>"
                f"<td>{_fmt(w['tension_before'])}</td><td>{_fmt(w['tension_after'])}</td>"
                f"<td>{_fmt(w['relaxation_gain'])}</td><td>{_fmt(w['twitches_per_session'])}</td>"
                f"<td>{_fmt(w['pain'])}</td>"
                + "".join(f"<td>{_fmt(w['diffs'].get(g), 2)}</td>" for g in regions)
                + "</tr>"
            )
        parts.append("</table>")
    if r["incomplete"]:
        parts.append(
            "<h2>Incomplete sessions</h2><p>Kept in your log, left out of the trends:</p><ul>"
            + "".join(f"<li>{e(t.replace('T', ' '))}</li>" for t in r["incomplete"])
            + "</ul>"
        )
    parts.append(
        f"<footer><p><small>{e(NOT_A_DEVICE)} Made by facetension on your own computer; nothing in "
        "this page was sent anywhere.</small></p><p><small>When to get help: "
        + " ".join(e(t) for t in RED_FLAGS)
        + "</small></p></footer></body></html>"
    )
    return "\n".join(parts)
