"""Skin motion for the twitch detector: small patches of each lid, mouth corner, cheek and
brow, followed in the pixels against a reference frame of the same face, relative to the
head's own motion.

Why the pixels: the mesh pulls both sides together and its points jitter by ~0.5 px from
frame to frame (more between the direct and the mirrored pass), and the blendshapes barely
move for a 1 mm twitch of the mouth corner, the cheek or the brow. A patch followed by
Lucas–Kanade against a fixed reference is steady to a few hundredths of a pixel.

Each frame, every patch is found by Lucas–Kanade from where it was in the reference frame,
starting from where the head's motion (the mesh's rigid points) puts it. The head's motion
is then fitted to the followed rigid patches (nose bridge and ridge, eye corners, forehead;
the chin too below the eyes) as a similarity plus the parallax of a small nod or turn, and
what each measured patch moved beyond it, along the face's up axis, is its value in mm:

each lid's move toward the pupil, the mouth corner's, mid-cheek's and mid-brow's lift.

The reference is taken again (a new epoch: the tracker restarts its slow average) when the
head has turned, tilted or come nearer since, or too few rigid patches can be followed. A
patch that does not match its reference well (a blink, a smile) gives no value that frame.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from . import face_model as fm
from .metrics import SKIN_PLACES, SkinMotion

# The measured patches, by side: the subject's right-side landmark, its window in iris
# diameters. A lid margin is narrow. A brow twitch moves a few mm of brow, and a wide window
# reads under half of it: of 0.6 mm brow twitches (noise σ 2, drift) a window of 0.75 found
# 12 of 18 on three faces (video, starr, nanjiani), 1.0 found 9, and 1.5 found 3 of 12 on
# the first two. The cheek has little texture and needs more skin (at 1.0, starr.jpg's
# cheek lost half its twitches).
LOWER_LID, UPPER_LID, MOUTH_CORNER, MID_CHEEK, MID_BROW = 145, 159, fm.RIGHT_MOUTH_CORNER, 205, 105
MEASURED = (LOWER_LID, UPPER_LID, MOUTH_CORNER, MID_CHEEK, MID_BROW)  # in SKIN_PLACES' order
TOWARD_PUPIL = (1.0, -1.0, 1.0, 1.0, 1.0)  # each place's sign: a lid's move toward the pupil, else up
MEASURED_WINDOW_IRIS = (0.75, 0.75, 0.75, 1.5, 0.75)  # two sizes: one Lucas–Kanade call each
# Rigid patches for the head's motion: the nose bridge and ridge, the eye corners and the
# mid-forehead. Without the eye corners, a real webcam face's lids read 0.11-0.15 mm of
# noise instead of 0.06-0.10 (the forehead has too little texture to fix a tilt alone).
# The chin (below the lower lip's fold, clear of the jaw's outline, where the patch would
# hold the background) fixes the motion below the nose: fitted from the nose and eyes alone,
# the mouth corner's place is an extrapolation whose error was most of its noise (on three
# photos made to drift, with sensor noise, and the webcam loop: 0.07-0.19 px from frame to
# frame; with the chin, 1.5-5 times less). The lids, between the anchors already, are
# fitted without it.
CHIN = (175, 199, 200)
RIGID = (168, 6, 197, 195, 5, 4, 1, 133, 362, 33, 263, 9, 151, *CHIN)
OUTER_CORNERS = (33, 263)
RIGID_WINDOW_IRIS = 1.5
MIN_RIGID = 5  # followed rigid patches needed to trust the head's motion
WINDOW_PX = (7, 41)  # odd window sides, whatever the face's size
PYRAMID_LEVELS = 2
LK_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.01)
# A patch matches when its mean absolute grey difference from the reference is at most this
# many times its own typical difference (the median over the epoch's first frames), and at
# least MIN_ERROR_LIMIT grey levels (sensor noise alone gives ~1.1 σ).
ERROR_FACTOR = 2.5
MIN_ERROR_LIMIT = 4.0
ERROR_FRAMES = 10
# A patch that has matched its reference worse than this many times its typical error for
# this many frames in a row (2 s at 30 fps, longer than any twitch) no longer looks like it:
# a held contraction, a change of light. A new reference is taken, or the skin's own small
# movements would read as twitches against the stale one (a held 30 % eye narrowing gave a
# "twitch" a second).
STALE_FACTOR = 1.5
STALE_FRAMES = 60
RIGID_RESIDUAL_PX = 0.6  # a rigid patch further than this from the fitted motion is left out
# A new reference when the head has turned or tilted this much since, or its size changed:
# Lucas–Kanade follows shifts; rotation and scale only a little.
RESEED_DEG = 4.0
RESEED_SCALE = 0.06
CROP_MARGIN = 0.35  # of the face's size around it, so a drifting head stays inside the crop
# Lucas–Kanade takes a change of brightness for motion: a light flickering over the whole
# face at 4-8 Hz by 3-6 % (a screen's changing content in a dark room, a failing tube, a
# webcam's exposure hunting) moved the places by 0.2-5 mm and gave 7 false twitches in 22
# minutes of four faces (benchmarks/twitch_flicker.py). Scaling each frame to the
# reference's brightness lost small brow twitches (it rounds every grey level again), so
# instead each frame reports its face's brightness against the reference's (SkinMotion.light:
# a mean weighted by a Gaussian of LIGHT_SD of the crop's side about the face's centre,
# carried by the head's motion; the whole crop's mean moved by 2.7 % on the webcam loop as
# its edges took in more or less background), and the tracker takes a quick change of it
# as it takes a blink.
LIGHT_SD = 0.15
_TOP, _CHIN = 10, fm.CHIN


def _face_mean(gray: np.ndarray, centre: complex, sd: float) -> float:
    """The grey of the face about `centre` (crop pixels): a mean weighted by a separable
    Gaussian of `sd`, which a shift of a pixel or a scale of a percent barely moves."""
    h, w = gray.shape
    wx = np.exp(-0.5 * ((np.arange(w) - centre.real) / sd) ** 2)
    wy = np.exp(-0.5 * ((np.arange(h) - centre.imag) / sd) ** 2)
    return float(wy @ gray.astype(np.float64) @ wx / (wy.sum() * wx.sum()))


def _window(iris_px: float, share: float) -> int:
    return int(np.clip(round(share * iris_px), *WINDOW_PX)) | 1


def _rigid(src: np.ndarray, depth: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares dst ≈ a · src + b + c · depth, points as complex numbers: a similarity
    (a: scale and in-plane rotation) and the parallax of a small nod or turn, which moves a
    point in proportion to its depth (the cheeks and lids sit well behind the nose)."""
    design = np.stack([src, np.ones_like(src), depth.astype(complex)], axis=1)
    return np.linalg.lstsq(design, dst, rcond=None)[0]


def _similarity(src: np.ndarray, dst: np.ndarray) -> tuple[complex, complex]:
    """Least-squares similarity dst ≈ a · src + b, points as complex numbers (a: scale and
    rotation)."""
    sc, dc = src - src.mean(), dst - dst.mean()
    a = complex(np.vdot(sc, dc) / max(float(np.vdot(sc, sc).real), 1e-9))
    return a, complex(dst.mean() - a * src.mean())


def _typical(errors: list[np.ndarray]) -> np.ndarray:
    """Each patch's median match error over the frames it matched (0 where it never did:
    then MIN_ERROR_LIMIT alone decides)."""
    e = np.array(errors)
    seen = np.isfinite(e)
    total = np.where(seen, e, 0.0)
    out = np.zeros(e.shape[1])
    for j in np.flatnonzero(seen.any(axis=0)):
        out[j] = float(np.median(total[seen[:, j], j]))
    return out


def _fit(z: np.ndarray, depth: np.ndarray, found: np.ndarray, rigid: np.ndarray) -> np.ndarray | None:
    """Where the head's own motion puts every patch, from its reference position z to now
    (complex), fitted to the followed rigid patches `rigid`, leaving out one that moved on
    its own (a squint, a wrinkle); None when fewer than MIN_RIGID fit."""
    for _ in range(3):
        if len(rigid) < MIN_RIGID:
            return None
        a, b, c = _rigid(z[rigid], depth[rigid], found[rigid])
        keep = rigid[np.abs(found[rigid] - (a * z[rigid] + b + c * depth[rigid])) <= RIGID_RESIDUAL_PX]
        if len(keep) == len(rigid):
            break
        rigid = keep
    if len(rigid) < MIN_RIGID:
        return None
    return a * z + b + c * depth


class SkinFollower:
    """One stream's skin motion, frame after frame; reset() when the face is lost."""

    def __init__(self):
        right = np.array(MEASURED)
        self._index = np.concatenate([right, [fm.mirrored(int(i)) for i in right], RIGID])
        self._outer_corners = np.flatnonzero(np.isin(self._index, OUTER_CORNERS))
        self._chin = np.flatnonzero(np.isin(self._index, CHIN))
        # The mesh's guess of the head's motion comes from its nose and eye points: the chin's
        # jitter would move where the lids' search starts, and so their value a little.
        self._guess_rows = np.flatnonzero(np.isin(self._index, RIGID) & ~np.isin(self._index, CHIN))
        lids = [i for i, p in enumerate(SKIN_PLACES) if SKIN_PLACES[p] == "eye"]
        self._lid_rows = np.isin(np.arange(len(self._index)), lids + [len(right) + i for i in lids])
        self.epoch = 0
        self._ref: dict | None = None

    def reset(self) -> None:
        self._ref = None

    def __call__(
        self, image_bgr: np.ndarray, landmarks: np.ndarray, mm_per_px: float, blink: bool
    ) -> SkinMotion | None:
        if self._ref is None:
            if not blink:  # a reference with shut eyes would lose the lids for the epoch
                self._seed(image_bgr, landmarks)
            return None
        motion = self._follow(image_bgr, landmarks, mm_per_px)
        if motion is None:  # this frame is the new reference, or the next open-eyed one
            self._ref = None
            if not blink:
                self._seed(image_bgr, landmarks)
        return motion

    # -- the reference -------------------------------------------------------------------
    def _seed(self, image: np.ndarray, landmarks: np.ndarray) -> None:
        pts = landmarks[self._index, :2].astype(np.float32)
        iris = math.dist(landmarks[fm.RIGHT_IRIS_RING[0], :2].tolist(), landmarks[fm.RIGHT_IRIS_RING[2], :2].tolist())
        size = float(np.ptp(landmarks[:, :2], axis=0).max())
        h, w = image.shape[:2]
        side = min(int(size * (1 + 2 * CROP_MARGIN)), w, h)
        centre = landmarks[:, :2].mean(axis=0)
        origin = self._origin(centre, side, w, h)
        windows = [_window(iris, s) for s in MEASURED_WINDOW_IRIS] * 2 + [_window(iris, RIGID_WINDOW_IRIS)] * len(RIGID)
        groups: dict[int, list[int]] = {}
        for i, win in enumerate(windows):
            groups.setdefault(win, []).append(i)
        gray = self._crop(image, origin, side)
        self._ref = {
            # The patches where the mesh put them, complex, in the frame: the head's motion
            # since comes first from the mesh's own rigid points.
            "z": pts[:, 0].astype(np.float64) + 1j * pts[:, 1],
            "in_crop": pts - np.float32(origin),  # ... and in the reference's crop
            "side": side,
            "gray": gray,
            "light": (complex(origin[0] + side / 2, origin[1] + side / 2), LIGHT_SD * side),
            "mean": _face_mean(gray, complex(side / 2, side / 2), LIGHT_SD * side),
            "groups": {win: np.array(ix) for win, ix in groups.items()},
            "errors": [],
            "stale": np.zeros(len(pts), int),  # frames in a row each patch has matched badly
            "up": self._up(landmarks),
            "depth": landmarks[self._index, 2].astype(np.float64),
        }
        self.epoch += 1

    @staticmethod
    def _origin(centre: np.ndarray, side: int, w: int, h: int) -> tuple[int, int]:
        x0 = int(np.clip(round(float(centre[0]) - side / 2), 0, w - side))
        y0 = int(np.clip(round(float(centre[1]) - side / 2), 0, h - side))
        return x0, y0

    @staticmethod
    def _crop(image: np.ndarray, origin: tuple[int, int], side: int) -> np.ndarray:
        x0, y0 = origin
        return cv2.cvtColor(image[y0 : y0 + side, x0 : x0 + side], cv2.COLOR_BGR2GRAY)

    @staticmethod
    def _up(landmarks: np.ndarray) -> np.ndarray:
        v = landmarks[_TOP, :2] - landmarks[_CHIN, :2]
        return (v / max(float(np.hypot(*v)), 1e-9)).astype(np.float64)

    # -- each frame ----------------------------------------------------------------------
    def _follow(self, image: np.ndarray, landmarks: np.ndarray, mm_per_px: float) -> SkinMotion | None:
        ref = self._ref
        n_rigid = len(RIGID)
        guess_rows = self._guess_rows
        mesh = landmarks[self._index[guess_rows], :2].astype(np.float64)
        a0, b0 = _similarity(ref["z"][guess_rows], mesh[:, 0] + 1j * mesh[:, 1])
        if abs(math.degrees(np.angle(a0))) > RESEED_DEG or abs(abs(a0) - 1) > RESEED_SCALE:
            return None
        h, w = image.shape[:2]
        side = ref["side"]
        origin = self._origin(landmarks[:, :2].mean(axis=0), side, w, h)
        gray = self._crop(image, origin, side)
        if gray.shape != ref["gray"].shape:  # the picture became smaller than the crop (a camera
            return None  # changed its resolution): a new reference, at the new size
        centre, sd = ref["light"]
        mean = _face_mean(gray, a0 * centre + b0 - complex(*origin), abs(a0) * sd)
        light = mean / ref["mean"] if ref["mean"] > 0 else 1.0
        z = ref["z"]
        guess_z = a0 * z + b0
        guess = (np.stack([guess_z.real, guess_z.imag], axis=1) - origin).astype(np.float32)
        found = np.empty_like(guess)
        ok = np.zeros(len(guess), bool)
        error = np.empty(len(guess), np.float32)
        for win, ix in ref["groups"].items():
            f, st, err = cv2.calcOpticalFlowPyrLK(
                ref["gray"], gray, ref["in_crop"][ix], guess[ix].copy(), winSize=(win, win), maxLevel=PYRAMID_LEVELS,
                criteria=LK_CRITERIA, flags=cv2.OPTFLOW_USE_INITIAL_FLOW,
            )  # fmt: skip
            found[ix], ok[ix], error[ix] = f, st[:, 0] == 1, err[:, 0]
        # A patch Lucas–Kanade lost (a chin patch at the photo's lower edge) has no error (NaN):
        # `ok` already leaves it out, and it is not stale.
        error[~ok] = 0.0
        errors = ref["errors"]
        if len(errors) < ERROR_FRAMES:
            errors.append(np.where(ok, error, np.nan))
            ref["typical"] = _typical(errors)
        typical = ref["typical"]
        stale = error > STALE_FACTOR * np.maximum(typical, 1.0)
        ref["stale"] = np.where(stale, ref["stale"] + 1, 0)
        if ref["stale"].max() >= STALE_FRAMES:
            return None
        ok &= error <= np.maximum(MIN_ERROR_LIMIT, ERROR_FACTOR * typical)
        found = found.astype(np.float64) + origin
        rigid = np.flatnonzero(ok[-n_rigid:]) + len(ok) - n_rigid
        fz = found[:, 0] + 1j * found[:, 1]
        near_eyes = _fit(z, ref["depth"], fz, rigid[~np.isin(rigid, self._chin)])
        # The outer eye corners move a little with a lid twitch on a narrow eye, and through
        # the fitted tilt and parallax that reads as a lift of the mouth corner, the cheek and
        # the brow on one side (0.24 mm from a 0.6 mm lower-lid burst on woods.jpg): those
        # places are measured against the head's motion without them.
        elsewhere = _fit(z, ref["depth"], fz, rigid[~np.isin(rigid, self._outer_corners)])
        if near_eyes is None or elsewhere is None:
            return None
        expected = np.where(self._lid_rows, near_eyes, elsewhere)
        moved = (found[:, 0] - expected.real, found[:, 1] - expected.imag)
        rot = a0 / abs(a0)  # the face's up axis turns with the head
        up = ref["up"][0] * rot.real - ref["up"][1] * rot.imag, ref["up"][0] * rot.imag + ref["up"][1] * rot.real
        lift = (moved[0] * up[0] + moved[1] * up[1]) * mm_per_px  # mm, + along the face's up axis
        return SkinMotion(self._places(lift, ok), self.epoch, light)

    @staticmethod
    def _places(lift: np.ndarray, ok: np.ndarray) -> dict[tuple[str, str], float]:
        n = len(MEASURED)
        return {
            (place, side): float(sign * lift[o + i])
            for side, o in (("right", 0), ("left", n))
            for i, (place, sign) in enumerate(zip(SKIN_PLACES, TOWARD_PUPIL))
            if ok[o + i]
        }
