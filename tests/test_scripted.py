"""Sanity checks of the scripted-clip generator (tests/scripted.py): its ground truth must hold."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facetension import face_model as fm
from facetension.analysis import analyze_image
from facetension.landmarks import BLENDSHAPE_NAMES, Landmarker

import scripted as sc

SMILE = [BLENDSHAPE_NAMES.index(n) for n in ("mouthSmileLeft", "mouthSmileRight")]
SECONDS = 3.0  # short clips keep the tests fast; the edits get windows to match


@pytest.fixture(scope="module")
def landmarker():
    with Landmarker("image") as lm:
        yield lm


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(y, x) of the pixels that differ between two frames."""
    return np.argwhere(np.any(a != b, axis=2))


def test_rest_clip_length_pingpong_and_read_only():
    frames, fps = sc.rest_frames(2.5)
    assert fps == 30.0 and len(frames) == 75
    n = len(sc.NEUTRAL_FRAMES)
    # Forward, then backward without repeating the end frames, then forward again.
    assert frames[n] is frames[n - 2] and frames[2 * (n - 1)] is frames[0]
    assert not np.array_equal(frames[n - 1], frames[n - 2])
    with pytest.raises(ValueError):
        frames[0][0, 0, 0] = 1
    frames.clear()  # the caller's list is its own
    clip, _ = sc.make_clip((), 2.5)
    assert len(clip) == 75 and not clip[10].flags.writeable


def test_rest_clip_has_no_smile(landmarker):
    frames, _ = sc.rest_frames(1.0)
    for i in (0, 5, 10, len(sc.NEUTRAL_FRAMES) - 1):
        face = landmarker.detect(frames[i])
        assert face is not None
        assert face.blendshapes[SMILE].sum() < 0.1, f"frame {i} smiles"


def _feature(edit, landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edited feature's position, its mirror twin, and how far from it pixels may change:
    (along up, across up), px. Each edit moves content by < 1/1000 px beyond that box."""
    iris = np.linalg.norm(landmarks[fm.LEFT_IRIS_RING[0], :2] - landmarks[fm.LEFT_IRIS_RING[2], :2])
    if isinstance(edit, sc.EyeNarrow):  # the plateau box of local_scale
        index, reach = fm.LEFT_IRIS_CENTER, 1.6 * np.array([1.3, 1.6]) * iris + 1
    elif isinstance(edit, sc.CornerShift):  # Gaussian: 4.5 sigma
        sigma = edit.sigma_mm / sc.rest_track(SECONDS).mm_per_px
        index, reach = fm.mirrored(fm.RIGHT_MOUTH_CORNER), np.full(2, 4.5 * sigma)
    else:
        index, reach = fm.mirrored(145), np.full(2, 4.5 * 0.35 * iris)
    return landmarks[index, :2], landmarks[fm.mirror_index()[index], :2], reach


@pytest.mark.parametrize(
    "edit",
    [
        sc.EyeNarrow(start=1.0, end=2.0),
        sc.CornerShift(start=1.0, end=2.0),
        sc.LidFlicker(start=1.0, duration=1.0),
    ],
    ids=lambda e: type(e).__name__,
)
def test_edit_is_confined_in_time_and_space(edit):
    rest, fps = sc.rest_frames(SECONDS)
    clip, _ = sc.make_clip((edit,), SECONDS)
    tr = sc.rest_track(SECONDS)
    for i, (a, b) in enumerate(zip(rest, clip)):
        t = i / fps
        if t <= 1.0 or t >= 2.0:
            assert np.array_equal(a, b), f"frame {i} (t = {t:.2f} s) changed outside the window"
            continue
        centre, twin, reach = _feature(edit, tr.landmarks[i])
        up = tr.up[i]
        offset = _changed(a, b)[:, ::-1] - centre  # (x, y) from the feature
        along, across = np.abs(offset @ up), np.abs(offset @ (-up[1], up[0]))
        assert np.all(along < reach[0]) and np.all(across < reach[1]), f"frame {i} changed too far away"
        # The same feature on the other side stays put (at most a grey level of resampling).
        x, y = np.round(twin).astype(int)
        assert np.abs(a[y - 3 : y + 4, x - 3 : x + 4].astype(int) - b[y - 3 : y + 4, x - 3 : x + 4]).max() <= 1
    mid = int(1.5 * fps) if not isinstance(edit, sc.LidFlicker) else int(1.1 * fps)  # 1.1 s: near a peak
    assert np.abs(clip[mid].astype(int) - rest[mid]).max() > 20
    if not isinstance(edit, sc.LidFlicker):  # the ramp starts gently
        early, full = (np.abs(clip[i].astype(int) - rest[i]).sum() for i in (int(fps) + 1, mid))
        assert 0 < early < 0.2 * full


def test_lid_flicker_returns_to_rest_each_cycle():
    rest, _ = sc.rest_frames(SECONDS)
    clip, _ = sc.make_clip((sc.LidFlicker(start=1.0, duration=1.0, hz=6.0),), SECONDS)
    moved = [not np.array_equal(rest[i], clip[i]) for i in range(30, 61)]
    # At 30 fps a 6 Hz cycle is 5 frames: the lid is back at rest on every 5th frame only.
    assert moved == [i % 5 != 0 for i in range(31)]


def test_eye_narrow_is_measured_by_analyze(landmarker):
    rest, _ = sc.rest_frames(SECONDS)
    clip, _ = sc.make_clip((sc.EyeNarrow(side="left", factor=0.7, start=0.5, end=2.5),), SECONDS)
    before = analyze_image(rest[45], landmarker).regions["eye"]
    after = analyze_image(clip[45], landmarker).regions["eye"]
    assert after.left_mm < 0.85 * before.left_mm
    assert after.right_mm == pytest.approx(before.right_mm, rel=0.10)


def test_corner_shift_raises_that_corner(landmarker):
    rest, _ = sc.rest_frames(SECONDS)
    clip, _ = sc.make_clip((sc.CornerShift(side="right", up_mm=3.0, start=0.5, end=2.5),), SECONDS)
    before = analyze_image(rest[45], landmarker).regions["mouth_corner"]
    after = analyze_image(clip[45], landmarker).regions["mouth_corner"]
    # mouth_corner is the corner's depth below the pupils: pulled up 3 mm, it shrinks ~3 mm.
    assert 1.5 < before.right_mm - after.right_mm < 4.5
    assert abs(before.left_mm - after.left_mm) < 0.8


def test_mirror_flips_and_jitter_moves_the_frame():
    rest, _ = sc.rest_frames(1.0)
    mirrored, _ = sc.make_clip((sc.Mirror(),), 1.0)
    assert all(np.array_equal(m, r[:, ::-1]) for m, r in zip(mirrored, rest))
    jittered, _ = sc.make_clip((sc.Jitter(shift_px=4.0, angle_deg=3.0),), 1.0)
    # At t = 0 the jitter is a pure 4 px shift down.
    assert np.array_equal(jittered[0][10:-10], rest[0][6:-14])
    assert all(not np.array_equal(j, r) for j, r in zip(jittered, rest))
    with pytest.raises(ValueError):
        sc.make_clip((sc.Mirror(), sc.CornerShift()), 1.0)  # local edits need un-moved landmarks


def test_write_clip_round_trips(tmp_path):
    frames, fps = sc.make_clip((sc.Jitter(),), 1.0)
    path = sc.write_clip(frames, tmp_path / "clip.avi", fps)
    cap = cv2.VideoCapture(str(path))
    read = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        read.append(frame)
    cap.release()
    assert len(read) == len(frames) == 30
    assert read[0].shape == frames[0].shape
    assert np.abs(read[7].astype(int) - frames[7]).mean() < 4  # MJPG is lossy, not wrong
