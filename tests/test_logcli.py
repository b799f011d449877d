"""history, journal, export, import and forget through the command line (in-process), the
export files (pandas loads the CSV; export → import → export is identical), the journal's
questions, and a whole logged session with the network blocked."""

import csv
import io
import json
import socket
import sqlite3
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from facetension import logcli, storage
from facetension.cli import main
from facetension.errors import InputError, StorageError
from facetension.logexport import EXPORT_VERSION
from facetension.metrics import REGIONS
from facetension.storage import (
    BUILTIN_TAGS,
    EXPORT_COLUMNS,
    EventRow,
    Journal,
    Log,
    Measures,
    SampleRow,
    SessionSummary,
)

from clirun import one_error_line, run
from log_data import T0, a_baseline, record_session, snapshot

LOG_COMMANDS = ("history", "journal", "export", "import", "forget")


class Terminal(io.StringIO):
    """Standard input as a person at a terminal."""

    def isatty(self):
        return True


def answers(monkeypatch, *replies):
    """input() answers these, in order; then end of input."""
    it = iter(replies)

    def fake(prompt=""):
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake)


# -- help and the empty case -------------------------------------------------------------
@pytest.mark.parametrize("command", LOG_COMMANDS)
def test_every_log_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and f"facetension {command}" in out and "--db PATH" in out
    assert len(out.split("\n\n")[1].strip()) > 30  # a description, not just the usage line


def test_without_a_log_commands_say_so_and_create_nothing(capsys, tmp_path):
    rc, out, _ = run(capsys, "history", "--db", tmp_path / "no" / "log.db")
    assert (rc, out) == (0, "No sessions recorded yet.\n")
    rc, out, _ = run(capsys, "history", "--json", "--db", tmp_path / "no" / "log.db")
    assert (rc, out) == (0, "")
    for args in (["journal", "--pain-before", "3"], ["forget", "--all", "--yes"], ["export", "--format", "json"]):
        rc, _, err = run(capsys, *args, "--db", tmp_path / "no" / "log.db")
        assert rc == 6 and "there is no log at" in one_error_line(err), args
    assert not (tmp_path / "no").exists()


# -- history -----------------------------------------------------------------------------
def test_history_lists_sessions_newest_first_with_their_numbers_and_journal(capsys, db):
    rc, out, _ = run(capsys, "history")
    assert rc == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines if line.startswith("#")] == ["#3", "#2", "#1"]
    assert lines[0] == "#3    2025-03-03 08:00  practice    0:06  completed  from camera 0"
    assert lines[1].split() == [
        "asymmetry",
        "index",
        "11",
        "→",
        "10",
        "tension",
        "index",
        "21",
        "→",
        "20",
        "twitches",
        "1",
        "relaxed",
        "0:03",
        "of",
        "0:04",
    ]
    assert lines[2].startswith("      L−R mm: brow +1.5 → +0.5, eye +1.5 → +0.5,")
    journal = next(line for line in lines if "pain" in line)
    assert journal.strip().split("   ") == ["pain 4 → 2", "tags: cold, stress", 'note: windy, "cold" walk then tea']


def test_history_json_has_every_number(capsys, db):
    rc, out, _ = run(capsys, "history", "--json", "--limit", "2")
    records = [json.loads(line) for line in out.splitlines()]
    assert rc == 0 and [r["id"] for r in records] == [3, 2]
    r = records[1]
    assert r["status"] == "completed" and r["completed"] is True and r["samples"] == 5
    assert r["journal"] == {
        "pain_before": 4,
        "pain_after": 2,
        "tags": ["cold", "stress"],
        "note": 'windy, "cold" walk\nthen tea',
    }
    assert set(r["before"]["diff_mm"]) == set(REGIONS) and r["before"]["diff_mm"]["eye"] == 1.5
    assert r["after"]["tension"]["regions"]["jaw"] == {"left": 0.1, "right": 0.1}
    assert r["before"]["asymmetry_index"] == 11.0 and r["after"]["tension"]["index"] == 20.0


def test_history_since(capsys, db):
    rc, out, _ = run(capsys, "history", "--json", "--since", "2025-03-02")
    assert rc == 0 and [json.loads(line)["id"] for line in out.splitlines()] == [3, 2]
    with pytest.raises(SystemExit):
        main(["history", "--since", "yesterday"])
    assert "expected a date as YYYY-MM-DD" in capsys.readouterr().err


# -- journal -----------------------------------------------------------------------------
def test_journal_options_edit_the_latest_session(capsys, db):
    rc, out, _ = run(
        capsys,
        "journal",
        "--pain-before",
        "6",
        "--tag",
        "poor-sleep",
        "--tag",
        "just-woke",
        "--note",
        "stiff on waking",
    )
    assert rc == 0 and out.splitlines()[0].startswith("Journal for session 3 (2025-03-03 08:00, practice")
    assert "tags: just-woke, poor-sleep" in out
    rc, _, _ = run(capsys, "journal", "3", "--pain-after", "3", "--untag", "just-woke", "--new-tag", "screen-time")
    with Log.open(db) as log:
        assert log.journal(3) == Journal(6, 3, ("poor-sleep", "screen-time"), "stiff on waking")
        assert log.journal(2).pain_before == 4  # the others untouched
    rc, _, _ = run(capsys, "journal", "3", "--pain-before", "-", "--clear-tags", "--note", "")
    with Log.open(db) as log:
        assert log.journal(3) == Journal(None, 3, (), "")


def test_journal_refuses_what_it_cannot_take_and_changes_nothing(capsys, db):
    rc, _, err = run(capsys, "journal", "2", "--tag", "stres")
    line = one_error_line(err)
    assert rc == 2 and "unknown tag stres" in line and "--new-tag stres" in line
    rc, _, err = run(capsys, "journal", "2", "--pain-after", "11")
    assert rc == 2 and "from 0 (none) to 10 (worst)" in one_error_line(err)
    rc, _, err = run(capsys, "journal", "2", "--new-tag", "two words")
    assert rc == 2 and "a tag is 1 to 32 lowercase letters" in one_error_line(err)
    rc, _, err = run(capsys, "journal", "9", "--pain-after", "1")
    assert rc == 6 and "no session 9" in one_error_line(err)
    with Log.open(db) as log:
        assert log.journal(2) == Journal(4, 2, ("cold", "stress"), 'windy, "cold" walk\nthen tea')


def test_journal_asks_at_a_terminal(capsys, db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", Terminal())
    answers(monkeypatch, "12", "5", "", "evening, Garden-work", "y", "long day")
    rc, out, _ = run(capsys, "journal", "1")
    assert rc == 0
    assert "Please give a whole number from 0 to 10" in out  # 12 was asked again
    assert "What may have played a part? " + ", ".join(BUILTIN_TAGS) in out
    with Log.open(db) as log:
        assert log.journal(1) == Journal(5, None, ("evening", "garden-work"), "long day")


def test_without_a_terminal_and_options_journal_shows_the_entry(capsys, db):
    rc, out, _ = run(capsys, "journal", "2")
    assert rc == 0 and "pain before: 4   pain after: 2" in out and "tags: cold, stress" in out


def reader(*replies, asked=None):
    """A read(prompt) that answers these, in order, then meets the end of input."""
    it = iter(replies)

    def read(prompt):
        if asked is not None:
            asked.append(prompt)
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    return read


def test_the_practice_asks_the_same_questions(db):
    """prompt_journal is what the end of a practice session calls."""
    asked, said = [], []
    # 'no' would be a new tag: not confirmed, so the tags are asked again
    read = reader("3", "-", "cold, no", "n", "cold", asked=asked)
    with Log.open(db) as log:
        entry = logcli.prompt_journal(log, 2, ask=("pain_before", "pain_after", "tags"), read=read, write=said.append)
        assert entry == log.journal(2) == Journal(3, None, ("cold",), 'windy, "cold" walk\nthen tea')
        # the end of input stops the questions and keeps what was answered
        entry = logcli.prompt_journal(log, 1, read=reader("7"), write=said.append)
        assert entry == Journal(pain_before=7)
    assert asked[0].startswith("Pain before the session, 0 (none) to 10 (worst) [4]")
    assert asked[3] == "New tag no: add as your own? [y/N] " and asked[4] == asked[2]


# -- export ------------------------------------------------------------------------------
def test_csv_export_loads_with_a_plain_pandas_read_csv(capsys, db, tmp_path):
    import pandas as pd

    rc, out, _ = run(capsys, "export", "--format", "csv", "--out", tmp_path / "out")
    assert rc == 0 and out.startswith("Exported 3 sessions (15 seconds of samples, 6 events) and 1 baseline")
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert files == {"meta.csv", "baselines.csv", "sessions.csv", "samples.csv", "events.csv"} | {
        "checks.csv",  # the movement check's (export version 3), empty here
        "check_movements.csv",
        "check_traces.csv",
    }
    samples = pd.read_csv(tmp_path / "out" / "samples.csv")
    assert list(samples.columns) == list(EXPORT_COLUMNS["samples"]) and len(samples) == 15
    assert samples["eye_left_tension"].dtype == float and samples["t_s"].tolist()[:4] == [0.0, 1.0, 2.0, 3.0]
    sessions = pd.read_csv(tmp_path / "out" / "sessions.csv")
    assert sessions["session_id"].tolist() == [1, 2, 3]
    s2 = sessions.set_index("session_id").loc[2]
    assert (s2["pain_before"], s2["tags"], s2["note"]) == (4, "cold;stress", 'windy, "cold" walk\nthen tea')
    assert pd.isna(sessions.set_index("session_id").loc[1, "pain_before"])  # no journal: missing, not 0
    events = pd.read_csv(tmp_path / "out" / "events.csv")
    assert events["kind"].tolist() == ["prompt", "twitch"] * 3
    assert pd.read_csv(tmp_path / "out" / "meta.csv").set_index("key").loc["format", "value"] == "facetension-log"


def test_json_export_to_stdout(capsys, db):
    rc, out, _ = run(capsys, "export", "--format", "json")
    doc = json.loads(out)
    assert rc == 0 and (doc["format"], doc["version"]) == ("facetension-log", EXPORT_VERSION)
    assert list(doc) == ["format", "version", "app_version", "tables"]
    samples = doc["tables"]["samples"]
    assert samples["columns"] == list(EXPORT_COLUMNS["samples"]) and len(samples["rows"]) == 15
    assert samples["rows"][0][:4] == [1, 0.0, "relax", 0.5]


def test_export_since_and_csv_needs_a_folder(capsys, db, tmp_path):
    rc, out, _ = run(capsys, "export", "--format", "json", "--since", "2025-03-03")
    assert rc == 0 and [r[0] for r in json.loads(out)["tables"]["sessions"]["rows"]] == [3]
    rc, _, err = run(capsys, "export", "--format", "csv")
    assert rc == 2 and "--out FOLDER" in one_error_line(err)
    rc, _, err = run(capsys, "export", "--format", "csv", "--out", tmp_path / "x.csv")
    assert rc == 2 and "folder" in one_error_line(err)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_import_export_gives_identical_files(capsys, db, tmp_path, fmt):
    """Moving to a new laptop or restoring a backup: nothing changes on the way."""
    with Log.open(db) as log:  # the awkward cases too: an interrupted session, an empty second
        sid = log.start_session("practice", "camera 0", T0 + timedelta(days=9), "Europe/Paris", "0.1.0")
        log.add_sample(sid, SampleRow(0.0, Measures(), None))
        log.add_sample(sid, SampleRow(1.0, Measures({"eye": -0.25}, {("jaw", "left"): 1.0}), 1.0, "check"))
        log.flush()
        log.set_journal(sid, note="ünïcode, ∂, 😀")
    first, second = (
        (tmp_path / f"first.{fmt}", tmp_path / f"second.{fmt}")
        if fmt == "json"
        else (tmp_path / "first", tmp_path / "second")
    )  # a CSV export is a folder
    assert run(capsys, "export", "--format", fmt, "--out", first)[0] == 0
    fresh = tmp_path / "fresh.db"
    rc, out, _ = run(capsys, "import", first, "--db", fresh)
    assert rc == 0 and out.startswith("Imported 4 sessions (17 seconds of samples, 6 events) and 1 baseline")
    assert run(capsys, "export", "--format", fmt, "--out", second, "--db", fresh)[0] == 0
    assert _files(first) == _files(second)
    with Log.open(fresh, readonly=True) as log:
        assert [r.id for r in log.sessions()] == [4, 3, 2, 1] and log.session(4).status == "interrupted"


def test_json_and_csv_carry_the_same_log(capsys, db, tmp_path):
    run(capsys, "export", "--format", "json", "--out", tmp_path / "a.json")
    run(capsys, "export", "--format", "csv", "--out", tmp_path / "csv")
    run(capsys, "import", tmp_path / "csv" / "sessions.csv", "--db", tmp_path / "from_csv.db")  # a file in the folder
    run(capsys, "export", "--format", "json", "--out", tmp_path / "b.json", "--db", tmp_path / "from_csv.db")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def _files(path: Path) -> dict:
    return snapshot(path) if path.is_dir() else {"export": path.read_bytes()}


def test_import_into_a_log_with_sessions_adds_only_what_is_new(capsys, db, tmp_path):
    run(capsys, "export", "--format", "json", "--out", tmp_path / "all.json")
    other = tmp_path / "other.db"
    with Log.open(other) as log:
        record_session(log, start=T0 + timedelta(days=30))  # takes id 1, which the export also uses
        record_session(log, start=T0 + timedelta(days=1), seconds=5)  # the same as the export's session 2
    rc, out, _ = run(capsys, "import", tmp_path / "all.json", "--db", other)
    assert rc == 0 and "Imported 2 sessions" in out and "1 already there were left as they were" in out
    with Log.open(other, readonly=True) as log:
        starts = sorted(r.started_utc[:10] for r in log.sessions())
        assert starts == ["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-31"]
        assert sum(r.samples for r in log.sessions()) == 5 + 5 + 4 + 6
        assert log.session(3).samples == 4 and log.events(3)  # renumbered with its rows


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("garbage.json", "{not json", "cannot be imported"),
        ("other.json", '{"format": "something-else", "version": 1, "tables": {}}', "not a facetension export"),
        ("newer.json", '{"format": "facetension-log", "version": 99, "tables": {}}', "newer facetension"),
    ],
)
def test_import_refuses_a_file_it_cannot_read_and_changes_nothing(capsys, db, tmp_path, name, content, says):
    (tmp_path / name).write_text(content)
    before = db.read_bytes()
    rc, _, err = run(capsys, "import", tmp_path / name)
    assert rc == 6 and says in one_error_line(err)
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "table, column, value",
    [
        ("sessions", "pain_before", 11),  # the last session: the others would be in already
        ("sessions", "kind", "nap"),
        ("sessions", "started_utc", "yesterday"),
        ("sessions", "tags", "cold;two words"),
        ("samples", "phase", "a,b"),  # would break the CSV export
        ("samples", "eye_left_tension", "high"),
        ("events", "side", "middle"),
        ("baselines", "data", "{not json"),
    ],
)
def test_import_of_a_broken_row_imports_nothing(capsys, db, tmp_path, table, column, value):
    run(capsys, "export", "--format", "json", "--out", tmp_path / "a.json")
    doc = json.loads((tmp_path / "a.json").read_text())
    t = doc["tables"][table]
    t["rows"][-1][t["columns"].index(column)] = value
    (tmp_path / "a.json").write_text(json.dumps(doc))
    fresh = tmp_path / "fresh.db"
    rc, _, err = run(capsys, "import", tmp_path / "a.json", "--db", fresh)
    assert rc == 6 and "nothing was imported" in one_error_line(err)
    if fresh.exists():  # a value of the wrong type is refused before the log is even opened
        with closing(sqlite3.connect(fresh)) as c:
            assert c.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0


def test_import_of_a_missing_file(capsys, db, tmp_path):
    rc, _, err = run(capsys, "import", tmp_path / "missing.json")
    assert rc == InputError.exit_code and "no such file" in one_error_line(err)


def test_sqlite_writes_numbers_exactly_as_python_does():
    """The export lets SQLite format the samples: guard that its digits are Python's."""
    import random

    rng = random.Random(1)
    with closing(sqlite3.connect(":memory:")) as c:
        for decimals in (1, 2, 3):
            values = [round(rng.uniform(-1000, 1000) * rng.choice((1e-3, 1, 1e3)), decimals) + 0.0 for _ in range(3000)]
            texts = [
                t
                for (t,) in c.execute(
                    " UNION ALL ".join(["SELECT printf(?, ?)"] * 500),
                    [x for v in values[:500] for x in (f"%.{decimals}f", v)],
                )
            ]
            assert texts == [f"{v:.{decimals}f}" for v in values[:500]]
            assert all(float(f"{v:.{decimals}f}") == v for v in values)


# -- forget ------------------------------------------------------------------------------
def test_forget_without_a_terminal_needs_yes(capsys, db):
    rc, _, err = run(capsys, "forget", "2")
    assert rc == 1 and "add --yes" in one_error_line(err)
    rc, out, _ = run(capsys, "forget", "2", "--yes")
    assert rc == 0 and out == "Forgot 1 session.\n"
    with Log.open(db, readonly=True) as log:
        assert [r.id for r in log.sessions()] == [3, 1]


def test_forget_asks_at_a_terminal(capsys, db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", Terminal())
    answers(monkeypatch, "n")
    rc, out, _ = run(capsys, "forget", "--all")
    assert rc == 1 and "Nothing was deleted." in out
    answers(monkeypatch, "y")
    rc, out, _ = run(capsys, "forget", "--all")
    assert rc == 0 and out == "Forgot 3 sessions and 0 movement checks. Your baselines are kept.\n"
    rc, _, err = run(capsys, "forget", "--yes")
    assert rc == 2 and "--all" in one_error_line(err)
    rc, _, err = run(capsys, "forget", "7", "--yes")
    assert rc == 6 and "no session 7" in one_error_line(err)


def test_a_damaged_log_is_one_clear_line_and_exit_6(capsys, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\x00garbage" * 100)
    for args in (["history"], ["journal", "--note", "x"], ["export", "--format", "json"], ["forget", "--all", "--yes"]):
        rc, _, err = run(capsys, *args, "--db", bad)
        assert rc == 6 and "damaged" in one_error_line(err), args
    assert bad.read_bytes() == b"\x00garbage" * 100


# -- privacy -----------------------------------------------------------------------------
def test_a_whole_logged_session_opens_no_network_connection(capsys, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("facetension tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    db = tmp_path / "log.db"
    tz, offset = storage.local_timezone(T0)
    with Log.open(db) as log:
        baseline = log.save_baseline(a_baseline())
        sid = log.start_session("practice", "camera 0", T0, tz, "0.1.0", "ab" * 32, baseline, utc_offset_min=offset)
        for t in range(30):
            log.add_sample(
                sid, SampleRow(float(t), Measures({"eye": 0.5}, {("eye", "left"): 0.1}, 5.0, 10.0), 1.0, "relax")
            )
        log.add_event(sid, EventRow(12.0, "prompt", "eye", "left", "Let your left eye soften"))
        log.finish_session(
            sid, T0 + timedelta(seconds=30), True, SessionSummary(Measures({"eye": 1.0}), Measures({"eye": 0.5}), 0)
        )
        log.set_journal(sid, pain_before=2, tags=["evening"])
    for args in (
        ["history"],
        ["history", "--json"],
        ["export", "--format", "json", "--out", tmp_path / "e.json"],
        ["export", "--format", "csv", "--out", tmp_path / "csv"],
        ["journal", "--note", "calm"],
        ["import", tmp_path / "e.json", "--db", tmp_path / "copy.db"],
        ["forget", "1", "--yes"],
    ):
        rc, _, err = run(capsys, *args, *([] if "--db" in args else ["--db", db]))
        assert rc == 0, (args, err)


def test_library_errors_from_the_log_are_storage_errors():
    assert issubclass(storage.LogBusyError, StorageError) and StorageError.exit_code == 6


def test_csv_notes_survive_quotes_commas_and_newlines(capsys, db, tmp_path):
    run(capsys, "export", "--format", "csv", "--out", tmp_path / "csv")
    with open(tmp_path / "csv" / "sessions.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[1]["note"] == 'windy, "cold" walk\nthen tea' and rows[1]["tags"] == "cold;stress"
