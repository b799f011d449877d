"""The weekly movement check in the log: save_check keeps a check whole (its figures, every
movement found in it, its coarse traces) in one transaction; load_checks reads them back as
frozen records, oldest first, for the report and `trend` (the traces on request).

Where: as for a practice, the path given, else $FACETENSION_DB, else facetension.db in the data
folder (logdb.resolve_path); or a storage.Log already open. A log that is not there yet is
created, an older one upgraded (schema 4 adds the check's tables: logschema._v4).

Errors: a check that cannot be saved (a locked, damaged or read-only log, a full disk) raises a
StorageError that says what to do, and nothing is written: the check's rows go in together or
not at all, and everything logged before is kept. A result that breaks the log's rules (a ratio
above 1, an unknown movement, a time running backwards) raises ValueError before anything is
written: the same rules an import of an export passes (logcheck.check_check_tables), so the log
never holds what an export of it could not bring back.

What comes back equals what was saved at the log's stored precision (logrecords.DECIMALS: mm to
0.01, ratios and closures to 0.001, percentages to 0.1, seconds to 0.001), with two forms read
back as their equivalents: a feature measured on neither side is left out of the resting face
and of a trace row (as a Pair(None, None) would say nothing), and an eye watched for synkinesis
always has its percentages, eye closure always its closure (a Pair of None when not measured),
as check_types describes them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from .check_types import FEATURES, SIDES, CheckResult, MovementResult, Pair, Scores, Synkinesis, TraceRow
from .errors import StorageError
from .logcheck import check_check_tables
from .logdb import LogBase
from .logrecords import DECIMALS, TIME_DECIMALS, aware, iso_utc, parse_time, stored_number
from .logschema import (
    CHECK_COLUMNS,
    CHECK_FEATURE_COLUMNS,
    CHECK_MOVEMENT_COLUMNS,
    CHECK_REST_COLUMNS,
    CHECK_SCORE_COLUMNS,
    CHECK_TRACE_COLUMNS,
)
from .logwriter import INSERT_CHECK, INSERT_CHECK_MOVEMENT, INSERT_CHECK_TRACE
from .storage import Log

PathOrLog = str | os.PathLike | LogBase | None


@dataclass(frozen=True)
class CheckRecord:
    """A check as the log keeps it: when and from what it was made, and its result (with its
    trace only when asked for: load_checks(traces=True), or load_trace)."""

    id: int
    source: str  # "camera 0", or the video's file name
    started_utc: str  # ISO 8601, as a session's
    started_local: str  # the same instant at the person's UTC offset then
    tz: str
    app_version: str
    model_sha256: str | None
    result: CheckResult

    @property
    def local_start(self) -> datetime:
        """The local time it started, as the person lived it (no time zone: for the trends)."""
        return datetime.fromisoformat(self.started_local).replace(tzinfo=None)

    @property
    def from_video(self) -> bool:
        return not self.source.startswith("camera")


# -- saving ---------------------------------------------------------------------------------
def save_check(
    path_or_db: PathOrLog,
    result: CheckResult,
    *,
    source: str,
    started_utc: datetime | str,
    started_local: datetime | str,
    tz: str,
    app_version: str,
    model_sha256: str | None,
) -> int:
    """Keep a check in the log, all of it in one transaction; returns its id.

    started_utc and started_local: time-zone-aware datetimes (or ISO 8601 texts with an offset)
    of the same instant, the second at the person's UTC offset then; tz: that zone's name (see
    logrecords.local_timezone). ValueError for a result the log refuses (nothing is written);
    StorageError when the log cannot take it (nothing is written, nothing is lost)."""
    check, movements, traces = check_rows(
        result,
        source=source,
        started_utc=started_utc,
        started_local=started_local,
        tz=tz,
        app_version=app_version,
        model_sha256=model_sha256,
    )
    with _open(path_or_db, readonly=False) as log, log._transaction("save the movement check") as c:
        cid = c.execute(INSERT_CHECK, (None, *check[1:])).lastrowid
        c.executemany(INSERT_CHECK_MOVEMENT, [(cid, *r[1:]) for r in movements])
        c.executemany(INSERT_CHECK_TRACE, [(cid, *r[1:]) for r in traces])
    return cid


def check_rows(
    result: CheckResult,
    *,
    source: str,
    started_utc: datetime | str,
    started_local: datetime | str,
    tz: str,
    app_version: str,
    model_sha256: str | None,
    check_id: int = 1,
) -> tuple[tuple, list[tuple], list[tuple]]:
    """The rows a check is kept in (logschema's CHECK_COLUMNS, CHECK_MOVEMENT_COLUMNS and
    CHECK_TRACE_COLUMNS order, the export's too), every number at its stored precision, checked
    as an import's are. ValueError says what the log cannot keep."""
    try:
        return _rows(result, source, started_utc, started_local, tz, app_version, model_sha256, check_id)
    except (TypeError, AttributeError) as exc:  # a field of the wrong kind (None for a number, ...)
        raise ValueError(f"the log cannot keep this check: {exc}") from exc


def _rows(result, source, started_utc, started_local, tz, app_version, model_sha256, check_id):
    started = _instant(started_utc, "started_utc")
    local = _instant(started_local, "started_local")
    s = result.scores
    check = (
        check_id,
        source,
        iso_utc(started),
        local.isoformat(timespec="milliseconds"),
        tz,
        _number(result.duration_s, "duration_s"),
        int(result.frames),
        int(result.measured),
        _number(result.rest_s, "rest_s"),
        int(bool(result.in_order)),
        ";".join(result.missing),
        ";".join(result.order),
        *(None if v is None else int(v) for v in (s.voluntary, s.synkinesis, s.resting, s.composite)),
        _number(s.dynamic, "score_dynamic"),
        app_version,
        model_sha256 or None,
        *_pairs(result.rest_mm, CHECK_REST_COLUMNS),
    )
    movements = [_movement_row(check_id, seq, m) for seq, m in enumerate(result.movements, 1)]
    traces = [
        (check_id, _number(row.t_s, "t_s"), row.movement, *_pairs(row.values, CHECK_FEATURE_COLUMNS))
        for row in result.trace
    ]
    check_check_tables([check], movements, traces)
    return check, movements, traces


def _movement_row(check_id: int, seq: int, m: MovementResult) -> tuple:
    k = m.synkinesis
    percent = k.percent or Pair(None, None)
    closure = m.closure or Pair(None, None)
    meet = (None, None) if m.lids_meet is None else (int(bool(m.lids_meet[0])), int(bool(m.lids_meet[1])))
    return (
        check_id,
        seq,
        m.movement,
        ";".join(f"{_time(a)}-{_time(b)}" for a, b in m.times),
        *(_number(v, f"excursion_{s}_mm") for s, v in zip(SIDES, (m.excursion_mm.left, m.excursion_mm.right))),
        _number(m.ratio, "ratio"),
        m.weaker,
        int(m.grade),
        k.watched,
        *(_number(v, f"synkinesis_{s}_mm") for s, v in zip(SIDES, (k.mm.left, k.mm.right))),
        *(_number(v, f"synkinesis_{s}_pct") for s, v in zip(SIDES, (percent.left, percent.right))),
        int(k.grade[0]),
        int(k.grade[1]),
        *(_number(v, f"closure_{s}") for s, v in zip(SIDES, (closure.left, closure.right))),
        *meet,
    )


def _instant(v: datetime | str, what: str) -> datetime:
    if isinstance(v, str):
        try:
            v = parse_time(v)
        except ValueError:
            raise ValueError(f"{what}: {v[:40]!r} is not a time") from None
    return aware(v, what)


def _number(v, column: str) -> float | None:
    """At the column's stored precision; NaN (not measured) as None."""
    return stored_number(v, DECIMALS[column])


def _time(v: float) -> str:
    t = stored_number(v, TIME_DECIMALS)
    if t is None:
        raise ValueError(f"a movement's times must be numbers, got {v!r}")
    return f"{t:.{TIME_DECIMALS}f}"


def _pairs(pairs: dict[str, Pair], columns: tuple[str, ...]) -> list[float | None]:
    """Per feature and side, in the columns' order (FEATURES × SIDES)."""
    unknown = set(pairs) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features {sorted(unknown)}; expected some of {FEATURES}")
    out = []
    for f in FEATURES:
        pair = pairs.get(f) or Pair(None, None)
        out += [_number(pair.of(s), c) for s, c in zip(SIDES, columns[2 * FEATURES.index(f) :])]
    return out


# -- reading --------------------------------------------------------------------------------
def load_checks(path_or_db: PathOrLog = None, *, since: date | None = None, traces: bool = False) -> list[CheckRecord]:
    """Every check in the log, oldest first, with its movements; with traces=True its trace
    too. since: checks started on or after that local date. A log made before checks were
    logged reads as having none (read-only, it is not upgraded). NoLogError with no log."""
    where, params = ("", ()) if since is None else ("WHERE substr(started_local, 1, 10) >= ?", (since.isoformat(),))
    scope = "" if since is None else f"WHERE check_id IN (SELECT id FROM checks {where})"
    with _open(path_or_db, readonly=True) as log, log._reading("read the movement checks") as c:
        checks = c.execute(f"SELECT {', '.join(CHECK_COLUMNS)} FROM checks {where} ORDER BY started_utc, id", params)
        checks = checks.fetchall()
        movements: dict[int, list[tuple]] = {}
        for row in c.execute(
            f"SELECT {', '.join(CHECK_MOVEMENT_COLUMNS)} FROM check_movements {scope} ORDER BY check_id, seq", params
        ):
            movements.setdefault(row[0], []).append(row)
        trace_rows: dict[int, list[tuple]] = {}
        if traces:
            for row in c.execute(
                f"SELECT {', '.join(CHECK_TRACE_COLUMNS)} FROM check_traces {scope} ORDER BY check_id, t_s", params
            ):
                trace_rows.setdefault(row[0], []).append(row)
        path = log.path
    return [_record(r, movements.get(r[0], ()), trace_rows.get(r[0], ()), path) for r in checks]


def load_trace(path_or_db: PathOrLog, check_id: int) -> tuple[TraceRow, ...]:
    """One check's trace, in time order. StorageError if the log has no such check."""
    with _open(path_or_db, readonly=True) as log, log._reading("read the movement check's trace") as c:
        if not c.execute("SELECT 1 FROM checks WHERE id = ?", (int(check_id),)).fetchone():
            raise StorageError(f"there is no movement check {check_id} in the log {log.path}")
        rows = c.execute(
            f"SELECT {', '.join(CHECK_TRACE_COLUMNS)} FROM check_traces WHERE check_id = ? ORDER BY t_s",
            (int(check_id),),
        ).fetchall()
        path = log.path
    return _damaged_as_storage(check_id, path, lambda: tuple(_trace_row(r) for r in rows))


def load_trace_arrays(path_or_db: PathOrLog = None, *, since: date | None = None) -> dict[int, tuple]:
    """Every check's trace as arrays, for the report's statistics (a year of weekly checks is
    some 25,000 trace rows: too many to make a TraceRow of each): check id → (times (N,), each
    feature's movement from rest per side (N, len(FEATURES), 2), NaN where not measured), in
    time order. Checks without a trace are left out."""
    where = "" if since is None else "WHERE check_id IN (SELECT id FROM checks WHERE substr(started_local, 1, 10) >= ?)"
    params = () if since is None else (since.isoformat(),)
    with _open(path_or_db, readonly=True) as log, log._reading("read the movement checks' traces") as c:
        rows = c.execute(
            f"SELECT check_id, t_s, {', '.join(CHECK_FEATURE_COLUMNS)} FROM check_traces {where} "
            "ORDER BY check_id, t_s",
            params,
        ).fetchall()
    if not rows:
        return {}
    a = np.array(rows, dtype=float)  # NULL → nan
    ids, start = np.unique(a[:, 0], return_index=True)
    values = a[:, 2:].reshape(len(a), len(FEATURES), len(SIDES))
    ends = [*start[1:], len(a)]
    return {int(i): (a[s:e, 1], values[s:e]) for i, s, e in zip(ids, start, ends)}


def _record(row: tuple, movements, traces, path) -> CheckRecord:
    def build() -> CheckRecord:
        v = dict(zip(CHECK_COLUMNS, row))
        scores = Scores(*(v[c] for c in CHECK_SCORE_COLUMNS))
        result = CheckResult(
            duration_s=v["duration_s"],
            frames=v["frames"],
            measured=v["measured"],
            rest_s=v["rest_s"],
            rest_mm=_features(row[CHECK_COLUMNS.index(CHECK_REST_COLUMNS[0]) :]),
            movements=tuple(_movement(r) for r in movements),
            missing=_names(v["missing"]),
            order=_names(v["order_found"]),
            in_order=bool(v["in_order"]),
            scores=scores,
            trace=tuple(_trace_row(r) for r in traces),
        )
        return CheckRecord(
            v["id"],
            v["source"],
            v["started_utc"],
            v["started_local"],
            v["tz"],
            v["app_version"],
            v["model_sha256"],
            result,
        )

    return _damaged_as_storage(row[0], path, build)


def _damaged_as_storage(check_id, path, build):
    """A row the log could not have written (edited by hand, or damaged) said as a StorageError."""
    try:
        return build()
    except (ValueError, TypeError, IndexError) as exc:
        raise StorageError(
            f"movement check {check_id} in the log {path} is damaged ({exc}); the rest of the log is unharmed."
        ) from None


def _movement(r: tuple) -> MovementResult:
    v = dict(zip(CHECK_MOVEMENT_COLUMNS, r))
    eye = v["synkinesis_watched"] == "eye"
    percent = _pair(v["synkinesis_left_pct"], v["synkinesis_right_pct"], always=eye)
    closure = _pair(v["closure_left"], v["closure_right"], always=v["movement"] == "eye_close")
    meet = (v["lids_meet_left"], v["lids_meet_right"])
    return MovementResult(
        movement=v["movement"],
        times=tuple(tuple(float(t) for t in pair.split("-")) for pair in _names(v["times"])),
        excursion_mm=Pair(v["excursion_left_mm"], v["excursion_right_mm"]),
        ratio=v["ratio"],
        weaker=v["weaker"],
        grade=v["grade"],
        synkinesis=Synkinesis(
            v["synkinesis_watched"],
            Pair(v["synkinesis_left_mm"], v["synkinesis_right_mm"]),
            percent,
            (v["synkinesis_left_grade"], v["synkinesis_right_grade"]),
        ),
        closure=closure,
        lids_meet=None if meet == (None, None) else tuple(bool(x) for x in meet),
    )


def _pair(left, right, always: bool) -> Pair | None:
    return Pair(left, right) if always or left is not None or right is not None else None


def _features(values) -> dict[str, Pair]:
    """FEATURES × SIDES values → the features measured on at least one side."""
    return {
        f: Pair(values[2 * i], values[2 * i + 1])
        for i, f in enumerate(FEATURES)
        if values[2 * i] is not None or values[2 * i + 1] is not None
    }


def _trace_row(r: tuple) -> TraceRow:
    return TraceRow(r[1], r[2], _features(r[3:]))


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split(";")) if text else ()


@contextmanager
def _open(path_or_db: PathOrLog, readonly: bool) -> Iterator[LogBase]:
    """The log given, left open; or the one at a path (None: the default), closed after."""
    if isinstance(path_or_db, LogBase):
        yield path_or_db
        return
    with Log.open(path_or_db, readonly=readonly) as log:
        yield log
