"""What a person meets first: the demo leaves their log alone, `facetension` alone says where
they are, a typo gets a suggestion, and the tool says what it is not and when to get help."""

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from facetension.cli import main
from facetension.errors import EXIT_USAGE, CameraError
from facetension.storage import Log
from facetension.wording import NOT_A_DEVICE, RED_FLAGS, count

ROOT = Path(__file__).resolve().parents[1]


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "FACETENSION_DB")}
    env.update(HOME=str(home), FACETENSION_DATA_DIR=str(home / "data"), XDG_DATA_HOME=str(home / ".local/share"))
    return env


def test_the_readmes_first_command_leaves_the_users_log_alone(tmp_path):
    readme = (ROOT / "README.md").read_text()
    assert "pip install . && facetension demo" in readme
    home = tmp_path / "home"
    home.mkdir()
    p = subprocess.run(
        [sys.executable, "-m", "facetension", "demo", "--no-window"],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    assert "Session summary: completed" in p.stdout and "nothing was saved" in p.stdout
    assert "Saved in your log" not in p.stdout
    assert list(home.rglob("*")) == []  # no log, no baseline, no data folder


def test_facetension_alone_says_where_you_are(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("FACETENSION_DB", str(tmp_path / "facetension.db"))
    assert main([]) == 0
    out = capsys.readouterr().out
    assert NOT_A_DEVICE in out and "Start with: facetension practice" in out
    now = datetime.now(timezone.utc)
    with Log.open(tmp_path / "facetension.db") as log:
        for days in (1, 3, 20):
            sid = log.start_session("practice", "camera 0", now - timedelta(days=days), "UTC", "test")
            log.finish_session(sid, now - timedelta(days=days) + timedelta(minutes=5), True)
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "Last session:" in out and "(completed)" in out and "2 sessions in the last 7 days" in out


def test_a_mistyped_command_suggests_the_nearest(capsys):
    try:
        main(["practise"])
    except SystemExit as exc:
        assert exc.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "did you mean practice?" in err and len(err.strip().splitlines()) == 1


def test_help_says_what_it_is_not_and_when_to_get_help(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    assert NOT_A_DEVICE in out.splitlines()[2]  # right under the usage line
    flat = " ".join(out.split())
    assert "call emergency services now" in flat and "see your clinician" in flat
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert NOT_A_DEVICE in readme and all(" ".join(t.split()) in readme for t in RED_FLAGS)


def test_no_camera_points_to_the_cameras_command_and_to_a_video(capsys, tmp_path):
    rc = main(["practice", "--camera", "7", "--no-window", "--db", str(tmp_path / "x.db")])
    err = capsys.readouterr().err
    assert rc == CameraError.exit_code and "facetension cameras" in err and "--source VIDEO" in err


def test_counts_are_never_1_sessions():
    assert count(1, "session") == "1 session" and count(2, "session") == "2 sessions"
    assert count(0, "baseline") == "0 baselines"


def test_the_report_footer_says_it_too(capsys, db, tmp_path):
    assert main(["report", "--out", str(tmp_path / "r.html")]) == 0
    page = " ".join((tmp_path / "r.html").read_text().split())
    footer = page[page.index("<footer>") :]
    assert NOT_A_DEVICE in footer and "call emergency services now" in footer


def test_the_first_practice_says_what_facetension_is_not_once_and_the_log_keeps_it(capsys, tmp_path):
    from media import DEMO

    db = tmp_path / "facetension.db"
    args = ["practice", "--source", str(DEMO), "--no-window", "--no-journal", "--minutes", "0.2", "--db", str(db)]
    main(args)
    first = capsys.readouterr().out
    assert first.startswith(f"Before you start: {NOT_A_DEVICE}") and "call emergency services now" in first
    with Log.open(db, readonly=True) as log:
        assert log.setting("first_run_notice_utc")
    main(args)
    assert NOT_A_DEVICE not in capsys.readouterr().out  # once


def test_todays_log_migrates_forward_without_loss(tmp_path, capsys):
    """samples/demo.db was written by the version-1 schema: read as it is, then upgraded by a
    write, it keeps every session, sample and event (its export is byte-identical)."""
    import shutil

    from facetension.logschema import SCHEMA_VERSION

    db = tmp_path / "old.db"
    shutil.copy(ROOT / "samples" / "demo.db", db)
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "before.json")]) == 0
    with Log.open(db) as log:  # a writable open upgrades it
        log.set_setting("probe", "1")
    import sqlite3

    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION > 1
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "after.json")]) == 0
    assert (tmp_path / "before.json").read_bytes() == (tmp_path / "after.json").read_bytes()
