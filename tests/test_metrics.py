"""Pure metrics on exact synthetic geometry: no model, no images."""

import itertools

import numpy as np
import pytest

from facetension import face_model as fm
from facetension.metrics import REGIONS, asymmetry_index, measure, regions_from, score, side_geometry

from synthetic import FOCAL_PX, IMAGE_SIZE, canonical_478, project

EXACT_TOLERANCE_MM = 0.3  # the bound for exact geometry
CORNER_DROP_MM = 3.0
POSES = list(itertools.product((-20.0, 0.0, 20.0), repeat=3))  # yaw, pitch, roll corners and centre


def _measure(points, pose):
    lm = project(points, *pose)
    return measure(lm, IMAGE_SIZE, focal_px=FOCAL_PX)


def test_canonical_pairs_are_a_mirror_involution():
    m = fm.mirror_index()
    assert len(m) == fm.N_LANDMARKS
    assert (m[m] == np.arange(fm.N_LANDMARKS)).all()
    assert len(fm.midline_indices()) == 28
    assert fm.mirrored(fm.RIGHT_MOUTH_CORNER) == 291
    assert fm.mirrored(fm.RIGHT_IRIS_CENTER) == fm.LEFT_IRIS_CENTER


@pytest.mark.parametrize("pose", POSES)
def test_symmetric_face_reads_zero_at_every_pose(pose):
    m = _measure(canonical_478(), pose)
    assert m.excluded == ()
    assert m.scale_source == "iris"
    for region in REGIONS:
        assert abs(m.regions[region].diff) <= EXACT_TOLERANCE_MM, (region, m.regions[region])
    assert abs(m.philtrum_mm) <= EXACT_TOLERANCE_MM and abs(m.chin_mm) <= EXACT_TOLERANCE_MM


@pytest.mark.parametrize("pose", POSES)
def test_left_mouth_corner_dropped_3mm_reads_plus_3(pose):
    pts = canonical_478()
    pts[fm.mirrored(fm.RIGHT_MOUTH_CORNER), 1] -= CORNER_DROP_MM / 10  # canonical units are cm
    m = _measure(pts, pose)
    assert m.regions["mouth_corner"].diff == pytest.approx(CORNER_DROP_MM, abs=EXACT_TOLERANCE_MM)
    for region in ("brow", "eye", "mouth_excursion", "nose"):
        assert abs(m.regions[region].diff) <= EXACT_TOLERANCE_MM


def test_head_pose_is_read_back():
    m = _measure(canonical_478(), (15.0, -10.0, 5.0))
    assert (m.yaw_deg, m.pitch_deg) == pytest.approx((15.0, 10.0), abs=0.5) or (
        m.yaw_deg,
        m.pitch_deg,
    ) == pytest.approx((15.0, -10.0), abs=0.5)
    assert abs(m.roll_deg) == pytest.approx(5.0, abs=1.0)


def test_sides_are_the_subjects_not_the_images():
    """The subject's left appears on the image's right in an unmirrored photo."""
    pts = canonical_478()
    pts[291, 1] -= 0.3  # subject's left corner
    lm = project(pts)
    assert lm[291, 0] > IMAGE_SIZE[0] / 2  # image right
    assert _measure(pts, (0, 0, 0)).regions["mouth_corner"].diff > 0


def test_mirrored_landmarks_flip_every_diff():
    pts = canonical_478()
    pts[291, 1] -= 0.3
    pts[fm.mirrored(105), 1] += 0.2  # left brow up
    lm = project(pts, 10, 5, 3)
    mirrored = lm[fm.mirror_index()].copy()
    mirrored[:, 0] = IMAGE_SIZE[0] - mirrored[:, 0]
    a = measure(lm, IMAGE_SIZE, FOCAL_PX)
    b = measure(mirrored, IMAGE_SIZE, FOCAL_PX)
    for region in REGIONS:
        assert b.regions[region].diff == pytest.approx(-a.regions[region].diff, abs=1e-6)


@pytest.mark.parametrize(
    "pose, reason",
    [
        ((25.0, 0.0, 0.0), "pose"),  # turned away
        ((0.0, 25.0, 0.0), "pose"),  # tilted up
        ((0.0, 0.0, 50.0), "pose"),  # head on its side (lying down)
        ((0.0, 0.0, -90.0), "pose"),
    ],
)
def test_frames_outside_the_pose_limits_are_excluded(pose, reason):
    m = _measure(canonical_478(), pose)
    assert reason in m.excluded and m.regions == {}


def test_a_head_rolled_up_to_an_eighth_turn_is_measured():
    for roll in (-45.0, 30.0, 45.0):
        m = _measure(canonical_478(), (0.0, 0.0, roll))
        assert m.excluded == () and m.roll_deg == pytest.approx(roll, abs=1e-6)


def test_partly_out_of_frame_is_excluded():
    lm = project(canonical_478(), offset_cm=(27.0, 0.0))  # face slides off the right edge
    m = measure(lm, IMAGE_SIZE, FOCAL_PX)
    assert "out-of-frame" in m.excluded and not m.usable


def test_closed_eye_leaves_eye_out_but_keeps_the_rest():
    pts = canonical_478()
    for i in fm.RIGHT_UPPER_LID:  # lower the right upper lid onto the lower lid
        pts[i, 1] = pts[145, 1] + 0.02
    m = _measure(pts, (0, 0, 0))
    assert "blink" in m.excluded
    assert "eye" not in m.regions and "mouth_corner" in m.regions


def _shut(pts: np.ndarray, upper: tuple[int, ...], lower: int) -> None:
    for i in upper:  # the upper lid lowered onto the lower lid
        pts[i, 1] = pts[lower, 1] + 0.02


def test_in_a_photo_one_shut_eye_is_measured_and_both_shut_are_a_blink():
    """A stream's blink shuts one eye a frame before the other: either shut is a blink. A photo
    has no such moment: one eye shut, the other open, is the asymmetry to measure."""
    pts = canonical_478()
    _shut(pts, fm.RIGHT_UPPER_LID, 145)
    lm = project(pts)
    stream, photo = measure(lm, IMAGE_SIZE, FOCAL_PX), measure(lm, IMAGE_SIZE, FOCAL_PX, still=True)
    assert "blink" in stream.excluded and "eye" not in stream.regions
    assert photo.excluded == () and photo.regions["eye"].right < photo.regions["eye"].left / 10
    _shut(pts, fm.mirrored(fm.RIGHT_UPPER_LID), fm.mirrored(145))
    both = measure(project(pts), IMAGE_SIZE, FOCAL_PX, still=True)
    assert "blink" in both.excluded and "eye" not in both.regions


def test_iris_disagreement_falls_back_to_the_face_model_scale():
    pts = canonical_478()
    pts[469:473] = pts[468] + (pts[469:473] - pts[468]) * 1.5  # one iris 50 % larger: unreliable
    m = _measure(pts, (0, 0, 0))
    assert m.scale_source == "face-model"
    assert m.mm_per_px == pytest.approx(_measure(canonical_478(), (0, 0, 0)).mm_per_px, rel=0.02)


@pytest.mark.parametrize(
    "region, diff, expected",
    [
        ("eye", 0.0, 100.0),  # symmetric
        ("eye", 2.0, 50.0),  # half of full scale
        ("eye", -8.0, 0.0),  # beyond full scale clips at 0
    ],
)
def test_score(region, diff, expected):
    assert score(region, diff) == pytest.approx(expected)


def test_asymmetry_index():
    assert asymmetry_index({"eye": 0.0, "brow": 0.0}) == 0.0
    assert asymmetry_index({"eye": 2.0, "brow": 0.0}) == pytest.approx(25.0)
    assert np.isnan(asymmetry_index({}))


@pytest.mark.parametrize("tilt_deg", (-2.0, 2.0))
def test_mouth_corners_hang_from_the_pupils_line(tilt_deg):
    """A roll the head frame leaves over (MediaPipe's "rigid" points follow a lowered mouth
    corner) tilts pupils and corners together: the corners' diff must not change; a corner
    lowered 3 mm still reads +3."""
    t = np.radians(tilt_deg)
    turn = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    for drop_mm, expected in ((0.0, 0.0), (CORNER_DROP_MM, CORNER_DROP_MM)):
        pts = canonical_478()
        pts[fm.mirrored(fm.RIGHT_MOUTH_CORNER), 1] -= drop_mm / 10
        pts = pts @ turn.T  # head-frame points in cm: k = 10 mm per unit
        regions = regions_from(side_geometry(pts, "left"), side_geometry(pts, "right"), 10.0)
        assert regions["mouth_corner"].diff == pytest.approx(expected, abs=0.02), tilt_deg
