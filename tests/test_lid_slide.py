"""Eye closure read as the upper lid's slide, and narrowing as both lids' stretch about the
aperture's middle (lid_slide.py): on constructed profiles, and on the check's scripted eye
closures and narrowings of hooded eyes, which the covered-share reading
(movement.pixel_closure) cannot follow and whose lid points slide off the moving lids."""

import cv2
import numpy as np
import pytest

from facetension.check_run import CheckRecorder
from facetension.landmarks import Landmarker
from facetension.lid_profiles import HEIGHTS, LidProfiles
from facetension.lid_slide import lid_narrowing, lid_slide
from facetension.movement import Series, find_rest, pixel_closure

from media import FACES
from movementclips import check_clip

STEP_TOL = 0.02  # one search step is 0.018 of the opening
RATIO_TOL = 0.1  # the issue's: one side at 50 % reads 0.5 ± 0.1
SHUT_MIN = 0.8  # a shut hooded eye (it read 0.34-0.48 from its lid points)
REAL_BLINK_MIN = 0.4  # the real blink's deepest frame (its covered share reads 0.58-0.62)
REST_MAX = 0.1  # 95th percentile at rest (real clip: 0.02-0.06)
NARROWING = 0.30  # scripted: the left eye narrows by 30 % during the smile
NARROWING_READ = (20.0, 35.0)  # % read (woods read 13 % from its lid points alone)
HOODED = ("woods.jpg", "middleditch.jpg")  # neither eye of the pair followable by its covered share


def _eye(upper=0.12, lower=-0.12, fold=0.3):
    """A resting profile: cheek, a dark aperture with a darker pupil band, lashes at the
    margin, a shaded fold above it, brow skin."""
    h = HEIGHTS
    g = np.full_like(h, 170.0)
    g[(h > lower) & (h < upper)] = 90.0
    g[np.abs(h) < 0.05] = 40.0
    g[(h >= upper) & (h < upper + 0.03)] = 30.0  # lashes
    g[(h >= upper + 0.03) & (h < fold)] = 120.0  # the fold's shade
    return g, upper, lower


def _slid(rest, upper, lower, share, anchor=0.25):
    """The resting profile with the margin slid down by share of the opening."""
    margin = upper - share * (upper - lower)
    a = upper + anchor
    h = HEIGHTS
    stretched = a - (a - h) * (a - upper) / (a - margin)
    src = np.where(h < margin, h, np.where(h < a, stretched, h))
    return np.interp(src, HEIGHTS, rest)


def _stretched(rest, upper, lower, opening):
    """The resting profile with both lids drawn toward the aperture's middle."""
    middle = (upper + lower) / 2
    return np.interp(middle + (HEIGHTS - middle) / opening, HEIGHTS, rest)


def _lids(left, right, upper, lower):
    return LidProfiles(np.stack([left, right]), (upper, upper), (lower, lower))


def test_a_slid_lid_reads_its_share_and_a_still_one_reads_zero():
    rest, upper, lower = _eye()
    frames = [_lids(rest, rest, upper, lower)] * 5
    shares = (0.0, 0.25, 0.5, 0.75, 1.0)
    frames += [_lids(_slid(rest, upper, lower, s), rest, upper, lower) for s in shares]
    mask = np.array([True] * 5 + [False] * len(shares))
    out = lid_slide(tuple(frames), mask)
    assert np.allclose(out[:5], 0.0)
    assert np.allclose(out[5:, 0], shares, atol=STEP_TOL), out[5:, 0]
    assert np.allclose(out[5:, 1], 0.0)  # the other eye stayed open


def test_a_narrowed_eye_reads_its_opening():
    rest, upper, lower = _eye()
    openings = (1.0, 0.85, 0.7, 0.55)
    frames = [_lids(rest, rest, upper, lower)] * 5
    frames += [_lids(_stretched(rest, upper, lower, k), rest, upper, lower) for k in openings]
    out = lid_narrowing(tuple(frames), np.array([True] * 5 + [False] * len(openings)))
    assert np.allclose(out[5:, 0], openings, atol=STEP_TOL), out[5:, 0]
    assert np.allclose(out[:, 1], 1.0, atol=STEP_TOL)


def test_frames_without_profiles_read_nothing_and_too_few_rests_give_none():
    rest, upper, lower = _eye()
    frames = (_lids(rest, rest, upper, lower),) * 3 + (None,)
    out = lid_slide(frames, np.array([True, True, True, False]))
    assert np.isnan(out[3]).all() and np.allclose(out[:3], 0.0)
    assert lid_slide(frames, np.array([True, True, False, False])) is None


def _check(face, **kw):
    frames, fps, truth = check_clip(face, movements=("eye_close",), **kw)
    recorder = CheckRecorder()
    with Landmarker("video") as lm:
        for i, image in enumerate(frames):
            t = i / fps
            recorder.add(t, lm.detect(np.ascontiguousarray(image), int(round(t * 1000))), image)
    return recorder, recorder.result()


@pytest.mark.parametrize("face", HOODED)
def test_a_hooded_eye_shut_reads_shut_and_half_reads_half(face):
    recorder, shut = _check(face)
    series = Series.of(recorder.frames)
    covered = pixel_closure(series, find_rest(series))
    assert covered is None or np.isnan(covered).all(axis=0).any()  # why these faces need the slide
    eye = shut.movement("eye_close")
    assert min(eye.closure.left, eye.closure.right) >= SHUT_MIN and eye.lids_meet == (True, True), eye
    _, half = _check(face, left=0.5)
    eye = half.movement("eye_close")
    assert eye.ratio == pytest.approx(0.5, abs=RATIO_TOL) and eye.weaker == "left", eye
    assert eye.lids_meet == (False, True)


def test_a_mirrored_hooded_eye_swaps_the_sides():
    _, direct = _check("woods.jpg", left=0.5)
    _, mirrored = _check("woods.jpg", left=0.5, mirror=True)
    a, b = direct.movement("eye_close"), mirrored.movement("eye_close")
    assert (a.weaker, b.weaker) == ("left", "right")
    assert b.closure.right == pytest.approx(a.closure.left, abs=RATIO_TOL / 2)


def test_a_hooded_eye_narrowing_in_a_smile_is_graded_on_its_side():
    synkinesis = (("eye_narrow", "left", NARROWING, ("smile_closed",)),)
    frames, fps, _ = check_clip("woods.jpg", movements=("smile_closed",), synkinesis=synkinesis)
    recorder = CheckRecorder()
    with Landmarker("video") as lm:
        for i, image in enumerate(frames):
            t = i / fps
            recorder.add(t, lm.detect(np.ascontiguousarray(image), int(round(t * 1000))), image)
    synk = recorder.result().movement("smile_closed").synkinesis
    assert NARROWING_READ[0] <= synk.percent.left <= NARROWING_READ[1], synk
    assert synk.grade[0] >= 1 and synk.grade[1] == 0, synk


def test_a_real_blink_reads_as_a_closure_and_rest_as_open():
    """samples/single_face.mp4: a real face's blink, caught part-way at 30 fps."""
    capture = cv2.VideoCapture(str(FACES["single_face.mp4"]))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    recorder = CheckRecorder()
    with Landmarker("video") as lm:
        i = 0
        while True:
            ok, image = capture.read()
            if not ok:
                break
            t = i / fps
            recorder.add(t, lm.detect(image, int(round(t * 1000))), image)
            i += 1
    capture.release()
    series = Series.of(recorder.frames)
    rest = find_rest(series)
    covered = pixel_closure(series, rest)
    slid = lid_slide(series.lids, rest.mask)
    deepest = int(np.nanargmax(covered.min(axis=1)))  # both eyes read by their covered share here
    assert covered[deepest].min() > REAL_BLINK_MIN  # a blink is there
    assert slid[deepest].min() >= REAL_BLINK_MIN, (covered[deepest], slid[deepest])
    assert np.nanpercentile(slid[rest.mask], 95, axis=0).max() <= REST_MAX
