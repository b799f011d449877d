"""Real clips with a "hand" over part of the face: ground truth for the cover detector.

A hand is real skin cut from ANOTHER real photo (SKIN: cheeks and foreheads of other
people, and two real hands), shaped like a hand: a palm, four touching fingers of unequal
length, a thumb and a forearm, with soft edges, each finger shaded like a cylinder so the
gaps read as creases, and a soft contact shadow beside it. It slides in along its own axis,
fingers first, massages gently (small circles, a little rotation) and slides out again. It
is placed relative to the clean clip's own landmarks, so it follows the head.

compose() returns the frames and each frame's state: CLEAR, MOVING (sliding in or out:
partly on the face) or COVERED (fully in place). write_mp4 writes frames as .mp4 (mp4v).
The clean variants (rotated, rescaled, noisy, brightness_drift, head_drift, still_clip)
turn real frames into what other cameras and rooms would give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from facetension import face_model as fm
from facetension.landmarks import Landmarker

from media import DEMO, FACES
from scripted import write_clip

CLEAR, MOVING, COVERED = 0, 1, 2
PLACEMENTS = ("right_cheek_mouth", "left_cheek_mouth", "forehead", "left_eye_cheek", "chin_jaw")
# What each placement covers for sure (the subject's sides), for part-level checks.
PLACEMENT_PARTS = {
    "right_cheek_mouth": ("right_cheek", "mouth"),
    "left_cheek_mouth": ("left_cheek", "mouth"),
    "forehead": ("forehead",),
    "left_eye_cheek": ("left_eye", "left_cheek"),
    "chin_jaw": ("chin",),
}

# Landmarks the placements and the donor patches are anchored on.
_TOP, _CHIN = 10, 152
_RIGHT_CHEEK, _LEFT_CHEEK = 205, 425  # mid-cheek, below the cheekbone
_FOREHEAD_MID = 151
_UPPER_LIP, _LOWER_LIP = 13, 14

# The hand, in face heights (forehead top to chin), and its gentle massage movement.
HAND_LENGTH = 0.8  # wrist to the longest fingertip
HAND_WIDTH = 0.42  # across the four fingers
FINGER_LENGTHS = (0.78, 0.95, 1.0, 0.88)  # little finger .. index, share of the finger span
CIRCLE_FACES = 0.035  # radius of the massage circles
CIRCLE_HZ = 0.7
SWAY_DEG = 6.0  # rotation back and forth
SWAY_HZ = 0.45
EDGE_PX = 2.5  # soft edge of the hand's outline
SHADOW = 0.22  # the face darkens this much right beside the hand
TEXTURE_PX = 256


@dataclass(frozen=True)
class Hand:
    donor: str  # a photo in media.FACES whose skin the hand is made of
    donor_part: str  # which of its skin patches (SKIN)
    placement: str  # one of PLACEMENTS
    start_s: float  # the hand starts sliding in
    end_s: float  # ... and is off the face again
    slide_s: float = 0.3  # sliding in, and out
    scale: float = 1.0  # hand size multiplier

    def __post_init__(self):
        if self.placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS}, got {self.placement!r}")
        if (self.donor, self.donor_part) not in SKIN:
            raise ValueError(f"no skin patch {self.donor_part!r} of {self.donor!r}: see SKIN")
        if not self.end_s - self.start_s > 2 * self.slide_s:
            raise ValueError("the hand must stay longer than it takes to slide in and out")

    def state(self, t_s: float) -> int:
        if t_s < self.start_s or t_s > self.end_s:
            return CLEAR
        if t_s < self.start_s + self.slide_s or t_s > self.end_s - self.slide_s:
            return MOVING
        return COVERED

    def inward(self, t_s: float) -> float:
        """0 off the face, 1 fully in place (smoothstep while sliding)."""
        s = self.slide_s
        x = min(max(min(t_s - self.start_s, self.end_s - t_s) / s, 0.0), 1.0)
        return x * x * (3 - 2 * x)


# -- real media -------------------------------------------------------------------------
def read_frames(path: str | Path, start: int = 0, count: int | None = None) -> tuple[list[np.ndarray], float]:
    """Frames start .. start + count of a real clip (all to its end with count=None), and its fps."""
    cap = cv2.VideoCapture(str(path))
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        frames, i = [], 0
        while count is None or len(frames) < count:
            ok, frame = cap.read()
            if not ok:
                break
            if i >= start:
                frames.append(frame)
            i += 1
    finally:
        cap.release()
    if not frames:
        raise RuntimeError(f"{path}: no frame from {start}")
    return frames, fps


def pingpong(frames: list[np.ndarray], n: int) -> list[np.ndarray]:
    """n frames looping forth and back over `frames`, no frame repeated at the turns."""
    period = max(2 * (len(frames) - 1), 1)
    return [frames[k if k < len(frames) else period - k] for k in (i % period for i in range(n))]


def track_video(frames: list[np.ndarray], fps: float, landmarker: Landmarker | None = None) -> list:
    """Each frame's landmarks (478, 3) or None, found as analyze finds them (VIDEO mode,
    direct and mirrored passes alternating)."""
    own = landmarker is None
    lm = Landmarker() if own else landmarker
    try:
        lm.new_video()
        out = []
        for i, frame in enumerate(frames):
            face = lm.detect(frame, int(round(i * 1000 / fps)))
            out.append(None if face is None else face.landmarks)
        return out
    finally:
        if own:
            lm.close()


def demo_frames(start_s: float, seconds: float) -> tuple[list[np.ndarray], float]:
    """A stretch of samples/practice_demo.mp4 (a real face, 30 fps, with scripted tension)."""
    return read_frames(DEMO, round(start_s * 30), round(seconds * 30))


# -- the hand ---------------------------------------------------------------------------
# Real skin, cut by hand from other people's photos (x, y, width, height in the photo's pixels):
# faces of different age and tone, and two real hands with their knuckle creases.
SKIN = {
    ("grace_hopper.jpg", "cheek"): (302, 238, 30, 26),  # her left cheek: older skin, fine wrinkles
    ("grace_hopper.jpg", "forehead"): (236, 160, 50, 14),  # below the cap, above the glasses
    ("multi_face.jpg", "forehead"): (705, 300, 50, 25),  # the woman on the right: fair, pink
    ("multi_face.jpg", "hand"): (190, 298, 40, 34),  # the seated man's hand, in warm light
    ("multi_face.jpg", "arm"): (60, 330, 30, 40),  # his forearm, in shade: darker skin
    ("Image_with_alpha.png", "hand"): (650, 230, 90, 70),  # the back of the hand on his forehead
    ("45-m7-di-ph.jpg", "cheek"): (190, 320, 60, 60),  # the cheek he turns to the camera, studio light
}


@lru_cache(maxsize=16)
def skin_patch(donor: str, part: str) -> np.ndarray:
    """A patch of the donor photo's real skin (SKIN), read-only."""
    x, y, w, h = SKIN[(donor, part)]
    image = cv2.imread(str(FACES[donor]), cv2.IMREAD_COLOR)
    patch = image[y : y + h, x : x + w].copy()
    if patch.shape[:2] != (h, w):
        raise RuntimeError(f"{donor}: the skin box {SKIN[(donor, part)]} is not inside the photo")
    patch.setflags(write=False)
    return patch


def skin_texture(patch: np.ndarray) -> np.ndarray:
    """The patch as float, scaled to TEXTURE_PX square: stretched once over the hand."""
    return cv2.resize(patch, (TEXTURE_PX, TEXTURE_PX), interpolation=cv2.INTER_CUBIC).astype(np.float32)


def _segment_inside(u, v, a, b, r):
    """Depth inside a capsule from point a to point b (u, v coords) of radius r; < 0 outside."""
    du, dv = b[0] - a[0], b[1] - a[1]
    t = np.clip(((u - a[0]) * du + (v - a[1]) * dv) / (du * du + dv * dv), 0.0, 1.0)
    return r - np.hypot(u - a[0] - t * du, v - a[1] - t * dv)


def _hand_depth(u: np.ndarray, v: np.ndarray, length: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Depth inside the hand (px; < 0 outside) and its shading, in hand coordinates: u from
    the wrist (0) to the fingertips (+length), v across (0 on the hand's axis)."""
    palm_l = 0.5 * length
    a, b = palm_l / 2, 0.5 * width
    # Palm: a rounded square (superellipse) from the wrist to the finger roots.
    q = ((np.abs(u - a) / a) ** 4 + (np.abs(v) / b) ** 4) ** 0.25
    palm = (1.0 - q) * b
    forearm = _segment_inside(u, v, (0.1 * length, 0.0), (-1.5 * length, 0.0), 0.4 * width)
    thumb = _segment_inside(u, v, (0.15 * length, 0.4 * width), (0.5 * length, 0.75 * width), 0.13 * width)
    depth = np.maximum(np.maximum(palm, forearm), thumb)
    shade = 0.9 + 0.1 * np.clip(depth / (0.25 * width), 0, 1)
    r = 0.125 * width  # four fingers side by side, just touching
    span = length - palm_l
    for k, share in enumerate(FINGER_LENGTHS):
        c = (k - 1.5) * 0.25 * width
        f = _segment_inside(u, v, (palm_l - 0.15 * span, c), (palm_l + share * span - r, c), r)
        # A finger is a cylinder: darker toward its sides, so the gaps read as creases.
        fshade = 0.7 + 0.3 * np.sqrt(np.clip(f / r, 0, 1))
        shade = np.where(f > depth, fshade, shade)
        depth = np.maximum(depth, f)
    return depth, shade


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _axes(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The face's up and subject's-left unit vectors in the image, and its height (px)."""
    p = landmarks[:, :2]
    up = p[_TOP] - p[_CHIN]
    h = float(np.linalg.norm(up))
    left = p[fm.mirrored(fm.RIGHT_OUTER_CANTHUS)] - p[fm.RIGHT_OUTER_CANTHUS]
    return up / h, left / np.linalg.norm(left), h


def _rotate(vec: np.ndarray, deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([c * vec[0] - s * vec[1], s * vec[0] + c * vec[1]])


def placement_pose(landmarks: np.ndarray, placement: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Where the hand's palm-finger junction goes, which way its fingers point (unit vector,
    image px), and the face height."""
    p = landmarks[:, :2]
    up, left, h = _axes(landmarks)
    mouth = (p[_UPPER_LIP] + p[_LOWER_LIP]) / 2
    if placement in ("right_cheek_mouth", "left_cheek_mouth"):
        side = left if placement.startswith("left") else -left
        cheek = p[_LEFT_CHEEK if placement.startswith("left") else _RIGHT_CHEEK]
        centre = 0.55 * cheek + 0.45 * mouth
        fingers = up * math.cos(math.radians(35)) + side * math.sin(math.radians(35))
    elif placement == "forehead":
        centre = p[_FOREHEAD_MID] + 0.06 * h * up
        fingers = left
    elif placement == "left_eye_cheek":
        centre = 0.5 * p[fm.LEFT_IRIS_CENTER] + 0.5 * p[_LEFT_CHEEK]
        fingers = up * math.cos(math.radians(20)) - left * math.sin(math.radians(20))
    else:  # chin_jaw
        centre = p[_CHIN] + 0.1 * h * up
        fingers = -left
    return centre, fingers / np.linalg.norm(fingers), h


def paste_hand(
    frame: np.ndarray, landmarks: np.ndarray, hand: Hand, t_s: float, texture: np.ndarray | None = None
) -> np.ndarray:
    """The frame with the hand as it is at t_s (the same frame when it is off the face)."""
    inward = hand.inward(t_s)
    if inward <= 0.0:
        return frame
    centre, fingers, h = placement_pose(landmarks, hand.placement)
    length, width = HAND_LENGTH * h * hand.scale, HAND_WIDTH * h * hand.scale
    circle = (
        CIRCLE_FACES * h * np.array([math.cos(2 * math.pi * CIRCLE_HZ * t_s), math.sin(2 * math.pi * CIRCLE_HZ * t_s)])
    )
    fingers = _rotate(fingers, SWAY_DEG * math.sin(2 * math.pi * SWAY_HZ * t_s))
    # Fingers lead in: off the face the hand is one and a half lengths back along its axis.
    root = centre + circle - (1.0 - inward) * 1.5 * length * fingers
    wrist = root - 0.48 * length * fingers
    across = np.array([-fingers[1], fingers[0]])
    rows, cols = frame.shape[:2]
    pad = length * 1.7
    x0, x1 = int(max(wrist[0] - pad, 0)), int(min(wrist[0] + pad, cols))
    y0, y1 = int(max(wrist[1] - pad, 0)), int(min(wrist[1] + pad, rows))
    if x1 <= x0 or y1 <= y0:
        return frame
    xs, ys = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
    dx, dy = xs - wrist[0], ys - wrist[1]
    u, v = dx * fingers[0] + dy * fingers[1], dx * across[0] + dy * across[1]
    depth, shade = _hand_depth(u, v, length, width)
    alpha = _smoothstep((depth + EDGE_PX) / (2 * EDGE_PX))[..., None]
    # A contact shadow: the face darkens just outside the outline, fading over a tenth of the width.
    shadow = 1.0 - SHADOW * _smoothstep(1.0 + depth / (0.1 * width))[..., None] * (1.0 - alpha)
    if texture is None:
        texture = skin_texture(skin_patch(hand.donor, hand.donor_part))
    # The skin moves with the hand: the patch spans wrist to fingertips and the hand's width
    # (the forearm and thumb see it reflected).
    n = TEXTURE_PX - 1
    tu, tv = (u / length * n).astype(np.float32), ((v / width + 0.5) * n).astype(np.float32)
    skin = cv2.remap(texture, tu, tv, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    out = frame.copy()
    box = out[y0:y1, x0:x1].astype(np.float32)
    mixed = box * shadow * (1.0 - alpha) + skin * shade[..., None] * alpha
    out[y0:y1, x0:x1] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    return out


def compose(
    frames: list[np.ndarray], landmarks: list, hands: tuple[Hand, ...], fps: float
) -> tuple[list[np.ndarray], np.ndarray]:
    """The frames with the hands pasted at each frame's time (landmarks: the clean frames',
    None where there is no face: no hand there), and each frame's state (CLEAR, MOVING,
    COVERED; frames without a face are CLEAR)."""
    textures = {(h.donor, h.donor_part): skin_texture(skin_patch(h.donor, h.donor_part)) for h in hands}
    out, state = [], np.zeros(len(frames), dtype=np.int8)
    for i, frame in enumerate(frames):
        t = i / fps
        if landmarks[i] is not None:
            for hand in hands:
                frame = paste_hand(frame, landmarks[i], hand, t, textures[(hand.donor, hand.donor_part)])
                state[i] = max(state[i], hand.state(t))
        out.append(frame)
    return out, state


def write_mp4(frames: list[np.ndarray], path: str | Path, fps: float) -> Path:
    """Frames as an .mp4 (mp4v), as a phone or webcam app would save them."""
    return write_clip(frames, path, fps, "mp4v")


# -- clean variants: the same real frames as other cameras and rooms would give them ----
def rotated(frames: list[np.ndarray], deg: float) -> list[np.ndarray]:
    """The camera rolled by `deg` (edges replicated)."""
    h, w = frames[0].shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), deg, 1.0)
    return [cv2.warpAffine(f, m, (w, h), borderMode=cv2.BORDER_REPLICATE) for f in frames]


def rescaled(frames: list[np.ndarray], factor: float) -> list[np.ndarray]:
    """The whole frame scaled: a smaller factor is a smaller face (farther away, a lesser camera)."""
    return [cv2.resize(f, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) for f in frames]


def noisy(frames: list[np.ndarray], sd: float, seed: int = 0) -> list[np.ndarray]:
    """Gaussian sensor noise of `sd` grey levels, new in every frame."""
    rng = np.random.default_rng(seed)
    return [np.clip(f + rng.normal(0.0, sd, f.shape), 0, 255).astype(np.uint8) for f in frames]


def brightness_drift(frames: list[np.ndarray], low: float = 0.6, high: float = 1.25) -> list[np.ndarray]:
    """Exposure drifting from 1 down to `low` and back over the first half, up to `high` and
    back over the second."""
    out = []
    for i, f in enumerate(frames):
        wave = math.sin(2 * math.pi * i / len(frames))
        gain = 1.0 + (low - 1.0) * wave if wave > 0 else 1.0 + (1.0 - high) * wave
        out.append(np.clip(f * gain, 0, 255).astype(np.uint8))
    return out


def head_drift(
    frames: list[np.ndarray], shift_px: float = 40.0, deg: float = 8.0, zoom: float = 0.08
) -> list[np.ndarray]:
    """The head drifting slowly: one sideways sweep with roll and a change of distance, a
    smaller up-and-down one twice as fast."""
    h, w = frames[0].shape[:2]
    n, out = len(frames), []
    for i, f in enumerate(frames):
        a = math.sin(2 * math.pi * i / n)
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), deg * a, 1.0 + zoom * a)
        m[:, 2] += (shift_px * a, 0.5 * shift_px * math.sin(4 * math.pi * i / n))
        out.append(cv2.warpAffine(f, m, (w, h), borderMode=cv2.BORDER_REPLICATE))
    return out


def still_clip(photo: str, seconds: float, fps: float = 30.0, seed: int = 0) -> list[np.ndarray]:
    """A real photo filmed as a webcam would: a slow small sway, fresh sensor noise each frame."""
    image = cv2.imread(str(FACES[photo]), cv2.IMREAD_COLOR)
    n = round(seconds * fps)
    return noisy(head_drift([image] * n, shift_px=6.0, deg=2.0, zoom=0.02), 3.0, seed)


def covered_video(
    frames: list[np.ndarray],
    fps: float,
    hands: tuple[Hand, ...],
    path: str | Path,
    landmarker: Landmarker | None = None,
) -> tuple[Path, np.ndarray]:
    """The real clip `frames` with `hands` on it, written to `path` (.mp4), and each frame's
    state (CLEAR, MOVING, COVERED). The hands are placed on the clean clip's own landmarks."""
    out, state = compose(frames, track_video(frames, fps, landmarker), hands, fps)
    return write_mp4(out, path, fps), state
