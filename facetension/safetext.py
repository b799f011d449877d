"""Text from outside (a file name, a note, an imported file) made safe to print on a terminal.
No imports beyond the standard library: every command may use it."""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata

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


# A terminal that is not UTF-8 (a Windows console redirected to a file, cp1252; LANG=C on an
# old system; PYTHONIOENCODING=ascii) cannot print "−", "→" or "°": every command then stopped
# with an internal error. Such characters are written as their nearest ASCII instead, and a
# file name's undecodable bytes (surrogates) as "?".
ASCII_STAND_INS = {
    "−": "-", "–": "-", "—": "-", "→": "->", "←": "<-", "°": " deg", "·": "*", "×": "x",
    "±": "+/-", "≥": ">=", "≤": "<=", "≈": "~", "√": "sqrt", "…": "...", "’": "'", "‘": "'",
    "“": '"', "”": '"', "σ": "sd",
    "▁": "_", "▂": ".", "▃": ":", "▄": "-", "▅": "=", "▆": "+", "▇": "*", "█": "#",
}  # fmt: skip
STAND_IN_ERRORS = "facetension-stand-in"


def ascii_stand_in(text: str) -> str:
    """text in ASCII: known signs as above, accented letters without their accents, the rest '?'."""
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif ch in ASCII_STAND_INS:
            out.append(ASCII_STAND_INS[ch])
        else:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
            out.append(plain or "?")
    return "".join(out)


def _stand_in(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return ascii_stand_in(error.object[error.start : error.end]), error.end


codecs.register_error(STAND_IN_ERRORS, _stand_in)


def fit_streams() -> None:
    """Let stdout and stderr print anything (ASCII stand-ins where their encoding cannot), and
    stdin read anything (U+FFFD for bytes its encoding cannot decode)."""
    for stream, errors in ((sys.stdout, STAND_IN_ERRORS), (sys.stderr, STAND_IN_ERRORS), (sys.stdin, "replace")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors=errors)
        except (ValueError, OSError, AttributeError):  # a closed or replaced stream: leave it
            pass
