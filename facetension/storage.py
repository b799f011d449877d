"""The session log: one SQLite file with every session, its per-second samples and events,
the relaxed baselines, and the user's journal (pain and what may have set it off).

Layer: below the CLI and the practice loop; nothing here opens a camera, loads a model,
prints, or reads the clock (every time comes in from the caller).

Where: `--db PATH`, else $FACETENSION_DB, else `facetension.db` in the data folder
($FACETENSION_DATA_DIR, else the platform's user data folder).

Never lose, never corrupt:
- Write-ahead log with synchronous=FULL: when a commit returns, it is on disk.
- `add_sample` commits its row at once, with any events waiting: the caller hands over a
  row as soon as its second of session is over, so a crash, even kill -9, loses at most the
  second being measured. (Waiting for a second row, as an earlier rule did, lost up to two.)
  Events wait for the next row, or commit themselves once the session clock is
  FLUSH_INTERVAL_S past the oldest waiting one. Nothing here runs on its own.
- A session never finished (crash, kill, power cut) is found by the next writable open and
  marked interrupted: ended at its last sample, completed 0, interrupted 1. Nothing is dropped.
- The schema is versioned in PRAGMA user_version; migrations are applied in order, each in
  its own transaction. A file from a newer facetension, a damaged file, or something that is
  not a facetension log is refused with a clear StorageError and left exactly as it was.
- Every write is one transaction: a failure (full disk, read-only file, lock held by another
  program) rolls it back whole and raises a StorageError that says what to do.

Concurrency: one session writer at a time, guarded by an OS lock on `<db>.lock` that dies with
its process (so a crashed session never blocks the next one). Readers (history, export) open
the file read-only (it works on a read-only file, and never creates a log) and see one
consistent snapshot while a session writes. Short writes (journal, forget, import) share the
file through SQLite's own locking.

Privacy: numbers and short texts only. No frame, image or BLOB column exists. The file, its
-wal/-shm companions and the lock file are created readable by their owner only (0600).

Schema (version 1, see `_v1`; <m> is every MEASURE_COLUMNS name: each region's left − right
diff in mm, each region and side's tension 0..1, the asymmetry and tension indices 0..100):
- baselines(id, taken_utc, source, frames, data): data is the baseline as JSON.
- sessions(id, kind, source, started_utc, started_local, tz, ended_utc, duration_s, completed,
  interrupted, app_version, model_sha256, baseline_id, twitches, relaxed_s, relax_s,
  before_<m>..., after_<m>...).
- samples(session_id, t_s, phase, <m>..., quality): one row per second of session, typed REAL
  columns, WITHOUT ROWID and keyed (session_id, t_s) so a session's rows sit together on
  disk. NULL = not measured (no face, a blink, a turned head), never 0.
- events(session_id, seq, t_s, kind, region, side, text, duration_s, amplitude).
- journal(session_id, pain_before, pain_after, note) and journal_tags(session_id, tag).
- settings(key, value) (version 2); the massage's session columns (version 3).
- The weekly movement check (version 4, logschema._v4; saved and read by checklog.py):
  checks(id, source, started_utc, started_local, tz, duration_s, frames, measured, rest_s,
  in_order, missing, order_found, score_*, app_version, model_sha256, rest_<feature>_<side>_mm),
  check_movements(check_id, seq, movement, times, each side's excursion, ratio, weaker, grade,
  synkinesis_*, closure_*, lids_meet_*) and check_traces(check_id, t_s, movement,
  <feature>_<side>_mm...): the check at a coarse rate. Keyed to their check as samples are.
The log's modules, one concern each: logschema (columns, migrations), loglock (the writer
lock), logdb (the file: opening, upgrades, transactions, SQLite's errors in words), logwriter
(recording a session), logqueries (history, journal, baselines, forgetting), logexport
(export and import, and their files), logcheck (what an import or a saved check may hold),
checklog (the movement check). Records, times and precision: logrecords.py.
"""

from __future__ import annotations

from .errors import LogBusyError, LogNeedsUpgradeError, NoLogError, StorageError, UnknownSessionError  # noqa: F401
from .logdb import (  # noqa: F401
    BUSY_TIMEOUT_S,
    DATA_DIR_ENV,
    DB_ENV,
    DB_FILENAME,
    LOCK_WAIT_S,
    LogBase,
    data_dir,
    default_path,
    resolve_path,
)
from .logexport import EXPORT_COLUMNS, EXPORT_TABLES, EXPORT_TYPES, Transfer  # noqa: F401
from .loglock import DIR_MODE, FILE_MODE, lock_path, writer_pid  # noqa: F401
from .logqueries import Queries
from .logrecords import (  # noqa: F401
    BUILTIN_TAGS,
    DECIMALS,
    EVENT_KINDS,
    KEEP,
    KINDS,
    MAX_NOTE_CHARS,
    MAX_TEXT_CHARS,
    MEASURE_COLUMNS,
    PAIN_RANGE,
    EventRow,
    ImportResult,
    Journal,
    Measures,
    SampleRow,
    SessionRecord,
    SessionSummary,
    iso_utc,
    local_timezone,
    parse_time,
    stored_number,
    validate_note,
    validate_pain,
    validate_tag,
)
from .logschema import EVENT_COLUMNS, MIGRATIONS, SAMPLE_COLUMNS, SCHEMA_VERSION, SESSION_COLUMNS, SUMMARY_COLUMNS  # noqa: F401
from .logwriter import FLUSH_INTERVAL_S, SessionWriting  # noqa: F401

__all__ = [  # the log's API, records included (the practice loop and the report use these)
    "Log",
    "default_path",
    "resolve_path",
    "writer_pid",
    "lock_path",
    "SCHEMA_VERSION",
    "MIGRATIONS",
    "DB_ENV",
    "FLUSH_INTERVAL_S",
    "EXPORT_COLUMNS",
    "EXPORT_TYPES",
    "EXPORT_TABLES",
    "SAMPLE_COLUMNS",
    "SESSION_COLUMNS",
    "EVENT_COLUMNS",
    "SUMMARY_COLUMNS",
    "MEASURE_COLUMNS",
    "DECIMALS",
    "KINDS",
    "EVENT_KINDS",
    "BUILTIN_TAGS",
    "PAIN_RANGE",
    "MAX_NOTE_CHARS",
    "MAX_TEXT_CHARS",
    "KEEP",
    "Measures",
    "SampleRow",
    "EventRow",
    "SessionSummary",
    "Journal",
    "SessionRecord",
    "ImportResult",
    "iso_utc",
    "parse_time",
    "local_timezone",
    "stored_number",
    "validate_tag",
    "validate_pain",
    "validate_note",
    "StorageError",
    "LogBusyError",
    "LogNeedsUpgradeError",
    "NoLogError",
    "UnknownSessionError",
]


class Log(SessionWriting, Queries, Transfer, LogBase):
    """The log, open for reading or writing: `with Log.open(path) as log: ...`. Each concern
    lives in its own module (see above); this class only puts them together."""
