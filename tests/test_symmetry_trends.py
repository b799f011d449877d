"""Each region's signed trend toward the person's own symmetry (facetension/symmetry.py), on
constructed histories with known truth: the issue's six weeks that cross zero, a person with a
natural asymmetry of their own (their calibrated relaxed face), the mirrored face, a flat noisy
history; and the `settings` command that keeps the affected side."""

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from facetension import argtypes, settings_cli
from facetension.baselines import Baseline
from facetension.cli import main
from facetension.report_symmetry import regions_figure
from facetension.storage import Log, Measures, SampleRow, SessionSummary
from facetension.symmetry import (
    AWAY,
    TOWARD,
    UNCLEAR,
    ZERO,
    AffectedSide,
    affected_side,
    infer_affected_side,
    judge,
    reference_from,
    region_trends,
)
from facetension.trends import Point, Slope, theil_sen

from log_data import a_baseline

START = datetime(2026, 3, 2, 8, 0)  # a Monday
# The issue's six weekly held-out sessions: a left-eye narrowing fading week by week, through
# zero; and the mouth corner (drop), held higher on the left, easing without crossing zero.
ISSUE_EYE = (-0.38, -0.24, -0.07, +0.15, +0.41, +0.69)
ISSUE_MOUTH = (-2.1, -1.8, -1.6, -1.3, -1.1, -0.8)
# A person whose relaxed face has the left eye 0.8 mm more open (their calibrated baseline),
# with a tense right eye easing back to it.
NATURAL_EYE = {"left": 8.4, "right": 7.6}
EASING_TO_NATURAL = (+2.0, +1.75, +1.5, +1.3, +1.1, +1.0)
SETTLING_AT_NATURAL = (+0.1, +0.25, +0.4, +0.55, +0.65, +0.75)  # away from 0, toward +0.8


def weekly(eye, mouth=None, gaps=None):
    """One session a week with these left − right values (mm)."""
    mouth = mouth or (None,) * len(eye)
    return [
        Point(
            START + timedelta(weeks=i),
            20.0,
            30.0,
            20.0,
            {k: v for k, v in (("eye", e), ("mouth_corner", m)) if v is not None},
            half_gaps=gaps or {},
        )
        for i, (e, m) in enumerate(zip(eye, mouth))
    ]


def mirrored(points):
    return [replace(p, diffs={r: -v for r, v in p.diffs.items()}) for p in points]


def natural_baseline(eye=NATURAL_EYE):
    b = a_baseline()
    return replace(b, rest=replace(b.rest, eye_mm=dict(eye)))


def mirrored_baseline(b: Baseline) -> Baseline:
    fields = ("eye_mm", "corner_drop_mm", "corner_out_mm", "brow_mm")
    swap = {f: {"left": getattr(b.rest, f)["right"], "right": getattr(b.rest, f)["left"]} for f in fields}
    return replace(b, rest=replace(b.rest, **swap))


LEFT, RIGHT, NONE = (AffectedSide(s, inferred=False) for s in ("left", "right", "none"))


# -- (a) the issue's six weeks: through zero --------------------------------------------
def test_the_issues_eye_reads_toward_symmetry_not_no_clear_change():
    points = weekly(ISSUE_EYE, ISSUE_MOUTH)
    x = np.arange(6) * 7.0
    # What the report said before: the size |left − right| dips and rises, and its slope is flat.
    assert theil_sen(x, np.abs(ISSUE_EYE)).verdict == "no clear change yet"
    t = region_trends(points, ZERO, LEFT)
    eye, mouth = t["eye"], t["mouth_corner"]
    assert eye.slope.per_week == pytest.approx(0.2167, abs=1e-3)
    assert (eye.slope.low, eye.slope.high) == pytest.approx((0.155, 0.27))
    assert eye.direction == TOWARD and eye.crossed
    assert eye.start == pytest.approx(-0.457, abs=1e-3) and eye.end == pytest.approx(0.627, abs=1e-3)
    assert mouth.direction == TOWARD and not mouth.crossed and mouth.slope.per_week == pytest.approx(0.25)


@pytest.mark.parametrize(
    "side, eye_direction",
    [
        (LEFT, TOWARD),  # the left was held (narrower): its letting go, past zero, is toward symmetry
        (AffectedSide(None, inferred=True), TOWARD),  # inferred from the first sessions: left
        (RIGHT, AWAY),  # the right was held: a left eye opening past it reads away
        (NONE, AWAY),  # no side to go by: it ends further from 0 (0.63 mm) than it began (0.46)
    ],
)
def test_a_crossing_is_judged_by_the_affected_side(side, eye_direction):
    points = weekly(ISSUE_EYE, ISSUE_MOUTH)
    if side.side is None:
        side = affected_side(None, points)
        assert side == AffectedSide("left", inferred=True)
    assert region_trends(points, ZERO, side)["eye"].direction == eye_direction


@pytest.mark.parametrize(
    "start, end, tight, within, expected",
    [
        (-0.5, +0.6, -1, 0.0, (TOWARD, True)),  # from the held look, through it
        (+0.5, -0.6, -1, 0.0, (AWAY, True)),  # into the held look
        (-0.5, +0.6, None, 0.0, (AWAY, True)),  # no side: the end is further from symmetry
        (-0.7, +0.6, None, 0.0, (TOWARD, True)),  # no side: the end is nearer
        (-2.0, -0.8, -1, 0.0, (TOWARD, False)),  # on one side, nearing it
        (-0.8, -2.0, +1, 0.0, (AWAY, False)),  # on one side, leaving it
        (-0.1, +0.9, -1, 0.2, (AWAY, False)),  # began within the MDC95 of symmetry: no clear crossing
        (-1.0, +0.1, +1, 0.2, (TOWARD, False)),  # ends within the MDC95 of symmetry
    ],
)
def test_the_direction_rules(start, end, tight, within, expected):
    slope = Slope(end - start, 0.5 * (end - start), 1.5 * (end - start), 6, "worsening")
    if slope.low > slope.high:
        slope = replace(slope, low=slope.high, high=slope.low)
    assert judge(slope, start, end, 0.0, tight, within) == expected


def test_an_interval_that_includes_zero_is_no_clear_change():
    flat = Slope(0.1, -0.05, 0.25, 6, "no clear change yet")
    assert judge(flat, -0.5, +0.6, 0.0, -1) == (UNCLEAR, False)


# -- (b) a person with a natural asymmetry of their own -----------------------------------
def test_the_calibrated_relaxed_face_is_the_reference():
    ref = reference_from(natural_baseline())
    assert ref.of("eye") == pytest.approx(0.8)
    assert ref.of("mouth_corner") == pytest.approx(-1.0)  # a_baseline's drop: 60.0 − 61.0
    assert ref.of("nose") == 0.0 and "nose" not in ref.mm  # the baseline holds no nose
    not_personal = natural_baseline()
    not_personal = replace(not_personal, rest=replace(not_personal.rest, personal=False))
    assert reference_from(not_personal) == ZERO and reference_from(None) == ZERO


def test_natural_asymmetry_easing_back_reads_toward_symmetry():
    ref = reference_from(natural_baseline())
    points = weekly(EASING_TO_NATURAL)
    side = affected_side(None, points, ref)
    assert side == AffectedSide("right", inferred=True)  # the right eye read narrower than at rest
    eye = region_trends(points, ref, side)["eye"]
    assert eye.direction == TOWARD and not eye.crossed and eye.reference == pytest.approx(0.8)
    assert eye.slope.per_week == pytest.approx(-0.2) and eye.end > eye.reference


def test_settling_at_the_natural_asymmetry_is_toward_it_not_away_from_zero():
    points = weekly(SETTLING_AT_NATURAL)
    assert region_trends(points, ZERO, NONE)["eye"].direction == AWAY  # against 0 ...
    ref = reference_from(natural_baseline())
    assert region_trends(points, ref, NONE)["eye"].direction == TOWARD  # ... but toward their own face


# -- (c) the mirrored history -----------------------------------------------------------
@pytest.mark.parametrize(
    "points, baseline, side",
    [
        (weekly(ISSUE_EYE, ISSUE_MOUTH), None, LEFT),  # the issue's weeks
        (weekly(EASING_TO_NATURAL), natural_baseline(), RIGHT),  # natural asymmetry
        (weekly(SETTLING_AT_NATURAL), natural_baseline(), NONE),  # settling at it
    ],
)
def test_the_mirrored_face_gets_the_same_directions_and_mirrored_slopes(points, baseline, side):
    flipped = AffectedSide({"left": "right", "right": "left"}.get(side.side, side.side), inferred=False)
    a = region_trends(points, reference_from(baseline), side)
    b = region_trends(mirrored(points), reference_from(baseline and mirrored_baseline(baseline)), flipped)
    assert a.keys() == b.keys()
    for region in a:
        s, m = a[region], b[region]
        assert (m.direction, m.crossed) == (s.direction, s.crossed)
        assert m.slope.per_week == pytest.approx(-s.slope.per_week)
        assert (m.slope.low, m.slope.high) == pytest.approx((-s.slope.high, -s.slope.low))  # exactly mirrored
        assert (m.start, m.end, m.reference) == pytest.approx((-s.start, -s.end, -s.reference))
    ref = reference_from(baseline)
    inferred = infer_affected_side(points, ref)
    mirror_ref = reference_from(baseline and mirrored_baseline(baseline))
    assert infer_affected_side(mirrored(points), mirror_ref) == {"left": "right", "right": "left"}.get(inferred)


# -- (d) a flat, noisy history ------------------------------------------------------------
def test_a_flat_noisy_history_shows_no_clear_change():
    unclear = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        points = [
            Point(START + timedelta(days=d), 20.0, 30.0, 20.0, {"eye": float(rng.normal(0.1, 0.3))})
            for d in range(0, 56, 2)
        ]
        eye = region_trends(points, ZERO, LEFT)["eye"]
        unclear += eye.direction == UNCLEAR
        assert not eye.crossed or eye.direction != UNCLEAR
    assert unclear >= 17  # 95 % nominal: no more than 3 of 20 flat histories read as a change


def test_too_few_sessions_say_so():
    t = region_trends(weekly(ISSUE_EYE[:3]), ZERO, LEFT)["eye"]
    assert t.direction == "not enough data" and t.start is None


def test_the_chart_draws_the_persons_symmetric_point(capsys, tmp_path):
    from facetension.report_symmetry import symmetry_json

    ref = reference_from(natural_baseline())
    points = weekly(EASING_TO_NATURAL)
    sym = symmetry_json(region_trends(points, ref, RIGHT), RIGHT, ref)
    fig = regions_figure(points, sym)
    levels = {round(float(line.get_ydata()[0]), 3) for line in fig.axes[0].get_lines() if len(line.get_ydata()) == 2}
    assert {0.0, 0.8} <= levels  # 0, and their own relaxed left − right


# -- the report and the settings command on a real log ------------------------------------
T0 = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)
HALF_GAP = 0.1  # each session's 'before' halves differ by this: MDC95 = 1.96·√2·0.1/√2 ≈ 0.2 mm


def write_log(db, eye, mouth, baseline=None):
    with Log.open(db) as log:
        if baseline is not None:
            log.save_baseline(baseline)
        for i, (e, m) in enumerate(zip(eye, mouth)):
            start = T0 + timedelta(weeks=i)
            sid = log.start_session("practice", "camera 0", start, "UTC", "0.1.0")
            for t in range(10):  # the resting measurement, its halves HALF_GAP apart
                d = HALF_GAP / 2 if t < 5 else -HALF_GAP / 2
                log.add_sample(sid, SampleRow(float(t), Measures({"eye": e + d, "mouth_corner": m + d}), 1.0, "before"))
            summary = Measures({"eye": e, "mouth_corner": m}, {}, 20.0, 30.0)
            log.finish_session(sid, start + timedelta(minutes=5), True, SessionSummary(summary, summary))
    return db


def settings(db, *args) -> int:
    """`facetension settings` through a parser like the CLI's (argtypes.Parser: one line, exit 2)."""
    p = argtypes.Parser(prog="facetension")
    settings_cli.register(p.add_subparsers(dest="command", metavar="COMMAND"))
    ns = p.parse_args(["settings", *args, "--db", str(db)])
    return ns.func(ns)


def test_report_trend_and_page_on_the_issues_log(capsys, tmp_path):
    db = write_log(tmp_path / "issue.db", ISSUE_EYE, ISSUE_MOUTH)
    assert main(["report", "--json", "--db", str(db)]) == 0
    sym = json.loads(capsys.readouterr().out)["symmetry"]
    assert sym["affected_side"] == "left" and sym["affected_side_inferred"] is True
    assert sym["reference_from"] == "zero"
    eye = sym["regions"]["eye"]
    assert eye["direction"] == TOWARD and eye["crossed"] and eye["reference"] == 0.0
    assert (eye["per_week"], eye["low"], eye["high"]) == pytest.approx((0.2167, 0.155, 0.27), abs=1e-3)
    assert eye["mdc95"] == pytest.approx(1.96 * HALF_GAP, abs=0.01)
    assert sym["regions"]["mouth_corner"]["direction"] == TOWARD
    assert eye["sentence"].startswith(
        "Eye opening, left − right: toward symmetry (+0.22 mm/week, 95 % interval +0.15 to +0.27, 6 sessions; "
        "symmetric for you: 0.0 mm; MDC95 0.20 mm). Along the trend line it went from -0.46 to +0.63 mm"
    )
    assert "at first your left eye read narrower, now your right eye does" in eye["sentence"]
    assert main(["trend", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Affected side: left (inferred from your first sessions; set it with" in out
    assert "  eye: toward symmetry (+0.22 mm/week, 95 % interval +0.15 to +0.27; MDC95 0.20 mm)" in out
    assert "through symmetry: now your right eye reads narrower" in out
    page = tmp_path / "r.html"
    assert main(["report", "--db", str(db), "--out", str(page)]) == 0
    text = page.read_text()
    assert "Region by region: toward your own symmetry?" in text and "Eye opening, left − right: toward" in text


def test_settings_set_show_and_refuse(capsys, tmp_path):
    db = tmp_path / "s.db"
    assert settings(db) == 0  # no log yet: nothing to infer from
    assert capsys.readouterr().out.startswith("Affected side: not known")
    write_log(db, ISSUE_EYE, ISSUE_MOUTH)
    assert settings(db) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Affected side: left (inferred from your first sessions; set it with `facetension settings --affected-side`)."
    )
    assert "Symmetric here means left − right = 0 mm" in out
    assert settings(db, "--affected-side", "Right") == 0
    assert capsys.readouterr().out.startswith("Affected side set to right.\nAffected side: right (as you set it")
    with Log.open(db, readonly=True) as log:
        assert log.setting("affected_side") == "right"
    assert main(["report", "--json", "--db", str(db)]) == 0
    sym = json.loads(capsys.readouterr().out)["symmetry"]
    assert (sym["affected_side"], sym["affected_side_inferred"]) == ("right", False)
    assert sym["regions"]["eye"]["direction"] == AWAY  # a held right side: the left eye opening past it
    assert settings(db, "--affected-side", "auto") == 0
    assert "Affected side: left (inferred" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        settings(db, "--affected-side", "middle")
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "facetension settings: argument --affected-side: the affected side must be left, right, none or auto, "
        "got 'middle' (see `facetension settings --help`)"
    ]


def test_the_report_uses_the_calibrated_baseline_from_the_log(capsys, tmp_path):
    db = write_log(tmp_path / "natural.db", SETTLING_AT_NATURAL, (-1.0,) * 6, natural_baseline())
    assert main(["report", "--json", "--db", str(db)]) == 0
    sym = json.loads(capsys.readouterr().out)["symmetry"]
    assert sym["reference_from"] == "baseline" and sym["baseline_taken"].startswith("2025-02-01")
    eye = sym["regions"]["eye"]
    assert eye["reference"] == pytest.approx(0.8) and eye["reference_from"] == "baseline"
    assert eye["direction"] == TOWARD
    assert sym["reference_sentence"].startswith("Symmetric here means your own relaxed face, calibrated 2025-02-01:")
    assert "eye opening +0.8 mm" in sym["reference_sentence"]
    assert "nose (alar base): 0 mm (not in the baseline)" in sym["reference_sentence"]


def test_the_cli_offers_the_settings_command(capsys, tmp_path):
    """Through facetension.cli itself (its parser registers settings_cli)."""
    db = write_log(tmp_path / "c.db", ISSUE_EYE, ISSUE_MOUTH)
    assert main(["settings", "--affected-side", "left", "--db", str(db)]) == 0
    assert "Affected side: left (as you set it" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["settings", "--affected-side", "middle", "--db", str(db)])
    assert exc.value.code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1
