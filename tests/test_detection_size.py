"""Faces are found at every distance a person sits from a laptop.

Requirement: every face from 20 % of a 16:9 frame's height up is found. Five real faces
(tests/letterbox.py) are letterboxed into 1280×720 frames with the face, forehead to chin,
at 20–45 % of the frame height, centred and near the left third. MediaPipe's detector on
the whole frame misses most of them at 20 %; our wrapper must find all of them, in the
right place and at the right size. benchmarks/detection_vs_size.py prints the rates.
"""

from __future__ import annotations

import numpy as np
import pytest

from facetension.landmarks import Landmarker

from letterbox import FACE_NAMES, FRAME_SIZE, POSITIONS, face_centre, letterbox_source, measure_sources

FRACTIONS = (0.20, 0.25, 0.30, 0.45)
CENTRE_TOL = 0.25  # face heights between the found and the expected face centre
HEIGHT_TOL = 0.25  # relative error of the found face height

VIDEO_FRACTION = 0.20
VIDEO_FRAMES = 10
VIDEO_STEP_MS = 33
VIDEO_PATH = ((0.40, 0.48), (0.58, 0.52))  # face centre, fractions of the frame: start, end


@pytest.fixture(scope="module")
def landmarker():
    with Landmarker("image") as lm:
        yield lm


@pytest.fixture(scope="module")
def sources(landmarker):
    return {s.name: s for s in measure_sources(landmarker)}


def _check(face, expected_centre, fraction, what: str) -> None:
    target = fraction * FRAME_SIZE[1]
    assert face is not None, f"{what}: no face found"
    cx, cy = face_centre(face)
    off = float(np.hypot(cx - expected_centre[0], cy - expected_centre[1])) / target
    ratio = face.height_px / target
    found = (
        f"found {face.faces_seen} face(s); measured one at ({cx:.0f}, {cy:.0f}), "
        f"{face.height_px:.0f} px high; expected ({expected_centre[0]:.0f}, "
        f"{expected_centre[1]:.0f}), {target:.0f} px"
    )
    assert off <= CENTRE_TOL, f"{what}: centre off by {off:.2f} face heights; {found}"
    assert abs(ratio - 1) <= HEIGHT_TOL, f"{what}: height ratio {ratio:.2f}; {found}"


def test_sources_are_measured(sources):
    assert sorted(sources) == sorted(FACE_NAMES)
    for s in sources.values():
        assert s.height_px > 80, f"{s.name}: source face only {s.height_px:.0f} px high"


@pytest.mark.parametrize("position", list(POSITIONS))
@pytest.mark.parametrize("fraction", FRACTIONS)
@pytest.mark.parametrize("name", FACE_NAMES)
def test_face_found_at_size(landmarker, sources, name, fraction, position):
    frame, centre = letterbox_source(sources[name], fraction, position)
    assert frame.shape == (FRAME_SIZE[1], FRAME_SIZE[0], 3)
    face = landmarker.detect(frame)
    _check(face, centre, fraction, f"{name} at {fraction:.0%}, {position}")


@pytest.mark.parametrize("name", FACE_NAMES)
def test_small_face_followed_in_video(sources, name):
    """A face at 20 % moving slowly across the frame (~26 px a frame) is found in every
    frame, in VIDEO mode with the frame time rising by 33 ms."""
    src = sources[name]
    (x0, y0), (x1, y1) = VIDEO_PATH
    missed = []
    with Landmarker("video") as lm:
        for i in range(VIDEO_FRAMES):
            a = i / (VIDEO_FRAMES - 1)
            pos = (x0 + a * (x1 - x0), y0 + a * (y1 - y0))
            frame, centre = letterbox_source(src, VIDEO_FRACTION, pos)
            face = lm.detect(frame, t_ms=i * VIDEO_STEP_MS)
            try:
                _check(face, centre, VIDEO_FRACTION, f"{name}, frame {i} (t={i * VIDEO_STEP_MS} ms)")
            except AssertionError as exc:
                missed.append(str(exc))
    assert not missed, "\n".join(missed)
