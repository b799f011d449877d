"""The real practice window, under Xvfb: what it shows, and the keys.

A real X server (Xvfb), the real OpenCV window, real key presses (xdotool) and real
screenshots (ImageMagick's import). .ci/run installs the three.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from facetension.analysis import analyze_image
from facetension.landmarks import Landmarker
from facetension.overlay import CALM, MID, PACER, TENSE
from facetension.storage import Log

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "samples" / "practice_demo.mp4"
WINDOW_WAIT_S = 60.0  # a loaded machine can take this long to start MediaPipe and show the window
COLOUR_TOLERANCE = 40  # per channel, for anti-aliased and resampled pixels
MIN_TEXT_PIXELS = 400  # near-white pixels of a prompt in the message band
SUMMARY_SEEN_S = 2.0  # after q, the summary screen is still up this long later (it waits for a key)
MIRRORED_EYE_MM = 1.0  # the demo's narrowed eye (about 2.5 mm) read from the screen


@pytest.fixture(scope="module")
def display():
    for tool in ("Xvfb", "xdotool", "import"):
        assert shutil.which(tool), f"{tool} is missing: .ci/run installs it"
    # Xvfb picks a free display itself and writes its number once it is ready: other test
    # runs on the same machine may be starting servers of their own at the same moment.
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    number = server.stdout.readline().strip()
    assert number.isdigit(), "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


QT_ABORT = -signal.SIGABRT  # the return code of a process Qt aborted


def popen_window(display, cmd, **kw) -> subprocess.Popen:
    """A process that opens a window on the display, started once more only if Qt aborted it
    before any window: now and then Qt fails to connect to a busy Xvfb at start-up ("could
    not connect to display"). Returns once its window is up (or it has ended otherwise)."""
    for attempt in range(2):
        proc = subprocess.Popen(cmd, env=dict(os.environ, DISPLAY=display), text=True, **kw)
        try:
            window_id(display, proc)
            return proc
        except AssertionError:
            if attempt or proc.poll() != QT_ABORT:
                return proc  # the caller's own wait for the window says what went wrong
            proc.communicate()
    raise AssertionError("unreachable")


def start(display, *args):
    return popen_window(
        display,
        [sys.executable, "-m", "facetension", "practice", "--source", str(DEMO), "--no-checkin", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def window_id(display, proc):
    deadline = time.monotonic() + WINDOW_WAIT_S
    while time.monotonic() < deadline and proc.poll() is None:
        found = subprocess.run(
            ["xdotool", "search", "--name", "^facetension$"],
            env=dict(os.environ, DISPLAY=display),
            capture_output=True,
            text=True,
        ).stdout.split()
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError("the practice window did not appear")


def screenshot(display, wid, path):
    r = subprocess.run(
        ["import", "-window", wid, str(path)], env=dict(os.environ, DISPLAY=display), capture_output=True
    )
    return cv2.imread(str(path)) if r.returncode == 0 and path.exists() else None


def near(image, bgr):
    return np.abs(image.astype(int) - np.array(bgr)).max(axis=2) <= COLOUR_TOLERANCE


def test_window_shows_the_mirrored_face_bars_prompt_and_pacer(display, tmp_path):
    proc = start(display, "--realtime")
    try:
        wid = window_id(display, proc)
        best, best_text, shots, failed = None, 0, 0, 0
        deadline = time.monotonic() + 40
        while proc.poll() is None and time.monotonic() < deadline:  # the demo's prompts come at 19–30 s
            shot = screenshot(display, wid, tmp_path / "shot.png")
            shots, failed = shots + 1, failed + (shot is None)
            if shot is not None:
                h = shot.shape[0]
                text = int((shot[h - 60 :, :, :].min(axis=2) > 220).sum())
                if text > best_text:
                    best, best_text = shot, text
                    if best_text > MIN_TEXT_PIXELS and time.monotonic() > deadline - 40 + 21:
                        break
            time.sleep(0.5)
    finally:
        ended = proc.poll()
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert best is not None and best_text > MIN_TEXT_PIXELS, (
        f"no prompt was ever shown: {shots} screenshots, {failed} failed, best {best_text} light pixels; "
        f"the practice {'ended, code ' + str(ended) if ended is not None else 'ran on'}; its stderr: {err[-2000:]!r}"
    )
    cv2.imwrite(str(tmp_path / "best.png"), best)
    h, w = best.shape[:2]
    # The face, mirrored. The demo narrows the subject's LEFT eye; in a mirror view that
    # eye is on the screen's left, so read as an ordinary photo the picture shows a person
    # whose own RIGHT eye is the narrow one: the eye diff (left − right) turns positive.
    with Landmarker("image") as lm:
        seen = analyze_image(best, lm)
    assert seen.error is None and seen.regions["eye"].diff_mm > MIRRORED_EYE_MM
    # Bars in both side panels, coloured by tension.
    coloured = near(best, CALM) | near(best, MID) | near(best, TENSE)
    assert coloured[: h // 2, : w // 5].sum() > 50 and coloured[: h // 2, -w // 5 :].sum() > 50
    # The pacer, bottom right.
    assert near(best, PACER)[h // 2 :, w // 2 :].sum() > 200


def test_q_ends_the_session_and_keeps_it(display):
    proc = start(display, "--realtime")
    wid = window_id(display, proc)
    time.sleep(3.0)
    env = dict(os.environ, DISPLAY=display)
    subprocess.run(["xdotool", "key", "--window", wid, "q"], env=env, check=True)
    time.sleep(SUMMARY_SEEN_S)
    assert proc.poll() is None, "the window closed without showing the session's summary"
    # Any key closes the summary. Its press closes the window, so sending the release fails.
    subprocess.run(["xdotool", "key", "--window", wid, "Return"], env=env, capture_output=True)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Session summary: stopped early (user)" in out
    with Log.open(readonly=True) as log:  # saved, as stopped early, with what it recorded
        record = log.sessions(limit=1)[0]
        assert record.status == "stopped" and log.samples(record.id)
