"""A change of measuring method inside a history (methods.py): said in the report and `trend`,
never across histories measured by one method."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from facetension import __version__
from facetension.cli import main
from facetension.methods import METHOD_CHANGES, changes_within, version_key
from facetension.storage import Log, Measures, SessionSummary

T0 = datetime(2026, 9, 7, 8, 0)
OLD, NEW = "0.1.0", METHOD_CHANGES[-1][0]


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
