"""The typed records a session's numbers travel in, unchanged from the session logic through
the recorder and the log to the report and the exports: Measures (one moment's or one
phase's asymmetry and tension), SampleRow (one second), EventRow, SessionSummary (a session's
outcome), Journal. Also the numbers' stored precision, and the checks every value passes
before it is stored (from the practice loop or from an import alike). Pure: no database here
(storage.py keeps them), no OpenCV.

Times: ISO 8601 text with milliseconds, e.g. 2025-03-01T07:00:00.000+00:00 (sortable);
a session's `started_local` is the same instant at the user's UTC offset then; t_s is the
session time, seconds since its start.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from .blinks import BlinkSummary
from .check_types import FEATURES
from .massage import ZONE_NAMES
from .metrics import REGIONS, asymmetry_index
from .tension import SIDES, TENSION_REGIONS

KINDS = ("practice", "calibrate", "analyze")
# Kinds are checked here, not by the schema, so a new one needs no migration.
# check: getting-ready advice; massage: a massage step (its zone, side, start and length); pain:
# "this hurts" during the massage (its zone and side). blink: one eye's part in a blink, so
# each blink is two rows, left then right (blinks.py): an event has one side, one time and one
# amplitude, and a blink has a closing time and a completeness per eye (their times' difference
# is the lag); duration_s is the blink's, on both.
EVENT_KINDS = ("prompt", "praise", "warning", "twitch", "check", "phase", "massage", "pain", "blink")
PHASES = ("before", "after", "after_massage")  # the resting measurements a session keeps
BUILTIN_TAGS = ("cold", "air-conditioning", "stress", "strong-emotion", "poor-sleep", "just-woke", "evening", "massage")
TAG_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")  # the user's own tags too: no ';' or spaces
PAIN_RANGE = (0, 10)
MAX_NOTE_CHARS = 4000
MAX_TEXT_CHARS = 500  # an event's text, a source name

# Stored precision: finer than the measurements' own noise (diffs ~0.1 mm, tension ~0.02).
# Every number is rounded to its column's decimals when stored, so writing it back with
# that many decimals (exports) is exact.
DIFF_DECIMALS = 2
TENSION_DECIMALS = 3
INDEX_DECIMALS = 1
QUALITY_DECIMALS = 2
TIME_DECIMALS = 3
RATIO_DECIMALS = 3  # a share 0..1 (a movement's weaker/stronger ratio, an eye's closure): 0.1 % steps
PERCENT_DECIMALS = 1  # a percentage (an eye's narrowing, the dynamic score)
MAX_ABS_VALUE = 1e7  # no measurement or time comes near; keeps every number within 16 digits
MAX_DIFF_MM = 100.0  # no face's left-right difference comes near
# What each kind of measure can be: the log refuses anything else, from the practice loop or
# from an import alike, so a forged export cannot put into the log what it could never hold.
MEASURE_RANGES = {"diff_mm": (-MAX_DIFF_MM, MAX_DIFF_MM), "tension": (0.0, 1.0), "index": (0.0, 100.0)}


def measure_range(column: str) -> tuple[float, float]:
    """The range of a measure column (eye_diff_mm, before_jaw_left_tension, tension_index...)."""
    return next(r for kind, r in MEASURE_RANGES.items() if column.endswith(kind))


PHASE_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,31}")  # also safe unquoted in a CSV line

DIFF_COLUMNS = tuple(f"{r}_diff_mm" for r in REGIONS)  # left − right, mm
TENSION_COLUMNS = tuple(f"{r}_{s}_tension" for r in TENSION_REGIONS for s in SIDES)  # 0..1
INDEX_COLUMNS = ("asymmetry_index", "tension_index")  # 0..100
MEASURE_COLUMNS = DIFF_COLUMNS + TENSION_COLUMNS + INDEX_COLUMNS
_MEASURE_DECIMALS = {
    **{c: DIFF_DECIMALS for c in DIFF_COLUMNS},
    **{c: TENSION_DECIMALS for c in TENSION_COLUMNS},
    **{c: INDEX_DECIMALS for c in INDEX_COLUMNS},
}
DECIMALS = {  # every REAL column (by name, in any table) → its stored decimals
    **_MEASURE_DECIMALS,
    **{f"{p}_{c}": d for p in PHASES for c, d in _MEASURE_DECIMALS.items()},
    "t_s": TIME_DECIMALS,
    "duration_s": TIME_DECIMALS,
    "relaxed_s": TIME_DECIMALS,
    "relax_s": TIME_DECIMALS,
    "massage_s": TIME_DECIMALS,
    "quality": QUALITY_DECIMALS,
    "amplitude": TENSION_DECIMALS,
    # the movement check (logschema._v4): millimetres as the diffs, shares and percentages
    "rest_s": TIME_DECIMALS,
    **{f"{f}_{s}_mm": DIFF_DECIMALS for f in FEATURES for s in SIDES},
    **{f"rest_{f}_{s}_mm": DIFF_DECIMALS for f in FEATURES for s in SIDES},
    "score_dynamic": PERCENT_DECIMALS,
    **{f"{what}_{s}_mm": DIFF_DECIMALS for what in ("excursion", "synkinesis") for s in SIDES},
    **{f"synkinesis_{s}_pct": PERCENT_DECIMALS for s in SIDES},
    **{f"closure_{s}": RATIO_DECIMALS for s in SIDES},
    "ratio": RATIO_DECIMALS,
}


# -- values in and out -----------------------------------------------------------------
def stored_number(v, decimals: int) -> float | None:
    """A stored number: None for missing or NaN ("not measured" is NULL, never 0), rounded,
    and never -0.0 (it would print as '-0.000' and not compare equal as text)."""
    if v is None:
        return None
    v = float(v)
    if not math.isfinite(v):
        return None
    if abs(v) > MAX_ABS_VALUE:
        raise ValueError(f"{v} is out of range for the log (at most {MAX_ABS_VALUE:g})")
    return round(v, decimals) + 0.0


@dataclass(frozen=True)
class Measures:
    """Asymmetry and tension at one moment (a sample) or over a phase (a session's before
    and after). Missing keys and NaN mean not measured."""

    diffs: Mapping[str, float | None] = field(default_factory=dict)  # region → left − right, mm
    tension: Mapping[tuple[str, str], float | None] = field(default_factory=dict)  # (region, side) → 0..1
    asymmetry_index: float | None = None  # 0..100
    tension_index: float | None = None  # 0..100

    def __post_init__(self):
        if not set(self.diffs) <= set(REGIONS):
            raise ValueError(f"diffs: unknown regions {sorted(set(self.diffs) - set(REGIONS))}, expected {REGIONS}")
        keys = {(r, s) for r in TENSION_REGIONS for s in SIDES}
        if not set(self.tension) <= keys:
            raise ValueError(
                f"tension: unknown keys {sorted(set(self.tension) - keys)}, "
                f"expected (region, side) from {TENSION_REGIONS} × {SIDES}"
            )
        for column, v in zip(MEASURE_COLUMNS, self.values()):
            low, high = measure_range(column)
            if v is not None and not low <= v <= high:
                raise ValueError(f"{column} must be from {low:g} to {high:g}, got {v}")

    def values(self) -> tuple:
        """In MEASURE_COLUMNS order, rounded to the stored precision."""
        return (
            *(stored_number(self.diffs.get(r), DIFF_DECIMALS) for r in REGIONS),
            *(stored_number(self.tension.get((r, s)), TENSION_DECIMALS) for r in TENSION_REGIONS for s in SIDES),
            stored_number(self.asymmetry_index, INDEX_DECIMALS),
            stored_number(self.tension_index, INDEX_DECIMALS),
        )

    @classmethod
    def from_values(cls, values) -> Measures | None:
        """From MEASURE_COLUMNS values; None when nothing was measured."""
        if all(v is None for v in values):
            return None
        n, m = len(REGIONS), len(TENSION_COLUMNS)
        diffs = {r: v for r, v in zip(REGIONS, values[:n]) if v is not None}
        keys = [(r, s) for r in TENSION_REGIONS for s in SIDES]
        tension = {k: v for k, v in zip(keys, values[n : n + m]) if v is not None}
        return cls(diffs, tension, values[n + m], values[n + m + 1])

    def to_json(self) -> dict:
        return {
            "diff_mm": {r: self.diffs.get(r) for r in REGIONS},
            "asymmetry_index": self.asymmetry_index,
            "tension": {
                "regions": {r: {s: self.tension.get((r, s)) for s in SIDES} for r in TENSION_REGIONS},
                "index": self.tension_index,
            },
        }


Key = tuple[str, str]  # (tension region, side)


def median_tension(frames: list[Mapping[Key, float]]) -> dict[Key, float]:
    """Per (region, side), the median over the frames that measured it."""
    return {
        (r, s): float(np.median(v))
        for r in TENSION_REGIONS
        for s in SIDES
        if (v := [t[(r, s)] for t in frames if (r, s) in t])
    }


def median_index(values: list[float]) -> float | None:
    """The median of the finite values (a frame's index is NaN when it measured nothing)."""
    finite = [v for v in values if math.isfinite(v)]
    return float(np.median(finite)) if finite else None


def median_measures(
    diffs: list[Mapping[str, float]], tension: list[Mapping[Key, float]], index: list[float]
) -> Measures:
    """Frames summarised as one Measures (a second's sample, a phase's before or after): per
    region (and side) the median over the frames that measured it, the asymmetry index of
    those medians, the median tension index."""
    asym = {r: float(np.median(v)) for r in REGIONS if (v := [d[r] for d in diffs if r in d])}
    return Measures(asym, median_tension(tension), asymmetry_index(asym) if asym else None, median_index(index))


@dataclass(frozen=True)
class SampleRow:
    """One second of a session. `quality`: the share of that second's frames with a usable
    face (0..1); the values are that second's summary (the practice loop decides how)."""

    t_s: float  # session time, seconds since the start
    measures: Measures
    quality: float | None = None
    phase: str | None = None  # the practice's phase then (check, calibrate, before, relax, after)

    def __post_init__(self):
        if not (math.isfinite(self.t_s) and self.t_s >= 0):
            raise ValueError(f"t_s must be a time since the start (>= 0), got {self.t_s}")
        if self.phase is not None and not (isinstance(self.phase, str) and PHASE_PATTERN.fullmatch(self.phase)):
            raise ValueError(f"phase must be a short lowercase name, got {self.phase!r}")
        if self.quality is not None and math.isfinite(self.quality) and not 0.0 <= self.quality <= 1.0:
            raise ValueError(f"quality is a share of frames, 0..1, got {self.quality}")


@dataclass(frozen=True)
class EventRow:
    """Something the session said or saw: a prompt, praise, a warning, a twitch."""

    t_s: float  # session time
    kind: str  # one of EVENT_KINDS
    region: str | None = None
    side: str | None = None  # left, right, or None for both or neither
    text: str = ""
    duration_s: float | None = None  # twitches
    amplitude: float | None = None  # twitches

    def __post_init__(self):
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"event kind must be one of {EVENT_KINDS}, got {self.kind!r}")
        if self.side not in (None, *SIDES):
            raise ValueError(f"event side must be one of {SIDES} or None, got {self.side!r}")
        if self.region is not None and self.region not in (*REGIONS, *TENSION_REGIONS, *ZONE_NAMES):
            raise ValueError(f"event region {self.region!r} is not a region")
        if not (math.isfinite(self.t_s) and self.t_s >= 0) or len(self.text) > MAX_TEXT_CHARS:
            raise ValueError(f"event: bad time {self.t_s} or text longer than {MAX_TEXT_CHARS} characters")


@dataclass(frozen=True)
class SessionSummary:
    """A session's outcome: its resting measurements before and after, and how the guided
    relaxation went. The practice loop makes it; the log stores it; history and the report
    read it back (twitch_events, completed and baseline are the live session's own: the log
    keeps twitches as events and completion in the session row)."""

    before: Measures | None = None
    after: Measures | None = None
    twitches: int | None = None  # None: count the session's twitch events
    relaxed_s: float | None = None  # time spent relaxed during the guided relaxation ...
    relax_s: float | None = None  # ... of this long
    completed: bool = False
    baseline: str = "default"  # what tension was measured against: "personal" | "default"
    twitch_events: tuple = ()  # tracker.TwitchEvent, in order
    after_massage: Measures | None = None  # the resting measurement after a massage
    massage_s: float | None = None  # time spent massaging (None: no massage)
    blink_events: tuple = ()  # blinks.Blink, in order (the log keeps them as "blink" events)
    blinks: BlinkSummary | None = None  # their rate, completeness per side and lag
    # The face was too few pixels across in most measured frames (metrics.SMALL_FACE_IRIS_PX):
    # no twitch was looked for, so "no twitches" would not be true (not kept in the log).
    small_face: bool = False
    slow_frames: bool = False  # ... or too few frames a second came through (tracker.MIN_TWITCH_FPS)


@dataclass(frozen=True)
class Journal:
    pain_before: int | None = None  # 0 (none) .. 10 (worst)
    pain_after: int | None = None
    tags: tuple[str, ...] = ()  # sorted
    note: str = ""

    def to_json(self) -> dict:
        return {
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
            "tags": list(self.tags),
            "note": self.note,
        }


class _Keep:
    def __repr__(self):
        return "KEEP"


KEEP = _Keep()  # set_journal: leave this field as it is


@dataclass(frozen=True)
class SessionRecord:
    """A session as history shows it. status: running, completed, stopped (ended early by the
    user) or interrupted (the program stopped without finishing it)."""

    id: int
    kind: str
    source: str
    started_utc: str
    started_local: str
    tz: str
    ended_utc: str | None
    duration_s: float | None
    status: str
    app_version: str
    model_sha256: str | None
    baseline_id: int | None
    twitches: int | None
    relaxed_s: float | None
    relax_s: float | None
    before: Measures | None
    after: Measures | None
    after_massage: Measures | None
    massage_s: float | None
    journal: Journal
    samples: int  # seconds recorded

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "source": self.source,
            "started_utc": self.started_utc,
            "started_local": self.started_local,
            "tz": self.tz,
            "ended_utc": self.ended_utc,
            "duration_s": self.duration_s,
            "status": self.status,
            "completed": self.status == "completed",
            "app_version": self.app_version,
            "model_sha256": self.model_sha256,
            "baseline_id": self.baseline_id,
            "twitches": self.twitches,
            "relaxed_s": self.relaxed_s,
            "relax_s": self.relax_s,
            "samples": self.samples,
            "before": self.before.to_json() if self.before else None,
            "after": self.after.to_json() if self.after else None,
            "after_massage": self.after_massage.to_json() if self.after_massage else None,
            "massage_s": self.massage_s,
            "journal": self.journal.to_json(),
        }


@dataclass(frozen=True)
class ImportResult:
    sessions: int
    skipped: int  # already in the log (same start, kind and source)
    samples: int
    events: int
    baselines: int
    checks: int = 0  # movement checks added (one already there is left out, as a session is)


def validate_tag(tag: str) -> str:
    t = tag.strip().lower()
    if not TAG_PATTERN.fullmatch(t):
        raise ValueError(f"a tag is 1 to 32 lowercase letters, digits or '-', starting with a letter or digit: {tag!r}")
    return t


def validate_pain(v, which: str = "pain") -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or not PAIN_RANGE[0] <= v <= PAIN_RANGE[1]:
        raise ValueError(f"{which} is a whole number from {PAIN_RANGE[0]} (none) to {PAIN_RANGE[1]} (worst), got {v!r}")
    return v


# -- time ------------------------------------------------------------------------------
def aware(dt: datetime, what: str) -> datetime:
    if not isinstance(dt, datetime) or dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be a time-zone-aware datetime, got {dt!r}")
    return dt


def iso_utc(dt: datetime) -> str:
    return aware(dt, "time").astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def utc_offset(at: datetime, tz_name: str, utc_offset_min: int | None) -> int:
    """Minutes east of UTC at `at`: the one given, else the IANA zone's."""
    if utc_offset_min is not None:
        return int(utc_offset_min)
    try:
        from zoneinfo import ZoneInfo

        return int(at.astimezone(ZoneInfo(tz_name)).utcoffset().total_seconds() // 60)
    except (ImportError, ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"unknown time zone {tz_name!r}: give utc_offset_min too (see local_timezone())") from None


def local_timezone(at_utc: datetime) -> tuple[str, int]:
    """This computer's time zone at `at_utc`: (name, UTC offset in minutes). The name is the
    IANA one when the system says it ($TZ, /etc/localtime), else the abbreviation."""
    local = aware(at_utc, "at_utc").astimezone()
    offset = int(local.utcoffset().total_seconds() // 60)
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            target = os.path.realpath("/etc/localtime")
            name = target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""
        except OSError:
            name = ""
    return name or local.tzname() or "UTC", offset


def validate_note(note) -> str:
    note = "" if note is None else str(note)
    if len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"the note is longer than {MAX_NOTE_CHARS} characters")
    return note
