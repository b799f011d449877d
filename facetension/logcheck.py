"""Checking what an import would write, before anything is written: every field of an
export's typed rows (types come from logexport's reading; ranges, keys, times and references
are checked here). A damaged or forged file is refused whole, and says which row and why."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

from . import baselines as baseline_codec
from .logrecords import (
    KINDS,
    MAX_TEXT_CHARS,
    PHASE_PATTERN,
    EventRow,
    measure_range,
    parse_time,
    validate_note,
    validate_pain,
    validate_tag,
)
from .logschema import EXPORT_COLUMNS, SUMMARY_COLUMNS
from .safetext import has_control_characters

# The ranges an export's values must keep: what the log itself could have written, with room
# to spare. Anything outside is a damaged or forged file and is refused before a write.
MAX_INTEGER = 2**63 - 1  # SQLite's INTEGER
TIME_RANGE = (datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(3000, 1, 1, tzinfo=timezone.utc))
MAX_SESSION_S = 7 * 86400.0  # a practice lasts minutes; a week is surely a damaged row
MAX_FRAMES = 10**9
MAX_NAME_CHARS = 64  # tz, app_version
SHA256 = re.compile(r"[0-9a-f]{64}")


# -- checking what an import would write -------------------------------------------------
def check_tables(tables: dict[str, list[tuple]]) -> None:
    """Every field of an export's typed rows, checked before anything is written: types came
    from _typed; here ranges, keys, times and references. ValueError says which row is wrong."""
    baseline_ids = set()
    for n, (bid, taken, source, frames, data) in enumerate(tables["baselines"], 1):
        where = f"baselines, row {n}"
        _id(bid, where, baseline_ids)
        _time(taken, f"{where}: taken_utc")
        _text(source, f"{where}: source", MAX_TEXT_CHARS)
        _range(frames, f"{where}: frames", 0, MAX_FRAMES)
        try:
            baseline_codec.from_data(taken, source, frames, data)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    session_ids: set[int] = set()
    cols = EXPORT_COLUMNS["sessions"]
    for n, row in enumerate(tables["sessions"], 1):
        r = dict(zip(cols, row))
        where = f"sessions, row {n}"
        _id(r["session_id"], where, session_ids)
        if r["kind"] not in KINDS:
            raise ValueError(f"{where}: unknown kind {r['kind']!r}")
        _text(r["source"], f"{where}: source", MAX_TEXT_CHARS)
        started = _time(r["started_utc"], f"{where}: started_utc")
        _time(r["started_local"], f"{where}: started_local")
        _text(r["tz"], f"{where}: tz", MAX_NAME_CHARS)
        _text(r["app_version"], f"{where}: app_version", MAX_NAME_CHARS)
        if r["ended_utc"] is not None and _time(r["ended_utc"], f"{where}: ended_utc") < started:
            raise ValueError(f"{where}: it ends before it starts")
        for col in ("duration_s", "relaxed_s", "relax_s", "massage_s"):
            _range(r[col], f"{where}: {col}", 0.0, MAX_SESSION_S)
        for col in ("completed", "interrupted"):
            _range(r[col], f"{where}: {col}", 0, 1)
        if r["model_sha256"] is not None and not SHA256.fullmatch(r["model_sha256"]):
            raise ValueError(f"{where}: model_sha256 is not a SHA-256 in hex")
        _range(r["twitches"], f"{where}: twitches", 0, MAX_FRAMES)
        for col in SUMMARY_COLUMNS:
            _measure(col, r[col], where)
        try:
            validate_pain(r["pain_before"], "pain_before")
            validate_pain(r["pain_after"], "pain_after")
            for tag in r["tags"].split(";") if r["tags"] else ():
                validate_tag(tag)
            validate_note(r["note"])
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    cols = EXPORT_COLUMNS["samples"]
    seen: set[tuple[int, float]] = set()
    for n, row in enumerate(tables["samples"], 1):
        r = dict(zip(cols, row))
        where = f"samples, row {n}"
        _ref(r["session_id"], session_ids, where)
        _range(r["t_s"], f"{where}: t_s", 0.0, MAX_SESSION_S)
        if (r["session_id"], r["t_s"]) in seen:
            raise ValueError(f"{where}: a second sample at t_s {r['t_s']} in session {r['session_id']}")
        seen.add((r["session_id"], r["t_s"]))
        if r["phase"] is not None and not PHASE_PATTERN.fullmatch(r["phase"]):
            raise ValueError(f"{where}: {r['phase']!r} is not a phase name")
        _range(r["quality"], f"{where}: quality", 0.0, 1.0)
        for col in cols[3:-1]:
            _measure(col, r[col], where)
    keys: set[tuple[int, int]] = set()
    for n, row in enumerate(tables["events"], 1):
        where = f"events, row {n}"
        sid, seq = row[0], row[1]
        _ref(sid, session_ids, where)
        _range(seq, f"{where}: seq", 1, MAX_INTEGER)
        if (sid, seq) in keys:
            raise ValueError(f"{where}: a second event {seq} in session {sid}")
        keys.add((sid, seq))
        _range(row[2], f"{where}: t_s", 0.0, MAX_SESSION_S)
        _range(row[7], f"{where}: duration_s", 0.0, MAX_SESSION_S)
        if row[8] is not None and not math.isfinite(row[8]):
            raise ValueError(f"{where}: amplitude is not a number")
        try:
            EventRow(*row[2:])
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None


def _id(v: int, where: str, seen: set) -> None:
    _range(v, f"{where}: id", 1, MAX_INTEGER)
    if v in seen:
        raise ValueError(f"{where}: id {v} appears twice")
    seen.add(v)


def _ref(v: int, ids: set, where: str) -> None:
    if v not in ids:
        raise ValueError(f"{where}: refers to session {v}, which is not in the export")


def _range(v, what: str, low, high) -> None:
    if v is not None and not low <= v <= high:
        raise ValueError(f"{what} must be from {low:g} to {high:g}, got {v!r}")


def _text(v: str, what: str, limit: int) -> None:
    if len(v) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")
    if has_control_characters(v):
        raise ValueError(f"{what} holds control characters")


def _time(text: str, what: str) -> datetime:
    try:
        t = parse_time(text)
    except (ValueError, TypeError):
        raise ValueError(f"{what}: {text[:40]!r} is not a time") from None
    if t.tzinfo is None or not TIME_RANGE[0] <= t < TIME_RANGE[1]:
        raise ValueError(
            f"{what}: {text[:40]!r} is not a time with a UTC offset between the years "
            f"{TIME_RANGE[0].year} and {TIME_RANGE[1].year - 1}"
        )
    return t


def _measure(col: str, v, where: str) -> None:
    _range(v, f"{where}: {col}", *measure_range(col))
