"""Checking what an import would write, before anything is written: every field of an
export's typed rows (types come from logexport's reading; ranges, keys, times and references
are checked here). A damaged or forged file is refused whole, and says which row and why."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

from . import baselines as baseline_codec
from .check_plan import MOVEMENT_KEYS
from .logrecords import (
    KINDS,
    MAX_NOTE_CHARS,
    MAX_TEXT_CHARS,
    PHASE_PATTERN,
    EventRow,
    measure_range,
    parse_time,
    validate_note,
    validate_pain,
    validate_tag,
)
from .logschema import CHECK_FEATURE_COLUMNS, CHECK_REST_COLUMNS, EXPORT_COLUMNS, SUMMARY_COLUMNS
from .safetext import has_control_characters

# The ranges an export's values must keep: what the log itself could have written, with room
# to spare. Anything outside is a damaged or forged file and is refused before a write.
MAX_INTEGER = 2**63 - 1  # SQLite's INTEGER
TIME_RANGE = (datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(3000, 1, 1, tzinfo=timezone.utc))
MAX_SESSION_S = 7 * 86400.0  # a practice lasts minutes; a week is surely a damaged row
MAX_FRAMES = 10**9
MAX_NAME_CHARS = 64  # tz, app_version
SHA256 = re.compile(r"[0-9a-f]{64}")
# The movement check's ranges (check_types.py says what each figure is). What it can be, with
# room to spare, not what a face usually does: a check refused for an odd figure would be lost
# whole, so the bounds only keep out what no measurement can give. A face is about 200 mm tall:
# no feature lies or moves a metre. An eye's narrowing is a percentage of its resting opening
# (negative: it widened), which can be large when that opening was tiny. A closure is a share
# of the opening, with room for measuring noise either side.
MAX_FACE_MM = 1000.0
MAX_PERCENT = 100000.0
CLOSURE_RANGE = (-0.5, 1.5)
MOVEMENT_GRADES = (1, 5)  # Sunnybrook's voluntary movement: 1 unable .. 5 complete
SYNKINESIS_GRADES = (0, 3)  # 0 none .. 3 severe
SCORE_RANGES = {  # check_types.Scores, with room for a set that grows
    "score_voluntary": (0, 100),
    "score_synkinesis": (0, SYNKINESIS_GRADES[1] * len(MOVEMENT_KEYS)),
    "score_resting": (0, 20),
    "score_composite": (-100, 100),
    "score_dynamic": (0.0, 100.0),
}
# A movement's repetitions as the log keeps them: "start-end" in seconds with TIME_DECIMALS
# decimals, joined by ';' ("" for none).
_SPAN = r"[0-9]{1,7}\.[0-9]{3}-[0-9]{1,7}\.[0-9]{3}"
TIMES_PATTERN = re.compile(f"{_SPAN}(?:;{_SPAN})*")


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
    check_check_tables(tables.get("checks", ()), tables.get("check_movements", ()), tables.get("check_traces", ()))


def check_check_tables(checks, movements, traces) -> None:
    """The movement check's rows (logschema.CHECK_COLUMNS, CHECK_MOVEMENT_COLUMNS,
    CHECK_TRACE_COLUMNS order, as the export's), checked alike when a check is saved
    (checklog.save_check) and when an export is imported, so the log holds nothing an export of
    it could not bring back. ValueError says which row is wrong and why."""
    check_ids: set[int] = set()
    cols = EXPORT_COLUMNS["checks"]
    for n, row in enumerate(checks, 1):
        r = dict(zip(cols, row))
        where = f"checks, row {n}"
        _id(r["check_id"], where, check_ids)
        _text(r["source"], f"{where}: source", MAX_TEXT_CHARS)
        started = _time(r["started_utc"], f"{where}: started_utc")
        if _time(r["started_local"], f"{where}: started_local") != started:
            raise ValueError(f"{where}: started_local is not the same moment as started_utc")
        _text(r["tz"], f"{where}: tz", MAX_NAME_CHARS)
        _text(r["app_version"], f"{where}: app_version", MAX_NAME_CHARS)
        if r["model_sha256"] is not None and not SHA256.fullmatch(r["model_sha256"]):
            raise ValueError(f"{where}: model_sha256 is not a SHA-256 in hex")
        for col in ("duration_s", "rest_s"):
            _present(r[col], f"{where}: {col}")
            _range(r[col], f"{where}: {col}", 0.0, MAX_SESSION_S)
        _range(r["frames"], f"{where}: frames", 0, MAX_FRAMES)
        _range(r["measured"], f"{where}: measured", 0, r["frames"])
        _range(r["in_order"], f"{where}: in_order", 0, 1)
        missing = _movements(r["missing"], f"{where}: missing")
        if len(set(missing)) != len(missing):
            raise ValueError(f"{where}: missing names a movement twice")
        _movements(r["order_found"], f"{where}: order_found")
        for col, (low, high) in SCORE_RANGES.items():
            _range(r[col], f"{where}: {col}", low, high)
        for col in CHECK_REST_COLUMNS:
            _range(r[col], f"{where}: {col}", -MAX_FACE_MM, MAX_FACE_MM)
    cols = EXPORT_COLUMNS["check_movements"]
    keys: set[tuple[int, int]] = set()
    found: set[tuple[int, str]] = set()
    for n, row in enumerate(movements, 1):
        r = dict(zip(cols, row))
        where = f"check_movements, row {n}"
        _check_ref(r["check_id"], check_ids, where)
        _range(r["seq"], f"{where}: seq", 1, MAX_INTEGER)
        if (r["check_id"], r["seq"]) in keys:
            raise ValueError(f"{where}: a second movement {r['seq']} in check {r['check_id']}")
        keys.add((r["check_id"], r["seq"]))
        if r["movement"] not in MOVEMENT_KEYS:
            raise ValueError(f"{where}: unknown movement {r['movement'][:40]!r}")
        if (r["check_id"], r["movement"]) in found:
            raise ValueError(f"{where}: a second {r['movement']} in check {r['check_id']}")
        found.add((r["check_id"], r["movement"]))
        _times(r["times"], f"{where}: times")
        _range(r["ratio"], f"{where}: ratio", 0.0, 1.0)
        if r["weaker"] not in (None, "left", "right"):
            raise ValueError(f"{where}: weaker must be left, right or empty, got {r['weaker'][:40]!r}")
        _range(r["grade"], f"{where}: grade", *MOVEMENT_GRADES)
        if r["synkinesis_watched"] not in ("eye", "mouth"):
            raise ValueError(f"{where}: synkinesis_watched must be eye or mouth, got {r['synkinesis_watched'][:40]!r}")
        for side in ("left", "right"):
            for col in (f"excursion_{side}_mm", f"synkinesis_{side}_mm"):
                _range(r[col], f"{where}: {col}", -MAX_FACE_MM, MAX_FACE_MM)
            _range(r[f"synkinesis_{side}_pct"], f"{where}: synkinesis_{side}_pct", -MAX_PERCENT, MAX_PERCENT)
            _range(r[f"synkinesis_{side}_grade"], f"{where}: synkinesis_{side}_grade", *SYNKINESIS_GRADES)
            _range(r[f"closure_{side}"], f"{where}: closure_{side}", *CLOSURE_RANGE)
            _range(r[f"lids_meet_{side}"], f"{where}: lids_meet_{side}", 0, 1)
    cols = EXPORT_COLUMNS["check_traces"]
    seen: set[tuple[int, float]] = set()
    for n, row in enumerate(traces, 1):
        r = dict(zip(cols, row))
        where = f"check_traces, row {n}"
        _check_ref(r["check_id"], check_ids, where)
        _present(r["t_s"], f"{where}: t_s")
        _range(r["t_s"], f"{where}: t_s", 0.0, MAX_SESSION_S)
        if (r["check_id"], r["t_s"]) in seen:
            raise ValueError(f"{where}: a second trace row at t_s {r['t_s']} in check {r['check_id']}")
        seen.add((r["check_id"], r["t_s"]))
        if r["movement"] is not None and r["movement"] not in MOVEMENT_KEYS:
            raise ValueError(f"{where}: unknown movement {r['movement'][:40]!r}")
        for col in CHECK_FEATURE_COLUMNS:
            _range(r[col], f"{where}: {col}", -MAX_FACE_MM, MAX_FACE_MM)


def _present(v, what: str) -> None:
    """A figure the log must have (an import's reading refuses a missing one first; a check being
    saved may give NaN, which the log keeps as missing)."""
    if v is None:
        raise ValueError(f"{what} is missing (not a number)")


def _check_ref(v: int, ids: set, where: str) -> None:
    if v not in ids:
        raise ValueError(f"{where}: refers to check {v}, which is not in the export")


def _movements(text: str, what: str) -> list[str]:
    """Movement names joined by ';' ('' for none), each one of the set's."""
    if len(text) > MAX_NOTE_CHARS:
        raise ValueError(f"{what} is longer than {MAX_NOTE_CHARS} characters")
    names = text.split(";") if text else []
    unknown = [m for m in names if m not in MOVEMENT_KEYS]
    if unknown:
        raise ValueError(f"{what}: unknown movement {unknown[0][:40]!r}")
    return names


def _times(text: str, what: str) -> None:
    if len(text) > MAX_NOTE_CHARS or (text and not TIMES_PATTERN.fullmatch(text)):
        raise ValueError(f"{what}: expected start-end times in seconds joined by ';', got {text[:40]!r}")
    for pair in text.split(";") if text else ():
        start, end = (float(v) for v in pair.split("-"))
        if not 0.0 <= start <= end <= MAX_SESSION_S:
            raise ValueError(f"{what}: {pair!r} does not run forward within {MAX_SESSION_S:g} s")


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
