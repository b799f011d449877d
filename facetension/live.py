"""The live practice loop: the one place that shows a window and reads keys.

capture → landmarks → metrics (measured_frames) → session logic → overlay → window,
with every second and every event handed to a recorder (the log) as it happens, so
that a session stopped by anything (q, a closed window, a lost camera, a crash of the
source) keeps what it recorded.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from .analysis import measured_frames
from .checkin import FOOTER, TIMEOUT_S, TITLE, CheckIn
from .ending import held
from .errors import CameraError, InputError
from .face_model import N_MESH
from .landmarks import Landmarker
from .logrecords import SampleRow, SessionSummary
from .overlay import Overlay
from .recap import recap
from .session import Event, FrameInput, PracticeSession

WINDOW = "facetension"
BRIGHTNESS_EVERY = 6  # every 6th mesh point (78 pixels) for the face's brightness
_BRIGHTNESS_POINTS = np.arange(0, N_MESH, BRIGHTNESS_EVERY)
KEY_QUIT = {ord("q"), 27}  # q, Esc
KEY_PAUSE = ord(" ")
KEY_MESH = ord("m")
KEY_PAIN = ord("p")  # during the massage: "this hurts"
KEY_ENTER = {10, 13}
CHECKIN_POLL_MS = 50
PAUSE_POLL_MS = 50
# The pixel refinement (the costliest metric) reads every other frame; the frame between
# applies its split of lids and brows, 33 ms old at 30 fps, to its own mesh: the readings
# stay within a named tolerance of refining every frame (tests/test_live.py).
LIVE_REFINE_EVERY = 2
# No toolbar or status bar: a calm, plain picture, which the user may enlarge; the window
# scales it (keeping its shape), so the loop draws at the camera's size.
WINDOW_FLAGS = cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL
WINDOW_MIN_WIDTH = 960  # the window opens at least this wide, for legible text ...
WINDOW_MAX_HEIGHT = 720  # ... and no taller, for a laptop's screen (a phone's 1080p picture
# opened 1920 px tall); the user may enlarge it
# A session that ends (completed or stopped with q) leaves its summary in the window, on
# the last frame, until a key is pressed, the window is closed, or this long has passed.
SUMMARY_HOLD_S = 60.0
SUMMARY_POLL_MS = 100
SUMMARY_TITLE = "Session summary"
SUMMARY_FOOTER = "Press any key to close"


class Recorder(Protocol):
    """Where a session goes as it happens (the log)."""

    def second(self, row: SampleRow) -> None: ...

    def event(self, event: Event) -> None: ...


class NullRecorder:
    def second(self, row: SampleRow) -> None:
        pass

    def event(self, event: Event) -> None:
        pass


@dataclass(frozen=True)
class Outcome:
    summary: SessionSummary
    completed: bool
    stop_reason: str  # "completed" | "user" | "source-ended" | "camera-lost" | "source-failed" | "interrupted"
    message: str | None  # what went wrong, for the person
    frames: int
    elapsed_s: float = 0.0  # session time of the last frame seen


def display_available() -> bool:
    """Whether a window can open. Checked first: without a display, Qt aborts the process."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def face_brightness(image: np.ndarray, landmarks: np.ndarray | None) -> float | None:
    """Mean grey level (0..255) at the face's own mesh points: is there enough light on it?
    A sample of points (skin, lids, brows, lips) reads the face alone, not the room behind;
    points outside the picture read its edge."""
    if landmarks is None:
        return None
    h, w = image.shape[:2]
    x = np.minimum(np.maximum(landmarks[_BRIGHTNESS_POINTS, 0].astype(np.intp), 0), w - 1)
    y = np.minimum(np.maximum(landmarks[_BRIGHTNESS_POINTS, 1].astype(np.intp), 0), h - 1)
    pixels = image[y, x]
    return int(pixels.sum()) / pixels.size  # over B, G, R: close enough to grey (an exact integer sum)


def run(
    source,
    session: PracticeSession,
    recorder: Recorder,
    *,
    window: bool,
    model_path=None,
    realtime: bool = False,
    on_event: Callable[[Event], None] | None = None,
    summary_hold_s: float | None = None,
    checkin: CheckIn | None = None,
    on_checkin: Callable[[CheckIn], None] | None = None,
) -> Outcome:
    """Run a practice session on a source (VideoSource or CameraSource) until it is done,
    stopped, or the source ends or fails. Everything recorded is handed over as it comes.
    In a window, a session done (completed or stopped) then shows its summary for up to
    summary_hold_s (default SUMMARY_HOLD_S) or until a key is pressed. With a window and a
    `checkin`, the first frame holds while the person answers it (on_checkin gets the
    answers at once, so they are kept whatever happens next)."""
    overlay = Overlay()
    shown = False
    last_image = None
    frames = 0
    elapsed = 0.0
    stop_reason, message = "source-ended", None
    started = time.monotonic()

    def emit(events: list[Event]) -> None:
        for e in events:
            recorder.event(e)
            if on_event:
                on_event(e)

    finished = False  # the loop ended by itself (not by an error): a session done shows its summary
    try:
        with Landmarker("video", model_path) as lm:
            # In a window, measure each frame at once: it is shown a frame sooner than pipelined.
            for frame, face, measure in measured_frames(
                source, lm, pipeline=not window, refine_every=LIVE_REFINE_EVERY
            ):
                frames += 1
                elapsed = frame.t_s
                if realtime:  # a file played like a camera
                    ahead = frame.t_s - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
                inp = FrameInput(
                    frame.t_s,
                    face,
                    measure,
                    (frame.image.shape[1], frame.image.shape[0]),
                    face_brightness(frame.image, None if face is None else face.landmarks),
                )
                view, events, rows = session.update(inp)
                emit(events)
                for row in rows:
                    recorder.second(row)
                if window and checkin is not None and not checkin.done:
                    _checkin(frame.image, checkin, overlay, session, opened=shown)
                    shown = True
                    if on_checkin:
                        on_checkin(checkin)
                if window:
                    last_image = frame.image
                    landmarks = None if face is None else face.landmarks
                    picture = overlay.draw(frame.image, view, landmarks)
                    if not shown:
                        _open_window(picture.shape[1], picture.shape[0])
                    cv2.imshow(WINDOW, picture)
                    shown = True
                    emit(_keys(session, overlay))
                    while session.paused and not session.done:  # hold the picture until space
                        cv2.imshow(WINDOW, overlay.draw(frame.image, session.view(), landmarks))
                        emit(_keys(session, overlay, PAUSE_POLL_MS))
                if session.done:
                    stop_reason = "user" if session.stopped_early else "completed"
                    break
        finished = True
    except CameraError as exc:
        stop_reason, message = "camera-lost", str(exc)
    except InputError as exc:
        stop_reason, message = "source-failed", str(exc)
    except KeyboardInterrupt:  # Ctrl-C, or the CLI's SIGTERM/SIGHUP: the session ends as stopped
        stop_reason, message = "interrupted", "interrupted"
    finally:
        with held(redeliver=False) as late:  # an ending signal now must not cut the end short
            if not session.done:  # the source ended or failed: a massage step under way is kept
                emit(session.stop())
            for row in session.flush():
                recorder.second(row)
            if shown and finished and session.done and _visible():
                getattr(source, "close", lambda: None)()  # the camera (and its light) is off while the summary waits
                s = session.summary()
                lines = recap(s, None if s.completed else elapsed)  # the words the terminal's summary leads with
                _hold(
                    overlay.summary(last_image, SUMMARY_TITLE, lines, SUMMARY_FOOTER),
                    SUMMARY_HOLD_S if summary_hold_s is None else summary_hold_s,
                    until=lambda: bool(late.caught),
                )
            if shown:
                cv2.destroyAllWindows()
                cv2.waitKey(1)
    if late.caught and stop_reason != "completed":  # asked to end as it was ending: as one in the loop
        stop_reason, message = "interrupted", "interrupted"
    if stop_reason == "source-ended" and getattr(source, "truncated", False):
        message = "the video ended early (it is truncated or damaged)"
    elif stop_reason == "source-ended":
        message = "the video ended before the session was complete"
    summary = session.summary()
    return Outcome(summary, summary.completed, stop_reason, message, frames, elapsed)


def window_size(w: int, h: int) -> tuple[int, int]:
    """The size a window opens at for a w × h picture (it keeps the picture's shape)."""
    k = min(max(1.0, WINDOW_MIN_WIDTH / w), WINDOW_MAX_HEIGHT / h)
    return int(round(w * k)), int(round(h * k))


def _open_window(w: int, h: int) -> None:
    cv2.namedWindow(WINDOW, WINDOW_FLAGS)
    cv2.resizeWindow(WINDOW, *window_size(w, h))


def _visible() -> bool:
    try:
        return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) >= 1
    except cv2.error:
        return False


def _hold(picture: np.ndarray, hold_s: float, until=lambda: False) -> None:
    """Show a picture until any key, the window closed, until(), or hold_s."""
    cv2.imshow(WINDOW, picture)
    deadline = time.monotonic() + hold_s
    while time.monotonic() < deadline and not until():
        if cv2.waitKey(SUMMARY_POLL_MS) != -1 or not _visible():
            return


def _keys(session: PracticeSession, overlay: Overlay, wait_ms: int = 1) -> list[Event]:
    """Read one key press; a closed window counts as q. The events it caused."""
    key = cv2.waitKey(wait_ms) & 0xFF
    events: list[Event] = []
    if key in KEY_QUIT:
        events += session.stop()
    elif key == KEY_PAUSE:
        session.toggle_pause()
    elif key == KEY_MESH:
        overlay.show_mesh = not overlay.show_mesh
    elif key == KEY_PAIN:
        events += session.pain()
    if not _visible():
        events += session.stop()
    return events


def _checkin(image: np.ndarray, checkin: CheckIn, overlay: Overlay, session: PracticeSession, opened: bool) -> None:
    """The check-in on the held first frame, until Enter, s, q (which ends the session too),
    the window closed, or TIMEOUT_S without an answer."""
    deadline = time.monotonic() + TIMEOUT_S
    while not checkin.done:
        picture = overlay.checkin_screen(image, checkin.lines(), TITLE, FOOTER)
        if not opened:
            _open_window(picture.shape[1], picture.shape[0])
            opened = True
        cv2.imshow(WINDOW, picture)
        key = cv2.waitKey(CHECKIN_POLL_MS)
        if key != -1:
            deadline = time.monotonic() + TIMEOUT_S  # someone is answering
            key &= 0xFF
        if key in KEY_QUIT or not _visible():
            checkin.key("s")
            session.stop()
        elif key in KEY_ENTER:
            checkin.key("\r")
        elif 32 < key < 127:
            checkin.key(chr(key))
        elif time.monotonic() > deadline:
            checkin.key("\r")  # what was answered so far is kept
