"""`facetension report` and `facetension trend`: the log's history as trends."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from . import outputs, report
from .cli_common import add_db_option, add_since_option
from .habit import Habit, habit_from
from .storage import Log, Measures
from .tension import INDEX_SCALE
from .trends import Point


def region_tension(m: Measures | None) -> dict[str, float]:
    """Tension region → its tenser side, in index points: each region as the tension index
    counts it (tension.tension_index), so a region's change reads on the index's own scale."""
    out: dict[str, float] = {}
    for (region, _side), v in m.tension.items() if m else ():
        if v is not None:
            out[region] = max(out.get(region, 0.0), INDEX_SCALE * v)
    return out


def points_from(log: Log, since: date | None = None) -> tuple[list[Point], set[str]]:
    """One trends.Point per practice session in the log, in its own local time."""
    records = [r for r in log.sessions(since=since) if r.kind == "practice"]
    gaps = log.before_half_gaps([r.id for r in records])
    points = []
    for r in records:
        b, a, m = r.before, r.after, r.after_massage
        points.append(
            Point(
                local_start=datetime.fromisoformat(r.started_local).replace(tzinfo=None),
                asymmetry_index=b.asymmetry_index if b else None,
                tension_before=b.tension_index if b else None,
                tension_after=a.tension_index if a else None,
                diffs=dict(b.diffs) if b else {},
                twitches=r.twitches or 0,
                pain_before=r.journal.pain_before,
                pain_after=r.journal.pain_after,
                tags=r.journal.tags,
                completed=r.status == "completed",
                half_gap=gaps.get(r.id),
                session_id=r.id,
                from_video=not r.source.startswith("camera"),
                massage_s=r.massage_s,
                tension_after_massage=m.tension_index if m else None,
                tension_regions=region_tension(b),
                tension_regions_after_massage=region_tension(m),
            )
        )
    return points, {r.tz for r in records}


def habit_now(log: Log) -> Habit:
    """The habit as of today, this computer's local date: every practice day in the log,
    whatever --since says (the habit is about now)."""
    return habit_from(log.practice_days(), date.today())


def cmd_report(args) -> int:
    with Log.open(args.db, readonly=True) as log:
        points, zones = points_from(log, args.since)
        habit = habit_now(log)
    numbers = report.build(points, zones, habit)
    if args.json:
        print(json.dumps(numbers, default=str))
        return 0
    out = Path(args.out)
    with outputs.private_file(out) as f:  # a report is replaced whole; it is health data: 0600
        f.write(report.render_html(points, numbers))
    print(report.terminal(numbers))
    print(f"Report written to {out} (open it in a browser; it prints well too).")
    return 0


def cmd_trend(args) -> int:
    with Log.open(args.db, readonly=True) as log:
        points, zones = points_from(log, args.since)
        habit = habit_now(log)
    print(report.terminal(report.build(points, zones, habit)))
    return 0


def register(sub) -> None:
    r = sub.add_parser(
        "report",
        help="trends over weeks, as an HTML page to keep or show your therapist",
        description="Weekly trends of asymmetry and tension, trigger effects, and charts, "
        "in one self-contained HTML file.",
    )
    add_since_option(r)
    r.add_argument("--out", default="report.html", metavar="FILE", help="where to write it (default report.html)")
    r.add_argument("--json", action="store_true", help="print the numbers as JSON instead")
    add_db_option(r)
    r.set_defaults(func=cmd_report)
    t = sub.add_parser(
        "trend",
        help="a short summary of your trends, in the terminal",
        description="A short terminal summary of your trends, with sparklines.",
    )
    add_since_option(t)
    add_db_option(t)
    t.set_defaults(func=cmd_trend)
