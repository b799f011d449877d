"""The report's massage effect on constructed logs with known truth: the massage's own effect
(tension before against after the massage, paired per session) and the whole session's
relaxation gain with massage against without; the plain sentences when there are too few
sessions or none; the page in a real headless Chromium, --json and `trend`."""

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from test_report import CHROMIUM_FLAGS

from facetension.cli import main
from facetension.storage import Log, Measures, SessionSummary
from facetension.tension import SIDES, TENSION_REGIONS, tension_index
from facetension.trends import MIN_PAIRED, MIN_REGION_PAIRED, Point, massage_effect

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
EFFECT = 6.0  # tension index points lower after the massage than before it
GAIN = 10.0  # the whole session's relaxation gain without massage ...
GAIN_EXTRA = 4.0  # ... and this much more with one
SHARED_SD = 1.5  # a session's noise shared by its regions, index points
REGION_SD = 1.0  # each region's own noise on top
GAIN_SD = 1.5  # the noise of the after-session index
# The estimates must land within this of the truth: about 3.5 standard errors with 8 sessions
# (the index's fall has an SD of about 1.6 points, the gains' difference an SE of about 0.75).
TOLERANCE = 2.0
MASSAGE_S = 180.0


def _tension(levels: dict[str, float]) -> dict:
    """Each region's tenser (left) side at its level (0..1), the right side a little lower."""
    return {(r, s): round(levels[r] - (0.0 if s == "left" else 0.05), 3) for r in TENSION_REGIONS for s in SIDES}


def write_history(db, n_with=8, n_without=8, effect=EFFECT, gain_extra=GAIN_EXTRA, seed=5, incomplete=True):
    """Sessions on alternate days, with and without a massage in turn (the surplus of either at
    the end); with `incomplete`, also an incomplete session with a massage that seemed to work
    wonders, which must not count. Returns the true per-session falls of the index."""
    rng = np.random.default_rng(seed)
    kinds = [True] * n_with + [False] * n_without
    order = sorted(range(len(kinds)), key=lambda i: (i % max(n_with, n_without, 1), i))
    falls = []
    with Log.open(db) as log:
        for day, i in enumerate(order):
            massaged = kinds[i]
            start = T0 + timedelta(days=day, hours=float(rng.choice([0, 10])))
            before_levels = {r: 0.35 + 0.05 * k + rng.normal(0, 0.03) for k, r in enumerate(TENSION_REGIONS)}
            before_t = _tension(before_levels)
            before = Measures({"eye": 1.0}, before_t, 20.0, round(tension_index(before_t), 1))
            after_massage, massage_s = None, None
            if massaged:
                shared = rng.normal(0, SHARED_SD)
                after_t = _tension(
                    {r: v - (effect + shared + rng.normal(0, REGION_SD)) / 100 for r, v in before_levels.items()}
                )
                after_massage = Measures({"eye": 1.0}, after_t, 20.0, round(tension_index(after_t), 1))
                massage_s = MASSAGE_S
                falls.append(before.tension_index - after_massage.tension_index)
            gain = GAIN + (gain_extra if massaged else 0.0) + rng.normal(0, GAIN_SD)
            after = Measures({"eye": 1.0}, {}, 20.0, round(before.tension_index - gain, 1))
            sid = log.start_session("practice", "camera 0", start, "UTC", "0.1.0")
            summary = SessionSummary(before, after, after_massage=after_massage, massage_s=massage_s)
            log.finish_session(sid, start + timedelta(minutes=8), True, summary)
        if incomplete:
            start = T0 + timedelta(days=len(order), hours=3)
            before = Measures({"eye": 1.0}, _tension(dict.fromkeys(TENSION_REGIONS, 0.6)), 20.0, 60.0)
            wonder = Measures({"eye": 1.0}, _tension(dict.fromkeys(TENSION_REGIONS, 0.2)), 20.0, 20.0)
            sid = log.start_session("practice", "camera 0", start, "UTC", "0.1.0")
            summary = SessionSummary(before, None, after_massage=wonder, massage_s=60.0)
            log.finish_session(sid, start + timedelta(minutes=4), False, summary)
    return np.array(falls)


def report_json(capsys, db):
    assert main(["report", "--db", str(db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)["massage"]


@pytest.fixture(scope="module")
def effect_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("massage") / "effect.db"
    return db, write_history(db)


def test_the_massage_effect_and_the_gain_are_recovered(capsys, effect_db):
    db, falls = effect_db
    m = report_json(capsys, db)
    e, g = m["effect"], m["gain"]
    assert (m["sessions_with"], m["sessions_without"]) == (8, 8)  # the incomplete session is left out
    assert e["n"] == 8 and e["fall"] == pytest.approx(falls.mean(), abs=1e-9)
    assert abs(e["fall"] - EFFECT) < TOLERANCE and e["low"] <= EFFECT <= e["high"] and e["low"] > 0
    assert (g["n_with"], g["n_without"]) == (8, 8)
    assert abs(g["difference"] - GAIN_EXTRA) < TOLERANCE and g["low"] <= GAIN_EXTRA <= g["high"]
    assert [r["name"] for r in m["regions"]] == list(TENSION_REGIONS)
    for r in m["regions"]:
        assert abs(r["fall"] - EFFECT) < TOLERANCE and r["low"] <= EFFECT <= r["high"], r["name"]
    first, second = m["sentences"]
    assert first.startswith(f"In the 8 sessions with a massage, tension fell by {e['fall']:.1f} points (95 % interval")
    assert first.endswith("from before to after the massage.") and "no clear" not in first
    assert second.startswith(
        f"With massage, the whole session's relaxation gain was {g['difference']:.1f} points larger"
    )
    assert second.endswith("; 8 sessions with, 8 without).")


def test_no_effect_gives_intervals_around_zero_and_says_so(capsys, tmp_path):
    db = tmp_path / "none.db"
    write_history(db, effect=0.0, gain_extra=0.0)  # the same noise as effect_db's, no effect
    m = report_json(capsys, db)
    assert m["effect"]["low"] < 0 < m["effect"]["high"]
    assert m["gain"]["low"] < 0 < m["gain"]["high"]
    assert "so no clear change yet" in m["sentences"][0]
    assert "not a clear difference yet" in m["sentences"][1]


def test_too_few_sessions_are_said_plainly(capsys, tmp_path):
    db = tmp_path / "few.db"
    write_history(db, n_with=2, n_without=8, incomplete=False)
    m = report_json(capsys, db)
    assert m["effect"] is None and m["gain"] is None and m["regions"] == []
    assert m["sentences"] == [
        f"Not enough sessions with a massage yet to tell its effect: it needs {MIN_PAIRED} completed sessions "
        "with a resting measurement before and after the massage (2 sessions with a massage so far).",
        "Comparing the whole session's relaxation gain with and without massage needs 3 completed sessions "
        "of each (so far 2 with, 8 without).",
    ]
    assert main(["trend", "--db", str(db)]) == 0
    assert f"Massage: Not enough sessions with a massage yet to tell its effect: it needs {MIN_PAIRED}" in (
        capsys.readouterr().out
    )


def test_regions_need_more_sessions_than_the_index(capsys, tmp_path):
    db = tmp_path / "five.db"
    write_history(db, n_with=MIN_REGION_PAIRED - 1, n_without=3, incomplete=False)
    m = report_json(capsys, db)
    assert m["effect"]["n"] == MIN_REGION_PAIRED - 1 and m["regions"] == []


def test_no_massage_at_all_is_one_calm_sentence_and_no_trend_line(capsys, tmp_path):
    db = tmp_path / "plain.db"
    write_history(db, n_with=0, n_without=6, incomplete=False)
    m = report_json(capsys, db)
    assert m["sentences"] == ["No completed sessions with a massage yet: try `facetension practice --massage 3`."]
    assert m["effect"] is None and m["sessions_without"] == 6
    assert main(["trend", "--db", str(db)]) == 0
    assert "Massage" not in capsys.readouterr().out
    page = tmp_path / "r.html"
    assert main(["report", "--db", str(db), "--out", str(page)]) == 0
    html = page.read_text()
    assert "<h2>Massage effect</h2>" in html and "try `facetension practice --massage 3`" in html
    assert "<table class='massage'>" not in html


def test_trend_prints_the_massage_line(capsys, effect_db):
    db, _ = effect_db
    m = report_json(capsys, db)
    assert main(["trend", "--db", str(db)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Massage: ")]
    assert lines == ["Massage: " + " ".join(m["sentences"])]


def test_the_page_shows_the_section_in_headless_chromium(capsys, tmp_path, effect_db):
    db, _ = effect_db
    m = report_json(capsys, db)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is missing: .ci/run installs it"
    page = tmp_path / "report.html"
    assert main(["report", "--db", str(db), "--out", str(page)]) == 0
    run = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = " ".join(run.stdout.split())
    assert "<h2>Massage effect</h2>" in dom
    for sentence in m["sentences"]:
        assert sentence in dom
    e = m["effect"]
    interval = f"{e['low']:.1f} to {e['high']:.1f}"
    assert "<td>tension index</td><td>8</td>" in dom and interval in dom
    assert "<td>jaw (tenser side)</td>" in dom
    assert dom.index("Massage effect") < dom.index("Week by week")


def test_the_paired_interval_covers_the_truth_about_95_in_100_times():
    """Student's t interval of the paired fall, on 400 histories of MIN_PAIRED..12 sessions."""
    rng = np.random.default_rng(1)
    start = datetime(2026, 3, 2, 8)
    covered = 0
    for k in range(400):
        n = MIN_PAIRED + k % 9
        before = rng.normal(40, 5, n)
        points = [
            Point(start + timedelta(days=i), 20.0, b, b - 10, massage_s=60.0, tension_after_massage=b - EFFECT - d)
            for i, (b, d) in enumerate(zip(before, rng.normal(0, 2.0, n)))
        ]
        e = massage_effect(points).index
        covered += e.low <= EFFECT <= e.high
    assert 0.92 <= covered / 400 <= 0.98, covered
