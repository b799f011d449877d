"""Small, known sessions and a baseline to fill a test log with (tests/test_storage.py, the
`db` fixture in conftest.py, and the subprocesses of tests/test_layers.py)."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

from facetension.baselines import Baseline
from facetension.metrics import REGIONS
from facetension.storage import EventRow, Log, Measures, SampleRow, SessionSummary
from facetension.tension import SIDES, TENSION_REGIONS, Rest

T0 = datetime(2025, 3, 1, 7, 0, tzinfo=timezone.utc)  # 08:00 in Paris


def measures(k: float = 0.0) -> Measures:
    """Values already at the stored precision, so they read back equal."""
    k = k % 9  # within every measure's range (tension 0..1, indices 0..100)
    return Measures(
        {r: round(0.5 + k, 2) for r in REGIONS},
        {(r, s): round(0.1 + k / 10, 3) for r in TENSION_REGIONS for s in SIDES},
        round(10 + k, 1),
        round(20 + k, 1),
    )


def record_session(
    log: Log,
    start: datetime = T0,
    seconds: int = 5,
    finish: bool = True,
    kind: str = "practice",
    source: str = "camera 0",
) -> int:
    """A small session: `seconds` samples, a prompt and a twitch, a summary."""
    sid = log.start_session(kind, source, start, "Europe/Paris", "0.1.0", "ab" * 32, None)
    for t in range(seconds):
        log.add_sample(sid, SampleRow(float(t), measures(t / 10), 0.9, "relax"))
    log.add_event(sid, EventRow(1.5, "prompt", "eye", "left", "Let your left eye soften"))
    log.add_event(sid, EventRow(2.0, "twitch", "eye", "right", "", 0.4, 0.12))
    if finish:
        log.finish_session(
            sid,
            start + timedelta(seconds=seconds),
            True,
            SessionSummary(measures(1.0), measures(0.0), relaxed_s=3.0, relax_s=4.0),
        )
    return sid


def a_baseline(taken_at: str = "2025-02-01T09:00:00+00:00") -> Baseline:
    keys = [(r, s) for r in TENSION_REGIONS for s in SIDES]
    rest = Rest(
        {k: 0.1 for k in keys},
        eye_mm={"left": 8.1, "right": 7.9},
        corner_drop_mm={"left": 60.0, "right": 61.0},
        corner_out_mm={"left": 30.0, "right": 30.5},
        brow_mm={"left": 20.0, "right": 20.2},
        personal=True,
    )
    return Baseline(rest, {k: 0.02 for k in keys}, taken_at, "camera 0", 480)


def snapshot(folder: Path) -> dict:
    """Every file in a folder with its bytes: 'exactly as it was' means this is unchanged."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
