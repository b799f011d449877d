"""The lid registration (refine.PixelRefiner) on real faces: one stretch for both ways, and a
mirror image reads exactly the inverse split."""

import cv2
import numpy as np
import pytest

from facetension import face_model as fm
from facetension.landmarks import Landmarker
from facetension.metrics import measure
from facetension.refine import LID_STRETCH, PixelRefiner

import faceedits as fe
from media import FACES

# Hooded lids and a small face: before one stretch served both ways, each way's own peak
# could sit on different features (woods' narrowed lower lid read 0.43 one way, 0.65 the
# other), and the narrowed eye fell back to the mesh or read the wrong way.
FACES_HERE = ("woods.jpg", "nanjiani.jpg", "middleditch.jpg", "miller.jpg")
MIRROR_TOL = 1e-9  # the same numbers in a mirrored order: exact but for rounding


@pytest.fixture(scope="module")
def narrowed():
    """Per face: the photo with its left eye narrowed by 30 %, and its landmarks."""
    out = {}
    with Landmarker("image") as lm:
        for name in FACES_HERE:
            image = cv2.imread(str(FACES[name]))
            edited = fe.eye_narrowing(image, fe.geometry(lm, image)).image
            out[name] = edited, lm.detect(edited).landmarks
    return out


def _split(image: np.ndarray, landmarks: np.ndarray):
    h, w = image.shape[:2]
    refiner = PixelRefiner(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), landmarks, (w, h))
    measure(landmarks, (w, h), refine=refiner)
    return refiner.split


def _mirrored(image: np.ndarray, landmarks: np.ndarray):
    flipped = landmarks[fm.mirror_index()].copy()
    flipped[:, 0] = image.shape[1] - flipped[:, 0]  # pixel centres at i + 0.5 map onto each other
    return np.ascontiguousarray(image[:, ::-1]), flipped


@pytest.mark.parametrize("name", FACES_HERE)
def test_a_narrowed_hooded_eye_is_read_from_the_pixels_as_the_narrower_one(narrowed, name):
    split = _split(*narrowed[name])
    assert split.lid_ratios is not None, "the narrowed eye fell back to the mesh"
    upper, lower = split.lid_ratios  # right / left lid distance from the pupil
    assert upper > 1 and lower > 1, split.lid_ratios  # the left eye is the narrowed one
    assert all(LID_STRETCH[0] < r < LID_STRETCH[1] for r in split.lid_ratios)


@pytest.mark.parametrize("name", FACES_HERE)
def test_a_mirror_image_reads_exactly_the_inverse_lid_ratios(narrowed, name):
    split = _split(*narrowed[name])
    mirror = _split(*_mirrored(*narrowed[name]))
    assert split.lid_ratios is not None and mirror.lid_ratios is not None
    for r, m in zip(split.lid_ratios, mirror.lid_ratios):
        assert m * r == pytest.approx(1.0, abs=MIRROR_TOL)
