"""Trend statistics on constructed histories with known truth (pure)."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from facetension.trends import Point, mdc95, spearman, theil_sen, trends, trigger_effects, weekly

START = datetime(2026, 9, 7, 8, 30)  # a Monday morning
TRUE_SLOPE = -1.5  # asymmetry index points per week: improving
COLD_EFFECT = 8.0  # tension index points higher on cold days
NOISE = 2.0


def history(weeks=12, seed=3, slope=TRUE_SLOPE):
    rng = np.random.default_rng(seed)
    points = []
    for day in range(weeks * 7):
        t = START + timedelta(days=day, hours=float(rng.choice([0, 11])))
        cold = rng.random() < 0.35
        coin = rng.random() < 0.5  # a tag with no effect
        tension = 30 + (COLD_EFFECT if cold else 0) + rng.normal(0, NOISE)
        points.append(
            Point(
                t,
                40 + slope * day / 7 + rng.normal(0, NOISE),
                tension,
                tension - 10,
                {"eye": 2.0 + rng.normal(0, 0.3)},
                0,
                tags=tuple(t for t, on in (("cold", cold), ("massage", coin)) if on),
                half_gap=rng.normal(0, 1.0),
            )
        )
    return points


def test_theil_sen_recovers_slope_sign_and_size_within_its_interval():
    s = trends(history())["asymmetry_index"]
    assert s.low <= TRUE_SLOPE <= s.high
    assert s.verdict == "improving" and s.high < 0


def test_no_change_gives_no_verdict():
    s = trends(history(slope=0.0))["asymmetry_index"]
    assert s.verdict == "no clear change yet" and s.low < 0 < s.high


def test_worsening_is_called_worsening():
    assert trends(history(slope=+1.5))["asymmetry_index"].verdict == "worsening"


def test_cold_effect_found_and_null_tag_not():
    effects = {e.name: e for e in trigger_effects(history())}
    cold, massage = effects["cold"], effects["massage"]
    assert cold.low > 0 and cold.low <= COLD_EFFECT <= cold.high
    assert massage.low < 0 < massage.high


def test_tags_with_too_few_sessions_are_not_estimated():
    pts = history(weeks=2)
    pts[0] = Point(pts[0].local_start, 1, 1, 1, tags=("rare",))
    assert "rare" not in {e.name for e in trigger_effects(pts)}


def test_slope_interval_covers_the_truth_in_most_histories():
    covered = sum(
        trends(history(seed=s))["asymmetry_index"].low <= TRUE_SLOPE <= trends(history(seed=s))["asymmetry_index"].high
        for s in range(40)
    )
    assert covered >= 34  # 95 % nominal: at least 85 % of 40


@pytest.mark.parametrize(
    "points, verdict",
    [
        ([], None),  # empty log
        (history()[:1], "not enough data"),  # one session
        ([Point(START + timedelta(hours=h), 30.0 + h, 1, 1) for h in range(6)], "not enough data"),  # all on one day
    ],
)
def test_edge_cases_give_no_false_verdict(points, verdict):
    t = trends(points)
    assert (t.get("asymmetry_index").verdict if t else None) == verdict


def test_incomplete_sessions_are_kept_out_of_trends():
    pts = history()
    spoiled = [Point(p.local_start, 500.0, 500.0, 0.0, completed=False) for p in pts[:10]]
    assert trends(pts + spoiled)["asymmetry_index"].verdict == "improving"


def test_weekly_table_and_mdc():
    rows = weekly(history())
    assert len(rows) == 12 and all(r["sessions"] == 7 for r in rows)
    assert rows[0]["asymmetry_index"] > rows[-1]["asymmetry_index"]
    assert rows[0]["relaxation_gain"] == pytest.approx(10.0)
    assert 1.0 < mdc95(history()) < 5.0  # SEM ≈ 0.7 → MDC ≈ 2


def test_spearman_pain_and_tension():
    x = np.arange(20.0)
    rho, lo, hi, n = spearman(x, x * 2 + 1)
    assert rho == pytest.approx(1.0) and n == 20
    assert spearman([1, 2], [3, 4]) is None


def test_theil_sen_with_ties_in_time():
    days = np.repeat(np.arange(0, 28, 7.0), 3)
    s = theil_sen(days, 10 - days / 7 * 2 + np.tile([0, 0.1, -0.1], 4))
    assert s.per_week == pytest.approx(-2.0, abs=0.2)


def _history(days_and_index, diffs=None, half_gap=0.3):
    from facetension.trends import Point

    start = datetime(2026, 3, 1, 8)
    return [
        Point(start + timedelta(days=d), a, 30.0, 20.0, dict(diffs or {"eye": -1.0 + 0.1 * (d % 3)}), half_gap=half_gap)
        for d, a in days_and_index
    ]


def test_a_session_far_from_the_persons_own_range_suggests_the_clinician():
    from facetension.trends import Point, departure

    past = _history([(d, 20.0 + (d % 3)) for d in range(0, 20, 2)])  # 10 sessions, index 20-22
    usual = Point(datetime(2026, 3, 22, 8), 21.5, 30.0, 20.0, {"eye": -0.9})
    assert departure(past + [usual], usual) is None
    far = Point(datetime(2026, 3, 22, 8), 35.0, 30.0, 20.0, {"eye": -0.9})  # MDC95 ~0.8: far beyond 3x
    text = departure(past + [far], far)
    assert text and "resting asymmetry index (35, usually about 21)" in text and "clinician" in text
    assert "!" not in text and "danger" not in text.lower()  # calm words
    region = Point(datetime(2026, 3, 22, 8), 21.0, 30.0, 20.0, {"eye": -4.0})
    assert "the eye (left−right -4.0 mm, usually -0.9 mm)" in departure(past + [region], region)
    # Too little history, or history older than four weeks, says nothing.
    assert departure(past[:4] + [far], far) is None
    old = Point(datetime(2026, 5, 1, 8), 35.0, 30.0, 20.0, {"eye": -0.9})
    assert departure(past + [old], old) is None
    # A person with a natural asymmetry of their own: that is their range, not a departure.
    own = _history([(d, 40.0 + (d % 3)) for d in range(0, 20, 2)], {"eye": 3.0})
    today = Point(datetime(2026, 3, 22, 8), 41.0, 30.0, 20.0, {"eye": 3.1})
    assert departure(own + [today], today) is None


def test_a_departure_is_judged_against_sessions_measured_the_same_way():
    """A change of measuring method (methods.py) can move a region's difference by itself: a
    region is compared only with sessions of its era; one the change did not move, with all."""
    from facetension.methods import METHOD_CHANGES
    from facetension.trends import Point, departure

    new = METHOD_CHANGES[-1][0]
    start = datetime(2026, 3, 1, 8)

    def past(version):
        return [
            Point(start + timedelta(days=d), 20.0, 30.0, 20.0, {"mouth_corner": 1.0 + 0.1 * (d % 3), "eye": -0.9},
                  half_gap=0.3, app_version=version)
            for d in range(0, 20, 2)
        ]  # fmt: skip

    today = Point(datetime(2026, 3, 22, 8), 20.0, 30.0, 20.0, {"mouth_corner": 2.8, "eye": -4.0}, app_version=new)
    text = departure(past("0.1.0") + [today], today)
    assert "the eye (" in text and "mouth corner" not in text  # no sessions of its era to compare with
    text = departure(past(new) + [today], today)
    assert "the eye (" in text and "the mouth corner (left−right +2.8 mm, usually +1.1 mm)" in text
