"""Pictures on their side, upside down, or with the face small among others: the landmarker
and analyze on real photos turned by lossless quarter turns, so the truth is the upright
photo's own reading."""

import cv2
import numpy as np
import pytest

from facetension import analyze
from facetension.analysis import measured_frames
from facetension.capture import VideoSource
from facetension.check_live import run_check
from facetension.landmarks import Landmarker, eye_roll_deg, turned

from clirun import run
from covered import read_frames
from scripted import write_clip

# Every real photo with a measurable face (45-m7-di-ph.jpg is turned 34° away, refused).
UPRIGHT_PHOTOS = (
    "grace_hopper.jpg",
    "single_face.jpg",
    "aniston.jpg",
    "astronaut.jpg",
    "biden.jpg",
    "f13_frown.jpg",
    "f15_smile.jpg",
    "f1_surprise.jpg",
    "mf_back.jpg",
    "mf_centre.jpg",
    "mf_left.jpg",
    "mf_right.jpg",
    "middleditch.jpg",
    "miller.jpg",
    "multi_face.jpg",
    "nanjiani.jpg",
    "obama.jpg",
    "starr.jpg",
    "takeo.jpg",
    "woods.jpg",
)
SAME_READING_MM = 0.01  # a picture turned back is the same pixels: the same reading
# A face among others: the whole photo's landmarks against a crop holding that face alone.
# Both are measured in the same crop now (0.2 px); before, the whole photo's placed the face
# 78 px off by this test's measure (its median landmark), and the mirrored pass measured
# another person.
GROUP_PHOTO_PX = 1.5
UPRIGHT_ROLL_DEG = 45.0


@pytest.fixture(scope="module")
def lm():
    with Landmarker() as landmarker:
        yield landmarker


def _diffs(a) -> dict[str, float]:
    assert a.error is None, a.error
    return {k: r.diff_mm for k, r in a.regions.items() if r.diff_mm is not None}


@pytest.mark.parametrize("name", UPRIGHT_PHOTOS)
def test_a_photo_turned_a_quarter_half_or_three_quarters_reads_as_upright(lm, faces, name):
    image = cv2.imread(str(faces[name]))
    upright = analyze(image, landmarker=lm)
    assert upright.warnings == ()  # an upright photo is not turned
    for turns in (1, 2, 3):
        # The photo as a phone that lost its orientation tag would give it: turned the other way.
        shown = turned(image, 4 - turns)
        a = analyze(shown, landmarker=lm)
        assert _diffs(a) == pytest.approx(_diffs(upright), abs=SAME_READING_MM), (name, turns)
        assert a.mm_per_px == pytest.approx(upright.mm_per_px, rel=1e-6)
        assert any("upside down" in w or "on its side" in w for w in a.warnings), a.warnings


@pytest.mark.parametrize("name", ["obama.jpg", "woods.jpg", "aniston.jpg", "f13_frown.jpg"])
def test_any_roll_is_brought_within_an_eighth_turn_of_upright(lm, faces, name):
    image = cv2.imread(str(faces[name]))
    h, w = image.shape[:2]
    for angle in range(0, 360, 30):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        side = int(np.hypot(w, h))
        m[:, 2] += ((side - w) / 2, (side - h) / 2)
        picture = cv2.warpAffine(image, m, (side, side), borderMode=cv2.BORDER_REPLICATE)
        turns, face = lm.detect_upright(picture)
        assert face is not None, (name, angle)
        assert abs(eye_roll_deg(face)) <= UPRIGHT_ROLL_DEG, (name, angle, turns)
        # The turns undo the rotation to the nearest quarter (anticlockwise angle, clockwise turns).
        expected = round(angle / 90) % 4
        off = (angle - 90 * turns) % 360
        assert turns == expected or min(off, 360 - off) <= UPRIGHT_ROLL_DEG + 15, (name, angle, turns)


def test_one_pass_landmarker_turns_by_the_roll_alone(faces):
    image = cv2.imread(str(faces["obama.jpg"]))
    with Landmarker("image", mirror_pass=False) as one:
        assert one.detect_upright(image)[0] == 0
        turns, face = one.detect_upright(turned(image, 3))
    assert turns == 1 and abs(eye_roll_deg(face)) < 10


def test_no_face_stays_no_face_in_every_turn(lm, faces):
    assert lm.detect_upright(cv2.imread(str(faces["free-mountain-vector-01.jpg"]))) == (0, None)


def test_a_face_among_others_is_measured_in_a_crop_of_its_own(lm, faces):
    image = cv2.imread(str(faces["multi_face.jpg"]))
    face = lm.detect(image)
    assert face.faces_seen >= 2
    x0, y0, x1, y1 = face.box
    margin = (y1 - y0) * 0.6
    cx0, cy0 = int(max(0, x0 - margin)), int(max(0, y0 - margin))
    alone = lm.detect(np.ascontiguousarray(image[cy0 : int(y1 + margin), cx0 : int(x1 + margin)]))
    assert alone.faces_seen == 1
    gap = np.linalg.norm(face.landmarks[:, :2] - (alone.landmarks[:, :2] + (cx0, cy0)), axis=1)
    assert np.median(gap) <= GROUP_PHOTO_PX


def test_analyze_says_the_photo_was_turned(tmp_path, faces, capsys):
    path = tmp_path / "sideways.jpg"
    cv2.imwrite(str(path), turned(cv2.imread(str(faces["obama.jpg"])), 1), [cv2.IMWRITE_JPEG_QUALITY, 95])
    code, out, err = run(capsys, "analyze", str(path))
    assert code == 0, err
    assert "warning: the picture lay on its side: it was measured turned a quarter turn anticlockwise" in out


# A clip turned on its side or upside down, re-encoded: its JPEG blocks fall differently, so
# the reading moves a little (0.12 mm at most, measured); before, 1.6 mm on its side, and
# upside down 3 mm with two thirds of the frames lost.
SAME_CLIP_MM = 0.3
SAME_RATIO = 0.1  # the check's weaker-to-stronger ratio, likewise (0.04 measured)


@pytest.fixture(scope="module")
def clip_frames(faces):
    frames, fps = read_frames(faces["single_face.mp4"])
    return frames, fps


def test_a_clip_turned_a_quarter_half_or_three_quarters_reads_as_upright(lm, tmp_path, clip_frames):
    frames, fps = clip_frames
    upright = analyze(write_clip(frames, tmp_path / "upright.avi", fps), landmarker=lm)
    assert upright.warnings == ()
    for turns in (1, 2, 3):
        shown = [turned(f, 4 - turns) for f in frames]
        a = analyze(write_clip(shown, tmp_path / f"turned{turns}.avi", fps), landmarker=lm)
        assert _diffs(a) == pytest.approx(_diffs(upright), abs=SAME_CLIP_MM), turns
        assert a.frames_used == upright.frames_used
        assert any(w.startswith("the video") for w in a.warnings), a.warnings


def test_the_frames_given_are_the_ones_measured_turned_upright(lm, tmp_path, clip_frames):
    frames, fps = clip_frames
    path = write_clip([turned(f, 1) for f in frames[:20]], tmp_path / "side.avi", fps)
    h, w = frames[0].shape[:2]
    for pipeline in (True, False):  # analyze's way, and the live practice's
        with VideoSource(path) as video:
            out = list(measured_frames(video, lm, pipeline=pipeline))
        assert len(out) == 20
        assert all(frame.image.shape[:2] == (h, w) for frame, _, _ in out)  # stood upright again
        assert all(face is not None and abs(eye_roll_deg(face)) < UPRIGHT_ROLL_DEG for _, face, _ in out)


def test_a_clip_without_a_face_is_not_turned(lm, faces):
    a = analyze(faces["no_face.mp4"], landmarker=lm)
    assert a.error is not None and "face" in a.error
    assert not any("turned" in w for w in a.warnings), a.warnings


def test_the_movement_check_finds_the_smile_in_a_clip_upside_down(tmp_path, clip_frames):
    # single_face.mp4 smiles in its second half. Upside down it was read as an eye closure.
    frames, fps = clip_frames
    results = {}
    for turns in (0, 2):
        path = write_clip([turned(f, turns) for f in frames], tmp_path / f"check{turns}.avi", fps)
        with VideoSource(path) as video:
            results[turns] = {m.movement: m.ratio for m in run_check(video).result.movements}
    assert set(results[2]) == set(results[0]) == {"smile_open"}
    assert results[2]["smile_open"] == pytest.approx(results[0]["smile_open"], abs=SAME_RATIO)
