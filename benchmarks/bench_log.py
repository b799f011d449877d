"""A year of daily practice in the log: how big the file gets, and how fast history and export are.

365 daily 10-minute sessions (600 per-second samples each, about 219,000 sample rows), with
their events and journal, are written into a fresh log in a temporary folder (through
`Log.import_tables`, one transaction; recording them second by second would take as long as
the fsyncs of 219,000 commits). Then `history --json`, `export --format csv` and
`export --format json` are timed in-process (median of 3) and as a real subprocess (one run,
including Python's start-up and facetension's imports, timed alone as `--version`), and the
file size is printed.

    python benchmarks/bench_log.py [--days 365] [--seconds 600] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
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

from facetension import __version__  # noqa: E402
from facetension.cli import main  # noqa: E402
from facetension.storage import BUILTIN_TAGS, EXPORT_COLUMNS, MEASURE_COLUMNS, SUMMARY_COLUMNS, Log, iso_utc  # noqa: E402

PHASES = (("before", 20), ("relax", None), ("after", 20))  # relax fills the rest
LOCAL_OFFSET = timedelta(hours=1)
EVENTS_PER_SESSION = 30
JOURNAL_SHARE = 0.8


def _measures(rng: random.Random, drift: list[float]) -> list[float | None]:
    """A slow random walk per column: diffs in mm around ±2, tension 0..1, indices 0..100."""
    out = []
    for i, col in enumerate(MEASURE_COLUMNS):
        drift[i] += rng.gauss(0, 0.02)
        if col.endswith("_diff_mm"):
            out.append(round(2 * drift[i], 2))
        elif col.endswith("_tension"):
            out.append(round(min(1.0, max(0.0, 0.2 + drift[i] / 4)), 3))
        else:
            out.append(round(min(100.0, max(0.0, 20 + 10 * drift[i])), 1))
    return out


def year_tables(days: int = 365, seconds: int = 600, seed: int = 0) -> dict:
    """Export-format tables for `days` daily sessions of `seconds` seconds each."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 7, 30, tzinfo=timezone.utc)
    sessions, samples, events = [], [], []
    kinds = ("prompt", "praise", "twitch", "warning")
    for day in range(days):
        sid = day + 1
        t0 = start + timedelta(days=day, minutes=rng.randint(-60, 60))
        drift = [rng.gauss(0, 1) for _ in MEASURE_COLUMNS]
        first = None
        t = 0
        for phase, length in PHASES:
            n = length or seconds - sum(x or 0 for _, x in PHASES)
            for _ in range(n):
                values = _measures(rng, drift)
                first = first or values
                quality = None if rng.random() < 0.02 else round(rng.uniform(0.8, 1.0), 2)
                samples.append((sid, float(t), phase, *(None if quality is None else v for v in values), quality))
                t += 1
        for k in range(EVENTS_PER_SESSION):
            kind = kinds[k % len(kinds)]
            twitch = kind == "twitch"
            events.append(
                (
                    sid,
                    k + 1,
                    round(rng.uniform(0, seconds), 3),
                    kind,
                    "eye",
                    rng.choice(("left", "right")),
                    "Let your left eye soften" if kind == "prompt" else "",
                    0.3 if twitch else None,
                    0.12 if twitch else None,
                )
            )
        events.sort(key=lambda e: (e[0], e[1]))
        journal = rng.random() < JOURNAL_SHARE
        tags = ";".join(sorted(rng.sample(BUILTIN_TAGS, rng.randint(0, 3)))) if journal else ""
        sessions.append(
            (
                sid,
                "practice",
                "camera 0",
                iso_utc(t0),
                (t0 + LOCAL_OFFSET).replace(tzinfo=timezone(LOCAL_OFFSET)).isoformat(timespec="milliseconds"),
                "Europe/Paris",
                iso_utc(t0 + timedelta(seconds=seconds)),
                float(seconds),
                1,
                0,
                __version__,
                "0" * 64,
                None,
                EVENTS_PER_SESSION // len(kinds),
                240.0,
                300.0,
                *first,
                *values,
                None,  # massage_s: no massage
                *(None for _ in MEASURE_COLUMNS),  # ... so no "after massage" measurement
                rng.randint(0, 6) if journal else None,
                rng.randint(0, 5) if journal else None,
                tags,
                "slept badly, cold wind on the walk" if journal else "",
            )
        )
        assert len(sessions[-1]) == len(EXPORT_COLUMNS["sessions"]) and len(first) * 3 == len(SUMMARY_COLUMNS)
    return {"baselines": [], "sessions": sessions, "samples": samples, "events": events}


def build(path: Path, days: int = 365, seconds: int = 600) -> None:
    with Log.open(path) as log:
        log.import_tables(year_tables(days, seconds), "benchmark")


def _in_process(argv: list[str]) -> float:
    sink = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(sink):
        rc = main(argv)
    elapsed = time.perf_counter() - t
    assert rc == 0, argv
    return elapsed


def _subprocess(argv: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "facetension", *argv], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def run(folder: Path, days: int, seconds: int) -> None:
    db = folder / "facetension.db"
    t = time.perf_counter()
    build(db, days, seconds)
    built = time.perf_counter() - t
    with Log.open(db, readonly=True) as log:
        rows = sum(r.samples for r in log.sessions())
    size = db.stat().st_size
    print(f"log: {days} sessions × {seconds} s = {rows} sample rows; built in {built:.1f} s")
    print(f"file size: {size / 2**20:.1f} MiB ({size / rows:.0f} bytes per sample row)")
    commands = {
        "history --json": ["history", "--json", "--db", str(db)],
        "history (table)": ["history", "--db", str(db)],
        # --force: each command runs several times over the same output
        "export --format csv": ["export", "--format", "csv", "--out", str(folder / "csv"), "--force", "--db", str(db)],
        "export --format json": [
            "export",
            "--format",
            "json",
            "--out",
            str(folder / "log.json"),
            "--force",
            "--db",
            str(db),
        ],
    }
    print(f"{'command':<24}{'in-process':>12}{'subprocess':>12}")
    startup = statistics.median(_subprocess(["--version"]) for _ in range(3))
    print(f"{'(start-up: --version)':<24}{'':>12}{startup:>11.3f}s")
    for name, argv in commands.items():
        inproc = statistics.median(_in_process(argv) for _ in range(3))
        print(f"{name:<24}{inproc:>11.3f}s{_subprocess(argv):>11.3f}s")
    csv_size = sum(p.stat().st_size for p in (folder / "csv").iterdir())
    print(
        f"export sizes: CSV folder {csv_size / 2**20:.1f} MiB, "
        f"JSON {(folder / 'log.json').stat().st_size / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--keep", metavar="DIR", help="build the log in DIR and keep it")
    a = ap.parse_args()
    if a.keep:
        Path(a.keep).mkdir(parents=True, exist_ok=True)
        run(Path(a.keep), a.days, a.seconds)
    else:
        with tempfile.TemporaryDirectory(prefix="facetension-bench-") as d:
            run(Path(d), a.days, a.seconds)
