"""The writer lock: one session writer at a time, an OS lock that dies with its process
(so a crashed session never blocks the next)."""

from __future__ import annotations

import os
import time
from pathlib import Path

try:  # POSIX
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

FILE_MODE = 0o600  # the log, its -wal/-shm (SQLite copies the mode) and the lock file
DIR_MODE = 0o700  # a data folder we create
LOCK_POLL_S = 0.05  # how often a starting session retries the lock


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


class WriterLock:
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
