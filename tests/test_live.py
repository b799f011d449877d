"""The live loop on real video: what reaches the recorder, a camera unplugged mid-session, and
its pixel refinement on every other frame."""

import numpy as np
import pytest

from facetension import analysis
from facetension.analysis import measured_frames
from facetension.calibrate import calibrate
from facetension.capture import VideoSource
from facetension.errors import CameraError
from facetension.landmarks import Landmarker
from facetension.live import LIVE_REFINE_EVERY, run, window_size
from facetension.refine import PixelRefiner
from facetension.session import PracticeSession, PracticeSettings
from facetension.tracker import Reading, TensionTracker

from scripted import EyeNarrow, LidFlicker, make_clip, write_clip

UNPLUG_AFTER_FRAMES = 150  # 5 s in


class ListRecorder:
    def __init__(self):
        self.seconds, self.events = [], []

    def second(self, row):
        self.seconds.append(row)

    def event(self, event):
        self.events.append(event)


class UnpluggedCamera(VideoSource):
    """Real frames from a file, then the error a camera gives when its cable is pulled.
    (No camera exists on the test machines; this is the one place a camera is stood in for.)"""

    def frames(self):
        for frame in super().frames():
            if frame.index == UNPLUG_AFTER_FRAMES:
                raise CameraError("camera 0 stopped giving pictures (unplugged?)")
            yield frame


def _rest_session(tmp_path, camera, seconds: float, phase_s: float):
    """A real resting clip of `seconds` read through `camera` (a VideoSource class) by a
    practice without a baseline: (outcome, recorder, frames)."""
    frames, fps = make_clip((), seconds)
    path = write_clip(frames, tmp_path / "rest.avi", fps)
    rec = ListRecorder()
    session = PracticeSession(PracticeSettings(relax_s=60, before_s=phase_s, after_s=phase_s), learn=False)
    with camera(path) as cam:
        outcome = run(cam, session, rec, window=False)
    return outcome, rec, frames


def test_camera_lost_mid_session_keeps_what_was_recorded(tmp_path):
    outcome, rec, _ = _rest_session(tmp_path, UnpluggedCamera, 12.0, 2)
    assert outcome.stop_reason == "camera-lost" and "unplugged" in outcome.message
    assert not outcome.completed
    # Everything up to the unplug reached the recorder: ~4 s of measured seconds after the check.
    assert 3 <= len(rec.seconds) <= 5
    assert [e.text for e in rec.events if e.kind == "phase"][:2] == [
        "Resting measurement (before)",
        "Guided relaxation",
    ]


COARSE_TICK_S = 0.015625  # Windows' monotonic clock before Python 3.13


def test_a_camera_on_a_coarse_clock_still_gives_every_frame_a_later_time(tmp_path, monkeypatch):
    # A camera handing over frames it had buffered, read within one tick of a coarse clock,
    # gave two frames the same time: the session stopped with "times must increase" (exit 70).
    import math
    import time
    from types import SimpleNamespace

    import cv2

    from facetension import capture

    frames, fps = make_clip((), 4.0)
    path = write_clip(frames, tmp_path / "rest.avi", fps)
    coarse = SimpleNamespace(monotonic=lambda: math.floor(time.monotonic() / COARSE_TICK_S) * COARSE_TICK_S)
    monkeypatch.setattr(capture, "time", coarse)
    cam = object.__new__(capture.CameraSource)  # a camera's reading and timing, fed from a file
    cam.index, cam.seconds, cam.fps, cam.declared_frames, cam.frames_read, cam.truncated = 0, None, fps, 0, 0, False
    cam._cap = cv2.VideoCapture(str(path))
    times = []

    def noting(source):
        for frame in source:
            times.append(frame.t_s)
            yield frame

    original = cam.frames
    monkeypatch.setattr(cam, "frames", lambda: noting(original()))
    session = PracticeSession(PracticeSettings(relax_s=60, before_s=2, after_s=2), learn=False)
    with cam:
        outcome = run(cam, session, ListRecorder(), window=False)
    # the file's end; the frame measured on the worker when the camera fails is not handed on
    assert outcome.stop_reason == "camera-lost" and outcome.frames >= len(frames) - 1
    assert len(times) == len(frames) and all(b > a for a, b in zip(times, times[1:]))
    assert coarse.monotonic() % COARSE_TICK_S == 0.0  # the clock is coarse indeed (a power of two: exact)


class CroppingCamera(VideoSource):
    """Real frames from a file, then 60 rows fewer: a camera that changed its resolution."""

    def frames(self):
        for frame in super().frames():
            if frame.index >= 30:
                frame = type(frame)(frame.index, frame.t_s, frame.image[30:-30].copy())
            yield frame


def test_a_camera_changing_its_resolution_mid_session_is_followed(tmp_path):
    # The skin follower's crop no longer fit the smaller picture, and Lucas-Kanade stopped the
    # session with an OpenCV assertion (exit 70).
    outcome, rec, frames = _rest_session(tmp_path, CroppingCamera, 4.0, 1)
    assert outcome.stop_reason == "source-ended" and outcome.frames == len(frames)
    assert rec.seconds[-1].quality > 0.5  # still measured at the new size


def test_every_second_and_event_reaches_the_recorder(tmp_path):
    frames, fps = make_clip((), 12.0)
    path = write_clip(frames, tmp_path / "rest.avi", fps)
    rec = ListRecorder()
    session = PracticeSession(PracticeSettings(relax_s=6, before_s=2, after_s=2), learn=False)
    with VideoSource(path) as src:
        outcome = run(src, session, rec, window=False)
    assert outcome.completed and outcome.stop_reason == "completed"
    times = [r.t_s for r in rec.seconds]
    assert times == sorted(times) and 9 <= len(times) <= 11
    assert {r.phase for r in rec.seconds} == {"before", "relax", "after"}
    assert [e.text for e in rec.events if e.kind == "phase"][-1] == "Done"


# -- the live loop refines from the pixels on every other frame (live.LIVE_REFINE_EVERY) ------
LIVE_TENSION_TOLERANCE = 0.02  # tension (0..1) per region and side, frame by frame
LIVE_TWITCH_SHIFT_S = 0.1  # a twitch's start may move by a frame or so
LIVE_EYE_MEDIAN_MM = 0.05  # per-frame eye asymmetry: typical difference from refining every frame


def _tracked(path, refine_every, rest):
    tracker = TensionTracker(rest)
    values, events, eye = [], [], []
    with VideoSource(path) as src, Landmarker("video") as lm:
        for frame, face, m in measured_frames(src, lm, pipeline=False, refine_every=refine_every):
            sample = tracker.update(None if face is None else Reading.of(face, m), frame.t_s)
            values.append(None if sample is None else sample.values)
            eye.append(None if m is None or "eye" not in m.regions else m.regions["eye"].diff)
            events += [] if sample is None else list(sample.events)
    return values, events, eye


@pytest.mark.parametrize("edit", [EyeNarrow("left"), LidFlicker("left")], ids=["eye-narrowed", "lid-flicker"])
def test_refining_every_other_frame_reads_as_refining_every_frame(tmp_path, edit):
    frames, fps = make_clip((), 12.0)
    with VideoSource(write_clip(frames, tmp_path / "rest.avi", fps)) as src, Landmarker("video") as lm:
        rest = calibrate(src, lm, "rest", "2026-11-26T00:00:00+00:00").rest
    frames, fps = make_clip((edit,), 12.0)
    path = write_clip(frames, tmp_path / "edited.avi", fps)
    full, full_events, full_eye = _tracked(path, 1, rest)
    live, live_events, live_eye = _tracked(path, LIVE_REFINE_EVERY, rest)
    gaps = [abs(a[k] - b[k]) for a, b in zip(full, live) if a and b for k in a if k in b]
    assert gaps and max(gaps) <= LIVE_TENSION_TOLERANCE
    eye_gaps = [abs(a - b) for a, b in zip(full_eye, live_eye) if a is not None and b is not None]
    assert np.median(eye_gaps) <= LIVE_EYE_MEDIAN_MM
    # The same twitches (the flicker's one, or none), at the same place and about the same time.
    assert [(e.region, e.side) for e in live_events] == [(e.region, e.side) for e in full_events]
    assert all(abs(a.t_s - b.t_s) <= LIVE_TWITCH_SHIFT_S for a, b in zip(live_events, full_events))
    if isinstance(edit, LidFlicker):
        assert [(e.region, e.side) for e in live_events] == [("eye", "left")]


def test_the_live_loop_reads_the_pixels_every_live_refine_every_th_frame(tmp_path, monkeypatch):
    """Each frame is measured either from the pixels (a PixelRefiner) or with the last such
    frame's split of lids and brows: on a real clip with a face in every frame, the live loop
    reads the pixels on frames 0, n, 2n, ... (n = LIVE_REFINE_EVERY)."""
    real_measure, from_pixels = analysis.measure, []

    def measure(*args, refine=None, **kwargs):
        from_pixels.append(isinstance(refine, PixelRefiner))
        return real_measure(*args, refine=refine, **kwargs)

    monkeypatch.setattr(analysis, "measure", measure)
    frames, fps = make_clip((), 2.0)
    session = PracticeSession(PracticeSettings(relax_s=60, before_s=2, after_s=2), learn=False)
    with VideoSource(write_clip(frames, tmp_path / "rest.avi", fps)) as src:
        outcome = run(src, session, ListRecorder(), window=False)
    assert len(from_pixels) == outcome.frames == len(frames)
    assert from_pixels == [i % LIVE_REFINE_EVERY == 0 for i in range(len(frames))]


@pytest.mark.parametrize(
    ("picture", "window"),
    [
        ((640, 360), (960, 540)),  # the demo: enlarged to the legible width
        ((640, 480), (960, 720)),
        ((1280, 720), (1280, 720)),
        ((1920, 1080), (1280, 720)),  # a 1080p camera opened 1920 x 1080, larger than a laptop's screen
        ((2560, 1920), (960, 720)),  # a phone's upright 1080p clip, shown in a 4:3 picture
    ],
)
def test_the_window_opens_legible_and_within_a_laptops_screen(picture, window):
    assert window_size(*picture) == window
