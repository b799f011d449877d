"""The daily routine in the real window, under Xvfb: the check-in answered with real key
presses, and a massage zone highlighted on the person's own face with its instruction read
back by OCR. With FACETENSION_WRITE_SCREENSHOTS=1 it also writes the README's screenshot of
a massage step (samples/screenshots/massage.png)."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from facetension.checkin import PAIN_QUESTION, TITLE
from facetension.massage import Step
from facetension.overlay import ZONE
from facetension.storage import Log

from test_window import DEMO, display, near, window_id  # noqa: F401  (display: the Xvfb fixture)
from test_window_text import WRITE_SCREENSHOTS, Screen, ocr, reads, save_for_readme

CHECKIN_SHOT_S = 1.5  # the check-in, after the window appears
MASSAGE_SHOT_S = 10.0  # after the check-in: the first session learns the face (~5 s), rests, massages
MIN_ZONE_PIXELS = 150  # the zone's outline, drawn in its own colour, on the 960-wide window
TIMEOUT_S = 60


@pytest.fixture(scope="module")
def routine_window(display, tmp_path_factory):  # noqa: F811  (display: the fixture)
    tmp = tmp_path_factory.mktemp("window-routine")
    screen = Screen(display)
    db = tmp / "log.db"
    proc = screen.practice(DEMO, db, 3.0, "--checkin", "--massage", "0.5")
    try:
        wid = window_id(display, proc)
        time.sleep(CHECKIN_SHOT_S)
        checkin = screen.shot(wid, tmp / "checkin.png")
        checkin_text = ocr(checkin, tmp / "checkin-ocr.png")
        for key in ("4", "c", "Return"):
            screen.run("xdotool", "key", "--window", wid, key)
            time.sleep(0.3)
        time.sleep(MASSAGE_SHOT_S)
        massage = screen.shot(wid, tmp / "massage.png")
        screen.run("xdotool", "key", "--window", wid, "q")
        massage_text = ocr(massage, tmp / "massage-ocr.png")
        out, err = proc.communicate(timeout=TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc, checkin_text, massage, massage_text, db, err


def test_the_check_in_is_read_and_answered_with_keys(routine_window):
    proc, checkin_text, _, _, db, err = routine_window
    assert reads(checkin_text, TITLE) and reads(checkin_text, "Pain now, 0 (none) to 10 (worst)"), checkin_text
    assert PAIN_QUESTION.startswith("Pain now")
    assert reads(checkin_text, "c: cold") and reads(checkin_text, "t: stress"), checkin_text
    assert reads(checkin_text, "Enter: start"), checkin_text
    with Log.open(db, readonly=True) as log:
        (s,) = log.sessions()
        assert (s.journal.pain_before, s.journal.tags) == (4, ("cold",)), err


def test_a_massage_zone_is_highlighted_on_the_face_and_its_instruction_read(routine_window):
    proc, _, massage, massage_text, db, err = routine_window
    if WRITE_SCREENSHOTS:
        save_for_readme(massage, "massage.png")
    with Log.open(db, readonly=True) as log:
        (s,) = log.sessions()
        steps = [e for e in log.events(s.id) if e.kind == "massage"]
    assert steps, f"no massage step was logged: {err}"
    # The step on screen when the picture was taken, by its number on screen: on a loaded
    # machine the next step may begin between the picture and the q that ends the session.
    number = re.search(r"Step (\d+) of \d+", massage_text)
    assert number, f"no step number read:\n{massage_text}"
    n = int(number.group(1))
    assert 1 <= n <= len(steps), (n, steps)
    step = Step(steps[n - 1].region, steps[n - 1].side)
    assert reads(massage_text, step.how), f"{step.how!r} not read:\n{massage_text}"
    others = {Step(e.region, e.side).how for e in steps} - {step.how}
    assert not any(reads(massage_text, how) for how in others), massage_text
    assert reads(massage_text, "p: this hurts"), massage_text
    h, w = massage.shape[:2]
    outline = near(massage, ZONE)
    assert outline.sum() > MIN_ZONE_PIXELS
    ys, xs = np.nonzero(outline)
    # On the face: inside the picture's middle, not in the text bands.
    assert w * 0.2 < np.median(xs) < w * 0.8 and h * 0.1 < np.median(ys) < h * 0.85
