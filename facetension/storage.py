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
Records, times and precision: logrecords.py. Export files: logexport.py.
"""

from __future__ import annotations

import math
import os
import sqlite3
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from . import baselines as baseline_codec
from .baselines import Baseline
from .errors import LogBusyError, LogNeedsUpgradeError, NoLogError, StorageError, UnknownSessionError
from .logrecords import (BUILTIN_TAGS, DECIMALS, EVENT_KINDS, KEEP, KINDS, MAX_NOTE_CHARS, MAX_TEXT_CHARS,
                         MEASURE_COLUMNS, PAIN_RANGE, PHASE_PATTERN, PHASES, QUALITY_DECIMALS, TENSION_DECIMALS, TIME_DECIMALS,
                         EventRow, ImportResult, Journal, Measures, SampleRow, SessionRecord, SessionSummary, aware,
                         iso_utc, local_timezone, parse_time, stored_number, utc_offset, validate_note, validate_pain,
                         validate_tag)

__all__ = [  # the log's API, records included (the practice loop and the report use these)
    "Log", "default_path", "resolve_path", "writer_pid", "lock_path", "SCHEMA_VERSION", "MIGRATIONS", "DB_ENV",
    "FLUSH_INTERVAL_S", "EXPORT_COLUMNS", "EXPORT_TYPES", "EXPORT_TABLES", "SAMPLE_COLUMNS", "SESSION_COLUMNS",
    "EVENT_COLUMNS", "SUMMARY_COLUMNS", "MEASURE_COLUMNS", "DECIMALS", "KINDS", "EVENT_KINDS", "BUILTIN_TAGS",
    "PAIN_RANGE", "MAX_NOTE_CHARS", "MAX_TEXT_CHARS", "KEEP", "Measures", "SampleRow", "EventRow", "SessionSummary",
    "Journal", "SessionRecord", "ImportResult", "iso_utc", "parse_time", "local_timezone", "stored_number",
    "validate_tag", "validate_pain", "validate_note",
]

try:  # POSIX
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

DATA_DIR_ENV = "FACETENSION_DATA_DIR"  # overrides the platform's data folder
DB_ENV = "FACETENSION_DB"
DB_FILENAME = "facetension.db"
FILE_MODE = 0o600  # the log, its -wal/-shm (SQLite copies the mode) and the lock file
DIR_MODE = 0o700  # a data folder we create
FLUSH_INTERVAL_S = 1.0  # events with no sample after them are committed once the clock is this far on
BUSY_TIMEOUT_S = 5.0  # how long a write waits for another program's transaction
LOCK_WAIT_S = 1.0  # how long a starting session waits for the writer lock: a journal edit or a
LOCK_POLL_S = 0.05  # crash recovery holds it for milliseconds, a live session for minutes

# SQLite primary result codes (sqlite3.Error.sqlite_errorcode & 0xff, Python 3.11+).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26
_MESSAGE_CODES = (  # Python 3.10 has no error codes: the messages SQLite gives for them
    ("disk is full", _FULL), ("is locked", _BUSY), ("readonly", _READONLY), ("unable to open", _CANTOPEN),
    ("not a database", _NOTADB), ("malformed", _CORRUPT), ("disk i/o", _IOERR), ("access permission", _PERM))

# -- columns ---------------------------------------------------------------------------
SUMMARY_COLUMNS = tuple(f"{p}_{c}" for p in PHASES for c in MEASURE_COLUMNS)
SAMPLE_COLUMNS = ("session_id", "t_s", "phase", *MEASURE_COLUMNS, "quality")
EVENT_COLUMNS = ("session_id", "seq", "t_s", "kind", "region", "side", "text", "duration_s", "amplitude")
SESSION_COLUMNS = ("id", "kind", "source", "started_utc", "started_local", "tz", "ended_utc", "duration_s",
                   "completed", "interrupted", "app_version", "model_sha256", "baseline_id", "twitches",
                   "relaxed_s", "relax_s", *SUMMARY_COLUMNS)


# -- migrations ------------------------------------------------------------------------
def _v1() -> tuple[str, ...]:
    """Version 1. Frozen: never edit it, add a migration. Its region lists are spelt out here,
    not taken from metrics/tension, so a new region there cannot change an old migration
    (tests/test_storage.py fails until a migration adds its columns)."""
    regions = ("brow", "eye", "mouth_corner", "mouth_excursion", "nose")
    tension = ("brow", "eye", "cheek", "mouth", "chin", "jaw")
    measures = ([f"{r}_diff_mm" for r in regions] + [f"{r}_{s}_tension" for r in tension for s in ("left", "right")]
                + ["asymmetry_index", "tension_index"])
    summary = ",\n".join(f"    {p}_{m} REAL" for p in ("before", "after") for m in measures)
    sample = ",\n".join(f"    {m} REAL" for m in measures)
    return (
        """CREATE TABLE baselines (
    id INTEGER PRIMARY KEY,
    taken_utc TEXT NOT NULL,
    source TEXT NOT NULL,
    frames INTEGER NOT NULL CHECK (frames >= 0),
    data TEXT NOT NULL
)""",
        f"""CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    started_utc TEXT NOT NULL,
    started_local TEXT NOT NULL,
    tz TEXT NOT NULL,
    ended_utc TEXT,
    duration_s REAL CHECK (duration_s >= 0),
    completed INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    interrupted INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1)),
    app_version TEXT NOT NULL,
    model_sha256 TEXT,
    baseline_id INTEGER REFERENCES baselines (id) ON DELETE SET NULL,
    twitches INTEGER CHECK (twitches >= 0),
    relaxed_s REAL,
    relax_s REAL,
{summary}
)""",
        "CREATE INDEX sessions_by_start ON sessions (started_utc)",
        f"""CREATE TABLE samples (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    t_s REAL NOT NULL CHECK (t_s >= 0),
    phase TEXT,
{sample},
    quality REAL CHECK (quality BETWEEN 0 AND 1),
    PRIMARY KEY (session_id, t_s)
) WITHOUT ROWID""",
        """CREATE TABLE events (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t_s REAL NOT NULL,
    kind TEXT NOT NULL,
    region TEXT,
    side TEXT CHECK (side IN ('left', 'right')),
    text TEXT NOT NULL DEFAULT '',
    duration_s REAL,
    amplitude REAL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID""",
        """CREATE TABLE journal (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
    pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10),
    note TEXT NOT NULL DEFAULT ''
)""",
        """CREATE TABLE journal_tags (
    session_id INTEGER NOT NULL REFERENCES journal (session_id) ON DELETE CASCADE,
    tag TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 32),
    PRIMARY KEY (session_id, tag)
) WITHOUT ROWID""",
    )


MIGRATIONS: tuple[tuple[str, ...], ...] = (_v1(),)  # MIGRATIONS[v - 1] takes the schema to version v
SCHEMA_VERSION = len(MIGRATIONS)


# -- where -----------------------------------------------------------------------------
def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(os.environ.get(DATA_DIR_ENV) or user_data_dir("facetension", appauthor=False))


def default_path() -> Path:
    """$FACETENSION_DB, else facetension.db in the data folder."""
    return Path(os.environ.get(DB_ENV) or data_dir() / DB_FILENAME)


def resolve_path(path: str | os.PathLike | None) -> Path:
    return Path(path).expanduser() if path else default_path()


# -- the writer lock -------------------------------------------------------------------
_WIN_LOCK_OFFSET = 1 << 20  # Windows locks are mandatory: lock a byte past the pid we write


def _try_lock(fd: int, exclusive: bool) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
    os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)  # untested: no Windows machine here
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


class _WriterLock:
    """Held by the process recording a session. An OS lock (flock), so it dies with its
    process, even on kill -9: a crashed session never blocks the next."""

    def __init__(self, db: Path):
        self.path = lock_path(db)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait_s: float) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            deadline = time.monotonic() + wait_s
            while not _try_lock(fd, exclusive=True):
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(LOCK_POLL_S)
            os.ftruncate(fd, 0)  # who holds it, for the message another process gives
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                _unlock(fd)
            finally:
                os.close(fd)


def writer_pid(db: Path) -> int | None:
    """The process recording a session into `db` (0 if unknown), or None if there is none.
    Creates nothing and holds nothing."""
    try:
        fd = os.open(lock_path(db), os.O_RDONLY)
    except OSError:
        return None
    try:
        if _try_lock(fd, exclusive=False):
            _unlock(fd)
            return None
        return int(os.read(fd, 32).strip() or 0)
    except ValueError:
        return 0
    finally:
        os.close(fd)


# -- errors ----------------------------------------------------------------------------
def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF
    msg = str(exc).lower()
    return next((c for text, c in _MESSAGE_CODES if text in msg), None)


def _translate(exc: sqlite3.Error, path: Path, doing: str, damaged: bool = False) -> StorageError:
    code = _CORRUPT if damaged else _code(exc)
    exc = " ".join(str(exc).split())[:200]  # SQLite's own words, on one line
    if code == _FULL:
        return StorageError(f"the disk is full: could not {doing} ({path}). Everything saved before "
                            "is kept; free some space and try again.")
    if code in (_BUSY, _LOCKED):
        return StorageError(f"the log {path} is locked by another program: could not {doing}. "
                            "Close it (or wait for it) and try again.")
    if code in (_READONLY, _PERM):
        return StorageError(f"the log {path} is read-only: could not {doing}. Check the permissions of the "
                            "file and its folder.")
    if code == _CANTOPEN:
        return StorageError(f"cannot open the log {path}: its folder is missing or cannot be written "
                            f"(could not {doing}).")
    if code in (_NOTADB, _CORRUPT):
        return StorageError(f"the log {path} is damaged ({exc}) and was left as it is. Move it aside to start "
                            "a new log, or restore a backup into a new one with `facetension import`.")
    if code == _IOERR:
        return StorageError(f"a disk error: could not {doing} ({path}: {exc}). The disk may be full or failing; "
                            "everything saved before is kept.")
    return StorageError(f"could not {doing} ({path}: {exc}).")


@contextmanager
def _guard(path: Path, doing: str):
    """sqlite3 and OS errors become StorageErrors that say what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        raise _translate(exc, path, doing) from exc
    except UnicodeDecodeError as exc:  # text the log never wrote: the file was damaged
        raise _translate(sqlite3.DatabaseError(f"text that is not UTF-8 ({exc.reason})"), path, doing,
                         damaged=True) from exc
    except OSError as exc:
        raise StorageError(f"could not {doing} ({path}: {exc.strerror or exc}).") from exc


SQLITE_MAGIC = b"SQLite format 3\x00"
_USER_VERSION_AT = 60  # where the file header keeps PRAGMA user_version (4 bytes, big-endian)


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite, or is from a newer facetension, before SQLite opens
    it: even a read-only open of a WAL file leaves -wal and -shm files beside it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return  # the open says what to do
    except OSError as exc:  # a name too long, a loop of links
        raise StorageError(f"cannot open the log {path}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise StorageError(f"{path} is a folder, not a log: give the log file's path with --db")
    if not stat.S_ISREG(st.st_mode):  # a pipe would block the read below for ever
        raise StorageError(f"{path} is not a plain file (a pipe or a device?), so it cannot be a log")
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError:
        return  # missing or unreadable: the open says so
    if not head:
        return  # an empty file is an empty log
    if not head.startswith(SQLITE_MAGIC) or len(head) < 100:
        raise StorageError(f"the log {path} is damaged (it is not an SQLite file) and was left as it is. Move it "
                           "aside to start a new log, or restore a backup into a new one with `facetension import`.")
    version = int.from_bytes(head[_USER_VERSION_AT:_USER_VERSION_AT + 4], "big", signed=True)
    if version > SCHEMA_VERSION:
        raise _newer(path, version)


def _newer(path: Path, version: int) -> StorageError:
    return StorageError(f"the log {path} was made by a newer facetension (schema {version}; this one knows up to "
                        f"{SCHEMA_VERSION}). It was left as it is: update facetension.")


# -- the log ---------------------------------------------------------------------------
@dataclass
class _Active:
    """The session this Log is recording: its unsaved rows and the session clock."""

    id: int
    started: datetime
    samples: list = field(default_factory=list)
    events: list = field(default_factory=list)
    last_sample_t: float | None = None
    now: float = 0.0  # latest session time seen
    oldest: float = math.inf  # session time of the oldest row not committed yet
    seq: int = 0


_INSERT_SAMPLE = f"INSERT INTO samples ({', '.join(SAMPLE_COLUMNS)}) VALUES ({', '.join('?' * len(SAMPLE_COLUMNS))})"
_INSERT_EVENT = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"


class Log:
    """The log, open for reading or writing. Use `Log.open(...)` as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool):
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        self.readonly = readonly
        self._lock = _WriterLock(path)
        self._active: _Active | None = None

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, readonly: bool = False,
             busy_timeout_s: float | None = None, max_pages: int | None = None) -> Log:
        """Open the log at `path` (None: $FACETENSION_DB, else the data folder).

        readonly: never creates or changes anything (history, export); NoLogError if there is
        no log yet. Otherwise the file (and its folder) is created if missing, upgraded to the
        current schema, and sessions left unfinished by a dead process are marked interrupted.
        busy_timeout_s: how long a write waits for another program's transaction (default
        BUSY_TIMEOUT_S). max_pages caps the file's size in pages (4 KiB): a full disk on
        demand, for tests.
        """
        path = resolve_path(path)
        busy_timeout_s = BUSY_TIMEOUT_S if busy_timeout_s is None else busy_timeout_s
        _check_header(path)
        with _guard(path, "open the log"):
            conn = cls._connect_readonly(path, busy_timeout_s) if readonly else cls._connect(path, busy_timeout_s)
        log = cls(conn, path, readonly)
        try:
            log._prepare(max_pages)
        except BaseException:
            log._conn = None
            conn.close()
            raise
        return log

    @staticmethod
    def _sqlite(uri: str, timeout: float) -> sqlite3.Connection:
        # isolation_level None: no implicit transactions; every write says BEGIN IMMEDIATE itself.
        return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)

    @classmethod
    def _connect(cls, path: Path, timeout: float) -> sqlite3.Connection:
        if path.is_dir():
            raise StorageError(f"{path} is a folder, not a log: give the log file's path with --db")
        if not path.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
                # Created here, not by SQLite, to set the mode; SQLite gives -wal/-shm the same one.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
            except FileExistsError:
                pass  # another process created it meanwhile
            except OSError as exc:
                raise StorageError(f"cannot create the log {path}: {exc.strerror}. Choose a folder you can "
                                   f"write to with --db or ${DB_ENV}.") from None
        return cls._sqlite(path.absolute().as_uri() + "?mode=rw", timeout)

    @classmethod
    def _connect_readonly(cls, path: Path, timeout: float) -> sqlite3.Connection:
        if path.is_dir():
            raise StorageError(f"{path} is a folder, not a log: give the log file's path with --db")
        if not path.is_file():
            raise NoLogError(f"there is no log at {path} yet: nothing has been recorded")
        uri = path.absolute().as_uri()
        conn = cls._sqlite(uri + "?mode=ro", timeout)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            # A read-only folder shows as CANTOPEN, or READONLY (cannot create the -shm).
            if _code(exc) not in (_CANTOPEN, _READONLY) or Path(f"{path}-wal").exists():
                raise
        # A WAL file is read through a -shm beside it, which a read-only folder cannot hold.
        # With no -wal there, no writer is active (a writer always has one), so reading the
        # file as immutable is safe.
        return cls._sqlite(uri + "?mode=ro&immutable=1", timeout)

    def _prepare(self, max_pages: int | None) -> None:
        c = self._conn
        with _guard(self.path, "open the log"):
            version = c.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:  # the header said otherwise: a newer one wrote it meanwhile
                raise _newer(self.path, version)
            if version == 0 and c.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise StorageError(f"{self.path} is an SQLite file but not a facetension log; it was left as it is.")
            if self.readonly:
                if version == 0:
                    raise NoLogError(f"the log {self.path} is empty: nothing has been recorded")
                if version < SCHEMA_VERSION:
                    raise LogNeedsUpgradeError(f"the log {self.path} was made by an older facetension and must be upgraded: "
                                       "run a command that writes to it (e.g. `facetension journal`) once.")
                c.execute("PRAGMA query_only = ON")
                return
            if version and (problem := c.execute("PRAGMA quick_check(1)").fetchone()[0]) != "ok":
                # Writing into a damaged file could spread the damage (~0.1 s for a year's log).
                raise _translate(sqlite3.DatabaseError(problem), self.path, "open the log", damaged=True)
            c.execute("PRAGMA foreign_keys = ON")
            mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StorageError(f"the log {self.path} cannot be written (journal mode stays {mode}): "
                                   "is it read-only?")
            c.execute("PRAGMA synchronous = FULL")  # a commit is on disk before it returns
            if max_pages:
                c.execute(f"PRAGMA max_page_count = {int(max_pages)}")
        self._migrate(version)
        self._recover()

    def _migrate(self, version: int) -> None:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._transaction("upgrade the log"):
                if self._conn.execute("PRAGMA user_version").fetchone()[0] >= target:
                    continue  # another process upgraded it meanwhile
                for statement in MIGRATIONS[target - 1]:
                    self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version = {target}")

    def _recover(self) -> None:
        """Mark sessions left unfinished by a dead process as interrupted."""
        with _guard(self.path, "check for interrupted sessions"):
            if not self._conn.execute("SELECT 1 FROM sessions WHERE ended_utc IS NULL LIMIT 1").fetchone():
                return
        try:
            got = self._lock.acquire(0)
        except OSError:
            return  # the folder is read-only: nothing could be written anyway
        if not got:
            return  # a live session: its unfinished row is not stale
        try:
            self._mark_unfinished()
        finally:
            self._lock.release()

    def _mark_unfinished(self, only: int | None = None) -> None:
        """Give unfinished sessions an end at their last row. Call with the writer lock held."""
        with self._transaction("mark interrupted sessions"):
            c = self._conn
            rows = c.execute("SELECT id, started_utc FROM sessions WHERE ended_utc IS NULL"
                             + (" AND id = ?" if only is not None else ""), (() if only is None else (only,))).fetchall()
            for sid, started in rows:
                last = c.execute("SELECT max(t) FROM (SELECT max(t_s) AS t FROM samples WHERE session_id = ?1 "
                                 "UNION ALL SELECT max(t_s) FROM events WHERE session_id = ?1)", (sid,)).fetchone()[0]
                duration = stored_number(last or 0.0, TIME_DECIMALS)
                c.execute("UPDATE sessions SET ended_utc = ?, duration_s = ?, completed = 0, interrupted = 1, "
                          "twitches = coalesce(twitches, (SELECT count(*) FROM events WHERE session_id = ?3 "
                          "AND kind = 'twitch')) WHERE id = ?3",
                          (iso_utc(parse_time(started) + timedelta(seconds=duration)), duration, sid))

    # -- plumbing ----------------------------------------------------------------------
    @contextmanager
    def _transaction(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it or nothing."""
        if self._conn is None:
            raise ValueError("the log is closed")
        if self.readonly:
            raise ValueError(f"cannot {doing}: the log was opened read-only")
        c = self._conn
        with _guard(self.path, doing):
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
                c.execute("COMMIT")
            except BaseException:
                if c.in_transaction:
                    try:
                        c.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass  # the connection is closing anyway; SQLite rolls back on close
                raise

    @contextmanager
    def _reading(self, doing: str) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries, while a session may be writing."""
        if self._conn is None:
            raise ValueError("the log is closed")
        c = self._conn
        with _guard(self.path, doing):
            own = not c.in_transaction
            if own:
                c.execute("BEGIN")
            try:
                yield c
            finally:
                if own and c.in_transaction:
                    c.execute("COMMIT")

    def close(self) -> None:
        """Save what is buffered; a session still open is kept and marked interrupted.
        Idempotent."""
        self._close(quiet=False)

    def _close(self, quiet: bool) -> None:
        if self._conn is None:
            return
        try:
            if self._active is not None:
                try:
                    self.flush()
                    self._mark_unfinished(only=self._active.id)
                except StorageError:
                    if not quiet:
                        raise
        finally:
            self._active = None
            self._lock.release()
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Log:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._close(quiet=exc_type is not None)  # never mask the error that is leaving

    def __repr__(self) -> str:
        return f"Log({str(self.path)!r}, readonly={self.readonly})"

    # -- recording a session -----------------------------------------------------------
    def start_session(self, kind: str, source: str, started_utc: datetime, tz_name: str, app_version: str,
                      model_sha256: str | None = None, baseline_id: int | None = None, *,
                      utc_offset_min: int | None = None) -> int:
        """Begin recording; returns the session's id. LogBusyError if another process is
        recording one. tz_name: an IANA name (its offset is looked up) or any name with
        utc_offset_min (see local_timezone())."""
        if self._active is not None:
            raise ValueError(f"session {self._active.id} is still being recorded: finish it first")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if len(source) > MAX_TEXT_CHARS:
            raise ValueError(f"source longer than {MAX_TEXT_CHARS} characters")
        started = aware(started_utc, "started_utc")
        offset = utc_offset(started, tz_name, utc_offset_min)
        local = started.astimezone(timezone(timedelta(minutes=offset))).isoformat(timespec="milliseconds")
        if self.readonly:
            raise ValueError("cannot start a session: the log was opened read-only")
        with _guard(self.path, "start a session"):
            got = self._lock.acquire(LOCK_WAIT_S)
        if not got:
            raise LogBusyError(self._busy_message())
        try:
            self._mark_unfinished()  # we hold the lock: any unfinished session is a dead process's
            with self._transaction("start a session") as c:
                sid = c.execute("INSERT INTO sessions (kind, source, started_utc, started_local, tz, app_version, "
                                "model_sha256, baseline_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                (kind, source, iso_utc(started), local, tz_name, app_version, model_sha256 or None,
                                 baseline_id)).lastrowid
        except BaseException:
            self._lock.release()
            raise
        self._active = _Active(sid, started)
        return sid

    def _busy_message(self) -> str:
        pid = writer_pid(self.path)
        running = None
        try:
            running = self._conn.execute("SELECT id, started_local FROM sessions WHERE ended_utc IS NULL "
                                         "ORDER BY id DESC LIMIT 1").fetchone()
        except sqlite3.Error:
            pass
        what = f"session {running[0]}, started {running[1][:16].replace('T', ' ')}" if running else "a session"
        who = f" by process {pid}" if pid else ""
        return (f"a session is already being recorded ({what}{who}) in {self.path}: finish it before "
                "starting another")

    def _require_active(self, session_id: int) -> _Active:
        if self._active is None or self._active.id != session_id:
            raise ValueError(f"session {session_id} is not being recorded by this log")
        return self._active

    def add_sample(self, session_id: int, row: SampleRow) -> None:
        """Commit one second's row now, with the events waiting. Times must increase. If the
        commit fails, the rows stay buffered for the next try and the error is raised."""
        a = self._require_active(session_id)
        t = stored_number(row.t_s, TIME_DECIMALS)
        if a.last_sample_t is not None and t <= a.last_sample_t:
            raise ValueError(f"sample times must increase: {t} after {a.last_sample_t}")
        a.samples.append((session_id, t, row.phase, *row.measures.values(), stored_number(row.quality, QUALITY_DECIMALS)))
        a.last_sample_t = t
        a.now = max(a.now, t)
        self.flush()

    def add_event(self, session_id: int, event: EventRow) -> None:
        """Buffer an event (a twitch is reported after it ends, so its time may be in the past)."""
        a = self._require_active(session_id)
        a.seq += 1
        a.events.append((session_id, a.seq, stored_number(event.t_s, TIME_DECIMALS), event.kind, event.region,
                         event.side, event.text, stored_number(event.duration_s, TIME_DECIMALS),
                         stored_number(event.amplitude, TENSION_DECIMALS)))
        self._tick(a, event.t_s)

    def _tick(self, a: _Active, t: float) -> None:
        a.now = max(a.now, t)
        a.oldest = min(a.oldest, t)
        if a.now - a.oldest >= FLUSH_INTERVAL_S:
            self.flush()

    @property
    def unsaved_samples(self) -> int:
        """Samples added but not committed yet (0 unless a commit failed)."""
        return len(self._active.samples) if self._active else 0

    def flush(self) -> None:
        """Commit the buffered rows now. On failure they stay buffered and the error is raised."""
        a = self._active
        if a is None or not (a.samples or a.events):
            return
        with self._transaction("save the session") as c:
            c.executemany(_INSERT_SAMPLE, a.samples)
            c.executemany(_INSERT_EVENT, a.events)
        a.samples.clear()
        a.events.clear()
        a.oldest = math.inf

    def save_before(self, session_id: int, before: Measures) -> None:
        """Store the 'before' summary as soon as it is known, so an interrupted session keeps it."""
        self._require_active(session_id)
        cols = ", ".join(f"before_{c} = ?" for c in MEASURE_COLUMNS)
        with self._transaction("save the session's starting point") as c:
            c.execute(f"UPDATE sessions SET {cols} WHERE id = ?", (*before.values(), session_id))

    def finish_session(self, session_id: int, ended_utc: datetime, completed: bool,
                       summary: SessionSummary | None = None) -> None:
        """Save the rest, the end and the summary, and let another session start.
        completed False: the user stopped early (status 'stopped')."""
        a = self._require_active(session_id)
        ended = aware(ended_utc, "ended_utc")
        duration = (ended - a.started).total_seconds()
        if duration < 0:
            raise ValueError(f"the session ends ({ended}) before it starts ({a.started})")
        summary = summary or SessionSummary()
        self.flush()
        sets, values = ["ended_utc = ?", "duration_s = ?", "completed = ?", "interrupted = 0"], \
            [iso_utc(ended), stored_number(duration, TIME_DECIMALS), int(bool(completed))]
        for phase, m in (("before", summary.before), ("after", summary.after)):
            if m is not None:
                sets += [f"{phase}_{col} = ?" for col in MEASURE_COLUMNS]
                values += m.values()
        for name in ("relaxed_s", "relax_s"):
            if getattr(summary, name) is not None:
                sets.append(f"{name} = ?")
                values.append(stored_number(getattr(summary, name), TIME_DECIMALS))
        if summary.twitches is not None:
            sets.append("twitches = ?")
            values.append(int(summary.twitches))
        else:
            sets.append("twitches = (SELECT count(*) FROM events WHERE session_id = ? AND kind = 'twitch')")
            values.append(session_id)
        with self._transaction("finish the session") as c:
            c.execute(f"UPDATE sessions SET {', '.join(sets)} WHERE id = ?", (*values, session_id))
        self._active = None
        self._lock.release()

    # -- baselines ---------------------------------------------------------------------
    def save_baseline(self, b: Baseline) -> int:
        """Keep a relaxed reference; returns its id (the same id for the same baseline)."""
        row = (iso_utc(parse_time(b.taken_at)), b.source, int(b.frames), baseline_codec.to_data(b))
        with self._transaction("save the baseline") as c:
            found = c.execute("SELECT id FROM baselines WHERE taken_utc = ? AND source = ? AND frames = ? "
                              "AND data = ?", row).fetchone()
            if found:
                return found[0]
            return c.execute("INSERT INTO baselines (taken_utc, source, frames, data) VALUES (?, ?, ?, ?)",
                             row).lastrowid

    def baselines(self) -> list[tuple[int, Baseline]]:
        """Every baseline, oldest first, with its id."""
        with self._reading("read the baselines") as c:
            rows = c.execute("SELECT id, taken_utc, source, frames, data FROM baselines "
                             "ORDER BY taken_utc, id").fetchall()
        out = []
        for r in rows:
            try:
                out.append((r[0], baseline_codec.from_data(*r[1:])))
            except ValueError as exc:
                raise StorageError(f"baseline {r[0]} in the log {self.path} is damaged ({exc}): measure with "
                                   "--no-baseline, or run `facetension calibrate` for a new one") from None
        return out

    def latest_baseline(self) -> Baseline | None:
        found = self.baselines()
        return found[-1][1] if found else None

    def latest_baseline_id(self) -> int | None:
        found = self.baselines()
        return found[-1][0] if found else None

    # -- journal -----------------------------------------------------------------------
    def set_journal(self, session_id: int, pain_before=KEEP, pain_after=KEEP, tags=KEEP, note=KEEP) -> Journal:
        """Add or edit a session's journal entry. Fields given as KEEP stay as they are. An
        entry left with nothing in it is removed. Returns the entry as stored."""
        with self._transaction("save the journal") as c:
            self._require_session(session_id)
            old = self._journal(session_id)
            new = Journal(
                old.pain_before if pain_before is KEEP else validate_pain(pain_before, "pain before"),
                old.pain_after if pain_after is KEEP else validate_pain(pain_after, "pain after"),
                old.tags if tags is KEEP else tuple(sorted({validate_tag(t) for t in tags})),
                old.note if note is KEEP else validate_note(note))
            c.execute("DELETE FROM journal WHERE session_id = ?", (session_id,))
            if new != Journal():
                c.execute("INSERT INTO journal (session_id, pain_before, pain_after, note) VALUES (?, ?, ?, ?)",
                          (session_id, new.pain_before, new.pain_after, new.note))
                c.executemany("INSERT INTO journal_tags (session_id, tag) VALUES (?, ?)",
                              [(session_id, t) for t in new.tags])
        return new

    def journal(self, session_id: int) -> Journal:
        with self._reading("read the journal"):
            self._require_session(session_id)
            return self._journal(session_id)

    def _journal(self, session_id: int) -> Journal:
        c = self._conn
        row = c.execute("SELECT pain_before, pain_after, note FROM journal WHERE session_id = ?",
                        (session_id,)).fetchone()
        if row is None:
            return Journal()
        tags = tuple(t for (t,) in c.execute("SELECT tag FROM journal_tags WHERE session_id = ? ORDER BY tag",
                                              (session_id,)))
        return Journal(row[0], row[1], tags, row[2])

    def known_tags(self) -> tuple[str, ...]:
        """The built-in tags, then the user's own (any tag used before), alphabetically."""
        with self._reading("read the tags") as c:
            used = [t for (t,) in c.execute("SELECT DISTINCT tag FROM journal_tags ORDER BY tag")]
        return BUILTIN_TAGS + tuple(t for t in used if t not in BUILTIN_TAGS)

    def _require_session(self, session_id: int) -> None:
        if not self._conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
            raise UnknownSessionError(f"there is no session {session_id} in the log {self.path}")

    # -- reading -----------------------------------------------------------------------
    def latest_session_id(self) -> int | None:
        with self._reading("read the sessions") as c:
            row = c.execute("SELECT id FROM sessions ORDER BY started_utc DESC, id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def sessions(self, since: date | None = None, limit: int | None = None,
                 ids: Iterable[int] | None = None) -> list[SessionRecord]:
        """Sessions, newest first, with their summaries and journal. since: sessions started on
        or after that local date."""
        where, params = [], []
        if since is not None:
            where.append("substr(s.started_local, 1, 10) >= ?")
            params.append(since.isoformat())
        if ids is not None:
            ids = [int(i) for i in ids]
            where.append(f"s.id IN ({', '.join('?' * len(ids))})")
            params += ids
        sql = (f"SELECT {', '.join('s.' + c for c in SESSION_COLUMNS)}, j.pain_before, j.pain_after, j.note "
               f"FROM sessions s LEFT JOIN journal j ON j.session_id = s.id "
               f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY s.started_utc DESC, s.id DESC"
               + (f" LIMIT {int(limit)}" if limit is not None else ""))
        with self._reading("read the sessions") as c:
            rows = c.execute(sql, params).fetchall()
            tags: dict[int, list[str]] = {}
            for sid, tag in c.execute("SELECT session_id, tag FROM journal_tags ORDER BY session_id, tag"):
                tags.setdefault(sid, []).append(tag)
            counts = {sid: (n, last) for sid, n, last in
                      c.execute("SELECT session_id, count(*), max(t_s) FROM samples GROUP BY session_id")}
        live = writer_pid(self.path) is not None or self._active is not None
        first, n = SESSION_COLUMNS.index(SUMMARY_COLUMNS[0]), len(MEASURE_COLUMNS)
        out = []
        for r in rows:
            v = dict(zip(SESSION_COLUMNS, r))
            seconds, last = counts.get(v["id"], (0, None))
            duration = v["duration_s"]
            if v["completed"]:
                status = "completed"
            elif v["ended_utc"] is None:  # being recorded, or its process died (marked on the next write)
                status = "running" if live else "interrupted"
                duration = last
            else:
                status = "interrupted" if v["interrupted"] else "stopped"
            out.append(SessionRecord(
                v["id"], v["kind"], v["source"], v["started_utc"], v["started_local"], v["tz"], v["ended_utc"],
                duration, status, v["app_version"], v["model_sha256"], v["baseline_id"], v["twitches"],
                v["relaxed_s"], v["relax_s"], Measures.from_values(r[first:first + n]),
                Measures.from_values(r[first + n:first + 2 * n]),
                Journal(r[-3], r[-2], tuple(tags.get(v["id"], ())), r[-1] or ""), seconds))
        return out

    def session(self, session_id: int) -> SessionRecord:
        found = self.sessions(ids=[session_id])
        if not found:
            raise UnknownSessionError(f"there is no session {session_id} in the log {self.path}")
        return found[0]

    def samples(self, session_id: int) -> list[SampleRow]:
        with self._reading("read the samples") as c:
            rows = c.execute(f"SELECT {', '.join(SAMPLE_COLUMNS[1:])} FROM samples WHERE session_id = ? "
                             "ORDER BY t_s", (session_id,)).fetchall()
        return [SampleRow(r[0], Measures.from_values(r[2:-1]) or Measures(), r[-1], r[1]) for r in rows]

    def events(self, session_id: int) -> list[EventRow]:
        with self._reading("read the events") as c:
            rows = c.execute(f"SELECT {', '.join(EVENT_COLUMNS[2:])} FROM events WHERE session_id = ? "
                             "ORDER BY seq", (session_id,)).fetchall()
        return [EventRow(*r) for r in rows]

    def before_half_gaps(self, session_ids: Iterable[int]) -> dict[int, float]:
        """Per session: mean asymmetry index over the first half of its 'before' seconds minus
        over the second half. The spread of these differences is the measurement's own
        repeatability (the report's minimal detectable change). One query for all sessions."""
        ids = [int(i) for i in session_ids]
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        with self._reading("read the samples") as c:
            rows = c.execute(
                f"""SELECT s.session_id,
                           avg(CASE WHEN s.t_s < m.mid THEN s.asymmetry_index END)
                         - avg(CASE WHEN s.t_s >= m.mid THEN s.asymmetry_index END)
                    FROM samples s JOIN (SELECT session_id, (min(t_s) + max(t_s)) / 2 AS mid FROM samples
                                         WHERE phase = 'before' AND session_id IN ({marks})
                                         GROUP BY session_id) m ON m.session_id = s.session_id
                    WHERE s.phase = 'before' GROUP BY s.session_id""", ids).fetchall()
        return {sid: gap for sid, gap in rows if gap is not None}

    # -- forgetting --------------------------------------------------------------------
    def forget(self, session_ids: Iterable[int] | None) -> int:
        """Delete sessions (None: all of them) with their samples, events and journal; the
        baselines stay. Deleted rows are overwritten (secure_delete) and the -wal emptied, so
        they are gone from the files too. Returns how many sessions were deleted."""
        if self._conn is None or self.readonly:
            raise ValueError("forget needs a log opened for writing")
        with _guard(self.path, "forget"):
            self._conn.execute("PRAGMA secure_delete = ON")
        with self._transaction("forget sessions") as c:
            if session_ids is None:
                ids = [i for (i,) in c.execute("SELECT id FROM sessions")]
            else:
                ids = sorted({int(i) for i in session_ids})
                present = {i for (i,) in c.execute(
                    f"SELECT id FROM sessions WHERE id IN ({', '.join('?' * len(ids))})", ids)}
                missing = [i for i in ids if i not in present]
                if missing:
                    raise UnknownSessionError(f"there is no session {', '.join(map(str, missing))} in the log "
                                              f"{self.path}; nothing was deleted")
            live = [i for (i,) in c.execute("SELECT id FROM sessions WHERE ended_utc IS NULL")]
            if live and (writer_pid(self.path) is not None or self._active is not None):
                busy = [i for i in ids if i in live]
                if busy:
                    raise LogBusyError(f"session {busy[0]} is being recorded right now: finish it first; "
                                       "nothing was deleted")
            for chunk in range(0, len(ids), 500):  # SQLite's limit on parameters
                part = ids[chunk:chunk + 500]
                c.execute(f"DELETE FROM sessions WHERE id IN ({', '.join('?' * len(part))})", part)
        with _guard(self.path, "forget"):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(ids)

    # -- export and import -------------------------------------------------------------
    def export_tables(self, since: date | None = None, null_text: str = "", quote_text: bool = False) -> dict:
        """Everything an export holds, read in one consistent snapshot (a session may be
        writing meanwhile): {"baselines", "sessions", "events": typed rows ordered by their keys;
        "samples": one text line per sample}. Sessions carry their journal (pain_before,
        pain_after, tags joined by ';', note), so EXPORT_COLUMNS describes every table.

        A year of samples is 5 million numbers: Python's sqlite3 alone takes longer than the
        1 s an export may, to turn them into objects. So SQLite writes each sample row as text
        itself: its columns joined by ',', each number with its column's DECIMALS (exact,
        since it was stored rounded to them), the phase bare (or in double quotes with
        quote_text, for JSON: a phase is a plain name), NULL as null_text."""
        day = "substr({}started_local, 1, 10) >= ?"  # the local date the session started
        params = () if since is None else (since.isoformat(),)
        scope = "" if since is None else f"WHERE session_id IN (SELECT id FROM sessions WHERE {day.format('')})"
        with self._reading("export the log") as c:
            tags: dict[int, list[str]] = {}
            for sid, tag in c.execute("SELECT session_id, tag FROM journal_tags ORDER BY session_id, tag"):
                tags.setdefault(sid, []).append(tag)
            sessions = [(*r[:-1], ";".join(tags.get(r[0], ())), r[-1] or "") for r in c.execute(
                f"SELECT {', '.join('s.' + c for c in SESSION_COLUMNS)}, j.pain_before, j.pain_after, j.note "
                f"FROM sessions s LEFT JOIN journal j ON j.session_id = s.id "
                f"{'' if since is None else 'WHERE ' + day.format('s.')} ORDER BY s.id", params)]
            return {
                "baselines": c.execute("SELECT id, taken_utc, source, frames, data FROM baselines "
                                       "ORDER BY id").fetchall(),
                "sessions": sessions,
                "samples": _sample_lines(c, scope, params, null_text, quote_text),
                "events": c.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events {scope} "
                                    "ORDER BY session_id, seq", params).fetchall(),
            }

    def import_tables(self, tables: Mapping[str, list[tuple]], source: str) -> ImportResult:
        """Add an export's typed rows ({table: rows in EXPORT_COLUMNS order}, as
        logexport.read_export gives them) in one transaction: all of it or nothing. Ids are
        kept where free (so an import into an empty log re-exports identically), else
        renumbered; a session already in the log (same start, kind and source) is skipped with
        its rows, and so is a baseline already there."""
        with self._transaction("import") as c:
            try:
                return _import(c, tables)
            except (sqlite3.IntegrityError, ValueError) as exc:
                raise StorageError(f"{source} cannot be imported: {exc}; nothing was imported.") from exc


def _sample_lines(c: sqlite3.Connection, scope: str, params, null_text: str, quote_text: bool) -> list[str]:
    """Sample rows as text, formatted by SQLite (see Log.export_tables). printf renders NULL
    as 0, so each row also comes with a bit mask of its NULL columns, and the few rows with
    one are patched here."""
    fmt = ",".join("%d" if col == "session_id" else ('"%s"' if quote_text else "%s") if col == "phase"
                   else f"%.{DECIMALS[col]}f" for col in SAMPLE_COLUMNS)
    nullable = [i for i, col in enumerate(SAMPLE_COLUMNS) if col not in ("session_id", "t_s")]
    mask = " | ".join(f"(({SAMPLE_COLUMNS[i]} IS NULL) << {i})" for i in nullable)
    rows = c.execute(f"SELECT printf(?, {', '.join(SAMPLE_COLUMNS)}), {mask} FROM samples {scope} "
                     "ORDER BY session_id, t_s", (fmt, *params)).fetchall()
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


# -- the export's tables (files: logexport.py) -----------------------------------------
# Every table's columns and types: i integer, r real (written with DECIMALS), t text; a
# trailing ? when it may be NULL. A nullable text column never holds '' (so an empty CSV
# cell means NULL); a text column that is never NULL uses '' for nothing.
EXPORT_TYPES = {
    "baselines": (("baseline_id", "i"), ("taken_utc", "t"), ("source", "t"), ("frames", "i"), ("data", "t")),
    "sessions": (("session_id", "i"), ("kind", "t"), ("source", "t"), ("started_utc", "t"), ("started_local", "t"),
                 ("tz", "t"), ("ended_utc", "t?"), ("duration_s", "r?"), ("completed", "i"), ("interrupted", "i"),
                 ("app_version", "t"), ("model_sha256", "t?"), ("baseline_id", "i?"), ("twitches", "i?"),
                 ("relaxed_s", "r?"), ("relax_s", "r?"),
                 *((c, "r?") for c in SUMMARY_COLUMNS), ("pain_before", "i?"), ("pain_after", "i?"), ("tags", "t"),
                 ("note", "t")),
    "samples": (("session_id", "i"), ("t_s", "r"), ("phase", "t?"), *((c, "r?") for c in MEASURE_COLUMNS),
                ("quality", "r?")),
    "events": (("session_id", "i"), ("seq", "i"), ("t_s", "r"), ("kind", "t"), ("region", "t?"), ("side", "t?"),
               ("text", "t"), ("duration_s", "r?"), ("amplitude", "r?")),
}
EXPORT_COLUMNS = {name: tuple(c for c, _ in cols) for name, cols in EXPORT_TYPES.items()}
EXPORT_TABLES = tuple(EXPORT_TYPES)  # baselines, sessions, samples, events: the order rows refer back
_BASELINE_AT = SESSION_COLUMNS.index("baseline_id")


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
        found = c.execute("SELECT id FROM baselines WHERE taken_utc = ? AND source = ? AND frames = ? AND data = ?",
                          (taken, src, frames, data)).fetchone()
        if found:
            bmap[old] = found[0]
            continue
        free = not c.execute("SELECT 1 FROM baselines WHERE id = ?", (old,)).fetchone()
        bmap[old] = c.execute("INSERT INTO baselines (id, taken_utc, source, frames, data) VALUES (?, ?, ?, ?, ?)",
                              (old if free else None, taken, src, frames, data)).lastrowid
        added_b += 1
    smap: dict[int, int] = {}
    skipped: set[int] = set()
    n_session = len(SESSION_COLUMNS)
    insert = (f"INSERT INTO sessions ({', '.join(SESSION_COLUMNS)}) "
              f"VALUES ({', '.join('?' * n_session)})")
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
        if c.execute("SELECT 1 FROM sessions WHERE started_utc = ? AND kind = ? AND source = ?",
                     (values[3], values[1], values[2])).fetchone():
            skipped.add(old)
            continue
        if c.execute("SELECT 1 FROM sessions WHERE id = ?", (old,)).fetchone():
            values[0] = None
        values[_BASELINE_AT] = bmap.get(values[_BASELINE_AT])
        sid = smap[old] = c.execute(insert, values).lastrowid
        tag_list = [validate_tag(t) for t in tags.split(";")] if tags else []
        if pain_before is not None or pain_after is not None or tag_list or note:
            c.execute("INSERT INTO journal (session_id, pain_before, pain_after, note) VALUES (?, ?, ?, ?)",
                      (sid, validate_pain(pain_before), validate_pain(pain_after), validate_note(note)))
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
    c.executemany(_INSERT_SAMPLE, rows["samples"])
    c.executemany(_INSERT_EVENT, rows["events"])
    return ImportResult(len(smap), len(skipped), len(rows["samples"]), len(rows["events"]), added_b)
