"""Reading frames: photos, video files and cameras. The only place that opens them."""

from __future__ import annotations

import math
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .argtypes import MAX_CAMERA_INDEX
from .errors import CameraError, InputError
from .quiet import native_stderr_silenced

# OpenCV's own log lines (e.g. "Camera index out of range") would reach the user raw:
# our typed errors say it better.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".jp2", ".pgm", ".ppm"}
VIDEO_EXTENSIONS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}
MAX_SIDE_PX = 1920  # larger photos are scaled down: the mesh gains nothing and memory does
DEFAULT_FPS = 30.0  # for files that do not say
MAX_FRAME_STEP_S = 1.0  # a longer step between two frames' time stamps is a broken stamp
TRUNCATION_SLACK = 0.05  # containers often over-count their frames by a few
# A measurable face needs the mesh's ~100 px; well below this no detector finds one, and
# OpenCV's own calls assert on empty sizes (a 1×1 image, or 20000×1 scaled to 1920×0).
MIN_SIDE_PX = 32


def _check_file(path: Path) -> None:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:  # a name too long, a loop of links, a folder we may not enter
        raise InputError(f"{path}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a directory, not an image or video file")
    if not stat.S_ISREG(st.st_mode):  # a pipe or a device would block the decoder, or never end
        raise InputError(f"{path}: not a plain file (a pipe or a device?)")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    try:  # OpenCV crashes (a segmentation fault) on a name it cannot encode: an old disk's
        str(path).encode("utf-8")  # Latin-1 bytes, say, that Python keeps as surrogates
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", "replace")
        raise InputError(f"{shown}: the file's name is not UTF-8 text, which the readers need: rename it") from None


def kind_of(path: str | os.PathLike) -> str:
    """'image' or 'video', by content where the extension does not say."""
    path = Path(path)
    _check_file(path)
    ext = path.suffix.lower()
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in VIDEO_EXTENSIONS:
        return "video"
    return "image" if cv2.haveImageReader(str(path)) else "video"


def to_bgr8(image: np.ndarray, name: str = "the image") -> np.ndarray:
    """Any decoded image (grey, BGR, BGRA; 8 or 16 bit or float) → BGR uint8, bounded size.
    InputError when it is too small, or too thin, to hold a face."""
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise InputError(f"{name}: not a picture with 1, 3 or 4 colour channels")
    h, w = image.shape[:2]
    if min(h, w) < MIN_SIDE_PX:
        raise InputError(f"{name}: {w}×{h} pixels is too small to hold a face (at least {MIN_SIDE_PX} a side)")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.nan_to_num(image.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)  # NaN TIFFs exist
        peak = float(image.max())
        image = np.clip(image * (255.0 if peak <= 1.0 else 1.0), 0, 255).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        # Transparent pixels are shown over mid-grey rather than whatever colour they hide.
        alpha = image[..., 3:4].astype(np.float32) / 255.0
        image = (image[..., :3] * alpha + 128 * (1 - alpha)).astype(np.uint8)
    side = max(h, w)
    if side > MAX_SIDE_PX:
        f = MAX_SIDE_PX / side
        if min(h, w) * f < MIN_SIDE_PX:
            raise InputError(f"{name}: {w}×{h} pixels is too thin to hold a face")
        image = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image)


def read_image(path: str | os.PathLike) -> np.ndarray:
    path = Path(path)
    _check_file(path)
    # One decode that keeps 16-bit depth and applies the EXIF orientation of phone photos
    # (alpha is dropped: a face photo's transparent margin is not part of the face).
    try:
        with native_stderr_silenced():  # libpng/libjpeg complain on fd 2; we say it once, below
            image = cv2.imread(str(path), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    except cv2.error as exc:
        if "MAX_IMAGE_PIXELS" in str(exc) or "pixels" in str(exc).lower():
            raise InputError(f"{path}: the image claims to be larger than can be read safely") from None
        raise InputError(f"{path}: not an image file that can be read (corrupt or unsupported format)") from None
    if image is None or image.size == 0:
        raise InputError(f"{path}: not an image file that can be read (corrupt or unsupported format)")
    return to_bgr8(image, str(path))


@dataclass(frozen=True)
class Frame:
    index: int
    t_s: float
    image: np.ndarray  # BGR uint8


class _Capture:
    """An OpenCV capture released on close (idempotent), usable as a context manager."""

    _cap: cv2.VideoCapture

    def close(self) -> None:
        self._cap.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class VideoSource(_Capture):
    """Frames of a video file, released on close."""

    def __init__(self, path: str | os.PathLike):
        path = Path(path)
        _check_file(path)
        self.path = path
        with native_stderr_silenced():  # FFmpeg's own complaints about a damaged file
            self._cap = cv2.VideoCapture(str(path))
        if not self._cap.isOpened():
            self._cap.release()
            raise InputError(f"{path}: not a video file that can be read (corrupt, truncated or unsupported)")
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 1.0 <= fps <= 240.0 else DEFAULT_FPS
        self.declared_frames = max(0, int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT)))
        self.frames_read = 0

    def frames(self) -> Iterator[Frame]:
        base, last = None, -math.inf
        while True:
            with native_stderr_silenced():  # "[h264 @ …] error while decoding": `truncated` says it
                ok, image = self._cap.read()
            if not ok or image is None:
                return
            i = self.frames_read
            self.frames_read += 1
            # Each frame at its own time stamp: a phone records at a variable rate (fewer frames
            # in a dim room), and frame / average rate put a real clip's frames up to 0.36 s
            # off their time (tests/data/faces/face_noface.mov), so twitch rates, blink
            # durations and onsets with them. A stamp missing, going back or jumping further
            # than MAX_FRAME_STEP_S is taken as a frame at the nominal rate instead.
            pos = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if base is None:
                base = pos if math.isfinite(pos) else 0.0
                t = 0.0
            else:
                t = pos - base
                if not (math.isfinite(t) and 0.0 < t - last <= MAX_FRAME_STEP_S):
                    t = last + 1.0 / self.fps
                    base = pos - t if math.isfinite(pos) else base  # the next stamps follow on
            last = t
            yield Frame(i, t, to_bgr8(image, f"{self.path}, frame {i}"))

    @property
    def truncated(self) -> bool:
        """Fewer frames decoded than the container declares."""
        return self.declared_frames > 0 and self.frames_read < self.declared_frames * (1 - TRUNCATION_SLACK) - 3


MIN_FRAME_STEP_S = 0.001  # a millisecond: the landmarker's time step
CAMERA_WARMUP_READS = 5  # a camera may fail its very first reads while it starts


class CameraSource(_Capture):
    """Frames from a camera, timed by the monotonic clock, for `seconds` (None = until closed).
    Same interface as VideoSource."""

    def __init__(self, index: int, seconds: float | None = None):
        if not 0 <= index <= MAX_CAMERA_INDEX:
            raise CameraError(
                f"camera index {index} is not one a camera can have (0 to {MAX_CAMERA_INDEX}; "
                "see `facetension cameras`)"
            )
        self.index = index
        self.seconds = seconds
        with native_stderr_silenced():  # OpenCV's backends list every one they tried
            self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            raise CameraError(
                f"no camera could be opened at index {index} (is one connected, and not in use "
                "by another program?): see `facetension cameras`, or practise on a video with "
                "--source VIDEO"
            )
        ok = any(self._cap.read()[0] for _ in range(CAMERA_WARMUP_READS))
        if not ok:
            self._cap.release()
            raise CameraError(f"camera {index} opened but gives no picture (busy, or blocked by a privacy switch?)")
        self.fps = self._cap.get(cv2.CAP_PROP_FPS) or DEFAULT_FPS
        self.declared_frames = 0
        self.frames_read = 0
        self.truncated = False

    def frames(self) -> Iterator[Frame]:
        start = time.monotonic()
        last = -math.inf
        while self.seconds is None or time.monotonic() - start < self.seconds:
            ok, image = self._cap.read()
            if not ok or image is None:
                raise CameraError(f"camera {self.index} stopped giving pictures (unplugged?)")
            # Every frame a later time than the one before, as the session and the trackers
            # demand: the clock can read the same twice (Windows' monotonic clock ticks every
            # 15.6 ms before Python 3.13) when a camera hands over frames it had buffered.
            last = max(time.monotonic() - start, last + MIN_FRAME_STEP_S)
            yield Frame(self.frames_read, last, to_bgr8(image, f"camera {self.index}"))
            self.frames_read += 1


def probe_cameras(count: int) -> list[tuple[int, int, int]]:
    """(index, width, height) of each camera among indices 0..count-1 that opens and gives a
    picture. OpenCV's backends print a warning for every index that fails: silenced."""
    found = []
    with native_stderr_silenced():
        for index in range(count):
            cap = cv2.VideoCapture(index)
            try:
                if cap.isOpened() and cap.read()[0]:
                    found.append(
                        (index, int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
                    )
            finally:
                cap.release()
    return found
