"""Personal baselines: a relaxed reference and the noise floor. The log keeps them (storage.py);
this module is the dataclass and its two JSON codecs, checked field by field: the log's
(`to_data`/`from_data`) and the portable file's (`calibrate --out`, `--baseline FILE`; the CLI
reads and writes the file). Pure: no I/O."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace

from .methods import changed_since
from .tension import MAX_ACTIVATION, SIDES, TENSION_REGIONS, Rest

FORMAT_VERSION = 1
MAX_VERSION_CHARS = 40


@dataclass(frozen=True)
class Baseline:
    rest: Rest
    noise: dict[tuple[str, str], float]
    taken_at: str  # ISO 8601, UTC
    source: str
    frames: int
    app_version: str | None = None  # the facetension that learnt it; None: not known


# The resting geometry a baseline keeps for each region a change of measuring can move
# (methods.METHOD_CHANGES): learnt by an older method, it is not this method's relaxed face.
REGION_GEOMETRY = {
    "eye": ("eye_mm",),
    "mouth_corner": ("corner_drop_mm",),
    "mouth_excursion": ("corner_out_mm",),
    "brow": ("brow_mm",),
}


def measured_now(b: Baseline, running: str) -> tuple[Baseline, tuple[str, ...]]:
    """The baseline without the resting geometry of the regions whose measuring has changed
    since the version that learnt it (those regions are then read without it, as with no
    baseline), and those regions. A baseline of an unknown version counts as older than
    every change."""
    stale = tuple(  # only regions it holds something of: nothing else needs saying
        r
        for r in changed_since(b.app_version, running)
        if any(getattr(b.rest, f) is not None for f in REGION_GEOMETRY.get(r, ()))
    )
    if not stale:
        return b, ()
    return replace(b, rest=replace(b.rest, **{f: None for r in stale for f in REGION_GEOMETRY[r]})), stale


def _version(v) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str) or not 0 < len(v) <= MAX_VERSION_CHARS:
        raise ValueError(f"app_version must be a short text, got {v!r}")
    return v


MAX_GEOMETRY_MM = 100.0  # a resting eye opening, corner or brow position: far below this on any face
GEOMETRY_FIELDS = ("eye_mm", "corner_drop_mm", "corner_out_mm", "brow_mm")
_KEYS = {f"{r}/{s}": (r, s) for r in TENSION_REGIONS for s in SIDES}


def _keyed(d):
    return None if d is None else {f"{r}/{s}": v for (r, s), v in d.items()}


def _number(v, what: str, low: float, high: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not low <= v <= high:
        raise ValueError(f"{what} must be a number from {low:g} to {high:g}, got {v!r}")
    return float(v)


def _unkeyed(d, what: str, low: float, high, complete: bool) -> dict[tuple[str, str], float]:
    """A {"region/side": number} map, every key known (and all present when `complete`);
    high: one bound, or one per region."""
    if not isinstance(d, dict) or (complete and set(d) != set(_KEYS)) or not set(d) <= set(_KEYS):
        raise ValueError(f"{what} must map each of {', '.join(_KEYS)} to a number")
    bound = high if isinstance(high, dict) else dict.fromkeys(TENSION_REGIONS, high)
    return {_KEYS[k]: _number(v, f"{what} {k}", low, bound[_KEYS[k][0]]) for k, v in d.items()}


def _sides(d, what: str, positive: bool) -> dict[str, float] | None:
    if d is None:
        return None
    if not isinstance(d, dict) or set(d) != set(SIDES):
        raise ValueError(f"{what} must give a number for each of {', '.join(SIDES)}")
    out = {s: _number(d[s], f"{what} {s}", -MAX_GEOMETRY_MM, MAX_GEOMETRY_MM) for s in SIDES}
    if positive and min(out.values()) <= 0:
        raise ValueError(f"{what} must be above 0")
    return out


def _rest(doc: dict, personal: bool) -> tuple[Rest, dict[tuple[str, str], float]]:
    """The relaxed reference and noise floor of a baseline document, every field checked:
    a baseline of the wrong shape would break every later measurement."""
    rest = Rest(
        _unkeyed(doc.get("activation"), "activation", 0.0, MAX_ACTIVATION, complete=True),
        **{f: _sides(doc.get(f), f, positive=f == "eye_mm") for f in GEOMETRY_FIELDS},
        personal=personal,
    )
    return rest, _unkeyed(doc.get("noise"), "noise", 0.0, 1.0, complete=False)


def to_data(b: Baseline) -> str:
    """The baseline as the log keeps it (baselines.data): sorted JSON, so equal baselines are
    equal text."""
    r = b.rest
    return json.dumps(
        {
            "activation": _keyed(r.activation),
            "noise": _keyed(b.noise),
            "eye_mm": r.eye_mm,
            "corner_drop_mm": r.corner_drop_mm,
            "corner_out_mm": r.corner_out_mm,
            "brow_mm": r.brow_mm,
            "personal": r.personal,
            # only when known: a baseline saved before versions were kept keeps its text
            **({} if b.app_version is None else {"app_version": b.app_version}),
        },
        sort_keys=True,
    )


def from_data(taken_at: str, source: str, frames: int, data: str) -> Baseline:
    """A baseline from the log's columns. ValueError says what is wrong with it."""
    try:
        doc = json.loads(data)
    except (TypeError, ValueError, RecursionError):
        raise ValueError("its data is not valid JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("personal"), bool):
        raise ValueError("its data must be a JSON object with activation, noise, geometry and personal")
    rest, noise = _rest(doc, doc["personal"])
    return Baseline(rest, noise, taken_at, source, frames, _version(doc.get("app_version")))


def to_file_text(b: Baseline) -> str:
    """The portable baseline file (`calibrate --out`)."""
    return json.dumps(
        {
            "version": FORMAT_VERSION,
            "taken_at": b.taken_at,
            "source": b.source,
            "frames": b.frames,
            "activation": _keyed(b.rest.activation),
            "noise": _keyed(b.noise),
            "eye_mm": b.rest.eye_mm,
            "corner_drop_mm": b.rest.corner_drop_mm,
            "corner_out_mm": b.rest.corner_out_mm,
            "brow_mm": b.rest.brow_mm,
            "app_version": b.app_version,
        },
        indent=1,
    )


def from_file_text(text: str) -> Baseline:
    """A baseline file's content (`--baseline FILE`), every field checked. ValueError says
    what is wrong with it."""
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ValueError("it is nested far deeper than a baseline") from None
    if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
        raise ValueError("not a baseline of this version of facetension")
    rest, noise = _rest(doc, personal=True)
    frames = doc.get("frames")
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 0:
        raise ValueError(f"frames must be a whole number, got {frames!r}")
    return Baseline(
        rest, noise, str(doc.get("taken_at", "")), str(doc.get("source", "")), frames, _version(doc.get("app_version"))
    )
