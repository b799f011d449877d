"""Drawing the practice view onto a frame. Draws only: it never shows a window.

The picture is mirrored, as a mirror shows it, so the user's own left is on the screen's
left: the "Your left" bars are drawn on the left, the "Your right" bars on the right.

It is drawn at the camera's own size (small frames are enlarged to MIN_WIDTH) into a
buffer reused from frame to frame: enlarging for the screen is the window's job (live.py
opens it scalable), and a fresh full-size picture per frame would cost more than the
drawing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .session import PHASE_TITLES, View
from .tension import TENSION_REGIONS
from .wording import REGION_SHORT

REFERENCE_WIDTH = 640  # the layout below is in pixels of a 640-wide picture; wider ones scale it
MIN_WIDTH = 640  # narrower frames are enlarged so that the text stays legible
FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE = (255, 255, 255)
DARK_GREY = 30  # bands are blended toward this grey (a grey, so one scalar does all channels)
CALM = (120, 200, 90)  # BGR: green ...
MID = (40, 190, 240)  # ... amber ...
TENSE = (60, 60, 230)  # ... red, by tension
PACER = (230, 200, 120)
MESH = (200, 230, 200)
BAR_BACK = (80, 80, 80)
RING = (90, 90, 90)
MESSAGE_COLOURS = {"prompt": WHITE, "praise": (140, 240, 140), "check": (120, 220, 255),
                   "warning": (120, 220, 255), "paused": WHITE}
BAND_ALPHA, BOX_ALPHA, MESSAGE_ALPHA = 0.55, 0.5, 0.65
COLOUR_STEPS = 100  # tension colours are looked up, not computed per bar and frame
# Text and other fixed parts are drawn once into a sprite and pasted through a mask each
# frame. Their anti-aliased edges are blended with this grey, about what a darkened band
# shows behind them, instead of the live picture: invisible on the dark bands.
SPRITE_BACK = 40
SPRITE_MASK_LEVEL = 64  # coverage (of 255) from which a sprite pixel is pasted


def _darken(region: np.ndarray, alpha: float) -> None:
    """Blend a region toward DARK_GREY in place, in uint8, without a temporary image."""
    if region.size:
        cv2.addWeighted(region, 1 - alpha, region, 0.0, DARK_GREY * alpha, dst=region)


def _blend(a, b, f):
    return tuple(int(round(x + (y - x) * f)) for x, y in zip(a, b))


def _colour(v: float) -> tuple[int, int, int]:
    return _blend(CALM, MID, v * 2) if v < 0.5 else _blend(MID, TENSE, v * 2 - 1)


_COLOURS = [_colour(i / COLOUR_STEPS) for i in range(COLOUR_STEPS + 1)]


def tension_colour(v: float) -> tuple[int, int, int]:
    """Green at 0, amber at 0.5, red at 1 (v in 0..1)."""
    return _COLOURS[int(v * COLOUR_STEPS + 0.5)]


@dataclass(frozen=True)
class _Layout:
    """Where everything goes on a picture of one size (computed once per size)."""

    u: float  # the size unit: 1 on a 640-wide picture
    top_band: int
    title_at: tuple[int, int]
    title_scale: float
    progress: tuple[int, int, int, int]  # x0, y0, x1, y1
    columns: tuple[tuple[str, int], ...]  # (side, x0)
    col_w: int
    bar_x: tuple[int, int]  # offsets of the bar's ends from the column's x0
    bar_h: int
    gap: int
    bars_top: int
    box_pad: int
    box_top: int
    box_bottom: int
    header_scale: float
    label_scale: float
    pacer_centre: tuple[int, int]
    pacer_r: tuple[int, int]
    pacer_label_scale: float
    message_band: int
    message_scale: float
    message_thick: int
    thick: int


@lru_cache(maxsize=8)
def _layout(w: int, h: int) -> _Layout:
    u = w / REFERENCE_WIDTH
    s = lambda v: int(round(v * u))  # noqa: E731
    col_w, pad, top, gap = s(118), s(5), s(56), s(21)
    return _Layout(
        u=u, top_band=s(34), title_at=(s(10), s(23)), title_scale=0.55 * u,
        progress=(int(w * 0.55), s(12), w - s(10), s(22)),
        columns=(("left", s(10)), ("right", w - col_w - s(10))), col_w=col_w, bar_x=(s(46), col_w),
        bar_h=s(10), gap=gap, bars_top=top, box_pad=pad, box_top=top - s(26),
        box_bottom=top + gap * len(TENSION_REGIONS) + s(4), header_scale=0.5 * u, label_scale=0.42 * u,
        pacer_centre=(w - s(52), h - s(104)), pacer_r=(s(10), s(34)), pacer_label_scale=0.42 * u,
        message_band=s(52), message_scale=0.8 * u, message_thick=max(2, s(2)), thick=max(1, s(1)),
    )


class Overlay:
    """Draws the practice view. The picture it returns is its own buffer, overwritten by
    the next draw: show it (or copy it) before drawing again."""

    def __init__(self, show_mesh: bool = False):
        self.show_mesh = show_mesh
        self._canvas: np.ndarray | None = None
        self._enlarged: np.ndarray | None = None

    def draw(self, frame_bgr: np.ndarray, view: View, landmarks: np.ndarray | None = None) -> np.ndarray:
        """The mirrored frame with bars, prompt, pacer and progress drawn on it."""
        h, w = frame_bgr.shape[:2]
        k = max(1.0, MIN_WIDTH / w)
        src = frame_bgr
        if k > 1:
            size = (MIN_WIDTH, int(round(h * k)))
            self._enlarged = _buffer(self._enlarged, size)
            src = cv2.resize(frame_bgr, size, dst=self._enlarged, interpolation=cv2.INTER_LINEAR)
        self._canvas = canvas = _buffer(self._canvas, (src.shape[1], src.shape[0]))
        cv2.flip(src, 1, dst=canvas)
        lay = _layout(canvas.shape[1], canvas.shape[0])
        if self.show_mesh and landmarks is not None:
            _mesh(canvas, landmarks, w, k)
        _progress(canvas, view, lay)
        _bars(canvas, view, lay)
        _pacer(canvas, view, lay)
        _message(canvas, view, lay)
        return canvas


@dataclass(frozen=True)
class _Sprite:
    image: np.ndarray  # (h, w, 3)
    mask: np.ndarray  # (h, w) uint8, non-zero where the sprite is drawn
    origin: tuple[int, int]  # the point of the sprite that is placed at the paste position


def _paste(canvas: np.ndarray, sprite: _Sprite, x: int, y: int) -> None:
    """Paste a sprite with its origin at (x, y), clipped to the canvas."""
    H, W = canvas.shape[:2]
    h, w = sprite.mask.shape
    x0, y0 = x - sprite.origin[0], y - sprite.origin[1]
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(W, x0 + w), min(H, y0 + h)
    if cx1 > cx0 and cy1 > cy0:
        sx, sy = cx0 - x0, cy0 - y0
        cv2.copyTo(sprite.image[sy:sy + cy1 - cy0, sx:sx + cx1 - cx0], sprite.mask[sy:sy + cy1 - cy0, sx:sx + cx1 - cx0],
                   canvas[cy0:cy1, cx0:cx1])


def _render(w: int, h: int, origin: tuple[int, int], draw) -> _Sprite:
    """A sprite of w × h whose content draw(image, colour_or_None) paints; drawn once in
    colour on SPRITE_BACK and once in white on black for the mask."""
    image = np.full((h, w, 3), SPRITE_BACK, np.uint8)
    cover = np.zeros((h, w, 3), np.uint8)
    draw(image, False)
    draw(cover, True)
    mask = ((cover.max(axis=2) >= SPRITE_MASK_LEVEL) * 255).astype(np.uint8)
    return _Sprite(image, mask, origin)


@lru_cache(maxsize=64)
def _text_sprite(text: str, scale: float, colour: tuple[int, int, int], thick: int) -> _Sprite:
    """Text whose baseline starts at the sprite's origin, as putText places it."""
    (tw, th), base = cv2.getTextSize(text, FONT, scale, thick)
    pad = thick + 2
    origin = (pad, pad + th)

    def draw(img, as_mask):
        cv2.putText(img, text, origin, FONT, scale, WHITE if as_mask else colour, thick, cv2.LINE_AA)

    return _render(tw + 2 * pad, th + base + 2 * pad, origin, draw)


@lru_cache(maxsize=8)
def _column_sprite(side: str, lay: _Layout) -> _Sprite:
    """A bar column's fixed parts: its header, the region labels and the bars' backgrounds.
    Its origin is the column's top-left corner (x0, bars_top)."""
    bx0, bx1 = lay.bar_x
    w, h = lay.col_w + 1, lay.gap * len(TENSION_REGIONS) + lay.bars_top - lay.box_top
    dy = lay.bars_top - lay.box_top  # the header sits above the bars

    def draw(img, as_mask):
        col = (lambda c: WHITE) if as_mask else (lambda c: c)
        cv2.putText(img, f"Your {side}", (0, dy - lay.box_pad * 2), FONT, lay.header_scale, col(WHITE), lay.thick,
                    cv2.LINE_AA)
        for i, region in enumerate(TENSION_REGIONS):
            y = dy + i * lay.gap
            cv2.putText(img, REGION_SHORT[region], (0, y + lay.bar_h), FONT, lay.label_scale, col(WHITE), 1, cv2.LINE_AA)
            cv2.rectangle(img, (bx0, y), (bx1, y + lay.bar_h), col(BAR_BACK), -1)

    return _render(w, h, (0, dy), draw)


def _buffer(buf: np.ndarray | None, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    return buf if buf is not None and buf.shape == (h, w, 3) else np.empty((h, w, 3), np.uint8)


def _text(canvas, text, at, scale, colour=WHITE, thick=1):
    _paste(canvas, _text_sprite(text, scale, colour, thick), *at)


def _mesh(canvas, landmarks, w, k):
    pts = np.stack([(w - landmarks[:, 0]) * k, landmarks[:, 1] * k], axis=1).astype(int)
    for x, y in pts[::2]:  # every other point: light enough to see the face through
        cv2.circle(canvas, (int(x), int(y)), 1, MESH, -1, cv2.LINE_AA)


def _progress(canvas, view: View, lay: _Layout):
    _darken(canvas[: lay.top_band], BAND_ALPHA)
    title = PHASE_TITLES[view.phase]
    if view.baseline == "default" and view.phase.value not in ("check", "calibrate"):
        title += "  (built-in baseline)"
    _text(canvas, title, lay.title_at, lay.title_scale, thick=lay.thick)
    x0, y0, x1, y1 = lay.progress
    cv2.rectangle(canvas, (x0, y0), (x1, y1), RING, -1)
    cv2.rectangle(canvas, (x0, y0), (x0 + int((x1 - x0) * view.session_progress), y1), PACER, -1)


@lru_cache(maxsize=8)
def _bar_slots(lay: _Layout) -> tuple:
    """Per column: its box, and each bar's key, left end, top, full length and bottom."""
    bx0, bx1 = lay.bar_x
    return tuple(
        (side, x0, (max(0, lay.box_top), lay.box_bottom, max(0, x0 - lay.box_pad), x0 + lay.col_w + lay.box_pad),
         tuple(((region, side), x0 + bx0, y, bx1 - bx0, y + lay.bar_h)
               for region, y in zip(TENSION_REGIONS, range(lay.bars_top, lay.bars_top + lay.gap * len(TENSION_REGIONS), lay.gap))))
        for side, x0 in lay.columns)


def _bars(canvas, view: View, lay: _Layout):
    tension = view.tension
    for side, x0, (y0, y1, xa, xb), bars in _bar_slots(lay):
        _darken(canvas[y0:y1, xa:xb], BOX_ALPHA)
        _paste(canvas, _column_sprite(side, lay), x0, lay.bars_top)
        for key, x, y, length, bottom in bars:
            v = tension.get(key)
            if v is not None:
                v = 0.0 if v < 0.0 else 1.0 if v > 1.0 else v
                cv2.rectangle(canvas, (x, y), (x + int(length * v), bottom), tension_colour(v), -1)


@lru_cache(maxsize=8)
def _ring_sprite(lay: _Layout) -> _Sprite:
    """The pacer's outer ring (a thick anti-aliased circle costs more than all the text)."""
    r = lay.pacer_r[1]
    c = r + 4

    def draw(img, as_mask):
        cv2.circle(img, (c, c), r, WHITE if as_mask else RING, max(1, int(2 * lay.u)), cv2.LINE_AA)

    return _render(2 * c + 1, 2 * c + 1, (c, c), draw)


def _pacer(canvas, view: View, lay: _Layout):
    (cx, cy), (r_min, r_max) = lay.pacer_centre, lay.pacer_r
    _paste(canvas, _ring_sprite(lay), cx, cy)
    cv2.circle(canvas, (cx, cy), int(r_min + (r_max - r_min) * view.pacer), PACER, -1, cv2.LINE_AA)
    tw = _text_width(view.pacer_label, lay.pacer_label_scale, 1)
    _text(canvas, view.pacer_label, (cx - tw // 2, cy + r_max + int(16 * lay.u)), lay.pacer_label_scale)


def _message(canvas, view: View, lay: _Layout):
    if not view.message:
        return
    H, W = canvas.shape[:2]
    scale = _fitted_scale(view.message, lay.message_scale, lay.message_thick, W - int(30 * lay.u))
    _darken(canvas[H - lay.message_band:], MESSAGE_ALPHA)
    tw = _text_width(view.message, scale, lay.message_thick)
    _text(canvas, view.message, ((W - tw) // 2, H - int(19 * lay.u)), scale,
          MESSAGE_COLOURS.get(view.message_kind, WHITE), lay.message_thick)


@lru_cache(maxsize=256)
def _text_width(text: str, scale: float, thick: int) -> int:
    return cv2.getTextSize(text, FONT, scale, thick)[0][0]


@lru_cache(maxsize=256)
def _fitted_scale(text: str, scale: float, thick: int, max_w: int) -> float:
    """Long prompts shrink to fit the width (down to 60 % of the normal size)."""
    floor = scale * 0.6
    while _text_width(text, scale, thick) > max_w and scale * 0.9 >= floor:
        scale *= 0.9
    return scale
