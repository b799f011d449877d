"""Files facetension writes for the user (exports, reports, baseline files): health data, so
owner-only like the log, written aside and moved into place whole, and never through a link
or onto a device. No heavy imports here."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import OutputError

FILE_MODE = 0o600
DIR_MODE = 0o700


def check_target(path: Path, *, force: bool, folder: bool = False) -> None:
    """Refuse a target that is a link or not a plain file (or folder), or, without `force`,
    one that exists already."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{path} is a link: give the path of a new file instead")
    plain = stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)
    if not plain:
        raise OutputError(f"{path} exists and is not a {'folder' if folder else 'plain file'}: choose another name")
    if not force:
        raise OutputError(f"{path} exists already: choose another name, or add --force to replace it")


def check_not_inside(target: Path, keep: Path, what: str) -> None:
    """Refuse a target that is `keep` itself (or its -wal, -shm, .lock companions), or a
    folder holding it: even --force must never replace the log with an export of it."""
    try:
        target, keep = target.resolve(), keep.resolve()
    except (OSError, RuntimeError):  # a loop of links: check_target refuses links anyway
        return
    companions = {keep, *(keep.with_name(keep.name + s) for s in ("-wal", "-shm", "-journal", ".lock"))}
    if target in companions or target in keep.parents:
        raise OutputError(f"{target} is {what} (or holds it): choose another place for the output")


def _parent(path: Path) -> Path:
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: the folder {parent} does not exist")
    return parent


@contextmanager
def private_file(path: Path, *, force: bool = True, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """A text file opened for writing beside `path` (mode 0600), moved into place when the
    block ends well, removed when it does not: never half a file under the real name."""
    path = Path(path)
    check_target(path, force=force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=_parent(path))  # 0600
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            yield f
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise


@contextmanager
def private_folder(path: Path, *, force: bool = False) -> Iterator[Path]:
    """A new folder (0700) beside `path` to fill; it takes `path`'s place when the block ends
    well (an old folder there, with --force, is removed only then), and is removed when not."""
    path = Path(path)
    check_target(path, force=force, folder=True)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=_parent(path)))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        yield tmp
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
