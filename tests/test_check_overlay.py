"""The movement check drawn onto a real frame, without any display (check_overlay.py draws
only): each movement's cue on the face, where the set is, and text that fits and stays
legible on pictures of any size."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from test_overlay import MIN_CONTRAST, backgrounds, measured

from facetension import face_model as fm
from facetension.check_overlay import (
    ARROW_GAP,
    ARROW_LENGTH,
    BROW_MIDDLE,
    CUE,
    DONE_CUE,
    END_ESTIMATE,
    END_FOOTER,
    END_HEADER,
    END_TITLE,
    HOLD_BAR,
    KEY_HINTS,
    NO_FACE,
    PUCKER_GAP,
    PUCKER_REACH,
    SNARL_ASIDE,
    CheckOverlay,
    cue_lines,
    cue_marks,
)
from facetension.check_plan import BY_KEY, HALF_STRENGTH, MOVEMENT_KEYS, RELEASE_CUE, REST_CUE, duration, plan
from facetension.check_types import REST_AGAIN, CheckResult, MovementResult, Pair, Scores, Synkinesis
from facetension.landmarks import Landmarker
from facetension.sprites import MESSAGE_FONT

COLOUR_TOLERANCE = 40  # per channel, for anti-aliased pixels
MIN_CUE_PIXELS = 40  # of CUE's colour around each mark on a 640-wide picture
NEAR_SPAN = 0.12  # a mark's nearer end lies this close to its landmark (share of the eye-corner span)
ANGLE_TOLERANCE = 0.85  # cosine between an arrow and the direction it should point
SIZES = ((640, 360), (1280, 720))
STEPS = plan()
HOLD_AT = {key: next(s.start_s + 1.0 for s in STEPS if s.kind == "hold" and s.movement == key) for key in MOVEMENT_KEYS}
REST_AT = 1.0
RELEASE_AT = next(s.start_s + 0.5 for s in STEPS if s.kind == "release")
DONE_AT = duration(STEPS) + 1.0
SIDE_OF = {"left": 0, "right": 1}

REST_LINES = tuple(line.strip() for line in REST_CUE.replace(",", ",\n").splitlines())  # wrapped at its comma


def near(image, bgr):
    return np.abs(image.astype(int) - np.array(bgr)).max(axis=2) <= COLOUR_TOLERANCE


def _frame(faces, size):
    cap = cv2.VideoCapture(str(faces["single_face.mp4"]))
    ok, image = cap.read()
    cap.release()
    assert ok
    return np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))


@pytest.fixture(scope="module")
def framed(faces):
    """Per size: a real frame of single_face.mp4 and its landmarks."""
    out = {}
    with Landmarker("image") as lm:
        for size in SIZES:
            image = _frame(faces, size)
            face = lm.detect(image)
            assert face is not None
            out[size] = (image, face.landmarks)
    return out


_CANTHI = (fm.RIGHT_OUTER_CANTHUS, fm.mirrored(fm.RIGHT_OUTER_CANTHUS))


def box_of(points, margin=6):
    x0, y0 = np.min(points, axis=0) - margin
    x1, y1 = np.max(points, axis=0) + margin + 1
    return slice(max(0, y0), y1), slice(max(0, x0), x1)


def mirrored_point(landmarks, index, w, k=1.0):
    return np.array([(w - landmarks[index, 0]) * k, landmarks[index, 1] * k])


def face_axes(landmarks, w):
    """The face's own 'toward the subject's left' and 'up' in the mirrored picture, and its eye-corner span."""
    right, left = (
        mirrored_point(landmarks, i, w) for i in (fm.RIGHT_OUTER_CANTHUS, fm.mirrored(fm.RIGHT_OUTER_CANTHUS))
    )
    span = float(np.linalg.norm(left - right))
    across = (left - right) / span
    up = mirrored_point(landmarks, fm.FOREHEAD[0], w) - mirrored_point(landmarks, fm.CHIN, w)
    return across, up / np.linalg.norm(up), span


def unit(v):
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


# What each cue looks like: (the landmark, on the subject's right, it is drawn at;
# the way its arrows point, from the face's axes: "up", "up-out", "in"; or "outline").
CUE_SHAPES = {
    "brow_raise": (BROW_MIDDLE, "up"),  # soft arrows up over both brows
    "eye_close": (fm.RIGHT_OUTER_CANTHUS, "outline"),  # both eyes' outlines
    "smile_closed": (fm.RIGHT_MOUTH_CORNER, "up-out"),  # up and out at both corners
    "smile_open": (fm.RIGHT_MOUTH_CORNER, "up-out"),
    "snarl": (fm.RIGHT_ALAR_BASE, "up"),  # up beside both nose wings
    "pucker": (fm.RIGHT_MOUTH_CORNER, "in"),  # inward at both corners
}


@pytest.mark.parametrize("movement", MOVEMENT_KEYS)
def test_each_movements_cue_is_drawn_on_both_sides_of_the_mirrored_face(framed, movement):
    image, landmarks = framed[SIZES[0]]
    w = image.shape[1]
    across, up, span = face_axes(landmarks, w)
    index, shape = CUE_SHAPES[movement]
    marks = cue_marks(landmarks, movement, w)
    assert sorted(m.side for m in marks) == ["left", "right"]  # both sides are asked to move
    by_side = {m.side: m for m in marks}
    # Mirrored: the subject's left is on the screen's left.
    assert np.mean(by_side["left"].points, axis=0)[0] < np.mean(by_side["right"].points, axis=0)[0]
    for m in marks:
        at = index if m.side == "right" else fm.mirrored(index)
        assert m.landmark == at
        spot = mirrored_point(landmarks, at, w)
        pts = np.array(m.points, float)
        outward = across if m.side == "left" else -across
        if shape == "outline":
            eye = fm.RIGHT_IRIS_CENTER if m.side == "right" else fm.LEFT_IRIS_CENTER
            ring = pts.astype(np.float32).reshape(-1, 1, 2)
            assert cv2.pointPolygonTest(ring, tuple(map(float, mirrored_point(landmarks, eye, w))), False) > 0
            lids = fm.RIGHT_UPPER_LID + fm.RIGHT_LOWER_LID
            lids = lids if m.side == "right" else fm.mirrored(lids)
            for lid in lids:  # drawn around the lids, not over them
                assert cv2.pointPolygonTest(ring, tuple(map(float, mirrored_point(landmarks, lid, w))), False) > 0
            continue
        tail, head = pts
        direction = unit(head - tail)
        length = (PUCKER_REACH - PUCKER_GAP) if shape == "in" else ARROW_LENGTH
        assert np.linalg.norm(head - tail) == pytest.approx(length * span, abs=2.0)
        want = {"up": up, "up-out": unit(up + outward), "in": -outward}[shape]
        assert direction @ want > ANGLE_TOLERANCE, (m, want)
        nearer = min(np.linalg.norm(tail - spot), np.linalg.norm(head - spot))
        reach = PUCKER_GAP if shape == "in" else ARROW_GAP
        if movement == "snarl":  # beside the nose wing, not on it
            reach = SNARL_ASIDE + ARROW_GAP
            assert (tail - spot) @ outward > 0
        if shape == "in":  # from outside the corner, toward it
            assert (tail - spot) @ outward == pytest.approx(PUCKER_REACH * span, abs=2.0)
        assert nearer <= (reach + NEAR_SPAN) * span, (m, spot)


@pytest.mark.parametrize("movement", MOVEMENT_KEYS)
def test_the_cue_is_drawn_in_its_colour_only_while_the_movement_is_held(framed, movement):
    image, landmarks = framed[SIZES[0]]
    overlay = CheckOverlay()
    held = overlay.draw(image, STEPS, HOLD_AT[movement], landmarks).copy()
    marks = overlay.marks
    assert len(marks) == 2
    released = overlay.draw(image, STEPS, HOLD_AT[movement] + 3.0, landmarks).copy()  # its release follows
    assert overlay.marks == ()
    for m in marks:
        x0, y0 = np.min(m.points, axis=0) - 6
        x1, y1 = np.max(m.points, axis=0) + 7
        box = (slice(max(0, y0), y1), slice(max(0, x0), x1))
        assert near(held[box], CUE).sum() >= MIN_CUE_PIXELS, m
        assert near(released[box], CUE).sum() < MIN_CUE_PIXELS / 4, m


def test_a_portrait_frames_cue_is_on_its_face_in_the_middle_of_a_landscape_picture(framed):
    # A phone video held upright is shown in the middle of a 4:3 picture (overlay.MIN_ASPECT):
    # the cue must move with it, onto the face.
    image, _ = framed[SIZES[0]]
    h, w = image.shape[:2]
    portrait = np.ascontiguousarray(image[:, (w - h * 9 // 16) // 2 :][:, : h * 9 // 16])
    with Landmarker("image") as lm:
        face = lm.detect(portrait)
    assert face is not None
    overlay = CheckOverlay()
    held = overlay.draw(portrait, STEPS, HOLD_AT["smile_closed"], face.landmarks)
    assert held.shape[1] == round(held.shape[0] * 4 / 3) and overlay.mirror_width > portrait.shape[1]
    k = held.shape[0] / portrait.shape[0]
    eyes = [mirrored_point(face.landmarks, i, overlay.mirror_width, k) for i in _CANTHI]
    span = float(np.linalg.norm(eyes[1] - eyes[0]))  # the face's width between its eye corners, on screen
    assert len(overlay.marks) == 2
    for m in overlay.marks:
        spot = mirrored_point(face.landmarks, m.landmark, overlay.mirror_width, k)
        nearest = min(np.linalg.norm(np.array(p, float) - spot) for p in m.points)
        assert nearest <= 0.5 * span, (m, spot)  # on its mouth corner, not the picture's dark side
        assert near(held, CUE)[box_of(m.points)].sum() >= MIN_CUE_PIXELS, m


def test_the_cue_follows_the_face_size(framed):
    (small, lm_small), (big, lm_big) = (framed[s] for s in SIZES)
    for movement in MOVEMENT_KEYS:
        a = np.array([m.points for m in cue_marks(lm_small, movement, small.shape[1])], float)
        b = np.array([m.points for m in cue_marks(lm_big, movement, big.shape[1])], float)
        assert b == pytest.approx(2 * a, abs=8.0), movement


def test_no_face_no_cue_and_a_word_about_it(framed):
    image, _ = framed[SIZES[0]]
    overlay = CheckOverlay()
    overlay.draw(image, STEPS, HOLD_AT["brow_raise"], None)
    assert overlay.marks == () and NO_FACE in {t.text for t in overlay.texts}
    with pytest.raises(ValueError, match="unknown movement"):
        cue_marks(framed[SIZES[0]][1], "wink", 640)


@pytest.mark.parametrize(
    ("t", "left", "right", "instruction"),
    [
        (REST_AT, "Rest · 0:05 left", "then 6 movements", REST_LINES),  # the resting face first
        (
            HOLD_AT["brow_raise"],
            "Brow raise · 1 of 3",
            "movement 1 of 6",
            ("Gently raise your eyebrows,", HALF_STRENGTH),
        ),
        (HOLD_AT["brow_raise"] + 5.0, "Brow raise · 2 of 3", "movement 1 of 6", None),  # its second time
        (RELEASE_AT, "Brow raise · 1 of 3", "movement 1 of 6", (RELEASE_CUE,)),
        (
            HOLD_AT["pucker"],
            "Pucker · 1 of 3",
            "movement 6 of 6",
            ("Gently pucker your lips, as for a kiss,", HALF_STRENGTH),
        ),
        (DONE_AT, "The set is done", None, (DONE_CUE,)),  # a recording longer than the set
    ],
)
def test_the_band_says_where_the_set_is_and_the_instruction_is_the_steps_text(framed, t, left, right, instruction):
    image, landmarks = framed[SIZES[0]]
    overlay = CheckOverlay()
    overlay.draw(image, STEPS, t, landmarks)
    texts = [x.text for x in overlay.texts]
    assert texts[0] == left and (right is None or texts[1] == right), texts
    if instruction is not None:
        assert tuple(texts[-len(instruction) - len(KEY_HINTS) : -len(KEY_HINTS)]) == instruction, texts
    assert set(KEY_HINTS) <= set(texts)


def test_a_shorter_set_counts_its_own_movements_and_reps(framed):
    image, landmarks = framed[SIZES[0]]
    steps = plan(("smile_open", "pucker"), reps=2, rest_s=2.0)
    overlay = CheckOverlay()
    overlay.draw(image, steps, 2.0 + 5.0 + 5.0 + 1.0, landmarks)  # rest, open smile twice, then the pucker
    assert [t.text for t in overlay.texts][:2] == ["Pucker · 1 of 2", "movement 2 of 2"]


def test_the_hold_bar_fills_over_the_hold(framed):
    image, landmarks = framed[SIZES[0]]
    overlay = CheckOverlay()
    start = HOLD_AT["eye_close"] - 1.0
    filled = []
    for t in (start + 0.3, start + 1.5, start + 2.7):
        band = overlay.draw(image, STEPS, t, landmarks)[: int(0.12 * image.shape[0])]
        filled.append(int(near(band, HOLD_BAR).sum()))
    assert filled[0] < filled[1] < filled[2]
    assert filled[1] == pytest.approx(filled[2] * 1.5 / 2.7, rel=0.15)


def test_cue_lines_break_after_the_comma_when_it_does_not_fit():
    assert cue_lines("Let it go", 0.9, 2, 600) == ("Let it go",)
    assert cue_lines(f"Gently close your eyes, {HALF_STRENGTH}", 0.9, 2, 600) == (
        "Gently close your eyes,",
        HALF_STRENGTH,
    )
    text = "no comma here to break the words at"  # by words: as many as fit on the first line
    first, second = cue_lines(text, 0.9, 2, 300)
    width = lambda t: cv2.getTextSize(t, MESSAGE_FONT, 0.9, 2)[0][0]  # noqa: E731
    assert f"{first} {second}" == text and width(first) <= 300 < width(f"{first} {second.split()[0]}")


def a_movement(key: str) -> MovementResult:
    closed = key == "eye_close"
    return MovementResult(
        key,
        ((7.0, 9.0), (12.0, 14.0), (17.0, 19.0)),
        Pair(4.1, 3.2),
        0.78,
        "right",
        4,
        Synkinesis(
            "eye" if key in ("smile_closed", "smile_open", "snarl", "pucker") else "mouth", Pair(0.3, 0.1), None, (1, 0)
        ),
        Pair(0.9, 0.8) if closed else None,
        (True, False) if closed else None,
    )


def a_result(keys: tuple[str, ...]) -> CheckResult:
    """A constructed check: these movements found, the others missing."""
    return CheckResult(
        96.0,
        2880,
        2850,
        6.0,
        {},
        tuple(a_movement(k) for k in keys),
        tuple(k for k in MOVEMENT_KEYS if k not in keys),
        keys,
        True,
        Scores(80 if len(keys) == len(MOVEMENT_KEYS) else None, 2, 5, 73, 78.0),
    )


END_CASES = {  # (the movements found, how it ended)
    "all six": (MOVEMENT_KEYS, "completed"),
    "two, stopped": (MOVEMENT_KEYS[:2], "user"),
    "none": ((), "completed"),
}


def boxes_fit(texts, w, h):
    for t in texts:
        x0, y0, x1, y1 = t.box
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, f"{t.text!r} at {t.box} leaves the {w}x{h} picture"
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            ax0, ay0, ax1, ay1 = a.box
            bx0, by0, bx1, by1 = b.box
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0, f"{a.text!r} overlaps {b.text!r}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_text_fits_the_picture_without_overlapping(framed, size):
    image, landmarks = framed[size]
    w, h = size
    overlay = CheckOverlay()
    for step in STEPS:
        for t in (step.start_s, (step.start_s + step.end_s) / 2):
            overlay.draw(image, STEPS, t, landmarks)
            boxes_fit(overlay.texts, w, h)
            title, instruction = overlay.texts[0], overlay.texts[-1 - len(KEY_HINTS)]
            # The instruction is the largest text on the screen: a third taller than the band's.
            assert instruction.box[3] - instruction.box[1] >= 1.3 * (title.box[3] - title.box[1])
    for t in (DONE_AT, HOLD_AT["snarl"]):
        overlay.draw(image, STEPS, t, None)  # no face: the word about it fits too
        boxes_fit(overlay.texts, w, h)
    for name, (keys, how) in END_CASES.items():
        overlay.end_screen(image, a_result(keys), how, 42.0)
        boxes_fit(overlay.texts, w, h)
        texts = [t.text for t in overlay.texts]
        assert texts[0].startswith(END_TITLE) and texts[-1] == END_FOOTER, name
        assert (END_ESTIMATE in texts) == bool(keys), name
        assert (set(END_HEADER) <= set(texts)) == bool(keys), name
        assert all(BY_KEY[k].name in texts for k in keys), name
        assert ("stopped after 0:42" in texts[0]) == (how == "user"), name
    # A check with no rest to measure from says so, and how to begin again.
    no_rest = replace(a_result(()), rest_problem="the eyes were closed at the start")
    overlay.end_screen(image, no_rest, "completed")
    boxes_fit(overlay.texts, w, h)
    said = " ".join(t.text for t in overlay.texts)
    assert "the eyes were closed at the start" in said and REST_AGAIN in said


def test_a_small_frame_is_enlarged_and_still_fits(framed):
    image, _ = framed[SIZES[0]]
    small = cv2.resize(image, (320, 180))
    overlay = CheckOverlay()
    picture = overlay.draw(small, STEPS, HOLD_AT["pucker"], None)
    assert picture.shape[:2] == (360, 640)
    boxes_fit(overlay.texts, 640, 360)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_text_reaches_wcag_contrast_on_any_picture(faces, size):
    w, h = size
    u = w / 640
    worst = {}
    for name, background in backgrounds(faces, w, h).items():
        overlay = CheckOverlay()
        seen = []
        for t in (REST_AT, HOLD_AT["smile_open"], RELEASE_AT, DONE_AT):
            seen += measured(overlay.draw(background, STEPS, t, None), overlay.texts, u)
        seen += measured(overlay.end_screen(background, a_result(MOVEMENT_KEYS[:4]), "user", 30.0), overlay.texts, u)
        assert {NO_FACE, *REST_LINES, RELEASE_CUE, END_ESTIMATE, *KEY_HINTS} <= {t for t, _ in seen}
        text, ratio = min(seen, key=lambda tr: tr[1])
        worst[name] = (round(ratio, 2), text)
        assert ratio >= MIN_CONTRAST, f"on the {name}: {text!r} reaches only {ratio:.2f}:1"
    print(size, "lowest contrast per background:", worst)
