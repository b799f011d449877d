"""The command line's value types: a bad number is a usage error (exit 2) with one clear line,
never an overflow deep in SQLite or a camera backend. No heavy imports here."""

from __future__ import annotations

import argparse
import math
from datetime import date

MAX_SESSION_NUMBER = 2**63 - 1  # SQLite's INTEGER
MAX_CAMERA_INDEX = 63  # OpenCV reads -1 as "any camera", and some backends crash on it
MAX_PRACTICE_MINUTES = 120.0  # a guided relaxation is minutes long; hours is surely a typo
MAX_MASSAGE_MINUTES = 30  # gentle massage: a few minutes is plenty
MAX_CALIBRATE_SECONDS = 600.0
MAX_LIMIT = 10**6


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line that points to --help (the rule for every
    bad input), still with argparse's exit status 2."""

    def error(self, message: str):
        import difflib
        import re

        wrong = re.match(r"argument COMMAND: invalid choice: '([^']*)'", message)
        if wrong and self._subparsers is not None:
            names = [n for a in self._subparsers._group_actions for n in getattr(a, "choices", None) or ()]
            near = difflib.get_close_matches(wrong.group(1), names, n=1)
            if near:
                message = f"there is no command {wrong.group(1)!r}: did you mean {near[0]}?"
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _whole(text: str, what: str, low: int, high: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a whole number, got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high}, got {text!r}")
    return value


def _positive(text: str, what: str, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a number, got {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= high):
        raise argparse.ArgumentTypeError(f"{what} must be above 0 and at most {high:g}, got {text!r}")
    return value


def local_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def session_number(text: str) -> int:
    return _whole(text, "a session number", 1, MAX_SESSION_NUMBER)


def camera_index(text: str) -> int:
    return _whole(text, "the camera index", 0, MAX_CAMERA_INDEX)


def limit(text: str) -> int:
    return _whole(text, "the limit", 1, MAX_LIMIT)


def minutes(text: str) -> float:
    return _positive(text, "the minutes", MAX_PRACTICE_MINUTES)


def massage_minutes(text: str) -> float:
    return _positive(text, "the massage's minutes", MAX_MASSAGE_MINUTES)


def seconds(text: str) -> float:
    return _positive(text, "the seconds", MAX_CALIBRATE_SECONDS)
