"""The massage's plan, guide, zones and session phases, and the check-in's keys: pure, on
synthetic geometry (the canonical face, exactly symmetric) and synthetic sessions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from facetension.checkin import TAG_KEYS, CheckIn, parse_tags
from facetension.massage import MAX_STEP_S, MIN_STEP_S, ZONES, MassageGuide, Step, plan
from facetension.massage_zones import zone_polygon
from facetension.practice_words import Phase
from facetension.session import FrameInput, PracticeSession, PracticeSettings

from test_session import FPS, IMAGE_SIZE, LIT, face, relaxed_baseline, texts

AREA_TOLERANCE = 1e-6  # relative: mirrored zones of the symmetric face have equal areas
ROTATION_TOLERANCE_PX = 1e-6


def test_the_tensest_zone_comes_first_on_its_tenser_side():
    before = {("cheek", "right"): 0.6, ("cheek", "left"): 0.2, ("brow", "left"): 0.3, ("brow", "right"): 0.1}
    steps, step_s = plan(before, 60.0)
    assert [(s.zone, s.side) for s in steps] == [
        ("cheek", "right"),
        ("cheek", "left"),
        ("forehead", None),  # the brow's two zones: top to bottom when tied
        ("temple", "left"),
        ("temple", "right"),
        ("eye", "left"),  # then the unmeasured ones, top to bottom
    ]
    assert step_s == pytest.approx(10.0)


@pytest.mark.parametrize("minutes", [0.2, 1, 3, 5, 10])
def test_the_plan_fills_the_time_with_steps_of_a_sensible_length(minutes):
    steps, step_s = plan({}, minutes * 60.0)
    assert len(steps) * step_s == pytest.approx(minutes * 60.0)
    assert step_s <= MAX_STEP_S + 1e-9 and (step_s >= MIN_STEP_S or len(steps) == 1)
    zones_once = len([s for z in ZONES for s in ((None,) if not z.sided else ("l", "r"))])
    if minutes * 60.0 >= zones_once * MIN_STEP_S:
        assert {s.zone for s in steps} == {z.name for z in ZONES}  # enough time: every zone


def test_the_guide_steps_on_and_a_pain_report_moves_to_the_next_zone():
    steps = (Step("cheek", "left"), Step("jaw", "left"), Step("chin", None))
    g = MassageGuide(steps, 10.0)
    assert g.tick(0.0) == [] and g.state(4.0).step == steps[0]
    assert g.state(4.0).step_left_s == pytest.approx(6.0) and g.state(4.0).next_step == steps[1]
    ended = g.tick(10.5)
    assert [e[0] for e in ended] == [steps[0]] and ended[0][2] == pytest.approx(10.0)
    hurt = g.pain(13.0)
    assert hurt[0] == steps[1] and hurt[2] == pytest.approx(3.0) and hurt[3] is True
    assert g.state(13.0).step == steps[2] and g.left_s(13.0) == pytest.approx(10.0)
    cut = g.stop(15.0)
    assert cut[0] == steps[2] and cut[2] == pytest.approx(2.0) and g.finished


def _landmarks():
    f, _ = face()
    return f.landmarks


@pytest.mark.parametrize("zone", [z for z in ZONES if z.sided], ids=lambda z: z.name)
def test_a_sided_zone_mirrors_its_other_side_on_a_symmetric_face(zone):
    lm = _landmarks()
    left, right = zone_polygon(lm, zone.name, "left"), zone_polygon(lm, zone.name, "right")
    cx = lm[:468, 0].mean()  # the synthetic face is frontal and centred: x mirrors about its middle

    def area(p):
        x, y = p[:, 0], p[:, 1]
        return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))

    assert area(left) == pytest.approx(area(right), rel=AREA_TOLERANCE)
    assert left[:, 0].mean() - cx == pytest.approx(cx - right[:, 0].mean(), abs=1e-3)
    assert left[:, 0].mean() > cx > right[:, 0].mean()  # the subject's left is the image's right


@pytest.mark.parametrize("zone", ZONES, ids=lambda z: z.name)
def test_a_zone_turns_and_scales_with_the_face(zone):
    lm = _landmarks()
    side = "left" if zone.sided else None
    base = zone_polygon(lm, zone.name, side)
    centre = np.array(IMAGE_SIZE) / 2
    a = np.deg2rad(20)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    moved = lm.copy()
    moved[:, :2] = (lm[:, :2] - centre) @ rot.T * 0.5 + centre
    expected = (base - centre) @ rot.T * 0.5 + centre
    got = zone_polygon(moved, zone.name, side)
    # The same outline, whatever vertex it starts from (a hull starts at its leftmost point).
    assert len(got) == len(expected)
    assert np.abs(got[:, None, :] - expected[None, :, :]).max(axis=2).min(axis=1).max() < ROTATION_TOLERANCE_PX
    if zone.name != "neck":  # the neck reaches below a close face's picture
        assert (base >= 0).all() and (base < IMAGE_SIZE).all()


MASSAGE = PracticeSettings(
    relax_s=10.0, before_s=3.0, after_s=3.0, check_hold_s=0.5, massage_s=20.0, after_massage_s=4.0
)


def _covered():
    f, m = face()
    return f, replace(m, excluded=("covered",))


def _run(s, start, seconds, make):
    events, rows = [], []
    for i in range(int(seconds * FPS)):
        t = start + i / FPS
        f, m = make(t)
        _, ev, r = s.update(FrameInput(t, f, m, IMAGE_SIZE, LIT))
        events += ev
        rows += r
    return events, rows


def test_the_massage_measures_nothing_and_the_after_massage_rest_waits_for_a_clear_face():
    s = PracticeSession(MASSAGE, relaxed_baseline())
    ev, rows = _run(s, 0.0, 3.6, lambda t: face())  # check 0.5 s, before 3 s
    assert s.phase == Phase.MASSAGE
    ev2, rows2 = _run(s, 3.6, 20.0, lambda t: _covered())  # hands on the face
    assert not [r for r in rows2 if r.phase == "massage"]
    steps = [e for e in ev2 if e.kind == "massage" and e.logged]
    assert len(steps) == 2 and all(e.duration_s == pytest.approx(10.0, abs=0.05) for e in steps)
    assert s.phase == Phase.AFTER_MASSAGE
    ev3, rows3 = _run(s, 23.6, 3.0, lambda t: _covered())  # the hands stay: no measurement starts
    assert s.phase == Phase.AFTER_MASSAGE and s.view().phase_left_s == pytest.approx(4.0)
    assert not rows3 or all(r.measures.tension_index is None for r in rows3)
    clear_at = 26.6
    ev4, _ = _run(s, clear_at, 10.0, lambda t: face())
    relax = next(e for e in ev4 if e.kind == "phase" and e.phase == Phase.RELAX)
    # Clear and still for settle_s, then the 4 s measurement.
    assert relax.t_s == pytest.approx(clear_at + MASSAGE.settle_s + MASSAGE.after_massage_s, abs=0.2)
    summary = s.summary()
    assert summary.after_massage is not None and summary.massage_s == pytest.approx(20.0, abs=0.1)


def test_this_hurts_logs_the_zone_advises_and_moves_on():
    s = PracticeSession(MASSAGE, relaxed_baseline())
    _run(s, 0.0, 3.6, lambda t: face())
    _run(s, 3.6, 3.0, lambda t: _covered())
    first = s.view().massage.step
    events = s.pain()
    kinds = [e.kind for e in events]
    assert kinds[:2] == ["massage", "pain"] and events[1].region == first.zone
    assert s.view().massage.step != first and s.view().massage.index == 1
    assert "lightly" in texts(events, "pain")[0]
    stopped = s.stop()
    assert [e.kind for e in stopped] == ["massage"] and stopped[0].duration_s == pytest.approx(0.0, abs=0.1)


def test_the_check_in_keys():
    c = CheckIn()
    for ch in "10":
        c.key(ch)
    assert c.pain == 10
    c.key("7")
    assert c.pain == 7  # "07" is 7; a new digit starts over when the two would pass 10
    for key in ("c", "t", "c"):
        c.key(key)
    assert c.tags == {TAG_KEYS["t"]} and not c.done
    c.key("\r")
    assert c.done and c.answered and not c.skipped
    skip = CheckIn()
    skip.key("4")
    skip.key("s")
    assert skip.done and skip.skipped and not skip.answered and skip.pain is None
    assert parse_tags("c, stress  poor-sleep") == ["cold", "stress", "poor-sleep"]


def test_the_evening_wind_down_is_slower_shorter_calmer_and_tagged(tmp_path, capsys):
    """practice --evening: 5 breaths a minute, a 3-minute relaxation, quieter words, and the
    session tagged 'evening' on its own (no check-in asked)."""
    import argparse

    from facetension import practice_cli
    from facetension.cli import main
    from facetension.practice_words import EVENING_INSTRUCTIONS
    from facetension.storage import Log

    from media import DEMO

    args = argparse.Namespace(massage=None, evening=True, minutes=None, no_baseline=False)
    settings = practice_cli._settings(args, None, None)  # a camera: no clip to fit
    assert (settings.breaths_per_min, settings.relax_s, settings.evening) == (5.0, 180.0, True)
    s = PracticeSession(settings, relaxed_baseline())
    _run(s, 0.0, 1.0, lambda t: face())
    assert s._instructions[Phase.RELAX] == EVENING_INSTRUCTIONS[Phase.RELAX]
    db = tmp_path / "log.db"
    rc = main(["practice", "--source", str(DEMO), "--evening", "--no-window", "--no-journal", "--db", str(db)])
    assert rc == 0
    with Log.open(db, readonly=True) as log:
        (record,) = log.sessions()
        assert record.journal.tags == ("evening",)
