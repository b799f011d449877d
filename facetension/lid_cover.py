"""An eye's closure read as the share of its aperture the upper lid covers (pure numpy).

A closing upper lid slides down over the aperture, its margin (lashes) first and its skin
behind. The closure is the share x of the aperture that, covered so in the open reference
(the aperture's top x replaced by the x above the lid), gives the brightness the aperture
has now. Reading the covered share, not the lost contrast, keeps a scripted lid that stops
at 70 % reading 0.70, though the iris is darkest at its top. 0 is open; a shut eye reads 0.6
(real blinks) to 0.85 (a scripted lid), never 1: a closed lid's lashes and shading stay
darker than the lid above.

It needs contrast between the open aperture and the lid above it, which a hooded lid's fold
shades away, and it reads the mean brightness of a window, which moves with the eye's line:
the blink detector reads the lid's slide instead (lid_slide.py). The movement check reads
this where both eyes allow it (movement.pixel_closure).
"""

from __future__ import annotations

import numpy as np

from .lid_profiles import HEIGHTS, EyeReference

MIN_CONTRAST = 6.0  # grey levels between the open aperture and the lid above it, or nothing to follow
_STEP = float(HEIGHTS[1] - HEIGHTS[0])
_COVER = np.linspace(0.0, 1.0, 101)  # shares of the aperture covered from the top


def _cumulative(profile: np.ndarray) -> np.ndarray:
    """The profile integrated from its first height to each height (trapezoids)."""
    return np.concatenate([[0.0], np.cumsum((profile[1:] + profile[:-1]) * (_STEP / 2))])


def _mean(cum: np.ndarray, low: float, high: float) -> float:
    """Mean brightness between two heights, from the integrated profile."""
    a, b = np.interp((low, high), HEIGHTS, cum)
    return float((b - a) / (high - low))


class CoveredEye(EyeReference):
    """One eye's open reference and its closure against it, by the covered share."""

    def _covered(self, cum0: np.ndarray, shares: np.ndarray) -> np.ndarray:
        """Mean brightness of the open reference's aperture with its top shares covered."""
        ap = self.upper - self.lower
        left_open = np.interp(self.upper - shares * ap, HEIGHTS, cum0) - np.interp(self.lower, HEIGHTS, cum0)
        lid = np.interp(self.upper + shares * ap, HEIGHTS, cum0) - np.interp(self.upper, HEIGHTS, cum0)
        return (left_open + lid) / ap

    def _reference(self) -> np.ndarray | None:
        """The open reference's aperture covered by each share of _COVER (see _covered), or
        None when it cannot be followed: too narrow, or too little contrast between the
        open aperture (share 0) and the lid above it (share 1)."""
        if self.narrow():
            return None
        covered = self._covered(_cumulative(self.ref), _COVER)
        return covered if covered[-1] - covered[0] >= MIN_CONTRAST else None

    def usable(self) -> bool:
        return self._reference() is not None

    def closure(self, profile: np.ndarray) -> float | None:
        """This frame's closure against the reference (which must be set), or None when the
        reference cannot be followed."""
        covered = self._reference()
        if covered is None:
            return None
        now = _mean(_cumulative(profile), self.lower, self.upper)
        if now <= covered[0]:  # no lighter than open: as much more open as it is darker
            return float((now - covered[0]) / (covered[-1] - covered[0]))
        past = np.flatnonzero(covered >= now)
        if not len(past):
            return 1.0
        i = int(past[0])
        return float(
            _COVER[i - 1] + (now - covered[i - 1]) / (covered[i] - covered[i - 1]) * (_COVER[i] - _COVER[i - 1])
        )
