"""The check-in before a practice: pain now, and what today is like. About 15 s, skippable.

Pure: keys come in (the window's, or a terminal's answers), the answers go out. The
window draws it (overlay.checkin_screen); the CLI saves the answers into the session's
journal, so the questions at the end ask only for the pain after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .logrecords import BUILTIN_TAGS, PAIN_RANGE

# The day's tags by key, in the window. Not the digits (pain), Enter, s, q or Esc.
TAG_KEYS = {
    "c": "cold",
    "a": "air-conditioning",
    "t": "stress",
    "e": "strong-emotion",
    "l": "poor-sleep",
    "w": "just-woke",
    "v": "evening",
}
assert set(TAG_KEYS.values()) <= set(BUILTIN_TAGS)
SKIP_KEY = "s"
TIMEOUT_S = 30.0  # nobody answering (a camera left running): the session starts without
TITLE = "Before we start"
PAIN_QUESTION = "Pain now, 0 (none) to 10 (worst): type the number"
TAG_QUESTION = "What is today like? Press a letter to mark it:"
FOOTER = "Enter: start    s: skip"
MARKED = "  - yes"  # after a marked tag (words, not a tick: the window's font has none)


@dataclass
class CheckIn:
    pain: int | None = None
    tags: set[str] = field(default_factory=set)
    done: bool = False
    skipped: bool = False
    _digits: str = ""

    def key(self, ch: str) -> None:
        """One key press: a digit (pain; '1' then '0' is 10), a tag's letter (again: unmarks
        it), Enter (done) or s (skip)."""
        if self.done:
            return
        if ch.isdigit():
            digits = (self._digits + ch)[-2:]
            value = int(digits)
            if value > PAIN_RANGE[1]:
                digits, value = ch, int(ch)
            self._digits, self.pain = digits, value
        elif ch in TAG_KEYS:
            self.tags ^= {TAG_KEYS[ch]}
        elif ch in ("\r", "\n"):
            self.done = True
        elif ch == SKIP_KEY:
            self.done = self.skipped = True
            self.pain, self.tags = None, set()

    @property
    def answered(self) -> bool:
        return not self.skipped and (self.pain is not None or bool(self.tags))

    def lines(self) -> list[str]:
        """What the window shows (the overlay wraps none of it: each fits a 640-wide picture)."""
        pain = "-" if self.pain is None else str(self.pain)
        marks = [f"{key}: {tag}{MARKED if tag in self.tags else ''}" for key, tag in TAG_KEYS.items()]
        return [PAIN_QUESTION, f"Pain now: {pain}", TAG_QUESTION, *marks]


def parse_tags(answer: str, known: list[str] | tuple[str, ...] = BUILTIN_TAGS) -> list[str]:
    """A terminal's answer to the tag question: names or letters, by spaces or commas."""
    out = []
    for word in answer.replace(",", " ").split():
        word = word.strip().lower()
        out.append(TAG_KEYS.get(word, word))
    return out
