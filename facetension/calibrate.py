"""Record a personal relaxed baseline from a calibration clip or the camera."""

from __future__ import annotations

from contextlib import closing

from .analysis import measured_frames
from .baselines import Baseline
from .landmarks import Landmarker
from .learn import MIN_CALIBRATION_S, MIN_FACE_SHARE, Stillness, baseline_from, stillness  # noqa: F401


def calibrate(source, landmarker: Landmarker, source_name: str, taken_at: str, progress=None) -> Baseline:
    """A Baseline from a face at rest. `taken_at` comes from the caller (no clock here)."""
    return calibrate_checked(source, landmarker, source_name, taken_at, progress)[0]


def calibrate_checked(
    source, landmarker: Landmarker, source_name: str, taken_at: str, progress=None
) -> tuple[Baseline, Stillness]:
    """The Baseline, and how still and relaxed the face was while it was learnt."""
    # closing: the frame reader's thread is done before the source is released, even on an error
    with closing(measured_frames(source, landmarker, progress=progress)) as measured:
        frames = [(fr.t_s, face, m) for fr, face, m in measured]
    return baseline_from(frames, source_name, taken_at), stillness(frames)
