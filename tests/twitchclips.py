"""Real-face clips with twitches of known shape, place, size and time: ground truth for the
twitch detector.

A Twitch moves one small patch of skin (a lid margin, a mouth corner, the cheek, a brow)
along the face's up axis with a smooth displacement profile (imagewarp.local_shift):

- jerk: one raised-cosine pulse of 0.2 s (a single jerk, 0.1–0.3 s);
- burst: a clonic burst, `hz` pulses a second for `duration` s (like scripted.LidFlicker);
- ripple: lid myokymia, a fine undulation (7 and 11 Hz mixed) under a raised-cosine
  envelope, 1.5 s.

The amplitude is the peak displacement in mm. Faces are the neutral loop of
samples/single_face.mp4 (scripted.rest_frames) or a still photo repeated; whole-frame
head drift and sensor noise are applied after the local warps, with a seeded generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import cv2
import numpy as np

from facetension import face_model as fm
from facetension.analysis import analyze_image
from facetension.landmarks import Landmarker

from blinkclips import LidClose
from imagewarp import local_shift
from media import FACES
from scripted import FPS, Track, face_up, n_frames, rest_frames, rest_track

SHAPES = ("jerk", "burst", "ripple")
# Where each twitch is, its anchor landmark on the subject's right side (mirrored for the
# left), which way it moves along the face's up axis, its falloff (mm), and the tracker
# region it should be reported in.
PLACES = {
    "lower_lid": (145, +1.0, None, "eye"),  # up, toward the pupil; falloff 0.35 iris
    "upper_lid": (159, -1.0, None, "eye"),  # down, toward the pupil
    "mouth_corner": (fm.RIGHT_MOUTH_CORNER, +1.0, 5.0, "mouth"),
    "cheek": (205, +1.0, 7.0, "cheek"),  # mid-cheek, below the cheekbone: lifted
    "brow": (105, -1.0, 6.0, "brow"),  # mid-brow: pulled down
}
JERK_S = 0.2
RIPPLE_S = 1.5
RIPPLE_HZ = (7.0, 11.0)

Side = Literal["left", "right"]


@dataclass(frozen=True)
class Twitch:
    shape: str  # one of SHAPES
    place: str  # one of PLACES
    side: Side
    amplitude_mm: float
    start: float
    hz: float = 6.0  # burst only
    duration: float = 1.0  # burst only

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}, got {self.shape!r}")
        if self.place not in PLACES:
            raise ValueError(f"place must be one of {tuple(PLACES)}, got {self.place!r}")
        if self.side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {self.side!r}")

    @property
    def length_s(self) -> float:
        return {"jerk": JERK_S, "burst": self.duration, "ripple": RIPPLE_S}[self.shape]

    @property
    def end(self) -> float:
        return self.start + self.length_s

    @property
    def shows_at(self) -> float:
        """When the twitch shows: its start, or a ripple's when its envelope reaches a quarter
        of its height (RIPPLE_S / 6 in), before which it is a fraction of its size."""
        return self.start + (RIPPLE_S / 6 if self.shape == "ripple" else 0.0)

    @property
    def region(self) -> str:
        return PLACES[self.place][3]

    def profile(self, t_s: float) -> float:
        """Displacement at t_s as a share of the amplitude, 0..1 (ripple: −1..1)."""
        u = t_s - self.start
        if not 0.0 < u < self.length_s:
            return 0.0
        if self.shape == "jerk":
            return (1 - math.cos(2 * math.pi * u / JERK_S)) / 2
        if self.shape == "burst":
            return (1 - math.cos(2 * math.pi * self.hz * u)) / 2
        envelope = (1 - math.cos(2 * math.pi * u / RIPPLE_S)) / 2
        a, b = RIPPLE_HZ
        return envelope * (math.sin(2 * math.pi * a * u) + math.sin(2 * math.pi * b * u)) / 2

    def apply(self, frame: np.ndarray, t_s: float, landmarks: np.ndarray, up: np.ndarray, mm_per_px: float):
        p = self.profile(t_s)
        if p == 0.0:
            return frame
        right_index, sign, falloff_mm, _ = PLACES[self.place]
        index = right_index if self.side == "right" else fm.mirrored(right_index)
        if falloff_mm is None:  # a lid: only the margin moves, as in scripted.LidFlicker
            ring = fm.LEFT_IRIS_RING if self.side == "left" else fm.RIGHT_IRIS_RING
            falloff_px = 0.35 * float(np.linalg.norm(landmarks[ring[0], :2] - landmarks[ring[2], :2]))
        else:
            falloff_px = falloff_mm / mm_per_px
        d = sign * p * self.amplitude_mm / mm_per_px
        centre = (float(landmarks[index, 0]), float(landmarks[index, 1]))
        return local_shift(frame, centre, (d * up[0], d * up[1]), falloff_px)


@dataclass(frozen=True)
class Drift:
    """Slow head drift of the whole frame: ±shift_px and ±deg, breathing-slow."""

    shift_px: float = 2.0
    deg: float = 1.0
    hz: float = 0.25

    def matrix(self, t_s: float, size: tuple[int, int]) -> np.ndarray:
        w, h = size
        phase = 2 * math.pi * self.hz * t_s
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), self.deg * math.sin(0.7 * phase), 1.0)
        m[:, 2] += (self.shift_px * math.sin(phase), self.shift_px * math.sin(1.3 * phase + 1.0))
        return m


@dataclass(frozen=True)
class Breathing(Drift):
    """Drift with the head coming nearer and going back a little, as it does with breathing."""

    scale: float = 0.015
    breath_hz: float = 0.25

    def matrix(self, t_s: float, size: tuple[int, int]) -> np.ndarray:
        m = super().matrix(t_s, size)
        w, h = size
        k = 1.0 + self.scale * math.sin(2 * math.pi * self.breath_hz * t_s)
        m[:, :2] *= k  # about the image centre
        m[:, 2] += (1 - k) * np.array([(w - 1) / 2, (h - 1) / 2])
        return m


def blinks(seconds: float, seed: int = 0) -> tuple:
    """Spontaneous blinks of both eyes every 2.5-5 s (blinkclips.LidClose): one in four with
    the second eye 40 ms late, one in five closing only to 70 %."""
    rng = np.random.default_rng(seed)
    out, t = [], 1.0 + rng.uniform(0.0, 1.0)
    while t < seconds - 0.5:
        late = 0.04 if rng.uniform() < 0.25 else 0.0
        depth = 0.7 if rng.uniform() < 0.2 else 1.0
        first, second = ("left", "right") if rng.uniform() < 0.5 else ("right", "left")
        out += [LidClose(first, t, depth), LidClose(second, t + late, depth)]
        t += rng.uniform(2.5, 5.0)
    return tuple(out)


@lru_cache(maxsize=4)
def _photo_track(photo: str) -> tuple[np.ndarray, Track]:
    image = cv2.imread(str(FACES[photo]), cv2.IMREAD_COLOR)
    if image is None:
        raise RuntimeError(f"cannot read {photo}")
    with Landmarker("image") as lm:
        face = lm.detect(image)
        mm = analyze_image(image, lm).mm_per_px
    if face is None or mm is None:
        raise RuntimeError(f"no usable face in {photo}")
    image.setflags(write=False)
    p = face.landmarks.copy()
    return image, Track((p,), (face_up(p, (image.shape[1], image.shape[0])),), float(mm))


def base(face: str, seconds: float) -> tuple[list[np.ndarray], Track]:
    """The face's twitch-free frames and their landmarks: "video" is the neutral loop of
    samples/single_face.mp4; any other name is a still photo in media.FACES, repeated."""
    if face == "video":
        frames, _ = rest_frames(seconds)
        return frames, rest_track(seconds)
    image, tr = _photo_track(face)
    n = n_frames(seconds)
    return [image] * n, Track(tr.landmarks * n, tr.up * n, tr.mm_per_px)


def render(
    face: str,
    twitches: tuple[Twitch, ...] = (),
    seconds: float = 10.0,
    drift: Drift | None = None,
    noise_sd: float = 0.0,
    seed: int = 0,
) -> tuple[list[np.ndarray], float]:
    """The face's clip with `twitches`, then drift, then Gaussian sensor noise of `noise_sd`
    grey levels (fresh every frame, seeded)."""
    frames, tr = base(face, seconds)
    rng = np.random.default_rng(seed)
    out = []
    for i, frame in enumerate(frames):
        t = i / FPS
        f = frame
        for tw in twitches:
            f = tw.apply(f, t, tr.landmarks[i], tr.up[i], tr.mm_per_px)
        if drift is not None:
            h, w = f.shape[:2]
            f = cv2.warpAffine(
                f, drift.matrix(t, (w, h)), (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
            )
        if noise_sd > 0:
            f = np.clip(f + rng.normal(0.0, noise_sd, f.shape), 0, 255).astype(np.uint8)
        out.append(f)
    return out, FPS


def schedule(
    shape: str, place: str, amplitude_mm: float, starts: tuple[float, ...], hz: float = 6.0
) -> tuple[Twitch, ...]:
    """One twitch at each start, sides alternating left, right, left, …"""
    sides: tuple[Side, Side] = ("left", "right")
    return tuple(Twitch(shape, place, sides[i % 2], amplitude_mm, s, hz) for i, s in enumerate(starts))


@dataclass(frozen=True)
class Score:
    trials: int
    hits: int  # twitches with an event starting within their window (± MATCH_S)
    right_place: int  # hits whose first event has the twitch's region and side
    onset_errors: tuple[float, ...]  # event start − when the twitch shows (Twitch.shows_at), per hit
    extra: int  # events matching no twitch
    events_per_hit: tuple[int, ...]  # how many events each detected twitch gave


MATCH_S = 0.5


def score(events, twitches: tuple[Twitch, ...]) -> Score:
    """Match events (anything with t_s, region, side) to the scripted twitches by time."""
    used: set[int] = set()
    hits = right = 0
    errors, per_hit = [], []
    for tw in twitches:
        mine = [i for i, e in enumerate(events) if tw.start - MATCH_S <= e.t_s <= tw.end + MATCH_S and i not in used]
        used.update(mine)
        if not mine:
            continue
        hits += 1
        first = events[mine[0]]
        right += (first.region, first.side) == (tw.region, tw.side)
        errors.append(first.t_s - tw.shows_at)
        per_hit.append(len(mine))
    return Score(len(twitches), hits, right, tuple(errors), len(events) - len(used), tuple(per_hit))
