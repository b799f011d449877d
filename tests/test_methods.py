"""A change of measuring method inside a history (methods.py): said in the report and `trend`,
never across histories measured by one method."""

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from facetension import __version__
from facetension.cli import main
from facetension.methods import METHOD_CHANGES, changes_within, era_versions, eras, version_key
from facetension.storage import Log, Measures, SessionSummary
from facetension.symmetry import ZERO, AffectedSide, region_trends
from facetension.trends import Point, intercepts, line_at, theil_sen

T0 = datetime(2026, 9, 7, 8, 0)
# NEW: the newest change's version; OLD: one measuring just before it (the one before, or 0.1.0)
OLD, NEW = (METHOD_CHANGES[-2][0] if len(METHOD_CHANGES) > 1 else "0.1.0"), METHOD_CHANGES[-1][0]


def _history(*versions):
    return [(T0 + timedelta(weeks=i), v) for i, v in enumerate(versions)]


def test_the_running_version_measures_with_the_newest_method():
    assert version_key(__version__) >= version_key(NEW)


@pytest.mark.parametrize(
    "versions, found",
    [
        ((OLD, OLD, NEW, NEW), [NEW]),
        ((NEW, OLD), [NEW]),  # out of order: time decides which came first
        ((OLD, OLD, OLD), []),
        ((NEW, NEW), []),  # one method throughout: nothing to say
        ((OLD, "dev", None, "9.x"), []),  # unreadable versions count on neither side
        ((), []),
    ],
)
def test_a_change_is_found_only_inside_a_history(versions, found):
    changes = changes_within(_history(*versions))
    assert [c.version for c in changes] == found
    if found:
        first = min(t for t, v in _history(*versions) if v == NEW)
        assert changes[0].first_used == first and changes[0].regions == ("mouth_corner",)


def _log(db, versions):
    with Log.open(db) as log:
        for i, version in enumerate(versions):
            start = (T0 + timedelta(weeks=i)).replace(tzinfo=timezone.utc)
            sid = log.start_session("practice", "camera 0", start, "UTC", version)
            m = Measures({"mouth_corner": 1.0 + i}, {}, 30.0, 20.0)
            log.finish_session(sid, start + timedelta(minutes=5), True, SessionSummary(m, m))


def test_the_report_and_trend_say_where_the_method_changed(capsys, tmp_path):
    db = tmp_path / "log.db"
    _log(db, (OLD, OLD, NEW, NEW))
    assert main(["report", "--db", str(db), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    (change,) = r["method_changes"]
    assert change["version"] == NEW and change["first_used"].startswith("2026-09-21")
    note = f"The measuring changed with version {NEW}, first used on 2026-09-21"
    assert any(n.startswith(note) for n in r["notes"]), r["notes"]
    assert main(["trend", "--db", str(db)]) == 0
    assert note in capsys.readouterr().out
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "r.html")]) == 0
    assert note in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_one_method_throughout_says_nothing(capsys, tmp_path):
    db = tmp_path / "log.db"
    _log(db, (NEW, NEW, NEW))
    assert main(["report", "--db", str(db), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["method_changes"] == [] and not any("measuring changed" in n for n in r["notes"])


# -- trends compare sessions only within an era of measuring --------------------------------
WEEKS = 12
STEP_MM = 0.5  # a change of method that moves the mouth corner's difference by this much
NOISE_MM = 0.05  # a session's own scatter, about a real resting measurement's
SLOPE_TOL = 0.03  # mm a week: the estimate from 12 noisy sessions, against the truth
STEP_TOL = 0.1  # mm: the fitted step against the scripted one


def _eras_history(per_week: float, step: float = STEP_MM, seed: int = 0):
    """12 weekly sessions, the first half measured by OLD and the rest by NEW: a signed
    difference with a true slope, plus a step where the method changed."""
    rng = np.random.default_rng(seed)
    days = np.arange(WEEKS) * 7.0
    versions = [OLD] * (WEEKS // 2) + [NEW] * (WEEKS - WEEKS // 2)
    era = eras(versions, "mouth_corner")
    values = 1.0 + per_week * days / 7 + step * (era - era[0]) + rng.normal(0, NOISE_MM, WEEKS)
    return days, values, versions, era


def test_eras_count_the_changes_that_move_a_region():
    n, every = len(era_versions("mouth_corner")) - 1, len(era_versions()) - 1  # the changes that moved them
    assert list(eras(["0.1.0", OLD, NEW, "dev"], "mouth_corner")) == [0, n - 1, n, -1]  # "dev": side not known
    assert list(eras([OLD, NEW, "dev"], "eye")) == [0, 0, 0]  # no change moved the eye: one era
    assert list(eras(["0.1.0", OLD, NEW])) == [0, every - 1, every]  # a composite of every region


SEEDS = 20  # histories with no true trend


def test_a_step_at_a_change_of_method_is_not_a_trend():
    """Over 20 noisy histories with a step and no trend, the plain slope reads the step as a
    clear trend in most; within eras, about as often as its 95 % interval allows."""
    plain = within = 0
    for seed in range(SEEDS):
        days, values, _, era = _eras_history(0.0, seed=seed)
        across = theil_sen(days, values)
        assert across.per_week > SLOPE_TOL  # the step, spread over the weeks
        s = theil_sen(days, values, segments=era)
        assert abs(s.per_week) < SLOPE_TOL and s.n == WEEKS
        plain += across.excludes_zero
        within += s.excludes_zero
    assert plain >= SEEDS // 2 and within <= 2, (plain, within)


@pytest.mark.parametrize("per_week", [-0.1, 0.08])
def test_a_true_trend_and_the_step_are_both_recovered(per_week):
    days, values, _, era = _eras_history(per_week)
    s = theil_sen(days, values, segments=era)
    assert s.excludes_zero and abs(s.per_week - per_week) < SLOPE_TOL
    heights = intercepts(days, values, s, era)
    assert abs(heights[era[-1]] - heights[era[0]] - STEP_MM) < STEP_TOL
    # the line at the ends is today's method's: the last era's own line
    at = line_at(days, values, s, [days[0], days[-1]], era)
    assert abs(at[-1] - (1.0 + per_week * days[-1] / 7 + STEP_MM)) < STEP_TOL


def test_mirrored_history_mirrors_the_slope_within_eras():
    days, values, _, era = _eras_history(0.08)
    s, m = theil_sen(days, values, segments=era), theil_sen(days, -values, segments=era)
    assert (m.per_week, m.low, m.high) == pytest.approx((-s.per_week, -s.high, -s.low), abs=1e-12)


def test_one_era_is_the_plain_estimator_and_a_lone_session_is_left_out():
    days, values, _, _ = _eras_history(0.08, step=0.0)
    assert theil_sen(days, values, segments=np.zeros(WEEKS, int)) == theil_sen(days, values)
    lone = np.r_[np.zeros(WEEKS - 1, int), 1]  # the newest session alone in its era
    s = theil_sen(days, values, segments=lone)
    assert s == theil_sen(days[:-1], values[:-1]) and s.n == WEEKS - 1


def test_region_trends_judge_in_the_newest_method_and_name_the_step():
    days, values, versions, _ = _eras_history(0.0)
    points = [
        Point(T0 + timedelta(days=float(d)), 10.0, 30.0, 20.0, {"mouth_corner": float(v), "eye": 0.5}, app_version=ver)
        for d, v, ver in zip(days, values, versions)
    ]
    trends = region_trends(points, ZERO, AffectedSide("left", inferred=False))
    mouth, eye = trends["mouth_corner"], trends["eye"]
    assert mouth.direction == "no clear change yet"
    ((version, step),) = mouth.steps
    assert version == NEW and abs(step - STEP_MM) < STEP_TOL
    assert [e.since for e in mouth.eras] == [era_versions("mouth_corner")[-2], NEW]
    assert mouth.eras[1].first == points[WEEKS // 2].local_start
    assert eye.steps == () and eye.eras == ()  # the change did not move the eye


STEPPED_SEED = 1  # one of the histories whose plain slope reads the step as "worsening"


def _stepped_log(db):
    """Twelve weekly sessions: the mouth corner flat at 1.0 mm (with a little noise) under
    OLD, then 0.5 mm higher under NEW; the eye flat throughout."""
    _, values, versions, _ = _eras_history(0.0, seed=STEPPED_SEED)
    with Log.open(db) as log:
        for i, (value, version) in enumerate(zip(values, versions)):
            start = (T0 + timedelta(weeks=i)).replace(tzinfo=timezone.utc)
            sid = log.start_session("practice", "camera 0", start, "UTC", version)
            m = Measures({"mouth_corner": float(value), "eye": 0.5}, {}, 30.0, 20.0)
            log.finish_session(sid, start + timedelta(minutes=5), True, SessionSummary(m, m))


def test_the_report_trends_each_side_of_the_change_and_says_so(capsys, tmp_path):
    db = tmp_path / "log.db"
    _stepped_log(db)
    assert main(["report", "--db", str(db), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    mouth = r["symmetry"]["regions"]["mouth_corner"]
    assert mouth["direction"] == "no clear change yet", mouth["sentence"]
    ((step,),) = [mouth["steps"]]
    assert step["version"] == NEW and abs(step["mm"] - STEP_MM) < STEP_TOL
    assert f"change of measuring in version {NEW}" in mouth["sentence"]
    assert r["symmetry"]["regions"]["eye"]["steps"] == []
    assert main(["trend", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"at the change of measuring in {NEW} left out" in out and "mouth corner: no clear change yet" in out
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "r.html")]) == 0
    assert f"change of measuring in version {NEW}" in (tmp_path / "r.html").read_text(encoding="utf-8")
