"""`facetension practice --no-window` on real face video with scripted tension, and what goes wrong."""

import re

import cv2
import numpy as np
import pytest

from facetension.cli import main
from facetension.errors import CameraError, InputError
from facetension.practice_words import CHECK_MESSAGES, FACE_LOST, TWO_FACES
from facetension.storage import Log

from clirun import one_error_line
from media import DEMO, FACES
from scripted import CornerShift, EyeNarrow, Mirror, make_clip, rest_frames, write_clip

SCRIPTED = (11.0, 30.0)  # the demo's held tension (samples/make_practice_demo.py)
PROMPT_LINE = re.compile(r"^(\d+):(\d\d)  (Let .*|Smooth .*|Unclench .*)$")


def practice(capsys, *args):
    rc = main(["practice", "--no-window", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


def prompts(out):
    found = []
    for line in out.splitlines():
        m = PROMPT_LINE.match(line)
        if m:
            found.append((int(m[1]) * 60 + int(m[2]), m[3]))
    return found


def summary_pair(out, region):
    """(before, after) left/right tension pairs from the summary table."""
    line = next(line for line in out.splitlines() if line.strip().startswith(region + " ") and "/" in line)
    before, after = line.split()[-2:]
    return tuple(map(float, before.split("/"))), tuple(map(float, after.split("/")))


def test_demo_session_prompts_the_scripted_side_and_relaxes(capsys):
    rc, out, err = practice(capsys, "--source", DEMO)
    assert rc == 0, err
    said = prompts(out)
    assert said, out
    in_window = [text for t, text in said if SCRIPTED[0] <= t <= SCRIPTED[1] + 1]
    assert "Let your left eye soften" in in_window
    assert "Let the left corner of your mouth drop" in in_window
    assert not any("right" in text for _, text in said)
    assert "Session summary: completed" in out
    (eye_before, eye_after) = summary_pair(out, "eye")
    assert eye_before[0] > eye_after[0] + 0.2 and eye_before[0] > eye_before[1] + 0.2
    index_line = next(line for line in out.splitlines() if line.startswith("tension index"))
    before_idx, after_idx = map(float, index_line.split()[-2:])
    assert before_idx > after_idx
    # The log holds the session, its per-second samples and every prompt as an event.
    with Log.open(readonly=True) as log:
        record = log.sessions(limit=1)[0]
        assert record.kind == "practice" and record.status == "completed"
        assert record.before.tension_index > record.after.tension_index
        samples = log.samples(record.id)
        assert 35 <= len(samples) <= 46 and {s.phase for s in samples} >= {"before", "relax", "after"}
        logged = [e.text for e in log.events(record.id) if e.kind == "prompt"]
        assert logged == [text for _, text in said]


def test_mirrored_clip_prompts_the_other_side(capsys, tmp_path):
    frames, fps = make_clip(
        (EyeNarrow("left", 0.7, 11.0, 30.0, 1.0), CornerShift("left", 3.0, 11.0, 30.0, 1.0), Mirror()), 45.0
    )
    rc, out, _ = practice(capsys, "--source", write_clip(frames, tmp_path / "mirrored.avi", fps))
    said = [text for _, text in prompts(out)]
    assert rc == 0 and "Let your right eye soften" in said
    assert not any("left" in text for text in said)


def _cut(tmp_path, fraction):
    """The demo as an AVI (which plays up to the damage) cut short: a source that fails half-way."""
    frames, fps = make_clip((EyeNarrow("left", 0.7, 11.0, 30.0, 1.0),), 45.0)
    data = write_clip(frames, tmp_path / "whole.avi", fps).read_bytes()
    p = tmp_path / "cut.avi"
    p.write_bytes(data[: int(len(data) * fraction)])
    return p


def test_a_source_failing_half_way_keeps_an_incomplete_session(capsys, tmp_path):
    rc, out, err = practice(capsys, "--source", _cut(tmp_path, 0.5))
    assert rc == InputError.exit_code  # the video ended before the session was complete
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "incomplete" in lines[0] and "Traceback" not in err
    assert "Session summary: stopped early" in out
    with Log.open(readonly=True) as log:
        record = log.sessions(limit=1)[0]
        assert record.status != "completed" and log.samples(record.id)  # kept, with what it recorded


def _clip(tmp_path, name, frames, fps=30.0):
    return write_clip(frames, tmp_path / f"{name}.avi", fps)


def test_face_lost_is_said_gently_and_measurement_pauses(capsys, tmp_path):
    rest, fps = rest_frames(12.0)
    grey = [np.full_like(rest[0], 128)] * int(2 * fps)
    frames = list(rest[: int(6 * fps)]) + grey + list(rest[int(6 * fps) :])
    rc, out, _ = practice(capsys, "--source", _clip(tmp_path, "lost", frames), "--no-baseline")
    assert FACE_LOST in out


def test_a_face_too_few_pixels_across_is_not_said_to_have_no_twitches(capsys, tmp_path):
    # At 0.3x (an iris about 4 px across) no twitch is looked for (tracker: small frames are
    # disturbed), and the summary said "Twitches: none" all the same.
    rest, fps = rest_frames(12.0)
    small = [cv2.resize(f, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA) for f in rest]
    rc, out, _ = practice(capsys, "--source", _clip(tmp_path, "small", small, fps), "--no-baseline")
    assert "Twitches: not looked for (the face was small in the picture)" in out
    assert "Twitches: none" not in out
    rc, out, _ = practice(capsys, "--source", _clip(tmp_path, "whole", rest, fps), "--no-baseline")
    assert "Twitches: none" in out  # the same face, large enough


def test_a_camera_too_slow_for_twitches_is_not_said_to_have_shown_none(capsys, tmp_path):
    rest, fps = rest_frames(12.0)
    rc, out, _ = practice(capsys, "--source", _clip(tmp_path, "slow", rest[::3], fps / 3), "--no-baseline")
    assert "Twitches: not looked for (too few frames a second)" in out
    assert "Twitches: none" not in out


def test_two_faces_use_the_largest_and_say_so(capsys, tmp_path, faces):
    image = cv2.imread(str(faces["multi_face.jpg"]))
    rc, out, _ = practice(capsys, "--source", _clip(tmp_path, "two", [image] * 60), "--no-baseline")
    assert TWO_FACES in out


@pytest.mark.parametrize(
    "name, make, advice",
    [
        ("dark", lambda rest: [(f * 0.15).astype(np.uint8) for f in rest], "light"),  # dark room
        ("turned", lambda rest: [cv2.imread(str(FACES["45-m7-di-ph.jpg"]))] * 60, "frontal"),  # head turned away
    ],
)
def test_dark_or_turned_away_frames_get_advice_and_are_left_out(capsys, tmp_path, name, make, advice):
    rest, _ = rest_frames(2.0)
    rc, out, _ = practice(capsys, "--source", _clip(tmp_path, name, make(rest)), "--no-baseline")
    assert CHECK_MESSAGES[advice] in out
    assert "Session summary: stopped early" in out and rc == InputError.exit_code  # the clip ended first


def test_no_camera_is_said_clearly(capsys):
    rc, _, err = practice(capsys, "--camera", "7")
    assert rc == CameraError.exit_code and "no camera could be opened at index 7" in err and "Traceback" not in err


def test_cameras_lists_each_camera_or_says_there_is_none(capsys):
    rc = main(["cameras"])
    out, err = capsys.readouterr()
    if not out:  # no camera on this machine
        assert rc == CameraError.exit_code and "no camera opens" in one_error_line(err)
        return
    assert rc == 0 and not err
    for line in out.splitlines():  # its index and picture size, and how to use it
        m = re.fullmatch(r"camera (\d+): (\d+)×(\d+)  \(facetension practice --camera (\d+)\)", line)
        assert m and m[1] == m[4] and int(m[2]) > 0 and int(m[3]) > 0, line


def test_without_a_display_the_session_runs_in_the_terminal(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    rest, fps = rest_frames(8.0)
    rc = main(["practice", "--source", str(_clip(tmp_path, "rest", rest, fps)), "--no-baseline"])
    out = capsys.readouterr().out
    assert rc == 0 and "the session runs here in the terminal" in out and "Session summary: completed" in out


def test_a_whole_practice_opens_no_network_connection(capsys, tmp_path, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("facetension tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    rest, fps = rest_frames(8.0)
    rc, out, err = practice(
        capsys, "--source", _clip(tmp_path, "rest", rest, fps), "--db", tmp_path / "log.db", "--no-baseline"
    )
    assert rc == 0 and "Saved in your log as session 1" in out, err


def test_a_session_far_from_the_persons_history_suggests_the_clinician(capsys, tmp_path):
    """Ten calm, symmetric sessions in the last four weeks; then the demo clip, whose held left
    eye puts it far beyond them: the summary says so, calmly, and points to the clinician."""
    from datetime import datetime, timedelta, timezone

    from facetension.storage import Measures, SampleRow, SessionSummary

    db = tmp_path / "facetension.db"
    now = datetime.now(timezone.utc)
    calm = Measures({"eye": 0.1, "mouth_corner": 0.0, "brow": 0.0}, {}, 1.0, 5.0)
    with Log.open(db) as log:
        for day in range(1, 21, 2):
            start = now - timedelta(days=day)
            sid = log.start_session("practice", "camera 0", start, "UTC", "test")
            for t in range(10):  # a steady 'before': a small half-gap, so a small MDC95
                log.add_sample(sid, SampleRow(float(t), calm, 1.0, "before"))
            log.finish_session(sid, start + timedelta(minutes=5), True, SessionSummary(calm, calm))
    rc, out, err = practice(capsys, "--source", DEMO, "--db", db, "--no-journal")
    assert rc == 0, err
    assert "well outside your own range of the last four weeks" in out and "check with your clinician" in out


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_session_asked_to_end_keeps_its_summary_and_says_so(tmp_path, signal_name):
    # Ctrl-C, logging out (SIGTERM) or closing the terminal (SIGHUP) mid-session: the process
    # died or went straight to "interrupted", and the session stayed open in the log, with no
    # summary, until the log's next opening marked it interrupted.
    import signal
    import subprocess
    import sys

    db = tmp_path / "log.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "facetension", "practice", "--no-window", "--no-checkin", "--no-journal"]
        + ["--source", str(DEMO), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    for line in proc.stdout:  # once the relaxation has begun, the person (or the system) ends it
        if "Guided relaxation" in line:
            proc.send_signal(getattr(signal, signal_name))
            break
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert one_error_line(err) == "facetension: interrupted; the session is kept as incomplete"
    assert "Session summary: stopped early (interrupted)" in out and "Saved in your log as session 1." in out
    with Log.open(db, readonly=True) as log:
        record = log.sessions(limit=1)[0]
        assert record.status == "stopped" and record.before is not None and record.ended_utc is not None


@pytest.mark.parametrize("where", ["the loop's last rows", "the session's end"])
def test_an_ending_signal_as_the_session_ends_leaves_it_finished(capsys, tmp_path, monkeypatch, where):
    # Ctrl-C (SIGTERM, SIGHUP alike) just as a session ended by itself, while its last rows
    # or its end were written: the KeyboardInterrupt cut the writing short, and the session
    # stayed open in the log, read as "interrupted" at the next opening, with no summary.
    import signal

    from facetension.session import PracticeSession

    target, name = (PracticeSession, "flush") if where == "the loop's last rows" else (Log, "finish_session")
    original = getattr(target, name)

    def signalled(self, *args, **kwargs):
        signal.raise_signal(signal.SIGINT)  # as if pressed at that very moment
        return original(self, *args, **kwargs)

    monkeypatch.setattr(target, name, signalled)
    db = tmp_path / "log.db"
    rc, out, err = practice(capsys, "--source", DEMO, "--db", db, "--no-checkin", "--no-journal")
    with Log.open(db, readonly=True) as log:
        record = log.sessions(limit=1)[0]
    assert record.status == "completed" and record.after is not None and record.ended_utc is not None
    if where == "the loop's last rows":  # a session complete before the signal: it ends as one
        assert rc == 0 and "Session summary: completed" in out, err
    else:  # the end is written first; then the signal ends the process
        assert rc == 130 and one_error_line(err) == "facetension: interrupted", err


@pytest.mark.parametrize("gap_s", [0.0, 10.0, None])
def test_a_terminal_closed_mid_session_keeps_the_session_and_ends_as_interrupted(tmp_path, gap_s):
    # The terminal window closed: SIGHUP, and every later write to it fails (EIO). The
    # session was kept, but the summary's lines could not be written and Python's own flush
    # at exit ended the process with 120, not the 130 an ended session says. With a gap
    # before the SIGHUP, a prompt written meanwhile failed in the loop: exit 70 and the
    # session left unfinished ("interrupted"). The clip plays at its own pace, as a camera
    # would, so the session is still under way when the SIGHUP comes (unpaced, a fast
    # machine ends it within 10 s). gap_s None: no SIGHUP before the session ends by itself,
    # and its summary meets the closed terminal (exit 70, "internal error", before).
    import os
    import pty
    import select
    import signal
    import subprocess
    import sys
    import time

    db = tmp_path / "log.db"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "facetension", "practice", "--no-window", "--no-checkin", "--no-journal"]
        + ["--source", str(DEMO), "--db", str(db)]
        + (["--realtime"] if gap_s is not None else []),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    try:
        while b"Guided relaxation" not in seen and select.select([master], [], [], 120)[0]:
            seen += os.read(master, 4096)
    finally:
        os.close(master)  # the window is gone: writes to the terminal now fail
    assert b"Guided relaxation" in seen, seen
    if gap_s is None:
        assert proc.wait(timeout=120) == 130
        status = "completed"
    else:
        time.sleep(gap_s)  # the relaxation's prompts go on being written meanwhile
        proc.send_signal(signal.SIGHUP)  # as the system does when a terminal closes
        assert proc.wait(timeout=120) == 130
        status = "stopped"
    with Log.open(db, readonly=True) as log:
        record = log.sessions(limit=1)[0]
        assert record.status == status and record.before is not None and record.ended_utc is not None


def test_a_log_that_fills_up_mid_session_lets_the_session_finish_and_says_so(capsys, tmp_path, monkeypatch):
    # The log stopped accepting rows (a full disk) and the practice stopped at once, with no
    # summary. Now the person is guided to the end and shown it; what was saved stays.
    import os

    from facetension import storage
    from facetension.errors import StorageError

    db = tmp_path / "log.db"
    Log.open(db).close()
    pages = os.path.getsize(db) // 4096  # not a page to spare: SQLite's own "database or disk is full"
    unlimited = storage.Log.open.__func__

    def limited(cls, path=None, *, readonly=False, **kw):
        return unlimited(cls, path, readonly=readonly, **kw, **({} if readonly else {"max_pages": pages}))

    monkeypatch.setattr(storage.Log, "open", classmethod(limited))
    rc, out, err = practice(capsys, "--source", DEMO, "--db", db, "--no-checkin", "--no-journal")
    assert rc == StorageError.exit_code and "disk is full" in one_error_line(err)
    assert "Session summary: completed" in out and "Saved in your log" not in out
    monkeypatch.undo()
    with Log.open(db, readonly=True) as log:
        record = log.sessions(limit=1)[0]
        assert record.status == "interrupted" and record.samples > 0 and record.before is not None
