"""The trends report over two years of daily sessions: how long `report` and `trend` take.

730 daily 10-minute sessions (438,000 per-second samples, with events and journal) are put
into a fresh log in a temporary folder with benchmarks/bench_log.py's generator; then
`report` (numbers + HTML with its charts) and `trend` are timed in-process (median of 3)
and once as a real subprocess (including Python's start-up). Goal: under 2 s.

    python benchmarks/bench_report.py [--days 730]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_log import year_tables  # noqa: E402

from facetension.cli import main  # noqa: E402
from facetension.storage import Log  # noqa: E402


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
        log.import_tables(year_tables(days=days), "benchmark")
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
