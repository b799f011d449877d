"""Blendshape bias: measured on symmetric chimeras and rolled faces, and how it is handled.

MediaPipe reads one side of a perfectly symmetric face as tenser (eyeSquint, mouthPress);
the mirror pass cancels that. Under head roll the left−right reading wanders without a
consistent slope; the deadband and the pose-corrected geometry bound it.
"""

import cv2
import numpy as np
import pytest

from facetension import face_model as fm
from facetension.analysis import analyze_image
from facetension.landmarks import Landmarker
from facetension.tension import TENSION_REGIONS

from imagewarp import chimera, rotate_scale
from media import FACES

CHIMERA_MAX = 0.05  # tension left − right on a symmetric face, with the mirror pass
ROLL_MAX_CHANGE = 0.15  # how far rolling the head ±20° may move any region's left − right
PHOTOS = ("grace_hopper.jpg", "single_face.jpg")


@pytest.fixture(scope="module")
def landmarkers():
    with Landmarker("image", mirror_pass=False) as direct, Landmarker("image") as both:
        yield direct, both


def lr(a):
    return {r: a.tension[(r, "left")] - a.tension[(r, "right")] for r in TENSION_REGIONS if (r, "left") in a.tension}


def chimeras(direct, name):
    image = cv2.imread(str(FACES[name]))
    mid = direct.detect(image).landmarks[fm.midline_indices(), :2]
    c = mid.mean(0)
    d = np.linalg.svd(mid - c)[2][0]
    return [chimera(image, tuple(c), tuple(d), keep) for keep in ("left", "right")]


def test_mirror_pass_removes_the_side_bias_on_symmetric_faces(landmarkers):
    direct, both = landmarkers
    worst_direct = worst_both = 0.0
    for name in PHOTOS:
        for ch in chimeras(direct, name):
            worst_direct = max(worst_direct, max(map(abs, lr(analyze_image(ch, direct)).values())))
            worst_both = max(worst_both, max(map(abs, lr(analyze_image(ch, both)).values())))
    assert worst_both <= CHIMERA_MAX
    assert worst_direct > 2 * worst_both  # the bias is real, and the correction removes most of it


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("angle", [-20, -10, 10, 20])
def test_roll_moves_left_right_tension_only_a_little(landmarkers, faces, name, angle):
    _, both = landmarkers
    image = cv2.imread(str(faces[name]))
    base = lr(analyze_image(image, both))
    rolled = lr(analyze_image(rotate_scale(image, angle, 1.0)[0], both))
    for region in TENSION_REGIONS:
        assert abs(rolled[region] - base[region]) <= ROLL_MAX_CHANGE, (region, base[region], rolled[region])


def test_face_turned_away_gives_no_tension(faces):
    """Blendshapes of a face turned 34° are not trusted: no tension is reported."""
    with Landmarker("image") as lm:
        a = analyze_image(cv2.imread(str(faces["45-m7-di-ph.jpg"])), lm)
    assert a.tension == {} and a.tension_index is None
