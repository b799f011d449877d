"""Export and import: the log's tables read out in one snapshot and written as one JSON
document or a folder of CSV files, and read back, typed and checked (logcheck.py), into the
log in one transaction. storage.Log's `export_tables`/`import_tables` come from Transfer.

The format, version EXPORT_VERSION; the same tables and columns in both kinds of file:
- baselines, sessions (with their journal: pain_before, pain_after, tags joined by ';', note),
  samples (one row per second) and events; and the weekly movement checks (version 3 on):
  checks, check_movements (one row per movement found) and check_traces (the check at a coarse
  rate). With the columns of logschema.EXPORT_COLUMNS, rows ordered by their keys. Numbers are
  written with their column's stored decimals (storage.DECIMALS: 0.500, -3.17, 17.0), which is
  exact; a missing value is an empty CSV cell or JSON null. Nothing depends on when the export
  was made, so the same log always gives the same bytes, and export → import into an empty log
  → export gives identical files.
- JSON: {"format": "facetension-log", "version": 3, "app_version": ..., "tables": {name:
  {"columns": [...], "rows": [[...], ...]}}}, keys in that order, one row per line.
- CSV: a folder with meta.csv (key,value: format, version, app_version) and baselines.csv,
  sessions.csv, samples.csv, events.csv, checks.csv, check_movements.csv, check_traces.csv,
  each with a header row: a plain pandas.read_csv loads any of them.
- Older versions still import: version 1 lacks the massage's session columns
  (logschema.ADDED_SINCE_V1), versions 1 and 2 the check tables (logschema.TABLES_ADDED_IN), and
  what they lack reads as missing.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import sqlite3
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import IO

from . import baselines as baseline_codec
from .errors import StorageError
from .logcheck import MAX_INTEGER, check_check_tables, check_tables
from .logrecords import (
    DECIMALS,
    KINDS,
    PHASE_PATTERN,
    EventRow,
    ImportResult,
    parse_time,
    stored_number,
    validate_note,
    validate_pain,
    validate_tag,
)
from .logschema import (  # noqa: F401
    ADDED_SINCE_V1,  # noqa: I001
    CHECK_COLUMNS,
    CHECK_MOVEMENT_COLUMNS,
    CHECK_TRACE_COLUMNS,
    EVENT_COLUMNS,
    EXPORT_COLUMNS,
    EXPORT_TABLES,
    EXPORT_TYPES,
    SAMPLE_COLUMNS,
    SESSION_COLUMNS,
    TABLES_ADDED_IN,
)
from .logwriter import INSERT_CHECK, INSERT_CHECK_MOVEMENT, INSERT_CHECK_TRACE, INSERT_EVENT, INSERT_SAMPLE
from .outputs import FILE_MODE

EXPORT_FORMAT = "facetension-log"
EXPORT_VERSION = 3  # 2: the massage's columns; 3: the movement check's tables (versions 1 and 2 still import)
CSV_META = "meta.csv"
SAMPLES = "samples"  # the one table storage hands over already as text lines

_BASELINE_AT = SESSION_COLUMNS.index("baseline_id")


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
    out.write(
        f'{{"format": "{EXPORT_FORMAT}", "version": {EXPORT_VERSION}, "app_version": {quote(app_version)}, "tables": {{'
    )
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
        with open(
            os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "w", newline="", encoding="utf-8"
        ) as f:
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
        raise OSError(
            errno.ENOENT if not path.exists() else errno.EINVAL,
            "no such file" if not path.exists() else "not a plain file or folder",
            str(path),
        )
    if path.is_dir():
        meta_file = path / CSV_META
        if not meta_file.is_file():
            raise ValueError(f"{path} is not a facetension CSV export (no {CSV_META})")
        with open(meta_file, newline="", encoding="utf-8") as f:
            meta = {r.get("key"): r.get("value") for r in csv.DictReader(f)}
        version = _check_format(meta.get("format"), meta.get("version"))
        tables = {}
        for name in EXPORT_TABLES:
            table = path / f"{name}.csv"
            if not table.exists() and version < TABLES_ADDED_IN.get(name, 0):
                tables[name] = []  # an export from before the table was
                continue
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
    version = _check_format(doc.get("format"), doc.get("version"))
    tables = doc.get("tables")
    required = [n for n in EXPORT_TABLES if version >= TABLES_ADDED_IN.get(n, 0)]
    if not isinstance(tables, dict) or not all(isinstance(tables.get(n), dict) for n in required):
        raise ValueError(f"a facetension export has the tables {', '.join(required)}")
    names = [n for n in EXPORT_TABLES if n in required or n in tables]  # an older one's: what it has
    if not all(isinstance(tables[n], dict) for n in names):
        raise ValueError(f"a facetension export's tables ({', '.join(names)}) each hold columns and rows")
    rows = {n: tables[n].get("rows") for n in names}
    if not all(isinstance(r, list) for r in rows.values()):
        raise ValueError("each table's rows must be a list")
    out = {n: _typed(n, _columns(tables[n].get("columns")), rows[n], from_text=False) for n in names}
    out = {n: out.get(n, []) for n in EXPORT_TABLES}
    check_tables(out)
    return out


def _columns(columns) -> tuple:
    return tuple(columns) if isinstance(columns, list) else ()


def _check_format(fmt, version) -> int:
    """The export's version, once it is one this facetension reads."""
    if fmt != EXPORT_FORMAT:
        raise ValueError(f"not a facetension export (format {fmt!r})")
    try:
        version = int(version)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"unreadable export version {version!r}") from None
    if version > EXPORT_VERSION:
        raise ValueError(
            f"made by a newer facetension (export version {version}; this one reads up to "
            f"{EXPORT_VERSION}): update facetension"
        )
    return version


def _typed(name: str, columns: tuple, rows, from_text: bool) -> list[tuple]:
    expected = EXPORT_COLUMNS[name]
    older = tuple(c for c in expected if c not in ADDED_SINCE_V1.get(name, ()))
    if columns == older != expected:  # a version 1 export: what it lacks is missing
        at = [columns.index(c) if c in columns else None for c in expected]
        rows = [
            [None if i is None else row[i] for i in at]
            if isinstance(row, (list, tuple)) and len(row) == len(older)
            else row
            for row in rows
        ]
    elif columns != expected:
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


# -- between the log and the files ---------------------------------------------------------
class Transfer:
    """storage.Log's export and import (a mixin over logdb.LogBase)."""

    def export_tables(self, since: date | None = None, null_text: str = "", quote_text: bool = False) -> dict:
        """Everything an export holds, read in one consistent snapshot (a session may be
        writing meanwhile): {"baselines", "sessions", "events", "checks", "check_movements",
        "check_traces": typed rows ordered by their keys; "samples": one text line per sample}.
        Sessions carry their journal (pain_before, pain_after, tags joined by ';', note), so
        EXPORT_COLUMNS describes every table.

        A year of samples is 5 million numbers: Python's sqlite3 alone takes longer than the
        1 s an export may, to turn them into objects. So SQLite writes each sample row as text
        itself: its columns joined by ',', each number with its column's DECIMALS (exact,
        since it was stored rounded to them), the phase bare (or in double quotes with
        quote_text, for JSON: a phase is a plain name), NULL as null_text."""
        day = "substr({}started_local, 1, 10) >= ?"  # the local date the session started
        params = () if since is None else (since.isoformat(),)
        scope = "" if since is None else f"WHERE session_id IN (SELECT id FROM sessions WHERE {day.format('')})"
        checks = "" if since is None else f"WHERE {day.format('')}"
        check_scope = "" if since is None else f"WHERE check_id IN (SELECT id FROM checks {checks})"
        with self._reading("export the log") as c:
            tags: dict[int, list[str]] = {}
            for sid, tag in c.execute("SELECT session_id, tag FROM journal_tags ORDER BY session_id, tag"):
                tags.setdefault(sid, []).append(tag)
            sessions = [
                (*r[:-1], ";".join(tags.get(r[0], ())), r[-1] or "")
                for r in c.execute(
                    f"SELECT {', '.join('s.' + c for c in SESSION_COLUMNS)}, j.pain_before, j.pain_after, j.note "
                    f"FROM sessions s LEFT JOIN journal j ON j.session_id = s.id "
                    f"{'' if since is None else 'WHERE ' + day.format('s.')} ORDER BY s.id",
                    params,
                )
            ]
            return {
                "baselines": c.execute(
                    "SELECT id, taken_utc, source, frames, data FROM baselines ORDER BY id"
                ).fetchall(),
                "sessions": sessions,
                "samples": _sample_lines(c, scope, params, null_text, quote_text),
                "events": c.execute(
                    f"SELECT {', '.join(EVENT_COLUMNS)} FROM events {scope} ORDER BY session_id, seq", params
                ).fetchall(),
                "checks": c.execute(
                    f"SELECT {', '.join(CHECK_COLUMNS)} FROM checks {checks} ORDER BY id", params
                ).fetchall(),
                "check_movements": c.execute(
                    f"SELECT {', '.join(CHECK_MOVEMENT_COLUMNS)} FROM check_movements {check_scope} "
                    "ORDER BY check_id, seq",
                    params,
                ).fetchall(),
                "check_traces": c.execute(
                    f"SELECT {', '.join(CHECK_TRACE_COLUMNS)} FROM check_traces {check_scope} ORDER BY check_id, t_s",
                    params,
                ).fetchall(),
            }

    def import_tables(self, tables: Mapping[str, list[tuple]], source: str) -> ImportResult:
        """Add an export's typed rows ({table: rows in EXPORT_COLUMNS order}, as
        logexport.read_export gives them) in one transaction: all of it or nothing. Ids are
        kept where free (so an import into an empty log re-exports identically), else
        renumbered; a session already in the log (same start, kind and source) is skipped with
        its rows, and so are a baseline and a movement check (same start and source) already
        there."""
        with self._transaction("import") as c:
            try:
                return _import(c, tables)
            except (sqlite3.IntegrityError, ValueError) as exc:
                raise StorageError(f"{source} cannot be imported: {exc}; nothing was imported.") from exc


def _sample_lines(c: sqlite3.Connection, scope: str, params, null_text: str, quote_text: bool) -> list[str]:
    """Sample rows as text, formatted by SQLite (see Log.export_tables). printf renders NULL
    as 0, so each row also comes with a bit mask of its NULL columns, and the few rows with
    one are patched here."""
    fmt = ",".join(
        "%d" if col == "session_id" else ('"%s"' if quote_text else "%s") if col == "phase" else f"%.{DECIMALS[col]}f"
        for col in SAMPLE_COLUMNS
    )
    nullable = [i for i, col in enumerate(SAMPLE_COLUMNS) if col not in ("session_id", "t_s")]
    mask = " | ".join(f"(({SAMPLE_COLUMNS[i]} IS NULL) << {i})" for i in nullable)
    rows = c.execute(
        f"SELECT printf(?, {', '.join(SAMPLE_COLUMNS)}), {mask} FROM samples {scope} ORDER BY session_id, t_s",
        (fmt, *params),
    ).fetchall()
    lines = []
    for line, nulls in rows:
        if nulls:
            fields = line.split(",")
            for i in nullable:
                if nulls >> i & 1:
                    fields[i] = null_text
            line = ",".join(fields)
        lines.append(line)
    return lines


def _import(c: sqlite3.Connection, tables) -> ImportResult:
    """The rows pass the same checks as when they were first recorded; ValueError if not."""
    bmap: dict[int, int] = {}
    added_b = 0
    for old, taken, src, frames, data in tables["baselines"]:
        try:
            baseline_codec.from_data(taken, src, frames, data)
            parse_time(taken)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(f"baseline {old} cannot be read back") from None
        found = c.execute(
            "SELECT id FROM baselines WHERE taken_utc = ? AND source = ? AND frames = ? AND data = ?",
            (taken, src, frames, data),
        ).fetchone()
        if found:
            bmap[old] = found[0]
            continue
        free = not c.execute("SELECT 1 FROM baselines WHERE id = ?", (old,)).fetchone()
        bmap[old] = c.execute(
            "INSERT INTO baselines (id, taken_utc, source, frames, data) VALUES (?, ?, ?, ?, ?)",
            (old if free else None, taken, src, frames, data),
        ).lastrowid
        added_b += 1
    smap: dict[int, int] = {}
    skipped: set[int] = set()
    n_session = len(SESSION_COLUMNS)
    insert = f"INSERT INTO sessions ({', '.join(SESSION_COLUMNS)}) VALUES ({', '.join('?' * n_session)})"
    for row in tables["sessions"]:
        values, (pain_before, pain_after, tags, note) = list(row[:n_session]), row[n_session:]
        old = values[0]
        if values[1] not in KINDS:
            raise ValueError(f"session {old}: unknown kind {values[1]!r}")
        for at in (3, 6):  # started_utc, ended_utc: times are computed with
            if values[at] is not None:
                try:
                    parse_time(values[at])
                except ValueError:
                    raise ValueError(f"session {old}: {values[at]!r} is not a time") from None
        if c.execute(
            "SELECT 1 FROM sessions WHERE started_utc = ? AND kind = ? AND source = ?",
            (values[3], values[1], values[2]),
        ).fetchone():
            skipped.add(old)
            continue
        if c.execute("SELECT 1 FROM sessions WHERE id = ?", (old,)).fetchone():
            values[0] = None
        values[_BASELINE_AT] = bmap.get(values[_BASELINE_AT])
        sid = smap[old] = c.execute(insert, values).lastrowid
        tag_list = [validate_tag(t) for t in tags.split(";")] if tags else []
        if pain_before is not None or pain_after is not None or tag_list or note:
            c.execute(
                "INSERT INTO journal (session_id, pain_before, pain_after, note) VALUES (?, ?, ?, ?)",
                (sid, validate_pain(pain_before), validate_pain(pain_after), validate_note(note)),
            )
            c.executemany("INSERT INTO journal_tags (session_id, tag) VALUES (?, ?)", [(sid, t) for t in tag_list])
    for r in tables["events"]:
        EventRow(*r[2:])
    for phase in {r[2] for r in tables["samples"]} - {None}:  # a handful of names
        if not PHASE_PATTERN.fullmatch(phase):
            raise ValueError(f"samples: {phase!r} is not a phase name")
    rows = {}
    for name in ("samples", "events"):
        orphans = {r[0] for r in tables[name]} - set(smap) - skipped
        if orphans:
            raise ValueError(f"{name} refer to session {min(orphans)}, which is not in the export")
        rows[name] = [(smap[r[0]], *r[1:]) for r in tables[name] if r[0] in smap]
    c.executemany(INSERT_SAMPLE, rows["samples"])
    c.executemany(INSERT_EVENT, rows["events"])
    checks = _import_checks(c, tables)
    return ImportResult(len(smap), len(skipped), len(rows["samples"]), len(rows["events"]), added_b, checks)


def _import_checks(c: sqlite3.Connection, tables) -> int:
    """The movement checks, each with its movements and trace, checked again (a caller may hand
    rows over without read_export: ValueError); one already in the log (same start and source)
    is left out with its rows. Returns how many were added. Tables without them (an older
    caller's) add none."""
    check_check_tables(*(tables.get(n, ()) for n in ("checks", "check_movements", "check_traces")))
    cmap: dict[int, int] = {}
    for row in tables.get("checks", ()):
        old, source, started = row[0], row[1], row[2]
        if c.execute("SELECT 1 FROM checks WHERE started_utc = ? AND source = ?", (started, source)).fetchone():
            continue
        free = not c.execute("SELECT 1 FROM checks WHERE id = ?", (old,)).fetchone()
        cmap[old] = c.execute(INSERT_CHECK, (old if free else None, *row[1:])).lastrowid
    for name, insert in (("check_movements", INSERT_CHECK_MOVEMENT), ("check_traces", INSERT_CHECK_TRACE)):
        c.executemany(insert, [(cmap[r[0]], *r[1:]) for r in tables.get(name, ()) if r[0] in cmap])
    return len(cmap)
