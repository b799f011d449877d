"""`facetension report` and `facetension trend`: the log's history as trends.

The regions are trended toward the person's own symmetry (symmetry.py): the reference is the
newest personal baseline in the log (their calibrated relaxed face), the affected side their
setting (`facetension settings`, key AFFECTED_SIDE_KEY), else inferred from their first
sessions: from the whole log, whatever --since says (the first sessions are the earliest).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from . import __version__, outputs, report
from .baselines import measured_now
from .checklog import load_checks, load_trace_arrays
from .cli_common import add_db_option, add_since_option
from .errors import StorageError
from .habit import Habit, habit_from
from .report_blinks import session_summaries
from .report_movement import movement_json
from .storage import Log, Measures
from .symmetry import ZERO, AffectedSide, Reference, affected_side, reference_from
from .tension import INDEX_SCALE
from .trends import Point

AFFECTED_SIDE_KEY = "affected_side"  # settings: "left", "right" or "none"; absent or "auto": inferred


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
    region_gaps = log.before_half_gaps_by_region([r.id for r in records])
    blinks = session_summaries(*log.blink_rows(r.id for r in records))
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
                half_gaps=region_gaps.get(r.id, {}),
                session_id=r.id,
                from_video=not r.source.startswith("camera"),
                massage_s=r.massage_s,
                tension_after_massage=m.tension_index if m else None,
                tension_regions=region_tension(b),
                tension_regions_after_massage=region_tension(m),
                blinks=blinks.get(r.id),
                app_version=r.app_version,
            )
        )
    return points, {r.tz for r in records}


def personal_reference(log: Log) -> Reference:
    """What symmetric means for this person: their newest calibrated relaxed face, else 0. A
    baseline the log cannot read leaves the report at 0 (measuring says what is wrong with it)."""
    try:
        found = [b for _, b in log.baselines() if b.rest.personal]
    except StorageError:
        return ZERO
    return reference_from(measured_now(found[-1], __version__)[0]) if found else ZERO


def symmetry_context(log: Log, points: list[Point] | None = None) -> tuple[AffectedSide, Reference]:
    """The affected side and the reference for the regions' trends. points: the whole log's
    (None: read here), which the side is inferred from when the person has not set it."""
    reference = personal_reference(log)
    setting = log.setting(AFFECTED_SIDE_KEY)
    if points is None and setting not in ("left", "right", "none"):
        points, _ = points_from(log)
    return affected_side(setting, points or [], reference), reference


def habit_now(log: Log) -> Habit:
    """The habit as of today, this computer's local date: every practice day in the log,
    whatever --since says (the habit is about now)."""
    return habit_from(log.practice_days(), date.today())


def _read(args) -> tuple[list[Point], dict]:
    """The points (from --since on) and the report's numbers, the movement checks' among them."""
    with Log.open(args.db, readonly=True) as log:
        points, zones = points_from(log, args.since)
        side, reference = symmetry_context(log, None if args.since else points)
        habit = habit_now(log)
        checks, traces = load_checks(log, since=args.since), load_trace_arrays(log, since=args.since)
    return points, report.build(points, zones, habit, side, reference) | {"movement": movement_json(checks, traces)}


def cmd_report(args) -> int:
    points, numbers = _read(args)
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
    print(report.terminal(_read(args)[1]))
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
