"""Text and fixed parts drawn once into sprites and pasted each frame: the Hershey fonts'
text with a dot for SEPARATOR, fitted and wrapped to a width, and the darkened plates that
keep it legible over any room. Draws only (overlay.py places the pieces).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import cv2
import numpy as np

# The double-stroke Hershey font: single strokes at these sizes read badly ("eye" OCRs as
# "cyc"), and thickness 2 fills the small letters' holes.
FONT = cv2.FONT_HERSHEY_DUPLEX
MESSAGE_FONT = cv2.FONT_HERSHEY_SIMPLEX  # large enough to be drawn at thickness 2
WHITE = (255, 255, 255)
# Plates: over a white wall (255) a plate is 255·(1−α) + 16·α = 83, on which white text
# reaches 7.7:1 and the green and amber messages 5.5:1 (WCAG asks 4.5:1).
PLATE_GREY, PLATE_ALPHA = 16, 0.72
# Text and other fixed parts are drawn once into a sprite and pasted through a mask each
# frame. Their anti-aliased edges are blended with this grey, about what a plate shows
# behind them, instead of the live picture.
SPRITE_BACK = 40
SPRITE_MASK_LEVEL = 64  # coverage (of 255) from which a sprite pixel is pasted
SEPARATOR = "·"  # not in the Hershey fonts: drawn as a dot
ASCII = str.maketrans({"→": "->", "–": "-", "—": "-", "’": "'"})  # neither are these


def darken(region: np.ndarray, alpha: float = PLATE_ALPHA) -> None:
    """Blend a region toward PLATE_GREY in place, in uint8, without a temporary image
    (convertScaleAbs: a fifth quicker than addWeighted, the same pixels)."""
    if region.size:
        cv2.convertScaleAbs(region, dst=region, alpha=1 - alpha, beta=PLATE_GREY * alpha)


class TextBox(NamedTuple):
    """One piece of text on the picture: its colour and the box its letters fill."""

    text: str
    colour: tuple[int, int, int]
    box: tuple[int, int, int, int]  # x0, y0, x1, y1


def wrap(text: str, scale: float, thick: int, width: int) -> list[str]:
    """Words to lines no wider than width (a longer single word keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and cv2.getTextSize(f"{lines[-1]} {word}", FONT, scale, thick)[0][0] <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


@dataclass(frozen=True)
class Sprite:
    image: np.ndarray  # (h, w, 3)
    mask: np.ndarray  # (h, w) uint8, non-zero where the sprite is drawn
    origin: tuple[int, int]  # the point of the sprite that is placed at the paste position


@dataclass(frozen=True)
class TextSprite(Sprite):
    extent: tuple[int, int, int] = (0, 0, 0)  # the text's width, and its height above and below the baseline


def paste(canvas: np.ndarray, sprite: Sprite, x: int, y: int) -> None:
    """Paste a sprite with its origin at (x, y), clipped to the canvas."""
    H, W = canvas.shape[:2]
    h, w = sprite.mask.shape
    x0, y0 = x - sprite.origin[0], y - sprite.origin[1]
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(W, x0 + w), min(H, y0 + h)
    if cx1 > cx0 and cy1 > cy0:
        sx, sy = cx0 - x0, cy0 - y0
        cv2.copyTo(
            sprite.image[sy : sy + cy1 - cy0, sx : sx + cx1 - cx0],
            sprite.mask[sy : sy + cy1 - cy0, sx : sx + cx1 - cx0],
            canvas[cy0:cy1, cx0:cx1],
        )


def render(w: int, h: int, draw) -> tuple[np.ndarray, np.ndarray]:
    """The image and mask of a w × h sprite whose content draw(image, as_mask) paints;
    drawn once in colour on SPRITE_BACK and once in white on black for the mask."""
    image = np.full((h, w, 3), SPRITE_BACK, np.uint8)
    cover = np.zeros((h, w, 3), np.uint8)
    draw(image, False)
    draw(cover, True)
    return image, ((cover.max(axis=2) >= SPRITE_MASK_LEVEL) * 255).astype(np.uint8)


def put(img, text: str, org: tuple[int, int], font: int, scale: float, colour, thick: int) -> int:
    """putText, with SEPARATOR drawn as a dot; the width drawn."""
    x, y = org
    (space, th), _ = cv2.getTextSize(" ", font, scale, thick)  # the parts bring their own spaces
    for i, part in enumerate(text.split(SEPARATOR)):
        if i:
            cv2.circle(img, (x + space // 2, y - th // 2), max(1, th // 6), colour, -1, cv2.LINE_AA)
            x += space
        cv2.putText(img, part, (x, y), font, scale, colour, thick, cv2.LINE_AA)
        x += cv2.getTextSize(part, font, scale, thick)[0][0]
    return x - org[0]


@lru_cache(maxsize=128)
def text_sprite(text: str, scale: float, colour: tuple[int, int, int], thick: int, font: int = FONT) -> TextSprite:
    """Text whose baseline starts at the sprite's origin, as putText places it."""
    (_, th), base = cv2.getTextSize(text, font, scale, thick)
    tw = put(np.zeros((1, 1, 3), np.uint8), text, (0, 0), font, scale, colour, thick)  # measured as drawn
    pad = thick + 2
    origin = (pad, pad + th)
    image, mask = render(
        tw + 2 * pad,
        th + base + 2 * pad,
        lambda img, as_mask: put(img, text, origin, font, scale, WHITE if as_mask else colour, thick),
    )
    return TextSprite(image, mask, origin, (tw, th, base))


def draw_text(
    canvas,
    text,
    at,
    scale,
    out: list[TextBox] | None = None,
    colour=WHITE,
    thick=1,
    font=FONT,
    align="left",
    plate: bool = False,
    pad: int = 0,
) -> None:
    """Paste text with its baseline at `at` (x is its left end, middle or right end by
    `align`), on a plate of its own if asked, and list it in `out`."""
    sprite = text_sprite(text, scale, colour, thick, font)
    tw, th, base = sprite.extent
    x = at[0] - {"left": 0, "centre": tw // 2, "right": tw}[align]
    box = (x, at[1] - th, x + tw, at[1] + base)
    if plate:
        darken(canvas[max(0, box[1] - pad) : box[3] + pad, max(0, box[0] - pad) : box[2] + pad])
    paste(canvas, sprite, x, at[1])
    if out is not None:
        out.append(TextBox(text, colour, box))


def extent(text: str, scale: float, thick: int = 1, font: int = FONT) -> tuple[int, int, int]:
    return text_sprite(text, scale, WHITE, thick, font).extent


@lru_cache(maxsize=256)
def fitted_scale(text: str, scale: float, thick: int, max_w: int, font: int = FONT) -> float:
    """Long texts shrink to fit the width (down to 60 % of the normal size)."""
    floor = scale * 0.6
    while cv2.getTextSize(text, font, scale, thick)[0][0] > max_w and scale * 0.9 >= floor:
        scale *= 0.9
    return scale
