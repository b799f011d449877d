"""The session log (storage.Log): schema and migrations, recording, reading, journal, baselines,
forgetting, concurrency, and every way the file can fail, each leaving it exactly as it was."""

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from facetension import logdb, logexport, storage
from facetension.baselines import from_data, to_data
from facetension.errors import LogBusyError, NoLogError, NoUsableFaceError, StorageError, UnknownSessionError
from facetension.landmarks import BLENDSHAPE_NAMES, Face
from facetension.learn import baseline_from
from facetension.metrics import REGIONS, measure
from facetension.storage import (
    BUILTIN_TAGS,
    KEEP,
    SAMPLE_COLUMNS,
    SCHEMA_VERSION,
    SESSION_COLUMNS,
    EventRow,
    Journal,
    Log,
    Measures,
    SampleRow,
)
from facetension.tension import SIDES, TENSION_REGIONS
from facetension.tracker import TensionTracker

from log_data import T0, a_baseline, measures, record_session, snapshot
from synthetic import IMAGE_SIZE, canonical_478, project

ROOT = Path(__file__).resolve().parents[1]
FAST_BUSY_S = 0.2  # how long a test lets a write wait for a lock held elsewhere


def db_counts(db: Path) -> dict:
    with closing(sqlite3.connect(db)) as c:
        return {
            t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("sessions", "samples", "events", "journal", "journal_tags", "baselines")
        }


def settle(db: Path) -> None:
    """Fold the -wal into the file (as the last writer's close does), so bytes compare."""
    with closing(sqlite3.connect(db)) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextmanager
def unwritable(path: Path):
    """Make a file or folder unwritable, for root too (chattr +i), else by its mode bits."""
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("running as root, and this filesystem cannot make a file immutable")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            path.chmod(mode)


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "log" / "facetension.db"


# -- the file ----------------------------------------------------------------------------
def test_a_new_log_and_its_companions_are_readable_by_the_owner_only(db):
    with Log.open(db) as log:
        record_session(log, finish=False)  # a session running: -wal, -shm and the lock exist
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), storage.lock_path(db)):
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700


def test_where_the_log_lives(tmp_path, monkeypatch):
    monkeypatch.setenv("FACETENSION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv(storage.DB_ENV, raising=False)
    assert storage.default_path() == tmp_path / "data" / "facetension.db"
    monkeypatch.setenv(storage.DB_ENV, str(tmp_path / "elsewhere.db"))
    assert storage.resolve_path(None) == tmp_path / "elsewhere.db"
    assert storage.resolve_path(tmp_path / "given.db") == tmp_path / "given.db"


def test_the_log_uses_write_ahead_logging_and_full_sync(db):
    with Log.open(db) as log:
        assert log._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert log._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_schema_columns_follow_the_regions(db):
    """A region added to metrics or tension fails here until a migration adds its columns."""
    Log.open(db).close()
    with closing(sqlite3.connect(db)) as c:

        def columns(t):
            return tuple(r[1] for r in c.execute(f"PRAGMA table_info({t})"))

        assert columns("samples") == SAMPLE_COLUMNS
        assert columns("sessions") == SESSION_COLUMNS
        for r in REGIONS:
            assert f"{r}_diff_mm" in SAMPLE_COLUMNS and f"before_{r}_diff_mm" in SESSION_COLUMNS
        for r in TENSION_REGIONS:
            for s in SIDES:
                assert f"{r}_{s}_tension" in SAMPLE_COLUMNS and f"after_{r}_{s}_tension" in SESSION_COLUMNS
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_no_table_can_hold_a_picture(db):
    """Numbers and short texts only: no BLOB column anywhere."""
    Log.open(db).close()
    with closing(sqlite3.connect(db)) as c:
        tables = [t for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        types = {r[2] for t in tables for r in c.execute(f"PRAGMA table_info({t})")}
    assert types <= {"INTEGER", "REAL", "TEXT"}


def test_migrations_are_applied_in_order_each_in_its_own_transaction(db, monkeypatch):
    Log.open(db).close()
    bad = ("CREATE TABLE extra (x INTEGER)", "INSERT INTO no_such_table VALUES (1)")
    monkeypatch.setattr(logdb, "MIGRATIONS", logdb.MIGRATIONS + (bad,))  # where the opening reads them
    monkeypatch.setattr(logdb, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StorageError):
        Log.open(db)
    with closing(sqlite3.connect(db)) as c:  # the failed migration left nothing behind
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert not c.execute("SELECT 1 FROM sqlite_master WHERE name = 'extra'").fetchone()
    good = ("CREATE TABLE extra (x INTEGER)", "INSERT INTO extra VALUES (7)")
    monkeypatch.setattr(logdb, "MIGRATIONS", logdb.MIGRATIONS[:-1] + (good,))
    Log.open(db).close()
    with closing(sqlite3.connect(db)) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert c.execute("SELECT x FROM extra").fetchall() == [(7,)]


# -- recording ---------------------------------------------------------------------------
def test_a_session_reads_back_as_recorded(db):
    with Log.open(db) as log:
        sid = record_session(log, seconds=5)
        r = log.session(sid)
        assert (r.kind, r.source, r.status, r.duration_s, r.samples, r.twitches) == (
            "practice",
            "camera 0",
            "completed",
            5.0,
            5,
            1,
        )
        assert r.started_utc == "2025-03-01T07:00:00.000+00:00"
        assert r.started_local == "2025-03-01T08:00:00.000+01:00" and r.tz == "Europe/Paris"
        assert (r.relaxed_s, r.relax_s) == (3.0, 4.0)
        assert r.before == measures(1.0) and r.after == measures(0.0)
        rows = log.samples(sid)
        assert [s.t_s for s in rows] == [0.0, 1.0, 2.0, 3.0, 4.0]
        assert rows[2].measures == measures(0.2) and rows[2].phase == "relax" and rows[2].quality == 0.9
        assert [e.kind for e in log.events(sid)] == ["prompt", "twitch"]
        assert log.events(sid)[1] == EventRow(2.0, "twitch", "eye", "right", "", 0.4, 0.12)


def test_what_was_not_measured_is_stored_as_null_never_zero(db):
    with Log.open(db) as log:
        sid = log.start_session("practice", "camera 0", T0, "UTC", "0.1.0")
        log.add_sample(sid, SampleRow(0.0, Measures(), None))  # no face
        log.add_sample(sid, SampleRow(1.0, Measures({"eye": float("nan"), "brow": 0.0}, {}, float("nan")), 0.5))
        log.finish_session(sid, T0 + timedelta(seconds=2), True)
    with closing(sqlite3.connect(db)) as c:
        rows = c.execute(
            "SELECT eye_diff_mm, brow_diff_mm, eye_left_tension, asymmetry_index, quality FROM samples ORDER BY t_s"
        ).fetchall()
    assert rows == [(None, None, None, None, None), (None, 0.0, None, None, 0.5)]


def test_values_are_stored_to_their_precision(db):
    with Log.open(db) as log:
        sid = log.start_session("practice", "camera 0", T0, "UTC", "0.1.0")
        log.add_sample(
            sid, SampleRow(0.12345, Measures({"eye": 1.23456}, {("eye", "left"): 0.123456}, 12.345, -0.0001), 0.987)
        )
        log.flush()
        s = log.samples(sid)[0]
    assert (s.t_s, s.measures.diffs["eye"], s.measures.tension[("eye", "left")]) == (0.123, 1.23, 0.123)
    assert (s.measures.asymmetry_index, s.measures.tension_index, s.quality) == (12.3, 0.0, 0.99)
    assert str(s.measures.tension_index) == "0.0"  # never -0.0


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Measures({"cheek": 1.0}),  # cheek is a tension region, not an asymmetry one
        lambda: Measures({}, {("eye", "middle"): 0.1}),
        lambda: SampleRow(-1.0, Measures()),
        lambda: SampleRow(0.0, Measures(), 1.5),  # quality is a share
        lambda: SampleRow(0.0, Measures(), 0.5, "Relax phase"),  # phases are plain names
        lambda: EventRow(0.0, "shout"),
        lambda: EventRow(0.0, "prompt", "eye", "both"),
    ],
)
def test_rows_are_checked_when_made(bad):
    with pytest.raises(ValueError):
        bad()


def test_times_must_be_aware_and_samples_must_move_forward(db):
    with Log.open(db) as log:
        with pytest.raises(ValueError, match="time-zone-aware"):
            log.start_session("practice", "camera 0", datetime(2025, 3, 1, 8), "UTC", "0.1.0")
        with pytest.raises(ValueError, match="time zone"):
            log.start_session("practice", "camera 0", T0, "Mars/Olympus", "0.1.0")
        sid = log.start_session("practice", "camera 0", T0, "CET", "0.1.0", utc_offset_min=60)
        log.add_sample(sid, SampleRow(1.0, Measures()))
        with pytest.raises(ValueError, match="increase"):
            log.add_sample(sid, SampleRow(1.0, Measures()))
        assert log.session(sid).started_local.endswith("+01:00")


def test_samples_are_committed_at_least_once_a_second_of_session_time(db):
    with Log.open(db) as log, Log.open(db, readonly=True) as reader:
        sid = log.start_session("practice", "camera 0", T0, "UTC", "0.1.0")
        added = []
        for i in range(40):
            t = i * 0.25
            log.add_sample(sid, SampleRow(t, measures()))
            added.append(t)
            committed = [s.t_s for s in reader.samples(sid)]
            assert committed == added[: len(committed)]
            assert all(t - u < 1.0 for u in added[len(committed) :]), (t, committed)  # the one second
        log.flush()
        assert len(reader.samples(sid)) == 40


def test_an_unfinished_session_is_kept_and_marked_interrupted(db):
    with Log.open(db) as log:
        sid = record_session(log, seconds=7, finish=False)
        log.flush()
    # close() could still mark it; a crash (tests/test_storage_crash.py) leaves it to the next open
    with Log.open(db, readonly=True) as log:
        r = log.session(sid)
    assert (r.status, r.samples, r.ended_utc is not None, r.duration_s) == ("interrupted", 7, True, 6.0)


def test_a_dead_process_session_is_marked_on_the_next_open(db):
    code = (
        "import os, sys; from datetime import datetime, timezone; from facetension.storage import *\n"
        f"log = Log.open({str(db)!r}); sid = log.start_session('practice', 'camera 0', "
        "datetime(2025, 3, 1, tzinfo=timezone.utc), 'UTC', '0.1.0')\n"
        "[log.add_sample(sid, SampleRow(float(t), Measures())) for t in range(4)]\n"
        "os._exit(0)  # no close, no finish: as if the power went"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    with Log.open(db, readonly=True) as log:  # read-only: seen as interrupted, nothing written
        assert log.sessions()[0].status == "interrupted"
    with closing(sqlite3.connect(db)) as c:
        assert c.execute("SELECT ended_utc, interrupted FROM sessions").fetchone() == (None, 0)
    Log.open(db).close()
    with closing(sqlite3.connect(db)) as c:
        ended, completed, interrupted, duration = c.execute(
            "SELECT ended_utc, completed, interrupted, duration_s FROM sessions"
        ).fetchone()
        samples = c.execute("SELECT count(*) FROM samples").fetchone()[0]
    assert (ended, completed, interrupted, duration, samples) == ("2025-03-01T00:00:03.000+00:00", 0, 1, 3.0, 4)


def test_a_session_stopped_early_is_kept_as_stopped(db):
    with Log.open(db) as log:
        sid = log.start_session("practice", "camera 0", T0, "UTC", "0.1.0")
        log.add_sample(sid, SampleRow(0.0, measures()))
        log.finish_session(sid, T0 + timedelta(seconds=30), completed=False)
        assert log.session(sid).status == "stopped"


def test_the_before_summary_survives_an_interruption(db):
    with Log.open(db) as log:
        sid = log.start_session("practice", "camera 0", T0, "UTC", "0.1.0")
        log.save_before(sid, measures(2.0))
    with Log.open(db, readonly=True) as log:
        assert log.session(sid).before == measures(2.0) and log.session(sid).after is None


# -- one writer, many readers ------------------------------------------------------------
def test_a_second_session_at_the_same_time_is_told_one_is_running(db):
    with Log.open(db) as first, Log.open(db) as second:
        sid = record_session(first, finish=False)
        with pytest.raises(LogBusyError, match=f"already being recorded \\(session {sid}, started 2025-03-01 08:00"):
            second.start_session("practice", "camera 1", T0, "UTC", "0.1.0")
        first.finish_session(sid, T0 + timedelta(minutes=1), True)
        second.start_session("practice", "camera 1", T0 + timedelta(hours=1), "UTC", "0.1.0")


def test_another_process_reads_while_a_session_writes_and_cannot_start_one(db):
    code = (
        "import sys; from datetime import datetime, timezone; from facetension.storage import *\n"
        f"with Log.open({str(db)!r}) as log:\n"
        "    sid = log.start_session('practice', 'camera 0', datetime(2025, 3, 1, tzinfo=timezone.utc), 'UTC', 'x')\n"
        "    [log.add_sample(sid, SampleRow(float(t), Measures({'eye': 1.0}))) for t in range(3)]\n"
        "    print('recording', flush=True); sys.stdin.readline()\n"
        "    log.finish_session(sid, datetime(2025, 3, 1, 0, 10, tzinfo=timezone.utc), True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        assert proc.stdout.readline().strip() == "recording"
        with Log.open(db, readonly=True) as reader:
            r = reader.sessions()[0]
            assert (r.status, r.samples) == ("running", 3)  # each row is committed as it is added
        with Log.open(db) as log:
            assert storage.writer_pid(db) == proc.pid
            with pytest.raises(LogBusyError, match=f"by process {proc.pid}"):
                log.start_session("practice", "camera 1", T0, "UTC", "0.1.0")
            assert log.sessions()[0].status == "running"  # a live session is not marked interrupted
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    with Log.open(db) as log:
        assert log.sessions()[0].status == "completed" and log.sessions()[0].samples == 3
        record_session(log, start=T0 + timedelta(days=1))  # the lock went with the process


# -- journal -----------------------------------------------------------------------------
def test_journal_is_added_and_edited_field_by_field(db):
    with Log.open(db) as log:
        sid = record_session(log)
        assert log.journal(sid) == Journal()
        log.set_journal(sid, pain_before=4, tags=["Stress", "cold"], note="windy walk")
        log.set_journal(sid, pain_after=2)
        assert log.journal(sid) == Journal(4, 2, ("cold", "stress"), "windy walk")
        log.set_journal(sid, pain_before=None, tags=[], note=KEEP)
        assert log.journal(sid) == Journal(None, 2, (), "windy walk")
        log.set_journal(sid, pain_after=None, note="")
        assert log.journal(sid) == Journal()
        with closing(sqlite3.connect(db)) as c:  # an empty entry is no entry
            assert c.execute("SELECT count(*) FROM journal").fetchone()[0] == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("pain_before", 11),
        ("pain_before", -1),
        ("pain_after", 2.5),
        ("pain_after", True),
        ("pain_before", "3"),
        ("tags", ["two words"]),
        ("tags", ["a;b"]),
        ("tags", ["x" * 33]),
        ("note", "x" * (storage.MAX_NOTE_CHARS + 1)),
    ],
)
def test_journal_values_are_checked(db, field, value):
    with Log.open(db) as log:
        sid = record_session(log)
        log.set_journal(sid, pain_before=3)
        with pytest.raises(ValueError):
            log.set_journal(sid, **{field: value})
        assert log.journal(sid) == Journal(pain_before=3)


def test_the_users_own_tags_join_the_known_ones(db):
    with Log.open(db) as log:
        sid = record_session(log)
        assert log.known_tags() == BUILTIN_TAGS
        log.set_journal(sid, tags=["stress", "screen-time"])
        assert log.known_tags() == BUILTIN_TAGS + ("screen-time",)
        with pytest.raises(UnknownSessionError):
            log.set_journal(sid + 1, pain_before=1)


# -- baselines ---------------------------------------------------------------------------
def test_baselines_are_kept_with_when_they_were_taken(db):
    with Log.open(db) as log:
        assert log.latest_baseline() is None
        older = log.save_baseline(a_baseline("2025-01-01T09:00:00+00:00"))
        newer = log.save_baseline(a_baseline("2025-02-01T09:00:00+00:00"))
        assert log.save_baseline(a_baseline("2025-02-01T09:00:00+00:00")) == newer  # the same one once
        b = log.latest_baseline()
        assert log.latest_baseline_id() == newer != older
        assert b.rest == a_baseline().rest and b.noise == a_baseline().noise
        assert (b.taken_at, b.source, b.frames) == ("2025-02-01T09:00:00.000+00:00", "camera 0", 480)
        sid = log.start_session("practice", "camera 0", T0, "UTC", "0.1.0", baseline_id=newer)
        assert log.session(sid).baseline_id == newer


@pytest.mark.parametrize(
    ("region", "value", "kept"),
    [("mouth", 1.02, True), ("mouth", 4.0, True), ("mouth", 4.01, False), ("brow", 1.01, False)],
)
def test_a_baselines_activation_is_read_back_up_to_what_its_region_can_reach(db, region, value, kept):
    # A region's activation is its blendshapes' weighted sum: the mouth's four reach 4, the
    # brow's one 1. A mouth held tight at rest read 1.02, was saved, and was then refused.
    b = a_baseline()
    activation = {**b.rest.activation, (region, "left"): value}
    b = replace(b, rest=replace(b.rest, activation=activation))
    if not kept:
        with pytest.raises(ValueError, match=f"activation {region}/left"):
            from_data(b.taken_at, b.source, b.frames, to_data(b))
        return
    with Log.open(db) as log:
        log.save_baseline(b)
        assert log.latest_baseline().rest.activation[(region, "left")] == value


def test_a_baseline_the_log_could_not_read_back_is_not_learnt(monkeypatch):
    # Noise beyond what the log takes (a drive's SD over 1) is not reached by a real face;
    # should it be, the calibration says so instead of saving what every session would refuse.
    lm = project(canonical_478())
    still = Face(lm, np.zeros(len(BLENDSHAPE_NAMES)), np.eye(4), IMAGE_SIZE, 1)
    frames = [(i / 30, still, measure(lm, IMAGE_SIZE)) for i in range(180)]
    assert baseline_from(frames, "still.avi", "").frames == 180
    monkeypatch.setattr(TensionTracker, "noise_floor", lambda self: {("mouth", "left"): 1.5})
    with pytest.raises(NoUsableFaceError, match="no relaxed reference could be learnt from it"):
        baseline_from(frames, "still.avi", "")


# -- forgetting --------------------------------------------------------------------------
def test_forget_deletes_a_session_with_its_rows_and_leaves_no_trace_in_the_files(db):
    with Log.open(db) as log:
        keep = record_session(log)
        gone = record_session(log, start=T0 + timedelta(days=1))
        log.set_journal(gone, pain_before=5, tags=["cold"], note="PRIVATE-NOTE-7f3a")
        log.save_baseline(a_baseline())
        assert log.forget([gone]) == 1
        assert [r.id for r in log.sessions()] == [keep]
    counts = db_counts(db)
    assert (counts["sessions"], counts["samples"], counts["events"], counts["journal"], counts["baselines"]) == (
        1,
        5,
        2,
        0,
        1,
    )
    for p in db.parent.iterdir():  # secure_delete and the emptied -wal: the note is gone from disk
        assert b"PRIVATE-NOTE-7f3a" not in p.read_bytes(), p


def test_forget_all_keeps_the_baselines_and_refuses_a_live_session(db):
    with Log.open(db) as log, Log.open(db) as other:
        for day in range(3):
            record_session(log, start=T0 + timedelta(days=day))
        log.save_baseline(a_baseline())
        live = record_session(other, start=T0 + timedelta(days=5), finish=False)
        with pytest.raises(LogBusyError, match=f"session {live} is being recorded"):
            log.forget(None)
        with pytest.raises(UnknownSessionError, match="no session 99"):
            log.forget([1, 99])
        assert len(log.sessions()) == 4  # nothing was deleted
        other.finish_session(live, T0 + timedelta(days=5, minutes=1), True)
        assert log.forget(None) == 4
    assert db_counts(db) == {"sessions": 0, "samples": 0, "events": 0, "journal": 0, "journal_tags": 0, "baselines": 1}


# -- everything that can go wrong: a clear StorageError, the file as it was ----------------
def _expect(exc_type, match, fn):
    with pytest.raises(exc_type, match=match) as info:
        fn()
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_garbage_file_is_called_damaged_and_left_as_it_is(db):
    db.parent.mkdir()
    db.write_bytes(b"this is not a database, it is a shopping list\n" * 200)
    before = snapshot(db.parent)
    for readonly in (False, True):
        _expect(StorageError, "damaged .* left as it is", lambda readonly=readonly: Log.open(db, readonly=readonly))
    assert snapshot(db.parent) == before


def test_a_damaged_log_is_refused_for_writing_and_reading_says_so(db):
    with Log.open(db) as log:
        record_session(log, seconds=3000)
    settle(db)
    data = bytearray(db.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page  # a page of samples
    data[middle : middle + page] = os.urandom(page)
    db.write_bytes(bytes(data))
    before = snapshot(db.parent)
    _expect(StorageError, "damaged", lambda: Log.open(db))

    def read_all():
        with Log.open(db, readonly=True) as log:
            log.sessions()
            log.export_tables()

    _expect(StorageError, "damaged", read_all)
    assert snapshot(db.parent) == {
        **before,
        **{k: v for k, v in snapshot(db.parent).items() if k.endswith(("-wal", "-shm"))},
    }
    assert snapshot(db.parent)[db.name] == before[db.name]


def test_an_sqlite_file_that_is_not_a_log_is_left_alone(db):
    db.parent.mkdir()
    with closing(sqlite3.connect(db)) as c:
        c.execute("CREATE TABLE recipes (name TEXT)")
    before = snapshot(db.parent)
    _expect(StorageError, "not a facetension log", lambda: Log.open(db))
    assert snapshot(db.parent) == before


def test_a_log_from_a_newer_facetension_is_refused_untouched(db):
    with Log.open(db) as log:
        record_session(log)
    with closing(sqlite3.connect(db)) as c:
        c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    settle(db)
    before = snapshot(db.parent)
    for readonly in (False, True):
        message = _expect(StorageError, "newer facetension", lambda readonly=readonly: Log.open(db, readonly=readonly))
        assert "left as it is" in message and "update facetension" in message
    assert snapshot(db.parent) == before


def test_a_log_locked_by_another_program(db):
    with Log.open(db) as log:
        sid = record_session(log)
    settle(db)
    before = snapshot(db.parent)
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")  # another program in the middle of a write

        def edit():
            with Log.open(db, busy_timeout_s=FAST_BUSY_S) as log:
                log.set_journal(sid, pain_before=3)

        _expect(StorageError, "locked by another program", edit)
        other.execute("ROLLBACK")
        other.execute("PRAGMA locking_mode = EXCLUSIVE")  # a program that keeps the file to itself
        other.execute("BEGIN EXCLUSIVE")
        other.execute("COMMIT")

        def read():
            with Log.open(db, readonly=True, busy_timeout_s=FAST_BUSY_S) as log:
                log.sessions()

        _expect(StorageError, "locked by another program", read)
    finally:
        other.close()
    settle(db)
    assert snapshot(db.parent)[db.name] == before[db.name]
    with Log.open(db) as log:
        assert log.journal(sid) == Journal()


def test_a_read_only_log_can_be_read_but_not_written(db):
    with Log.open(db) as log:
        sid = record_session(log)
    settle(db)
    before = snapshot(db.parent)
    with unwritable(db):
        with Log.open(db, readonly=True) as log:
            assert log.session(sid).status == "completed"

        def edit():
            with Log.open(db) as log:
                log.set_journal(sid, pain_before=3)

        _expect(StorageError, "read-only", edit)

        def start():
            with Log.open(db) as log:
                log.start_session("practice", "camera 0", T0 + timedelta(days=1), "UTC", "0.1.0")

        _expect(StorageError, "read-only", start)
    assert snapshot(db.parent)[db.name] == before[db.name]


def test_an_unwritable_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    with unwritable(folder):
        message = _expect(StorageError, "cannot create the log", lambda: Log.open(folder / "facetension.db"))
        assert "--db" in message
        with pytest.raises(NoLogError):
            Log.open(folder / "facetension.db", readonly=True)
    assert list(folder.iterdir()) == []
    # an existing log in a folder that became read-only: readable, not writable
    db = folder / "facetension.db"
    with Log.open(db) as log:
        sid = record_session(log)
    before = snapshot(folder)
    with unwritable(folder):
        with Log.open(db, readonly=True) as log:
            assert log.session(sid).samples == 5

        def edit():
            with Log.open(db) as log:
                log.set_journal(sid, note="x")

        _expect(StorageError, "cannot open the log|read-only", edit)
    assert snapshot(folder) == before


def test_a_full_disk_keeps_what_was_saved(db):
    Log.open(db).close()
    pages = os.path.getsize(db) // 4096 + 6  # a few pages to spare
    saved = 0
    with (
        pytest.raises(StorageError, match="disk is full.*Everything saved before is kept") as info,
        Log.open(db, max_pages=pages) as log,
    ):
        sid = log.start_session("practice", "camera 0", T0, "UTC", "0.1.0")
        for t in range(100_000):
            log.add_sample(sid, SampleRow(float(t), measures()))
            saved = t + 1 - log.unsaved_samples
    assert "\n" not in str(info.value)
    with closing(sqlite3.connect(db)) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Log.open(db) as log:
        r = log.session(sid)
        assert r.samples == saved > 0 and r.status == "interrupted"
        record_session(log, start=T0 + timedelta(days=1))  # with room again, recording goes on


def test_a_full_disk_during_an_import_changes_nothing(db, tmp_path):
    with Log.open(tmp_path / "big.db") as big:
        record_session(big, start=T0 + timedelta(days=9), seconds=3000)
    with Log.open(tmp_path / "big.db", readonly=True) as big:
        typed = logexport.read_export(
            _json_file(big.export_tables(null_text="null", quote_text=True), tmp_path / "big.json")
        )
    with Log.open(db) as log:
        sid = record_session(log)
    settle(db)
    before = snapshot(db.parent)
    with Log.open(db, max_pages=os.path.getsize(db) // 4096 + 2) as log:
        _expect(StorageError, "disk is full", lambda: log.import_tables(typed, "big.json"))
        assert log.session(sid).samples == 5
    settle(db)
    assert snapshot(db.parent)[db.name] == before[db.name]


def _json_file(tables, path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        logexport.write_json(tables, f, "test")
    return path


def test_history_of_no_log_creates_nothing(tmp_path):
    with pytest.raises(NoLogError):
        Log.open(tmp_path / "none" / "facetension.db", readonly=True)
    assert not (tmp_path / "none").exists()


def test_since_is_the_local_date_the_session_started(db):
    with Log.open(db) as log:
        late = record_session(log, start=datetime(2025, 3, 1, 23, 30, tzinfo=timezone.utc))  # 00:30 on 2 March in Paris
        early = record_session(log, start=datetime(2025, 3, 1, 22, 30, tzinfo=timezone.utc))  # 23:30 on 1 March
        assert [r.id for r in log.sessions(since=date(2025, 3, 2))] == [late]
        assert [r.id for r in log.sessions()] == [late, early]  # newest first
