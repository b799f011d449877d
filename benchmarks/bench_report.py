"""The trends report over two years of daily sessions: how long `report` and `trend` take.

730 daily 10-minute sessions (438,000 per-second samples, with events, journal and every
blink: 12 a minute, two "blink" events each, about 175,000 rows) are put into a fresh log in
a temporary folder; then `report` (numbers + HTML with its charts) and `trend` are timed
in-process (median of 3) and once as a real subprocess (including Python's start-up). Goal:
under 2 s.

    python benchmarks/bench_report.py [--days 730]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_log import EVENTS_PER_SESSION, JOURNAL_SHARE, LOCAL_OFFSET, PHASES, _measures  # noqa: E402

from facetension import __version__  # noqa: E402
from facetension.cli import main  # noqa: E402
from facetension.storage import BUILTIN_TAGS, EXPORT_COLUMNS, MEASURE_COLUMNS, Log, iso_utc  # noqa: E402

BLINKS_PER_MIN = 12  # a resting face blinks 10-20 times a minute


def report_tables(days: int, seconds: int = 600, seed: int = 0) -> dict:
    """Export-format tables for `days` daily sessions, in the current schema: each session row
    is built by column name (so a new column reads as NULL, not as a shifted row), and every
    session logs its blinks, the left eye closing less fully and later than the right in the
    first year and evening out in the second."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 7, 30, tzinfo=timezone.utc)
    sessions, samples, events = [], [], []
    kinds = ("prompt", "praise", "twitch", "warning")
    for day in range(days):
        sid = day + 1
        t0 = start + timedelta(days=day, minutes=rng.randint(-60, 60))
        drift = [rng.gauss(0, 1) for _ in MEASURE_COLUMNS]
        phases: dict[str, list] = {}
        t = 0
        for phase, length in PHASES:
            for _ in range(length or seconds - sum(x or 0 for _, x in PHASES)):
                values = _measures(rng, drift)
                phases.setdefault(phase, values)
                quality = None if rng.random() < 0.02 else round(rng.uniform(0.8, 1.0), 2)
                samples.append((sid, float(t), phase, *(None if quality is None else v for v in values), quality))
                t += 1
        rows = []
        for k in range(EVENTS_PER_SESSION):
            kind = kinds[k % len(kinds)]
            text = "Let your left eye soften" if kind == "prompt" else ""
            amp, dur = (0.3, 0.12) if kind == "twitch" else (None, None)
            t = round(rng.uniform(0, seconds), 3)
            rows.append((t, (t, kind, "eye", rng.choice(("left", "right")), text, dur, amp)))
        eased = min(day / max(days - 1, 1) * 2, 1.0)  # 0 → 1 over the first half
        for _ in range(seconds * BLINKS_PER_MIN // 60):
            t_left = round(rng.uniform(0, seconds - 1), 3)
            lag = rng.gauss(25 * (1 - eased), 8) / 1000
            dur = round(rng.uniform(0.15, 0.35), 3)
            left = round(min(1.0, rng.gauss(0.8 + 0.18 * eased, 0.08)), 3)
            right = round(min(1.0, rng.gauss(0.98, 0.03)), 3)
            t_right = round(max(t_left + lag, 0.0), 3)
            rows.append((t_left, (t_left, "blink", "eye", "left", f"blink: left eye closed {left:.0%}", dur, left)))
            rows.append(
                (t_left, (t_right, "blink", "eye", "right", f"blink: right eye closed {right:.0%}", dur, right))
            )
        # In the order the practice logs them: a blink's two rows together, left then right
        # (a stable sort on the left eye's time keeps them so, whichever eye closed first).
        rows.sort(key=lambda r: r[0])
        events += [(sid, seq, *r) for seq, (_, r) in enumerate(rows, 1)]
        journal = rng.random() < JOURNAL_SHARE
        row = {
            "session_id": sid,
            "kind": "practice",
            "source": "camera 0",
            "started_utc": iso_utc(t0),
            "started_local": (t0 + LOCAL_OFFSET)
            .replace(tzinfo=timezone(LOCAL_OFFSET))
            .isoformat(timespec="milliseconds"),
            "tz": "Europe/Paris",
            "ended_utc": iso_utc(t0 + timedelta(seconds=seconds)),
            "duration_s": float(seconds),
            "completed": 1,
            "interrupted": 0,
            "app_version": __version__,
            "model_sha256": "0" * 64,
            "twitches": EVENTS_PER_SESSION // len(kinds),
            "relaxed_s": 240.0,
            "relax_s": 300.0,
            "pain_before": rng.randint(0, 6) if journal else None,
            "pain_after": rng.randint(0, 5) if journal else None,
            "tags": ";".join(sorted(rng.sample(BUILTIN_TAGS, rng.randint(0, 3)))) if journal else "",
            "note": "slept badly, cold wind on the walk" if journal else "",
        }
        for phase in ("before", "after"):  # the first second of each (no massage: after_massage stays NULL)
            row.update({f"{phase}_{c}": v for c, v in zip(MEASURE_COLUMNS, phases[phase])})
        sessions.append(tuple(row.get(c) for c in EXPORT_COLUMNS["sessions"]))
    return {"baselines": [], "sessions": sessions, "samples": samples, "events": events}


def _timed(args: list[str]) -> float:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(args) == 0
    return time.perf_counter() - start


def run(days: int) -> None:
    with tempfile.TemporaryDirectory(prefix="facetension-bench-") as tmp:
        measure(Path(tmp), days)


def measure(tmp: Path, days: int) -> None:
    db = tmp / "two_years.db"
    t = time.perf_counter()
    with Log.open(db) as log:
        log.import_tables(report_tables(days), "benchmark")
    print(f"log: {days} daily sessions; built in {time.perf_counter() - t:.1f} s; {db.stat().st_size / 2**20:.1f} MiB")
    out = tmp / "report.html"
    for name, args in (
        ("report (HTML + charts)", ["report", "--db", str(db), "--out", str(out)]),
        ("report --json", ["report", "--db", str(db), "--json"]),
        ("trend", ["trend", "--db", str(db)]),
    ):
        inproc = statistics.median(_timed(args) for _ in range(3))
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "facetension", *args], check=True, capture_output=True, cwd=ROOT)
        sub = time.perf_counter() - start
        print(f"{name:26} in-process {inproc:6.2f} s   subprocess {sub:6.2f} s")
    print(f"HTML: {out.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=730)
    run(ap.parse_args().days)
