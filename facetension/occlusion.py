"""Hands (or anything) over the face: which parts of it are covered in this frame.

MediaPipe keeps returning a plausible mesh under a hand, so the landmarks alone cannot
tell; the pixels can. Each frame's face is unwrapped onto the canonical face: a small
"atlas" of cells (cell_cm apart), each sampled through the mesh triangle it lies in, so a
cell stays on the same bit of skin through a smile, a head turn or a change of size. Each
part of the atlas is compared with this person's own reference, learnt from the stream
itself while the part is clear.

The comparison is per cell, in log colour. The frame's change of light (exposure, white
balance: one shift per channel) is taken out first, as the shift most parts share. A cell
then counts as changed by its luminance or by its chroma (skin's hue barely moves with
expression or light; another skin, a sleeve or a cloth shifts it). A part is covered when
its MEDIAN cell changed beyond the part's own usual level: a hand changes most of a part,
while a smile changes thin lines (folds, the lips' edges) and brightens a rising cheek a
little. Hysteresis and a short hold keep a part from flickering. A part seen at a slant
(a turned head) or outside the frame is not judged. A part that stays "covered" but looks
steady for long is re-learnt, so that a stream which starts with a hand on the face does
not keep that hand as its reference forever (a massaging hand moves; a still face does not).

Pure numpy and OpenCV. Left and right are the subject's own sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from . import face_model as fm

COVER_PARTS: tuple[str, ...] = (
    "forehead",
    "left_eye",
    "right_eye",
    "nose",
    "left_cheek",
    "right_cheek",
    "mouth",
    "chin",
)

# Where each part lies on the canonical face, seen from the front: centimetres, the
# subject's left at +x, y up (brows near y = 5, pupils 2.7, nose tip -1.1, lips -4.3,
# menton -9.4). Right-side parts are given; the left ones are their mirrors.
_BOXES_CM = {  # (x0, x1, y0, y1)
    "forehead": (-4.5, 4.5, 5.7, 8.0),  # above the brows, below the hairline
    "right_eye": (-6.0, -1.0, 1.0, 4.9),  # lids, the brow's lower half, cheekbone top; the eye itself cut out
    "nose": (-1.2, 1.2, -1.8, 2.8),  # bridge to tip
    "right_cheek": (-5.8, -2.6, -3.8, 0.6),  # kept off the silhouette (hair, background when turned)
    "mouth": (-2.8, 2.8, -5.8, -2.4),  # lips and the skin around them; the opening cut out
    "chin": (-2.6, 2.6, -8.8, -6.1),
}
# Cheeks and the mouth move most with expressions (a smile lifts a cheek into the light).
EXPRESSIVE_PARTS = ("left_cheek", "right_cheek", "mouth")
# The eye opening (lid margins of the right eye; the left is its mirror) and the inner lips
# change with every blink, glance and word: they are cut out, with a margin for lashes and teeth.
RIGHT_EYE_OPENING = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
INNER_LIPS = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
EYE_OPENING_MARGIN_CM = 0.5
LIPS_OPENING_MARGIN_CM = 0.25
FACE_TOP = 10  # with fm.CHIN: the face's height, which sets the atlas's scale in pixels


@dataclass(frozen=True)
class CoverSettings:
    """Every tolerance of the cover detector. Frame counts assume a webcam's ~30 fps."""

    # Atlas cells this far apart on the canonical face (a face is ~35 cells high): a hand
    # covers many, and coarse cells average sensor noise and mesh jitter away.
    cell_cm: float = 0.5
    # The face is shrunk (area-averaged) until a cell spans about this many pixels, so a
    # big face is sampled without aliasing and costs no more than a small one.
    px_per_cell: float = 1.5
    # The first reference: the mean of this many frames (a third of a second).
    warmup_frames: int = 10
    # A cell's change counts in units of these (log colour: 0.1 ≈ 10 %). Luminance moves
    # with small turns and expressions; cheeks and mouth get more, as a smile brightens a
    # rising cheek by up to ~9 % (single_face.mp4). Chroma hardly moves on one's own skin.
    lum_tol: float = 0.08
    expressive_lum_tol: float = 0.12
    chroma_tol: float = 0.05
    # A part is covered when its median cell's change exceeds its usual level by on_score,
    # and clear again below off_score (hysteresis), then held for hold_frames more (0.1 s).
    # Clean faces stay below ~0.7 (a smile, noise, drift, compression); a hand of another
    # person's skin reaches 1.5–10, one of the person's own skin tone about 1–2.
    on_score: float = 1.0
    off_score: float = 0.7
    hold_frames: int = 3
    # The reference follows slow changes (light, a held expression) at this rate per frame
    # (~2 s), from frames with no part covered and only in parts scoring below learn_below,
    # so a hand on its way in is not learnt.
    reference_rate: float = 1 / 60
    learn_below: float = 0.5
    # A part's usual median change (noise, mesh jitter, compression), learnt at this rate
    # while clear and subtracted from its score; capped, so a noisy start cannot raise the
    # bar to what a hand does.
    level_rate: float = 1 / 30
    level_max: float = 0.6
    # Re-learning: a part covered for relearn_frames (5 s) while its look stays within
    # steady_score (plus a quarter of its usual level: sensor noise) of its own recent mean
    # (steady_rate: ~0.25 s) is the face after all: a stream that began with a hand on it,
    # glasses put on. A still face moves ~0.1 by this measure; a hand massaging gently,
    # even one of the person's own skin tone, 0.15–0.5, and is not re-learnt. A hand held
    # quite still that long would be.
    relearn_frames: int = 150
    steady_score: float = 0.25
    steady_rate: float = 1 / 8
    # Each part may also brighten or darken as a whole by up to this much beyond the frame's
    # light (log colour: 0.1 ≈ 10 %): a head that pitches up turns its chin to the light. In
    # WolfgangLanger_Pexels.mp4's laughter (15° further up than where the chin was learnt)
    # the chin brightened by 9–12 % with its cells' changes spread over only 0.13–0.27, and
    # read covered in 170 of 240 frames; a hand, even of the person's own skin, changes a part
    # unevenly (spread 0.4–1.5) and is still found.
    part_light: float = 0.1
    # The light's change: the shift shared by the most parts, within this share of the
    # tolerances; preferably one within light_step of the last frame's (exposure and white
    # balance drift by a few per cent a frame at most).
    light_agree: float = 0.5
    light_step: float = 0.05
    # A part with more than this share of its cells outside the frame is not judged, nor one
    # seen at less than min_visible of its frontal area: turned away (frontal faces ≥ 0.85;
    # the far cheek of a face turned 34° away 0.2).
    max_outside: float = 0.1
    min_visible: float = 0.5


@dataclass(frozen=True)
class _Layout:
    """The atlas cells of all parts, sorted by part: cells of part p are starts[p]:starts[p + 1]."""

    vertices: np.ndarray  # (cells, 3) the mesh vertices at the corners of each cell's triangle
    weights: np.ndarray  # (cells, 3) float32 barycentric weights of the cell in that triangle
    starts: np.ndarray  # (parts + 1,)
    cell_per_face: float  # a cell's size as a share of the face's height (forehead top to menton)
    frontal_area: np.ndarray  # (parts,) each part's spread (√det of its cells' covariance), in face heights²


def _part_boxes() -> dict[str, tuple[float, float, float, float]]:
    boxes = {}
    for name in COVER_PARTS:
        x0, x1, y0, y1 = _BOXES_CM[name.replace("left_", "right_")]
        boxes[name] = (-x1, -x0, y0, y1) if name.startswith("left_") else (x0, x1, y0, y1)
    return boxes


def _delaunay(points: np.ndarray) -> np.ndarray:
    """Triangles (k, 3) of vertex indices: the Delaunay triangulation of the canonical face
    seen from the front (points that coincide there share triangles)."""
    lo, hi = np.floor(points.min(axis=0)) - 1, np.ceil(points.max(axis=0)) + 1
    sub = cv2.Subdiv2D((int(lo[0]), int(lo[1]), int(hi[0] - lo[0]), int(hi[1] - lo[1])))
    for x, y in points.tolist():
        sub.insert((x, y))
    corners = sub.getTriangleList().reshape(-1, 3, 2)
    dist = np.linalg.norm(corners[:, :, None, :] - points[None, None].astype(np.float32), axis=3)
    real = (dist.min(axis=2) < 1e-3).all(axis=1)  # not the triangles of Subdiv2D's outer frame
    return dist.argmin(axis=2)[real]


def _outside(polygon: np.ndarray, points: np.ndarray, margin: float) -> np.ndarray:
    """Which points lie farther than `margin` outside the polygon."""
    contour = polygon.astype(np.float32).reshape(-1, 1, 2)
    return np.array([cv2.pointPolygonTest(contour, (x, y), True) <= -margin for x, y in points.tolist()], dtype=bool)


def _spread(points: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per part, √det of the covariance of its cells' positions (an area), from sums."""
    n = np.diff(starts).astype(np.float64)
    x, y = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    sums = [np.add.reduceat(v, starts[:-1]) / n for v in (x, y, x * x, y * y, x * y)]
    mx, my, xx, yy, xy = sums
    det = (xx - mx * mx) * (yy - my * my) - (xy - mx * my) ** 2
    return np.sqrt(np.maximum(det, 0.0))


@lru_cache(maxsize=4)
def _layout(cell_cm: float) -> _Layout:
    verts = fm.canonical_vertices()[:, :2]
    tris = _delaunay(verts)
    boxes = _part_boxes()
    left, top = min(b[0] for b in boxes.values()), max(b[3] for b in boxes.values())
    holes = {
        "right_eye": (verts[list(RIGHT_EYE_OPENING)], EYE_OPENING_MARGIN_CM),
        "left_eye": (verts[list(fm.mirrored(RIGHT_EYE_OPENING))], EYE_OPENING_MARGIN_CM),
        "mouth": (verts[list(INNER_LIPS)], LIPS_OPENING_MARGIN_CM),
    }
    a = verts[tris[:, 0]]
    e0, e1 = verts[tris[:, 1]] - a, verts[tris[:, 2]] - a
    det = e0[:, 0] * e1[:, 1] - e0[:, 1] * e1[:, 0]
    vertices, weights, counts = [], [], []
    for name in COVER_PARTS:
        x0, x1, y0, y1 = boxes[name]
        # One grid for the whole face, so that cells line up across parts.
        xs = left + cell_cm * np.arange(np.ceil((x0 - left) / cell_cm), np.floor((x1 - left) / cell_cm) + 1)
        ys = top - cell_cm * np.arange(np.ceil((top - y1) / cell_cm), np.floor((top - y0) / cell_cm) + 1)
        gx, gy = np.meshgrid(xs, ys)
        pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
        if name in holes:
            polygon, margin = holes[name]
            pts = pts[_outside(polygon, pts, margin)]
        # Barycentric coordinates in every triangle; the first that holds the cell is its own.
        d = pts[:, None, :] - a[None]
        w1 = (d[..., 0] * e1[None, :, 1] - d[..., 1] * e1[None, :, 0]) / det
        w2 = (e0[None, :, 0] * d[..., 1] - e0[None, :, 1] * d[..., 0]) / det
        w0 = 1.0 - w1 - w2
        holds = (w0 >= -1e-9) & (w1 >= -1e-9) & (w2 >= -1e-9)
        cell = np.flatnonzero(holds.any(axis=1))
        tri = holds.argmax(axis=1)[cell]
        vertices.append(tris[tri])
        weights.append(np.stack([w0[cell, tri], w1[cell, tri], w2[cell, tri]], axis=1))
        counts.append(len(cell))
    face_cm = float(np.linalg.norm(verts[FACE_TOP] - verts[fm.CHIN]))
    vertices, weights, starts = (
        np.concatenate(vertices),
        np.concatenate(weights).astype(np.float32),
        np.cumsum([0, *counts]),
    )
    frontal = np.einsum("nk,nkd->nd", weights, verts[vertices].astype(np.float32)) / face_cm
    layout = _Layout(vertices, weights, starts, cell_cm / face_cm, _spread(frontal, starts))
    for array in (layout.vertices, layout.weights, layout.starts, layout.frontal_area):
        array.setflags(write=False)
    return layout


def _lum_chroma(diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A colour difference's (..., 3) luminance (the channels' mean) and chroma (the largest
    channel's distance from it), channel by channel: numpy's reductions over a last axis of 3
    cost more than the arithmetic (the same values as mean and max)."""
    b, g, r = diff[..., 0], diff[..., 1], diff[..., 2]
    lum = (b + g + r) / 3
    chroma = np.maximum(np.maximum(np.abs(b - lum), np.abs(g - lum)), np.abs(r - lum))
    return lum, chroma


# log(1 + v) of every 8-bit value: colour ratios become differences.
_LOG = np.log1p(np.arange(256, dtype=np.float32))


class CoverDetector:
    """The covered parts of one stream's face, frame by frame (see the module's docstring).
    One detector per stream; reset() when the face was lost. `scores` holds the last
    frame's score per part (COVER_PARTS' order; covered above settings.on_score)."""

    def __init__(self, settings: CoverSettings = CoverSettings()) -> None:
        self.settings = settings
        self._layout = _layout(settings.cell_cm)
        part_tol = [settings.expressive_lum_tol if n in EXPRESSIVE_PARTS else settings.lum_tol for n in COVER_PARTS]
        self._part_lum_tol = np.array(part_tol)
        starts = self._layout.starts
        counts = np.diff(starts)
        self._cell_lum_tol = np.repeat(self._part_lum_tol, counts).astype(np.float32)
        # For the medians: each part's cells in a row, padded with the index of an extra +inf.
        slots = np.arange(counts.max())
        self._padded = np.where(slots < counts[:, None], starts[:-1, None] + slots, starts[-1])
        self._rows, self._mid_lo, self._mid_hi = np.arange(len(counts)), (counts - 1) // 2, counts // 2
        # Per part: its least spread seen (in face heights²) and most cells outside, to be judged.
        self._min_spread = settings.min_visible * self._layout.frontal_area
        self._max_outside = settings.max_outside * counts
        self._forget()
        self.reset()

    def reset(self) -> None:
        """A new stream, or the face was lost. What was learnt of the person is kept: the same
        face usually comes back, maybe with a hand already on it. A part that comes back
        different for good (another person, another room) is re-learnt once steady (see
        CoverSettings.relearn_frames)."""
        n = len(COVER_PARTS)
        self._warm = [[] for _ in range(n)]  # per part not yet known: its first looks
        self._recent = self._ref.copy()
        self._on = np.zeros(n, dtype=bool)
        self._hold = np.zeros(n, dtype=int)
        self._steady = np.zeros(n, dtype=int)
        self.scores = np.zeros(n)

    def _forget(self) -> None:
        cells, n = self._layout.starts[-1], len(COVER_PARTS)
        self._ref = np.zeros((cells, 3), np.float32)  # log colour, in the reference's light
        self._known = np.zeros(n, dtype=bool)  # parts with a reference
        self._level = np.zeros(n)  # each part's usual median change
        self._gain = np.zeros(3, np.float32)  # the light's change since the reference, per channel

    def __call__(self, landmarks_px: np.ndarray, frame_bgr: np.ndarray) -> tuple[str, ...]:
        s = self.settings
        if landmarks_px.shape != (fm.N_LANDMARKS, 3):
            raise ValueError(f"landmarks_px: expected ({fm.N_LANDMARKS}, 3), got {landmarks_px.shape}")
        if frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3 or frame_bgr.dtype != np.uint8:
            raise ValueError(
                f"frame_bgr: expected a BGR uint8 image (H, W, 3), got {frame_bgr.dtype} {frame_bgr.shape}"
            )
        colour, inside, pts = self._sample(landmarks_px, frame_bgr)
        lay = self._layout
        (top_x, top_y, _), (chin_x, chin_y, _) = landmarks_px[[FACE_TOP, fm.CHIN]].tolist()
        height = math.hypot(top_x - chin_x, top_y - chin_y)
        # A part turned away (seen at less than min_visible of its frontal area) or out of the
        # frame is not judged, nor learnt.
        visible = _spread(pts, lay.starts) >= self._min_spread * height**2
        seen = visible & (np.add.reduceat(~inside, lay.starts[:-1]) <= self._max_outside)
        judged = seen & self._known
        colour = colour - self._light(colour - self._ref, judged)  # now in the reference's light
        self._warm_up(colour, seen & ~self._known)
        medians = self._medians(colour - self._ref)
        score = np.where(judged, medians - self._level, 0.0)
        on = np.where(self._on, score > s.off_score, score > s.on_score) & judged
        self._hold = np.where(on, s.hold_frames, np.maximum(self._hold - 1, 0))
        self._on, self.scores = on, score
        covered = on | (self._hold > 0)
        self._learn(colour, medians, score, covered, judged)
        return tuple(name for name, c in zip(COVER_PARTS, covered) if c)

    # -- sampling ----------------------------------------------------------------------
    def _sample(self, landmarks_px: np.ndarray, frame_bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each cell's log colour (cells, 3), whether it lies inside the frame (cells,) and
        where it is in the frame (cells, 2)."""
        lay = self._layout
        xy = landmarks_px[:, :2].astype(np.float32)
        pts = np.einsum("nk,nkd->nd", lay.weights, xy[lay.vertices])
        rows, cols = frame_bgr.shape[:2]
        px, py = pts[:, 0], pts[:, 1]  # one column at a time: numpy's axis-0 reductions of (n, 2) are slow
        inside = (px >= 0) & (px <= cols - 1) & (py >= 0) & (py <= rows - 1)
        x0, x1 = max(math.floor(px.min()) - 2, 0), min(math.ceil(px.max()) + 3, cols)
        y0, y1 = max(math.floor(py.min()) - 2, 0), min(math.ceil(py.max()) + 3, rows)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return np.zeros((len(pts), 3), np.float32), np.zeros(len(pts), dtype=bool), pts
        roi = frame_bgr[y0:y1, x0:x1]
        cell_px = float(np.hypot(*(xy[FACE_TOP] - xy[fm.CHIN]))) * lay.cell_per_face
        sx = sy = 1.0
        if cell_px > self.settings.px_per_cell:
            scale = self.settings.px_per_cell / cell_px
            size = (max(round((x1 - x0) * scale), 2), max(round((y1 - y0) * scale), 2))
            roi = cv2.resize(roi, size, interpolation=cv2.INTER_AREA)
            sx, sy = size[0] / (x1 - x0), size[1] / (y1 - y0)
        # Pixel centres stay pixel centres through the resize: (x + 0.5) · s − 0.5.
        mx = ((px - x0 + 0.5) * sx - 0.5).reshape(1, -1)
        my = ((py - y0 + 0.5) * sy - 0.5).reshape(1, -1)
        bgr = cv2.remap(roi, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return _LOG[bgr.reshape(-1, 3)], inside, pts

    # -- judging -----------------------------------------------------------------------
    def _change(self, lum: np.ndarray, chroma: np.ndarray, lum_tol) -> np.ndarray:
        """Each cell's change, in tolerances: by luminance or by chroma, whichever is more."""
        return np.maximum(np.abs(lum) / lum_tol, chroma / self.settings.chroma_tol)

    def _own_light(self, part_lum: np.ndarray | float) -> np.ndarray | float:
        """A part's brightening as a whole (its median luminance change), within part_light.
        A shift of all three channels alike moves the luminance only."""
        return np.clip(part_lum, -self.settings.part_light, self.settings.part_light)

    def _medians(self, diff: np.ndarray) -> np.ndarray:
        """Each part's median cell change, less its own brightening as a whole."""
        lum, chroma = _lum_chroma(diff)
        own = self._own_light(self._part_median(lum)).astype(np.float32)
        lum -= np.repeat(own, np.diff(self._layout.starts))
        return self._part_median(self._change(lum, chroma, self._cell_lum_tol))

    def _part_median(self, values: np.ndarray) -> np.ndarray:
        """Each part's median of a per-cell value: one sort of all parts, padded to the longest."""
        ranked = np.sort(np.append(values, np.inf)[self._padded], axis=1)
        return (ranked[self._rows, self._mid_lo] + ranked[self._rows, self._mid_hi]) / 2

    def _medians_of(self, diff: np.ndarray, part: int) -> float:
        """One part's median cell change (diff: its cells'), as _medians takes it."""
        lum, chroma = _lum_chroma(diff)
        lum -= np.float32(self._own_light(np.median(lum)))
        return float(np.median(self._change(lum, chroma, self._part_lum_tol[part])))

    def _light(self, diff: np.ndarray, judged: np.ndarray) -> np.ndarray:
        """The light's change per channel since the reference: the shift the most parts
        share. A hand shifts the parts under it each by its own amount (they differ in
        colour) while clear parts all shift alike. Light changes smoothly, so a shift within
        light_step of the last frame's wins if any part has one (a hand over half the face
        must not pass for the light); a sudden change of all (a lamp switched on) is followed
        at once. With no part agreeing, the last frame's shift stands."""
        s, starts = self.settings, self._layout.starts
        means = np.add.reduceat(diff, starts[:-1], axis=0) / np.diff(starts)[:, None]
        candidates = means[judged]
        if not len(candidates):
            return self._gain
        residual = means[None, :, :] - candidates[:, None, :]  # (candidates, parts, 3)
        lum, chroma = _lum_chroma(residual)
        agree = judged & (np.abs(lum) < s.light_agree * self._part_lum_tol) & (chroma < s.light_agree * s.chroma_tol)
        step = np.abs(candidates - self._gain).max(axis=1)
        count = agree.sum(axis=1) + len(COVER_PARTS) * (step <= s.light_step)  # near ones first
        best = int(np.lexsort((step, -count))[0])
        self._gain = means[agree[best]].mean(axis=0).astype(np.float32)
        return self._gain

    # -- learning ----------------------------------------------------------------------
    def _warm_up(self, colour: np.ndarray, parts: np.ndarray) -> None:
        """A part's first reference: the mean of its first warmup_frames looks; its usual
        level starts as their spread about that mean."""
        s, starts = self.settings, self._layout.starts
        for p in np.flatnonzero(parts):
            cells = slice(starts[p], starts[p + 1])
            self._warm[p].append(colour[cells])
            if len(self._warm[p]) < s.warmup_frames:
                continue
            looks = np.array(self._warm[p])
            self._ref[cells] = self._recent[cells] = looks.mean(axis=0)
            medians = [self._medians_of(look - self._ref[cells], p) for look in looks]
            self._level[p] = min(float(np.median(medians)), s.level_max)
            self._known[p], self._warm[p] = True, []

    def _learn(self, colour, medians, score, covered, judged) -> None:
        """Follow slow changes in clear parts; re-learn a part covered but steady for long."""
        s, starts = self.settings, self._layout.starts
        held = np.flatnonzero(judged & covered)
        if len(held):  # how far each cell moved from its recent mean (before that follows)
            moved = np.abs(colour - self._recent).mean(axis=1) / self._cell_lum_tol
        self._recent += s.steady_rate * (colour - self._recent)
        for p in held:
            cells = slice(starts[p], starts[p + 1])
            steady = np.median(moved[cells]) < s.steady_score + self._level[p] / 4
            self._steady[p] = self._steady[p] + 1 if steady else 0
            if self._steady[p] >= s.relearn_frames:  # steady for long: it is the face after all
                self._ref[cells] = self._recent[cells]
                self._on[p], self._hold[p], self._steady[p] = False, 0, 0
        self._steady[judged & ~covered] = 0
        if covered.any():
            return  # the frame is not clear: nothing is learnt
        learn = judged & (score < s.learn_below)
        if learn.all():  # (all parts: no mask to apply)
            self._ref += s.reference_rate * (colour - self._ref)
        elif learn.any():
            cells = np.repeat(learn, np.diff(starts))
            self._ref[cells] += s.reference_rate * (colour[cells] - self._ref[cells])
        self._level[learn] += s.level_rate * (np.minimum(medians[learn], s.level_max) - self._level[learn])
