"""The practice view drawn onto a real frame, without any display (overlay.py draws only)."""

import cv2
import numpy as np
import pytest

from facetension.landmarks import Landmarker
from facetension.overlay import CALM, MESH, MID, MIN_WIDTH, PACER, TENSE, Overlay
from facetension.session import Phase, View

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
    return View(Phase.RELAX, 0.3, 0.4, message, "prompt" if message else None, pacer, "breathe in",
                tension if tension is not None else {}, False, "personal")


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
    left_column, right_column = out[:, : w // 4], out[:, -w // 4:]
    assert tension_pixels(left_column).sum() > MIN_BAR_PIXELS
    assert tension_pixels(right_column).sum() == 0
    assert near(left_column, TENSE).sum() > 0  # 0.9 is drawn red


def test_prompt_and_pacer_are_drawn(frame):
    h, w = frame.shape[:2]
    quiet = Overlay().draw(frame, view()).copy()
    prompted = Overlay().draw(frame, view("Let the left corner of your mouth drop"))
    assert text_pixels(prompted[h - 50:]) > MIN_TEXT_PIXELS + text_pixels(quiet[h - 50:])
    assert near(prompted[h // 2:, w * 3 // 4:], PACER).sum() > MIN_BAR_PIXELS


def test_the_pacer_grows_with_the_breath(frame):
    h, w = frame.shape[:2]
    small = near(Overlay().draw(frame, view(pacer=0.0))[h // 2:, w * 3 // 4:], PACER).sum()
    large = near(Overlay().draw(frame, view(pacer=1.0))[h // 2:, w * 3 // 4:], PACER).sum()
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


def test_the_mesh_is_drawn_only_when_switched_on(frame):
    with Landmarker("image") as lm:
        face = lm.detect(frame)
    assert face is not None
    plain = Overlay().draw(frame, view(), face.landmarks).copy()
    meshed = Overlay(show_mesh=True).draw(frame, view(), face.landmarks)
    assert near(meshed[CLEAR], MESH).sum() > near(plain[CLEAR], MESH).sum() + MIN_MESH_PIXELS
