"""Personal baselines: a relaxed reference and the noise floor. The log keeps them (storage.py);
this module is the dataclass and its portable JSON file (`calibrate --out`, `--baseline FILE`)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from .errors import InputError
from .tension import Rest

FORMAT_VERSION = 1
DATA_DIR_ENV = "FACETENSION_DATA_DIR"  # overrides the platform's data folder


@dataclass(frozen=True)
class Baseline:
    rest: Rest
    noise: dict[tuple[str, str], float]
    taken_at: str  # ISO 8601, UTC
    source: str
    frames: int


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or user_data_dir("facetension", appauthor=False))


def _keyed(d):
    return None if d is None else {f"{r}/{s}": v for (r, s), v in d.items()}


def _unkeyed(d):
    return {tuple(k.split("/")): float(v) for k, v in d.items()}


def save(b: Baseline, path: Path) -> Path:
    path = Path(path)
    doc = {
        "version": FORMAT_VERSION, "taken_at": b.taken_at, "source": b.source, "frames": b.frames,
        "activation": _keyed(b.rest.activation), "noise": _keyed(b.noise),
        "eye_mm": b.rest.eye_mm, "corner_drop_mm": b.rest.corner_drop_mm,
        "corner_out_mm": b.rest.corner_out_mm, "brow_mm": b.rest.brow_mm,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=1))
        os.replace(tmp, path)  # atomic: an old baseline is never half-overwritten
    except OSError as exc:
        raise InputError(f"cannot save the baseline to {path}: {exc.strerror}") from None
    return path


def load(path: Path) -> Baseline:
    """A baseline JSON file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such baseline file")
    try:
        doc = json.loads(path.read_text())
        if doc.get("version") != FORMAT_VERSION:
            raise InputError(f"{path}: baseline from another version of facetension; run calibrate again")
        rest = Rest(_unkeyed(doc["activation"]), eye_mm=doc["eye_mm"], corner_drop_mm=doc["corner_drop_mm"],
                    corner_out_mm=doc["corner_out_mm"], brow_mm=doc["brow_mm"], personal=True)
        return Baseline(rest, _unkeyed(doc["noise"]), doc["taken_at"], doc["source"], int(doc["frames"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: the baseline file is unreadable ({exc}); run calibrate again") from None
