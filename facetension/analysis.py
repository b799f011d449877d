"""`analyze`: resting asymmetry of a photo or a video, as one result dataclass."""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from . import face_model as fm
from .blinks import Blink, BlinkDetector, BlinkSummary
from .capture import Frame, VideoSource, kind_of, read_image, to_bgr8
from .errors import InputError
from .landmarks import Face, Landmarker, turned
from .lid_profiles import lids_of, sample_lids
from .logrecords import Key, median_index, median_tension
from .metrics import IRIS_DIAMETER_MM, MAX_ROLL_DEG, REGIONS, FrameMeasure, asymmetry_index, measure, score
from .occlusion import CoverDetector
from .refine import PIXEL_REFINED, PixelRefiner, Split
from .skin import SkinFollower
from .tension import SIDES, TENSION_REGIONS
from .tracker import MIN_TWITCH_FPS, Reading, TensionSample, TensionTracker, TwitchEvent
from .upright import UprightFrames, frame_detector

if TYPE_CHECKING:
    from .baselines import Baseline


@dataclass(frozen=True)
class RegionResult:
    left_mm: float
    right_mm: float
    diff_mm: float  # left − right, the subject's sides
    score: float  # 100 = symmetric
    spread_mm: float  # IQR of the per-frame diff (0 for a photo)
    frames: int  # frames this region was measured on
    # Who set the left/right split: "pixels" (refine.py's registration, on most frames),
    # "mesh, weak match" (the pixels were read but the sides did not match reliably: the
    # mesh's split stands) or "mesh" (the landmarks alone: the pixels were not read, or
    # the region is not refined from them).
    quality: str = "mesh"


@dataclass(frozen=True)
class TimelineRow:
    t_s: float
    face: bool
    measure: FrameMeasure | None  # in video, without its raw pixel readings (lids, skin): _kept
    tension: TensionSample | None = None


@dataclass(frozen=True)
class Analysis:
    source: str
    kind: str  # "image" | "video"
    frames_total: int
    frames_with_face: int
    frames_used: int
    faces_seen: int
    mm_per_px: float | None
    scale_source: str | None
    head_pose_deg: dict[str, float] | None
    regions: dict[str, RegionResult]
    philtrum_mm: float | None
    chin_mm: float | None
    asymmetry_index: float | None
    exclusions: dict[str, int]
    error: str | None = None  # why nothing could be measured (None when something was)
    warnings: tuple[str, ...] = ()  # measured, but the person should know (a truncated video)
    tension: dict[Key, float] = field(default_factory=dict)  # (region, side) → 0..1
    tension_index: float | None = None
    baseline: str = "default"  # "personal" | "default"
    events: tuple[TwitchEvent, ...] = ()
    timeline: tuple[TimelineRow, ...] = field(default=(), repr=False)
    blinks: tuple[Blink, ...] = ()  # each eye's closure, lag and duration (blinks.py)
    blink_summary: BlinkSummary | None = None  # None for a photo, or eyes never watched
    small_face: bool = False  # too few pixels for detail in most frames (metrics.SMALL_FACE_IRIS_PX)
    slow_frames: bool = False  # too few frames a second for twitches and blinks (tracker.MIN_TWITCH_FPS)

    @property
    def midline_deviation_mm(self) -> float | None:
        """Mean of the philtrum's and the chin's deviation, + toward the subject's left."""
        if self.philtrum_mm is None:
            return None
        return (self.philtrum_mm + self.chin_mm) / 2

    def to_json(self) -> dict:
        r = lambda v, n=2: None if v is None else round(float(v), n)  # noqa: E731
        return {
            "source": self.source,
            "kind": self.kind,
            "frames": {"total": self.frames_total, "with_face": self.frames_with_face, "used": self.frames_used},
            "faces_seen": self.faces_seen,
            "mm_per_px": r(self.mm_per_px, 4),
            "scale_source": self.scale_source,
            "head_pose_deg": None
            if self.head_pose_deg is None
            else {k: r(v, 1) for k, v in self.head_pose_deg.items()},
            "regions": {
                name: {
                    "left_mm": r(g.left_mm),
                    "right_mm": r(g.right_mm),
                    "diff_mm": r(g.diff_mm),
                    "score": r(g.score, 1),
                    "spread_mm": r(g.spread_mm),
                    "frames": g.frames,
                    "quality": g.quality,
                }
                for name, g in self.regions.items()
            },
            "midline_deviation_mm": r(self.midline_deviation_mm),
            "midline_mm": {"philtrum": r(self.philtrum_mm), "chin": r(self.chin_mm)},
            "asymmetry_index": r(self.asymmetry_index, 1),
            "exclusions": self.exclusions,
            "tension": {
                "regions": {
                    reg: {side: r(self.tension[(reg, side)], 3) for side in SIDES if (reg, side) in self.tension}
                    for reg in TENSION_REGIONS
                    if any((reg, side) in self.tension for side in SIDES)
                },
                "index": r(self.tension_index, 1),
                "baseline": self.baseline,
            },
            "events": [
                {
                    "t_s": e.t_s,
                    "kind": e.kind,
                    "region": e.region,
                    "side": e.side,
                    "duration_s": e.duration_s,
                    "amplitude": e.amplitude,
                    "amplitude_unit": e.unit,
                    "frequency_hz": e.frequency_hz,
                }
                for e in self.events
            ],
            "blinks": None
            if self.blink_summary is None
            else {**self.blink_summary.to_json(), "events": [b.to_json() for b in self.blinks]},
            "error": self.error,
            "warnings": list(self.warnings),
            "small_face": self.small_face,
            "slow_frames": self.slow_frames,
        }


# The refiner reads only around the eyes, brows and mouth corners: their box, widened by this
# many iris diameters on every side, holds its profiles and bands (tilted by roll).
_EYE_BROW = np.array(
    [
        i
        for group in (fm.RIGHT_BROW_UPPER, fm.RIGHT_LOWER_LID, fm.EYE_CORNERS, (fm.RIGHT_MOUTH_CORNER,))
        for j in group
        for i in (j, fm.mirrored(j))
    ]
)
EYE_BAND_MARGIN_IRIS = 2.5
EYE_BAND_MIN_MARGIN = 0.25  # ... and at least this share of the box's width (iris points can be off)


def measure_face(face: Face, frame_bgr: np.ndarray, refine: bool = True, still: bool = False) -> FrameMeasure:
    """One face in one frame (still: a photo) → its measurements, lids and brows refined from
    the pixels."""
    refiner = _pixel_refiner(face, frame_bgr) if refine else None
    return measure(face.landmarks, face.image_size, refine=refiner, still=still)


def _pixel_refiner(face: Face, frame_bgr: np.ndarray) -> PixelRefiner | None:
    # Only the eyes' and brows' part of the frame is made grey: the refiner samples there.
    h, w = frame_bgr.shape[:2]
    lm = face.landmarks
    x, y = lm[_EYE_BROW, 0], lm[_EYE_BROW, 1]  # a column at a time: axis-0 reductions of (n, 2) are slow
    lo_x, lo_y, hi_x, hi_y = float(x.min()), float(y.min()), float(x.max()), float(y.max())
    iris = math.dist(lm[fm.RIGHT_IRIS_RING[0], :2].tolist(), lm[fm.RIGHT_IRIS_RING[2], :2].tolist())
    pad = max(EYE_BAND_MARGIN_IRIS * iris, EYE_BAND_MIN_MARGIN * (hi_x - lo_x))
    x0, y0 = (min(max(math.floor(v - pad), 0), n - 1) for v, n in ((lo_x, w), (lo_y, h)))
    x1, y1 = (min(max(math.ceil(v + pad) + 1, 1), n) for v, n in ((hi_x, w), (hi_y, h)))
    if x1 <= x0 or y1 <= y0:
        return None
    gray = cv2.cvtColor(frame_bgr[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    return PixelRefiner(gray, face.landmarks, face.image_size, origin=(x0, y0))


# One eye under the blink opening, the other open, for this many frames in a row of one pass
# of the landmarker (video frames alternate between its direct and mirrored pass, which place
# a narrow eye's lids differently) is no blink (blinks.MAX_BLINK_S: a blink is over within
# 0.5 s; 15 of a pass is 0.5 s at 60 frames a second, 1 s at 30): a narrowed eye held so, or
# a spasm. From then on that eye is measured, as in a photo, until both eyes are open again
# or both shut. Without it, a held narrowed eye that read under a quarter of an iris left the
# frames out as "blinks", in one pass or all of them.
ONE_EYE_HELD_FRAMES = 15


class StreamMeasurer:
    """measure_face for the consecutive frames of one stream. With refine_every = n the
    pixels are read on every n-th frame, and the frames between apply that frame's split of
    the lids and brows (at most n − 1 frames old) to their own mesh; everything else is
    measured on every frame. A frame without a face starts over."""

    def __init__(self, refine: bool = True, refine_every: int = 1):
        if refine_every < 1:
            raise ValueError(f"refine_every must be at least 1, got {refine_every}")
        self.refine, self.refine_every = refine, refine_every
        self._split: Split | None = None
        self._age = 0
        self._one_shut = {False: 0, True: 0}  # per pass: frames in a row with one eye shut
        self.skin = SkinFollower()

    def reset(self) -> None:
        self._split = None
        self._one_shut = {False: 0, True: 0}
        self.skin.reset()

    def __call__(self, face: Face, frame_bgr: np.ndarray) -> FrameMeasure:
        # The lids are read in the pixels of every frame, refined or not (blinks.py follows
        # them), and so is the skin's motion (the twitch detector's signal).
        held = self._one_shut[face.mirrored_pass]
        m = self._measure(face, frame_bgr, still=held >= ONE_EYE_HELD_FRAMES)
        self._one_shut[face.mirrored_pass] = held + 1 if m.one_eye_shut else 0
        skin = self.skin(frame_bgr, face.landmarks, m.mm_per_px, blink="blink" in m.excluded)
        return replace(m, lids=sample_lids(frame_bgr, face.landmarks, face.mirrored_pass), skin=skin)

    def _measure(self, face: Face, frame_bgr: np.ndarray, still: bool) -> FrameMeasure:
        if not self.refine:
            return measure(face.landmarks, face.image_size, still=still)
        split = self._split
        if split is not None and self._age < self.refine_every - 1:
            self._age += 1
            return measure(face.landmarks, face.image_size, refine=split, still=still)  # that frame's split, this mesh
        refiner = _pixel_refiner(face, frame_bgr)
        m = measure(face.landmarks, face.image_size, refine=refiner, still=still)
        self._split, self._age = (None if refiner is None else refiner.split), 0
        return m


def mark_covered(m: FrameMeasure, parts: tuple[str, ...]) -> FrameMeasure:
    """The measure of a frame with `parts` of the face covered (occlusion.CoverDetector):
    none of its regions count (a hand on a cheek is no tense cheek), nor does the frame."""
    if not parts:
        return m
    return replace(m, regions={}, excluded=(*m.excluded, "covered"))


class FrameMeasurer:
    """Each frame of one stream (face or None, image) → its measure or None, as
    measured_frames measures it: StreamMeasurer, and the cover detector, which reads the
    pixels as often as the refiner (a frame between keeps the last answer: a hand does not
    come and go within 33 ms). A frame without a face starts both over."""

    def __init__(self, refine: bool = True, refine_every: int = 1):
        self.measurer = StreamMeasurer(refine, refine_every)
        self.cover = CoverDetector()
        self.refine_every = refine_every
        self._covered: tuple[str, ...] = ()
        self._count = 0

    def __call__(self, face: Face | None, image: np.ndarray) -> FrameMeasure | None:
        if face is None:
            self.measurer.reset()
            self.cover.reset()
            self._count = 0  # the face's return is read at once
            return None
        if self._count % self.refine_every == 0:
            self._covered = self.cover(face.landmarks, image)
        self._count += 1
        return mark_covered(self.measurer(face, image), self._covered)


def _iqr(values) -> float:
    if len(values) < 2:
        return 0.0
    q1, q3 = np.percentile(values, [25, 75])
    return float(q3 - q1)


def _robust(rows: list[tuple[bool, float]]) -> tuple[float, float]:
    """Median and IQR over frames. In video the frames alternate between the direct and the
    mirrored pass, whose small biases are opposite: each pass is summarised on its own and
    the two averaged, so neither the median nor the spread carries the bias."""
    groups = [np.array([v for m, v in rows if m == flag]) for flag in (False, True)]
    groups = [g for g in groups if len(g)]
    return float(np.mean([np.median(g) for g in groups])), float(np.mean([_iqr(g) for g in groups]))


def _quality(region: str, measures: list[FrameMeasure]) -> str:
    """RegionResult.quality: who set the region's split on most of its frames."""
    tried = [m.refined for m in measures if m.refined is not None]
    if region not in PIXEL_REFINED or not tried:
        return "mesh"
    return "pixels" if 2 * sum(region in r for r in tried) > len(tried) else "mesh, weak match"


def _tension_summary(timeline: list[TimelineRow]) -> tuple[dict[Key, float], float | None]:
    """Median over frames of the smoothed tension, per (region, side), and of the index."""
    samples = [row.tension for row in timeline if row.tension is not None]
    return median_tension([smp.values for smp in samples]), median_index([smp.index for smp in samples])


def _summarise(
    source: str,
    kind: str,
    timeline: list[TimelineRow],
    mirrored: list[bool],
    faces_seen: int,
    frames_total: int,
    tracker: TensionTracker | None = None,
    events: tuple = (),
) -> Analysis:
    measured = [(row, m) for row, m in zip(timeline, mirrored) if row.measure is not None]
    usable = [(row.measure, m) for row, m in measured if row.measure.usable]
    exclusions: dict[str, int] = {}
    for row, _ in measured:
        for reason in row.measure.excluded:
            exclusions[reason] = exclusions.get(reason, 0) + 1
    exclusions["no-face"] = sum(1 for row in timeline if not row.face)
    regions: dict[str, RegionResult] = {}
    for name in REGIONS:
        rows = [(m, fm.regions[name]) for fm, m in usable if name in fm.regions]
        if not rows:
            continue
        left, _ = _robust([(m, s.left) for m, s in rows])
        right, _ = _robust([(m, s.right) for m, s in rows])
        diff, spread = _robust([(m, s.diff) for m, s in rows])
        quality = _quality(name, [f for f, _ in usable if name in f.regions])
        regions[name] = RegionResult(left, right, diff, score(name, diff), spread, len(rows), quality)
    error = None
    if not usable:
        error = _why_unusable(timeline, exclusions)
    tension, tension_idx = _tension_summary(timeline)
    pick = lambda attr: _robust([(m, getattr(fm, attr)) for fm, m in usable])[0] if usable else None  # noqa: E731
    small = bool(usable) and sum(fm.small for fm, _ in usable) > len(usable) / 2
    return Analysis(
        source=source,
        kind=kind,
        frames_total=frames_total,
        frames_with_face=len(measured),
        frames_used=len(usable),
        faces_seen=faces_seen,
        mm_per_px=pick("mm_per_px"),
        scale_source=None
        if not usable
        else max(("iris", "face-model"), key=[fm.scale_source for fm, _ in usable].count),
        head_pose_deg=None if not usable else {a: pick(a + "_deg") for a in ("yaw", "pitch", "roll")},
        regions=regions,
        philtrum_mm=pick("philtrum_mm"),
        chin_mm=pick("chin_mm"),
        asymmetry_index=asymmetry_index({k: v.diff_mm for k, v in regions.items()}) if regions else None,
        exclusions={k: v for k, v in exclusions.items() if v},
        error=error,
        tension=tension,
        tension_index=tension_idx,
        baseline=tracker.baseline_kind if tracker else "default",
        events=tuple(events),
        timeline=tuple(timeline),
        warnings=(_small_face_note(kind, pick("mm_per_px")),) if small else (),
        small_face=small,
    )


def _small_face_note(kind: str, mm_per_px: float) -> str:
    """The warning for a face too few pixels across for detail (metrics.SMALL_FACE_IRIS_PX)."""
    what = "twitches were not looked for, and the figures are rough" if kind == "video" else "the figures are rough"
    return (
        f"the face is small in the picture (its iris about {IRIS_DIAMETER_MM / mm_per_px:.1f} px across, "
        f"{mm_per_px:.1f} mm a pixel): {what}; a larger or closer face measures better"
    )


def _why_unusable(timeline: list[TimelineRow], exclusions: dict[str, int]) -> str:
    seen = [row.measure for row in timeline if row.measure is not None]
    if not seen:
        return "no face found"
    if exclusions.get("pose"):
        yaw = float(np.median([abs(m.yaw_deg) for m in seen]))
        pitch = float(np.median([abs(m.pitch_deg) for m in seen]))
        roll = float(np.median([abs(m.roll_deg) for m in seen]))
        if roll > MAX_ROLL_DEG:
            return f"face tilted {roll:.0f}° to the side (more than {MAX_ROLL_DEG:.0f}°): hold your head upright"
        if yaw >= pitch:
            return f"face turned {yaw:.0f}° away (more than 20°): face the camera"
        return f"face tilted {pitch:.0f}° up or down (more than 20°): look straight at the camera"
    if exclusions.get("out-of-frame"):
        return "face partly outside the picture"
    if exclusions.get("blink"):
        # Closed lids hide the irises and pupils the measurements are scaled and levelled by.
        return "the eyes were closed, or nearly, in every frame: rest with your eyes open, looking at the camera"
    return "no usable frame"


def _tracker(baseline: Baseline | None) -> TensionTracker:
    return TensionTracker.for_baseline(baseline)


# Said when a photo or a video had to be turned to stand its face upright (upright.py).
TURNED_NOTES = {
    1: "the {what} lay on its side: it was measured turned a quarter turn clockwise",
    2: "the {what} was upside down: it was measured turned the right way up",
    3: "the {what} lay on its side: it was measured turned a quarter turn anticlockwise",
}


def analyze_image(
    image_bgr: np.ndarray,
    landmarker: Landmarker,
    source: str = "<array>",
    refine: bool = True,
    baseline: Baseline | None = None,
) -> Analysis:
    turns, face = landmarker.detect_upright(image_bgr)
    image_bgr = turned(image_bgr, turns)  # a photo on its side or upside down, stood upright
    m = None if face is None else measure_face(face, image_bgr, refine, still=True)
    tracker = _tracker(baseline)
    sample = None if face is None else tracker.update(Reading.of(face, m), 0.0)
    row = TimelineRow(0.0, face is not None, m, sample)
    result = _summarise(source, "image", [row], [False], 0 if face is None else face.faces_seen, 1, tracker)
    if turns:
        result = replace(result, warnings=(*result.warnings, TURNED_NOTES[turns].format(what="picture")))
    return result


# Video files: frames decoded ahead of the landmarker, on a thread of their own (decoding a
# 640×480 frame takes ~0.3 ms, a 1280×720 one ~0.7: 4–8 % of an inference, hidden on the
# second core). A few frames ride out jitter, and memory stays flat. Not cameras: they give
# frames at their own pace, so reading ahead gains nothing there.
READ_AHEAD_FRAMES = 3


def _read_ahead(frames: Iterable[Frame], depth: int = READ_AHEAD_FRAMES) -> Iterator[Frame]:
    """The same frames, in order, read `depth` ahead on one worker thread (OpenCV decodes
    without the GIL). An error reading a frame is raised where that frame would have come.
    Closing this generator waits for the reads under way, so the source may be closed then."""
    it = iter(frames)

    def read() -> Frame | None:
        return next(it, None)  # VideoSource silences FFmpeg around each read (quiet.py serialises that)

    pool = ThreadPoolExecutor(max_workers=1)  # one worker: reads stay in order
    try:
        ahead = deque(pool.submit(read) for _ in range(depth))
        while (frame := ahead.popleft().result()) is not None:
            ahead.append(pool.submit(read))
            yield frame
    finally:
        pool.shutdown(cancel_futures=True)  # waits for a read under way; drops those not begun


def measured_frames(
    source,
    landmarker: Landmarker,
    refine: bool = True,
    progress: Callable[[int, int], None] | None = None,
    pipeline: bool = True,
    refine_every: int = 1,
    upright: UprightFrames | None = None,
):
    """(frame, face or None, measure or None) for every frame of a video or camera source, in
    order (frame is a capture.Frame: its time and image). The source is a new video to the
    landmarker: its tracking starts afresh. A video file's frames are stood upright, and the
    frame given is the one measured (upright.py; `upright`, if given, keeps the turns).

    pipeline=True (files): frame i is measured on a worker thread while the landmarker runs on
    frame i + 1, and a VideoSource's frames are decoded ahead on another (MediaPipe and
    OpenCV release the GIL), so metrics and decoding ride on the second core; a bounded
    number of frames wait, so memory stays flat. Close this generator before the source
    (contextlib.closing) if it may be left unfinished. pipeline=False (live): each frame is
    measured at once, so it is shown ~8 ms after it arrives instead of a frame later.
    refine_every: see FrameMeasurer."""
    measured = FrameMeasurer(refine, refine_every)
    landmarker.new_video()
    detect = upright.detect if upright is not None else frame_detector(source, landmarker)

    if not pipeline:
        for frame in source.frames():
            frame, face = detect(frame)
            yield frame, face, measured(face, frame.image)
            if progress:
                progress(source.frames_read, source.declared_frames)
        return
    frames = _read_ahead(source.frames()) if isinstance(source, VideoSource) else source.frames()
    with closing(frames), ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for frame in frames:
            frame, face = detect(frame)
            if pending is not None:
                prev_frame, prev, future = pending
                yield prev_frame, prev, future.result()
            future = pool.submit(measured, face, frame.image)  # in order: one worker
            pending = (frame, face, future)
            if progress:
                progress(source.frames_read, source.declared_frames)
        if pending is not None:
            prev_frame, prev, future = pending
            yield prev_frame, prev, future.result()


def _kept(m: FrameMeasure | None) -> FrameMeasure | None:
    """A frame's measure as the timeline keeps it: without its pixels' raw readings (both
    eyes' lid profiles, the skin's motion), which the blink and twitch detectors have read
    by then. They held almost half of the timeline's memory: 8.7 KB a frame with them, 4.8 KB
    without (0.9 and 0.5 GB for an hour of video at 30 fps)."""
    return None if m is None or (m.lids is None and m.skin is None) else replace(m, lids=None, skin=None)


def analyze_video(
    path,
    landmarker: Landmarker,
    refine: bool = True,
    progress: Callable[[int, int], None] | None = None,
    baseline: Baseline | None = None,
) -> Analysis:
    """Measure every frame of a video file, track tension and twitches along its own time."""
    timeline, mirrored, events, faces_seen = [], [], [], 0
    tracker = _tracker(baseline)
    blinks = BlinkDetector()
    upright = UprightFrames(landmarker)
    # closing: the frames' reader thread is done before the video is released, even on an error
    with (
        VideoSource(path) as video,
        closing(measured_frames(video, landmarker, refine, progress, upright=upright)) as frames,
    ):
        for frame, face, m in frames:
            t_s = frame.t_s
            sample = tracker.update(None if face is None else Reading.of(face, m), t_s)
            if sample is not None:
                events.extend(sample.events)
            blinks.update(t_s, lids_of(m))
            kept = _kept(m)
            if kept is not None and sample is not None and sample.blink:
                kept = kept.eyes_shut()  # a blink, or held shut since one (tension.ShutEyes)
            timeline.append(TimelineRow(t_s, face is not None, kept, sample))
            mirrored.append(bool(face is not None and face.mirrored_pass))
            faces_seen = max(faces_seen, 0 if face is None else face.faces_seen)
        if video.frames_read == 0:
            raise InputError(f"{path}: no frame could be decoded (truncated or corrupt video)")
        result = _summarise(
            str(path), "video", timeline, mirrored, faces_seen, video.frames_read, tracker, tuple(events)
        )
        result = replace(result, blinks=tuple(blinks.blinks), blink_summary=blinks.summary())
        if 2 * tracker.frames_slow > tracker.frames_read or blinks.slow:
            rate = 1.0 / float(np.median(np.diff([row.t_s for row in timeline])))
            note = (  # MIN_BLINK_FPS is the same 12: a blink's closure, too, falls between frames
                f"the video has about {rate:.0f} frames a second: twitches and blinks were not looked "
                f"for (they need {MIN_TWITCH_FPS:.0f} or more)"
            )
            result = replace(result, slow_frames=True, warnings=(*result.warnings, note))
        if upright.turns:
            note = TURNED_NOTES[upright.turns].format(what="video")
            result = replace(result, warnings=(*result.warnings, note))
        if video.truncated:  # what could be read is measured; the person is told the rest is missing
            note = (
                f"the video is damaged or cut short: {video.frames_read} of its {video.declared_frames} "
                "frames could be read and were measured"
            )
            result = replace(result, warnings=(*result.warnings, note))
    return result


def analyze(
    source: str | os.PathLike | np.ndarray,
    *,
    landmarker: Landmarker | None = None,
    model_path=None,
    refine: bool = True,
    progress: Callable[[int, int], None] | None = None,
    baseline: Baseline | None = None,
) -> Analysis:
    """Analyse one photo or video: a path, or a picture already in memory as a numpy BGR uint8
    array (H, W, 3); grey (H, W) and BGRA (H, W, 4) uint8 arrays are taken too.

    landmarker: an open Landmarker to reuse over many inputs (it stays open), instead of one
    opened for this call from model_path. Raises InputError for an unreadable input or an
    unfit array (TypeError for neither a path nor an array, ValueError for options that
    contradict); a readable input with no usable face returns an Analysis whose `error` says
    why."""
    if landmarker is not None and model_path is not None:
        raise ValueError("give a landmarker or a model_path, not both: the landmarker has its model")
    if isinstance(source, np.ndarray):
        kind, name, image = "image", "<array>", _checked_array(source)
    elif isinstance(source, (str, os.PathLike)):
        kind, name = kind_of(source), str(source)
        image = read_image(source) if kind == "image" else None
    else:
        raise TypeError(f"analyze takes a path or a numpy image array, not {type(source).__name__}")
    if landmarker is not None and landmarker.mode not in (None, kind):
        raise ValueError(f"this Landmarker was opened for {landmarker.mode}s only; Landmarker() takes both")
    with Landmarker(model_path=model_path) if landmarker is None else nullcontext(landmarker) as lm:
        if image is not None:
            return analyze_image(image, lm, name, refine, baseline)
        return analyze_video(Path(source), lm, refine, progress, baseline)


def _checked_array(image: np.ndarray) -> np.ndarray:
    """A picture given as an array, as BGR uint8; InputError naming what was expected."""
    channels = image.shape[2] if image.ndim == 3 else None
    if image.dtype != np.uint8 or not (image.ndim == 2 or channels in (3, 4)):
        raise InputError(
            "expected a BGR uint8 image array of shape (height, width, 3) (or grey (height, width), "
            f"or BGRA (height, width, 4)), got a {image.dtype} array of shape {image.shape}"
        )
    return to_bgr8(image, "the image array")
