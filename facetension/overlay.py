"""Drawing the practice view onto a frame. Draws only: it never shows a window.

The picture is mirrored, as a mirror shows it, so the user's own left is on the screen's
left: the "Your left" bars are drawn on the left, the "Your right" bars on the right.

It is drawn at the camera's own size (small frames are enlarged to MIN_WIDTH, narrow ones
shown in a MIN_ASPECT picture) into a buffer reused from frame to frame: enlarging for the
screen is the window's job (live.py opens it scalable), and a fresh full-size picture per
frame would cost more than the drawing itself.

Every piece of text sits on a plate (sprites.py): the picture under it darkened toward PLATE_GREY by
PLATE_ALPHA, so that it stays legible over any room (WCAG contrast ≥ 4.5:1 over a white wall
too; tests/test_overlay.py measures it on the rendered pixels). Where each text went is kept
in Overlay.texts, for those tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .overlay_face import MESH, ZONE, draw_mesh, draw_zone  # noqa: F401  (MESH, ZONE: the tests' colours)
from .practice_words import PHASE_TITLES, Phase
from .session import View
from .sprites import (
    ASCII,
    FONT,
    MESSAGE_FONT,
    SEPARATOR,
    SPRITE_BACK,
    WHITE,
    Sprite,
    TextBox,
    darken,
    draw_text,
    extent,
    fitted_scale,
    paste,
    put,
    render,
    text_sprite,
    wrap,
)
from .tension import TENSION_REGIONS
from .wording import REGION_SHORT, clock

REFERENCE_WIDTH = 640  # the layout below is in pixels of a 640-wide picture; wider ones scale it
MIN_WIDTH = 640  # narrower frames are enlarged so that the text stays legible
# A frame narrower than this (a phone held upright: 9:16) is shown in the middle of a picture
# this shape, dark at the sides: the layout is made for a landscape picture, and a window as
# tall as a portrait picture enlarged to MIN_WIDTH would not fit a laptop's screen.
MIN_ASPECT = 4 / 3
SIDE_GREY = (30, 30, 30)
CALM = (120, 200, 90)  # BGR: green ...
MID = (40, 190, 240)  # ... amber ...
TENSE = (60, 60, 230)  # ... red, by tension
PACER = (230, 200, 120)
BAR_BACK = (80, 80, 80)
RING = (90, 90, 90)
MESSAGE_COLOURS = {
    "prompt": WHITE,
    "praise": (140, 240, 140),
    "check": (120, 220, 255),
    "warning": (120, 220, 255),
    "paused": WHITE,
}
SUMMARY_ALPHA = 0.8  # the summary screen dims the whole last frame
COLOUR_STEPS = 100  # tension colours are looked up, not computed per bar and frame
KEY_HINTS = ("q stop", "space pause", "m mesh")
CHECKIN_KEYS = (170, 220, 255)
STEP_PANEL_SHARE = 0.3  # the massage step's text: this share of the picture's width, on the left
BUILT_IN_NOTE = "built-in baseline"  # tension measured against the defaults, not the person's own face


def _blend(a, b, f):
    return tuple(int(round(x + (y - x) * f)) for x, y in zip(a, b))


def _colour(v: float) -> tuple[int, int, int]:
    return _blend(CALM, MID, v * 2) if v < 0.5 else _blend(MID, TENSE, v * 2 - 1)


_COLOURS = [_colour(i / COLOUR_STEPS) for i in range(COLOUR_STEPS + 1)]


def tension_colour(v: float) -> tuple[int, int, int]:
    """Green at 0, amber at 0.5, red at 1 (v in 0..1)."""
    return _COLOURS[int(v * COLOUR_STEPS + 0.5)]


@dataclass(frozen=True, eq=False)
class _Layout:
    """Where everything goes on a picture of one size. Computed once per size, so compared
    and hashed by identity: the sprite caches keyed by it would hash all its fields per call."""

    u: float  # the size unit: 1 on a 640-wide picture
    margin: int
    pad: int  # a plate reaches this far beyond its text
    top_band: int
    title_y: int
    progress: tuple[int, int, int, int]  # x0, y0, x1, y1
    instruction_y: int
    text_scale: float
    columns: tuple[tuple[str, int], ...]  # (side, x0)
    col_w: int
    bar_x: tuple[int, int]  # offsets of the bar's ends from the column's x0
    bar_h: int
    gap: int
    bars_top: int
    box_top: int
    box_bottom: int
    label_scale: float
    pacer_centre: tuple[int, int]
    pacer_r: tuple[int, int]
    pacer_label_y: int
    line: int  # line pitch of the small text (key hints, introduction)
    small_scale: float
    hints_y: int  # baseline of the last key hint
    intro_y: int  # baseline of the introduction's last line
    intro_room: int  # its width, between the key hints and the pacer
    message_band: int
    message_scale: float
    message_thick: int
    thick: int


@lru_cache(maxsize=8)
def _layout(w: int, h: int) -> _Layout:
    u = w / REFERENCE_WIDTH
    s = lambda v: int(round(v * u))  # noqa: E731
    col_w, top_band, gap, band = s(124), s(64), s(18), s(52)
    box_top = top_band + s(4)
    bars_top = box_top + s(30)
    r_max = s(34)
    pacer_label_y = h - band - s(7)
    return _Layout(
        u=u,
        margin=s(10),
        pad=max(3, s(4)),
        top_band=top_band,
        title_y=s(20),
        progress=(s(10), s(31), w - s(10), s(35)),
        instruction_y=s(55),
        text_scale=0.5 * u,
        columns=(("left", s(10)), ("right", w - col_w - s(10))),
        col_w=col_w,
        bar_x=(s(54), col_w),
        bar_h=s(10),
        gap=gap,
        bars_top=bars_top,
        box_top=box_top,
        box_bottom=bars_top + gap * len(TENSION_REGIONS) + s(2),
        label_scale=0.45 * u,
        pacer_centre=(w - s(56), pacer_label_y - s(18) - r_max),
        pacer_r=(s(10), r_max),
        pacer_label_y=pacer_label_y,
        line=s(17),
        small_scale=0.45 * u,
        hints_y=h - band - s(9),
        intro_y=h - band - s(11),
        intro_room=w - 2 * s(120),
        message_band=band,
        message_scale=0.8 * u,
        message_thick=max(2, s(2)),
        thick=max(1, s(1)),
    )


class MirroredCanvas:
    """The picture a window shows: the camera's frame mirrored (a mirror is what people expect
    of their own face) into a reused buffer, enlarged to MIN_WIDTH, and the texts drawn on it.
    The picture returned is that buffer, overwritten by the next draw: show it (or copy it)
    before drawing again."""

    def __init__(self):
        self.texts: list[TextBox] = []  # what the last draw wrote, and where
        # A frame point (x, y) is at ((mirror_width − x)·k, y·k) in the last picture drawn:
        # the frame's width, and more when the picture is wider than the frame (MIN_ASPECT).
        self.mirror_width = 0.0
        self._canvas: np.ndarray | None = None
        self._enlarged: np.ndarray | None = None

    def _mirrored(self, frame_bgr: np.ndarray) -> tuple[np.ndarray, float]:
        """The frame mirrored into the reused canvas (enlarged to MIN_WIDTH; a narrow one in
        the middle of a MIN_ASPECT picture), and the factor."""
        h, w = frame_bgr.shape[:2]
        narrow = w < MIN_ASPECT * h
        k = max(1.0, MIN_WIDTH / (MIN_ASPECT * h if narrow else w))
        src = frame_bgr
        if k > 1:
            size = (int(round(w * k)), int(round(h * k))) if narrow else (MIN_WIDTH, int(round(h * k)))
            self._enlarged = _buffer(self._enlarged, size)
            src = cv2.resize(frame_bgr, size, dst=self._enlarged, interpolation=cv2.INTER_LINEAR)
        fh, fw = src.shape[:2]
        width = max(fw, int(round(MIN_ASPECT * fh))) if narrow else fw
        self._canvas = canvas = _buffer(self._canvas, (width, fh))
        pad = (width - fw) // 2
        if width > fw:  # a narrow frame: in the middle, dark at the sides
            canvas[:, :pad] = SIDE_GREY
            canvas[:, pad + fw :] = SIDE_GREY
            canvas[:, pad : pad + fw] = src[:, ::-1]
        else:
            cv2.flip(src, 1, dst=canvas)
        self.mirror_width = w + pad / k
        self.texts.clear()
        return canvas, k


class Overlay(MirroredCanvas):
    """Draws the practice view (see MirroredCanvas)."""

    def __init__(self, show_mesh: bool = False):
        super().__init__()
        self.show_mesh = show_mesh

    def draw(self, frame_bgr: np.ndarray, view: View, landmarks: np.ndarray | None = None) -> np.ndarray:
        """The mirrored frame with bars, prompt, pacer, progress and key hints drawn on it."""
        canvas, k = self._mirrored(frame_bgr)
        lay = _layout(canvas.shape[1], canvas.shape[0])
        if self.show_mesh and landmarks is not None:
            draw_mesh(canvas, landmarks, self.mirror_width, k)
        out = self.texts
        if view.massage is not None and landmarks is not None:
            draw_zone(canvas, landmarks, view.massage.step, self.mirror_width, k)
        _progress(canvas, view, lay, out)
        if view.massage is None:  # the massage measures nothing: its step is shown there instead
            _bars(canvas, view, lay, out)
        _pacer(canvas, view, lay, out)
        _hints(canvas, view, lay, out)
        _intro(canvas, view, lay, out)
        _steps(canvas, view, lay, out)
        _message(canvas, view, lay, out)
        return canvas

    def checkin_screen(self, frame_bgr: np.ndarray, lines: Sequence[str], title: str, footer: str) -> np.ndarray:
        """The check-in over the person's own picture, dimmed: the questions and the answers
        so far, one line each, on the left."""
        canvas, _ = self._mirrored(frame_bgr)
        H, W = canvas.shape[:2]
        lay = _layout(W, H)
        darken(canvas, SUMMARY_ALPHA)
        s = lambda v: int(round(v * lay.u))  # noqa: E731
        y = s(40)
        draw_text(canvas, title, (s(40), y), 0.7 * lay.u, self.texts, WHITE, lay.thick)
        y += s(34)
        for line in lines:
            scale = fitted_scale(line, 0.5 * lay.u, lay.thick, W - s(80))
            draw_text(canvas, line, (s(40), y), scale, self.texts, WHITE, lay.thick)
            y += s(24)
        draw_text(canvas, footer, (s(40), y + s(10)), 0.5 * lay.u, self.texts, CHECKIN_KEYS, lay.thick)
        return canvas

    def summary(self, frame_bgr: np.ndarray, title: str, lines: Sequence[str], footer: str) -> np.ndarray:
        """The end of a session: the frame dimmed, with a title, the sentences (wrapped to the
        width) and a footer, as one block in the middle. Drawn once, so nothing is cached."""
        canvas, _ = self._mirrored(frame_bgr)
        H, W = canvas.shape[:2]
        lay = _layout(W, H)
        darken(canvas, SUMMARY_ALPHA)
        s = lambda v: int(round(v * lay.u))  # noqa: E731
        scale, left = 0.5 * lay.u, s(40)
        rows = [(title, 0.7 * lay.u, s(34))]
        for sentence in lines:
            rows += [(part, scale, s(23)) for part in wrap(sentence.translate(ASCII), scale, lay.thick, W - 2 * left)]
            rows[-1] = (*rows[-1][:2], s(31))  # a little air between sentences
        rows.append((footer, lay.small_scale, 0))
        y = max(s(30), (H - sum(pitch for *_, pitch in rows)) // 2)
        for text, sc, pitch in rows:
            draw_text(canvas, text, (left, y), sc, self.texts, WHITE, lay.thick)
            y += pitch
        return canvas


@lru_cache(maxsize=8)
def _column_sprite(side: str, lay: _Layout) -> tuple[Sprite, tuple[TextBox, ...]]:
    """A bar column's fixed parts: its header, the region labels and the bars' backgrounds,
    with the boxes of its texts on the canvas. Its origin is the column's top-left corner
    (x0, bars_top)."""
    x0 = dict(lay.columns)[side]
    bx0, bx1 = lay.bar_x
    dy = lay.bars_top - lay.box_top  # the header sits above the bars
    w, h = lay.col_w + 1, lay.gap * len(TENSION_REGIONS) + dy
    texts = [(f"Your {side}", (0, dy - round(9 * lay.u)), lay.text_scale)]
    texts += [
        (REGION_SHORT[r], (0, dy + i * lay.gap + lay.bar_h), lay.label_scale) for i, r in enumerate(TENSION_REGIONS)
    ]

    def draw(img, as_mask):
        for text, org, scale in texts:
            cv2.putText(img, text, org, FONT, scale, WHITE, lay.thick, cv2.LINE_AA)
        for i in range(len(TENSION_REGIONS)):
            y = dy + i * lay.gap
            cv2.rectangle(img, (bx0, y), (bx1, y + lay.bar_h), WHITE if as_mask else BAR_BACK, -1)

    image, mask = render(w, h, draw)
    boxes = []
    for text, (x, y), scale in texts:
        tw, th, base = extent(text, scale, lay.thick)
        y += lay.bars_top - dy
        boxes.append(TextBox(text, WHITE, (x0 + x, y - th, x0 + x + tw, y + base)))
    return Sprite(image, mask, (0, dy)), tuple(boxes)


def _buffer(buf: np.ndarray | None, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    return buf if buf is not None and buf.shape == (h, w, 3) else np.empty((h, w, 3), np.uint8)


def _steps(canvas, view: View, lay: _Layout, out: list[TextBox] | None = None):
    """The massage step, where the left bars are while measuring (nothing is measured during
    the massage, and the face in the middle stays clear for its zone): which step, its time
    left, how, the next one, and the key for "this hurts"."""
    g = view.massage
    if g is None:
        return
    width = int(canvas.shape[1] * STEP_PANEL_SHARE)
    scale = lay.label_scale
    lines = [
        f"Step {g.index + 1} of {g.count}, {clock(-(-g.step_left_s // 1))} left:",
        *wrap(g.step.title[0].upper() + g.step.title[1:], scale, lay.thick, width),
        "",
        *wrap(g.step.how, scale, lay.thick, width),
        "",
        *(wrap(f"Next: {g.next_step.title}", scale, lay.thick, width) if g.next_step else []),
        "p: this hurts",
    ]
    _block(canvas, tuple(lines), scale, lay.margin, lay.box_top + len(lines) * lay.line, lay, out)


def _progress(canvas, view: View, lay: _Layout, out: list[TextBox] | None = None):
    """The top band: the phase and its time left, the session's time left over the session's
    progress bar, and what to do now."""
    W = canvas.shape[1]
    darken(canvas[: lay.top_band])
    timed = view.phase_left_s is not None and view.phase != Phase.DONE
    sprite, boxes = _title_row(
        view.phase,
        _whole(view.phase_left_s) if timed else None,
        None if view.session_left_s is None else _whole(view.session_left_s),
        lay,
        W,
    )
    paste(canvas, sprite, 0, 0)
    if out is not None:
        out.extend(boxes)
    x0, y0, x1, y1 = lay.progress
    cv2.rectangle(canvas, (x0, y0), (x1, y1), RING, -1)
    cv2.rectangle(canvas, (x0, y0), (x0 + int((x1 - x0) * view.session_progress), y1), PACER, -1)
    if view.instruction:
        scale = fitted_scale(view.instruction, lay.text_scale, lay.thick, W - 2 * lay.margin)
        draw_text(canvas, view.instruction, (lay.margin, lay.instruction_y), scale, out, thick=lay.thick)


def _whole(seconds: float) -> int:
    """Time left in whole seconds, rounded up: '0:01 left' until it is all gone."""
    return int(-(-seconds // 1))


@lru_cache(maxsize=4)
def _title_row(
    phase: Phase, phase_left: int | None, session_left: int | None, lay: _Layout, w: int
) -> tuple[Sprite, tuple[TextBox, ...]]:
    """The band's first row, '<phase> · 3:12 left' on the left and 'session 5:40 left' on the
    right, as one sprite (its origin the picture's corner) and their boxes: both change
    together, once a second, so one lookup and one paste a frame instead of two."""
    left = PHASE_TITLES[phase] + ("" if phase_left is None else f" {SEPARATOR} {clock(phase_left)} left")
    texts = [(left, False)] + ([] if session_left is None else [(f"session {clock(session_left)} left", True)])
    placed = []
    for text, right in texts:
        sp = text_sprite(text, lay.text_scale, WHITE, lay.thick)
        placed.append((text, sp, w - lay.margin - sp.extent[0] if right else lay.margin))
    top = lay.title_y - max(sp.origin[1] for _, sp, _ in placed)  # the sprite's first row on the picture
    image = np.full((max(sp.mask.shape[0] for _, sp, _ in placed), w, 3), SPRITE_BACK, np.uint8)
    mask = np.zeros(image.shape[:2], np.uint8)
    boxes = []
    for text, sp, x in placed:
        (ox, oy), (sh, sw) = sp.origin, sp.mask.shape
        rows, cols = slice(lay.title_y - oy - top, lay.title_y - oy - top + sh), slice(x - ox, x - ox + sw)
        image[rows, cols], mask[rows, cols] = sp.image, sp.mask
        tw, th, base = sp.extent
        boxes.append(TextBox(text, WHITE, (x, lay.title_y - th, x + tw, lay.title_y + base)))
    return Sprite(image, mask, (0, -top)), tuple(boxes)


@lru_cache(maxsize=8)
def _bar_slots(lay: _Layout) -> tuple:
    """Per column: its box, and each bar's key, left end, top, full length and bottom."""
    bx0, bx1 = lay.bar_x
    return tuple(
        (
            side,
            x0,
            (max(0, lay.box_top), lay.box_bottom, max(0, x0 - lay.pad), x0 + lay.col_w + lay.pad),
            tuple(
                ((region, side), x0 + bx0, y, bx1 - bx0, y + lay.bar_h)
                for region, y in zip(
                    TENSION_REGIONS, range(lay.bars_top, lay.bars_top + lay.gap * len(TENSION_REGIONS), lay.gap)
                )
            ),
        )
        for side, x0 in lay.columns
    )


def _bars(canvas, view: View, lay: _Layout, out: list[TextBox] | None = None):
    tension = view.tension
    for side, x0, (y0, y1, xa, xb), bars in _bar_slots(lay):
        darken(canvas[y0:y1, xa:xb])
        sprite, boxes = _column_sprite(side, lay)
        paste(canvas, sprite, x0, lay.bars_top)
        if out is not None:
            out.extend(boxes)
        for key, x, y, length, bottom in bars:
            v = tension.get(key)
            if v is not None:
                v = 0.0 if v < 0.0 else 1.0 if v > 1.0 else v
                cv2.rectangle(canvas, (x, y), (x + int(length * v), bottom), tension_colour(v), -1)


@lru_cache(maxsize=8)
def _ring_sprite(lay: _Layout) -> Sprite:
    """The pacer's outer ring (a thick anti-aliased circle costs more than all the text)."""
    r = lay.pacer_r[1]
    c = r + 4

    def draw(img, as_mask):
        cv2.circle(img, (c, c), r, WHITE if as_mask else RING, max(1, int(2 * lay.u)), cv2.LINE_AA)

    return Sprite(*render(2 * c + 1, 2 * c + 1, draw), (c, c))


def _pacer(canvas, view: View, lay: _Layout, out: list[TextBox] | None = None):
    (cx, cy), (r_min, r_max) = lay.pacer_centre, lay.pacer_r
    paste(canvas, _ring_sprite(lay), cx, cy)
    cv2.circle(canvas, (cx, cy), int(r_min + (r_max - r_min) * view.pacer), PACER, -1, cv2.LINE_AA)
    draw_text(
        canvas,
        view.pacer_label,
        (cx, lay.pacer_label_y),
        lay.text_scale,
        out,
        thick=lay.thick,
        align="centre",
        plate=True,
        pad=lay.pad,
    )


@lru_cache(maxsize=16)
def _block_sprite(
    lines: tuple[str, ...], scale: float, x: int, y_last: int, lay: _Layout, centred: bool
) -> tuple[Sprite, tuple[int, int], tuple[slice, slice], tuple[TextBox, ...]]:
    """Lines of small text as one sprite, placed with the last line's baseline at y_last and
    its left end (or its middle) at x: the sprite and where to paste it, its plate (the
    sprite's own rectangle) and the texts' boxes on the picture."""
    extents = [extent(text, scale, lay.thick) for text in lines]
    width = max(tw for tw, _, _ in extents)
    p = lay.pad
    top, bottom = extents[0][1] + p, (len(lines) - 1) * lay.line + extents[-1][2] + p
    xs = [(width - tw) // 2 if centred else 0 for tw, _, _ in extents]

    def draw(img, as_mask):
        for i, (text, dx) in enumerate(zip(lines, xs)):
            put(img, text, (p + dx, top + i * lay.line), FONT, scale, WHITE, lay.thick)

    image, mask = render(width + 2 * p, top + bottom, draw)
    x0, y0 = x - (width // 2 if centred else 0), y_last - (len(lines) - 1) * lay.line  # the first line's start
    plate = (slice(max(0, y0 - top), y0 + bottom), slice(max(0, x0 - p), x0 + width + p))
    boxes = tuple(
        TextBox(text, WHITE, (x0 + dx, y0 + i * lay.line - th, x0 + dx + tw, y0 + i * lay.line + base))
        for i, (text, dx, (tw, th, base)) in enumerate(zip(lines, xs, extents))
    )
    return Sprite(image, mask, (p, top)), (x0, y0), plate, boxes


def _block(
    canvas, lines: tuple[str, ...], scale, x, y_last, lay: _Layout, out: list[TextBox] | None, centred=False
) -> None:
    """Lines of small text on one plate (see _block_sprite)."""
    sprite, at, plate, boxes = _block_sprite(lines, scale, x, y_last, lay, centred)
    darken(canvas[plate])
    paste(canvas, sprite, *at)
    if out is not None:
        out.extend(boxes)


def _hints(canvas, view: View, lay: _Layout, out: list[TextBox] | None = None):
    """The keys, always in the bottom-left corner (and whether the baseline is the built-in one)."""
    # Not while the first session learns the relaxed face: there is no baseline yet.
    built_in = view.baseline == "default" and view.phase not in (Phase.CHECK, Phase.CALIBRATE)
    lines = ((BUILT_IN_NOTE,) if built_in else ()) + KEY_HINTS
    _block(canvas, lines, lay.small_scale, lay.margin, lay.hints_y, lay, out)


def _intro(canvas, view: View, lay: _Layout, out: list[TextBox] | None = None):
    """The first session's introduction, above the message band, between the key hints and the pacer."""
    if not view.intro:
        return
    scale = min(fitted_scale(line, lay.small_scale, lay.thick, lay.intro_room) for line in view.intro)
    _block(canvas, view.intro, scale, canvas.shape[1] // 2, lay.intro_y, lay, out, centred=True)


def _message(canvas, view: View, lay: _Layout, out: list[TextBox] | None = None):
    if not view.message:
        return
    H, W = canvas.shape[:2]
    scale = fitted_scale(view.message, lay.message_scale, lay.message_thick, W - int(30 * lay.u), MESSAGE_FONT)
    darken(canvas[H - lay.message_band :])
    draw_text(
        canvas,
        view.message,
        (W // 2, H - int(19 * lay.u)),
        scale,
        out,
        MESSAGE_COLOURS.get(view.message_kind, WHITE),
        lay.message_thick,
        MESSAGE_FONT,
        align="centre",
    )
