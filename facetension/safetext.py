"""Text from outside (a file name, a note, an imported file) made safe to print on a terminal.
No imports beyond the standard library: every command may use it."""

from __future__ import annotations

import re

# Control characters (C0 but tab and newline, DEL, C1) and the bidirectional overrides: text
# from the log (a note, a source, an imported file's time zone) must not clear, retitle or
# reorder the user's terminal when printed.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text from the log made safe to print: every control character shown as '?'."""
    return _UNPRINTABLE.sub("?", text)


def single_line(text: str) -> str:
    """printable() on one line: a message is one line, whatever a file name holds."""
    return printable(text).replace("\n", "?").replace("\t", " ")


def has_control_characters(text: str) -> bool:
    return _UNPRINTABLE.search(text) is not None
