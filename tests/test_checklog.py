"""The movement check in the log (checklog.py, schema 4): saved whole and read back equal, refused
cleanly when the log cannot take it with nothing already logged lost, older logs upgraded
without loss, and exported and imported byte for byte, older exports included. Checks are
built here from constructed results (a_check), not measured: the figures are known."""

import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from facetension.check_plan import MOUTH_MOVEMENTS, MOVEMENT_KEYS
from facetension.check_types import FEATURES, CheckResult, MovementResult, Pair, Scores, Synkinesis, TraceRow
from facetension.checklog import check_rows, load_checks, load_trace, save_check
from facetension.cli import main
from facetension.errors import NoLogError, StorageError
from facetension.logschema import (
    CHECK_COLUMNS,
    CHECK_MOVEMENT_COLUMNS,
    CHECK_TRACE_COLUMNS,
    EXPORT_TABLES,
    TABLES_ADDED_IN,
    _v4,
)
from facetension.storage import DB_ENV, SCHEMA_VERSION, Log

from log_data import T0, record_session, snapshot

DATA = Path(__file__).resolve().parent / "data" / "logs"
SCHEMA3 = DATA / "schema3.db"
SCHEMA3_EXPORT = DATA / "schema3_export_v2.json"
CHECK_TABLES = ("checks", "check_movements", "check_traces")
ALL_TABLES = ("baselines", "sessions", "samples", "events", "journal", "journal_tags", "settings", *CHECK_TABLES)
FAST_BUSY_S = 0.2
PARIS = timezone(timedelta(hours=1))


# -- a check, constructed ----------------------------------------------------------------------
def a_check(
    ratio: float = 0.6,
    *,
    synkinesis: int = 1,
    missing: tuple[str, ...] = (),
    trace_s: float = 0.0,
    rep_noise: float = 0.0,
) -> CheckResult:
    """A check whose left side moves `ratio` as far as the right in every movement, with
    left-side synkinesis graded `synkinesis`, the movements in `missing` not found, and
    (trace_s > 0) a trace at 0.2 s over that many seconds in which each repetition's left side
    moves ratio ± rep_noise (alternating) of its right. Every number at the log's precision."""
    movements, order, t = [], [], 6.0
    for i, key in enumerate(MOVEMENT_KEYS):
        if key in missing:
            continue
        strong = round(6.0 + i, 2)
        eye = key in MOUTH_MOVEMENTS
        closure = key == "eye_close"
        movements.append(
            MovementResult(
                movement=key,
                times=tuple((round(t + 5 * r, 3), round(t + 5 * r + 3, 3)) for r in range(3)),
                excursion_mm=Pair(round(strong * ratio, 2), strong),
                ratio=round(ratio, 3),
                weaker="left" if ratio < 0.9 else None,
                grade=1 + sum(ratio >= b for b in (0.10, 0.35, 0.65, 0.90)),
                synkinesis=Synkinesis(
                    "eye" if eye else "mouth",
                    Pair(round(0.4 + synkinesis, 2), 0.1),
                    Pair(round(5.0 + 10 * synkinesis, 1), 1.0) if eye else None,
                    (synkinesis, 0),
                ),
                closure=Pair(round(0.9 * ratio, 3), 0.95) if closure else None,
                lids_meet=(ratio > 0.95, True) if closure else None,
            )
        )
        order += [key] * 3
        t += 15.0
    standard = [m for m in movements if m.movement != "smile_closed"]
    complete = not set(missing) - {"smile_closed"}
    voluntary = 4 * sum(m.grade for m in standard) if complete else None
    synk = 5 * synkinesis if complete else None
    return CheckResult(
        duration_s=round(t + 2.0, 3),
        frames=int(30 * (t + 2)),
        measured=int(29 * (t + 2)),
        rest_s=6.0,
        rest_mm={f: Pair(round(10.0 + i, 2), round(10.5 + i, 2)) for i, f in enumerate(FEATURES)},
        movements=tuple(movements),
        missing=tuple(missing),
        order=tuple(order),
        in_order=True,
        scores=Scores(voluntary, synk, 5, None if voluntary is None else voluntary - 5 - synk, round(100 * ratio, 1)),
        trace=_trace(movements, trace_s, ratio, rep_noise) if trace_s else (),
    )


def _trace(movements: list[MovementResult], seconds: float, ratio: float, noise: float) -> tuple[TraceRow, ...]:
    """0.2 s rows: at rest 0; during a repetition each movement's own features move, the right
    side by 4 mm, the left by 4 · (ratio ± noise), alternating from one repetition to the next."""
    sign = {"brow_raise": {"brow": 1}, "eye_close": {"eye": -1}, "snarl": {"alar": 1, "lip": 1}}
    sign |= {k: {"corner_up": 1, "corner_out": 1} for k in ("smile_closed", "smile_open")} | {
        "pucker": {"corner_out": -1}
    }
    rows = []
    for n in range(int(seconds / 0.2)):
        t = round(0.2 * n, 3)
        values = {f: Pair(0.0, 0.0) for f in FEATURES}
        movement = None
        for m in movements:
            for r, (start, end) in enumerate(m.times):
                if start <= t <= end:
                    movement = m.movement
                    left = 4.0 * (ratio + (noise if r % 2 else -noise))
                    for f, s in sign[m.movement].items():
                        values[f] = Pair(round(s * left, 2), round(s * 4.0, 2))
        rows.append(TraceRow(t, movement, values))
    return tuple(rows)


WHEN = {
    "source": "camera 0",
    "started_utc": T0,
    "started_local": T0.astimezone(PARIS),
    "tz": "Europe/Paris",
    "app_version": "0.1.0",
    "model_sha256": "ab" * 32,
}


def save(db, result: CheckResult, day: float = 0, **kw) -> int:
    start = T0 + timedelta(days=day)
    when = WHEN | {"started_utc": start, "started_local": start.astimezone(PARIS)} | kw
    return save_check(db, result, **when)


def counts(db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as c:
        present = {n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ALL_TABLES if t in present}


def settle(db: Path) -> None:
    with closing(sqlite3.connect(db)) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "log" / "facetension.db"


# -- the schema ----------------------------------------------------------------------------
def test_the_check_tables_have_the_columns_the_code_names(db):
    Log.open(db).close()
    with closing(sqlite3.connect(db)) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        for table, columns in zip(CHECK_TABLES, (CHECK_COLUMNS, CHECK_MOVEMENT_COLUMNS, CHECK_TRACE_COLUMNS)):
            assert tuple(r[1] for r in c.execute(f"PRAGMA table_info({table})")) == columns
        fks = {t: {r[2] for r in c.execute(f"PRAGMA foreign_key_list({t})")} for t in CHECK_TABLES}
    assert fks == {"checks": set(), "check_movements": {"checks"}, "check_traces": {"checks"}}
    # The frozen migration spells the features out: one added to check_types fails here.
    assert all(f"rest_{f}_left_mm REAL" in _v4()[0] for f in FEATURES)


# -- saving and reading ------------------------------------------------------------------------
def test_a_check_reads_back_as_saved(db):
    result = a_check(0.55, missing=("pucker",), trace_s=100.0)
    cid = save(db, result)
    (record,) = load_checks(db)
    assert record.id == cid
    assert (record.source, record.tz, record.app_version, record.model_sha256) == (
        "camera 0",
        "Europe/Paris",
        "0.1.0",
        "ab" * 32,
    )
    assert record.started_utc == "2025-03-01T07:00:00.000+00:00"
    assert record.started_local == "2025-03-01T08:00:00.000+01:00"
    assert record.local_start == datetime(2025, 3, 1, 8, 0)
    assert record.result == replace(result, trace=())  # the trace on request only
    assert load_checks(db, traces=True)[0].result == result
    assert load_trace(db, cid) == result.trace and len(result.trace) == 500
    assert record.result.movement("eye_close").lids_meet == (False, True)
    assert record.result.movement("pucker") is None and record.result.missing == ("pucker",)


def test_numbers_are_kept_at_the_logs_precision_and_nan_as_not_measured(db):
    r = a_check()
    m = replace(
        r.movements[0],
        ratio=0.612345,
        excursion_mm=Pair(float("nan"), 7.123456),
        times=((6.00001, 9.1234567),),
    )
    save(db, replace(r, movements=(m, *r.movements[1:]), duration_s=98.76543))
    got = load_checks(db)[0].result
    assert got.duration_s == 98.765
    assert got.movements[0].ratio == 0.612
    assert got.movements[0].excursion_mm == Pair(None, 7.12)
    assert got.movements[0].times == ((6.0, 9.123),)


def test_checks_come_oldest_first_and_since_is_the_local_date(db):
    for day in (14, 0, 7):
        save(db, a_check(0.5 + day / 100), day=day)
    assert [r.result.scores.dynamic for r in load_checks(db)] == [50.0, 57.0, 64.0]
    assert [r.local_start.day for r in load_checks(db, since=date(2025, 3, 8))] == [8, 15]


def test_the_log_is_found_as_the_practice_finds_it_and_an_open_log_is_used_as_it_is(tmp_path, monkeypatch):
    path = tmp_path / "env.db"
    monkeypatch.setenv(DB_ENV, str(path))
    cid = save(None, a_check())  # no path: $FACETENSION_DB, as `practice` writes
    assert path.exists() and [r.id for r in load_checks(None)] == [cid]
    with Log.open(path) as log:
        second = save(log, a_check(0.7), day=1)
        assert [r.id for r in load_checks(log)] == [cid, second]
        assert log._conn is not None  # left open for its owner


def test_reading_a_log_that_is_not_there_creates_nothing(tmp_path):
    with pytest.raises(NoLogError):
        load_checks(tmp_path / "none.db")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "change",
    [
        lambda r: replace(r, movements=(replace(r.movements[0], ratio=1.5),)),  # a ratio above 1
        lambda r: replace(r, movements=(replace(r.movements[0], movement="wink"),)),  # not a movement of the set
        lambda r: replace(r, movements=(replace(r.movements[0], times=((9.0, 6.0),)),)),  # time running backwards
        lambda r: replace(r, movements=(replace(r.movements[0], grade=7),)),  # a grade beyond Sunnybrook's 5
        lambda r: replace(r, movements=(r.movements[0], r.movements[0])),  # the same movement twice
        lambda r: replace(r, missing=("brow_raise", "brow_raise")),  # missing twice
        lambda r: replace(r, measured=r.frames + 1),  # more frames measured than read
        lambda r: replace(r, rest_mm={"chin": Pair(1.0, 1.0)}),  # a feature the log has no column for
        lambda r: replace(r, trace=(TraceRow(1.0, None, {}), TraceRow(1.0, None, {}))),  # two rows at one time
        lambda r: replace(r, scores=replace(r.scores, voluntary=400)),  # a score out of its range
        lambda r: replace(r, frames=None),  # a field of the wrong kind
        lambda r: replace(r, duration_s=float("nan")),  # a figure the log must have, not measured
        lambda r: replace(r, rest_mm={"eye": Pair(2000.0, 10.0)}),  # an eye two metres open
    ],
)
def test_a_result_the_log_cannot_keep_is_refused_before_anything_is_written(db, change):
    save(db, a_check())
    settle(db)
    before = snapshot(db.parent)
    with pytest.raises(ValueError):
        save(db, change(a_check()), day=1)
    assert snapshot(db.parent)[db.name] == before[db.name]
    assert len(load_checks(db)) == 1


@pytest.mark.parametrize(
    "when",
    [
        {"started_utc": datetime(2025, 3, 1, 7)},  # no time zone
        {"started_local": T0 + timedelta(hours=1)},  # not the same moment
        {"started_utc": "yesterday"},
        {"tz": "Europe/Paris\x1b[2J"},  # a control character
    ],
)
def test_when_it_started_is_checked(db, when):
    with pytest.raises(ValueError):
        save_check(db, a_check(), **(WHEN | when))


def test_iso_texts_are_taken_for_the_times(db):
    """As `facetension check` gives them: ISO texts with an offset, to the second."""
    texts = {"started_utc": "2025-03-01T07:00:00+00:00", "started_local": "2025-03-01T08:00:00+01:00"}
    save_check(db, a_check(), **(WHEN | texts))
    assert load_checks(db)[0].started_local == "2025-03-01T08:00:00.000+01:00"


# -- a log that cannot take it: typed errors, nothing already logged lost ------------------------
def test_a_locked_log_says_so_and_keeps_everything(db):
    with Log.open(db) as log:
        record_session(log)
    first = save(db, a_check(trace_s=20))
    settle(db)
    before = counts(db)
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")  # another program in the middle of a write
        with Log.open(db, busy_timeout_s=FAST_BUSY_S) as log, pytest.raises(StorageError, match="locked by another"):
            save(log, a_check(0.8, trace_s=20), day=1)
    finally:
        other.close()
    assert counts(db) == before
    assert [r.id for r in load_checks(db)] == [first]
    assert save(db, a_check(0.8), day=1) > first  # once the other program is done, it saves


def test_a_damaged_log_is_refused_and_left_as_it_is(db):
    with Log.open(db) as log:
        record_session(log, seconds=3000)
    settle(db)
    data = bytearray(db.read_bytes())
    middle = (len(data) // 4096 // 2) * 4096  # a page of samples
    data[middle : middle + 4096] = os.urandom(4096)
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    with pytest.raises(StorageError, match="damaged"):
        save(db, a_check())
    assert db.read_bytes() == before


@contextmanager
def unwritable(path: Path):
    """A file nobody may write, root included (chattr +i), else by its mode bits (as in
    tests/test_storage.py)."""
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("running as root, and this filesystem cannot make a file immutable")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o400)
        try:
            yield
        finally:
            path.chmod(0o600)


def test_a_read_only_log_is_read_but_not_written(db):
    save(db, a_check())
    settle(db)
    before = db.read_bytes()
    with unwritable(db):
        assert len(load_checks(db)) == 1
        with pytest.raises(StorageError, match="read-only"):
            save(db, a_check(), day=1)
    assert db.read_bytes() == before and len(load_checks(db)) == 1


def test_a_full_disk_keeps_what_was_saved(db):
    with Log.open(db) as log:
        record_session(log)
    first = save(db, a_check())
    before = counts(db)
    with Log.open(db, max_pages=db.stat().st_size // 4096 + 2) as log, pytest.raises(StorageError, match="full"):
        save(log, a_check(trace_s=2000), day=1)  # 10,000 trace rows: far beyond two pages
    assert counts(db) == before and [r.id for r in load_checks(db)] == [first]


def test_a_hand_edited_check_reads_as_damaged_not_as_a_crash(db):
    cid = save(db, a_check())
    with closing(sqlite3.connect(db)) as c, c:
        c.execute("UPDATE check_movements SET times = 'soon' WHERE check_id = ?", (cid,))
    with pytest.raises(StorageError, match=f"movement check {cid} .* damaged"):
        load_checks(db)


# -- an older log ---------------------------------------------------------------------------
def test_a_schema_3_log_upgrades_to_4_keeping_every_row(tmp_path, capsys):
    """tests/data/logs/schema3.db was written by the code of commit 27fa929 (schema 3, before
    the movement check): a baseline, two journaled practices, one with a massage, blinks and a
    pain report, an analyze stopped early, and the settings. Read-only it reads as it is, with
    no checks; the first write upgrades it, every row survives and its export is the same."""
    db = tmp_path / "old.db"
    shutil.copy(SCHEMA3, db)
    with closing(sqlite3.connect(db)) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == 3
        rows = {t: c.execute(f"SELECT * FROM {t}").fetchall() for t in ALL_TABLES[:7]}
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "old.json")]) == 0
    assert main(["export", "--db", str(db), "--format", "csv", "--out", str(tmp_path / "old")]) == 0
    assert load_checks(db) == []
    assert main(["trend", "--db", str(db)]) == 0 and "Movement check" not in capsys.readouterr().out
    assert db.read_bytes() == SCHEMA3.read_bytes()  # reading did not upgrade it
    with Log.open(db) as log:  # a writer: upgrades
        assert len(log.sessions()) == 4
    with closing(sqlite3.connect(db)) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == 4
        assert {t: c.execute(f"SELECT * FROM {t}").fetchall() for t in ALL_TABLES[:7]} == rows
        assert {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CHECK_TABLES} == dict.fromkeys(
            CHECK_TABLES, 0
        )
    assert {n: len(r) for n, r in rows.items()} == {
        "baselines": 1,
        "sessions": 4,
        "samples": 28,
        "events": 10,
        "journal": 3,
        "journal_tags": 5,
        "settings": 2,
    }
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "new.json")]) == 0
    assert main(["export", "--db", str(db), "--format", "csv", "--out", str(tmp_path / "new")]) == 0
    assert (tmp_path / "new.json").read_bytes() == (tmp_path / "old.json").read_bytes()
    assert snapshot(tmp_path / "new") == snapshot(tmp_path / "old")
    save(db, a_check())  # and it takes checks now
    assert len(load_checks(db)) == 1


def test_a_version_2_export_made_by_the_previous_code_still_imports(tmp_path, capsys):
    """tests/data/logs/schema3_export_v2.json is schema3.db exported by the code of commit
    27fa929 (export version 2: no check tables). It imports, and the log it makes exports as
    the upgraded schema3.db does."""
    assert json.loads(SCHEMA3_EXPORT.read_text())["version"] == 2
    fresh = tmp_path / "fresh.db"
    assert main(["import", str(SCHEMA3_EXPORT), "--db", str(fresh)]) == 0
    assert "Imported 4 sessions (28 seconds of samples, 10 events) and 1 baseline" in capsys.readouterr().out
    old = tmp_path / "old.db"
    shutil.copy(SCHEMA3, old)
    for db, out in ((fresh, "a.json"), (old, "b.json")):
        assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / out)]) == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_a_version_2_csv_export_still_imports(tmp_path, capsys):
    db = tmp_path / "a.db"
    with Log.open(db) as log:
        record_session(log)
    assert main(["export", "--db", str(db), "--format", "csv", "--out", str(tmp_path / "v2")]) == 0
    for t in CHECK_TABLES:
        (tmp_path / "v2" / f"{t}.csv").unlink()
    meta = tmp_path / "v2" / "meta.csv"
    meta.write_text(meta.read_text().replace("version,3", "version,2"))
    assert main(["import", str(tmp_path / "v2"), "--db", str(tmp_path / "b.db")]) == 0
    for d in ("a", "b"):
        assert main(["export", "--db", str(tmp_path / f"{d}.db"), "--format", "json", "--out", str(tmp_path / d)]) == 0
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_a_version_3_export_must_have_the_check_tables(tmp_path, capsys):
    db = tmp_path / "a.db"
    with Log.open(db) as log:
        record_session(log)
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "a.json")]) == 0
    doc = json.loads((tmp_path / "a.json").read_text())
    del doc["tables"]["check_traces"]
    (tmp_path / "cut.json").write_text(json.dumps(doc))
    assert main(["import", str(tmp_path / "cut.json"), "--db", str(tmp_path / "b.db")]) == 6
    assert "check_traces" in capsys.readouterr().err
    assert dict.fromkeys(CHECK_TABLES, 3) == TABLES_ADDED_IN and EXPORT_TABLES[-3:] == CHECK_TABLES


# -- export and import -----------------------------------------------------------------------
def _log_with_checks(db: Path) -> list:
    with Log.open(db) as log:
        for day in range(3):
            record_session(log, start=T0 + timedelta(days=day))
    results = [a_check(0.5, trace_s=30), a_check(0.6, missing=("snarl", "pucker")), a_check(0.7, synkinesis=0)]
    for week, result in enumerate(results):
        save(db, result, day=7 * week, source="camera 0" if week else "clip of week 1.mp4")
    return results


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_import_export_gives_the_same_bytes(tmp_path, capsys, fmt):
    db = tmp_path / "a.db"
    results = _log_with_checks(db)
    assert main(["export", "--db", str(db), "--format", fmt, "--out", str(tmp_path / "one")]) == 0
    said = capsys.readouterr().out
    assert "3 movement checks" in said
    assert main(["import", str(tmp_path / "one"), "--db", str(tmp_path / "b.db")]) == 0
    assert "3 movement checks" in capsys.readouterr().out
    assert main(["export", "--db", str(tmp_path / "b.db"), "--format", fmt, "--out", str(tmp_path / "two")]) == 0
    if fmt == "json":
        assert (tmp_path / "one").read_bytes() == (tmp_path / "two").read_bytes()
    else:
        assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
        assert {p.name for p in (tmp_path / "one").iterdir()} >= {f"{t}.csv" for t in CHECK_TABLES}
    assert [r.result for r in load_checks(tmp_path / "b.db", traces=True)] == results


def test_the_csv_check_tables_load_with_a_plain_pandas_read_csv(tmp_path, capsys):
    import pandas as pd

    db = tmp_path / "a.db"
    _log_with_checks(db)
    assert main(["export", "--db", str(db), "--format", "csv", "--out", str(tmp_path / "out")]) == 0
    checks = pd.read_csv(tmp_path / "out" / "checks.csv")
    assert checks["check_id"].tolist() == [1, 2, 3] and checks["missing"].fillna("").tolist()[1] == "snarl;pucker"
    moves = pd.read_csv(tmp_path / "out" / "check_movements.csv")
    assert len(moves) == 6 + 4 + 6 and moves["ratio"].dtype == float
    traces = pd.read_csv(tmp_path / "out" / "check_traces.csv")
    assert len(traces) == 150 and traces["brow_right_mm"].max() == 4.0


def test_an_import_keeps_a_check_already_there_once_and_renumbers_a_taken_id(tmp_path, capsys):
    db = tmp_path / "a.db"
    _log_with_checks(db)
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "a.json")]) == 0
    assert main(["import", str(tmp_path / "a.json"), "--db", str(db)]) == 0  # all there already
    assert len(load_checks(db)) == 3
    other = tmp_path / "other.db"
    first = save(other, a_check(0.9), day=100)  # takes id 1
    assert main(["import", str(tmp_path / "a.json"), "--db", str(other)]) == 0
    got = load_checks(other, traces=True)
    assert [r.id for r in got] == [2, 3, 4, first]  # its own kept its id; the imported ones moved up
    assert sum(len(r.result.trace) for r in got) == 150  # the renumbered check kept its trace
    assert {r.result.scores.dynamic for r in got} == {50.0, 60.0, 70.0, 90.0}


@pytest.mark.parametrize(
    "table, column, value",
    [
        ("check_movements", "ratio", 2.0),  # a ratio above 1
        ("check_movements", "movement", "wink"),  # not a movement of the set
        ("check_movements", "times", "soon"),  # not times
        ("check_movements", "synkinesis_left_grade", 4),  # beyond Sunnybrook's 3
        ("check_movements", "check_id", 99),  # a movement of a check not in the export
        ("check_traces", "movement", "wink"),
        ("check_traces", "eye_left_mm", 5000.0),  # five metres: no face
        ("checks", "missing", "brow_raise;wink"),
        ("checks", "started_local", "2025-03-01T09:00:00.000+01:00"),  # not the moment it started
        ("checks", "model_sha256", "not a hash"),
        ("checks", "measured", 10**8),  # more frames measured than read
    ],
)
def test_an_import_refuses_forged_check_rows_whole(tmp_path, capsys, table, column, value):
    db = tmp_path / "a.db"
    _log_with_checks(db)
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "a.json")]) == 0
    doc = json.loads((tmp_path / "a.json").read_text())
    rows, columns = doc["tables"][table]["rows"], doc["tables"][table]["columns"]
    rows[0][columns.index(column)] = value
    (tmp_path / "forged.json").write_text(json.dumps(doc))
    target = tmp_path / "target.db"
    with Log.open(target) as log:
        record_session(log, start=T0 - timedelta(days=30))
    settle(target)
    before = snapshot(tmp_path)[target.name]
    assert main(["import", str(tmp_path / "forged.json"), "--db", str(target)]) == 6
    assert "nothing was imported" in capsys.readouterr().err
    assert snapshot(tmp_path)[target.name] == before


def test_export_since_keeps_the_checks_from_that_date(tmp_path, capsys):
    db = tmp_path / "a.db"
    _log_with_checks(db)
    assert main(["export", "--db", str(db), "--format", "json", "--since", "2025-03-08"]) == 0
    tables = json.loads(capsys.readouterr().out)["tables"]
    assert [r[0] for r in tables["checks"]["rows"]] == [2, 3]
    assert {r[0] for r in tables["check_movements"]["rows"]} == {2, 3} and tables["check_traces"]["rows"] == []


def test_check_rows_are_the_exports_rows(db):
    """What save_check writes is what an export carries: the same columns, the same values."""
    result = a_check(0.5, trace_s=10)
    check, movements, traces = check_rows(result, **WHEN)
    cid = save(db, result)
    with Log.open(db, readonly=True) as log:
        tables = log.export_tables()
    assert tables["checks"] == [(cid, *check[1:])]
    assert tables["check_movements"] == movements and tables["check_traces"] == traces


def test_forget_deletes_movement_checks_too(capsys, db):
    """Privacy: `forget --all` leaves no movement check behind; `--check N` forgets one."""
    from clirun import run

    for day in range(3):
        save(db, a_check(trace_s=2.0), day=day)
    rc, out, _ = run(capsys, "forget", "--check", "2", "--yes", "--db", db)
    assert rc == 0 and out == "Forgot 1 movement check.\n"
    assert [c.id for c in load_checks(db)] == [1, 3]
    rc, _, err = run(capsys, "forget", "--check", "9", "--yes", "--db", db)
    assert rc == 6 and "no movement check 9" in err and "nothing was deleted" in err
    rc, out, _ = run(capsys, "forget", "--all", "--yes", "--db", db)
    assert rc == 0 and out == "Forgot 0 sessions and 2 movement checks. Your baselines are kept.\n"
    assert load_checks(db) == []
    assert {t: n for t, n in counts(db).items() if t.startswith("check")} == {
        "checks": 0,
        "check_movements": 0,
        "check_traces": 0,
    }


def test_history_mentions_the_movement_checks(capsys, db):
    from clirun import run

    save(db, a_check())
    rc, out, _ = run(capsys, "history", "--db", db)
    assert rc == 0 and "No sessions recorded yet." in out
    assert "1 movement check in the log: `facetension trend` shows them." in out
