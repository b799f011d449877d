"""Sanity checks of the movement-check clip generator (tests/movementclips.py): its timing
follows check_plan, each movement moves what it should on the side it should (as the
landmarker reads it), a still side keeps its pixels, and mirroring swaps the sides.

The mesh under-reads some warps (movementclips' docstring gives what it reads): the minimum
shares below are what it reads, with some room, not the warps' own sizes, which are exact.
"""

from __future__ import annotations

import numpy as np
import pytest

from facetension import check_plan
from facetension import face_model as fm
from facetension.headframe import head_frame
from facetension.landmarks import Landmarker
from facetension.metrics import side_geometry

import movementclips as mc
from scripted import face_up
from twitchclips import Drift

PHOTO = "woods.jpg"  # the smallest face (1.16 mm/px): the hardest for the mesh
# Share of the warp's own size that the mesh must read at least, per movement and feature.
# Measured on all four faces (both sides): brow 0.67–0.81, closure 0.38–0.74, corner up
# 0.95–1.15, corner out 0.72–0.88 (closed smile) and 0.74–1.32 (open), pucker 0.62–0.87,
# lip gap 0.72–0.97, snarl lip 0.54–0.64 and alar 0.15–0.32.
MIN_READ = {
    ("brow_raise", "brow"): 0.5,
    ("eye_close", "closure"): 0.3,
    ("smile_closed", "corner_up"): 0.75,
    ("smile_closed", "corner_out"): 0.5,
    ("smile_open", "corner_up"): 0.75,
    ("smile_open", "corner_out"): 0.5,
    ("snarl", "lip"): 0.35,
    ("snarl", "alar"): 0.08,
    ("pucker", "corner_out"): 0.45,
}
MIN_LIP_GAP_READ = 0.6
STILL_LID_MM = 0.5  # a brow raise moves the upper lid less than this
SIDE_CROSSTALK_MM = 0.6  # a still side's corner moves less than this while the other smiles
HALF_RATIO_TOL = 0.15  # one side at 50 %: the read ratio of corner lifts
# eye_narrow 0.30: the narrowed eye reads 0.09–0.16 of its opening (0.147 on the video face),
# and the mesh, which couples its eyes, narrows the other by about half as much (0.47–0.57).
NARROWED_MIN = 0.1
OTHER_EYE_SHARE_MAX = 0.65
PULL_MIN_MM = 1.0  # corner_pull 2 mm: the pulled corner reads 1.55–1.69 mm
NOISE_MEAN_MAX = 2.0  # grey levels: noise of sd 2 moves a pixel by 1.6 on average
GREY_TOL = 0  # pixels of a still side beyond STILL_MARGIN_MM: exactly unchanged


@pytest.fixture(scope="module")
def landmarker():
    with Landmarker("image") as lm:
        yield lm


def _mid_plateau(truth: mc.Truth, movement: str, rep: int = 0) -> int:
    a, b = truth.plateaus(movement)[rep]
    return truth.frame_at((a + b) / 2)


def _read(lm, rest: np.ndarray, moved: np.ndarray, truth: mc.Truth) -> dict:
    """What the mesh reads moving from `rest` to `moved`, per side, in mm on the face:
    image displacements along the rest face's up and out (away from the midline) axes, and
    the share of the eye opening lost (head frame)."""
    p0, p1 = lm.detect(rest).landmarks, lm.detect(moved).landmarks
    up = face_up(p0, truth.image_size)
    across = np.array([-up[1], up[0]])  # toward the subject's left
    k = truth.mm_per_px
    h0, h1 = head_frame(p0, truth.image_size), head_frame(p1, truth.image_size)
    out = {"lip_gap": (np.linalg.norm(p1[14, :2] - p1[13, :2]) - np.linalg.norm(p0[14, :2] - p0[13, :2])) * k}
    for side in mc.SIDES:
        sign = 1.0 if side == "left" else -1.0

        def move(i, side=side, sign=sign):
            i = i if side == "right" else fm.mirrored(i)
            d = (p1[i, :2] - p0[i, :2]) * k
            return float(d @ up), float(sign * (d @ across))

        g0, g1 = side_geometry(h0.points, side), side_geometry(h1.points, side)
        out[side] = {
            "brow": float(np.mean([move(i)[0] for i in fm.RIGHT_BROW_UPPER + fm.RIGHT_BROW_LOWER])),
            "upper_lid": move(159)[0],
            "closure": 1.0 - (g1.upper_lid - g1.lower_lid) / (g0.upper_lid - g0.lower_lid),
            "corner_up": move(fm.RIGHT_MOUTH_CORNER)[0],
            "corner_out": move(fm.RIGHT_MOUTH_CORNER)[1],
            "alar": move(fm.RIGHT_ALAR_BASE)[0],
            "lip": move(mc.LIP_BESIDE_PHILTRUM)[0],
        }
    return out


# -- timing, caching ------------------------------------------------------------------


def test_truth_follows_the_plan_and_rest_frames_are_untouched():
    args = dict(movements=("smile_closed", "brow_raise"), reps=2, rest_s=1.0, hold_s=1.0, between_s=0.5)
    frames, fps, truth = mc.check_clip(PHOTO, **args)
    plan = check_plan.plan(args["movements"], args["reps"], args["rest_s"], args["hold_s"], args["between_s"])
    assert truth.steps == plan and fps == truth.fps == 30.0
    assert len(frames) == truth.n_frames == round(check_plan.duration(plan) * fps)
    assert truth.holds("smile_closed") == ((1.0, 2.0), (2.5, 3.5))
    still, _, _ = mc.check_clip(PHOTO, **args, left=0.0, right=0.0)
    for i, frame in enumerate(frames):
        t = i / fps
        movement, w = truth.weight_at(t)
        step = check_plan.step_at(plan, t)
        if step.kind != "hold":
            assert movement is None and frame is still[i]
        elif any(a <= t <= b for a, b in truth.plateaus(step.movement)):
            assert (movement, w) == (step.movement, 1.0)
            assert not np.array_equal(frame, still[i])
    # Repeated holds are the same frames; the plateau is one frame per base frame.
    assert frames[_mid_plateau(truth, "brow_raise", 0)] is frames[_mid_plateau(truth, "brow_raise", 1)]


def test_frames_are_read_only_and_cached():
    frames, _, truth = mc.check_clip(PHOTO, movements=("pucker",), rest_s=0.5, hold_s=1.0, between_s=0.5)
    again, _, truth2 = mc.check_clip(PHOTO, movements=("pucker",), rest_s=0.5, hold_s=1.0, between_s=0.5)
    assert truth2 is truth and all(a is b for a, b in zip(frames, again))
    assert not any(f.flags.writeable for f in frames)
    with pytest.raises(ValueError):
        frames[_mid_plateau(truth, "pucker")][0, 0, 0] = 0


def test_drift_and_noise_are_seeded_and_small():
    args = dict(movements=("snarl",), rest_s=0.5, hold_s=1.0, between_s=0.5, noise_sd=2.0)
    clean, _, _ = mc.check_clip(PHOTO, movements=("snarl",), rest_s=0.5, hold_s=1.0, between_s=0.5)
    noisy, _, _ = mc.check_clip(PHOTO, **args, seed=1)
    mc._clip.cache_clear()  # made afresh: the same seed gives the same noise, another seed other noise
    again, _, _ = mc.check_clip(PHOTO, **args, seed=1)
    other, _, _ = mc.check_clip(PHOTO, **args, seed=2)
    assert noisy[5] is not again[5] and all(np.array_equal(a, b) for a, b in zip(noisy, again))
    assert not np.array_equal(noisy[5], other[5])
    diff = np.abs(noisy[0].astype(np.int16) - clean[0])
    assert 0 < diff.mean() < NOISE_MEAN_MAX
    drifting, _, _ = mc.check_clip(PHOTO, **args, drift=Drift())
    assert not np.array_equal(drifting[10], noisy[10])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown movement"):
        mc.check_clip(PHOTO, movements=("wink",))
    with pytest.raises(ValueError, match="left"):
        mc.check_clip(PHOTO, left={"wink": 0.5})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        mc.check_clip(PHOTO, right=1.5)
    with pytest.raises(ValueError, match="kind"):
        mc.check_clip(PHOTO, synkinesis=(("eye_twitch", "left", 0.3, ("smile_open",)),))
    with pytest.raises(ValueError, match="side"):
        mc.check_clip(PHOTO, synkinesis=(("eye_narrow", "up", 0.3, ("smile_open",)),))
    with pytest.raises(ValueError, match="ramps"):
        mc.check_clip(PHOTO, hold_s=0.5)


# -- where the warps put points (no mesh: a chart of pixel coordinates, warped) ----------
POINT_TOL_MM = 0.05  # where a point lands vs the stated move: cv2.remap samples on a 1/32 px grid
# The open smile's gap ends in a sharp tip at each corner: the map is not smooth there, and
# reading it between pixels misses the corner's move by up to 0.08 mm (the warp itself is
# exact: the gap is 0 at the corner's own position).
LENS_TIP_TOL_MM = 0.1
NEWTON_STEPS, NEWTON_STEP_PX = 4, 0.25
EDGE_TOL_PX = 1.0  # eye_close: the lid's edge, found to the pixel
# (movement, right-side landmark, (up, out) mm at full scale); the left side's mirror too.
MOVES = [
    ("brow_raise", 52, (4.0, 0.0)),  # mid-brow, lower contour
    ("brow_raise", 70, (4.0, 0.0)),  # outer end, upper contour
    ("brow_raise", 107, (4.0, 0.0)),  # inner end, upper contour
    ("brow_raise", 159, (0.0, 0.0)),  # the upper lid stays
    ("smile_closed", fm.RIGHT_MOUTH_CORNER, (3.0, 3.0)),
    ("smile_open", fm.RIGHT_MOUTH_CORNER, (4.0, 3.0)),
    ("snarl", fm.RIGHT_ALAR_BASE, (2.5, 0.0)),
    ("snarl", mc.LIP_BESIDE_PHILTRUM, (2.5, 0.0)),
    ("pucker", fm.RIGHT_MOUTH_CORNER, (0.0, -3.0)),
]


def _source_chart(face: str, movement: str, **kw) -> np.ndarray:
    """For every output pixel, the source position (x, y) it shows after the warp."""
    w, h = mc.check_clip(face, movements=(movement,))[2].image_size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return mc.warp_like(np.dstack([xs, ys, np.zeros_like(xs)]), face, movement, **kw)[..., :2]


def _bilinear(src: np.ndarray, x: float, y: float) -> np.ndarray:
    c, r = int(np.floor(x)), int(np.floor(y))
    fx, fy = x - c, y - r
    top = src[r, c] * (1 - fx) + src[r, c + 1] * fx
    return (top * (1 - fy) + (src[r + 1, c] * (1 - fx) + src[r + 1, c + 1] * fx) * fy).astype(np.float64)


def _lands_at(src: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Where the source point lands: from the nearest pixel showing it, Newton steps on the
    map read between pixels."""
    row, col = np.unravel_index(np.argmin(np.hypot(*(src - point).transpose(2, 0, 1))), src.shape[:2])
    x, y, h = float(col), float(row), NEWTON_STEP_PX
    for _ in range(NEWTON_STEPS):
        dx = (_bilinear(src, x + h, y) - _bilinear(src, x - h, y)) / (2 * h)
        dy = (_bilinear(src, x, y + h) - _bilinear(src, x, y - h)) / (2 * h)
        step = np.linalg.solve(np.column_stack([dx, dy]), point - _bilinear(src, x, y))
        x, y = x + step[0], y + step[1]
    return np.array([x, y])


def _moves(face: str, movement: str, indices, **kw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each landmark's move (mm, image axes), the face's up axis and across (toward its left)."""
    p = mc.base_landmarks(face)
    truth = mc.check_clip(face, movements=(movement,))[2]
    src = _source_chart(face, movement, **kw)
    moves = np.array([(_lands_at(src, p[i, :2]) - p[i, :2]) * truth.mm_per_px for i in indices])
    up = face_up(p, truth.image_size)
    return moves, up, np.array([-up[1], up[0]])


@pytest.mark.parametrize("face", [mc.VIDEO_FACE, "nanjiani.jpg"])
@pytest.mark.parametrize(("movement", "index", "up_out"), MOVES)
def test_points_move_as_the_truth_says(face, movement, index, up_out):
    moves, up, across = _moves(face, movement, (index, fm.mirrored(index)))
    tol = LENS_TIP_TOL_MM if movement == "smile_open" else POINT_TOL_MM
    for d, sign in zip(moves, (-1.0, 1.0)):  # right, then left
        assert d @ up == pytest.approx(up_out[0], abs=tol)
        assert sign * (d @ across) == pytest.approx(up_out[1], abs=tol)


def test_lids_meet_and_the_lower_lip_drops():
    face = mc.VIDEO_FACE
    p = mc.base_landmarks(face)
    k = mc.check_clip(face, movements=("eye_close",))[2].mm_per_px
    col = round(p[fm.RIGHT_IRIS_CENTER, 0])
    contour = lambda idx: np.interp(col, *p[sorted(idx, key=lambda i: p[i, 0])][:, :2].T)  # noqa: E731
    upper, lower = contour(mc.UPPER_LID), contour(mc.LOWER_LID)
    for closure in (1.0, 0.5):
        src_y = _source_chart(face, "eye_close", left=0.0, right=closure)[:, col, 1]
        edge = int(np.argmax(np.abs(np.diff(src_y))))  # the lid's edge: the map jumps over the hidden eye
        rim = mc.LID_MARGIN_MM / k
        assert edge + 0.5 == pytest.approx(lower + rim - (1 - closure) * (lower + rim - upper), abs=EDGE_TOL_PX)
        assert src_y[edge] == pytest.approx(upper, abs=EDGE_TOL_PX)  # the lid's margin is what shows there
    # smile_open at 75 %: the lower lip drops by 75 % of the gap. (With unequal sides the
    # midline drops by their mean, but the blend is steep there, so landmark 17, a few tenths
    # of a mm off the midline, drops by the mean only within ~0.1 mm.)
    moves, up, _ = _moves(face, "smile_open", (mc.LOWER_LIP_BOTTOM,), left=0.75, right=0.75)
    assert -moves[0] @ up == pytest.approx(0.75 * mc.LIP_GAP_MM, abs=POINT_TOL_MM)


def test_synkinesis_moves_as_the_truth_says():
    face = mc.VIDEO_FACE
    syn = (("corner_pull", "left", 2.0, ("eye_close",)), ("eye_narrow", "right", 0.3, ("eye_close",)))
    corner, lid = fm.mirrored(fm.RIGHT_MOUTH_CORNER), 159
    moves, up, across = _moves(face, "eye_close", (corner, lid), left=0.0, right=0.0, synkinesis=syn)
    assert moves[0] @ up == pytest.approx(2.0 / np.sqrt(2), abs=POINT_TOL_MM)
    assert moves[0] @ across == pytest.approx(2.0 / np.sqrt(2), abs=POINT_TOL_MM)
    p, k = mc.base_landmarks(face), mc.check_clip(face, movements=("eye_close",))[2].mm_per_px
    above_pupil = (p[lid, :2] - p[fm.RIGHT_IRIS_CENTER, :2]) @ up * k
    assert moves[1] @ up == pytest.approx(-0.3 * above_pupil, abs=POINT_TOL_MM)


# -- what the mesh reads ---------------------------------------------------------------


@pytest.mark.parametrize("face", [mc.VIDEO_FACE, PHOTO])
def test_each_movement_moves_both_sides_the_right_way(landmarker, face):
    frames, _, truth = mc.check_clip(face)
    still, _, _ = mc.check_clip(face, left=0.0, right=0.0)
    for movement in mc.MOVEMENT_KEYS:
        i = _mid_plateau(truth, movement)
        read = _read(landmarker, still[i], frames[i], truth)
        for side in mc.SIDES:
            expected = truth.expected(movement, side)
            for feature, share in MIN_READ.items():
                if feature[0] != movement:
                    continue
                want = expected[feature[1]]
                got = read[side][feature[1]]
                assert got * np.sign(want) >= share * abs(want), (face, movement, side, feature[1], got, want)
            if movement == "brow_raise":
                assert abs(read[side]["upper_lid"]) < STILL_LID_MM, (face, side)
        if movement == "smile_open":
            assert read["lip_gap"] >= MIN_LIP_GAP_READ * truth.lip_gap_mm(), (face, read["lip_gap"])


def _still_half(truth: mc.Truth, lm, frame: np.ndarray, side: str) -> np.ndarray:
    """Pixels of `side`'s half farther than STILL_MARGIN_MM from the midline."""
    p = lm.detect(frame).landmarks
    up = face_up(p, truth.image_size)
    origin = p[list(mc.MIDLINE), :2].mean(axis=0)
    ys, xs = np.mgrid[0 : truth.image_size[1], 0 : truth.image_size[0]]
    r = (xs - origin[0]) * -up[1] + (ys - origin[1]) * up[0]  # toward the subject's left
    return (r if side == "left" else -r) > mc.STILL_MARGIN_MM / truth.mm_per_px


@pytest.mark.parametrize("face", [mc.VIDEO_FACE, PHOTO])
def test_a_still_side_keeps_its_pixels(landmarker, face):
    frames, _, truth = mc.check_clip(face, left=0.0)
    still, _, _ = mc.check_clip(face, left=0.0, right=0.0)
    mask = _still_half(truth, landmarker, still[0], "left")
    moved = False
    for a, b in zip(frames, still):
        diff = np.abs(a.astype(np.int16) - b).max(axis=2)
        assert diff[mask].max() <= GREY_TOL
        moved |= bool(diff[~mask].max() > 0)
    assert moved and truth.scale("smile_open", "left") == 0.0 and truth.ratio("smile_open") == 0.0


def test_half_a_side_reads_about_half(landmarker):
    frames, _, truth = mc.check_clip(mc.VIDEO_FACE, movements=("smile_closed",), left=0.5)
    still, _, _ = mc.check_clip(mc.VIDEO_FACE, movements=("smile_closed",), left=0.0, right=0.0)
    i = _mid_plateau(truth, "smile_closed")
    read = _read(landmarker, still[i], frames[i], truth)
    assert truth.ratio("smile_closed") == 0.5
    ratio = read["left"]["corner_up"] / read["right"]["corner_up"]
    assert ratio == pytest.approx(0.5, abs=HALF_RATIO_TOL)


def test_one_sided_smile_leaves_the_other_corner(landmarker):
    frames, _, truth = mc.check_clip(PHOTO, movements=("smile_closed",), right=0.0)
    still, _, _ = mc.check_clip(PHOTO, movements=("smile_closed",), left=0.0, right=0.0)
    i = _mid_plateau(truth, "smile_closed")
    read = _read(landmarker, still[i], frames[i], truth)
    assert read["left"]["corner_up"] > MIN_READ[("smile_closed", "corner_up")] * 3.0
    assert abs(read["right"]["corner_up"]) < SIDE_CROSSTALK_MM and abs(read["right"]["corner_out"]) < SIDE_CROSSTALK_MM


def test_mirror_swaps_every_side(landmarker):
    args = dict(movements=("smile_closed", "eye_close"), left={"smile_closed": 0.0})
    syn = (("eye_narrow", "left", 0.3, ("smile_closed",)),)
    frames, _, truth = mc.check_clip(PHOTO, **args, synkinesis=syn)
    flipped, _, mirrored = mc.check_clip(PHOTO, **args, synkinesis=syn, mirror=True)
    assert all(np.array_equal(a[:, ::-1], b) for a, b in zip(frames, flipped))
    assert mirrored.scales["smile_closed"] == (1.0, 0.0) and truth.scales["smile_closed"] == (0.0, 1.0)
    assert mirrored.synkinesis[0].side == "right" and truth.synkinesis[0].side == "left"
    assert mirrored.eye_opening_mm == truth.eye_opening_mm[::-1]
    # The analyser of the mirrored clip sees its left corner smile, its right one still.
    still, _, _ = mc.check_clip(PHOTO, **args, right=0.0, mirror=True)
    i = _mid_plateau(mirrored, "smile_closed")
    read = _read(landmarker, still[i], flipped[i], mirrored)
    assert read["left"]["corner_up"] > MIN_READ[("smile_closed", "corner_up")] * 3.0
    assert abs(read["right"]["corner_up"]) < SIDE_CROSSTALK_MM


def test_synkinesis_narrows_one_eye_and_pulls_one_corner(landmarker):
    syn = (
        ("eye_narrow", "left", 0.30, ("smile_closed", "smile_open", "snarl", "pucker")),
        ("corner_pull", "right", 2.0, ("eye_close",)),
    )
    args = dict(movements=("eye_close", "smile_closed"))
    frames, _, truth = mc.check_clip(mc.VIDEO_FACE, **args, synkinesis=syn, left=0.0, right=0.0)
    still, _, _ = mc.check_clip(mc.VIDEO_FACE, **args, left=0.0, right=0.0)
    assert truth.eye_narrowing("smile_closed", "left") == 0.30 and truth.eye_narrowing("smile_closed", "right") == 0
    assert truth.corner_pull_mm("eye_close", "right") == 2.0 and truth.corner_pull_mm("eye_close", "left") == 0
    i = _mid_plateau(truth, "smile_closed")
    read = _read(landmarker, still[i], frames[i], truth)
    assert read["left"]["closure"] >= NARROWED_MIN
    assert read["right"]["closure"] <= OTHER_EYE_SHARE_MAX * read["left"]["closure"]
    i = _mid_plateau(truth, "eye_close")
    read = _read(landmarker, still[i], frames[i], truth)
    pulled = np.hypot(read["right"]["corner_up"], read["right"]["corner_out"])
    assert pulled >= PULL_MIN_MM and np.hypot(read["left"]["corner_up"], read["left"]["corner_out"]) < SIDE_CROSSTALK_MM
