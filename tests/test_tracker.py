"""Session logic on synthetic inputs: tension, baselines and twitch detection, no model."""

import numpy as np
import pytest

from facetension.landmarks import BLENDSHAPE_NAMES
from facetension.tension import DEFAULT_REST, SPAN, default_rest, frame_tension, tension_index
from facetension.tracker import Reading, TensionTracker

FPS = 30.0
NOISE_SD = 0.01  # blendshape noise on a still face
RNG_SEED = 7


def bs(**values):
    out = np.zeros(len(BLENDSHAPE_NAMES))
    out[BLENDSHAPE_NAMES.index("eyeSquintLeft")] = DEFAULT_REST["eye"]
    out[BLENDSHAPE_NAMES.index("eyeSquintRight")] = DEFAULT_REST["eye"]
    out[BLENDSHAPE_NAMES.index("mouthShrugLower")] = DEFAULT_REST["chin"]
    for name, v in values.items():
        out[BLENDSHAPE_NAMES.index(name)] = v
    return out


def run(seconds=10.0, bump=None, centre=lambda t: (320.0, 240.0), tracker=None):
    """Feed a still face; bump(t) -> dict of blendshape overrides adds scripted changes."""
    rng = np.random.default_rng(RNG_SEED)
    tracker = tracker or TensionTracker()
    samples = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        values = bump(t) if bump else {}
        b = bs(**values) + rng.normal(0, NOISE_SD, len(BLENDSHAPE_NAMES))
        samples.append(tracker.update(Reading(np.clip(b, 0, 1), None, centre(t), 200.0), t))
    return tracker, samples


def events(samples):
    return [e for s in samples if s for e in s.events]


def squint(side, start, end, amount=0.4):
    def bump(t):
        return {f"eyeSquint{side}": DEFAULT_REST["eye"] + amount} if start <= t < end else {}

    return bump


def test_still_face_reads_relaxed_and_gives_no_twitch():
    tracker, samples = run()
    assert events(samples) == []
    last = samples[-1]
    assert max(last.values.values()) < 0.05 and last.index < 5


def test_held_squint_raises_that_side_only():
    _, samples = run(bump=squint("Left", 3.0, 8.0))
    mid = samples[int(6 * FPS)]
    assert mid.values[("eye", "left")] > 0.5 and mid.values[("eye", "right")] < 0.05
    assert events(samples) == []  # held for 5 s: tension, not a twitch


def test_short_one_sided_burst_is_one_twitch_at_its_time():
    _, samples = run(bump=squint("Left", 5.0, 5.5))
    found = events(samples)
    assert len(found) == 1
    e = found[0]
    assert (e.region, e.side) == ("eye", "left")
    assert abs(e.t_s - 5.0) <= 0.1 and 0.3 <= e.duration_s <= 0.8


def test_flicker_is_one_twitch():
    def bump(t):
        on = 5.0 <= t < 6.0 and int((t - 5.0) * 12) % 2 == 0  # 6 Hz
        return {"eyeSquintLeft": DEFAULT_REST["eye"] + 0.3} if on else {}

    found = events(run(bump=bump)[1])
    assert [(e.region, e.side) for e in found] == [("eye", "left")]
    assert abs(found[0].t_s - 5.0) <= 0.3


@pytest.mark.parametrize(
    "bump",
    [
        lambda t: (
            {"eyeSquintLeft": 0.85, "eyeSquintRight": 0.85} if 5.0 <= t < 5.5 else {}
        ),  # both sides: not one-sided
        lambda t: {"eyeBlinkLeft": 0.9, "eyeBlinkRight": 0.9, "eyeSquintLeft": 0.85} if 5.0 <= t < 5.2 else {},  # blink
        lambda t: {"browDownLeft": 0.5} if 5.0 <= t < 5.05 else {},  # too short (one frame)
    ],
)
def test_not_twitches(bump):
    assert events(run(bump=bump)[1]) == []


def test_burst_during_head_movement_is_dropped():
    def centre(t):
        return (320.0 + (300.0 * (t - 5.0) if 5.0 <= t < 5.5 else 0.0), 240.0)  # 1.5 faces/s

    found = events(run(bump=squint("Left", 5.0, 5.5), centre=centre)[1])
    assert found == []


def test_mirror_symmetry_of_the_tracker():
    a = events(run(bump=squint("Left", 5.0, 5.5))[1])
    b = events(run(bump=squint("Right", 5.0, 5.5))[1])
    assert [(e.region, e.side) for e in b] == [("eye", "right")] and a[0].t_s == b[0].t_s


def test_no_face_pauses_and_times_must_increase():
    tracker = TensionTracker()
    assert tracker.update(None, 0.0) is None
    tracker.update(Reading(bs(), None, (0.0, 0.0), 100.0), 0.1)
    with pytest.raises(ValueError):
        tracker.update(Reading(bs(), None, (0.0, 0.0), 100.0), 0.1)


def test_frame_tension_scale():
    rest = default_rest()
    full = frame_tension(bs(browDownLeft=DEFAULT_REST["brow"] + SPAN + 0.2), None, rest)
    assert full.values[("brow", "left")] == 1.0 and full.values[("brow", "right")] == 0.0
    assert (
        tension_index({("brow", "left"): 1.0, ("brow", "right"): 0.0, ("eye", "left"): 0.0, ("eye", "right"): 0.0})
        == 50.0
    )


def test_eyes_held_shut_after_a_blink_count_as_a_blink_until_they_open():
    """MediaPipe reads eyes held shut near eyeBlink 0.5 (tension.SHUT_HOLD_SCORE): after a
    blink they stay shut while both read so; the same reading without a blink is no closure."""

    def eyes(t):
        blink = 0.8 if 2.0 <= t < 2.2 else 0.45 if 2.2 <= t < 6.0 else 0.05
        return {"eyeBlinkLeft": blink, "eyeBlinkRight": blink}

    _, samples = run(8.0, bump=eyes)
    at = lambda t: samples[int(t * FPS)]  # noqa: E731
    assert not at(1.0).blink and ("eye", "left") in at(1.0).values
    assert all(at(t).blink and ("eye", "left") not in at(t).values for t in (2.1, 3.0, 5.9))
    assert not at(6.1).blink and ("eye", "left") in at(6.1).values
    _, never = run(8.0, bump=lambda t: {"eyeBlinkLeft": 0.45, "eyeBlinkRight": 0.45} if t >= 2.0 else {})
    assert not any(s.blink for s in never)
