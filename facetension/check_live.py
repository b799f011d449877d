"""The movement check's loop: a source's frames through the landmarker into the check's
recorder, with the set's cues paced by the frames' own time (and, in a window, drawn on the
mirrored picture by check_overlay.py). A check stopped early keeps what it saw.

The window is the practice's (live.py): the same flags and size, q or Esc stops, closing
the window counts as q, and the end holds the figures until a key is pressed."""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2

from . import live as practice
from .capture import CameraSource
from .check_overlay import CheckOverlay
from .check_plan import Step, duration, plan, step_at
from .check_run import CheckRecorder
from .check_types import CheckResult
from .ending import held
from .errors import CameraError, InputError
from .landmarks import Landmarker
from .upright import frame_detector

# A file played like a camera (realtime) drops the frames that come while the last one is
# still being measured, as a camera does: the picture and the cues stay on the clock even
# when the machine cannot measure every frame. A frame this late is dropped.
REALTIME_LATE_S = 0.1


@dataclass(frozen=True)
class CheckOutcome:
    result: CheckResult
    completed: bool  # the whole set was shown (a clip may still hold fewer movements)
    stop_reason: str  # "completed" | "user" | "source-ended" | "camera-lost" | "source-failed" | "interrupted"
    message: str | None
    frames: int


def run_check(
    source,
    *,
    steps: tuple[Step, ...] | None = None,
    window: bool = False,
    model_path=None,
    realtime: bool = False,
    refine: bool = True,
    on_step=None,
    summary_hold_s: float | None = None,
) -> CheckOutcome:
    """Run the check on a camera or a video. A camera stops when the set is over; a video is
    read to its end (a recording may follow the set at its own pace), every frame of it,
    unless realtime plays it like a camera: in real time, dropping the frames it is late for.
    on_step(step) is called when the cue changes (the terminal prints it). With a window,
    each frame is shown with its cue; q, Esc or closing the window stops early, and the end
    shows the figures for up to summary_hold_s (default live.SUMMARY_HOLD_S) or until a key."""
    steps = plan() if steps is None else steps
    end_s = duration(steps)
    recorder = CheckRecorder(refine)
    # A camera (or a source that declares no length): the set's clock ends it.
    camera = isinstance(source, CameraSource) or not hasattr(source, "declared_frames")
    stop_reason, message = "source-ended", None
    frames = 0
    shown: Step | None = None
    started: float | None = None  # when the first frame came: a file played like a camera is paced from it
    overlay = CheckOverlay() if window else None
    opened = False  # the window is on the screen
    last_image, last_t = None, 0.0
    finished = False  # the loop ended by itself or by a key, not by an error: the end screen shows
    result: CheckResult | None = None
    try:
        try:
            with Landmarker("video", model_path) as lm:
                detect = frame_detector(source, lm)  # a clip on its side is stood upright
                for frame in source.frames():
                    frames += 1
                    if started is None:
                        started = time.monotonic() - frame.t_s
                    if realtime:  # a file played like a camera: at its own pace, late frames dropped
                        ahead = frame.t_s - (time.monotonic() - started)
                        if ahead > 0:
                            time.sleep(ahead)
                        elif ahead < -REALTIME_LATE_S:
                            continue
                    frame, face = detect(frame)
                    recorder.add(frame.t_s, face, frame.image)
                    step = step_at(steps, frame.t_s)
                    if step is not shown and on_step is not None and step is not None:
                        on_step(step)
                    shown = step
                    if overlay is not None:
                        last_image, last_t = frame.image, frame.t_s
                        picture = overlay.draw(frame.image, steps, frame.t_s, None if face is None else face.landmarks)
                        if not opened:
                            practice._open_window(picture.shape[1], picture.shape[0])
                            opened = True
                        cv2.imshow(practice.WINDOW, picture)
                        if _stop_pressed():
                            stop_reason = "user"
                            break
                    if camera and frame.t_s >= end_s:
                        stop_reason = "completed"
                        break
            finished = True
            if stop_reason == "source-ended" and not camera and not getattr(source, "truncated", False):
                stop_reason = "completed"  # a whole recording read
        except CameraError as exc:
            stop_reason, message = "camera-lost", str(exc)
        except InputError as exc:
            stop_reason, message = "source-failed", str(exc)
        except KeyboardInterrupt:  # Ctrl-C, or the CLI's SIGTERM/SIGHUP: what was seen is scored
            stop_reason, message = "interrupted", "interrupted"
        with held(redeliver=False) as late:  # an ending signal while scoring must not lose what was seen
            result = recorder.result()
            if opened and finished and last_image is not None and practice._visible():
                getattr(source, "close", lambda: None)()  # the camera (and its light) is off while the end waits
                hold = practice.SUMMARY_HOLD_S if summary_hold_s is None else summary_hold_s
                picture = overlay.end_screen(last_image, result, stop_reason, last_t)
                _hold(picture, hold, until=lambda: bool(late.caught))
        if late.caught and stop_reason != "completed":  # asked to end as it was ending: as one in the loop
            stop_reason, message = "interrupted", "interrupted"
    finally:
        if opened:  # never left open, whatever happened
            cv2.destroyAllWindows()
            cv2.waitKey(1)
    if stop_reason == "source-ended" and getattr(source, "truncated", False):
        message = "the video ended early (it is truncated or damaged)"
    return CheckOutcome(result, stop_reason == "completed", stop_reason, message, frames)


def _hold(picture, hold_s: float, until=lambda: False) -> None:
    """live._hold, drawing the picture again at each poll: scoring the check takes a moment
    with no events handled, and a busy X server may have dropped the first paint."""
    deadline = time.monotonic() + hold_s
    while time.monotonic() < deadline and not until():
        cv2.imshow(practice.WINDOW, picture)
        if cv2.waitKey(practice.SUMMARY_POLL_MS) != -1 or not practice._visible():
            return


def _stop_pressed() -> bool:
    """q or Esc pressed, or the window closed (which counts as q)."""
    key = cv2.waitKey(1) & 0xFF
    return key in practice.KEY_QUIT or not practice._visible()
