"""Each eye's closure read as its upper lid sliding down, and its narrowing read as both lids
drawing toward the aperture's middle, by registering the eye's profile against its own
resting profile (pure numpy).

A closing upper lid slides down over the aperture: below its margin the eye is as it was
(only less of it shows), and the skin above the margin unfolds and stretches down after it,
less and less toward the brow, which stays. So a frame's profile along the eye's up line
(lid_profiles.LidProfiles) is modelled from the resting one by two numbers: how far the margin has
come down (D), and the height above the resting margin where the skin no longer moves (the
anchor). The D whose model correlates best with the frame, as a share of the resting
opening, is the closure.

Why: blinks' covered-share reading needs contrast between the open aperture and the lid
above it. A hooded lid's fold shades that skin, so such an eye cannot be followed that way,
and the followed lid points slide off a closing lid: a hooded eye shut tight read 34-48 %
closed. Registered, it reads 86-101 % (the check's scripted clips, tests/test_lid_slide.py).
"""

from __future__ import annotations

import numpy as np

from .lid_profiles import HEIGHTS, MIN_APERTURE, EyeReference, LidProfiles

# Heights above the resting upper lid (eye widths) at which the stretched skin may stop: an
# open eye's lid-to-brow skin is 0.2-0.5 eye widths tall.
ANCHORS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
MAX_CLOSURE = 1.1  # D is searched up to this share of the resting opening ...
CLOSURE_STEPS = 61  # ... in this many steps (0.018 of the opening each) ...
SHUT = 1.0  # ... and read at most as this: the lids meeting (past it, models differ only in
# how they stretch the lid's texture: a noisy reference then reads a shut eye anywhere in 1-1.1)
MIN_REST_FRAMES = 3
# The slide's match: profiles and models are made zero-mean and scaled to unit length, but a
# row flatter than this (grey levels rms) is scaled as if it had this much contrast, and the
# best model is the nearest one (2 f.m - |m|^2, the correlation for rows with contrast). So a
# flat frame (a lid over the whole eye) matches the flat models (the lid past the lower lid),
# where a correlation would be 0 for every model and the frame would read open.
CONTRAST_FLOOR = 1.0


def _normalised(rows: np.ndarray, floor: float = 0.0) -> np.ndarray:
    rows = rows - rows.mean(axis=-1, keepdims=True)
    norm = np.sqrt((rows * rows).sum(axis=-1, keepdims=True) + rows.shape[-1] * floor**2)
    return np.divide(rows, norm, out=np.zeros_like(rows), where=norm > 0)


class _Models:
    """The resting profile as each (anchor, D) would show it, on the heights the slide is
    matched over (from the lower lid up to the highest anchor), and reading frames by them."""

    def __init__(self, rest: np.ndarray, upper: float, lower: float):
        self.h = h = HEIGHTS[(lower <= HEIGHTS) & (upper + max(ANCHORS) >= HEIGHTS)]
        opening = upper - lower
        shares = np.linspace(0.0, MAX_CLOSURE, CLOSURE_STEPS)
        anchor = upper + np.array(ANCHORS)[:, None, None]  # (anchors, 1, 1)
        margin = upper - shares[None, :, None] * opening  # (1, steps, 1): the margin now
        # Below the margin: as it was. Between it and the anchor: the skin from [upper, anchor]
        # stretched over [margin, anchor]. Above the anchor: as it was.
        stretched = anchor - (anchor - h) * (anchor - upper) / (anchor - margin)
        src = np.where(h < margin, h, np.where(h < anchor, stretched, h))
        models = np.interp(src.ravel(), HEIGHTS, rest).reshape(-1, len(h))
        self.models = _normalised(models, CONTRAST_FLOOR)
        self.models_sq = (self.models * self.models).sum(axis=1)
        self.shares = np.tile(shares, len(ANCHORS))  # D / opening, per model

    def read(self, profiles: np.ndarray) -> np.ndarray:
        """(N,) closures of (N, PROFILE_SAMPLES) profiles: each one's nearest model (both
        scaled as _normalised with CONTRAST_FLOOR), at most SHUT."""
        frames = _normalised(np.stack([np.interp(self.h, HEIGHTS, f) for f in profiles]), CONTRAST_FLOOR)
        best = np.argmax(2.0 * (frames @ self.models.T) - self.models_sq, axis=1)
        return np.minimum(self.shares[best], SHUT)


def _per_eye(lids: tuple[LidProfiles | None, ...], rest_mask: np.ndarray, read) -> np.ndarray | None:
    """(N, 2): read(resting profile, upper and lower lid heights, the frames' profiles) for
    each eye open enough to follow, NaN for the frames without profiles (and an eye too
    narrow); None without enough resting frames."""
    at_rest = [lids[i] for i in np.flatnonzero(rest_mask) if lids[i] is not None]
    have = np.array([p is not None for p in lids])
    if len(at_rest) < MIN_REST_FRAMES or not have.any():
        return None
    out = np.full((len(lids), 2), np.nan)
    for j in range(2):
        upper = float(np.mean([p.upper[j] for p in at_rest]))
        lower = float(np.mean([p.lower[j] for p in at_rest]))
        if upper - lower >= MIN_APERTURE:
            rest = np.mean([p.profiles[j] for p in at_rest], axis=0)
            out[have, j] = read(rest, upper, lower, np.stack([p.profiles[j] for p in lids if p is not None]))
    return out


def lid_slide(lids: tuple[LidProfiles | None, ...], rest_mask: np.ndarray) -> np.ndarray | None:
    """(N, 2): each eye's closure (0 open, 1 the lids meeting), NaN where a frame has no
    profiles; None without enough resting frames. lids: each frame's profiles (Series.lids);
    rest_mask: the resting frames."""
    return _per_eye(lids, rest_mask, _slide)


def _slide(rest: np.ndarray, upper: float, lower: float, profiles: np.ndarray) -> np.ndarray:
    return _Models(rest, upper, lower).read(profiles)


class SlideEye(EyeReference):
    """One eye's followed open reference (blinks.BlinkDetector) and its closure against it,
    frame by frame. Building the models costs ~0.3 ms an eye and matching a frame ~0.02 ms,
    so the models are rebuilt only when the reference is set, and then as it follows the
    eye: after REBUILD_SHARE of the reference's age (a young reference, a few frames, still
    changes fast), at most every REBUILD_S (an old one moves slowly, and not during a blink)."""

    REBUILD_S = 1.0
    REBUILD_SHARE = 0.5

    def __init__(self):
        super().__init__()
        self._models: _Models | None = None
        self._built = 0.0  # the reference's age when its models were built
        self._life = 0.0  # its age: time followed since set

    def set(self, profile: np.ndarray, upper: float, lower: float) -> None:
        super().set(profile, upper, lower)
        self._models = None
        self._life = 0.0

    def blend(self, profile: np.ndarray, upper: float, lower: float, a: float, dt: float = 0.0) -> None:
        super().blend(profile, upper, lower, a)
        self._life += dt
        if self._life - self._built >= min(self.REBUILD_S, self.REBUILD_SHARE * self._life):
            self._models = None

    def closure(self, profile: np.ndarray) -> float | None:
        """This frame's closure (0 open, 1 the lids meeting), or None
        when the reference is too narrow to follow."""
        if self.narrow():
            return None
        if self._models is None:
            self._models = _Models(self.ref, self.upper, self.lower)
            self._built = self._life
        return float(self._models.read(profile[None])[0])


# Narrowing: each lid's half of the aperture (from its middle) and the skin beyond it, out to
# NARROW_REACH half-openings, matched by a stretch about the middle.
NARROW_STRETCHES = np.geomspace(0.4, 1.25, 61)
NARROW_REACH = 1.6
NARROW_SAMPLES = 40
# A half whose best stretch lies at an end of the range is not read (the truth may lie beyond
# it, or nowhere: a lower lid that is only a ramp of shading matches every stretch alike and
# best at the end): its lid counts as unmoved. (Also asking the correlation to vary by 0.1-0.2
# over the range left out lower lids that were read right: nanjiani's 30 % read 12-14 %.)


def lid_narrowing(lids: tuple[LidProfiles | None, ...], rest_mask: np.ndarray) -> np.ndarray | None:
    """(N, 2): each eye's opening as a share of its resting opening (1 unchanged, 0.7 narrowed
    by 30 %), NaN where a frame has no profiles; None without enough resting frames."""
    return _per_eye(lids, rest_mask, _narrowing)


def _narrowing(rest: np.ndarray, upper: float, lower: float, profiles: np.ndarray) -> np.ndarray:
    middle, half = (upper + lower) / 2, (upper - lower) / 2
    opening = np.zeros(len(profiles))
    for sign in (1.0, -1.0):  # the upper lid's half, then the lower's
        h = middle + sign * np.linspace(0.05 * half, NARROW_REACH * half, NARROW_SAMPLES)
        models = np.stack([np.interp(middle + (h - middle) / k, HEIGHTS, rest) for k in NARROW_STRETCHES])
        now = np.stack([np.interp(h, HEIGHTS, f) for f in profiles])
        best = np.argmax(_normalised(now) @ _normalised(models).T, axis=1)
        read = (best > 0) & (best < len(NARROW_STRETCHES) - 1)
        opening += np.where(read, NARROW_STRETCHES[best], 1.0) * half
    return opening / (upper - lower)
