"""Twitches of other shapes and faces (tests/twitchclips.py): a few cells of
benchmarks/twitch_bench.py, asserting what the detector does today, with no personal
baseline (noise learnt in the first 2 s).

Goals of issue 14 NOT met today (measured with the benchmark's --quick mode; xfail here):
- sensitivity ≥ 90 % for every shape at ≥ 0.6 mm: on the video face a 0.6 mm lower-lid
  burst, a 1 mm lower-lid jerk and a 1 mm upper-lid burst are found 1 time in 2; a 0.6 mm
  lid ripple, a 1 mm mouth-corner burst, a 1 mm brow jerk and a 1.5 mm cheek burst never
  (the blendshapes barely move: the drive rises under 2 noise SDs);
- on the held-out still photo (obama.jpg) only the 1.5 mm lid burst is found (2 of 2 with
  drift and noise); every smaller lid twitch, the ripple, mouth, brow and cheek never;
- onset within 0.2 s: the drifting, noisy 1.5 mm lid burst on the video face starts its
  left event 0.27 s late (right: 0.07 s).
Met on the cells run: side and region right in every detection, one event per burst, and
no false events on twitch-free clips (still, drifting, noisy).
"""

import pytest

from facetension import Landmarker, analyze

from scripted import write_clip
from twitchclips import Drift, render, schedule, score

SECONDS = 9.0
STARTS = (3.0, 6.0)  # left, then right
ONSET_MARGIN_S = 0.3  # measured 0.27 s (left) and 0.07 s (right); the goal, 0.2 s, is unmet
MIN_SENSITIVITY_GOAL = 0.9


@pytest.fixture(scope="module")
def landmarker():
    with Landmarker() as lm:
        yield lm


def _events(tmp_path, lm, face, twitches=(), drift=None, noise_sd=0.0, seed=0):
    frames, fps = render(face, twitches, SECONDS, drift, noise_sd, seed)
    return analyze(write_clip(frames, tmp_path / "clip.avi", fps), landmarker=lm).events


def test_lid_burst_on_drifting_noisy_video_is_one_event_each_side_on_time(tmp_path, landmarker):
    twitches = schedule("burst", "lower_lid", 1.5, STARTS)
    s = score(_events(tmp_path, landmarker, "video", twitches, Drift(), 2.0), twitches)
    assert (s.hits, s.right_place, s.extra) == (2, 2, 0), s
    assert s.events_per_hit == (1, 1)  # a burst is one event, not one per peak
    assert all(abs(e) <= ONSET_MARGIN_S for e in s.onset_errors), s.onset_errors


def test_no_events_on_a_twitch_free_noisy_drifting_photo(tmp_path, landmarker):
    assert _events(tmp_path, landmarker, "obama.jpg", (), Drift(), 4.0, seed=1) == ()


def test_lid_burst_on_held_out_drifting_noisy_photo_face_is_found(tmp_path, landmarker):
    """The issue's held-out case: 0 events before the head-speed check compared frames of
    the same pass (the two passes' head poses differ by ~1.7° on this photo)."""
    twitches = schedule("burst", "lower_lid", 1.5, STARTS)
    s = score(_events(tmp_path, landmarker, "obama.jpg", twitches, Drift(), 2.0), twitches)
    assert (s.hits, s.right_place, s.extra) == (2, 2, 0), s
    assert s.events_per_hit == (1, 1)
    assert all(abs(e) <= ONSET_MARGIN_S for e in s.onset_errors), s.onset_errors


@pytest.mark.xfail(strict=True, reason="issue 14 goal unmet: a 0.6 mm lid burst on the photo face gives no event")
def test_small_lid_burst_on_held_out_photo_face_is_found(tmp_path, landmarker):
    twitches = schedule("burst", "lower_lid", 0.6, STARTS)
    s = score(_events(tmp_path, landmarker, "obama.jpg", twitches), twitches)
    assert s.hits / s.trials >= MIN_SENSITIVITY_GOAL, s
