"""The live loop's cheaper code paths read what the plain ones read (speed itself lives in
benchmarks/bench_practice.py): both eyes' lid profiles in one gather, the band registration
by band matrices, the face's brightness, and measured_frames' per-frame measuring as one
object that the benchmark times too. Each is checked against a plain, slow reference on real
frames of samples/practice_demo.mp4."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from facetension import analysis, live, refine
from facetension import face_model as fm
from facetension.analysis import FrameMeasurer, StreamMeasurer, mark_covered
from facetension.headframe import head_frame
from facetension.landmarks import Landmarker
from facetension.lid_profiles import (
    GREY_WEIGHTS,
    HEIGHTS,
    MIN_EYE_WIDTH_PX,
    PROFILE_HALF_SPREAD,
    PROFILE_LINES,
    sample_lids,
)
from facetension.metrics import side_geometry
from facetension.occlusion import CoverDetector

from media import DEMO

FRAMES = 12  # frames of the demo clip, from START_S on (its eye is being narrowed then)
START_S = 12.0
# Grey levels: the same samples, summed in another order. The grey is float32, and numpy's
# float32 matrix product rounds its last bit differently by array shape on some CPUs (2.7e-6
# on this machine's vector unit, 0 on an earlier one): a few float32 steps at 255 (1.5e-5
# each), far below one grey level, which a wrong sample would differ by.
PROFILE_TOL = 1e-4
HEIGHT_TOL = 1e-12  # eye widths
SCORE_TOL = 1e-9  # correlation: the windows' variance expanded into sums
FLAT_SCORE_MAX = 1e-6  # a featureless side's correlation: rounding only (matches need 0.5)


@pytest.fixture(scope="module")
def frames():
    """(image, landmarks) of FRAMES consecutive frames, tracked as the live loop tracks them."""
    cap = cv2.VideoCapture(str(DEMO))
    cap.set(cv2.CAP_PROP_POS_FRAMES, round(START_S * 30))
    out = []
    with Landmarker("video") as lm:
        for i in range(FRAMES):
            ok, image = cap.read()
            assert ok
            face = lm.detect(image, round(i * 1000 / 30))
            assert face is not None
            out.append((image, face))
    cap.release()
    return out


# -- lid profiles: the per-eye sampler they replace -------------------------------------------
def _grey_at(image, x, y):
    h, w = image.shape[:2]
    x, y = np.clip(x, 0, w - 1.001), np.clip(y, 0, h - 1.001)
    x0, y0 = x.astype(np.intp), y.astype(np.intp)
    fx, fy = x - x0, y - y0
    flat = image.reshape(h * w, -1)

    def at(j):
        v = flat[j]
        return v[..., :3].astype(np.float32) @ GREY_WEIGHTS if v.shape[-1] >= 3 else v[..., 0].astype(np.float32)

    i = y0 * w + x0
    top = at(i) * (1 - fx) + at(i + 1) * fx
    bottom = at(i + w) * (1 - fx) + at(i + w + 1) * fx
    return top * (1 - fy) + bottom * fy


def reference_lids(image, landmarks):
    """Each eye on its own, as sample_lids read them before both eyes were read at once."""
    xy = landmarks[:, :2].astype(np.float64)
    head_up = xy[fm.FOREHEAD[0]] - xy[fm.CHIN]
    right = {
        "corners": (fm.RIGHT_OUTER_CANTHUS, fm.RIGHT_INNER_CANTHUS),
        "lids": (fm.RIGHT_UPPER_LID, fm.RIGHT_LOWER_LID),
    }
    left = {"corners": fm.mirrored(right["corners"]), "lids": tuple(fm.mirrored(c) for c in right["lids"])}
    profiles, heights = [], []
    for eye in (left, right):
        outer, inner = xy[list(eye["corners"])]
        width = math.dist(outer, inner)
        if width < MIN_EYE_WIDTH_PX:
            return None
        across = (inner - outer) / width
        up = np.array([across[1], -across[0]])
        if up @ head_up < 0:
            up = -up
        anchor = (outer + inner) / 2
        for contour in eye["lids"]:
            points = xy[list(contour)] - anchor
            r, s = points @ across, points @ up
            order = np.argsort(r)
            heights.append(float(np.interp(0.0, r[order], s[order])) / width)
        offsets = np.linspace(-PROFILE_HALF_SPREAD, PROFILE_HALF_SPREAD, PROFILE_LINES)[:, None] * width
        x = anchor[0] - 0.5 + HEIGHTS[None, :] * width * up[0] + offsets * across[0]
        y = anchor[1] - 0.5 + HEIGHTS[None, :] * width * up[1] + offsets * across[1]
        line = _grey_at(image, x, y).mean(axis=0)
        profiles.append(np.convolve(np.concatenate([line[:1], line, line[-1:]]), [0.25, 0.5, 0.25], mode="valid"))
    return np.array(profiles), heights  # heights: left upper, left lower, right upper, right lower


@pytest.mark.parametrize(
    "picture",
    [
        lambda im: im,  # the camera's BGR frame
        lambda im: np.ascontiguousarray(cv2.cvtColor(im, cv2.COLOR_BGR2GRAY)),  # a grey picture
        lambda im: cv2.cvtColor(im, cv2.COLOR_BGR2BGRA),  # with alpha
    ],
    ids=["bgr", "grey", "bgra"],
)
def test_both_eyes_in_one_gather_read_what_each_eye_alone_reads(frames, picture):
    for image, face in frames:
        image = picture(image)
        lids = sample_lids(image, face.landmarks)
        profiles, heights = reference_lids(image, face.landmarks)
        assert np.abs(lids.profiles - profiles).max() <= PROFILE_TOL
        got = [lids.upper[0], lids.lower[0], lids.upper[1], lids.lower[1]]
        assert max(abs(a - b) for a, b in zip(got, heights)) <= HEIGHT_TOL


def test_an_eye_too_small_to_follow_gives_no_profiles(frames):
    image, face = frames[0]
    small = face.landmarks.copy()
    centre = small[:, :2].mean(axis=0)
    small[:, :2] = centre + (small[:, :2] - centre) * 0.1  # eyes a few pixels wide
    assert sample_lids(image, small) is None


# -- band registration: the windowed correlation it replaces -----------------------------------
def reference_shift_match(patches, n, row_w, col_w):
    """Every window of b built out: (pairs, shifts, columns, n)."""
    a, b = patches, patches[::-1]
    m = (a.shape[1] - n) // 2
    a = a[:, m : m + n]
    a = a - a.mean(axis=1, keepdims=True)
    weights = col_w[:, None] * row_w[None, :]
    windows = np.lib.stride_tricks.sliding_window_view(b, n, axis=1)
    windows = windows - windows.mean(axis=-1, keepdims=True)
    aw = a.transpose(0, 2, 1) * weights
    num = np.einsum("pkcn,pcn->pk", windows, aw)
    den = np.sqrt(
        (aw * a.transpose(0, 2, 1)).sum(axis=(1, 2))[:, None] * np.einsum("pkcn,pkcn,cn->pk", windows, windows, weights)
    )
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _band_patches(image, face):
    """The brow's and the mouth corner's patches of both sides, as the refiner samples them."""
    refiner = analysis._pixel_refiner(face, image)
    frame = head_frame(face.landmarks, face.image_size)
    left, right = side_geometry(frame.points, "left"), side_geometry(frame.points, "right")
    l0, l2, r0, r2 = frame.points[refine._IRIS_POINTS].tolist()
    iris = (math.dist(l0, l2) + math.dist(r0, r2)) / 2
    mid = frame.points[refine._MID_BROWS, :2]  # left upper, left lower, right upper, right lower
    brow = ((mid[0, 0] + mid[1, 0] - mid[2, 0] - mid[3, 0]) / 4, float(mid[:, 1].mean()))
    corner = ((left.corner[0] - right.corner[0]) / 2, (left.corner[1] + right.corner[1]) / 2)
    out = []
    for band, anchors, centre in (
        (refine.BROW_BAND, refine._MID_BROWS[::2], brow),
        (refine.CORNER_BAND, refine._CORNERS, corner),
    ):
        xs, ys, plan = refiner._band_grid(frame, band, anchors, centre, iris)
        out.append((refine._bilinear(refiner.gray, xs, ys), plan))
    return out


def test_band_matrices_score_every_shift_as_the_windows_do(frames):
    for image, face in frames[::3]:
        for patches, (_, n, row_w, col_w, _) in _band_patches(image, face):  # (midlines, 2, rows, columns)
            scores = refine._shift_match(patches, n, row_w, col_w)
            for at_midline, expected in zip(patches, scores):
                assert np.abs(expected - reference_shift_match(at_midline, n, row_w, col_w)).max() <= SCORE_TOL
            # the sides swapped and the midlines mirrored, as in a mirror: exactly the other side's scores
            assert np.array_equal(refine._shift_match(patches[::-1, ::-1].copy(), n, row_w, col_w), scores[::-1, ::-1])


def test_a_flat_band_scores_nothing():
    """A side with no feature matches nothing (the windowed correlation read exactly 0; the
    expanded variance leaves rounding, far below any threshold)."""
    n, rng = 16, np.random.default_rng(0)
    flat = np.full((2, 30, 12), 97.0)
    assert np.array_equal(refine._shift_match(flat, n, np.ones(n), np.ones(12)), np.zeros((2, 15)))
    one_flat = flat.copy()
    one_flat[0] += rng.normal(0, 10, (30, 12))  # the other side textured
    assert np.abs(refine._shift_match(one_flat, n, np.ones(n), np.ones(12))).max() < FLAT_SCORE_MAX


# -- the face's brightness ------------------------------------------------------------------------
def test_face_brightness_is_the_mean_at_every_sixth_mesh_point(frames):
    for image, face in frames:
        for shift in (0.0, -400.0, 900.0):  # inside, and held at the picture's edges
            lm = face.landmarks.copy()
            lm[:, :2] += shift
            h, w = image.shape[:2]
            xy = lm[: fm.N_MESH : live.BRIGHTNESS_EVERY, :2].astype(np.intp)
            xy = np.minimum(np.maximum(xy, 0), (w - 1, h - 1))
            assert live.face_brightness(image, lm) == float(image[xy[:, 1], xy[:, 0]].mean())


# -- measured_frames' per-frame measuring ---------------------------------------------------------
def test_frame_measurer_covers_and_refines_on_the_same_frames_and_starts_over_without_a_face(frames):
    every = live.LIVE_REFINE_EVERY
    measurer = FrameMeasurer(refine_every=every)
    stream, cover = StreamMeasurer(refine_every=every), CoverDetector()
    sequence = [*frames[:5], (frames[5][0], None), *frames[6:]]  # the face lost for a frame
    covered, count = (), 0
    for image, face in sequence:
        got = measurer(face, image)
        if face is None:
            stream.reset()
            cover.reset()
            count = 0
            assert got is None
            continue
        if count % every == 0:
            covered = cover(face.landmarks, image)
        count += 1
        want = mark_covered(stream(face, image), covered)
        assert got.regions == want.regions and got.excluded == want.excluded and got.refined == want.refined
        assert np.array_equal(got.lids.profiles, want.lids.profiles)
        assert np.array_equal(measurer.cover.scores, cover.scores)
