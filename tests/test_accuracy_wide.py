"""Accuracy on the wide face set (tests/faceedits.py's WIDE_SET: 19 faces of 16 people, with
glasses, beards, darker skin, rolled heads, posed expressions and small images): per-face gains against known
warps, and the robustness checks, measured as benchmarks/accuracy_gains.py measures them.

The margins are what the method reaches today, less a little, so that a change that loses
accuracy on faces the method was not tuned on fails here. Issue 14's goals are stricter
(mouth 0.90–1.10 median with every face in 0.75–1.25, brow ≥ 0.70 median with every face
≥ 0.5, eye ≥ 0.80 median with every face ≥ 0.6); the README's table says which are met.
"""

import statistics

import cv2
import numpy as np
import pytest

from facetension.analysis import analyze_image
from facetension.landmarks import Landmarker

import faceedits as fe
from blinkclips import close_lid
from media import FACES

MOUTH_MEDIAN_MIN = 0.92  # median over faces of each face's median gain at 2, 4 and 6 mm (today 0.95)
MOUTH_EACH = (0.68, 1.25)  # every face (today ≥ 0.72: miller.jpg, moustache)
BROW_MEDIAN_MIN = 0.65
BROW_EACH_MIN = 0.2  # faces with an iris under BROW_BAND.min_iris_px keep the mesh (~0.25)
EYE_MEDIAN_MIN = 0.85
EYE_EACH_MIN = 0.6  # every face whose narrowed eye is measured (the goal; today ≥ 0.76)
SLIGHT_NARROWING = 0.85  # a 15 % narrowing, read as well (today ≥ 0.72 on every face)
# aniston.jpg smiles with her eyes narrowed to about a quarter of an iris: a 15 % narrowing
# moves her lid by 0.4 px, and reads 0.57 of it (every other face ≥ 0.72). Until a photo's
# blink needed both eyes shut, that narrowed eye was read as a blink and not measured.
SQUINT_FACE, SQUINT_MIN = "aniston.jpg", 0.5
SLID = 0.3  # an upper lid lowered over 30 % of the opening ...
SLID_MEDIAN_MIN = 0.4  # ... reads at least this median gain (today 0.48; the squeeze: 0.93)
WITHIN_MM = 1.0
ROBUST_SHARE = 0.93  # (face, check, region) readings within 1 mm of what they should be
HALF_SIZE_SHARE = 0.87  # ... of the half-size copies (today 0.89; 0.84 with the mesh under 6 px of iris)
MIRROR_MM = 0.05
# A perfectly symmetric face (a chimera) reads its mouth corners this close to level: today at
# most 0.42 mm; 0.72 mm before the commissure's patches were placed about the midline where
# they match best (the mesh's midline moves by a pixel with its rigid points).
CHIMERA_CORNER_MM = 0.5


@pytest.fixture(scope="module")
def landmarker():
    with Landmarker("image") as lm:
        yield lm


@pytest.fixture(scope="module")
def measured(landmarker):
    """Per face: its gains (refined) and every robustness reading's error in mm."""
    out = {}
    for name in fe.WIDE_SET:
        image = cv2.imread(str(FACES[name]))
        g = fe.geometry(landmarker, image)
        gains = {e.label: fe.gain(landmarker, e, g.base) for e in fe.gain_edits(image, g)}
        base = fe.diffs(g.base)
        errors = {}
        for label, img in fe.chimeras(landmarker, image).items():
            d = fe.diffs(analyze_image(img, landmarker))
            errors[label] = {r: abs(d[r]) if r in d else np.inf for r in base}
        for label, img in {**fe.moved(image), **fe.lighting(image)}.items():
            d = fe.diffs(analyze_image(img, landmarker))
            errors[label] = {r: abs(d[r] - base[r]) if r in d else np.inf for r in base}
        flipped = fe.diffs(analyze_image(np.ascontiguousarray(image[:, ::-1]), landmarker))
        errors["mirror"] = {r: abs(flipped[r] + base[r]) for r in base}
        out[name] = gains, errors
    return out


def _gains(measured, prefix):
    return {n: float(np.median([v for k, v in g.items() if k.startswith(prefix)])) for n, (g, _) in measured.items()}


def test_mouth_corner_gains(measured):
    gains = _gains(measured, "mouth")
    assert statistics.median(gains.values()) >= MOUTH_MEDIAN_MIN, gains
    assert all(MOUTH_EACH[0] <= v <= MOUTH_EACH[1] for v in gains.values()), gains


def test_brow_gains(measured):
    gains = _gains(measured, "brow")
    assert statistics.median(gains.values()) >= BROW_MEDIAN_MIN, gains
    assert min(gains.values()) >= BROW_EACH_MIN, gains


def test_eye_gains(measured):
    # aniston.jpg's eye narrowed by 30 % is open less than a quarter of an iris: a blink, left out
    gains = {n: v for n, v in _gains(measured, "eye").items() if not np.isnan(v)}
    assert len(gains) >= len(fe.WIDE_SET) - 1, gains
    assert statistics.median(gains.values()) >= EYE_MEDIAN_MIN, gains
    assert min(gains.values()) >= EYE_EACH_MIN, gains  # hooded lids and squints included


def test_slight_eye_narrowing_is_read_on_every_face(landmarker):
    """A 15 % narrowing: the lid's stretch to find is small, and a lower lid that is only a
    ramp of shading (a small face) matches nearly as well at any stretch."""
    gains = {}
    for name in fe.WIDE_SET:
        image = cv2.imread(str(FACES[name]))
        g = fe.geometry(landmarker, image)
        gains[name] = fe.gain(landmarker, fe.eye_narrowing(image, g, SLIGHT_NARROWING), g.base)
    measured = {n: round(v, 2) for n, v in gains.items() if not np.isnan(v)}
    assert len(measured) == len(fe.WIDE_SET), gains
    squint = measured.pop(SQUINT_FACE)
    assert squint >= SQUINT_MIN and min(measured.values()) >= EYE_EACH_MIN, (squint, measured)


def test_an_upper_lid_lowered_over_the_iris_is_read_though_under_half(landmarker):
    """The squeeze above moves both lids and squeezes the iris; a real lid lowers over a round
    iris (tests/blinkclips.py's lid). That is read in the right direction on every face, but
    at about half its size (benchmarks/eye_narrowing_shapes.py; the README says why): this
    holds today's level until a better model of the lid raises it."""
    gains = {}
    for name in fe.WIDE_SET:
        image = cv2.imread(str(FACES[name]))
        g = fe.geometry(landmarker, image)
        eye = analyze_image(close_lid(image, g.landmarks, g.up, "left", SLID), landmarker).regions["eye"]
        gains[name] = (eye.diff_mm - g.base.regions["eye"].diff_mm) / (-SLID * g.base.regions["eye"].left_mm)
    assert statistics.median(gains.values()) >= SLID_MEDIAN_MIN and min(gains.values()) > 0, gains


def test_a_photo_with_one_narrow_eye_is_no_blink(landmarker):
    """aniston.jpg smiles with narrowed eyes. Rolled by 10° either way, the mesh opens one of
    them less than a quarter of an iris: in a stream that is a blink, and it left the eye out
    of both copies. In a photo only both eyes shut are a blink, so the eye is read, as the
    upright photo reads it."""
    image = cv2.imread(str(FACES["aniston.jpg"]))
    upright = analyze_image(image, landmarker).regions["eye"].diff_mm
    for label, img in fe.moved(image).items():
        if label.startswith("roll"):
            eye = analyze_image(img, landmarker).regions.get("eye")
            assert eye is not None and abs(eye.diff_mm - upright) <= WITHIN_MM, (label, eye, upright)


def test_robustness_checks_hold_on_the_wide_set(measured):
    readings = [v for _, errors in measured.values() for check in errors.values() for v in check.values()]
    share = float(np.mean([v <= WITHIN_MM for v in readings]))
    bad = {
        n: {c: {r: round(v, 2) for r, v in e.items() if v > WITHIN_MM} for c, e in errs.items()}
        for n, (_, errs) in measured.items()
    }
    assert share >= ROBUST_SHARE, bad


def test_a_half_size_copy_reads_what_the_photo_reads(measured):
    """Irises of 4-6 px are read from the pixels too: the mesh's split, near 0, is further
    from the full-size photo's pixel reading than the small face's own pixels are."""
    label = f"{fe.HALF_SIZE}× size"
    readings = [v for _, errors in measured.values() for v in errors[label].values()]
    bad = {n: {r: round(v, 2) for r, v in errs[label].items() if v > WITHIN_MM} for n, (_, errs) in measured.items()}
    assert float(np.mean([v <= WITHIN_MM for v in readings])) >= HALF_SIZE_SHARE, bad


def test_a_symmetric_face_reads_its_mouth_corners_level(measured):
    corners = {
        (n, label): round(e["mouth_corner"], 2)
        for n, (_, errors) in measured.items()
        for label, e in errors.items()
        if label.startswith("chimera")
    }
    assert len(corners) == 2 * len(fe.WIDE_SET) and max(corners.values()) <= CHIMERA_CORNER_MM, corners


def test_mirror_is_exact_on_every_face(measured):
    for name, (_, errors) in measured.items():
        assert max(errors["mirror"].values()) <= MIRROR_MM, (name, errors["mirror"])
