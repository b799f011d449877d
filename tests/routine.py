"""A real-face clip for the whole daily routine, timed to the phases the practice fits to it.

The neutral part of a real webcam clip (scripted.py) is looped; the subject's LEFT eye is
narrowed and the LEFT mouth corner pulled up (known warps) from just after the calibration
until the massage ends, so "before" finds them tense and "after massage" relaxed; hands of
real skin from other photos (covered.py) massage during the massage; and one more hand
rests on the RIGHT cheek and mouth for a few seconds of the guided relaxation, where it
must not count (nor earn a "tense cheek" prompt). Written at 15 fps to keep tests quick.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from facetension.session import PracticeSettings

from covered import Hand, compose, track_video, write_mp4
from scripted import CornerShift, EyeNarrow, make_clip

SECONDS = 110.0
MASSAGE_MIN = 1.0
FPS_DIVIDER = 2  # 30 → 15 fps
CHECK_S = 1.0  # the check passes after check_hold_s of a good face from the first frame
CALIBRATION_MARGIN_S = 1.0  # the tension starts this long after the calibration's planned end
SETTLE_S = 2.0


@dataclass(frozen=True)
class Timeline:
    """The planned phases' starts (session time, s), from the settings the CLI fits."""

    calibrate: float
    before: float
    massage: float
    after_massage: float  # the earliest: the face must first be clear and still
    relax: float
    after: float
    end: float


def timeline(settings: PracticeSettings) -> Timeline:
    cal = CHECK_S
    before = cal + settings.calibrate_s
    massage = before + settings.before_s
    after_massage = massage + settings.massage_s + SETTLE_S
    relax = after_massage + settings.after_massage_s
    after = relax + settings.relax_s
    return Timeline(cal, before, massage, after_massage, relax, after, after + settings.after_s)


def settings() -> PracticeSettings:
    return PracticeSettings.fitted(SECONDS, calibrate=True, massage_s=MASSAGE_MIN * 60.0)


@lru_cache(maxsize=1)
def _frames() -> tuple[tuple, float, Timeline]:
    tl = timeline(settings())
    tense = (tl.before + CALIBRATION_MARGIN_S, tl.after_massage - SETTLE_S - 1.0)
    frames, fps = make_clip((EyeNarrow("left", 0.7, *tense, 1.0), CornerShift("left", 3.0, *tense, 1.0)), SECONDS)
    frames, fps = list(frames[::FPS_DIVIDER]), fps / FPS_DIVIDER
    hands = (
        Hand("multi_face.jpg", "hand", "left_cheek_mouth", tl.massage + 1.0, tl.massage + 27.0),
        Hand("Image_with_alpha.png", "hand", "forehead", tl.massage + 31.0, tl.massage + 57.0),
        Hand("grace_hopper.jpg", "cheek", "right_cheek_mouth", tl.relax + 1.0, tl.relax + 5.0),
    )
    covered, _ = compose(frames, track_video(frames, fps), hands, fps)
    return tuple(covered), fps, tl


def routine_clip(folder: Path) -> tuple[Path, Timeline, tuple[float, float]]:
    """The clip written into folder, its planned timeline, and the relaxation's covered stretch."""
    frames, fps, tl = _frames()
    path = write_mp4(list(frames), Path(folder) / "routine.mp4", fps)
    return path, tl, (tl.relax + 1.0, tl.relax + 5.0)
