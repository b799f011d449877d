"""Drawing the movement check onto a frame. Draws only: it never shows a window.

The picture is mirrored, as in the practice (overlay.py): the person's own left is on the
screen's left. On it: where the check is in the set and a bar for the step under way (the
top band), the cue on the face itself for the movement being asked, the instruction, large,
at the bottom, and the key. At the end, the figures on the last frame, dimmed.

The cue on the face is drawn on both sides alike: every movement is asked of both sides,
and a cue on one side would suggest moving that side alone (or harder).

All text is white on a plate (sprites.darken): WCAG contrast ≥ 4.5:1 over any room, as
in the practice. Where each text went is kept in CheckOverlay.texts, and what was drawn on
the face in CheckOverlay.marks, for the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import cv2
import numpy as np

from . import face_model as fm
from .check_plan import BY_KEY, Step, step_at
from .check_types import ESTIMATE, REST_AGAIN, CheckResult, MovementResult
from .overlay import CALM, REFERENCE_WIDTH, RING, SUMMARY_ALPHA, MirroredCanvas
from .sprites import ASCII, MESSAGE_FONT, SEPARATOR, WHITE, darken, draw_text, fitted_scale, wrap
from .wording import clock

# BGR: a clear cyan, found neither in skin nor in the practice's colours (tension, pacer,
# massage zone), so the cue reads as "this is what to move" and the tests can find it.
CUE = (235, 225, 70)
CUE_HALO = (30, 30, 30)  # a thin dark rim keeps the cue visible on pale skin and white walls
HOLD_BAR = CUE  # the hold fills the bar in the cue's colour ...
REST_BAR = CALM  # ... rest and release in the practice's calm green
# The instruction's band is darker than the practice's plates (PLATE_ALPHA): over a white
# wall it is 255·0.15 + 16·0.85 = 52 (white text 12:1), and a chin or collar under the
# words no longer shows through (OCR lost a word over one in a fifth of frames at 0.72).
CUE_PLATE_ALPHA = 0.85
KEY_HINTS = ("q stop",)
DONE_TITLE = "The set is done"
DONE_CUE = "That's the whole set: rest now"
NO_FACE = "I can't see your face: please face the screen"
END_TITLE = "Your movement check"
END_FOOTER = "Press any key to close"
END_ESTIMATE = ESTIMATE
END_EXPLAINED = (
    "How far each side moved from rest, the weaker side as a share of the stronger, "
    "and synkinesis (unwanted movement elsewhere) graded 0-3."
)
END_HEADER = ("movement", "left mm", "right mm", "weaker side", "synkinesis L/R")
END_PITCH = 21  # between rows, on a 640-wide picture
# The table's columns: where each starts, in pixels of a 640-wide picture.
END_COLUMNS = (40, 170, 250, 340, 450)
NOT_MEASURED = "-"

# The cue's size is taken from the face itself, from the distance between the outer eye
# corners (about 9 cm on an adult): the same cue on a near face and a far one.
ARROW_LENGTH = 0.24  # of the eye-corner span
ARROW_GAP = 0.07  # from the landmark to the arrow's nearer end: the feature itself stays visible
ARROW_TIP = 0.4  # the head, as a share of the arrow (cv2.arrowedLine's tipLength)
SNARL_ASIDE = 0.1  # the snarl's arrows stand this far outside the nose wings
PUCKER_REACH = 0.3  # the pucker's arrows start this far outside the mouth corners ...
PUCKER_GAP = 0.06  # ... and end this short of them
EYE_OUTLINE_SCALE = 1.35  # the eye's outline drawn around it, not over the lids
CUE_THICK = 3  # pixels on a 640-wide picture
# Landmarks (the subject's RIGHT side; the left are their mirrors, face_model.mirrored).
BROW_MIDDLE = fm.RIGHT_BROW_UPPER[len(fm.RIGHT_BROW_UPPER) // 2]  # the brow's upper edge at its middle
EYE_RING = (
    fm.RIGHT_OUTER_CANTHUS,
    *fm.RIGHT_UPPER_LID,
    fm.RIGHT_INNER_CANTHUS,
    *reversed(fm.RIGHT_LOWER_LID),
)  # the eye's opening, all the way round
FOREHEAD_TOP = fm.FOREHEAD[0]  # the midline's top: with the chin, which way is up on the face


class Mark(NamedTuple):
    """One cue drawn on the face, in the mirrored picture's pixels."""

    kind: str  # "arrow" (points: tail, head) | "outline" (points: a closed ring)
    side: str  # the subject's "left" | "right"
    landmark: int  # the landmark it is drawn at
    points: tuple[tuple[int, int], ...]


@dataclass(frozen=True, eq=False)
class _Layout:
    """Where everything goes on a picture of one size (cached per size, compared by identity)."""

    u: float  # the size unit: 1 on a 640-wide picture
    margin: int
    pad: int
    thick: int
    band: int  # the top band's height
    title_y: int
    title_scale: float
    bar: tuple[int, int, int, int]  # x0, y0, x1, y1
    cue_scale: float
    cue_thick: int
    cue_pitch: int
    cue_last_y: int  # the instruction's last baseline
    cue_room: int
    small_scale: float
    line: int
    cue_mark_thick: int


@lru_cache(maxsize=8)
def _layout(w: int, h: int) -> _Layout:
    u = w / REFERENCE_WIDTH
    s = lambda v: int(round(v * u))  # noqa: E731
    return _Layout(
        u=u,
        margin=s(10),
        pad=max(3, s(5)),
        thick=max(1, s(1)),
        band=s(46),
        title_y=s(22),
        title_scale=0.55 * u,
        bar=(s(10), s(32), w - s(10), s(38)),
        cue_scale=0.9 * u,
        cue_thick=max(2, s(2)),
        cue_pitch=s(32),
        cue_last_y=h - s(14),
        cue_room=w - 2 * s(14),
        small_scale=0.45 * u,
        line=s(17),
        cue_mark_thick=max(2, s(CUE_THICK)),
    )


@lru_cache(maxsize=8)
def _set_of(steps: tuple[Step, ...]) -> tuple[tuple[str, ...], dict[str, int]]:
    """The set's movements in order, and how many times each is asked."""
    order = tuple(dict.fromkeys(s.movement for s in steps if s.kind == "hold"))
    reps = {key: max(s.rep for s in steps if s.movement == key) for key in order}
    return order, reps


def _sides(index: int) -> tuple[tuple[str, int], ...]:
    return (("left", fm.mirrored(index)), ("right", index))


def cue_marks(landmarks: np.ndarray, movement: str, w: float, k: float = 1.0) -> tuple[Mark, ...]:
    """The cue for a movement on the mirrored face: landmarks in the frame's pixels, the
    picture mirrored about w (the frame's width, or MirroredCanvas.mirror_width) and
    enlarged by k. Pure: the drawing is draw_marks."""
    if movement not in BY_KEY:
        raise ValueError(f"unknown movement {movement!r}")
    p = np.stack([(w - landmarks[:, 0]) * k, landmarks[:, 1] * k], axis=1)
    across = p[fm.mirrored(fm.RIGHT_OUTER_CANTHUS)] - p[fm.RIGHT_OUTER_CANTHUS]  # toward the subject's left
    span = float(np.linalg.norm(across))
    if not span > 0:
        return ()
    across /= span
    up = np.array([across[1], -across[0]])
    if up @ (p[FOREHEAD_TOP] - p[fm.CHIN]) < 0:
        up = -up
    outward = {"left": across, "right": -across}

    def arrow(side: str, index: int, direction: np.ndarray, start: np.ndarray | None = None) -> Mark:
        d = direction / np.linalg.norm(direction)
        tail = p[index] + d * ARROW_GAP * span if start is None else start
        head = tail + d * ARROW_LENGTH * span
        return Mark("arrow", side, index, (_pt(tail), _pt(head)))

    marks: list[Mark] = []
    if movement == "brow_raise":
        marks = [arrow(side, i, up) for side, i in _sides(BROW_MIDDLE)]
    elif movement == "eye_close":
        for side, _ in _sides(BROW_MIDDLE):
            ring = EYE_RING if side == "right" else fm.mirrored(EYE_RING)
            pts = p[list(ring)]
            centre = pts.mean(axis=0)
            pts = centre + (pts - centre) * EYE_OUTLINE_SCALE
            marks.append(Mark("outline", side, ring[0], tuple(_pt(q) for q in pts)))
    elif movement in ("smile_closed", "smile_open"):
        marks = [arrow(side, i, outward[side] + up) for side, i in _sides(fm.RIGHT_MOUTH_CORNER)]
    elif movement == "snarl":
        marks = [
            arrow(side, i, up, p[i] + outward[side] * SNARL_ASIDE * span) for side, i in _sides(fm.RIGHT_ALAR_BASE)
        ]
    elif movement == "pucker":
        for side, i in _sides(fm.RIGHT_MOUTH_CORNER):
            tail, head = p[i] + outward[side] * PUCKER_REACH * span, p[i] + outward[side] * PUCKER_GAP * span
            marks.append(Mark("arrow", side, i, (_pt(tail), _pt(head))))
    return tuple(marks)


def _pt(q: np.ndarray) -> tuple[int, int]:
    return int(round(float(q[0]))), int(round(float(q[1])))


def draw_marks(canvas: np.ndarray, marks: Sequence[Mark], thick: int) -> None:
    """Soft, round-ended arrows and outlines in CUE, each on a thin dark rim."""
    for colour, width in ((CUE_HALO, thick + 2), (CUE, thick)):
        for m in marks:
            if m.kind == "arrow":
                cv2.arrowedLine(canvas, m.points[0], m.points[1], colour, width, cv2.LINE_AA, tipLength=ARROW_TIP)
            else:
                cv2.polylines(canvas, [np.array(m.points, np.int32)], True, colour, width, cv2.LINE_AA)


@lru_cache(maxsize=64)
def cue_lines(text: str, scale: float, thick: int, width: int) -> tuple[str, ...]:
    """The instruction on one line, or two broken after a comma (the cue, then "about half
    strength"), or by words when no comma serves. Cached: the same few texts every frame."""
    fits = lambda t: cv2.getTextSize(t, MESSAGE_FONT, scale, thick)[0][0] <= width  # noqa: E731
    if fits(text):
        return (text,)
    commas = [i for i, c in enumerate(text) if c == ","]
    for i in reversed(commas):
        first, second = text[: i + 1], text[i + 1 :].strip()
        if fits(first) and fits(second):
            return first, second
    words = text.split()
    for n in range(len(words) - 1, 0, -1):
        first, second = " ".join(words[:n]), " ".join(words[n:])
        if fits(first):
            return first, second
    return (text,)


def _title(step: Step | None, steps: tuple[Step, ...], t_s: float) -> tuple[str, str]:
    """The top band's left and right texts: the step and where it is in the set."""
    order, reps = _set_of(steps)
    if step is None:
        return DONE_TITLE, ""
    if step.kind == "rest":
        return f"Rest {SEPARATOR} {clock(int(-(-(step.end_s - t_s) // 1)))} left", f"then {len(order)} movements"
    name = BY_KEY[step.movement].name
    return (
        f"{name} {SEPARATOR} {step.rep} of {reps[step.movement]}",
        f"movement {order.index(step.movement) + 1} of {len(order)}",
    )


class CheckOverlay(MirroredCanvas):
    """Draws the check (see overlay.MirroredCanvas)."""

    def __init__(self):
        super().__init__()
        self.marks: tuple[Mark, ...] = ()  # what the last draw drew on the face

    def _mirrored(self, frame_bgr: np.ndarray) -> tuple[np.ndarray, float]:
        self.marks = ()
        return super()._mirrored(frame_bgr)

    def draw(
        self, frame_bgr: np.ndarray, steps: tuple[Step, ...], t_s: float, landmarks: np.ndarray | None = None
    ) -> np.ndarray:
        """The mirrored frame with the step at t_s: its cue on the face (while a movement is
        held), where it is in the set, the step's bar, the instruction and the key."""
        canvas, k = self._mirrored(frame_bgr)
        H, W = canvas.shape[:2]
        lay = _layout(W, H)
        out = self.texts
        step = step_at(steps, t_s)
        if step is not None and step.kind == "hold" and landmarks is not None:
            self.marks = cue_marks(landmarks, step.movement, self.mirror_width, k)
            draw_marks(canvas, self.marks, lay.cue_mark_thick)
        # The top band: the step, where it is in the set, and its bar.
        darken(canvas[: lay.band])
        left, right = _title(step, steps, t_s)
        draw_text(canvas, left, (lay.margin, lay.title_y), lay.title_scale, out, thick=lay.thick)
        if right:
            draw_text(
                canvas, right, (W - lay.margin, lay.title_y), lay.title_scale, out, thick=lay.thick, align="right"
            )
        x0, y0, x1, y1 = lay.bar
        cv2.rectangle(canvas, (x0, y0), (x1, y1), RING, -1)
        if step is not None:
            done = min(1.0, max(0.0, (t_s - step.start_s) / (step.end_s - step.start_s)))
            colour = HOLD_BAR if step.kind == "hold" else REST_BAR
            cv2.rectangle(canvas, (x0, y0), (x0 + int(round((x1 - x0) * done)), y1), colour, -1)
        if landmarks is None:
            draw_text(
                canvas,
                NO_FACE,
                (W // 2, lay.band + lay.line + lay.pad),
                lay.small_scale,
                out,
                thick=lay.thick,
                align="centre",
                plate=True,
                pad=lay.pad,
            )
        # The instruction, large, at the bottom; the key just above it.
        text = DONE_CUE if step is None else step.text
        lines = cue_lines(text, lay.cue_scale, lay.cue_thick, lay.cue_room)
        scale = min(fitted_scale(line, lay.cue_scale, lay.cue_thick, lay.cue_room, MESSAGE_FONT) for line in lines)
        top = lay.cue_last_y - (len(lines) - 1) * lay.cue_pitch - lay.cue_pitch + lay.pad
        darken(canvas[top:], CUE_PLATE_ALPHA)
        for i, line in enumerate(lines):
            y = lay.cue_last_y - (len(lines) - 1 - i) * lay.cue_pitch
            draw_text(canvas, line, (W // 2, y), scale, out, WHITE, lay.cue_thick, MESSAGE_FONT, align="centre")
        y = top - lay.pad - lay.margin // 2
        for hint in reversed(KEY_HINTS):
            draw_text(
                canvas, hint, (lay.margin + lay.pad, y), lay.small_scale, out, thick=lay.thick, plate=True, pad=lay.pad
            )
            y -= lay.line + lay.pad
        return canvas

    def end_screen(
        self, frame_bgr: np.ndarray, result: CheckResult, stop_reason: str = "completed", elapsed_s: float = 0.0
    ) -> np.ndarray:
        """The check's figures on the last frame, dimmed: per movement found, each side's
        movement, the weaker side's share and the synkinesis grades; what was not found; the
        scores; that they are estimates. Drawn once, so nothing is cached."""
        canvas, _ = self._mirrored(frame_bgr)
        H, W = canvas.shape[:2]
        lay = _layout(W, H)
        darken(canvas, SUMMARY_ALPHA)
        s = lambda v: int(round(v * lay.u))  # noqa: E731
        scale, small, left = 0.5 * lay.u, lay.small_scale, s(END_COLUMNS[0])
        title = END_TITLE if stop_reason != "user" else f"{END_TITLE}: stopped after {clock(int(elapsed_s))}"
        # (cells, scale, air below): one cell is a sentence, wrapped to the width; more are the table's
        rows: list[tuple[tuple[str, ...], float, int]] = [((title,), 0.7 * lay.u, s(12))]
        for sentence in end_lines(result):
            rows += [((part,), scale, 0) for part in wrap(sentence, scale, lay.thick, W - 2 * left)]
        if result.movements:
            rows[-1] = (*rows[-1][:2], s(6))
            rows.append((END_HEADER, small, s(2)))
            rows += [(movement_row(m), small, 0) for m in result.movements]
            rows[-1] = (*rows[-1][:2], s(6))
        for sentence in end_notes(result):
            rows += [((part,), scale, 0) for part in wrap(sentence, scale, lay.thick, W - 2 * left)]
        rows[-1] = (*rows[-1][:2], s(8))
        rows.append(((END_FOOTER,), small, 0))
        # Rows are END_PITCH apart (less when the picture is short: never letters on letters).
        room = H - 2 * lay.margin - sum(air for *_, air in rows)
        pitch = min(s(END_PITCH), room // len(rows))
        y = lay.margin + max(pitch, (H - pitch * len(rows) - sum(air for *_, air in rows)) // 2)
        for cells, sc, air in rows:
            if len(cells) == 1:
                draw_text(canvas, cells[0], (left, y), sc, self.texts, WHITE, lay.thick)
            else:
                for cell, x in zip(cells, END_COLUMNS):
                    draw_text(canvas, cell, (s(x), y), sc, self.texts, WHITE, lay.thick)
            y += pitch + air
        return canvas


def _mm(v: float | None) -> str:
    return NOT_MEASURED if v is None else f"{v:.1f}"


def movement_row(m: MovementResult) -> tuple[str, ...]:
    """One movement's cells in the end screen's table."""
    share = NOT_MEASURED if m.ratio is None else f"{100 * m.ratio:.0f} %"
    grade = m.synkinesis.grade
    return (
        BY_KEY[m.movement].name,
        _mm(m.excursion_mm.left),
        _mm(m.excursion_mm.right),
        share,
        f"{grade[0]} / {grade[1]}",
    )


def end_lines(result: CheckResult) -> tuple[str, ...]:
    """The sentence above the table: what it holds (or that nothing was found)."""
    if result.rest_problem is not None:
        return (f"Nothing was measured: {result.rest_problem}.".translate(ASCII), REST_AGAIN)
    if not result.movements:
        return ("No movement of the set was found in what was seen.",)
    return (END_EXPLAINED,)


def end_notes(result: CheckResult) -> tuple[str, ...]:
    """Below the table: what was not found, the scores, and what they are."""
    lines = []
    if result.missing and result.movements:
        lines.append("Not found (not scored): " + ", ".join(BY_KEY[k].name for k in result.missing))
    sc = result.scores
    if result.movements:
        lines.append(
            f"Sunnybrook-like: voluntary movement {_score(sc.voluntary)}/100, resting {_score(sc.resting)}/20, "
            f"synkinesis {_score(sc.synkinesis)}/15, composite {_score(sc.composite)}"
        )
        lines.append(END_ESTIMATE)
    return tuple(line.translate(ASCII) for line in lines)


def _score(v: int | None) -> str:
    return NOT_MEASURED if v is None else str(v)
