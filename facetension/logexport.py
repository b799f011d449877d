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
import json
import os
from pathlib import Path
from typing import IO

from .storage import DECIMALS, EXPORT_COLUMNS, EXPORT_TABLES, EXPORT_TYPES, stored_number

EXPORT_FORMAT = "facetension-log"
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
    """meta.csv and one CSV per table in `folder`. `tables` from Log.export_tables with the
    defaults. Each file is written aside and renamed into place, so a failed export never
    leaves half a file under the real name."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    meta = [("format", EXPORT_FORMAT), ("version", str(EXPORT_VERSION)), ("app_version", app_version)]
    for name in ("meta", *EXPORT_TABLES):
        path = folder / f"{name}.csv"
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as f:
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
        os.replace(tmp, path)
        written.append(path)
    return written


def read_export(path: Path) -> dict[str, list[tuple]]:
    """An export (a JSON file, or a CSV export's folder or any CSV file in it) as typed rows,
    {table: rows in EXPORT_COLUMNS order}, numbers rounded to their stored decimals.
    ValueError says what is wrong with it; OSError if it cannot be read."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".csv":
        path = path.parent
    if path.is_dir():
        meta_file = path / CSV_META
        if not meta_file.is_file():
            raise ValueError(f"{path} is not a facetension CSV export (no {CSV_META})")
        with open(meta_file, newline="", encoding="utf-8") as f:
            meta = {r.get("key"): r.get("value") for r in csv.DictReader(f)}
        _check_format(meta.get("format"), meta.get("version"))
        tables = {}
        for name in EXPORT_TABLES:
            with open(path / f"{name}.csv", newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                tables[name] = _typed(name, tuple(next(reader, ())), reader, from_text=True)
        return tables
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict):
        raise ValueError("not a facetension export")
    _check_format(doc.get("format"), doc.get("version"))
    tables = doc.get("tables")
    if not isinstance(tables, dict) or not all(isinstance(tables.get(n), dict) for n in EXPORT_TABLES):
        raise ValueError(f"a facetension export has the tables {', '.join(EXPORT_TABLES)}")
    return {n: _typed(n, tuple(tables[n].get("columns") or ()), tables[n].get("rows") or [], from_text=False)
            for n in EXPORT_TABLES}


def _check_format(fmt, version) -> None:
    if fmt != EXPORT_FORMAT:
        raise ValueError(f"not a facetension export (format {fmt!r})")
    try:
        version = int(version)
    except (TypeError, ValueError):
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
            return int(v)
        value = stored_number(v, DECIMALS[col])
        if value is None:
            raise ValueError(f"{col}: expected a finite number, got {v!r}")
        return value

    return convert
