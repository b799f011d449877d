"""Ending signals held off while a session's end is written (no I/O).

Ctrl-C, SIGTERM (logout) and SIGHUP (terminal closed) end a session as stopped: the CLI
turns them into KeyboardInterrupt, which the live loop catches. One that arrives after the
loop has ended, while the session's last rows and its summary are written, would cut that
writing short: the session stayed open in the log, read as "interrupted" at its next opening,
with no summary. Inside `held()` such a signal is only noted; the code that holds it decides
what it means, and by default it is delivered again at the end.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

ENDING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@dataclass
class Held:
    caught: list[int] = field(default_factory=list)  # the signals that came, in order


@contextmanager
def held(redeliver: bool = True) -> Iterator[Held]:
    """Note ending signals instead of acting on them; at the end, put the handlers back and
    (redeliver) raise each signal noted again. Outside the main thread signals cannot be
    handled there, so nothing is held."""
    gate = Held()
    if threading.current_thread() is not threading.main_thread():
        yield gate
        return
    previous = {s: signal.signal(s, lambda signum, _frame: gate.caught.append(signum)) for s in ENDING}
    try:
        yield gate
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        if redeliver:
            for s in dict.fromkeys(gate.caught):
                signal.raise_signal(s)
