"""When the measuring itself changed (pure: no I/O).

No frames are kept, so past sessions cannot be measured again. Sessions on either side of a
change in how a region is measured may then differ because of the method, not the face. Each
session keeps the version that measured it; its era (era_of) numbers the changes it was
measured after, and the trends compare sessions only within an era (trends.theil_sen), so a
step at a change is not read as a change in the face, and the report says where one fell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np

# (the first version measuring so, what changed, the regions it moves), oldest first.
METHOD_CHANGES = (
    (
        "0.2.0",
        "the mouth corners are measured from the line through your pupils, which follows a "
        "lowered or raised corner more fully (on the test faces 0.95 of a known change instead "
        "of 0.88, and a sample clip's mouth corner difference moved by 0.3-0.6 mm)",
        ("mouth_corner",),
    ),
    (
        "0.3.0",
        "the two mouth corners are compared side against side where their shapes line up best, "
        "so a level mouth reads level more closely (on the test faces within 0.42 mm instead of "
        "0.72, and a sample clip's mouth corner difference moved by 0.6 mm)",
        ("mouth_corner",),
    ),
)
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class MethodChange:
    version: str
    what: str
    regions: tuple[str, ...]
    first_used: datetime  # the first session measured with it, in its own local time


def version_key(version: str | None) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a version string; None for one that does not read as such."""
    m = _VERSION.match(version or "")
    return None if m is None else (int(m[1]), int(m[2]), int(m[3]))


def era_of(version: str | None, region: str | None = None) -> int:
    """How many of the changes that move this region (None: any region, as a composite of
    them all does) the version measures with. A region no change has moved is in one era
    whatever the version; otherwise a version that does not read as one is an era of its
    own (-1): which side of a change it measured on is not known."""
    changes = _changes(region)
    if not changes:
        return 0
    key = version_key(version)
    if key is None:
        return -1
    return sum(1 for v in changes if version_key(v) <= key)


def era_versions(region: str | None = None) -> list[str | None]:
    """The first version of each era of this region, by era number (era 0: None, from the start)."""
    return [None, *_changes(region)]


def _changes(region: str | None) -> list[str]:
    """The versions whose change moved this region (None: any region), oldest first."""
    return [v for v, _, regions in METHOD_CHANGES if region is None or region in regions]


def changed_since(version: str | None, running: str) -> tuple[str, ...]:
    """The regions measured differently by the running version than by `version` (None or
    unreadable: older than every change), in the order the changes name them."""
    out = []
    for _, _, regions in METHOD_CHANGES:
        for region in regions:
            if region not in out and era_of(version, region) != era_of(running, region):
                out.append(region)
    return tuple(out)


def eras(versions, region: str | None = None) -> np.ndarray:
    """era_of for each session's version: the `segments` of trends.theil_sen."""
    return np.array([era_of(v, region) for v in versions], int)


def changes_within(sessions: list[tuple[datetime, str | None]]) -> list[MethodChange]:
    """The method changes that fall inside this history of (local start, app version): some
    session measured before the change, some after. Unreadable versions count on neither side."""
    known = sorted((t, k) for t, v in sessions if (k := version_key(v)) is not None)
    out = []
    for version, what, regions in METHOD_CHANGES:
        at = version_key(version)
        after = [t for t, k in known if k >= at]
        if after and any(k < at for _, k in known):
            out.append(MethodChange(version, what, regions, after[0]))
    return out


def change_note(change: MethodChange) -> str:
    """The report's note for one change."""
    return (
        f"The measuring changed with version {change.version}, first used on "
        f"{change.first_used.date()}: {change.what}. The trends of what it moves compare "
        "sessions only with others measured the same way, so a step on that date is not read "
        "as a change in your face."
    )
