"""Drawing the practice view onto a frame. Draws only: it never shows a window.

The picture is mirrored, as a mirror shows it, so the user's own left is on the screen's
left: the "Your left" bars are drawn on the left, the "Your right" bars on the right.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .session import PHASE_TITLES, View
from .tension import TENSION_REGIONS

DISPLAY_WIDTH = 960  # small camera frames are enlarged so that text stays legible
FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE = (255, 255, 255)
DARK = (30, 30, 30)
CALM = (120, 200, 90)  # BGR: green ...
MID = (40, 190, 240)  # ... amber ...
TENSE = (60, 60, 230)  # ... red, by tension
PACER = (230, 200, 120)
MESH = (200, 230, 200)
REGION_LABELS = {"brow": "brow", "eye": "eye", "cheek": "cheek", "mouth": "mouth", "chin": "chin", "jaw": "jaw"}
MESSAGE_COLOURS = {"prompt": WHITE, "praise": (140, 240, 140), "check": (120, 220, 255),
                   "warning": (120, 220, 255), "paused": WHITE}


def _darken(region: np.ndarray, alpha: float) -> None:
    """Blend a region toward DARK in place (cv2 does it in uint8, ten times faster than numpy)."""
    if region.size:
        cv2.addWeighted(region, 1 - alpha, np.full_like(region, DARK), alpha, 0.0, dst=region)


def tension_colour(v: float) -> tuple[int, int, int]:
    """Green at 0, amber at 0.5, red at 1."""
    v = float(np.clip(v, 0.0, 1.0))
    a, b, f = (CALM, MID, v * 2) if v < 0.5 else (MID, TENSE, v * 2 - 1)
    return tuple(int(round(x + (y - x) * f)) for x, y in zip(a, b))


@dataclass(frozen=True)
class Overlay:
    show_mesh: bool = False
    width: int = DISPLAY_WIDTH

    def draw(self, frame_bgr: np.ndarray, view: View, landmarks: np.ndarray | None = None) -> np.ndarray:
        """The mirrored, enlarged frame with bars, prompt, pacer and progress drawn on it."""
        h, w = frame_bgr.shape[:2]
        k = self.width / w
        canvas = cv2.flip(cv2.resize(frame_bgr, (self.width, int(round(h * k))), interpolation=cv2.INTER_LINEAR), 1)
        if self.show_mesh and landmarks is not None:
            self._mesh(canvas, landmarks, w, k)
        u = self.width / DISPLAY_WIDTH  # unit of size
        self._progress(canvas, view, u)
        self._bars(canvas, view, u)
        self._pacer(canvas, view, u)
        self._message(canvas, view, u)
        return canvas

    @staticmethod
    def _mesh(canvas, landmarks, w, k):
        pts = np.stack([(w - landmarks[:, 0]) * k, landmarks[:, 1] * k], axis=1).astype(int)
        for x, y in pts[::2]:  # every other point: light enough to see the face through
            cv2.circle(canvas, (int(x), int(y)), 1, MESH, -1, cv2.LINE_AA)

    @staticmethod
    def _band(canvas, y0, y1, alpha=0.55):
        y0, y1 = max(0, y0), min(canvas.shape[0], y1)
        _darken(canvas[y0:y1], alpha)

    def _progress(self, canvas, view: View, u):
        W = canvas.shape[1]
        self._band(canvas, 0, int(44 * u))
        title = PHASE_TITLES[view.phase]
        if view.baseline == "default" and view.phase.value not in ("check", "calibrate"):
            title += "  (built-in baseline)"
        cv2.putText(canvas, title, (int(12 * u), int(28 * u)), FONT, 0.7 * u, WHITE, max(1, int(2 * u)), cv2.LINE_AA)
        x0, x1, y = int(W * 0.55), W - int(12 * u), int(22 * u)
        cv2.rectangle(canvas, (x0, y - int(6 * u)), (x1, y + int(6 * u)), (90, 90, 90), -1)
        cv2.rectangle(canvas, (x0, y - int(6 * u)), (x0 + int((x1 - x0) * view.session_progress), y + int(6 * u)),
                      PACER, -1)

    def _bars(self, canvas, view: View, u):
        W = canvas.shape[1]
        col_w, bar_h, gap, top = int(150 * u), int(14 * u), int(30 * u), int(70 * u)
        for side, x0 in (("left", int(10 * u)), ("right", W - col_w - int(10 * u))):
            bottom = top + gap * len(TENSION_REGIONS) + int(10 * u)
            self._band_box(canvas, x0 - int(6 * u), top - int(34 * u), x0 + col_w + int(6 * u), bottom)
            cv2.putText(canvas, f"Your {side}", (x0, top - int(12 * u)), FONT, 0.6 * u, WHITE, max(1, int(2 * u)),
                        cv2.LINE_AA)
            for i, region in enumerate(TENSION_REGIONS):
                y = top + i * gap
                v = view.tension.get((region, side))
                cv2.putText(canvas, REGION_LABELS[region], (x0, y + bar_h - 2), FONT, 0.45 * u, WHITE, 1, cv2.LINE_AA)
                bx0, bx1 = x0 + int(58 * u), x0 + col_w
                cv2.rectangle(canvas, (bx0, y), (bx1, y + bar_h), (80, 80, 80), -1)
                if v is not None:
                    cv2.rectangle(canvas, (bx0, y), (bx0 + int((bx1 - bx0) * min(max(v, 0.0), 1.0)), y + bar_h),
                                  tension_colour(v), -1)

    @staticmethod
    def _band_box(canvas, x0, y0, x1, y1, alpha=0.5):
        x0, y0 = max(0, x0), max(0, y0)
        _darken(canvas[y0:y1, x0:x1], alpha)

    def _pacer(self, canvas, view: View, u):
        H, W = canvas.shape[:2]
        cx, cy = W - int(70 * u), H - int(150 * u)
        r_min, r_max = int(14 * u), int(46 * u)
        cv2.circle(canvas, (cx, cy), r_max, (90, 90, 90), max(1, int(2 * u)), cv2.LINE_AA)
        cv2.circle(canvas, (cx, cy), int(r_min + (r_max - r_min) * view.pacer), PACER, -1, cv2.LINE_AA)
        size = cv2.getTextSize(view.pacer_label, FONT, 0.5 * u, 1)[0]
        cv2.putText(canvas, view.pacer_label, (cx - size[0] // 2, cy + r_max + int(20 * u)), FONT, 0.5 * u, WHITE, 1,
                    cv2.LINE_AA)

    def _message(self, canvas, view: View, u):
        if not view.message:
            return
        H, W = canvas.shape[:2]
        scale, thick = 1.1 * u, max(2, int(2.5 * u))
        size = cv2.getTextSize(view.message, FONT, scale, thick)[0]
        while size[0] > W - 40 * u and scale > 0.5 * u:  # long prompts shrink to fit
            scale *= 0.9
            size = cv2.getTextSize(view.message, FONT, scale, thick)[0]
        self._band(canvas, H - int(70 * u), H, 0.65)
        colour = MESSAGE_COLOURS.get(view.message_kind, WHITE)
        cv2.putText(canvas, view.message, ((W - size[0]) // 2, H - int(26 * u)), FONT, scale, colour, thick,
                    cv2.LINE_AA)
