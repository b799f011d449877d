"""The log's file: where it is, opening it (read-only or to write), its upgrades, and SQLite's
errors said in words. storage.Log builds on LogBase."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from .errors import LogNeedsUpgradeError, NoLogError, StorageError
from .loglock import DIR_MODE, FILE_MODE, WriterLock
from .logrecords import TIME_DECIMALS, iso_utc, parse_time, stored_number
from .logschema import MIGRATIONS, MIN_READABLE_VERSION, SCHEMA_VERSION, read_compat

DATA_DIR_ENV = "FACETENSION_DATA_DIR"  # overrides the platform's data folder
DB_ENV = "FACETENSION_DB"
DB_FILENAME = "facetension.db"
BUSY_TIMEOUT_S = 5.0  # how long a write waits for another program's transaction
# How long a starting session waits for the writer lock: a journal edit or a crash recovery
# holds it for milliseconds, a live session for minutes.
LOCK_WAIT_S = 1.0

# SQLite primary result codes (sqlite3.Error.sqlite_errorcode & 0xff, Python 3.11+).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26
_MESSAGE_CODES = (  # Python 3.10 has no error codes: the messages SQLite gives for them
    ("disk is full", _FULL),
    ("is locked", _BUSY),
    ("readonly", _READONLY),
    ("unable to open", _CANTOPEN),
    ("not a database", _NOTADB),
    ("malformed", _CORRUPT),
    ("disk i/o", _IOERR),
    ("access permission", _PERM),
)


# -- where -----------------------------------------------------------------------------
def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(os.environ.get(DATA_DIR_ENV) or user_data_dir("facetension", appauthor=False))


def default_path() -> Path:
    """$FACETENSION_DB, else facetension.db in the data folder."""
    return Path(os.environ.get(DB_ENV) or data_dir() / DB_FILENAME)


def resolve_path(path: str | os.PathLike | None) -> Path:
    return Path(path).expanduser() if path else default_path()


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
        return StorageError(
            f"the disk is full: could not {doing} ({path}). Everything saved before "
            "is kept; free some space and try again."
        )
    if code in (_BUSY, _LOCKED):
        return StorageError(
            f"the log {path} is locked by another program: could not {doing}. Close it (or wait for it) and try again."
        )
    if code in (_READONLY, _PERM):
        return StorageError(
            f"the log {path} is read-only: could not {doing}. Check the permissions of the file and its folder."
        )
    if code == _CANTOPEN:
        return StorageError(
            f"cannot open the log {path}: its folder is missing or cannot be written (could not {doing})."
        )
    if code in (_NOTADB, _CORRUPT):
        return StorageError(
            f"the log {path} is damaged ({exc}) and was left as it is. Move it aside to start "
            "a new log, or restore a backup into a new one with `facetension import`."
        )
    if code == _IOERR:
        return StorageError(
            f"a disk error: could not {doing} ({path}: {exc}). The disk may be full or failing; "
            "everything saved before is kept."
        )
    return StorageError(f"could not {doing} ({path}: {exc}).")


@contextmanager
def _guard(path: Path, doing: str):
    """sqlite3 and OS errors become StorageErrors that say what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        raise _translate(exc, path, doing) from exc
    except UnicodeDecodeError as exc:  # text the log never wrote: the file was damaged
        raise _translate(
            sqlite3.DatabaseError(f"text that is not UTF-8 ({exc.reason})"), path, doing, damaged=True
        ) from exc
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
        raise StorageError(
            f"the log {path} is damaged (it is not an SQLite file) and was left as it is. Move it "
            "aside to start a new log, or restore a backup into a new one with `facetension import`."
        )
    version = int.from_bytes(head[_USER_VERSION_AT : _USER_VERSION_AT + 4], "big", signed=True)
    if version > SCHEMA_VERSION:
        raise _newer(path, version)


def _newer(path: Path, version: int) -> StorageError:
    return StorageError(
        f"the log {path} was made by a newer facetension (schema {version}; this one knows up to "
        f"{SCHEMA_VERSION}). It was left as it is: update facetension."
    )


class LogBase:
    """Opening, upgrading and closing the log; transactions and errors. storage.Log adds the
    session writer, the queries and the transfers."""

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool):
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        self.readonly = readonly
        self._lock = WriterLock(path)
        self._active = None  # logwriter._Active while a session is being recorded

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike | None = None,
        *,
        readonly: bool = False,
        busy_timeout_s: float | None = None,
        max_pages: int | None = None,
    ):
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
                raise StorageError(
                    f"cannot create the log {path}: {exc.strerror}. Choose a folder you can "
                    f"write to with --db or ${DB_ENV}."
                ) from None
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
                if version < MIN_READABLE_VERSION:
                    raise LogNeedsUpgradeError(
                        f"the log {self.path} was made by an older facetension and must be upgraded: "
                        "run a command that writes to it (e.g. `facetension journal`) once."
                    )
                for statement in read_compat(version):
                    c.execute(statement)
                c.execute("PRAGMA query_only = ON")
                return
            if version and (problem := c.execute("PRAGMA quick_check(1)").fetchone()[0]) != "ok":
                # Writing into a damaged file could spread the damage (~0.1 s for a year's log).
                raise _translate(sqlite3.DatabaseError(problem), self.path, "open the log", damaged=True)
            c.execute("PRAGMA foreign_keys = ON")
            mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StorageError(
                    f"the log {self.path} cannot be written (journal mode stays {mode}): is it read-only?"
                )
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
            rows = c.execute(
                "SELECT id, started_utc FROM sessions WHERE ended_utc IS NULL"
                + (" AND id = ?" if only is not None else ""),
                (() if only is None else (only,)),
            ).fetchall()
            for sid, started in rows:
                last = c.execute(
                    "SELECT max(t) FROM (SELECT max(t_s) AS t FROM samples WHERE session_id = ?1 "
                    "UNION ALL SELECT max(t_s) FROM events WHERE session_id = ?1)",
                    (sid,),
                ).fetchone()[0]
                duration = stored_number(last or 0.0, TIME_DECIMALS)
                c.execute(
                    "UPDATE sessions SET ended_utc = ?, duration_s = ?, completed = 0, interrupted = 1, "
                    "twitches = coalesce(twitches, (SELECT count(*) FROM events WHERE session_id = ?3 "
                    "AND kind = 'twitch')) WHERE id = ?3",
                    (iso_utc(parse_time(started) + timedelta(seconds=duration)), duration, sid),
                )

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

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._close(quiet=exc_type is not None)  # never mask the error that is leaving

    def __repr__(self) -> str:
        return f"Log({str(self.path)!r}, readonly={self.readonly})"
