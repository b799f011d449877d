"""Scripted blinks on still photos of many faces (tests/data/faces), with sensor noise: the
blink tests' and benchmarks/blink_faces.py's clips. One clip blinks, one does not:

- BLINKS (5 s): both eyes at 1 s; the left lid to 70 % at 2 s; the right eye 60 ms late at
  3 s; the left eye alone at 4 s;
- QUIET (5 s): a squint (the left eye narrowed by 40 % within 0.3 s, for a second), a slow
  narrowing of the right eye held for 2 s, and the whole frame moving by ±4 px and ±3°.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from blinkclips import LidClose
from scripted import FPS, EyeNarrow, Jitter, write_clip
from twitchclips import Drift, base

PARTIAL = 0.7
LAG_S = 0.06
STARTS = (1.0, 2.0, 3.0, 4.0)  # both, the partial left lid, the late right eye, the left alone
BLINKS = (
    LidClose("left", 1.0),
    LidClose("right", 1.0),
    LidClose("left", 2.0, PARTIAL),
    LidClose("right", 2.0),
    LidClose("left", 3.0),
    LidClose("right", 3.0 + LAG_S),
    LidClose("left", 4.0),
)
QUIET = (EyeNarrow("left", 0.6, 1.0, 2.0, 0.3), EyeNarrow("right", 0.7, 2.5, 4.5, 1.0), Jitter())
CLIP_S = 5.0
NOISE_SD = 2.0  # grey levels, fresh every frame: a webcam's sensor noise


def photo_clip(
    photo: str,
    edits: tuple,
    path: Path,
    seconds: float = CLIP_S,
    noise_sd: float = NOISE_SD,
    drift: Drift | None = None,
    fps: float = FPS,
) -> Path:
    """The photo (a name in media.FACES) held still for `seconds` at `fps` with `edits`, then
    slow head drift if asked and Gaussian noise (seeded), written as an MJPG clip at `path`."""
    frames, tr = base(photo, seconds * fps / FPS)  # one frame of the still photo per frame out
    rng = np.random.default_rng(0)
    out = []
    for i, frame in enumerate(frames):
        for e in edits:
            frame = e.apply(frame, i / fps, tr.landmarks[i], tr.up[i], tr.mm_per_px)
        if drift is not None:
            h, w = frame.shape[:2]
            m = drift.matrix(i / fps, (w, h))
            frame = cv2.warpAffine(frame, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if noise_sd > 0:
            frame = np.clip(frame + rng.normal(0.0, noise_sd, frame.shape), 0, 255).astype(np.uint8)
        out.append(frame)
    return write_clip(out, path, fps)


def matched(blinks, starts=STARTS, early_s: float = 0.1, late_s: float = 0.15) -> list:
    """For each scripted start, the blink found starting near it, or None."""
    return [next((b for b in blinks if s - early_s <= b.t_s <= s + late_s), None) for s in starts]
