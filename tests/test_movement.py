"""The movement check's pure layers on constructed feature series: finding the movements
by what the face does, their figures, synkinesis grades and composites (movement.py,
check_score.py). Real clips: tests/test_check.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from facetension import face_model as fm
from facetension.check_plan import MOVEMENT_KEYS
from facetension.check_score import (
    EYE_SYNKINESIS_PCT,
    MOUTH_SYNKINESIS_MM,
    RATIO_GRADES,
    check_result,
    eye_synkinesis_grade,
    grade_ratio,
    grade_synkinesis,
    resting_score,
)
from facetension.check_types import FEATURES
from facetension.face import N_BLENDSHAPES
from facetension.face_model import canonical_vertices
from facetension.headframe import DEFAULT_FOCAL_PER_WIDTH
from facetension.metrics import MAX_YAW_DEG
from facetension.movement import (
    REST_EYE_OPEN_SHARE,
    Rep,
    Series,
    deltas,
    find_reps,
    find_rest,
    move_frame,
    order_of,
    rest_problem,
)

FPS = 30.0
F = {n: i for i, n in enumerate(FEATURES)}
REST = {"brow": 22.0, "eye": 10.0, "corner_up": -72.0, "corner_out": 22.0, "alar": -47.0, "lip": -61.0}
NOISE_MM = 0.15  # rest noise of the mesh's features, per frame
RATIO_TOL = 0.1  # the tolerance on a 50 % side
# Full movements (mm) of each feature: (feature, amount); a smile also parts the lips when open.
MOVES = {
    "brow_raise": (("brow", 4.0),),
    "eye_close": (("eye", -10.0),),
    "smile_closed": (("corner_up", 3.0), ("corner_out", 3.0), ("alar", 1.0), ("lip", 1.0)),
    "smile_open": (("corner_up", 4.0), ("corner_out", 3.0), ("alar", 1.0), ("lip", 1.5)),
    "snarl": (("alar", 2.5), ("lip", 2.5)),
    "pucker": (("corner_out", -3.0),),
}
LIP_GAP_OPEN_MM = 8.0


def _window(t, start, end, ramp=0.4):
    if t <= start or t >= end:
        return 0.0
    rise = min((t - start) / ramp, (end - t) / ramp, 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * rise)


def series(
    movements=MOVEMENT_KEYS,
    reps=1,
    left=1.0,
    right=1.0,
    rest_s=3.0,
    hold_s=2.0,
    between_s=1.5,
    eye_narrow=None,  # (side, share) during the mouth movements
    corner_pull=None,  # (side, mm) during eye closure
    seed=0,
) -> Series:
    rng = np.random.default_rng(seed)
    steps, t = [], rest_s
    for m in movements:
        for _ in range(reps):
            steps.append((m, t, t + hold_s))
            t += hold_s + between_s
    n = int(round((t + 1.0) * FPS))
    t_all, values, gaps = [], [], []
    for i in range(n):
        ts = i / FPS
        v = np.array([[REST[f], REST[f]] for f in FEATURES]) + rng.normal(0, NOISE_MM, (len(FEATURES), 2))
        gap = 0.4
        for m, a, b in steps:
            w = _window(ts, a, b)
            if not w:
                continue
            for j, amount in enumerate((left, right)):
                for feat, mm in MOVES[m]:
                    v[F[feat], j] += w * amount * mm
            if m == "smile_open":
                gap += w * LIP_GAP_OPEN_MM
            if eye_narrow and m in ("smile_closed", "smile_open", "snarl", "pucker"):
                side, share = eye_narrow
                v[F["eye"], 0 if side == "left" else 1] -= w * share * REST["eye"]
            if corner_pull and m == "eye_close":
                side, mm = corner_pull
                j = 0 if side == "left" else 1
                v[F["corner_up"], j] += w * mm / math.sqrt(2)
                v[F["corner_out"], j] += w * mm / math.sqrt(2)
        t_all.append(ts)
        values.append(v)
        gaps.append(gap)
    return Series(np.array(t_all), np.stack(values), np.array(gaps), np.zeros((n, N_BLENDSHAPES)))


def result(s: Series):
    rest = find_rest(s)
    reps = find_reps(s, rest)
    return check_result(s, rest, reps, len(s), float(s.t[-1]))


def test_every_movement_is_found_in_order_with_both_sides_equal():
    r = result(series(reps=3))
    assert [m.movement for m in r.movements] == list(MOVEMENT_KEYS)
    assert all(m.reps == 3 for m in r.movements)
    assert r.missing == () and r.in_order
    for m in r.movements:
        assert m.ratio is not None and m.ratio >= 0.9, m
        assert m.weaker is None and m.grade == 5
        assert m.synkinesis.grade == (0, 0), m
    assert r.scores.voluntary == 100 and r.scores.synkinesis == 0 and r.scores.composite == 100


def test_a_side_at_half_reads_a_ratio_of_one_half():
    r = result(series(left=0.5))
    for m in r.movements:
        assert m.ratio == pytest.approx(0.5, abs=RATIO_TOL), m
        assert m.weaker == "left"
        assert m.grade == 3


def test_a_side_that_does_not_move_reads_zero_and_the_movement_is_still_found():
    r = result(series(right=0.0))
    assert [m.movement for m in r.movements] == list(MOVEMENT_KEYS)
    for m in r.movements:
        assert m.ratio < RATIO_GRADES[0] and m.weaker == "right" and m.grade == 1, m
    assert r.scores.voluntary == 20  # five standard expressions at grade 1, × 4


def test_mirroring_swaps_every_side():
    a = result(series(left=0.5, eye_narrow=("left", 0.3), corner_pull=("right", 2.0)))
    s = series(left=0.5, eye_narrow=("left", 0.3), corner_pull=("right", 2.0))
    mirrored = Series(s.t, s.values[:, :, ::-1].copy(), s.lip_gap, s.blendshapes)
    b = result(mirrored)
    for ma, mb in zip(a.movements, b.movements):
        assert (ma.excursion_mm.left, ma.excursion_mm.right) == pytest.approx(
            (mb.excursion_mm.right, mb.excursion_mm.left)
        )
        assert ma.synkinesis.grade == mb.synkinesis.grade[::-1]
        assert {ma.weaker, mb.weaker} == {"left", "right"}


def test_eye_narrowing_during_the_smiles_is_oral_ocular_synkinesis_on_that_side():
    r = result(series(eye_narrow=("left", 0.3)))
    for key in ("smile_closed", "smile_open"):
        s = r.movement(key).synkinesis
        assert s.watched == "eye"
        assert s.percent.left == pytest.approx(30, abs=3) and abs(s.percent.right) < 3
        assert s.grade[0] >= 1 and s.grade[1] == 0
    assert r.scores.synkinesis >= 2


def test_a_mouth_corner_pulling_during_eye_closure_is_ocular_oral_synkinesis():
    r = result(series(corner_pull=("right", 2.0)))
    s = r.movement("eye_close").synkinesis
    assert s.watched == "mouth"
    assert s.mm.right == pytest.approx(2.0, abs=0.3) and s.mm.left < 0.5
    assert s.grade == (0, 1)
    assert r.movement("eye_close").movement == "eye_close"  # not mistaken for a smile


def test_both_eyes_half_read_closing_with_a_strong_mouth_pull_are_still_an_eye_closure():
    # hooded lids: a tight closure reads 40 % on both eyes, less than the 3 mm pull's activity
    r = result(series(movements=("eye_close",), left=0.4, right=0.4, corner_pull=("right", 3.0)))
    assert [m.movement for m in r.movements] == ["eye_close"]
    assert r.movement("eye_close").synkinesis.grade[1] >= 1


def test_a_missing_movement_is_reported_missing_and_never_scored_zero():
    r = result(series(movements=tuple(k for k in MOVEMENT_KEYS if k != "snarl")))
    assert r.missing == ("snarl",) and r.movement("snarl") is None
    assert r.scores.voluntary is None and r.scores.composite is None  # Sunnybrook needs all five
    assert r.scores.dynamic is not None


def test_a_clip_out_of_order_says_so():
    order = ("smile_open", "brow_raise", "eye_close", "smile_closed", "snarl", "pucker")
    r = result(series(movements=order))
    assert not r.in_order
    assert r.order == order
    assert {m.movement for m in r.movements} == set(MOVEMENT_KEYS)


def _order(names):
    return order_of([Rep(m, i, i + 0.5, (), 1.0) for i, m in enumerate(names)])[1]


def test_one_repetition_read_as_another_movement_keeps_the_order():
    reps = [m for m in MOVEMENT_KEYS for _ in range(3)]
    assert _order(reps)
    reps[4] = "smile_closed"  # the second eye closure, read as the smile that comes next
    assert _order(reps)
    reps[1] = "pucker"  # ... and a brow raise read as the last movement: still the set's order
    assert _order(reps)


def test_movements_in_another_order_are_out_of_order_whatever_one_repetition_reads():
    first = ["smile_open"] * 3 + [m for m in MOVEMENT_KEYS if m != "smile_open" for _ in range(3)]
    assert not _order(first)
    swapped = [m for m in ("eye_close", "brow_raise", *MOVEMENT_KEYS[2:]) for _ in range(3)]
    assert not _order(swapped)
    assert not _order(["eye_close", "brow_raise"])  # one repetition each


def test_rest_alone_finds_nothing():
    r = result(series(movements=()))
    assert r.movements == () and r.missing == MOVEMENT_KEYS


def _with_eye(s: Series, side: int, opening_mm, when) -> Series:
    """s with one eye's opening set to opening_mm on the frames `when` selects (by time)."""
    values = s.values.copy()
    values[when(s.t), F["eye"], side] = opening_mm
    return Series(s.t, values, s.lip_gap, s.blendshapes)


def test_eye_closure_compares_the_share_of_each_eye_closed_not_the_lids_travel():
    # The left eye rests 40 % narrower and closes as completely as the right: its lid travels
    # 0.6 as far, and the sides compared by travel read a weaker left (0.6). The issue's
    # excursion for the eye is the share of the open eye closed: both alike.
    s = series(movements=("eye_close",))
    values = s.values.copy()
    values[:, F["eye"], 0] *= 0.6
    (m,) = result(Series(s.t, values, s.lip_gap, s.blendshapes)).movements
    assert m.excursion_mm.left == pytest.approx(0.6 * m.excursion_mm.right, rel=0.1)  # the travel
    assert m.ratio >= 0.9 and m.weaker is None, m


def test_a_clip_that_starts_with_the_eyes_shut_has_no_rest_to_measure_from():
    # the right eye squeezed shut for the first 2.5 s, then a smile to the end: no open-eyed rest
    s = series(movements=("smile_open",), rest_s=2.5, hold_s=10.0)
    s = Series(*(x[s.t < 12.0] for x in (s.t, s.values, s.lip_gap, s.blendshapes)))
    shut = _with_eye(s, 1, 0.3 * REST["eye"], lambda t: t < 2.5)
    assert rest_problem(shut, find_rest(shut)) is not None
    assert rest_problem(s, find_rest(s)) is None
    # ... but with open-eyed rest after it, the rest is found there
    later = _with_eye(series(), 1, 0.3 * REST["eye"], lambda t: t < 2.5)
    assert rest_problem(later, find_rest(later)) is None


def test_a_narrowed_eye_that_a_brow_raise_opens_is_still_at_rest():
    # an eye held narrow at rest (a contracture), opened a fifth wider by each brow raise
    s = series(movements=("brow_raise",) * 4)
    narrow = REST["eye"] * (REST_EYE_OPEN_SHARE + 0.1)
    raised = (s.values[:, F["brow"], 0] - REST["brow"]) > 2.0
    values = s.values.copy()
    values[:, F["eye"], 0] = np.where(raised, narrow * 1.2, narrow)
    s = Series(s.t, values, s.lip_gap, s.blendshapes)
    assert rest_problem(s, find_rest(s)) is None


def test_blinks_are_not_eye_closures():
    s = series(movements=())
    v = s.values.copy()
    for start in (1.0, 2.5):  # 0.2 s blinks
        idx = (s.t >= start) & (s.t < start + 0.2)
        v[idx, F["eye"], :] = 1.0
    r = result(Series(s.t, v, s.lip_gap, s.blendshapes))
    assert r.movements == ()


@pytest.mark.parametrize(
    ("ratio", "grade"),
    [
        (None, 1),
        (0.0, 1),
        (0.09, 1),
        (0.1, 2),
        (0.34, 2),
        (0.35, 3),
        (0.64, 3),
        (0.65, 4),
        (0.89, 4),
        (0.9, 5),
        (1.0, 5),
    ],
)
def test_voluntary_grades_follow_the_documented_ratio_bounds(ratio, grade):
    assert grade_ratio(ratio) == grade


def test_synkinesis_grades_follow_the_documented_thresholds():
    lo, mid, hi = MOUTH_SYNKINESIS_MM
    assert [grade_synkinesis(v, MOUTH_SYNKINESIS_MM) for v in (0.0, lo - 0.01, lo, mid, hi, 10)] == [0, 0, 1, 2, 3, 3]
    # The eye's narrowing counts beyond what a healthy smile shows (2 % per mm, up to 25 %).
    assert eye_synkinesis_grade(24.0, 12.0) == 0  # the real broad smile in samples/single_face.mp4
    assert eye_synkinesis_grade(EYE_SYNKINESIS_PCT[0] + 8.0 + 0.1, 4.0) == 1
    assert eye_synkinesis_grade(30.0, 0.0) == 2 and eye_synkinesis_grade(50.0, 0.0) == 3


def test_resting_score_counts_sunnybrooks_resting_items():
    s = series(movements=())
    rest = find_rest(s)
    assert resting_score(rest) == 0
    v = s.values.copy()
    v[:, F["eye"], 0] -= 1.5  # a narrow eye: 1 point
    v[:, F["alar"], 1] += 3.5  # a cheek fold much deeper: 2 points
    v[:, F["corner_up"], 0] -= 2.0  # a drooping corner: 1 point
    rest = find_rest(Series(s.t, v, s.lip_gap, s.blendshapes))
    assert resting_score(rest) == 5 * 4


def test_the_composite_is_voluntary_minus_resting_minus_synkinesis():
    s = series(left=0.5, eye_narrow=("left", 0.3))
    r = result(s)
    sc = r.scores
    assert sc.composite == sc.voluntary - sc.resting - sc.synkinesis
    assert 20 <= sc.voluntary <= 100 and 0 <= sc.synkinesis <= 15 and 0 <= sc.resting <= 20


def test_the_trace_is_coarse_and_names_the_movements():
    r = result(series())
    steps = np.diff([row.t_s for row in r.trace])
    assert np.allclose(steps, 0.2, atol=1e-6)
    assert {row.movement for row in r.trace} - {None} == set(MOVEMENT_KEYS)


# -- a nod in the check's head frame, with the resting face's depth (check_run.PointFollower) --
PX_PER_CM = 20.0  # a face about 300 px tall in a 640 × 480 frame
IMAGE_SIZE = (640, 480)
NOD_LIFT_MAX_MM = 1.5  # a 2° nod lifts both mouth corners by up to this (not undone; 1.43 mm) ...
TURN_MAX_MM = 0.3  # ... and a 2° turn moves a corner by up to this (0.27 mm)
EXACT_MM = 1e-6


def _seen(yaw_deg: float = 0.0, pitch_deg: float = 0.0) -> np.ndarray:
    """The canonical face turned and seen in the perspective headframe.back_project undoes (478
    landmarks: irises 11.7 mm across, centred between the canthi)."""
    yaw, pitch = np.radians([yaw_deg, pitch_deg])
    ry = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    rx = np.array([[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]])
    v = canonical_vertices() @ (rx @ ry).T * PX_PER_CM
    k = 1.0 + -v[:, 2] / (DEFAULT_FOCAL_PER_WIDTH * IMAGE_SIZE[0])
    mesh = np.column_stack([IMAGE_SIZE[0] / 2 + v[:, 0] / k, IMAGE_SIZE[1] / 2 - v[:, 1] / k, -v[:, 2]])
    irises = []
    for a, b in (
        (fm.RIGHT_OUTER_CANTHUS, fm.RIGHT_INNER_CANTHUS),
        fm.mirrored((fm.RIGHT_OUTER_CANTHUS, fm.RIGHT_INNER_CANTHUS)),
    ):
        c, r = (mesh[a] + mesh[b]) / 2, 0.585 * PX_PER_CM
        irises += [c, c + (r, 0, 0), c + (0, -r, 0), c - (r, 0, 0), c + (0, r, 0)]
    return np.vstack([mesh, irises])


def _moved_by(yaw_deg: float, pitch_deg: float, rest_depth: bool) -> np.ndarray:
    """(F, 2): each feature's movement, in mm, when a still face turns (rest_depth: its points
    keep the resting depth, as the check's follower gives them)."""
    rest, turned = _seen(), _seen(yaw_deg, pitch_deg)
    seen = turned.copy()
    if rest_depth:
        seen[:, 2] = rest[:, 2]
    frames = [move_frame(i / FPS, rest, IMAGE_SIZE, np.zeros(N_BLENDSHAPES)) for i in range(20)]
    frames += [move_frame((20 + i) / FPS, seen, IMAGE_SIZE, np.zeros(N_BLENDSHAPES), mesh=turned) for i in range(10)]
    series = Series.of(frames)
    return np.median(deltas(series, find_rest(series))[20:], axis=0)


@pytest.mark.parametrize("turn", [(2.0, 0.0), (0.0, 2.0), (0.0, -2.0)])
def test_a_turn_is_undone_exactly_with_the_true_depth(turn):
    assert np.abs(_moved_by(*turn, rest_depth=False)).max() < EXACT_MM


def test_with_the_resting_depth_a_nod_reads_as_a_small_even_lift_and_a_turn_as_less():
    nod = _moved_by(0.0, 2.0, rest_depth=True)
    up = nod[F["corner_up"]]
    assert np.abs(up).max() <= NOD_LIFT_MAX_MM and abs(up[0] - up[1]) < 0.05  # both sides alike
    turn = _moved_by(2.0, 0.0, rest_depth=True)
    assert np.abs(turn[[F["corner_up"], F["corner_out"]]]).max() <= TURN_MAX_MM


def test_a_head_turned_too_far_is_left_out_by_the_meshs_own_pose():
    rest, turned = _seen(), _seen(MAX_YAW_DEG + 5.0, 0.0)
    seen = turned.copy()
    seen[:, 2] = rest[:, 2]  # the follower's resting depth hides most of the turn ...
    assert move_frame(0.0, seen, IMAGE_SIZE, np.zeros(N_BLENDSHAPES), mesh=turned) is None  # ... the mesh does not
    assert move_frame(0.0, rest, IMAGE_SIZE, np.zeros(N_BLENDSHAPES), mesh=rest) is not None
