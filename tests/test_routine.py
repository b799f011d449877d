"""The whole daily routine on one real video, through the command line: a check-in answered
at a (pseudo-)terminal, before → massage → after massage → relaxation → after, the summary,
the journal, and the log exported, imported and exported again to the same bytes."""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys

import pytest

from facetension.storage import Log

from routine import MASSAGE_MIN, routine_clip

CHECKIN = "4\ncold, stress\n"  # pain before; the day's tags
PAIN_AFTER = "2\n"
EASED_BY = 0.1  # the left eye's and mouth's tension fall at least this much (0..1) after the massage
MASSAGE_TOLERANCE_S = 1.5  # the steps' logged lengths add up to the massage's minutes
RUN_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def routine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("routine")
    clip, timeline, covered = routine_clip(folder)
    db = folder / "log.db"
    master, slave = pty.openpty()
    os.write(master, (CHECKIN + PAIN_AFTER).encode())
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run(
        [sys.executable, "-m", "facetension", "practice", "--source", str(clip), "--massage", str(MASSAGE_MIN)]
        + ["--no-window", "--db", str(db)],
        stdin=slave,
        capture_output=True,
        text=True,
        env=env,
        timeout=RUN_TIMEOUT_S,
    )
    os.close(master)
    os.close(slave)
    return proc, db, timeline, covered, folder


def test_the_whole_routine_runs_in_order_and_is_kept(routine):
    proc, db, _, _, _ = routine
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    with Log.open(db, readonly=True) as log:
        (s,) = log.sessions()
        events = log.events(s.id)
        phases = [e.text for e in events if e.kind == "phase"]
        assert phases == [
            "Learning your relaxed face",
            "Resting measurement (before)",
            "Gentle self-massage",
            "Resting measurement (after massage)",
            "Guided relaxation",
            "Resting measurement (after)",
            "Done",
        ]
        assert s.status == "completed"
        assert (s.journal.pain_before, s.journal.tags, s.journal.pain_after) == (4, ("cold", "stress"), 2)
        steps = [e for e in events if e.kind == "massage"]
        assert len(steps) == 6 and all(e.duration_s == pytest.approx(10.0, abs=0.2) for e in steps)
        assert sum(e.duration_s for e in steps) == pytest.approx(MASSAGE_MIN * 60, abs=MASSAGE_TOLERANCE_S)
        assert s.massage_s == pytest.approx(MASSAGE_MIN * 60, abs=MASSAGE_TOLERANCE_S)
        # The tensest zones first, on the tenser side first: "before" found the LEFT eye and mouth tense.
        assert (steps[0].region, steps[0].side) in {("eye", "left"), ("mouth", None), ("cheek", "left")}
        # The massage measures nothing: no second of it is in the log.
        assert not [r for r in log.samples(s.id) if r.phase == "massage"]
        # Tension eased from before to after the massage (the warps were released).
        for key in (("eye", "left"), ("mouth", "left")):
            assert s.before.tension[key] - s.after_massage.tension[key] >= EASED_BY, key
    assert "After the massage" in proc.stdout and "after massage" in proc.stdout
    assert "Practised 1 of the last 7 days." in proc.stdout


def test_a_hand_on_the_cheek_during_the_relaxation_does_not_count(routine):
    _, db, _, (t0, t1), _ = routine
    with Log.open(db, readonly=True) as log:
        (s,) = log.sessions()
        inside = [r for r in log.samples(s.id) if t0 + 1.0 <= r.t_s and r.t_s + 1.0 <= t1 - 0.5]
        assert inside, "no second lies inside the covered stretch"
        for row in inside:
            assert row.quality == 0.0 and row.measures.tension_index is None, row
        prompts = [e for e in log.events(s.id) if e.kind == "prompt" and t0 <= e.t_s <= t1 + 1.0]
        assert not [e for e in prompts if e.region == "cheek"]


def test_the_routine_exports_and_imports_to_the_same_bytes(routine, capsys):
    from facetension.cli import main

    _, db, _, _, folder = routine
    a, b, fresh = folder / "a.json", folder / "b.json", folder / "fresh.db"
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(a), "--force"]) == 0
    assert main(["import", str(a), "--db", str(fresh)]) == 0
    assert main(["export", "--db", str(fresh), "--format", "json", "--out", str(b), "--force"]) == 0
    assert a.read_bytes() == b.read_bytes()
    doc = json.loads(a.read_text())
    kinds = {row[3] for row in doc["tables"]["events"]["rows"]}
    assert {"massage", "phase"} <= kinds
    sessions = doc["tables"]["sessions"]
    row = dict(zip(sessions["columns"], sessions["rows"][0]))
    assert row["massage_s"] and row["after_massage_tension_index"] is not None
    with sqlite3.connect(fresh) as c:
        assert c.execute("SELECT count(*) FROM events WHERE kind = 'massage'").fetchone()[0] == 6


def test_history_shows_the_massage(routine, capsys):
    from facetension.cli import main

    _, db, _, _, _ = routine
    assert main(["history", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "massage 1:00" in out and "after it" in out
