"""The trends report on the demo log (known truth) and on edge-case logs; the page in a real
headless Chromium."""

import json
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from facetension.cli import main
from facetension.storage import Log, Measures, SessionSummary

import make_demo_log  # samples/, on pytest's pythonpath
from browser import CHROMIUM_FLAGS, chromium, probe_title


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return make_demo_log.main(tmp_path_factory.mktemp("demo") / "demo.db")


def report_json(capsys, db, *args):
    assert main(["report", "--db", str(db), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_recovers_the_demo_slope_and_the_cold_effect(capsys, demo_db):
    r = report_json(capsys, demo_db)
    s = r["trends"]["asymmetry_index"]
    assert s["verdict"] == "improving"
    assert s["low"] <= make_demo_log.IMPROVEMENT_PER_WEEK <= s["high"]
    effects = {e["name"]: e for e in r["trigger_effects"]["tension_before"]}
    cold, massage = effects["cold"], effects["massage"]
    assert cold["low"] > 0 and cold["low"] <= make_demo_log.COLD_EFFECT <= cold["high"]
    assert massage["low"] < 0 < massage["high"]
    assert r["mdc95_asymmetry_index"] is not None and r["pain_vs_tension"]["rho"] > 0.3
    assert any("No sessions between" in n for n in r["notes"])  # the three-week break is said
    assert any("incomplete" in n for n in r["notes"])


def _log_with(tmp_path, starts, zone=("Europe/Berlin", 60), completed=True):
    db = tmp_path / "edge.db"
    with Log.open(db) as log:
        for i, start in enumerate(starts):
            sid = log.start_session("practice", "camera 0", start, zone[0], "0.1.0", utc_offset_min=zone[1])
            m = Measures({"eye": 1.0}, {}, 30.0 - i, 20.0)
            log.finish_session(sid, start + timedelta(minutes=5), completed, SessionSummary(m, m))
    return db


T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "starts, note",
    [
        ([], "No practice sessions yet"),  # empty log
        ([T0], "Only one completed session"),  # one session
        ([T0 + timedelta(hours=h) for h in range(4)], "All sessions are from one day"),  # one day
    ],
)
def test_edge_cases_get_an_honest_note_and_no_verdict(capsys, tmp_path, starts, note):
    db = _log_with(tmp_path, starts)
    r = report_json(capsys, db)
    assert any(n.startswith(note) for n in r["notes"])
    assert all(t["verdict"] in ("not enough data",) for t in r["trends"].values())
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "r.html")]) == 0
    assert note in (tmp_path / "r.html").read_text()


def test_several_time_zones_are_said(capsys, tmp_path):
    db = tmp_path / "tz.db"
    with Log.open(db) as log:
        for i, zone in enumerate((("Europe/Berlin", 60), ("America/New_York", -300))):
            start = T0 + timedelta(days=i * 3)
            sid = log.start_session("practice", "camera 0", start, zone[0], "0.1.0", utc_offset_min=zone[1])
            m = Measures({"eye": 1.0}, {}, 30.0, 20.0)
            log.finish_session(sid, start + timedelta(minutes=5), True, SessionSummary(m, m))
    r = report_json(capsys, db)
    assert any("2 time zones" in n for n in r["notes"])


def test_trend_prints_a_sparkline(capsys, demo_db):
    assert main(["trend", "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert re.search("[▁▂▃▄▅▆▇█]{5,}", out) and "improving" in out


def test_report_page_in_headless_chromium(tmp_path, demo_db, capsys):
    page = tmp_path / "report.html"
    assert main(["report", "--db", str(demo_db), "--out", str(page)]) == 0
    html = page.read_text()
    assert "http://" not in html and "https://" not in html  # nothing to load from anywhere
    # A copy that reports, in its title, whether every chart image decoded and is visible.
    title, run = probe_title(
        page,
        """
window.addEventListener('load', () => {
  const imgs = [...document.images];
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().height > 50);
  document.title = 'IMAGES ' + ok.length + '/' + imgs.length;
});""",
        tmp_path,
    )
    n_ok, n_all = map(int, title.split()[1].split("/"))
    assert n_all >= 4 and n_ok == n_all, title
    console_errors = [line for line in run.stderr.splitlines() if "CONSOLE" in line and "error" in line.lower()]
    assert console_errors == []
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1000,1400",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    import cv2

    image = cv2.imread(str(shot))
    assert image is not None and image.std() > 20  # not blank


def test_the_headline_reads_without_statistics(capsys, demo_db, tmp_path):
    r = report_json(capsys, demo_db)
    slope = r["trends"]["asymmetry_index"]
    assert r["headline"].startswith(
        "Over the last 12 weeks, your resting asymmetry improved by "
        f"{abs(slope['per_week']):.1f} points a week (95 % interval"
    )
    flat = _log_with(tmp_path, [T0 + timedelta(days=d) for d in range(0, 28, 3)])  # index falls 1 a session
    assert "improved" in report_json(capsys, flat)["headline"]
    (tmp_path / "edge.db").unlink()
    few = _log_with(tmp_path, [T0])
    assert report_json(capsys, few)["headline"].startswith("Not enough sessions yet")


def test_the_page_lists_incomplete_sessions_regions_and_explains_the_evening_tag(capsys, demo_db, tmp_path):
    r = report_json(capsys, demo_db)
    assert len(r["incomplete"]) == r["sessions"] - r["completed"] > 0
    out = tmp_path / "r.html"
    assert main(["report", "--db", str(demo_db), "--out", str(out)]) == 0
    page = " ".join(out.read_text().split())
    assert page.index(r["headline"]) < page.index("Are things getting better?")
    for start in r["incomplete"]:
        assert f"<li>{start.replace('T', ' ')}</li>" in page
    for title in ("Brow height", "Eye opening", "Nose (alar base)"):  # signed, toward the person's symmetry
        assert f"{title}, left − right:" in page
    assert "eye L−R mm</th>" in page  # the weekly per-region diffs
    assert "by the clock" in page and "what you tagged" in page


def test_the_trend_chart_legend_covers_no_point(demo_db):
    """The legend sits outside the axes: its box and every plotted point never meet."""
    import matplotlib

    matplotlib.use("Agg")
    from facetension import report
    from facetension.report_cli import points_from

    with Log.open(demo_db, readonly=True) as log:
        points, _ = points_from(log, None)
    for attr in ("asymmetry_index", "tension_before"):
        fig = report._trend_figure(points, attr, attr, None)
        fig.canvas.draw()
        ax = fig.axes[0]
        box = ax.get_legend().get_window_extent()
        for line in ax.get_lines():
            xy = ax.transData.transform(line.get_xydata())
            inside = (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)
            assert not inside.any(), attr


def test_history_trend_and_report_say_where_each_session_came_from(capsys, tmp_path):
    db = tmp_path / "mixed.db"
    with Log.open(db) as log:
        for i, source in enumerate(("camera 0", "samples/practice_demo.mp4")):
            start = T0 + timedelta(days=i)
            sid = log.start_session("practice", source, start, "UTC", "0.1.0")
            m = Measures({"eye": 1.0}, {}, 30.0, 20.0)
            log.finish_session(sid, start + timedelta(minutes=5), True, SessionSummary(m, m))
    assert main(["history", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "from camera 0" in out and "from video samples/practice_demo.mp4" in out
    assert main(["trend", "--db", str(db)]) == 0
    assert "1 from the camera, 1 from video files" in capsys.readouterr().out
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "r.html")]) == 0
    assert "1 from the camera, 1 from video files" in (tmp_path / "r.html").read_text()
