"""The practice view drawn onto a real frame, without any display (overlay.py draws only)."""

import cv2
import numpy as np
import pytest

from facetension.landmarks import Landmarker
from facetension.overlay import CALM, MESH, MID, MIN_WIDTH, PACER, SIDE_GREY, TENSE, Overlay
from facetension.practice_words import CHECK_MESSAGES, PAUSED, PHASE_INSTRUCTIONS, Phase
from facetension.recap import CLOSE
from facetension.session import PracticeSession, View
from facetension.sprites import text_sprite

COLOUR_TOLERANCE = 40  # per channel, for anti-aliased pixels
MIN_BAR_PIXELS = 100
MIN_TEXT_PIXELS = 300
MIN_MESH_PIXELS = 200
# Rows and columns of a 640 × 480 picture that nothing is drawn over (between the bar
# columns, under the title band, above the prompt band, left of the pacer).
CLEAR = (slice(150, 300), slice(200, 440))


@pytest.fixture(scope="module")
def frame(faces):
    image = cv2.imread(str(faces["single_face.jpg"]))
    h, w = image.shape[:2]
    image = cv2.resize(image, (640, round(h * 640 / w)))
    return np.ascontiguousarray(image[:480])


def view(message=None, tension=None, pacer=0.5):
    return View(
        Phase.RELAX,
        0.3,
        0.4,
        message,
        "prompt" if message else None,
        pacer,
        "breathe in",
        tension if tension is not None else {},
        False,
        "personal",
    )


def near(image, bgr):
    return np.abs(image.astype(int) - np.array(bgr)).max(axis=2) <= COLOUR_TOLERANCE


def tension_pixels(image):
    return near(image, CALM) | near(image, MID) | near(image, TENSE)


def text_pixels(band):
    return int((band.min(axis=2) > 220).sum())


def test_the_picture_is_the_mirrored_frame_and_the_frame_is_untouched(frame):
    before = frame.copy()
    out = Overlay().draw(frame, view("Let your left eye soften", {("eye", "left"): 0.8}))
    assert out.shape == frame.shape
    assert np.array_equal(frame, before)
    assert np.array_equal(out[CLEAR], cv2.flip(frame, 1)[CLEAR])


def test_the_users_left_is_on_the_screens_left(frame):
    out = Overlay().draw(frame, view(tension={("eye", "left"): 0.9, ("mouth", "left"): 0.6}))
    w = out.shape[1]
    left_column, right_column = out[:, : w // 4], out[:, -w // 4 :]
    assert tension_pixels(left_column).sum() > MIN_BAR_PIXELS
    assert tension_pixels(right_column).sum() == 0
    assert near(left_column, TENSE).sum() > 0  # 0.9 is drawn red


def test_prompt_and_pacer_are_drawn(frame):
    h, w = frame.shape[:2]
    quiet = Overlay().draw(frame, view()).copy()
    prompted = Overlay().draw(frame, view("Let the left corner of your mouth drop"))
    assert text_pixels(prompted[h - 50 :]) > MIN_TEXT_PIXELS + text_pixels(quiet[h - 50 :])
    assert near(prompted[h // 2 :, w * 3 // 4 :], PACER).sum() > MIN_BAR_PIXELS


def test_the_pacer_grows_with_the_breath(frame):
    h, w = frame.shape[:2]
    small = near(Overlay().draw(frame, view(pacer=0.0))[h // 2 :, w * 3 // 4 :], PACER).sum()
    large = near(Overlay().draw(frame, view(pacer=1.0))[h // 2 :, w * 3 // 4 :], PACER).sum()
    assert large > 3 * small > 0


def test_drawing_again_gives_the_same_picture(frame):
    """The overlay reuses its buffer: nothing from one frame may leak into the next."""
    overlay = Overlay()
    first = overlay.draw(frame, view("Smooth your brow", {("brow", "right"): 0.4})).copy()
    overlay.draw(frame, view(tension={("jaw", "left"): 1.0}))
    again = overlay.draw(frame, view("Smooth your brow", {("brow", "right"): 0.4}))
    assert np.array_equal(first, again)


def test_a_small_frame_is_enlarged_for_legible_text(frame):
    small = cv2.resize(frame, (320, 240))
    out = Overlay().draw(small, view("Unclench your jaw"))
    assert out.shape == (480, MIN_WIDTH, 3)


def test_the_phase_time_left_instruction_and_keys_are_written(frame):
    v = View(
        Phase.RELAX,
        0.3,
        0.4,
        None,
        None,
        0.5,
        "breathe in",
        {},
        False,
        "personal",
        192.4,
        250.0,
        "Follow the breathing circle; I'll tell you where to let go",
    )
    overlay = Overlay()
    overlay.draw(frame, v)
    texts = [t.text for t in overlay.texts]
    assert {
        "Guided relaxation · 3:13 left",
        "session 4:10 left",
        v.instruction,
        "q stop",
        "space pause",
        "m mesh",
        "breathe in",
    } <= set(texts)
    assert "built-in baseline" not in texts


def test_the_introduction_is_drawn_when_the_view_has_one(frame):
    first = PracticeSession().view()
    overlay = Overlay()
    overlay.draw(frame, first)
    texts = [t.text for t in overlay.texts]
    assert "Getting ready" in texts and first.instruction in texts and set(first.intro) <= set(texts)
    assert len(first.intro) == 3 and "6 min" in first.intro[0]


def test_unchanged_text_is_not_drawn_again(frame):
    """Text is rasterised once into a sprite and pasted on later frames."""
    overlay = Overlay()
    v = view("Unclench your jaw")
    overlay.draw(frame, v)
    misses = text_sprite.cache_info().misses
    for _ in range(3):
        overlay.draw(frame, v)
    assert text_sprite.cache_info().misses == misses


def test_a_portrait_frame_is_shown_in_the_middle_of_a_landscape_picture(frame):
    # A phone held upright (9:16) was enlarged to 640 x 1138 and the window opened 960 x 1707:
    # taller than a laptop's screen, with the prompts below its edge.
    portrait = np.ascontiguousarray(frame[:, 185:455])  # 270 x 480, the face in it
    with Landmarker("image") as lm:
        face = lm.detect(portrait)
    assert face is not None
    overlay = Overlay()
    plain = overlay.draw(portrait, view()).copy()
    assert plain.shape == (480, 640, 3)
    pad = (640 - 270) // 2
    assert np.array_equal(plain[CLEAR[0], pad : pad + 270], cv2.flip(portrait, 1)[CLEAR[0]])
    assert (plain[220:360, : pad - 30] == SIDE_GREY).all()  # between the bars and the key hints: the dark side
    # The mesh lands on the face: every pixel it changes lies within the face's own box.
    meshed = Overlay(show_mesh=True).draw(portrait, view(), face.landmarks)
    changed = np.argwhere((meshed != plain).any(axis=2))
    assert len(changed) > MIN_MESH_PIXELS
    x = overlay.mirror_width - face.landmarks[:, 0]
    y = face.landmarks[:, 1]
    assert x.min() - 3 <= changed[:, 1].min() and changed[:, 1].max() <= x.max() + 3
    assert y.min() - 3 <= changed[:, 0].min() and changed[:, 0].max() <= y.max() + 3


def test_the_mesh_is_drawn_only_when_switched_on(frame):
    with Landmarker("image") as lm:
        face = lm.detect(frame)
    assert face is not None
    plain = Overlay().draw(frame, view(), face.landmarks).copy()
    meshed = Overlay(show_mesh=True).draw(frame, view(), face.landmarks)
    assert near(meshed[CLEAR], MESH).sum() > near(plain[CLEAR], MESH).sum() + MIN_MESH_PIXELS


# -- legibility: every text's contrast with the plate it is drawn on --------------------------
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text
SIZES = ((960, 540), (1920, 1080))  # the window's default size, and enlarged
RING = 2  # px around a text's box: the plate's own pixels
MIN_TEXT_COLOUR_PIXELS = 5  # the text's own colour is really there, not only its box
SEED = 12


def luminance(bgr) -> float:
    """WCAG relative luminance of an sRGB colour given as B, G, R (0..255)."""
    c = np.asarray(bgr, float)[::-1] / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def backgrounds(faces, w, h):
    """Camera-like pictures: a white wall, a dark room, a face, and noise at its worst."""
    rng = np.random.default_rng(SEED)
    wall = np.clip(rng.normal(245, 6, (h, w, 3)), 0, 255).astype(np.uint8)
    dark = np.clip(rng.normal(18, 6, (h, w, 3)), 0, 255).astype(np.uint8)
    face = cv2.resize(cv2.imread(str(faces["grace_hopper.jpg"])), (w, h))
    noise = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return {"white wall": wall, "dark room": dark, "face photo": face, "random noise": noise}


def every_text_view():
    """Views that, together, put every kind of text on the screen."""
    check = PracticeSession().view()  # a first session: it explains itself during the check
    lengths = dict(calibrate="12 s", before="20 s", after="20 s")
    tension = {("eye", "left"): 0.8, ("mouth", "right"): 0.3}
    kinds = {
        "check": CHECK_MESSAGES["light"],
        "prompt": "Let the left corner of your mouth drop",
        "praise": "Good, your left eye is softer",
        "warning": CHECK_MESSAGES["frontal"],
        "paused": PAUSED,
    }
    views = [
        View(
            Phase.CHECK,
            0.0,
            0.0,
            kinds["check"],
            "check",
            0.3,
            "breathe in",
            {},
            False,
            "default",
            None,
            check.session_left_s,
            check.instruction,
            check.intro,
        )
    ]
    phases = (Phase.CALIBRATE, Phase.RELAX, Phase.RELAX, Phase.BEFORE, Phase.AFTER)
    for (kind, text), phase in zip(kinds.items(), phases):
        views.append(
            View(
                phase,
                0.4,
                0.5,
                text,
                kind,
                0.8,
                "breathe out",
                tension,
                kind == "paused",
                "default",
                131.0,
                290.0,
                PHASE_INSTRUCTIONS[phase].format(**lengths),
            )
        )
    return views


def measured(picture, texts, u):
    """(text, contrast) of every text on the picture: its colour against the median of the
    plate's rendered pixels in a ring just around it."""
    ring = max(RING, round(RING * u))
    out = []
    for text, colour, (x0, y0, x1, y1) in texts:
        inside = picture[y0:y1, x0:x1].astype(int)
        assert (np.abs(inside - colour).max(axis=2) <= 10).sum() >= MIN_TEXT_COLOUR_PIXELS, f"{text!r} is not drawn"
        ya, xa = max(0, y0 - ring), max(0, x0 - ring)
        around = picture[ya : y1 + ring, xa : x1 + ring]
        keep = np.ones(around.shape[:2], bool)
        keep[y0 - ya : y1 - ya, x0 - xa : x1 - xa] = False
        out.append((text, contrast(colour, np.median(around[keep], axis=0))))
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_text_reaches_wcag_contrast_on_any_picture(faces, size):
    w, h = size
    u = w / 640
    views = every_text_view()
    expected = {
        "q stop",
        "space pause",
        "m mesh",
        "built-in baseline",
        "breathe in",
        "breathe out",
        "Your left",
        "Your right",
        "eye",
        "jaw",
        "Session summary",
        "Press any key to close",
        *views[0].intro,
        *(v.message for v in views),
        *(v.instruction for v in views),
    }
    worst = {}
    for name, background in backgrounds(faces, w, h).items():
        overlay = Overlay()
        seen = []
        for v in views:
            seen += measured(overlay.draw(background, v), overlay.texts, u)
        summary = overlay.summary(
            background,
            "Session summary",
            ["Your left eye relaxed: tension 0.48 → 0.01.", CLOSE],
            "Press any key to close",
        )
        seen += measured(summary, overlay.texts, u)
        assert expected <= {t for t, _ in seen}
        text, ratio = min(seen, key=lambda tr: tr[1])
        worst[name] = (round(ratio, 2), text)
        assert ratio >= MIN_CONTRAST, f"on the {name}: {text!r} reaches only {ratio:.2f}:1"
    print(size, "lowest contrast per background:", worst)
