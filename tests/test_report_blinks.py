"""Blinks eye by eye in the report (facetension/report_blinks.py), on logs written the way a
practice writes them (each blink as two "blink" events through the recorder): a left eye
whose incomplete blinks fall week by week, a symmetric history, a log with no blink; the
numbers in --json, the line in `trend`, the section in a real headless Chromium; and the
report's reading of every session's blinks at once held equal to blinks.logged_summary."""

import html
import json
import random
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from facetension.blinks import Blink, logged_summary
from facetension.cli import main
from facetension.logrecords import EventRow, Measures, SampleRow, SessionSummary
from facetension.practice_types import blink_events
from facetension.recording import LogRecorder
from facetension.report_blinks import MIN_SESSION_BLINKS, NO_BLINKS, blinks_json, session_summaries
from facetension.storage import Log
from facetension.trends import Point

from browser import probe_title

START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)  # a Monday
WEEKS = 6
DAYS = (0, 2, 4)  # Monday, Wednesday, Friday
BLINKS = 20  # a session's blinks
WATCHED_S = 12  # its seconds of watched eyes (one sample row each, quality 1)
FULL, PARTIAL = {"left": 0.95, "right": 0.99}, 0.7  # a complete blink per side; an incomplete one
# The recovering left eye: its incomplete blinks per session, week by week (60 % → 10 %, so the
# share falls 10 points a week), and how much later it closes than the right (ms; the lag,
# right − left, is the negative: −32 → −12 ms, 4 ms a week toward 0). The right eye's
# incomplete blinks cycle 0, 1, 2 through each week: 5 %, and no trend.
LEFT_INCOMPLETE = (12, 10, 8, 6, 4, 2)
LEFT_LATER_MS = (32, 28, 24, 20, 16, 12)
RIGHT_INCOMPLETE = (0, 1, 2)


def blink(t: float, left: float, right: float, lag_ms: float) -> Blink:
    """A blink at t: each eye closing to its completeness, the right lag_ms after the left."""
    closes = t + 0.1
    return Blink(t, 0.25, left, right, closes, closes + lag_ms / 1000)


def session_blinks(left_incomplete: int, right_incomplete: int, lag_ms: float, full=FULL) -> list[Blink]:
    return [
        blink(
            0.5 + k * 0.5,
            PARTIAL if k < left_incomplete else full["left"],
            PARTIAL if k >= BLINKS - right_incomplete else full["right"],
            lag_ms,
        )
        for k in range(BLINKS)
    ]


def write_log(db, sessions, completed=True) -> None:
    """Practice sessions (start, blinks): each a few watched seconds, its blinks logged through
    the practice's own recorder, a resting measurement, finished."""
    with Log.open(db) as log:
        for start, blinks in sessions:
            sid = log.start_session("practice", "camera 0", start, "UTC", "0.1.0")
            recorder = LogRecorder(log, sid, None)
            for t in range(WATCHED_S):
                log.add_sample(sid, SampleRow(float(t), Measures(), 1.0, "relax"))
            for b in blinks:
                for e in blink_events(b):
                    recorder.event(e)
            m = Measures({"eye": 1.0}, {}, 30.0, 20.0)
            log.finish_session(sid, start + timedelta(minutes=5), completed, SessionSummary(m, m))


def starts():
    return [START + timedelta(weeks=w, days=d) for w in range(WEEKS) for d in DAYS]


@pytest.fixture(scope="module")
def recovering(tmp_path_factory):
    """Six weeks, three sessions a week: the left eye's incomplete blinks fall week by week."""
    db = tmp_path_factory.mktemp("blinks") / "recovering.db"
    sessions = [
        (start, session_blinks(LEFT_INCOMPLETE[i // 3], RIGHT_INCOMPLETE[i % 3], -LEFT_LATER_MS[i // 3]))
        for i, start in enumerate(starts())
    ]
    write_log(db, sessions)
    return db


@pytest.fixture(scope="module")
def symmetric(tmp_path_factory):
    """Six weeks of blinks alike on both sides and from week to week: complete blinks close to
    97 % on either side, 0-3 incomplete of 20 per side, a lag of -3 to +3 ms (at random)."""
    rng = random.Random(14)
    db = tmp_path_factory.mktemp("blinks") / "symmetric.db"
    alike = {"left": 0.97, "right": 0.97}
    sessions = [
        (start, session_blinks(rng.randint(0, 3), rng.randint(0, 3), rng.randint(-3, 3), alike)) for start in starts()
    ]
    write_log(db, sessions)
    return db


def report_json(capsys, db):
    assert main(["report", "--db", str(db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)["blinks"]


# -- the recovering left eye -------------------------------------------------------------
def test_a_left_eye_recovering_reads_improving_with_its_interval_below_zero(capsys, recovering):
    b = report_json(capsys, recovering)
    assert (b["sessions"], b["blinks"]) == (WEEKS * len(DAYS), WEEKS * len(DAYS) * BLINKS)
    left = b["trends"]["incomplete_left"]
    assert left["verdict"] == "improving" and left["n"] == 18
    assert left["high"] < 0  # the interval excludes 0, on the falling side
    assert -0.14 < left["per_week"] < -0.07  # the truth: 10 percentage points a week
    assert left["low"] <= -0.10 <= left["high"] or abs(left["per_week"] + 0.10) < 0.03
    assert b["trends"]["incomplete_right"]["verdict"] == "no clear change yet"
    lag = b["trends"]["lag_ms"]
    assert lag["verdict"] == "toward symmetry" and lag["low"] > 0  # −32 → −12 ms: nearing 0
    assert 3.0 < lag["per_week"] < 5.5  # the truth: 4 ms a week
    assert left["sentence"].startswith("Incomplete blinks, your left eye: improving (−")
    assert "percentage points a week, 95 % interval −" in left["sentence"]


def test_the_recent_weeks_in_numbers(capsys, recovering):
    """The last four weeks (weeks 3-6: 12 sessions, 240 blinks) pooled: the left eye's
    8+6+4+2 incomplete blinks a session are 25 %, the right eye's 0+1+2 are 5 %; medians of
    the sessions' medians; the lag −24, −20, −16, −12 ms: −18 ms."""
    r = report_json(capsys, recovering)["recent"]
    assert (r["sessions"], r["blinks"], r["from"], r["to"]) == (12, 240, "2026-03-16", "2026-04-10")
    assert r["incomplete"] == pytest.approx({"left": 0.25, "right": 0.05})
    assert r["completeness"] == pytest.approx(FULL)
    assert r["lag_ms"] == pytest.approx(-18.0, abs=1e-6)


def test_the_recent_weeks_in_words(capsys, recovering):
    b = report_json(capsys, recovering)
    assert b["sentences"] == [
        "In your last 4 weeks of practice (12 sessions, 2026-03-16 to 2026-04-10) facetension saw 240 blinks.",
        "Your left eye closed to a median 95 % of your usual full blink; 25 % of its blinks were incomplete "
        "(closing less than 90 %).",
        "Your right eye closed to a median 99 % of your usual full blink; 5 % of its blinks were incomplete "
        "(closing less than 90 %).",
        "Your left eye closed a median 18 ms after your right.",
    ]


def test_trend_prints_one_blink_line(capsys, recovering):
    assert main(["trend", "--db", str(recovering)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "blink" in line.lower()]
    assert lines == [
        "Blinks, last 4 weeks: incomplete left 25 %, right 5 % (median closure 95 % / 99 %); left eye closes "
        "18 ms after the right. Trends: left improving, right no clear change yet, lag toward symmetry."
    ]


def test_since_reads_only_the_blinks_of_its_sessions(capsys, recovering):
    assert main(["report", "--db", str(recovering), "--json", "--since", "2026-03-30"]) == 0
    b = json.loads(capsys.readouterr().out)["blinks"]
    assert (b["sessions"], b["recent"]["incomplete"]["left"]) == (6, pytest.approx(0.15))  # weeks 5 and 6


# -- no clear change, and no blinks at all ------------------------------------------------
def test_a_symmetric_history_shows_no_clear_change(capsys, symmetric):
    b = report_json(capsys, symmetric)
    for name in ("incomplete_left", "incomplete_right", "lag_ms"):
        s = b["trends"][name]
        assert s["verdict"] == "no clear change yet", name
        assert s["low"] <= 0 <= s["high"], name
        assert "no clear change yet" in s["sentence"]
    r = b["recent"]
    assert max(r["incomplete"].values()) <= 0.15 and r["completeness"] == {"left": 0.97, "right": 0.97}
    assert abs(r["lag_ms"]) <= 3
    assert main(["trend", "--db", str(symmetric)]) == 0
    assert (
        "Trends: left no clear change yet, right no clear change yet, lag no clear change yet."
        in capsys.readouterr().out
    )


def test_a_log_without_blinks_gets_one_calm_sentence_and_no_trend_line(capsys, tmp_path):
    db = tmp_path / "old.db"
    write_log(db, [(start, []) for start in starts()])  # sessions from before blinks were logged
    b = report_json(capsys, db)
    assert (b["sessions"], b["blinks"], b["recent"], b["trends"]) == (0, 0, None, {})
    assert b["sentences"] == [NO_BLINKS]
    assert main(["trend", "--db", str(db)]) == 0
    assert "link" not in capsys.readouterr().out
    page = tmp_path / "r.html"
    assert main(["report", "--db", str(db), "--out", str(page)]) == 0
    text = page.read_text()
    assert "<h2>Blinks, eye by eye</h2>" in text and html.escape(NO_BLINKS) in text
    assert "<ul class='blinks'>" not in text  # no trends, no explanations: the one sentence


def test_incomplete_sessions_and_sessions_of_few_blinks_stay_out_of_the_trends(capsys, tmp_path):
    db = tmp_path / "mixed.db"
    few = session_blinks(0, 0, 0)[: MIN_SESSION_BLINKS - 1]
    write_log(db, [(start, few) for start in starts()])
    write_log(db, [(START + timedelta(days=50), session_blinks(20, 20, 0))], completed=False)
    b = report_json(capsys, db)
    assert b["sessions"] == 18 and b["recent"]["incomplete"]["left"] == 0  # the stopped one is not in
    assert all(s["verdict"] == "not enough data" and s["n"] == 0 for s in b["trends"].values())
    assert "not enough data for a trend yet" in b["trends"]["lag_ms"]["sentence"]


def test_points_without_blinks_and_an_empty_log():
    assert blinks_json([])["sentences"] == [NO_BLINKS]
    assert blinks_json([Point(START, 10.0, 20.0, 10.0)])["recent"] is None


# -- the page, in a real browser ------------------------------------------------------------
def test_the_blinks_section_is_visible_in_headless_chromium(capsys, tmp_path, recovering):
    b = report_json(capsys, recovering)
    page = tmp_path / "report.html"
    assert main(["report", "--db", str(recovering), "--out", str(page)]) == 0
    title, run = probe_title(
        page,
        """
window.addEventListener('load', () => {
  const seen = e => e.getBoundingClientRect().height > 0 && getComputedStyle(e).visibility === 'visible';
  const h = [...document.querySelectorAll('h2')].filter(e => e.textContent === 'Blinks, eye by eye');
  const parts = [...document.querySelectorAll('.blinks, .blinks li')];
  document.title = 'BLINKS ' + h.filter(seen).length + ' ' + parts.filter(seen).length + '/' + parts.length;
});""",
        tmp_path,
    )
    assert title == "BLINKS 1 8/8", title  # the heading; 4 sentences, the list and its 3 trends
    text = " ".join(re.sub(r"<[^>]+>", " ", run.stdout).replace("&nbsp;", " ").split())
    for sentence in [*b["sentences"], *(s["sentence"] for s in b["trends"].values())]:
        assert sentence in text
    # What the numbers do not mean: the reading's own difference between two eyes.
    assert "up to 15 % lower than the other's" in text and "A difference of that size alone is not a sign" in text


# -- reading every session at once, as logged_summary reads one --------------------------
def test_the_report_reads_each_session_as_logged_summary_does(tmp_path):
    """Sessions of random blinks, and the odd rows from_events skips or reads its own way: a
    left row with no right, a right before its left, durations that differ, no amplitude, an
    eye that hardly closed (no lag), blink rows but no watched second, no blink at all."""
    rng = random.Random(7)
    db = tmp_path / "odd.db"
    with Log.open(db) as log:
        ids = []
        for k in range(12):
            sid = log.start_session("practice", "camera 0", START + timedelta(days=k), "UTC", "0.1.0")
            ids.append(sid)
            for t in range(0 if k == 10 else rng.randint(1, 15)):
                log.add_sample(sid, SampleRow(float(t), Measures(), rng.choice([None, 0.0, 0.5, 0.93, 1.0])))
            events = []
            for b in range(0 if k == 11 else rng.randint(1, 25)):
                t = 1.0 + b
                left, right = (round(rng.choice([0.0, 0.2, 0.6, 0.89, 0.9, 1.0, rng.random()]), 3) for _ in "lr")
                dur = rng.choice([0.2, 0.25, None])
                events += [
                    EventRow(t, "blink", "eye", "left", "", dur, None if rng.random() < 0.1 else left),
                    EventRow(round(t + rng.uniform(-0.05, 0.05), 3), "blink", "eye", "right", "", dur, right),
                ]
                odd = rng.random()
                if odd < 0.1:
                    events.append(EventRow(t + 0.5, "blink", "eye", "left", "", dur, left))  # no right after it
                elif odd < 0.2:
                    events[-2:] = events[-2:][::-1]  # right first: no blink
                elif odd < 0.3:
                    events[-1] = EventRow(t, "blink", "eye", "right", "", 0.3, right)  # durations differ
                if rng.random() < 0.2:
                    events.append(EventRow(t + 0.7, "twitch", "eye", "left", "", 0.1, 0.3))
            for e in events:
                log.add_event(sid, e)
            log.finish_session(sid, START + timedelta(days=k, minutes=5), True, SessionSummary())
    with Log.open(db, readonly=True) as log:
        found = session_summaries(*log.blink_rows(reversed(ids)))
        expected = {sid: logged_summary(log.events(sid), log.samples(sid)) for sid in ids}
    assert {sid for sid, s in expected.items() if s is not None} == set(found)
    assert expected[ids[10]] is None and expected[ids[11]] is None
    for sid, want in expected.items():
        if want is None:
            continue
        got = found[sid]
        # The seconds are summed by SQLite here and by Python there: equal to rounding.
        assert got.seconds == pytest.approx(want.seconds, rel=1e-12)
        assert (got.per_min is None) == (want.per_min is None)
        assert replace(got, seconds=want.seconds, per_min=want.per_min) == want, sid
