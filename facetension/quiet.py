"""Silence native libraries that write straight to file descriptor 2.

MediaPipe's C++ logging, libpng ("libpng error: ..."), libjpeg ("Corrupt JPEG data: ...") and
FFmpeg ("[h264 @ 0x...] error while decoding ...") bypass Python's sys.stderr. The rule is one
clear line per bad input, said by facetension, so their lines are dropped while they run.
No OpenCV or MediaPipe import here: the log commands use nothing of this.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading


def native_stderr_to_null() -> None:
    """For the rest of the process: file descriptor 2 goes to the null device, and Python's
    sys.stderr writes to what fd 2 was (the terminal). Python's own messages still show; the
    native libraries' lines, from any thread at any time, do not."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):
        return  # no stderr: nothing to route
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        os.close(saved)
        return
    os.dup2(devnull, 2)
    os.close(devnull)
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    # Open for the rest of the process: it is the process's stderr from now on.
    sys.stderr = open(saved, "w", buffering=1, encoding=encoding, errors="backslashreplace")  # noqa: SIM115


# fd 2 is the whole process's: two threads inside native_stderr_silenced at once could leave it
# on the terminal while one of them still counts on silence. One thread at a time, then; the
# same thread may nest (each level saves and restores what it found).
_SILENCE = threading.RLock()


@contextlib.contextmanager
def native_stderr_silenced():
    """Point fd 2 at the null device for the duration; Python's own sys.stderr is flushed
    first so nothing of ours is lost."""
    with _SILENCE, _silenced():
        yield


@contextlib.contextmanager
def _silenced():
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to silence
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        os.close(saved)
        yield
        return
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
