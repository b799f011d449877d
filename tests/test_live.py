"""The live loop on real video: what reaches the recorder, and a camera unplugged mid-session."""

from facetension.capture import VideoSource
from facetension.errors import CameraError
from facetension.live import run
from facetension.session import PracticeSession, PracticeSettings
from scripted import make_clip, write_clip

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


def test_camera_lost_mid_session_keeps_what_was_recorded(tmp_path):
    frames, fps = make_clip((), 12.0)
    path = write_clip(frames, tmp_path / "rest.avi", fps)
    rec = ListRecorder()
    session = PracticeSession(PracticeSettings(relax_s=60, before_s=2, after_s=2), learn=False)
    with UnpluggedCamera(path) as cam:
        outcome = run(cam, session, rec, window=False)
    assert outcome.stop_reason == "camera-lost" and "unplugged" in outcome.message
    assert not outcome.completed
    # Everything up to the unplug reached the recorder: ~4 s of measured seconds after the check.
    assert 3 <= len(rec.seconds) <= 5
    assert [e.text for e in rec.events if e.kind == "phase"][:2] == ["Resting measurement (before)",
                                                                      "Guided relaxation"]


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
