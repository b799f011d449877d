"""The movement check in the real window, under Xvfb: `facetension check` on a clip played
like a camera (--realtime), real screenshots (ImageMagick's import), real key presses
(xdotool) and tesseract reading each cue back. .ci/run installs the tools.

With FACETENSION_WRITE_SCREENSHOTS=1 it also writes the README's screenshot of the check
(samples/screenshots/check.png).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from facetension import face_model as fm
from facetension.check_overlay import BROW_MIDDLE, CUE, END_ESTIMATE, END_FOOTER, END_TITLE, KEY_HINTS, cue_marks
from facetension.check_plan import (
    BY_KEY,
    HALF_STRENGTH,
    MOVEMENT_KEYS,
    RELEASE_CUE,
    REST_CUE,
    REST_S,
    Step,
    duration,
    plan,
)
from facetension.landmarks import Landmarker

from scripted import rest_frames, write_clip
from test_window import display, near, window_id  # noqa: F401  (display: the Xvfb fixture, used by screen)
from test_window_text import TOOL_TIMEOUT_S, WRITE_SCREENSHOTS, ocr, reads, save_for_readme, screen  # noqa: F401  (screen: a fixture)

ROOT = Path(__file__).resolve().parents[1]
CLIP_S = 25.0  # a resting face, longer than the first cues are watched
WATCH_S = 12.0  # after the window appears: the rest (0–6 s), the first brow raise (6–9 s), its release (9–11 s)
SHOT_EVERY_S = 0.25
# Where the face is in the 960 × 540 window: between the top band and the instruction.
MIDDLE = (slice(int(540 * 0.12), int(540 * 0.75)), slice(int(960 * 0.2), int(960 * 0.8)))
MIN_CUE_PIXELS = 60  # of the cue's colour in the picture's middle: the arrows are up
MIN_BROW_CUE_PIXELS = 40  # ... at each mark (just above each brow, ...), on the 960-wide window
BROW_REACH = 0.45  # how far above a brow its arrow is looked for (share of the eye-corner span)
PACE_SLACK_S = 1.5  # the first cue comes REST_S into the clip, give or take the window's start
END_WAIT_S = 40.0  # the end screen appears within this after q, or after the clip's end
END_HELD_S = 2.0  # ... and is still up this long later: it waits for a key
EXIT_S = 20.0
OCR_SHOTS = 3
INSTRUCTION_FROM = 0.8  # the instruction's band: the bottom fifth of the window (two lines at most)
RELEASE_LOOK_S = 1.0  # the first second after a cue is certainly its release (BETWEEN_S long)
QT_ABORT = -signal.SIGABRT  # the return code of a process Qt aborted
LOOKS: list[str] = []  # why each screenshot that gave no picture gave none
BROWS = (BROW_MIDDLE, fm.mirrored(BROW_MIDDLE))  # the brows' upper middles, on the subject's right and left
EYE_CORNERS = (fm.RIGHT_OUTER_CANTHUS, fm.mirrored(fm.RIGHT_OUTER_CANTHUS))


def launch(on_display: str, *args: str) -> tuple[subprocess.Popen, str]:
    """Python with these arguments on the display, and its window once it is up. Qt now and
    then fails to connect to a busy Xvfb at start-up ("could not connect to display") and
    aborts before any window: that start, and only that, is tried once more."""
    for attempt in range(2):
        proc = subprocess.Popen(
            [sys.executable, *args],
            env=dict(os.environ, DISPLAY=on_display),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            return proc, window_id(on_display, proc)
        except AssertionError:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if attempt or proc.returncode != QT_ABORT:
                raise
    raise AssertionError("unreachable")


def start_check(on_display: str, clip: Path, *more: str) -> tuple[subprocess.Popen, str]:
    """`facetension check` on a clip played like a camera, keeping nothing in the log."""
    return launch(on_display, "-m", "facetension", "check", "--source", str(clip), "--realtime", "--no-log", *more)


def look(screen, wid: str, path: Path) -> np.ndarray | None:  # noqa: F811  (screen: a Screen)
    """The window's picture, or None while it is not painted yet (or gone)."""
    path.unlink(missing_ok=True)
    done = subprocess.run(
        ["import", "-window", wid, str(path)],
        env=dict(os.environ, DISPLAY=screen.display),
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_S,
    )
    shot = cv2.imread(str(path))
    if shot is not None and shot.any():
        return shot
    LOOKS.append("black" if shot is not None else f"failed: {done.stderr.strip()[:80]}")
    return None


def end_screen(screen, wid: str, tmp: Path, proc: subprocess.Popen) -> tuple[np.ndarray, str]:  # noqa: F811
    """The end screen, once it is up: its picture and text. (screen: a Screen.)"""
    deadline = time.monotonic() + END_WAIT_S
    seen = []  # what each look found, for the message if it never comes
    while time.monotonic() < deadline and proc.poll() is None:
        shot = look(screen, wid, tmp / "end.png")
        if shot is None:
            seen.append(LOOKS[-1])
        else:
            text = ocr(shot, tmp / "end-ocr.png")
            if reads(text, END_TITLE):
                return shot, text
            seen.append(" ".join(text.split())[:40])
        time.sleep(0.5)
    windows = subprocess.run(
        ["xdotool", "search", "--name", "^facetension$"],
        env=dict(os.environ, DISPLAY=screen.display),
        capture_output=True,
        text=True,
    ).stdout.split()
    raise AssertionError(
        f"the end screen did not appear (process: {proc.poll()}; window {wid} of {windows}; looks: {seen[-4:]})"
    )


def held_until_a_key(screen, wid: str, proc: subprocess.Popen) -> tuple[bool, str, str]:  # noqa: F811
    """Whether the end screen is still up END_HELD_S after it appeared; then Return, and the
    process's output once it has exited."""
    time.sleep(END_HELD_S)
    held = proc.poll() is None
    # The key's press closes the window: xdotool then fails to send its release there.
    screen.run("xdotool", "key", "--window", wid, "Return", check=False)
    out, err = proc.communicate(timeout=EXIT_S)
    return held, out, err


def instruction(shot: np.ndarray, path: Path) -> str:
    """The instruction, read from the band at the bottom on its own as one block of text
    (tesseract's --psm 6): read with the rest of the screen as sparse text, it loses a word
    of it now and then, in one shot of ten (tests/test_window_text.py's ocr)."""
    return ocr(shot[int(shot.shape[0] * INSTRUCTION_FROM) :], path, psm=6)


def cue_pixels(shot: np.ndarray) -> int:
    return int(near(shot[MIDDLE], CUE).sum())


@pytest.fixture(scope="module")
def watched(screen, tmp_path_factory):  # noqa: F811  (screen: the fixture)
    """A resting face through the first cues, screenshots every SHOT_EVERY_S; then q, the end
    screen, and a key to close it."""
    tmp = tmp_path_factory.mktemp("window-check")
    frames, fps = rest_frames(CLIP_S)
    clip = write_clip(frames, tmp / "rest.avi", fps)
    shots: list[tuple[float, np.ndarray]] = []  # (seconds after the window appeared, picture)
    proc, wid = start_check(screen.display, clip)
    try:
        appeared = time.monotonic()
        while time.monotonic() - appeared < WATCH_S and proc.poll() is None:
            at = time.monotonic() - appeared
            shot = look(screen, wid, tmp / f"shot-{len(shots):03d}.png")
            if shot is not None:
                shots.append((at, shot))
            time.sleep(SHOT_EVERY_S)
        screen.run("xdotool", "key", "--window", wid, "q")
        end, end_text = end_screen(screen, wid, tmp, proc)
        held, out, err = held_until_a_key(screen, wid, proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return tmp, shots, end_text, held, proc.returncode, out, err


def read_some(shots, tmp: Path, name: str) -> tuple[list[str], list[str]]:
    """The instruction (read on its own) and the whole screen, OCR'd in up to OCR_SHOTS of
    the shots, from the middle out: a phrase counts as read when one of them reads it."""
    middle = len(shots) // 2
    order = sorted(range(len(shots)), key=lambda i: abs(i - middle))[:OCR_SHOTS]
    said = [instruction(shots[i][1], tmp / f"{name}-{i}-band.png") for i in order]
    return said, [ocr(shots[i][1], tmp / f"{name}-{i}-ocr.png") for i in order]


def read_in(texts: list[str], *phrases: str) -> None:
    for phrase in phrases:
        assert any(reads(text, phrase) for text in texts), f"{phrase!r} not read in:\n{texts}"


def first_cue(shots):
    """The shots before the first cue on the face, of the first cue, and after it."""
    cued = [i for i, (_, shot) in enumerate(shots) if cue_pixels(shot) > MIN_CUE_PIXELS]
    assert cued, f"no cue on the face in {len(shots)} screenshots"
    first = cued[0]
    last = next((j for j, k in zip(cued, cued[1:]) if k != j + 1), cued[-1])
    return shots[:first], shots[first : last + 1], shots[last + 1 :]


def test_the_rest_cue_comes_first_and_is_read(watched):
    tmp, shots, *_ = watched
    before, cue, _ = first_cue(shots)
    assert before, "the check began with a cue on the face, not at rest"
    said, texts = read_some(before, tmp, "rest")
    print("REST:", *said, *texts, sep="\n")
    read_in(said, REST_CUE)
    read_in(texts, "Rest", "left", "then 6 movements", *KEY_HINTS)
    # Played like a camera: the first cue comes REST_S into the clip, in real time.
    assert cue[0][0] > REST_S - PACE_SLACK_S, f"the first cue came {cue[0][0]:.1f} s after the window appeared"


def test_the_brow_raise_is_cued_on_the_face_and_its_instruction_read(watched):
    tmp, shots, *_ = watched
    _, cue, _ = first_cue(shots)
    shot = cue[len(cue) // 2][1]
    if WRITE_SCREENSHOTS:
        save_for_readme(shot, "check.png")
    said, texts = read_some(cue, tmp, "brow")
    print("BROW RAISE:", *said, *texts, sep="\n")
    read_in(said, "Gently raise your eyebrows", "raise your eyebrows", HALF_STRENGTH)
    read_in(texts, "Brow raise", "1 of 3", "movement 1 of 6", *KEY_HINTS)
    # The cue is over both brows of the face on the screen, in the cue's own colour.
    with Landmarker("image") as lm:
        face = lm.detect(np.ascontiguousarray(shot))
    assert face is not None, "no face in the screenshot"
    p = face.landmarks
    span = float(np.linalg.norm(p[EYE_CORNERS[0], :2] - p[EYE_CORNERS[1], :2]))
    cue_mask = near(shot, CUE)
    for brow in BROWS:
        x, y = p[brow, :2]
        box = cue_mask[int(y - BROW_REACH * span) : int(y), int(x - 0.15 * span) : int(x + 0.15 * span)]
        assert box.sum() > MIN_BROW_CUE_PIXELS, f"no cue above the brow at ({x:.0f}, {y:.0f})"


def test_the_release_says_let_it_go(watched):
    tmp, shots, *_ = watched
    _, _, after = first_cue(shots)
    assert after, "the screenshots stopped during the first cue"
    released = [(t, shot) for t, shot in after if t < after[0][0] + RELEASE_LOOK_S]
    said, texts = read_some(released, tmp, "release")
    print("RELEASE:", *said, *texts, sep="\n")
    read_in(said, RELEASE_CUE)
    read_in(texts, "Brow raise", "1 of 3")
    assert all(cue_pixels(shot) < MIN_CUE_PIXELS for _, shot in released)  # the face is left alone while it lets go


def test_q_stops_the_check_shows_what_was_seen_and_exits_cleanly(watched):
    *_, end_text, held, code, out, err = watched
    print("END (stopped):", end_text, sep="\n")
    assert reads(end_text, "stopped after") and reads(end_text, "No movement of the set was found"), end_text
    assert held, "the end screen closed by itself at once"
    # Stopped by the person before any movement: said calmly, not an error, nothing kept.
    assert code == 0 and "Traceback" not in err, err
    assert "stopped before any movement was seen: nothing was kept" in out, out


def test_the_end_screen_shows_the_figures_until_a_key(screen, faces, tmp_path):  # noqa: F811  (screen: the fixture)
    """single_face.mp4 (2.4 s) holds a real open smile: the clip ends, the figures stay up."""
    proc, wid = start_check(screen.display, faces["single_face.mp4"])
    try:
        shot, text = end_screen(screen, wid, tmp_path, proc)
        held, out, err = held_until_a_key(screen, wid, proc)
        assert held, "the end screen closed without a key"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print("END:", text, sep="\n")
    assert proc.returncode == 0, err
    for phrase in ("Open smile", "left mm", "right mm", "synkinesis", "not a clinical grade", END_FOOTER):
        assert reads(text, phrase), f"{phrase!r} not read on the end screen:\n{text}"
    assert END_ESTIMATE.endswith("not a clinical grade.")
    assert "Open smile" in out  # the terminal's table, after the window closed


FAILING = """
import sys, time
from facetension.capture import VideoSource
from facetension.check_live import run_check
from facetension.errors import InputError

class Failing(VideoSource):
    def frames(self):
        for frame in super().frames():
            if frame.index == int(sys.argv[2]):
                raise InputError("broken") if sys.argv[3] == "input" else RuntimeError("a bug")
            yield frame

with Failing(sys.argv[1]) as source:
    try:
        print("stop:", run_check(source, window=True, realtime=True).stop_reason, flush=True)
    except RuntimeError as exc:
        print("raised:", exc, flush=True)
print("returned", flush=True)
time.sleep(float(sys.argv[4]))
"""
FAIL_AT_FRAME = 45  # 1.5 s into the clip: the window is up by then
STILL_ALIVE_S = 6.0  # the process lives on this long after run_check returned: no window may be left


@pytest.mark.parametrize(("error", "said"), [("input", "stop: source-failed"), ("bug", "raised: a bug")])
def test_no_window_is_left_open_when_the_source_fails(screen, faces, error, said):  # noqa: F811  (screen: the fixture)
    env = dict(os.environ, DISPLAY=screen.display)
    clip = str(faces["single_face.mp4"])
    proc, _ = launch(screen.display, "-c", FAILING, clip, str(FAIL_AT_FRAME), error, str(STILL_ALIVE_S))  # it did open
    try:
        lines = [proc.stdout.readline().strip() for _ in range(2)]
        assert lines == [said, "returned"], lines
        visible = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", "^facetension$"], env=env, capture_output=True, text=True
        ).stdout.split()
        assert proc.poll() is None and not visible, f"a window is still open after run_check returned: {visible}"
    finally:
        proc.kill()
        proc.wait()


# -- every cue of the set, on a shorter set run through check_live itself -------------------
# The whole set takes over 90 s; the same window with each movement once and a shorter rest
# shows every cue in about half a minute. The CLI has no way to shorten the set: run_check's
# own `steps` does it, here only.
SHORT_REST_S = 3.0
SHORT_SET = """
import sys
from facetension.capture import VideoSource
from facetension.check_live import run_check
from facetension.check_plan import plan

steps = plan(reps=1, rest_s=float(sys.argv[2]))
with VideoSource(sys.argv[1]) as source:
    out = run_check(source, steps=steps, window=True, realtime=True, summary_hold_s=0.5)
print(out.stop_reason, out.frames, flush=True)
"""
SHOTS_IN_STEP = (0.35, 0.65)  # when to look, as shares of a step: well inside it
CUE_MARGIN_PX = 12  # around where cue_marks puts a cue on the screenshot's own face


@pytest.fixture(scope="module")
def every_cue(screen, tmp_path_factory):  # noqa: F811  (screen: the fixture)
    """Screenshots of every step of a short set (each movement once), taken by the clock."""
    tmp = tmp_path_factory.mktemp("window-check-all")
    steps = plan(reps=1, rest_s=SHORT_REST_S)
    frames, fps = rest_frames(duration(steps) + 1.0)
    clip = write_clip(frames, tmp / "rest.avi", fps)
    taken: list[tuple[Step, float, np.ndarray]] = []  # (the step, when in it, the picture)
    proc, wid = launch(screen.display, "-c", SHORT_SET, str(clip), str(SHORT_REST_S))
    try:
        appeared = time.monotonic()
        for step in steps:
            for share in SHOTS_IN_STEP:
                at = step.start_s + share * (step.end_s - step.start_s)
                time.sleep(max(0.0, appeared + at - time.monotonic()))
                began = time.monotonic() - appeared
                shot = look(screen, wid, tmp / f"step-{len(taken):03d}.png")
                if shot is not None:
                    taken.append((step, (began - step.start_s) / (step.end_s - step.start_s), shot))
        out, err = proc.communicate(timeout=EXIT_S + END_WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and out.startswith("completed"), err
    # A shot that came too late to be in its step (a loaded machine) is not counted.
    return tmp, steps, [(step, shot) for step, when, shot in taken if when < 1.0 - SHOTS_IN_STEP[0] / 2]


def test_every_cue_of_the_set_is_shown_and_read(every_cue):
    tmp, steps, taken = every_cue
    for step in steps:
        shots = [shot for s, shot in taken if s is step]
        assert shots, f"no screenshot in time for {step}"
        said, texts = read_some([(0.0, shot) for shot in shots], tmp, f"{step.start_s:.0f}")
        print(f"{step.text.upper()}:", *said, sep="\n")
        read_in(said, step.text, *step.text.split(", "))  # whole, and in its parts (the cue, "about half strength")
        if step.kind == "hold":
            number = MOVEMENT_KEYS.index(step.movement) + 1
            read_in(texts, f"{BY_KEY[step.movement].name} 1 of 1", f"movement {number} of 6")


def test_every_movements_cue_is_on_the_face_while_it_is_held(every_cue):
    _, steps, taken = every_cue
    with Landmarker("image") as lm:
        for step, shot in taken:
            in_middle = cue_pixels(shot)
            if step.kind != "hold":
                assert in_middle < MIN_CUE_PIXELS, f"a cue on the face at {step}"
                continue
            # Where cue_marks puts this movement's cue on the face in this very screenshot.
            face = lm.detect(np.ascontiguousarray(cv2.flip(shot, 1)))  # the picture is mirrored
            assert face is not None, f"no face in the screenshot at {step}"
            marks = cue_marks(face.landmarks, step.movement, shot.shape[1])
            cue_mask = near(shot, CUE)
            for m in marks:
                (x0, y0), (x1, y1) = np.min(m.points, axis=0), np.max(m.points, axis=0)
                box = cue_mask[
                    max(0, y0 - CUE_MARGIN_PX) : y1 + CUE_MARGIN_PX, max(0, x0 - CUE_MARGIN_PX) : x1 + CUE_MARGIN_PX
                ]
                assert box.sum() > MIN_BROW_CUE_PIXELS, f"no cue on the {m.side} side at {step}"
