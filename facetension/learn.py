"""Learning a relaxed baseline from frames of a face at rest (pure: no I/O, no clock).
`calibrate` (a clip or the camera) and the practice's first session both use it."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from . import __version__
from .baselines import Baseline, from_data, to_data
from .errors import NoUsableFaceError
from .tension import SIDES, Rest, ShutEyes, build_rest, is_blink
from .tracker import Reading, TensionTracker, TrackerSettings

MIN_CALIBRATION_S = 4.0  # enough rest after the tracker's warm-up to learn the noise floor
MIN_FACE_SHARE = 0.6  # the face must be measurable in most frames
# A relaxed face holds its left-right differences: second by second they move by well under a
# millimetre (0.0-0.1 mm on the resting test clip, which is built from 15 real neutral frames;
# the per-frame noise floor is ~0.1-0.3 mm). A spread (10th to 90th percentile of the
# per-second medians) beyond this means one side was held or moved for part of the recording,
# as in the demo clip's 3.0 mm: not a relaxed reference. Not yet checked on a long real
# resting video, which the test media lack.
STEADY_DIFF_MM = {"eye": 1.0, "mouth_corner": 1.0, "brow": 1.5}
# The open eye's opening, for telling eyes held shut: this quantile of the readings (a
# relaxed face blinks for a tenth of the time at most; eyes closed for part of the learning
# leave the wider readings open ones).
OPEN_EYE_QUANTILE = 0.75
STILL_HEAD_DEG = 6.0  # head turning over the recording beyond this (10th-90th percentile)
# Frames this close to a blink or to eyes held shut are left out too: the lids are still
# moving, and the mesh reads the pupils (and the mouth corners hung from their line) low
# before the eyes read closed: up to 10 mm on the test face, two frames before and after.
CLOSED_MARGIN_S = 0.2


def baseline_from(frames, source_name: str, taken_at: str) -> Baseline:
    """A Baseline from (t_s, face, measure) frames of a face at rest (pure: no I/O)."""
    usable = [(t, f, m) for t, f, m in frames if f is not None and m is not None and m.usable]
    span = usable[-1][0] - usable[0][0] if usable else 0.0
    need = f"{source_name}: a calibration needs at least {MIN_CALIBRATION_S:.0f} s of a still, frontal, relaxed face"
    if span < MIN_CALIBRATION_S:
        raise NoUsableFaceError(f"{need} (got {span:.1f} s)")
    if len(usable) < MIN_FACE_SHARE * len(frames):  # the seconds are there, the face was not, most of them
        raise NoUsableFaceError(
            f"{need} in most of the recording, and it could be measured in only {len(usable)} of "
            f"{len(frames)} frames: face the screen, in good light, with the whole face in view"
        )
    open_eyed = _open_eyed(frames, usable)
    if len(open_eyed) < MIN_FACE_SHARE * len(usable):
        raise NoUsableFaceError(
            f"{need} with the eyes open, and the eyes were closed in {len(usable) - len(open_eyed)} of "
            f"{len(usable)} frames: keep them open, looking at the screen"
        )
    rest = build_rest([(f.blendshapes, m) for _, f, m in open_eyed])
    # The noise floor: the same face at rest, tracked against its own reference.
    tracker = TensionTracker(rest, settings=TrackerSettings())
    for t, f, m in frames:
        tracker.update(None if f is None else Reading.of(f, m), t)
    baseline = Baseline(rest, tracker.noise_floor(), taken_at, source_name, len(usable), __version__)
    try:  # the log must read back what it keeps, or every later session would stop on it
        from_data(taken_at, source_name, len(usable), to_data(baseline))
    except ValueError as exc:
        raise NoUsableFaceError(f"{source_name}: no relaxed reference could be learnt from it ({exc})") from None
    return baseline


def _open_eyed(frames, usable) -> list:
    """The usable frames with the eyes open. Eyes held shut are no relaxed reference: under
    closed lids the mesh reads the brows and mouth corners millimetres off (see
    metrics.FrameMeasure.eyes_shut), and every later session would be measured against
    that. They are found as the practice finds them (tension.ShutEyes: a blink, held while
    the eyes read shut), against the open eye's opening: the wider readings' OPEN_EYE_QUANTILE."""
    openings = [m.regions["eye"] for _, _, m in usable if "eye" in m.regions]
    if not openings:  # the mesh saw every eye closed (a blink)
        return []
    wide = {side: float(np.quantile([getattr(e, side) for e in openings], OPEN_EYE_QUANTILE)) for side in SIDES}
    rest = Rest({}, eye_mm=wide)  # only the opening is needed
    eyes, closed = ShutEyes(), []
    for t, f, m in frames:
        seen = f is not None and m is not None and m.usable
        if eyes.update(f.blendshapes if seen else None, m, rest) or (seen and is_blink(f.blendshapes, m)):
            closed.append(t)
    closed.sort()
    return [(t, f, m) for t, f, m in usable if not _near(closed, t, CLOSED_MARGIN_S)]


def _near(times: list[float], t: float, margin: float) -> bool:
    """Whether sorted `times` hold one within `margin` of t."""
    i = bisect.bisect_left(times, t - margin)
    return i < len(times) and times[i] <= t + margin


@dataclass(frozen=True)
class Stillness:
    """How steady the face was while a baseline was learnt: per region, the spread of its
    left-right difference (mm); the head's turning (degrees); and what to warn about."""

    diff_spread_mm: dict[str, float]
    head_turn_deg: float
    warnings: tuple[str, ...]


def stillness(frames) -> Stillness:
    """From (t_s, face, measure) frames: per-second medians, so blinks and single frames
    do not count, and their 10th-90th percentile spread."""
    seconds: dict[int, list] = {}
    for t, f, m in frames:
        if f is not None and m is not None and m.usable:
            seconds.setdefault(int(t), []).append(m)
    per_second = list(seconds.values())
    spread = {}
    for region in STEADY_DIFF_MM:
        medians = [
            float(np.median(d))
            for ms in per_second
            if (d := [m.regions[region].diff for m in ms if region in m.regions])
        ]
        if len(medians) >= 2:
            spread[region] = float(np.percentile(medians, 90) - np.percentile(medians, 10))
    yaw = [float(np.median([m.yaw_deg for m in ms])) for ms in per_second]
    pitch = [float(np.median([m.pitch_deg for m in ms])) for ms in per_second]
    turn = max((float(np.percentile(a, 90) - np.percentile(a, 10)) for a in (yaw, pitch) if len(a) >= 2), default=0.0)
    warnings = [
        f"your {REGION_WORDS[r]} moved on one side more than the other ({v:.1f} mm; at rest it stays "
        f"within {STEADY_DIFF_MM[r]:.1f} mm): a side was held or moved for part of the recording"
        for r, v in spread.items()
        if v > STEADY_DIFF_MM[r]
    ]
    if turn > STILL_HEAD_DEG:
        warnings.append(f"your head turned by {turn:.0f}° (keep it within {STILL_HEAD_DEG:.0f}°)")
    return Stillness(spread, turn, tuple(warnings))


REGION_WORDS = {"eye": "eyes", "mouth_corner": "mouth corners", "brow": "brows"}
