"""Record a personal relaxed baseline from a calibration clip or the camera."""

from __future__ import annotations

from .analysis import measured_frames
from .baselines import Baseline
from .errors import NoUsableFaceError
from .landmarks import Landmarker
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


def calibrate(source, landmarker: Landmarker, source_name: str, taken_at: str,
              progress=None) -> Baseline:
    """A Baseline from a face at rest. `taken_at` comes from the caller (no clock here)."""
    frames = [(fr.t_s, face, m) for fr, face, m in measured_frames(source, landmarker, progress=progress)]
    return baseline_from(frames, source_name, taken_at)
