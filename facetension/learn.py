"""Learning a relaxed baseline from frames of a face at rest (pure: no I/O, no clock).
`calibrate` (a clip or the camera) and the practice's first session both use it."""

from __future__ import annotations

from .baselines import Baseline
from .errors import NoUsableFaceError
from .tension import build_rest
from .tracker import Reading, TensionTracker, TrackerSettings

MIN_CALIBRATION_S = 4.0  # enough rest after the tracker's warm-up to learn the noise floor
MIN_FACE_SHARE = 0.6  # the face must be measurable in most frames


def baseline_from(frames, source_name: str, taken_at: str) -> Baseline:
    """A Baseline from (t_s, face, measure) frames of a face at rest (pure: no I/O)."""
    usable = [(t, f, m) for t, f, m in frames if f is not None and m is not None and m.usable]
    span = usable[-1][0] - usable[0][0] if usable else 0.0
    if span < MIN_CALIBRATION_S or len(usable) < MIN_FACE_SHARE * len(frames):
        raise NoUsableFaceError(
            f"{source_name}: a calibration needs at least {MIN_CALIBRATION_S:.0f} s of a still, frontal, "
            f"relaxed face (got {span:.1f} s in {len(usable)} of {len(frames)} frames)")
    rest = build_rest([(f.blendshapes, m) for _, f, m in usable])
    # The noise floor: the same face at rest, tracked against its own reference.
    tracker = TensionTracker(rest, settings=TrackerSettings())
    for t, f, m in frames:
        tracker.update(None if f is None else Reading.of(f, m), t)
    return Baseline(rest, tracker.noise_floor(), taken_at, source_name, len(usable))
