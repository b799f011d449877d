"""Export files: the log's tables written as one JSON document or a folder of CSV files, and
read back (typed and checked) for `facetension import`. No database here: storage.Log gives
the tables (`export_tables`) and takes them back (`import_tables`).

The format, version EXPORT_VERSION; the same tables and columns in both kinds of file:
- baselines, sessions (with their journal: pain_before, pain_after, tags joined by ';', note),
  samples (one row per second) and events, with the columns of storage.EXPORT_COLUMNS, rows
  ordered by their keys. Numbers are written with their column's stored decimals
  (storage.DECIMALS: 0.500, -3.17, 17.0), which is exact; a missing value is an empty CSV
  cell or JSON null. Nothing depends on when the export was made, so the same log always gives
  the same bytes, and export → import into an empty log → export gives identical files.
- JSON: {"format": "facetension-log", "version": 1, "app_version": ..., "tables": {name:
  {"columns": [...], "rows": [[...], ...]}}}, keys in that order, one row per line.
- CSV: a folder with meta.csv (key,value: format, version, app_version) and baselines.csv,
  sessions.csv, samples.csv, events.csv, each with a header row: a plain pandas.read_csv
  loads any of them.
"""

from __future__ import annotations

import csv
import errno
import json
import math
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from . import baselines as baseline_codec
from .logrecords import measure_range
from .safetext import has_control_characters
from .outputs import FILE_MODE
from .storage import (DECIMALS, EXPORT_COLUMNS, EXPORT_TABLES, EXPORT_TYPES, KINDS,
                      MAX_TEXT_CHARS, PHASE_PATTERN, SUMMARY_COLUMNS, EventRow, parse_time, stored_number,
                      validate_note, validate_pain, validate_tag)

EXPORT_FORMAT = "facetension-log"
# The ranges an export's values must keep: what the log itself could have written, with room
# to spare. Anything outside is a damaged or forged file and is refused before a write.
MAX_INTEGER = 2**63 - 1  # SQLite's INTEGER
TIME_RANGE = (datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(3000, 1, 1, tzinfo=timezone.utc))
MAX_SESSION_S = 7 * 86400.0  # a practice lasts minutes; a week is surely a damaged row
MAX_FRAMES = 10**9
MAX_NAME_CHARS = 64  # tz, app_version
SHA256 = re.compile(r"[0-9a-f]{64}")

EXPORT_VERSION = 1
CSV_META = "meta.csv"
SAMPLES = "samples"  # the one table storage hands over already as text lines


def _cells(table: str, row: tuple, null: str, quote) -> list[str]:
    """A typed row's cells as text: numbers with their decimals, text through `quote`."""
    out = []
    for v, (col, kind) in zip(row, EXPORT_TYPES[table]):
        if v is None:
            out.append(null)
        elif kind[0] == "r":
            out.append(f"{v:.{DECIMALS[col]}f}")
        elif kind[0] == "i":
            out.append(str(v))
        else:
            out.append(quote(v))
    return out


class _JSONText(dict):
    """Text → its JSON string, remembered: events repeat the same few prompts thousands of times."""

    def __missing__(self, text: str) -> str:
        quoted = self[text] = json.dumps(text, ensure_ascii=False)
        return quoted


def write_json(tables: dict, out: IO[str], app_version: str) -> None:
    """The JSON document (see the module's docstring). `tables` from Log.export_tables with
    null_text="null", quote_text=True."""
    quote = _JSONText().__getitem__
    out.write(f'{{"format": "{EXPORT_FORMAT}", "version": {EXPORT_VERSION}, '
              f'"app_version": {quote(app_version)}, "tables": {{')
    for i, name in enumerate(EXPORT_TABLES):
        out.write(f'{"," if i else ""}\n"{name}": {{"columns": {json.dumps(list(EXPORT_COLUMNS[name]))}, "rows": [')
        lines = tables[name] if name == SAMPLES else (",".join(_cells(name, r, "null", quote)) for r in tables[name])
        out.write(",".join(f"\n[{line}]" for line in lines))
        out.write("]}")
    out.write("\n}}\n")


def write_csv(tables: dict, folder: Path, app_version: str) -> list[Path]:
    """meta.csv and one CSV per table (owner-only) in `folder`, an empty folder: the CLI gives
    a private one that takes the export's name only once every file is whole
    (outputs.private_folder). `tables` from Log.export_tables with the defaults."""
    written = []
    meta = [("format", EXPORT_FORMAT), ("version", str(EXPORT_VERSION)), ("app_version", app_version)]
    for name in ("meta", *EXPORT_TABLES):
        path = folder / f"{name}.csv"
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "w", newline="",
                  encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            if name == "meta":
                w.writerow(("key", "value"))
                w.writerows(meta)
            elif name == SAMPLES:  # numbers and plain phase names: nothing to quote
                w.writerow(EXPORT_COLUMNS[name])
                f.writelines(line + "\n" for line in tables[name])
            else:
                w.writerow(EXPORT_COLUMNS[name])
                w.writerows(_cells(name, r, "", str) for r in tables[name])
        written.append(path)
    return written


def read_export(path: Path) -> dict[str, list[tuple]]:
    """An export (a JSON file, or a CSV export's folder or any CSV file in it) as typed rows,
    {table: rows in EXPORT_COLUMNS order}, numbers rounded to their stored decimals.
    ValueError says what is wrong with it; OSError if it cannot be read."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".csv":
        path = path.parent
    if not (path.is_dir() or path.is_file()):  # a pipe would block the read for ever
        raise OSError(errno.ENOENT if not path.exists() else errno.EINVAL,
                      "no such file" if not path.exists() else "not a plain file or folder", str(path))
    if path.is_dir():
        meta_file = path / CSV_META
        if not meta_file.is_file():
            raise ValueError(f"{path} is not a facetension CSV export (no {CSV_META})")
        with open(meta_file, newline="", encoding="utf-8") as f:
            meta = {r.get("key"): r.get("value") for r in csv.DictReader(f)}
        _check_format(meta.get("format"), meta.get("version"))
        tables = {}
        for name in EXPORT_TABLES:
            table = path / f"{name}.csv"
            if not table.is_file():
                raise ValueError(f"the CSV export {path} has no {table.name}")
            with open(table, newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                try:
                    tables[name] = _typed(name, tuple(next(reader, ())), reader, from_text=True)
                except csv.Error as exc:  # e.g. a cell over the csv module's size limit
                    raise ValueError(f"{table.name} is not a CSV file facetension wrote ({exc})") from None
        check_tables(tables)
        return tables
    with open(path, encoding="utf-8") as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as exc:
            raise ValueError(f"it is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
        except RecursionError:
            raise ValueError("its JSON is nested far deeper than an export's") from None
    if not isinstance(doc, dict):
        raise ValueError("it is JSON, but not a facetension export")
    _check_format(doc.get("format"), doc.get("version"))
    tables = doc.get("tables")
    if not isinstance(tables, dict) or not all(isinstance(tables.get(n), dict) for n in EXPORT_TABLES):
        raise ValueError(f"a facetension export has the tables {', '.join(EXPORT_TABLES)}")
    rows = {n: tables[n].get("rows") for n in EXPORT_TABLES}
    if not all(isinstance(r, list) for r in rows.values()):
        raise ValueError("each table's rows must be a list")
    out = {n: _typed(n, _columns(tables[n].get("columns")), rows[n], from_text=False) for n in EXPORT_TABLES}
    check_tables(out)
    return out


def _columns(columns) -> tuple:
    return tuple(columns) if isinstance(columns, list) else ()


def _check_format(fmt, version) -> None:
    if fmt != EXPORT_FORMAT:
        raise ValueError(f"not a facetension export (format {fmt!r})")
    try:
        version = int(version)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"unreadable export version {version!r}") from None
    if version > EXPORT_VERSION:
        raise ValueError(f"made by a newer facetension (export version {version}; this one reads up to "
                         f"{EXPORT_VERSION}): update facetension")


def _typed(name: str, columns: tuple, rows, from_text: bool) -> list[tuple]:
    expected = EXPORT_COLUMNS[name]
    if columns != expected:
        raise ValueError(f"{name}: expected the columns {', '.join(expected)}")
    convert = [_converter(col, kind, from_text) for col, kind in EXPORT_TYPES[name]]
    out = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, (list, tuple)) or len(row) != len(convert):
            raise ValueError(f"{name}, row {n}: expected {len(convert)} values")
        try:
            out.append(tuple([f(v) for f, v in zip(convert, row)]))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}, row {n}: {exc}") from None
    return out


def _converter(col: str, kind: str, from_text: bool):
    """One column's reader: CSV gives text, JSON gives numbers, strings and null."""
    nullable, base = kind.endswith("?"), kind[0]

    def convert(v):
        if v == "" and (nullable or (from_text and base != "t")):
            v = None  # an empty cell, or '' where the log keeps NULL
        if v is None:
            if not nullable:
                raise ValueError(f"{col} is missing")
            return None
        if base == "t":
            if not isinstance(v, str):
                raise TypeError(f"{col}: expected text, got {v!r}")
            return v
        if isinstance(v, bool) or not (from_text or isinstance(v, (int, float))):
            raise TypeError(f"{col}: expected a number, got {v!r}")
        if base == "i":
            if not from_text and not isinstance(v, int):
                raise TypeError(f"{col}: expected a whole number, got {v!r}")
            if from_text and not re.fullmatch(r"-?[0-9]{1,19}", v):
                raise ValueError(f"{col}: expected a whole number, got {v[:40]!r}")
            v = int(v)
            if not -MAX_INTEGER <= v <= MAX_INTEGER:
                raise ValueError(f"{col}: {v} is out of range")
            return v
        try:
            value = stored_number(v, DECIMALS[col])
        except OverflowError:
            value = None
        if value is None:
            raise ValueError(f"{col}: expected a finite number, got {v!r}")
        return value

    return convert


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
        for col in ("duration_s", "relaxed_s", "relax_s"):
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
        raise ValueError(f"{what}: {text[:40]!r} is not a time with a UTC offset between the years "
                         f"{TIME_RANGE[0].year} and {TIME_RANGE[1].year - 1}")
    return t


def _measure(col: str, v, where: str) -> None:
    _range(v, f"{where}: {col}", *measure_range(col))
