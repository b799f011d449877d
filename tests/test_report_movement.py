"""The report's "Movement and synkinesis" and `trend`'s movement lines (report_movement.py), on
constructed histories of weekly checks with known truth (tests/test_checklog.py's a_check),
written into a real log and read back as the report reads them; the page in headless Chromium."""

import json
import math
import re
from datetime import datetime, timedelta

import numpy as np
import pytest

from facetension.check_plan import BY_KEY, MOVEMENT_KEYS
from facetension.checklog import CheckRecord, load_checks, load_trace_arrays
from facetension.cli import main
from facetension.report_movement import NO_CHECKS, movement_json, ratio_mdc95, rep_ratios
from facetension.storage import Log
from facetension.trends import Z95

from browser import probe_title
from log_data import T0, record_session
from test_checklog import a_check, save

WEEKS = 10
RISE = 0.07  # the ratio's true rise a week: 7 percentage points
REP_NOISE = 0.03  # each repetition's ratio is the check's ± this, alternating


def rising_history(db, weeks: int = WEEKS, seed: int = 3, **kw) -> list[float]:
    """Weekly checks (at a varying hour) whose weaker side's ratio rises RISE a week from 0.25,
    with a little noise, and whose synkinesis fades from grade 3 to 0; returns the ratios."""
    rng = np.random.default_rng(seed)
    ratios = []
    for w in range(weeks):
        ratio = round(0.25 + RISE * w + rng.normal(0, 0.01), 3)
        result = a_check(ratio, synkinesis=max(0, 3 - w // 3), trace_s=100, rep_noise=REP_NOISE, **kw)
        save(db, result, day=7 * w + rng.uniform(-0.2, 0.2))
        ratios.append(ratio)
    return ratios


def report_json(capsys, db) -> dict:
    assert main(["report", "--db", str(db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def trend_lines(capsys, db) -> list[str]:
    assert main(["trend", "--db", str(db)]) == 0
    return capsys.readouterr().out.splitlines()


# -- the numbers ------------------------------------------------------------------------------
def test_a_rising_ratio_reads_toward_symmetry_with_its_interval_above_zero(tmp_path, capsys):
    db = tmp_path / "a.db"
    rising_history(db)
    m = report_json(capsys, db)["movement"]
    assert m["checks"] == WEEKS and m["enough"] and len(m["weekly"]) == WEEKS
    assert m["label"] == "estimates from a webcam, not a clinical grade"
    for key in MOVEMENT_KEYS:
        t = m["trends"][key]
        assert t["verdict"] == "toward symmetry", key
        assert 0 < t["low"] <= 100 * RISE <= t["high"], (key, t)  # the truth, within the interval
        assert t["sentence"].startswith(f"{BY_KEY[key].name}, weaker side against the stronger: toward symmetry (+")
    synk = m["trends"]["synkinesis"]
    assert synk["verdict"] == "improving" and synk["high"] < 0  # lower is better
    assert m["trends"]["composite"]["verdict"] == "improving" and m["trends"]["composite"]["low"] > 0
    assert m["trends"]["voluntary"]["per_week"] > 0


def test_a_falling_ratio_reads_away_from_symmetry(tmp_path, capsys):
    db = tmp_path / "a.db"
    rng = np.random.default_rng(5)
    for w in range(8):
        save(db, a_check(round(0.9 - 0.05 * w + rng.normal(0, 0.01), 3), synkinesis=min(3, w // 2)), day=7 * w)
    m = report_json(capsys, db)["movement"]
    assert {m["trends"][k]["verdict"] for k in MOVEMENT_KEYS} == {"away from symmetry"}
    assert m["trends"]["synkinesis"]["verdict"] == "worsening"


def test_a_flat_history_reads_no_clear_change(tmp_path, capsys):
    db = tmp_path / "a.db"
    rng = np.random.default_rng(11)
    for w in range(8):
        save(db, a_check(round(0.6 + rng.normal(0, 0.05), 3)), day=7 * w)
    m = report_json(capsys, db)["movement"]
    for key in MOVEMENT_KEYS:
        assert m["trends"][key]["verdict"] == "no clear change yet"
        assert m["trends"][key]["low"] < 0 < m["trends"][key]["high"]


def test_the_mdc95_comes_from_the_repetitions_within_each_check(tmp_path):
    """Repetitions at ratio − n, + n, − n: their spread about the check's mean gives SD
    √(4/3)·n, the check's three pooled SEM = SD/√3, so MDC95 = 1.96·√2·(2/3)·n."""
    db = tmp_path / "a.db"
    rising_history(db, weeks=5)
    records, traces = load_checks(db), load_trace_arrays(db)
    expected = 100 * Z95 * math.sqrt(2) * (2 / 3) * REP_NOISE
    got = ratio_mdc95([r.result for r in records], "brow_raise", [traces[r.id] for r in records])
    assert got == pytest.approx(expected, rel=0.05)
    # The rows the trace holds give back each repetition's ratio.
    first = load_checks(db, traces=True)[0].result
    ratio = first.movement("brow_raise").ratio
    reps = [ratio - REP_NOISE, ratio + REP_NOISE, ratio - REP_NOISE]
    assert rep_ratios(first, "brow_raise") == pytest.approx(reps, abs=0.005)
    # From the trace as the log hands it over, or as the record carries it: the same numbers.
    assert movement_json(records, traces) == movement_json(load_checks(db, traces=True))
    # No trace, no MDC95 (and no crash).
    assert ratio_mdc95([a_check() for _ in range(5)], "brow_raise") is None


def test_a_missing_movement_is_missing_never_zero(tmp_path, capsys):
    db = tmp_path / "a.db"
    rising_history(db, weeks=6)
    save(db, a_check(0.95, missing=("snarl", "pucker")), day=7 * 6)
    m = report_json(capsys, db)["movement"]
    assert m["last_check"]["missing"] == ["snarl", "pucker"]
    assert m["weekly"][-1]["ratio_pct"]["pucker"] is None and m["weekly"][-1]["voluntary"] is None
    pucker = next(r for r in m["movements"] if r["movement"] == "pucker")
    assert pucker["found"] and not pucker["in_last_check"] and pucker["date"] < m["last"][:10]
    assert m["trends"]["pucker"]["n"] == 6 and m["trends"]["brow_raise"]["n"] == 7
    assert any("did not find: snarl, pucker" in s for s in m["sentences"])


# -- trend ------------------------------------------------------------------------------------
def test_trend_prints_each_movement_and_score_per_week(tmp_path, capsys):
    db = tmp_path / "a.db"
    rising_history(db)
    lines = trend_lines(capsys, db)
    at = next(i for i, line in enumerate(lines) if line.startswith("Movement check: "))
    assert "10 checks" in lines[at] and "estimates from a webcam, not a clinical grade" in lines[at]
    rows = lines[at + 1 : at + 1 + len(MOVEMENT_KEYS) + 3]
    for key, row in zip(MOVEMENT_KEYS, rows):
        assert re.fullmatch(
            rf"  {BY_KEY[key].name.lower()} +[▁▂▃▄▅▆▇█]{{10}} +latest +\d+ %  toward symmetry "
            r"\(\+\d\.\d points/week, 95 % interval \+\d\.\d to \+\d\.\d; MDC95 \d+\)",
            row,
        ), row
    assert rows[-3].startswith("  synkinesis score") and "improving (−" in rows[-3]
    assert rows[-2].startswith("  voluntary movement score") and rows[-1].startswith("  composite score")


def test_trend_with_fewer_checks_than_a_trend_needs_says_so(tmp_path, capsys):
    db = tmp_path / "a.db"
    save(db, a_check(0.5))
    save(db, a_check(0.6), day=7)
    lines = trend_lines(capsys, db)
    line = next(line for line in lines if line.startswith("Movement check: "))
    assert "2 checks, 2025-03-01 to 2025-03-08." in line
    assert "Not enough checks for a trend yet: a trend needs at least 4 checks over at least a week" in line
    rows = [line for line in lines if line.startswith("  brow raise")]
    assert rows and rows[0].endswith("latest  60 %  not enough data")


def test_trend_without_checks_leaves_them_out(tmp_path, capsys, monkeypatch):
    db = tmp_path / "a.db"
    with Log.open(db) as log:
        for day in range(3):
            record_session(log, start=T0 + timedelta(days=day))
    assert not [line for line in trend_lines(capsys, db) if "Movement" in line or "movement" in line]
    assert report_json(capsys, db)["movement"]["sentences"] == [NO_CHECKS]


# -- the page ---------------------------------------------------------------------------------
def test_the_page_has_the_section_its_chart_and_the_last_check_per_movement(tmp_path, capsys):
    db = tmp_path / "a.db"
    ratios = rising_history(db)
    out = tmp_path / "r.html"
    assert main(["report", "--db", str(db), "--out", str(out)]) == 0
    page = out.read_text()
    section = page[page.index("<h2>Movement and synkinesis</h2>") : page.index("<footer>")]
    assert "estimates from a webcam, not a clinical grade" in section
    assert section.count("<svg class='movement-chart'") == 1 and section.count("<polyline") == len(MOVEMENT_KEYS)
    assert "toward symmetry" in section and "Synkinesis score: improving" in section
    last = section[section.index("<table class='movement-last'>") :]
    for key in MOVEMENT_KEYS:
        assert f"<tr><td>{BY_KEY[key].name}</td>" in last
    assert f"<td>{100 * ratios[-1]:.0f}&nbsp;%</td>" in last
    assert "<td>left</td>" in last  # the weaker side
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # nothing to load from anywhere


def test_a_log_without_checks_gets_one_calm_line(tmp_path, capsys):
    db = tmp_path / "a.db"
    with Log.open(db) as log:
        record_session(log)
    out = tmp_path / "r.html"
    assert main(["report", "--db", str(db), "--out", str(out)]) == 0
    page = out.read_text()
    section = page[page.index("<h2>Movement and synkinesis</h2>") : page.index("<footer>")]
    assert NO_CHECKS in section
    assert "<svg" not in page and "<table class='movement" not in page


def test_records_built_by_hand_need_no_log():
    """movement_json reads records, not the log: a history in memory gives the same verdicts."""
    start = datetime(2026, 3, 2, 9, 0)
    records = [
        CheckRecord(i + 1, "camera 0", "", (start + timedelta(days=7 * i)).isoformat(), "UTC", "0.1", None, c)
        for i, c in enumerate(a_check(round(0.3 + 0.06 * i, 3)) for i in range(6))
    ]
    m = movement_json(records)
    assert m["trends"]["smile_open"]["verdict"] == "toward symmetry"
    assert m["trends"]["smile_open"]["per_week"] == pytest.approx(6.0, abs=0.01)
    assert m["trends"]["smile_open"]["mdc95"] is None  # no trace


def test_the_section_renders_in_headless_chromium(tmp_path, capsys):
    db = tmp_path / "a.db"
    with Log.open(db) as log:
        for day in range(0, 70, 7):
            record_session(log, start=T0 + timedelta(days=day))
    rising_history(db)
    page = tmp_path / "report.html"
    assert main(["report", "--db", str(db), "--out", str(page)]) == 0
    title, run = probe_title(
        page,
        """
window.addEventListener('load', () => {
  const svg = document.querySelector('svg.movement-chart');
  const box = svg.getBoundingClientRect();
  const lines = [...svg.querySelectorAll('polyline')].filter(p => p.getBBox().width > 100);
  const rows = document.querySelectorAll('table.movement-last tr').length;
  document.title = 'CHART ' + Math.round(box.width) + 'x' + Math.round(box.height) + ' ' + lines.length + ' ' + rows;
});""",
        tmp_path,
    )
    size, lines, rows = title.split()[1:]
    width, height = map(int, size.split("x"))
    assert width >= 400 and height >= 150, title  # drawn, at a readable size
    assert int(lines) == len(MOVEMENT_KEYS) and int(rows) == 1 + len(MOVEMENT_KEYS), title
    assert [line for line in run.stderr.splitlines() if "CONSOLE" in line and "error" in line.lower()] == []
