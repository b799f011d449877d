"""Keeping the habit, gently: the counts and the run of days (habit.py, pure), which sessions
make a practised day (Log.practice_days, in the person's own local dates), and the sentence
where it is shown: `facetension` alone, `history`, `trend`, and the report with its calendar
strip, checked in a real headless Chromium."""

import itertools
import json
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone

import pytest

from facetension.habit import calendar_strip, day_label, habit_from, habit_json, habit_sentence
from facetension.storage import DB_ENV, Log, Measures, SampleRow, SessionSummary, local_timezone

from browser import CHROMIUM_FLAGS
from clirun import run

D = date(2026, 3, 12)  # a Thursday
WORDS_WE_NEVER_USE = ("miss", "broke", "lost", "fail", "only", "again", "should", "!")


def days_ago(*ks: int) -> list[date]:
    return [D - timedelta(days=k) for k in ks]


# -- habit.py: pure ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ago, in_window, streak, sentence",
    [
        ([], 0, 0, None),  # empty history: nothing said
        ([0], 1, 1, "Practised 1 of the last 7 days."),  # today only: one day is not yet a row
        ([0, 1, 2], 3, 3, "Practised 3 of the last 7 days; 3 days in a row."),  # a run ending today
        ([1, 2, 3], 3, 3, "Practised 3 of the last 7 days; 3 days in a row."),  # morning: ends yesterday, stands
        ([0, 1, 3, 4, 5], 5, 2, "Practised 5 of the last 7 days; 2 days in a row."),  # a gap two days ago
        ([2, 3, 4], 3, 0, "Practised 3 of the last 7 days."),  # a run that ended: no run said, no word of it
        (range(0, 7), 7, 7, "Practised on each of the last 7 days; 7 days in a row."),  # the whole week
        (range(1, 8), 7, 7, "Practised on each of the last 7 days; 7 days in a row."),  # ... seen this morning
        (range(0, 30), 7, 30, "Practised on each of the last 7 days; 30 days in a row."),  # longer than the window
        ([6], 1, 0, "Practised 1 of the last 7 days."),  # the window's first day
        ([0, 7], 1, 1, "Practised 1 of the last 7 days."),  # practised today: a week ago leaves the window
        ([8, 20, 40], 0, 0, None),  # long ago: nothing said
        ([-1, 0], 1, 1, "Practised 1 of the last 7 days."),  # a day after today (a flight west) counts in neither
    ],
)
def test_the_window_and_the_run_of_days(ago, in_window, streak, sentence):
    h = habit_from(days_ago(*ago), D)
    assert (h.days_in_window, h.streak_days, habit_sentence(h)) == (in_window, streak, sentence)
    assert h.practised == tuple(sorted(set(days_ago(*ago))))


def test_the_window_ends_yesterday_until_today_is_practised():
    before = habit_from(days_ago(1, 2, 7), D)  # in the morning
    assert before.window_end == D - timedelta(days=1) and before.days_in_window == 3  # day 7 is in
    after = habit_from(days_ago(0, 1, 2, 7), D)  # after today's practice
    assert after.window_end == D and after.days_in_window == 3  # day 7 has left the window
    assert after.streak_days == before.streak_days + 1


def test_several_sessions_a_day_count_once_and_order_does_not_matter():
    h = habit_from(days_ago(0, 0, 0, 2, 1, 1), D)
    assert (h.days_in_window, h.streak_days, len(h.practised)) == (3, 3, 3)


def test_datetimes_count_by_their_own_calendar_date():
    late = datetime(2026, 3, 11, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 04:30 UTC on the 12th
    h = habit_from([late], D)
    assert h.practised == (date(2026, 3, 11),) and h.streak_days == 1


def test_other_window_lengths_and_bad_ones():
    assert habit_sentence(habit_from(days_ago(0, 5, 10), D, window_days=14)) == "Practised 3 of the last 14 days."
    for bad in (0, -1, 1.5, True, "7"):
        with pytest.raises(ValueError, match="window_days"):
            habit_from([], D, window_days=bad)


def test_the_words_stay_kind_whatever_the_days():
    """Every pattern of practice over the last 10 days, seen in the morning and after today's
    practice: a count and a run, never a missed day, a broken streak or a reproach."""
    seen = set()
    for pattern in itertools.product((False, True), repeat=10):
        h = habit_from([D - timedelta(days=k) for k, done in enumerate(pattern) if done], D)
        text = habit_sentence(h)
        if h.days_in_window == 0:
            assert text is None
            continue
        assert text.startswith("Practised ") and text.endswith(".") and len(text) < 70
        assert not any(w in text.lower() for w in WORDS_WE_NEVER_USE), text
        assert ("in a row" in text) == (h.streak_days >= 2), text
        assert 1 <= h.days_in_window <= 7 and h.streak_days <= 10
        seen.add(text)
    assert len(seen) > 20  # the cases above were all reached: counts 1..7, runs 2..10


def test_the_calendar_strip_starts_on_a_monday_and_ends_today():
    strip = calendar_strip(days_ago(0, 3, 20, 200), D, weeks=4)
    assert strip[0][0] == date(2026, 2, 16) and strip[0][0].weekday() == 0  # 3 weeks before this week's Monday
    assert strip[-1] == (D, True) and len(strip) == 3 * 7 + 4  # Monday .. Thursday of this week
    assert [d for d, done in strip if done] == days_ago(20, 3, 0)  # 200 days ago is outside the strip
    assert [b - a for (a, _), (b, _) in zip(strip, strip[1:])] == [timedelta(days=1)] * (len(strip) - 1)


def test_the_calendar_strip_begins_with_the_first_practice_and_is_empty_without_one():
    strip = calendar_strip(days_ago(9, 1), D)  # began last week: the weeks before are not shown
    assert strip[0][0] == date(2026, 3, 2) and len(strip) == 11
    assert calendar_strip([], D) == [] and calendar_strip(days_ago(400), D) == []
    with pytest.raises(ValueError, match="weeks"):
        calendar_strip([], D, weeks=0)


def test_day_labels_and_the_json_shape():
    assert day_label(date(2026, 3, 2), True) == "Monday 2 March 2026: practised"
    assert day_label(date(2026, 3, 3), False) == "Tuesday 3 March 2026: not practised"
    j = habit_json(habit_from(days_ago(0, 1), D))
    assert j["sentence"] == "Practised 2 of the last 7 days; 2 days in a row."
    assert (j["days_in_window"], j["window_days"], j["streak_days"]) == (2, 7, 2)
    assert j["today"] == j["window_end"] == "2026-03-12"
    assert j["calendar"][-2:] == [{"date": "2026-03-11", "practised": True}, {"date": "2026-03-12", "practised": True}]
    json.dumps(j)


def test_habit_is_pure():
    probe = "import facetension.habit, sys; print(sorted(m for m in sys.modules if m in %r))"
    io = ("sqlite3", "cv2", "mediapipe", "facetension.storage", "facetension.outputs", "platformdirs")
    out = subprocess.run([sys.executable, "-c", probe % (io,)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the log: which sessions make a practised day -------------------------------------------
def _session(log, start, *, tz=("UTC", 0), kind="practice", seconds=0, finish_after=300.0, completed=True):
    sid = log.start_session(kind, "camera 0", start, tz[0], "test", utc_offset_min=tz[1])
    for t in range(seconds):
        log.add_sample(sid, SampleRow(float(t), Measures({"eye": 1.0}, {}, 20.0, 30.0), 1.0, "relax"))
    if finish_after is not None:
        m = Measures({"eye": 1.0}, {}, 20.0, 30.0)
        log.finish_session(sid, start + timedelta(seconds=finish_after), completed, SessionSummary(m, m))
    return sid


def test_a_day_is_the_sessions_own_local_date(tmp_path):
    with Log.open(tmp_path / "log.db") as log:
        # 23:30 in New York is 04:30 UTC the next day: it counts for the New York evening.
        _session(log, datetime(2026, 3, 11, 4, 30, tzinfo=timezone.utc), tz=("America/New_York", -300))
        # 00:30 in Tokyo is 15:30 UTC the day before: it counts for the Tokyo morning.
        _session(log, datetime(2026, 3, 11, 15, 30, tzinfo=timezone.utc), tz=("Asia/Tokyo", 540))
        _session(log, datetime(2026, 3, 11, 17, 0, tzinfo=timezone.utc), tz=("Asia/Tokyo", 540))  # same day
        assert log.practice_days() == [date(2026, 3, 10), date(2026, 3, 12)]


def test_which_sessions_count(tmp_path):
    t = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
    with Log.open(tmp_path / "log.db") as log:
        _session(log, t, finish_after=120.0, completed=False)  # stopped after two minutes: practice too
        _session(log, t + timedelta(days=1), kind="calibrate")  # not a practice
        _session(log, t + timedelta(days=2), kind="analyze")  # not a practice
        _session(log, t + timedelta(days=3), finish_after=0.0)  # nothing recorded: ended as it began
        _session(log, t + timedelta(days=4), seconds=3, finish_after=None)  # being recorded now
        assert log.practice_days() == [date(2026, 3, 1), date(2026, 3, 5)]
    with Log.open(tmp_path / "log.db") as log:  # the next open marks it interrupted: it still counts
        assert log.practice_days() == [date(2026, 3, 1), date(2026, 3, 5)]
        assert log.session(5).status == "interrupted"
    with Log.open(tmp_path / "empty.db") as log:
        assert log.practice_days() == []


# -- where it is shown -------------------------------------------------------------------
TODAY_AGO = (0, 1, 2, 5, 9, 20)  # 4 of the last 7 days, 3 in a row; 6 days in the strip
SENTENCE = "Practised 4 of the last 7 days; 3 days in a row."


def _local_noon(days_back: int) -> datetime:
    return datetime.combine(date.today() - timedelta(days=days_back), time(12)).astimezone()


@pytest.fixture
def habit_db(tmp_path, monkeypatch):
    """A log (the default one, $FACETENSION_DB) with practice on TODAY_AGO days before today,
    at noon on this computer's clock, twice on the latest day."""
    path = tmp_path / "facetension.db"
    monkeypatch.setenv(DB_ENV, str(path))
    with Log.open(path) as log:
        for k in (*TODAY_AGO, 0):
            start = _local_noon(k)
            _session(log, start, tz=local_timezone(start), seconds=3)
        _session(log, _local_noon(4), tz=local_timezone(_local_noon(4)), kind="calibrate")
    return path


def test_facetension_alone_says_it(capsys, habit_db):
    rc, out, _ = run(capsys)
    assert rc == 0 and f"\n{SENTENCE}\n" in out
    assert out.index("in the last 7 days.") < out.index(SENTENCE) < out.index("Next: facetension practice")


def test_history_ends_with_it_whatever_it_lists(capsys, habit_db):
    rc, out, _ = run(capsys, "history")
    assert rc == 0 and out.endswith(f"\n\n{SENTENCE}\n") and out.startswith("#7 ")
    rc, out, _ = run(capsys, "history", "--limit", "1")  # the habit is about now, not about the list
    assert rc == 0 and out.endswith(f"\n\n{SENTENCE}\n")
    rc, out, _ = run(capsys, "history", "--since", (date.today() + timedelta(days=1)).isoformat())
    assert rc == 0 and out.startswith("No sessions since") and out.endswith(f"\n\n{SENTENCE}\n")
    rc, out, _ = run(capsys, "history", "--json")  # one session a line, as before: no other line
    assert rc == 0 and sorted(json.loads(line)["id"] for line in out.splitlines()) == list(range(1, 9))


def test_trend_and_report_say_it(capsys, habit_db, tmp_path):
    rc, out, _ = run(capsys, "trend")
    assert rc == 0 and out.splitlines()[2] == SENTENCE
    rc, out, _ = run(capsys, "report", "--json")
    habit = json.loads(out)["habit"]
    assert rc == 0 and habit["sentence"] == SENTENCE and (habit["days_in_window"], habit["streak_days"]) == (4, 3)
    assert sum(c["practised"] for c in habit["calendar"]) == len(TODAY_AGO)
    rc, out, _ = run(capsys, "report", "--out", tmp_path / "r.html")
    assert rc == 0 and SENTENCE in out and f"<p class='habit'>{SENTENCE}</p>" in (tmp_path / "r.html").read_text()


def test_long_ago_or_never_says_nothing(capsys, tmp_path, monkeypatch):
    path = tmp_path / "facetension.db"
    monkeypatch.setenv(DB_ENV, str(path))
    with Log.open(path) as log:
        start = _local_noon(400)
        _session(log, start, tz=local_timezone(start))
    for args in ((), ("history",), ("trend",)):
        rc, out, _ = run(capsys, *args)
        assert rc == 0 and "Practised" not in out, args
        assert not any(w in out.lower() for w in ("missed", "broken", "streak")), args
    rc, _, _ = run(capsys, "report", "--out", tmp_path / "r.html")
    assert rc == 0 and "Days you practised" not in (tmp_path / "r.html").read_text()  # no empty strip either


# -- the report's calendar strip in a real browser ------------------------------------------
PROBE = """<script>
window.addEventListener('load', () => {
  const days = [...document.querySelectorAll('table.strip .day')];
  const inStrip = [...document.querySelectorAll('table.strip, table.strip *')];
  const colours = new Set();
  for (const el of inStrip) {
    const s = getComputedStyle(el);
    for (const c of [s.backgroundColor, s.color, s.borderTopColor, s.boxShadow]) colours.add(c);
  }
  const out = {
    days: days.length,
    on: document.querySelectorAll('table.strip .day.on').length,
    visible: days.filter(d => d.getBoundingClientRect().width >= 8 && d.getBoundingClientRect().height >= 8).length,
    labels: days.map(d => [d.getAttribute('aria-label'), d.getAttribute('title'), d.getAttribute('role')]),
    colours: [...colours],
    sentence: (document.querySelector('p.habit') || {}).textContent,
  };
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = 'PROBE' + JSON.stringify(out) + 'END';
  document.body.appendChild(pre);
});</script></body>"""


def _is_red(colour: str) -> bool:
    for r, g, b in re.findall(r"rgba?\((\d+), (\d+), (\d+)", colour):
        r, g, b = int(r), int(g), int(b)
        if r > 120 and r > g + 50 and r > b + 50:
            return True
    return False


def test_the_calendar_strip_in_headless_chromium(capsys, habit_db, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is missing: .ci/run installs it"
    page = tmp_path / "report.html"
    rc, _, err = run(capsys, "report", "--out", page)
    assert rc == 0, err
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE))
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
        + ["--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r"<pre id=\"probe\">PROBE(.*?)END</pre>", result.stdout)
    assert found, result.stderr[-2000:]
    seen = json.loads(found.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    first = date.today() - timedelta(days=max(TODAY_AGO))
    first -= timedelta(days=first.weekday())  # the strip begins on the Monday of the first practice's week
    assert seen["days"] == (date.today() - first).days + 1 == seen["visible"]  # every day drawn, none hidden
    assert seen["on"] == len(TODAY_AGO)  # the practised days filled in, each once
    assert seen["sentence"] == SENTENCE
    for label, title, role in seen["labels"]:  # every day named for a screen reader and on hover
        assert label == title and role == "img" and re.fullmatch(r"\w+day \d+ \w+ \d{4}: (not )?practised", label)
    assert sum(label.endswith(": practised") for label, _, _ in seen["labels"]) == len(TODAY_AGO)
    assert not [c for c in seen["colours"] if _is_red(c)], seen["colours"]  # no red anywhere in the strip
