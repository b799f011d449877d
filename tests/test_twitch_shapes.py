"""Twitches of every shape, place and size on real faces (tests/twitchclips.py): a few cells
of benchmarks/twitch_bench.py, with no personal baseline (noise learnt in the first 2 s).

The detector reads the skin's own motion (skin.py). The mouth corner was noisy until the
head's motion was fitted to the chin as well as the nose and eyes: at 0.6 mm it is found now
on the video face (the neutral loop of a real, compressed webcam clip at 0.91 mm a pixel) and
in a beard. The brow and the cheek of the video face still move 0.15-0.5 mm from frame to
frame by themselves; issue 14's goal (≥ 90 % at ≥ 0.6 mm for every shape and place) is unmet
there (xfail below).
"""

import numpy as np
import pytest

from facetension import Landmarker, analyze

from scripted import write_clip
from twitchclips import PLACES, Drift, render, schedule, score

SECONDS = 9.0
STARTS = (3.0, 6.0)  # left, then right
ONSET_MARGIN_S = 0.2  # issue 14's goal
FREQUENCY_TOLERANCE_HZ = 0.5
SMALL_MM = 0.6  # the goal's smallest twitch
SMALL_BROW_FOUND = 7  # of 8: the benchmark finds 29 of 36 0.6 mm brow twitches (81 %)
# Held-out faces of ~300 px, MJPG, noise σ 2 and drift: at 0.6 mm a twitch stands only 4-10
# noise SDs out and is found 7-9 times in 10 (benchmarks/twitch_bench.py); at 1 mm always.
FOUND_MM = 1.0
NOISE_SD = 2.0
FLICKER_HZ, FLICKER_DEPTH = 6.0, 0.04


@pytest.fixture(scope="module")
def landmarker():
    with Landmarker() as lm:
        yield lm


def _events(tmp_path, lm, face, twitches=(), drift=None, noise_sd=0.0, seed=0):
    frames, fps = render(face, twitches, SECONDS, drift, noise_sd, seed)
    return analyze(write_clip(frames, tmp_path / "clip.avi", fps), landmarker=lm).events


def _assert_found(s):
    assert (s.hits, s.right_place, s.extra) == (2, 2, 0), s
    assert s.events_per_hit == (1, 1)  # a burst is one event, not one per peak
    assert all(abs(e) <= ONSET_MARGIN_S for e in s.onset_errors), s.onset_errors  # from when it shows


def test_lid_burst_on_drifting_noisy_video_is_one_event_each_side_on_time(tmp_path, landmarker):
    twitches = schedule("burst", "lower_lid", 1.5, STARTS)
    events = _events(tmp_path, landmarker, "video", twitches, Drift(), NOISE_SD)
    _assert_found(score(events, twitches))
    assert all(e.frequency_hz == pytest.approx(6.0, abs=FREQUENCY_TOLERANCE_HZ) for e in events)
    assert all(e.unit == "mm" for e in events)


def test_upper_lid_burst_on_the_video_face_is_found(tmp_path, landmarker):
    twitches = schedule("burst", "upper_lid", 1.0, STARTS)
    _assert_found(score(_events(tmp_path, landmarker, "video", twitches, Drift(), NOISE_SD, seed=5), twitches))


def test_small_mouth_corner_jerk_on_the_video_face(tmp_path, landmarker):
    twitches = schedule("jerk", "mouth_corner", SMALL_MM, STARTS)
    _assert_found(score(_events(tmp_path, landmarker, "video", twitches, Drift(), NOISE_SD), twitches))


def test_no_events_on_a_twitch_free_noisy_drifting_photo(tmp_path, landmarker):
    assert _events(tmp_path, landmarker, "obama.jpg", (), Drift(), 4.0, seed=1) == ()


def test_lid_burst_on_drifting_noisy_photo_face_is_found(tmp_path, landmarker):
    """Issue 14's case: 0 events before the head-speed check compared frames of the same
    pass (the two passes' head poses differ by ~1.7° on this photo)."""
    twitches = schedule("burst", "lower_lid", 1.5, STARTS)
    _assert_found(score(_events(tmp_path, landmarker, "obama.jpg", twitches, Drift(), NOISE_SD), twitches))


@pytest.mark.parametrize(
    "face, shape, place, mm",
    [
        ("nanjiani.jpg", "burst", "lower_lid", FOUND_MM),
        ("nanjiani.jpg", "jerk", "upper_lid", FOUND_MM),
        ("nanjiani.jpg", "burst", "mouth_corner", FOUND_MM),
        ("nanjiani.jpg", "jerk", "cheek", FOUND_MM),
        ("grace_hopper.jpg", "burst", "brow", FOUND_MM),  # behind the frame of her glasses
        ("grace_hopper.jpg", "jerk", "mouth_corner", FOUND_MM),
    ],
)
def test_every_place_on_held_out_faces(tmp_path, landmarker, face, shape, place, mm):
    twitches = schedule(shape, place, mm, STARTS)
    events = _events(tmp_path, landmarker, face, twitches, Drift(), NOISE_SD, seed=2)
    _assert_found(score(events, twitches))
    assert {e.region for e in events} == {PLACES[place][3]}
    if shape == "burst":
        assert all(e.frequency_hz == pytest.approx(6.0, abs=FREQUENCY_TOLERANCE_HZ) for e in events)
    else:
        assert all(e.frequency_hz is None for e in events)  # a single jerk has no rate


def test_small_brow_twitches_on_held_out_faces(tmp_path, landmarker):
    """0.6 mm brow twitches, found since the brow's patch narrowed to 0.75 iris (skin.py):
    on two held-out faces (glasses and beard; darker skin), jerks and bursts, at least
    SMALL_BROW_FOUND of the eight, every event at the brow."""
    hits, regions = 0, set()
    for face in ("starr.jpg", "nanjiani.jpg"):
        for shape in ("jerk", "burst"):
            twitches = schedule(shape, "brow", SMALL_MM, STARTS)
            events = _events(tmp_path, landmarker, face, twitches, Drift(), NOISE_SD, seed=2)
            hits += score(events, twitches).hits
            regions |= {e.region for e in events}
    assert hits >= SMALL_BROW_FOUND and regions == {"brow"}


def test_a_small_lid_ripple_on_a_held_out_face(tmp_path, landmarker):
    twitches = schedule("ripple", "lower_lid", FOUND_MM, STARTS)
    _assert_found(score(_events(tmp_path, landmarker, "grace_hopper.jpg", twitches, Drift(), NOISE_SD), twitches))


def test_small_mouth_corner_burst_in_a_beard(tmp_path, landmarker):
    twitches = schedule("burst", "mouth_corner", SMALL_MM, STARTS)
    _assert_found(score(_events(tmp_path, landmarker, "starr.jpg", twitches, Drift(), NOISE_SD), twitches))


@pytest.mark.xfail(strict=True, reason="issue 14 goal unmet: the video face's brow moves 0.2 mm by itself")
def test_brow_jerk_on_the_video_face(tmp_path, landmarker):
    twitches = schedule("jerk", "brow", 1.0, STARTS)
    _assert_found(score(_events(tmp_path, landmarker, "video", twitches), twitches))


@pytest.mark.xfail(strict=True, reason="issue 14 goal unmet: the video face's cheek moves 0.2-0.5 mm by itself")
def test_cheek_burst_on_the_video_face(tmp_path, landmarker):
    twitches = schedule("burst", "cheek", 1.0, STARTS)
    _assert_found(score(_events(tmp_path, landmarker, "video", twitches), twitches))


@pytest.mark.parametrize("face", ["starr.jpg", "woods.jpg"])
def test_a_flickering_light_gives_no_twitch(tmp_path, landmarker, face):
    # The whole face's brightness ±4 % at 6 Hz (a screen's changing content in a dark room, a
    # webcam's exposure hunting), in the band twitches are looked for: each of these read a
    # false lid twitch (1.1 and 0.84 mm) in these 9 s, and starr.jpg 6 in 30 s without drift.
    frames, fps = render(face, (), SECONDS, Drift(), NOISE_SD, 1)
    gains = 1 + FLICKER_DEPTH * np.sin(2 * np.pi * FLICKER_HZ * np.arange(len(frames)) / fps)
    lit = [np.clip(f * g, 0, 255).astype(np.uint8) for f, g in zip(frames, gains)]
    assert analyze(write_clip(lit, tmp_path / "flicker.avi", fps), landmarker=landmarker).events == ()
