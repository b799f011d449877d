"""kill -9 at random moments: a real process recording into the log (tests/log_writer.py) is
killed 24 times at seeded random moments, into the same file. After each kill the file passes
PRAGMA integrity_check, holds every sample the writer had reported committed (so at most the
last second is lost), keeps every earlier session exactly, and the killed session is kept and
marked interrupted."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from facetension.storage import Log

ROOT = Path(__file__).resolve().parents[1]
WRITER = Path(__file__).with_name("log_writer.py")
KILLS = 24
SEED = 20251126
EARLY_SHARE = 0.25  # of the kills that come before the session is under way (start-up, opening, migrating)
MAX_WRITE_S = 0.4  # otherwise: this long at most into the writing
READY_TIMEOUT_S = 60


def _progress(lines: list[str]) -> list[tuple[int, int]]:
    """(committed, added) after each sample, from the writer's complete lines."""
    return [
        (int(w[1]), int(w[3])) for w in (line.split() for line in lines if line.endswith("\n")) if w[0] == "committed"
    ]


def _samples_per_session(db: Path) -> dict[int, int]:
    with closing(sqlite3.connect(db)) as c:
        return dict(
            c.execute(
                "SELECT s.id, count(x.t_s) FROM sessions s LEFT JOIN samples x ON x.session_id = s.id GROUP BY s.id"
            )
        )


def test_kill_9_at_random_moments_loses_at_most_the_last_second(tmp_path):
    rng = random.Random(SEED)
    db = tmp_path / "facetension.db"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    kept: dict[int, int] = {}  # every session seen so far → its samples: must never change
    mid_session_kills = 0
    for i in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(db), str(i)], stdout=subprocess.PIPE, text=True, env=env
        )
        try:
            if rng.random() < EARLY_SHARE:
                time.sleep(rng.uniform(0.0, 0.5))  # while Python starts, the log opens, the session begins
                sid = None
            else:
                first = proc.stdout.readline()
                assert first.startswith("session "), first
                sid = int(first.split()[1])
                time.sleep(rng.uniform(0.0, MAX_WRITE_S))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=READY_TIMEOUT_S)
            lines = proc.stdout.readlines()
        finally:
            proc.kill()
            proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL, f"kill {i}: the writer ended by itself ({proc.returncode})"
        if not db.exists():
            continue  # killed before the file was made
        with closing(sqlite3.connect(db)) as c:  # a plain SQLite, not ours, judges the file
            assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)], f"kill {i}"
        counts = _samples_per_session(db)
        for old, n in kept.items():
            assert counts.get(old) == n, f"kill {i}: session {old} changed ({n} → {counts.get(old)} samples)"
        if sid is not None:
            mid_session_kills += 1
            progress = _progress(lines)
            reported = progress[-1][0] if progress else 0
            assert counts[sid] >= reported, f"kill {i}: {reported} samples reported committed, {counts[sid]} kept"
            # each sample is committed before add_sample returns: none waits for the next one
            assert all(added == committed for committed, added in progress), f"kill {i}"
        with Log.open(db) as log:  # the next open marks the killed session
            for r in log.sessions():
                assert r.status in ("completed", "interrupted"), (i, r)
                if r.id not in kept:
                    assert r.status == "interrupted" and r.samples == counts[r.id]
                    kept[r.id] = r.samples
    assert mid_session_kills >= 15
    assert sum(kept.values()) > 0
