"""The words every output shares: region names and times as a person reads them. One place,
so the table, the history, the practice summary and the window say the same thing."""

from __future__ import annotations

NOT_A_DEVICE = "facetension is not a medical device and does not diagnose."
RED_FLAGS = (
    "Sudden new weakness, drooping or numbness of the face, especially with weakness of an arm or a "
    "leg or trouble speaking: call emergency services now.",
    "New or worsening pain, or a change in the affected side: see your clinician.",
)

# Asymmetry regions (metrics.REGIONS) as the analyze table titles them.
REGION_TITLES = {
    "brow": "Brow height",
    "eye": "Eye opening",
    "mouth_corner": "Mouth corner (drop)",
    "mouth_excursion": "Mouth corner (out)",
    "nose": "Nose (alar base)",
}
# Every region, asymmetry's and tension's (tension.TENSION_REGIONS), in running text.
REGION_NAMES = {
    "brow": "brow",
    "eye": "eye",
    "mouth_corner": "mouth corner (drop)",
    "mouth_excursion": "mouth corner (out)",
    "nose": "nose",
    "cheek": "cheek",
    "mouth": "mouth",
    "chin": "chin",
    "jaw": "jaw",
}
# ... and where space is short (history's one line, the window's bars).
REGION_SHORT = {**REGION_NAMES, "mouth_corner": "mouth corner", "mouth_excursion": "mouth out"}


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 session', '3 sessions': never '1 sessions'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def clock(seconds: float | None, *, floor: bool = False) -> str:
    """m:ss; '–' for nothing. A moment in a session is floored (0:59.6 is still 0:59); a
    duration is rounded."""
    if seconds is None:
        return "–"
    whole = int(seconds // 1) if floor else int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
