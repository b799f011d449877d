"""What a person reads in the practice window, read back from real screenshots by OCR.

A real X server (Xvfb), the real OpenCV window of `facetension practice` on the demo clip
played like a camera (--realtime), real screenshots (ImageMagick's import) and tesseract:
each phase's instruction, the time left, the key hints, the first session's introduction, a
prompt, and the summary screen at the end. .ci/run installs the tools.

With FACETENSION_WRITE_SCREENSHOTS=1 the run also writes the README's two screenshots
(samples/screenshots/); CI leaves the checkout alone.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import cv2
import numpy as np
import pytest

from facetension.capture import VideoSource
from facetension.live import SUMMARY_TITLE
from facetension.practice_words import PHASE_TITLES, Phase, span
from facetension.recap import CLOSE
from facetension.session import PracticeSession, PracticeSettings

from test_session import SETTINGS, run, session
from test_window import DEMO, display, popen_window, window_id  # noqa: F401  (display: the Xvfb fixture, used by screen)

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "samples" / "screenshots"
WRITE_SCREENSHOTS = os.environ.get("FACETENSION_WRITE_SCREENSHOTS") == "1"
README_WIDTH = 960
README_COLOURS = 128  # palette of the README's PNGs: a photo in full colour is ~4 times larger
OCR_ZOOM = 2  # tesseract reads the 10–15 px letters of a 960-wide window better twice as large
MATCH = 0.8  # similarity (difflib ratio) at which a phrase counts as read: OCR may slip a letter
KEY_HINTS = ("q stop", "space pause", "m mesh")
# When to look, in seconds after the window appears (~0.5 s into the clip). The demo's
# fitted phases (README): learning the relaxed face ~1–10 s, before ~10–18 s, relaxation
# ~18–36 s ("Let your left eye soften" from 19 s until the next prompt at 25 s), after ~36–44 s.
SHOTS = {Phase.CALIBRATE: 5.0, Phase.BEFORE: 14.0, Phase.RELAX: 21.5, Phase.AFTER: 39.5}
ENLARGED = (1280, 720)  # the window made larger by hand, during the after phase (the screen is 1280 wide)
ENLARGED_AT_S = 41.5
SUMMARY_WAIT_S = 25.0  # from the after phase's shot to the summary screen
QUICK_HOLD_S = 6.0  # the stopped session's summary closes by itself after this (SUMMARY_HOLD_S)
STOP_WAIT_S = 15.0  # after q, a loaded machine saves the session and shows its summary within this
CHECK_SHOT_S = 1.5  # the check's screenshot, after the window appears
PAINT_WAIT_S = 5.0  # a window just shown is painted within this, even on a loaded machine
TOOL_TIMEOUT_S = 20  # import, xdotool, tesseract: a hung tool fails the test instead of stalling it


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9:]+", " ", text.lower()).split())


def reads(text: str, phrase: str) -> bool:
    """Whether OCR'd text holds the phrase, allowing a slipped letter or two."""
    words, want = normalised(text).split(), normalised(phrase)
    n = len(want.split())
    return any(
        SequenceMatcher(None, " ".join(words[i : i + n]), want).ratio() >= MATCH
        for i in range(max(1, len(words) - n + 1))
    )


def ocr(image: np.ndarray, path: Path, psm: int = 11) -> str:
    """Tesseract on the screenshot's own pixels as grey, inverted (it reads dark letters on
    light best: the amber check messages are lost otherwise) and enlarged; sparse text by
    default (page segmentation mode 11; 6 reads one block)."""
    grey = 255 - cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    cv2.imwrite(str(path), cv2.resize(grey, None, fx=OCR_ZOOM, fy=OCR_ZOOM, interpolation=cv2.INTER_CUBIC))
    return subprocess.run(
        ["tesseract", str(path), "stdout", "--psm", str(psm)],
        capture_output=True,
        text=True,
        check=True,
        timeout=TOOL_TIMEOUT_S,
    ).stdout


@dataclass(frozen=True)
class Screen:
    """The X display the window is on: screenshots of it and keys pressed into it."""

    display: str

    def run(self, *cmd: str, check: bool = True) -> None:
        done = subprocess.run(
            cmd, env=dict(os.environ, DISPLAY=self.display), capture_output=True, text=True, timeout=TOOL_TIMEOUT_S
        )
        assert done.returncode == 0 or not check, f"{' '.join(cmd)}: {done.stderr}"

    def shot(self, wid: str, path: Path) -> np.ndarray:
        """The window's picture. A window that has just appeared may not be painted yet (on a
        loaded machine): a black shot is taken again, for up to PAINT_WAIT_S."""
        deadline = time.monotonic() + PAINT_WAIT_S
        while True:
            self.run("import", "-window", wid, str(path))
            image = cv2.imread(str(path))
            if (image is not None and image.any()) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert image is not None and image.any(), f"no picture in the screenshot {path}"
        return image

    def practice(self, clip: Path, db: Path, hold_s: float | None = None, *more: str) -> subprocess.Popen:
        """`facetension practice` on a clip played like a camera, into a fresh log (so it is a
        first session); hold_s shortens the summary screen's hold (live.SUMMARY_HOLD_S). No
        check-in unless `more` asks for one (--checkin)."""
        checkin = "--checkin" in more
        more = tuple(m for m in more if m != "--checkin")
        args = ["practice", "--source", str(clip), "--realtime", "--no-journal", "--db", str(db), *more]
        args += [] if checkin else ["--no-checkin"]
        code = (
            "import sys; from facetension import cli, live; live.SUMMARY_HOLD_S = float(sys.argv[1]); "
            "sys.argv[1:2] = []; sys.exit(cli.run())"
        )
        cmd = (
            [sys.executable, "-m", "facetension", *args]
            if hold_s is None
            else [sys.executable, "-c", code, str(hold_s), *args]
        )
        return popen_window(self.display, cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def summary(
        self, wid: str, tmp_path: Path, deadline_s: float, proc: subprocess.Popen | None = None
    ) -> tuple[np.ndarray, str]:
        """The summary screen, once it is up: its picture and text. Looking stops when the
        window's process has ended (its summary closed before a shot could read it)."""
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline and (proc is None or proc.poll() is None):
            shot = self.shot(wid, tmp_path / "summary.png")
            text = ocr(shot, tmp_path / "summary-ocr.png")
            if reads(text, SUMMARY_TITLE):
                return shot, text
            time.sleep(0.5)
        raise AssertionError("the summary screen did not appear")


def save_for_readme(image: np.ndarray, name: str) -> None:
    """A small PNG for the README: at most README_WIDTH wide, on a README_COLOURS palette."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    h, w = image.shape[:2]
    k = min(1.0, README_WIDTH / w)
    raw = SCREENSHOTS / f".{name}.raw.png"
    cv2.imwrite(str(raw), cv2.resize(image, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA))
    subprocess.run(
        [
            "convert",
            str(raw),
            "-colors",
            str(README_COLOURS),
            "-strip",
            "-define",
            "png:compression-level=9",
            str(SCREENSHOTS / name),
        ],
        check=True,
    )
    raw.unlink()


def a_room_without_a_face(tmp_path: Path, seconds: float = 20.0) -> Path:
    """The demo's own background (its door and wall, no one in front of the camera), as a clip."""
    cap = cv2.VideoCapture(str(DEMO))
    ok, frame = cap.read()
    cap.release()
    assert ok
    room = cv2.resize(frame[:, :150], (frame.shape[1], frame.shape[0]))
    path = tmp_path / "room.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (room.shape[1], room.shape[0]))
    for _ in range(int(seconds * 30)):
        writer.write(room)
    writer.release()
    return path


def test_the_view_says_what_to_do_and_how_long_is_left():
    """Pure: what the window writes comes from the View, counted in active time."""
    s = session()  # with a baseline: check, then before 5 s, relaxation 60 s, after 5 s
    total = SETTINGS.before_s + SETTINGS.relax_s + SETTINGS.after_s
    _, views = run(s, 0.2)
    v = views[-1]
    assert v.phase == Phase.CHECK and v.phase_left_s is None and v.session_left_s == total
    assert v.instruction == "Sit comfortably and face the screen" and v.intro == ()  # not a first session
    _, views = run(s, 3.0, t0=0.2)
    v = views[-1]
    assert v.phase == Phase.BEFORE and v.instruction == "Sit still, eyes open, and let your face rest (5 s)"
    assert 0 < v.phase_left_s < SETTINGS.before_s
    assert v.session_left_s == pytest.approx(v.phase_left_s + SETTINGS.relax_s + SETTINGS.after_s)
    s.toggle_pause()  # a pause stops the clock
    _, paused = run(s, 2.0, t0=3.2)
    assert (paused[-1].phase_left_s, paused[-1].session_left_s) == (v.phase_left_s, v.session_left_s)
    s.toggle_pause()
    _, views = run(s, 1.0, t0=5.2)
    assert views[-1].phase_left_s == pytest.approx(v.phase_left_s - 1.0)  # 30 frames, 1/30 s apart
    first = PracticeSession(SETTINGS).view()  # no baseline: it first learns the relaxed face, and says so
    assert first.intro[0] == f"Your first session takes about {span(SETTINGS.calibrate_s + total)} in all:"


@pytest.fixture(scope="module")
def screen(display):  # noqa: F811  (the fixture imported above)
    for tool in ("tesseract", "convert"):
        assert shutil.which(tool), f"{tool} is missing: .ci/run installs it"
    return Screen(display)


def test_the_check_and_a_stopped_sessions_summary_can_be_read(screen, tmp_path):
    """Nobody in front of the camera: the check says what to do, and the first session
    explains itself; q stops it, its summary says so and closes by itself."""
    proc = screen.practice(a_room_without_a_face(tmp_path), tmp_path / "log.db", hold_s=QUICK_HOLD_S)
    try:
        wid = window_id(screen.display, proc)
        time.sleep(CHECK_SHOT_S)
        check = ocr(screen.shot(wid, tmp_path / "check.png"), tmp_path / "check-ocr.png")
        screen.run("xdotool", "key", "--window", wid, "q")
        _, summary_text = screen.summary(wid, tmp_path, STOP_WAIT_S + QUICK_HOLD_S, proc)
        out, err = proc.communicate(timeout=QUICK_HOLD_S + 15)  # no key: the hold ends by itself
    finally:
        proc.kill()
    print("CHECK:", check, "\nSTOPPED SUMMARY:", summary_text, sep="\n")
    assert proc.returncode == 0, err
    for phrase in (
        PHASE_TITLES[Phase.CHECK],
        "Sit comfortably and face the screen",
        "session",
        "left",
        "Your first session takes about",
        "I learn your relaxed face",
        "then rest again",
        "I can't see your face",
        *KEY_HINTS,
    ):
        assert reads(check, phrase), f"{phrase!r} not read in the check phase:\n{check}"
    for phrase in ("Stopped after", "The session ended before your face could be measured", CLOSE):
        assert reads(summary_text, phrase), f"{phrase!r} not read on the summary screen:\n{summary_text}"
    assert "Session summary: stopped early (user)" in out


def test_every_phase_and_the_summary_can_be_read(screen, tmp_path):
    with VideoSource(DEMO) as src:
        s = PracticeSettings.fitted(src.declared_frames / src.fps, calibrate=True)
    instructions = {
        Phase.CALIBRATE: f"Eyes open, face at rest: I'm learning your relaxed face ({span(s.calibrate_s)})",
        Phase.BEFORE: f"Sit still, eyes open, and let your face rest ({span(s.before_s)})",
        Phase.RELAX: "Follow the breathing circle; I'll tell you where to let go",
        Phase.AFTER: f"Rest once more, quite still, eyes open ({span(s.after_s)})",
    }
    proc = screen.practice(DEMO, tmp_path / "log.db")
    shots = {}
    try:
        wid = window_id(screen.display, proc)
        start = time.monotonic()
        for phase, at in SHOTS.items():
            time.sleep(max(0.0, start + at - time.monotonic()))
            shots[phase] = screen.shot(wid, tmp_path / f"{phase.value}.png")
        screen.run("xdotool", "windowsize", wid, *map(str, ENLARGED))
        time.sleep(max(0.0, start + ENLARGED_AT_S - time.monotonic()))
        enlarged = screen.shot(wid, tmp_path / "enlarged.png")
        summary, summary_text = screen.summary(wid, tmp_path, SUMMARY_WAIT_S)
        assert proc.poll() is None, "the summary screen closed by itself at once"
        # The key's press closes the window: xdotool then fails to send its release there.
        screen.run("xdotool", "key", "--window", wid, "Return", check=False)
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    texts = {phase: ocr(shot, tmp_path / f"{phase.value}-ocr.png") for phase, shot in shots.items()}
    for phase, text in texts.items():
        print(f"{phase.value.upper()}:", text, sep="\n")
        for phrase in (PHASE_TITLES[phase], instructions[phase], "left", "session", *KEY_HINTS):
            assert reads(text, phrase), f"{phrase!r} not read in the {phase.value} phase:\n{text}"
    for phrase in ("Your first session takes about", "I learn your relaxed face"):
        assert reads(texts[Phase.CALIBRATE], phrase), texts[Phase.CALIBRATE]
    assert reads(texts[Phase.RELAX], "Let your left eye soften"), texts[Phase.RELAX]
    assert reads(texts[Phase.RELAX], "breathe"), texts[Phase.RELAX]
    assert enlarged.shape[1] > shots[Phase.AFTER].shape[1]
    big = ocr(enlarged, tmp_path / "enlarged-ocr.png")
    print("AFTER, ENLARGED:", big, sep="\n")
    assert reads(big, instructions[Phase.AFTER]) and all(reads(big, hint) for hint in KEY_HINTS), big
    # The summary screen says what the terminal's summary leads with (recap.recap).
    print("SUMMARY:", summary_text, sep="\n")
    sentences = out.split("Session summary: completed\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(sentences) >= 3 and sentences[-1] == CLOSE
    for sentence in sentences:
        assert reads(summary_text, sentence.replace("→", "->")), f"{sentence!r} not read:\n{summary_text}"
    assert reads(summary_text, "Your left eye relaxed") and reads(summary_text, "Press any key to close")
    if WRITE_SCREENSHOTS:
        save_for_readme(shots[Phase.RELAX], "practice_window.png")
        save_for_readme(summary, "summary_screen.png")
