"""Twitches from the skin's own motion (metrics.SkinMotion, as skin.py measures it), on
synthetic signals: the shapes of issue 14 (single jerks, clonic bursts, a myokymia ripple),
one event per twitch with its frequency, and what is not a twitch. No model, no pixels."""

import math

import numpy as np
import pytest

from facetension.metrics import IRIS_DIAMETER_MM, SKIN_PLACES, SMALL_FACE_IRIS_PX, FrameMeasure, Side, SkinMotion
from facetension.tracker import Reading, TensionTracker, dominant_frequency

from test_tracker import bs

FPS = 30.0
NOISE_MM = 0.03  # a followed patch's frame-to-frame noise on a sharp face (skin.py: ~0.01–0.05 mm)
ONSET_TOLERANCE_S = 0.1
FREQUENCY_TOLERANCE_HZ = 0.5
SIDES = ("left", "right")


def jerk(t, start, mm, length=0.2):
    u = t - start
    return mm * (1 - math.cos(2 * math.pi * u / length)) / 2 if 0 < u < length else 0.0


def burst(t, start, mm, hz=6.0, length=1.0):
    u = t - start
    return mm * (1 - math.cos(2 * math.pi * hz * u)) / 2 if 0 < u < length else 0.0


def ripple(t, start, mm, length=1.5):
    u = t - start
    if not 0 < u < length:
        return 0.0
    envelope = (1 - math.cos(2 * math.pi * u / length)) / 2
    return mm * envelope * (math.sin(2 * math.pi * 7 * u) + math.sin(2 * math.pi * 11 * u)) / 2


def measure(values, epoch=1, mm_per_px=0.3):
    return FrameMeasure(
        {"eye": Side(8.0, 8.0)}, 0.0, 0.0, mm_per_px, "iris", 0.0, 0.0, 0.0, skin=SkinMotion(values, epoch)
    )


def run(moves=(), seconds=12.0, epoch=lambda t: 1, seed=3, lost=lambda t: (), mm_per_px=0.3):
    """moves: (place, side, f(t) -> mm) added to every place's noise; lost(t): the (place,
    side) patches skin.py could not follow at t. Returns the events."""
    rng = np.random.default_rng(seed)
    tracker, events = TensionTracker(), []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        values = {(p, s): float(rng.normal(0.0, NOISE_MM)) for p in SKIN_PLACES for s in SIDES}
        for place, side, f in moves:
            values[place, side] += f(t)
        for key in lost(t):
            del values[key]
        sample = tracker.update(Reading(bs(), measure(values, epoch(t), mm_per_px), (320.0, 240.0), 200.0), t)
        events += sample.events
    return events


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize(
    "place, shape, onset, hz",
    [
        ("lower_lid", lambda t: burst(t, 5.0, 0.6), 5.0, 6.0),
        ("upper_lid", lambda t: burst(t, 5.0, 0.6, hz=3.0, length=2.0 - 1 / 3), 5.0, 3.0),
        ("mouth_corner", lambda t: burst(t, 5.0, 0.6, hz=8.0, length=0.5), 5.0, 8.0),
        ("cheek", lambda t: jerk(t, 5.0, 0.6), 5.0, None),
        ("brow", lambda t: -jerk(t, 5.0, 0.6, length=0.1), 5.0, None),  # pulled down, 0.1 s
        # 7 and 11 Hz, no one rate to claim, under an envelope that reaches a quarter of its
        # height a sixth of the way in: that is when the ripple shows (twitchclips.Twitch).
        ("lower_lid", lambda t: ripple(t, 5.0, 0.6), 5.0 + 1.5 / 6, None),
    ],
)
def test_each_shape_is_one_event_on_its_place_and_side_at_its_time(place, shape, onset, hz, side):
    (e,) = run([(place, side, shape)])
    assert (e.region, e.side, e.unit) == (SKIN_PLACES[place], side, "mm")
    assert abs(e.t_s - onset) <= ONSET_TOLERANCE_S
    if hz is not None:
        assert e.frequency_hz == pytest.approx(hz, abs=FREQUENCY_TOLERANCE_HZ)


@pytest.mark.parametrize(("iris_px", "found"), [(SMALL_FACE_IRIS_PX * 1.1, 1), (SMALL_FACE_IRIS_PX * 0.9, 0)])
def test_no_twitch_is_looked_for_on_a_face_too_few_pixels_across(iris_px, found):
    # practice_demo.mp4 shrunk to 192x108 (an iris of 3.9 px, 3 mm a pixel) showed a 1 mm
    # "twitch" of its lid where the full-size clip has none
    twitch = [("lower_lid", "left", lambda t: burst(t, 5.0, 1.0))]
    assert len(run(twitch, mm_per_px=IRIS_DIAMETER_MM / iris_px)) == found


def test_a_burst_reads_its_length_and_rate():
    (e,) = run([("lower_lid", "left", lambda t: burst(t, 5.0, 1.0, hz=5.0, length=1.6))])
    assert e.duration_s == pytest.approx(1.6, abs=0.25)
    assert e.frequency_hz == pytest.approx(5.0, abs=FREQUENCY_TOLERANCE_HZ)


def test_a_single_jerk_has_no_frequency():
    (e,) = run([("mouth_corner", "right", lambda t: jerk(t, 5.0, 1.0))])
    assert e.frequency_hz is None and e.duration_s <= 0.4


def test_still_skin_gives_no_event_in_a_minute():
    assert run(seconds=60.0) == []


def test_both_sides_moving_together_is_no_twitch():
    """A swallow, a word, a blink-like lid movement: both sides at once."""
    f = lambda t: burst(t, 5.0, 1.0)  # noqa: E731
    assert run([("mouth_corner", "left", f), ("mouth_corner", "right", f)]) == []


def test_spill_onto_the_skin_around_is_the_same_twitch():
    """A lower-lid twitch moves the upper lid and the cheek a little: one event, the eye's."""
    moves = [
        ("lower_lid", "left", lambda t: burst(t, 5.0, 1.0)),
        ("upper_lid", "left", lambda t: burst(t, 5.0, 0.25)),
        ("cheek", "left", lambda t: burst(t, 5.0, 0.2)),
    ]
    assert [(e.region, e.side) for e in run(moves)] == [("eye", "left")]


def test_two_regions_twitching_together_are_both_told():
    """A hemifacial spasm pulls the eye and the mouth corner of one side at once."""
    moves = [
        ("lower_lid", "right", lambda t: burst(t, 5.0, 1.0)),
        ("mouth_corner", "right", lambda t: burst(t, 5.0, 1.0)),
    ]
    assert sorted((e.region, e.side) for e in run(moves)) == [("eye", "right"), ("mouth", "right")]


def test_a_new_reference_frame_is_no_twitch():
    """skin.py takes a new reference after the head turned: the levels jump, the epoch changes."""
    step = lambda t: 0.8 if t >= 6.0 else 0.0  # noqa: E731
    moves = [(p, s, step) for p in SKIN_PLACES for s in SIDES[:1]]
    assert run(moves, epoch=lambda t: 2 if t >= 6.0 else 1) == []


def _first_frame_off(t):
    """A new reference at 6 s whose first frame reads 0.3 mm (10 noise SDs) below the rest:
    the head was still turning when it was taken (a cut of benchmarks/twitch_false.py's
    moving clip)."""
    return -0.3 if 6.0 <= t < 6.0 + 1 / FPS else 0.0


def test_a_new_reference_whose_first_frame_is_off_is_no_twitch():
    moves = [(p, s, _first_frame_off) for p in SKIN_PLACES for s in SIDES]
    assert run(moves, epoch=lambda t: 2 if t >= 6.0 else 1) == []


def test_a_twitch_soon_after_a_new_reference_is_found():
    """The slow average settles over TrackerSettings.skin_settle_s (0.2 s); a twitch 0.3 s
    after the new reference is found, on time."""
    moves = [(p, s, _first_frame_off) for p in SKIN_PLACES for s in SIDES]
    moves.append(("lower_lid", "left", lambda t: jerk(t, 6.3, 0.6)))
    (e,) = run(moves, epoch=lambda t: 2 if t >= 6.0 else 1)
    assert (e.region, e.side) == ("eye", "left") and abs(e.t_s - 6.3) <= ONSET_TOLERANCE_S


def test_a_lid_lost_for_a_frame_in_a_big_twitch_is_still_a_twitch():
    """A 1.5 mm lid twitch can make the other lid's patch unlike its reference for a frame."""
    lost = lambda t: [("upper_lid", "left")] if 5.1 <= t < 5.14 else []  # noqa: E731
    found = run([("lower_lid", "left", lambda t: burst(t, 5.0, 1.5))], lost=lost)
    assert [(e.region, e.side) for e in found] == [("eye", "left")]


@pytest.mark.parametrize(
    "what, moves, lost",
    [
        # Both eyes' upper lids no longer match their open reference (the mesh saw no blink);
        # the left lower lid is dragged a little: not a twitch.
        (
            "both eyes lose a lid",
            [("lower_lid", "left", lambda t: burst(t, 5.0, 0.8, length=0.3))],
            lambda t: [("upper_lid", "left"), ("upper_lid", "right")] if 5.05 <= t < 5.2 else [],
        ),
        # One eye's lid sweeps 6 mm (a blink, the other eye late and followed only in part).
        (
            "a lid moves 6 mm",
            [
                ("upper_lid", "right", lambda t: 6.0 * jerk(t, 5.0, 1.0, length=0.25)),
                ("lower_lid", "left", lambda t: burst(t, 5.05, 0.5, length=0.2)),
            ],
            lambda t: [],
        ),
    ],
)
def test_a_blink_the_mesh_missed_is_no_twitch(what, moves, lost):
    assert run(moves, lost=lost) == [], what


def test_mirrored_signals_swap_the_side():
    left = run([("cheek", "left", lambda t: burst(t, 5.0, 0.8))])
    right = run([("cheek", "right", lambda t: burst(t, 5.0, 0.8))])
    assert [(e.region, e.side) for e in left] == [("cheek", "left")]
    assert [(e.region, e.side) for e in right] == [("cheek", "right")]


@pytest.mark.parametrize("hz", [3.0, 6.0, 10.0])
def test_dominant_frequency_of_a_sampled_burst(hz):
    t = np.arange(0, 1.2, 1 / FPS)
    samples = list(zip(t, np.sin(2 * np.pi * hz * t)))
    assert dominant_frequency(samples) == pytest.approx(hz, abs=FREQUENCY_TOLERANCE_HZ)


def test_dominant_frequency_with_uneven_camera_frames():
    rng = np.random.default_rng(1)
    t = np.cumsum(rng.uniform(0.025, 0.042, 40))
    assert dominant_frequency(list(zip(t, np.sin(2 * np.pi * 5.0 * t)))) == pytest.approx(
        5.0, abs=FREQUENCY_TOLERANCE_HZ
    )


def test_no_frequency_for_too_few_cycles():
    t = np.arange(0, 0.25, 1 / FPS)
    assert dominant_frequency(list(zip(t, np.sin(2 * np.pi * 4.0 * t)))) is None
    assert dominant_frequency([(0.0, 1.0), (0.03, 2.0)]) is None
