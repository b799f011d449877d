"""Practice session logic on synthetic faces: phases, checks, prompts, pacing, praise. No model."""

import numpy as np
import pytest

from facetension.baselines import Baseline
from facetension.landmarks import BLENDSHAPE_NAMES, Face
from facetension.metrics import measure
from facetension.practice_words import CHECK_MESSAGES, FACE_LOST, OPEN_EYES, TWO_FACES, Phase
from facetension.session import FrameInput, PracticeSession, PracticeSettings
from facetension.tension import DEFAULT_REST, build_rest

from synthetic import FOCAL_PX, IMAGE_SIZE, canonical_478, project

FPS = 30.0
SETTINGS = PracticeSettings(relax_s=60.0, before_s=5.0, after_s=5.0, check_hold_s=0.5)
LIT = 150.0  # face brightness
DISTANCE_CM = 50.0  # a person at a laptop: the face fills ~57 % of the frame height


def face(yaw=0.0, offset=(0.0, 0.0), distance=DISTANCE_CM, faces_seen=1, roll=0.0, **blend):
    lm = project(canonical_478(), yaw=yaw, roll=roll, offset_cm=offset, distance_cm=distance)
    bs = np.zeros(len(BLENDSHAPE_NAMES))
    for region, names in (("eye", ("eyeSquintLeft", "eyeSquintRight")), ("chin", ("mouthShrugLower",))):
        for n in names:
            bs[BLENDSHAPE_NAMES.index(n)] = DEFAULT_REST[region]
    for n, v in blend.items():
        bs[BLENDSHAPE_NAMES.index(n)] = v
    f = Face(lm, bs, np.eye(4), IMAGE_SIZE, faces_seen)
    return f, measure(lm, IMAGE_SIZE, FOCAL_PX)


def relaxed_baseline():
    f, m = face()
    return Baseline(build_rest([(f.blendshapes, m)]), {}, "2026-11-26T00:00:00+00:00", "synthetic", 1)


def session(**kw):
    """A session against the synthetic face's own relaxed reference."""
    return PracticeSession(SETTINGS, relaxed_baseline(), **kw)


def run(session, seconds, t0=0.0, make=lambda t: face(), brightness=LIT):
    events, views = [], []
    for i in range(int(seconds * FPS)):
        t = t0 + i / FPS
        made = make(t)
        f, m = made if made is not None else (None, None)
        view, ev, _ = session.update(FrameInput(t, f, m, IMAGE_SIZE, brightness if f else None))
        events += ev
        views.append(view)
    return events, views


def texts(events, kind):
    return [e.text for e in events if e.kind == kind]


def test_phases_run_in_order_without_calibration_with_a_baseline():
    s = session()
    events, _ = run(s, 0.5 + 5 + 60 + 5 + 1)
    assert texts(events, "phase") == [
        "Resting measurement (before)",
        "Guided relaxation",
        "Resting measurement (after)",
        "Done",
    ]
    assert s.done and s.summary().completed


def test_first_session_learns_the_relaxed_face():
    s = PracticeSession(PracticeSettings(relax_s=5, before_s=2, after_s=2, calibrate_s=6, check_hold_s=0.5))
    events, _ = run(s, 20)
    assert texts(events, "phase")[0] == "Learning your relaxed face"
    assert s.new_baseline is not None and s.summary().baseline == "personal"


@pytest.mark.parametrize(
    "make, brightness, advice",
    [
        (lambda t: None, LIT, "no-face"),  # nobody there
        (lambda t: face(distance=200.0), LIT, "closer"),  # far from the laptop
        (lambda t: face(offset=(18.0, 0.0)), LIT, "centre"),  # off to one side
        (lambda t: face(yaw=25.0), LIT, "frontal"),  # turned away
        (lambda t: face(roll=30.0), LIT, "level"),  # head resting on a hand
        (lambda t: face(roll=-90.0), LIT, "level"),  # lying on one side: not "face the screen"
        (lambda t: face(), 20.0, "light"),  # dark room
    ],
)
def test_check_says_what_to_change_and_waits(make, brightness, advice):
    s = session()
    events, views = run(s, 3, make=make, brightness=brightness)
    assert texts(events, "check") == [CHECK_MESSAGES[advice]]  # said once, not every frame
    assert s.phase == Phase.CHECK and views[-1].message == CHECK_MESSAGES[advice]


def test_a_head_tilted_less_than_the_limit_passes_the_check():
    s = session()
    run(s, 3, make=lambda t: face(roll=0.9 * SETTINGS.max_roll_deg))
    assert s.phase != Phase.CHECK


def test_a_head_tilting_mid_session_is_asked_upright_and_left_out():
    s = session()
    events, _ = run(s, 3)
    assert s.phase == Phase.BEFORE
    tilted, rows = [], []
    f, m = face(roll=35.0)
    for i in range(int(1.5 * FPS)):  # within the 5 s before-measurement
        view, ev, done = s.update(FrameInput(3.0 + i / FPS, f, m, IMAGE_SIZE, LIT))
        tilted += ev
        rows += done
    assert texts(tilted, "warning") == [CHECK_MESSAGES["level"]]
    assert view.message == CHECK_MESSAGES["level"]
    f, m = face()
    for i in range(int(0.5 * FPS)):  # level again
        view, _, done = s.update(FrameInput(4.5 + i / FPS, f, m, IMAGE_SIZE, LIT))
        rows += done
    assert view.message is None and s.phase == Phase.BEFORE
    # The second from 3.6 s: 27 tilted frames, none measured, then 4 level ones (all measured before).
    assert rows[-1].t_s > 3.0 and rows[-1].quality < 0.2


def checks_said(f, m, size, seconds=3.0):
    """What a new session says to check the picture, shown this one face for some seconds."""
    s, events = session(), []
    for i in range(int(seconds * FPS)):
        events += s.update(FrameInput(i / FPS, f, m, size, LIT))[1]
    return texts(events, "check")


def test_a_centred_face_wider_than_an_upright_picture_is_asked_to_move_back():
    # A phone held upright (9:16): the face, centred and not too tall, spills over the sides.
    # It was told "Face the screen", which it did.
    f, _ = face(distance=40.0)
    w, h = 405, IMAGE_SIZE[1]
    lm = f.landmarks - ((IMAGE_SIZE[0] - w) / 2, 0.0, 0.0)
    upright = Face(lm, f.blendshapes, np.eye(4), (w, h), 1)
    m = measure(lm, (w, h), FOCAL_PX)
    assert "out-of-frame" in m.excluded and upright.height_px / h < SETTINGS.max_face_share
    assert checks_said(upright, m, (w, h)) == [CHECK_MESSAGES["back"]]


def test_a_face_over_the_lower_edge_is_asked_to_the_middle():
    # Sitting low: the centre within the tolerance, the chin below the picture.
    f, _ = face()
    w, h = IMAGE_SIZE
    lm = f.landmarks + (0.0, 0.45 * (h - f.height_px) + 20.0, 0.0)
    low = Face(lm, f.blendshapes, np.eye(4), (w, h), 1)
    m = measure(lm, (w, h), FOCAL_PX)
    assert "out-of-frame" in m.excluded and abs(low.centre_px[1] / h - 0.5) <= SETTINGS.centre_tolerance
    assert checks_said(low, m, (w, h)) == [CHECK_MESSAGES["centre"]]


def held_squint(t):
    return face(eyeSquintLeft=DEFAULT_REST["eye"] + 0.5)


def test_prompts_name_the_tense_side_and_never_nag():
    s = session()
    run(s, 5.6)
    events, _ = run(s, 60, t0=5.6, make=held_squint)
    prompts = [e for e in events if e.kind == "prompt"]
    assert prompts and all(e.text == "Let your left eye soften" for e in prompts)
    times = [e.t_s for e in prompts]
    assert all(b - a >= SETTINGS.same_prompt_gap_s - 1e-9 for a, b in zip(times, times[1:]))


def test_at_most_one_prompt_every_six_seconds():
    s = session()
    run(s, 5.6)
    tense = dict(
        eyeSquintLeft=DEFAULT_REST["eye"] + 0.5,
        browDownRight=0.6,
        mouthPressLeft=0.6,
        cheekSquintRight=0.6,
        jawLeft=0.6,
    )
    events, _ = run(s, 30, t0=5.6, make=lambda t: face(**tense))
    times = [e.t_s for e in events if e.kind == "prompt"]
    assert len(times) >= 4
    assert all(b - a >= SETTINGS.prompt_gap_s - 1e-9 for a, b in zip(times, times[1:]))
    assert "Unclench your jaw" in texts(events, "prompt")


def test_praise_follows_when_the_prompted_region_eases():
    s = session()
    run(s, 5.6)
    events, _ = run(s, 10, t0=5.6, make=held_squint)
    events2, views = run(s, 8, t0=15.6)
    assert texts(events2, "praise") == ["Good, your left eye is softer"]
    assert views[-1].message is None or views[-1].message_kind == "praise"


def test_nothing_stands_out_gives_the_pacer_alone():
    s = session()
    events, views = run(s, 30)
    assert texts(events, "prompt") == []
    pacer = np.array([v.pacer for v in views[int(10 * FPS) :]])
    assert pacer.min() < 0.05 and pacer.max() > 0.95
    # About 6 breaths a minute: the pacer peaks every 10 s.
    peaks = [
        i for i in range(1, len(pacer) - 1) if pacer[i] >= pacer[i - 1] and pacer[i] > pacer[i + 1] and pacer[i] > 0.99
    ]
    assert np.allclose(np.diff(peaks) / FPS, 60.0 / SETTINGS.breaths_per_min, atol=0.1)


def test_face_lost_pauses_measurement_with_a_gentle_word():
    s = session()
    run(s, 3)
    events, _ = run(s, 2, t0=3.0, make=lambda t: None)
    assert texts(events, "warning") == [FACE_LOST]
    events, views = run(s, 2, t0=5.0)
    assert views[-1].message is None


def test_a_face_lost_over_a_phases_end_keeps_its_word_until_it_comes_back():
    s = session()
    run(s, 3)
    assert s.phase == Phase.BEFORE  # it ends about 5.5 s in
    events, views = run(s, 4, t0=3.0, make=lambda t: None)
    assert s.phase == Phase.RELAX and texts(events, "warning") == [FACE_LOST]
    assert views[-1].message == FACE_LOST
    _, views = run(s, 1, t0=7.0)
    assert views[-1].message is None


def test_two_faces_are_mentioned_once():
    s = session()
    events, _ = run(s, 3, make=lambda t: face(faces_seen=2))
    assert texts(events, "warning") == [TWO_FACES]


def test_pause_stops_the_clock_and_stop_makes_it_incomplete():
    s = session()
    run(s, 3)
    progress = s.view().phase_progress
    s.toggle_pause()
    _, views = run(s, 5, t0=3.0)
    assert s.view().phase_progress == progress and views[-1].message.startswith("Paused")
    s.toggle_pause()
    s.stop()
    assert s.done and not s.summary().completed


def test_per_second_rows_cover_the_measured_time():
    s = session()
    rows = []
    for i in range(int(12 * FPS)):
        f, m = face()
        rows += s.update(FrameInput(i / FPS, f, m, IMAGE_SIZE, LIT))[2]
    rows += s.flush()
    assert 10 <= len(rows) <= 12
    assert all(r.quality == 1.0 and r.measures.tension_index is not None for r in rows)
    assert {r.phase for r in rows} == {"before", "relax"}


def shut(t):
    return face(eyeBlinkLeft=0.8, eyeBlinkRight=0.8)


def test_eyes_shut_while_measured_are_asked_to_open_and_the_words_stay_a_moment():
    s = PracticeSession(
        PracticeSettings(relax_s=60.0, before_s=20.0, after_s=5.0, check_hold_s=0.5), relaxed_baseline()
    )
    run(s, 2)
    assert s.phase == Phase.BEFORE
    events, views = run(s, SETTINGS.eyes_shut_notice_s + 0.5, t0=2.0, make=shut)
    assert texts(events, "warning") == [OPEN_EYES] and views[-1].message == OPEN_EYES
    assert views[int(SETTINGS.eyes_shut_notice_s * FPS) - 2].message is None  # not for a blink's while
    t0 = 2.0 + SETTINGS.eyes_shut_notice_s + 0.5
    events, views = run(s, SETTINGS.open_eyes_linger_s + 0.5, t0=t0)
    linger = int(SETTINGS.open_eyes_linger_s * FPS)
    assert not events and views[linger - 2].message == OPEN_EYES and views[-1].message is None
    assert s.phase == Phase.BEFORE


def test_eyes_shut_in_the_relaxation_are_left_alone():
    s = session()
    run(s, 7)
    assert s.phase == Phase.RELAX
    events, views = run(s, 10, t0=7.0, make=shut)
    assert not [e for e in events if e.kind in ("warning", "prompt")] and views[-1].message is None
    assert ("eye", "left") in views[0].tension  # a blink's while: the eye's bars keep their reading
    assert ("eye", "left") not in views[-1].tension and ("mouth", "left") in views[-1].tension  # then none
    _, views = run(s, 1, t0=17.0)
    assert ("eye", "left") in views[-1].tension
