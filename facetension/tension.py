"""Muscle tension per region and side, against a relaxed reference (pure numpy).

Tension is built from MediaPipe's blendshapes (muscle-like activations) and the measured
geometry (eye opening, mouth-corner and brow positions). Both are taken relative to a
relaxed reference: the user's own (a personal baseline from `calibrate`) or built-in
defaults, because every face is asymmetric and every face rests differently.

    activation = Σ weight · blendshape                       (per region, per side)
    blend      = clip((activation − rest − DEADBAND) / SPAN, 0, 1)
    geometry   = clip(change toward contraction / FULL_CHANGE, 0, 1)
    tension    = (1 − GEO_WEIGHT) · blend + GEO_WEIGHT · geometry     (with geometry)
               = blend                                               (without)

Biases measured on this model (benchmarks/blendshape_bias.py): on symmetric chimeras the
direct pass reads eyeSquint 0.07 and mouthPress 0.05 higher on one side; the mirror pass
(landmarks.py) brings both under 0.02. Under head roll of ±20° the left−right difference of
eyeSquint wanders by up to 0.12 with no consistent slope, so it cannot be regressed away:
the DEADBAND absorbs it, and the geometric terms, measured in the pose-corrected head frame,
carry the eye and the mouth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .face import BLENDSHAPE_NAMES
from .metrics import FrameMeasure

TENSION_REGIONS = ("brow", "eye", "cheek", "mouth", "chin", "jaw")
SIDES = ("left", "right")

# Blendshape weights per region ({side} becomes Left or Right; names without it are
# bilateral and count for both sides).
WEIGHTS: dict[str, dict[str, float]] = {
    "brow": {"browDown{side}": 1.0},
    "eye": {"eyeSquint{side}": 1.0, "eyeBlink{side}": 0.5},  # partial closure, blinks left out
    "cheek": {"cheekSquint{side}": 1.0, "noseSneer{side}": 0.5},
    "mouth": {"mouthPress{side}": 1.0, "mouthSmile{side}": 1.0, "mouthStretch{side}": 1.0, "mouthDimple{side}": 1.0},
    "chin": {"mouthShrugLower": 1.0},
    "jaw": {"jaw{side}": 1.0, "jawForward": 0.5},
}
# A region's activation is its blendshapes' weighted sum (each 0..1): at most its weights' sum.
# A face held tight at rest, the smile and the dimple of a contracted mouth corner, can read
# above 1 (a calibration read 1.02 for the mouth).
MAX_ACTIVATION = {region: sum(terms.values()) for region, terms in WEIGHTS.items()}
# Built-in relaxed activations, the medians over the neutral frames of the test clips
# and portraits (single_face.mp4 neutral part, grace_hopper.jpg); a personal baseline replaces them.
DEFAULT_REST = {"brow": 0.01, "eye": 0.45, "cheek": 0.0, "mouth": 0.1, "chin": 0.1, "jaw": 0.0}
DEADBAND = 0.08  # activation changes below this are model noise (pose, lighting), not tension
SPAN = 0.5  # activation above rest + deadband that counts as full tension

GEO_WEIGHT = 0.6  # share of the geometric term where there is one
EYE_FULL_NARROWING = 0.4  # an eye 40 % narrower than at rest is fully tense
MOUTH_FULL_MM = 4.0  # a corner 4 mm higher or further out than at rest is fully tense
BROW_FULL_MM = 4.0  # a brow 4 mm lower than at rest is fully tense
DEFAULT_EYE_OPENING_MM = 8.0  # adult resting opening; used without a personal baseline

INDEX_SCALE = 100.0


@dataclass(frozen=True)
class Rest:
    """A relaxed reference: activations per (region, side) and resting geometry per side."""

    activation: dict[tuple[str, str], float]
    eye_mm: dict[str, float] | None = None  # opening per side
    corner_drop_mm: dict[str, float] | None = None
    corner_out_mm: dict[str, float] | None = None
    brow_mm: dict[str, float] | None = None
    personal: bool = False


def default_rest() -> Rest:
    return Rest(
        activation={(r, s): DEFAULT_REST[r] for r in TENSION_REGIONS for s in SIDES},
        eye_mm={s: DEFAULT_EYE_OPENING_MM for s in SIDES},
    )


def _bs_index(name: str) -> int:
    return BLENDSHAPE_NAMES.index(name)


# (region, side) → list of (blendshape index, weight), resolved once.
_TERMS = {
    (region, side): [(_bs_index(n.format(side=side.capitalize())), w) for n, w in terms.items()]
    for region, terms in WEIGHTS.items()
    for side in SIDES
}
# The same as one (regions × sides, blendshapes) matrix: every activation in one product.
_TERM_MATRIX = np.zeros((len(_TERMS), len(BLENDSHAPE_NAMES)))
for _row, _terms in enumerate(_TERMS.values()):
    for _i, _w in _terms:
        _TERM_MATRIX[_row, _i] += _w
EYE_BLINK = {s: _bs_index(f"eyeBlink{s.capitalize()}") for s in SIDES}
BLINK_SCORE = 0.5  # both eyes above this: a blink


def activations(blendshapes: np.ndarray) -> dict[tuple[str, str], float]:
    if blendshapes.shape != (len(BLENDSHAPE_NAMES),):
        raise ValueError(f"blendshapes: expected ({len(BLENDSHAPE_NAMES)},), got {blendshapes.shape}")
    return dict(zip(_TERMS, (_TERM_MATRIX @ blendshapes).tolist()))


# Eyes held shut (a person resting with the eyes closed) read between a blink and an open
# eye: MediaPipe reads a shut eye a quarter to three fifths open, and a scripted shut eye's
# eyeBlink at 0.42-0.57, so a third of such frames passed for open eyes 70 % narrower than
# at rest: "Let your eye soften", again and again, to someone relaxing with closed eyes.
# Once a blink is seen, the eyes count as shut while both still read so (a Schmitt trigger):
SHUT_HOLD_SCORE = 0.35  # both eyes' eyeBlink at least this (the wide set's open eyes: 0.01-0.31) ...
SHUT_HOLD_OPENING = 0.6  # ... and both open less than this share of their resting opening
# (a squint, tension to be seen, narrows an eye by up to about 40 %).


def is_blink(blendshapes: np.ndarray, measure: FrameMeasure | None) -> bool:
    """Both eyes closing together. A one-sided closure is not a blink: it may be a spasm."""
    scored = min(blendshapes[EYE_BLINK["left"]], blendshapes[EYE_BLINK["right"]]) > BLINK_SCORE
    return bool(scored or (measure is not None and "blink" in measure.excluded))


def still_shut(blendshapes: np.ndarray, measure: FrameMeasure | None, rest: Rest) -> bool:
    """After a blink: whether both eyes still read as closed (see SHUT_HOLD_SCORE)."""
    if min(blendshapes[EYE_BLINK["left"]], blendshapes[EYE_BLINK["right"]]) < SHUT_HOLD_SCORE:
        return False
    eye = None if measure is None else measure.regions.get("eye")
    if eye is None or not rest.eye_mm:
        return True
    return all(getattr(eye, s) < SHUT_HOLD_OPENING * rest.eye_mm[s] for s in SIDES)


class ShutEyes:
    """Frame by frame, whether the eyes are shut: a blink (is_blink), and after it for as
    long as they still read closed (still_shut). A frame without a face starts over."""

    def __init__(self):
        self.shut = False

    def update(self, blendshapes: np.ndarray | None, measure: FrameMeasure | None, rest: Rest) -> bool:
        if blendshapes is None:
            self.shut = False
        else:
            self.shut = is_blink(blendshapes, measure) or (self.shut and still_shut(blendshapes, measure, rest))
        return self.shut


def geometry(measure: FrameMeasure, rest: Rest) -> dict[tuple[str, str], float]:
    """Geometric contraction per (region, side), unclipped (1 = full tension), where the
    resting geometry is known."""
    out: dict[tuple[str, str], float] = {}
    regions = measure.regions
    for side in SIDES:
        if "eye" in regions and rest.eye_mm:
            opening = getattr(regions["eye"], side)
            out[("eye", side)] = (1 - opening / rest.eye_mm[side]) / EYE_FULL_NARROWING
        if "mouth_corner" in regions and rest.corner_drop_mm and rest.corner_out_mm:
            up = rest.corner_drop_mm[side] - getattr(regions["mouth_corner"], side)
            out_ = getattr(regions["mouth_excursion"], side) - rest.corner_out_mm[side]
            out[("mouth", side)] = max(up, out_) / MOUTH_FULL_MM
        if "brow" in regions and rest.brow_mm:
            out[("brow", side)] = (rest.brow_mm[side] - getattr(regions["brow"], side)) / BROW_FULL_MM
    return out


@dataclass(frozen=True)
class FrameTension:
    """One frame: tension 0..1 per (region, side), and the unclipped drive behind it
    (the signal twitches are looked for in: it moves both ways around rest)."""

    values: dict[tuple[str, str], float]
    drive: dict[tuple[str, str], float]


def _unit(v: float) -> float:
    """v clipped to 0..1 (plain Python: per frame, np.clip's overhead on a scalar adds up)."""
    return min(max(float(v), 0.0), 1.0)


def frame_tension(
    blendshapes: np.ndarray, measure: FrameMeasure | None, rest: Rest, blink: bool = False
) -> FrameTension:
    """Tension for one frame. During a blink the eye is left out, and so is the geometry
    (metrics.FrameMeasure.eyes_shut says why)."""
    act = activations(blendshapes)
    geo = geometry(measure, rest) if measure is not None and measure.usable and not blink else {}
    values, drive = {}, {}
    for key, a in act.items():
        if blink and key[0] == "eye":
            continue
        above = (a - rest.activation[key]) / SPAN
        blend = _unit(above - DEADBAND / SPAN)
        if key in geo:
            values[key] = (1 - GEO_WEIGHT) * blend + GEO_WEIGHT * _unit(geo[key])
            drive[key] = (1 - GEO_WEIGHT) * above + GEO_WEIGHT * geo[key]
        else:
            values[key], drive[key] = blend, above
    return FrameTension(values, drive)


def tension_index(values: dict[tuple[str, str], float]) -> float:
    """0..100: the mean over regions of the tenser side. Held tension on one side counts fully."""
    per_region = [
        max(values.get((r, s), 0.0) for s in SIDES) for r in TENSION_REGIONS if any((r, s) in values for s in SIDES)
    ]
    return INDEX_SCALE * sum(per_region) / len(per_region) if per_region else float("nan")


def build_rest(samples: list[tuple[np.ndarray, FrameMeasure | None]]) -> Rest:
    """A personal relaxed reference from frames of a face at rest: the median activation of
    each region and side, and the median resting geometry. Blinks are left out."""
    calm = [(bs, m) for bs, m in samples if not is_blink(bs, m)]
    if not calm:
        raise ValueError("no usable frames to build a relaxed reference from")
    acts = [activations(bs) for bs, _ in calm]
    activation = {k: float(np.median([a[k] for a in acts])) for k in acts[0]}
    measures = [m for _, m in calm if m is not None and m.usable]

    def med(region: str, attr=None):
        vals = [m.regions[region] for m in measures if region in m.regions]
        if not vals:
            return None
        return {s: float(np.median([getattr(v, s) for v in vals])) for s in SIDES}

    return Rest(
        activation,
        eye_mm=med("eye") or {s: DEFAULT_EYE_OPENING_MM for s in SIDES},
        corner_drop_mm=med("mouth_corner"),
        corner_out_mm=med("mouth_excursion"),
        brow_mm=med("brow"),
        personal=True,
    )
