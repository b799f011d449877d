"""Face Landmarker adapter: the only module that imports MediaPipe.

Each result is turned into numpy once, here: landmarks (478, 3) in pixels (z on the same
scale as x), 52 blendshape scores, and the 4×4 head-pose matrix. "No face" is None.

Small faces: MediaPipe's detector (BlazeFace short range, 128×128 input) misses faces
under about a quarter of a 16:9 frame's height. When the whole frame yields nothing we
search square crops, and in video we keep a square region of interest around the face
from frame to frame, so a face far from the laptop is seen at a workable size.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import os
import stat
import weakref
import zipfile
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from .errors import ModelError
from .face import BLENDSHAPE_NAMES, N_BLENDSHAPES, Face  # noqa: F401  (re-exported: the adapter's types)
from .face_model import RIGHT_OUTER_CANTHUS, mirror_index, mirrored
from .quiet import native_stderr_silenced

BUNDLED_MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MODEL_MEMBERS = {"face_detector.tflite", "face_landmarks_detector.tflite", "face_blendshapes.tflite"}
MODELS_CACHED = 4  # distinct model files kept in memory (each ~3.7 MB)

MAX_FACES = 4  # enough to notice a second person and still measure the largest
MIN_DETECTION_CONFIDENCE = 0.5
MIN_PRESENCE_CONFIDENCE = 0.5
MIN_TRACKING_CONFIDENCE = 0.5

# Region of interest, as multiples of the face's size (forehead to chin).
ROI_SIDE_PER_FACE = 2.6  # crop side: the face fills ~40 % of it, where the detector is best
ROI_KEEP_INNER = 0.30  # keep the crop while the face centre stays within ±30 % of its side
ROI_KEEP_SCALE = (0.7, 1.4)  # ... and the face's size within this ratio of the crop's face size
SEARCH_OVERLAP = 0.5  # neighbouring search crops overlap by half their side
# Video: while no face is found, search the crops only every few frames: the search costs
# ~20 detector runs, and a face that appears is still found within a fifth of a second.
SEARCH_EVERY_FRAMES = 6

# A picture turned on its side or upside down (a phone photo that lost its orientation tag,
# a camera mounted upside down). The detector finds faces rolled to about ±90°, but the mesh
# reads a face on its side 1–8 mm off its upright reading, and upside down it fits a wrong
# face with a roll near 0°. Such a fit betrays itself: its direct and mirrored passes
# disagree more (median landmark distance, in eye spans) than the upright face's do.
UPRIGHT_MAX_ROLL_DEG = 45.0  # beyond this, a quarter turn brings the face nearer upright
# Passes this close need no other turn tried: the 20 upright test photos' passes differ by
# 0.6–1.8 % of the eye span, those photos upside down by 4–72 % (when both find a face).
SURE_FIT = 0.02
QUARTER_TURNS = (None, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE)
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = RIGHT_OUTER_CANTHUS, mirrored(RIGHT_OUTER_CANTHUS)  # the roll's line
# The mirrored pass must have found the same person as the direct one (a group photo).
SAME_FACE_SPANS = 0.5  # box centres within half an eye span (the passes differ by ~1 %)
# A photo's face is measured again in a crop around it when that crop (ROI_SIDE_PER_FACE)
# is at most this share of the picture's short side; a portrait's crop is the picture.
PHOTO_CROP_MAX_SHARE = 0.75


quiet_native = native_stderr_silenced  # one thread at a time: see quiet.py


def landmarker_options(model: bytes, video: bool):
    """MediaPipe's options for our task: the wrapper's and the benchmark's bare landmarker alike."""
    from mediapipe.tasks.python import BaseOptions, vision

    return vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=model),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_faces=MAX_FACES,
        min_face_detection_confidence=MIN_DETECTION_CONFIDENCE,
        min_face_presence_confidence=MIN_PRESENCE_CONFIDENCE,
        min_tracking_confidence=MIN_TRACKING_CONFIDENCE,
        output_face_blendshapes=True,
        output_facial_transformation_matrixes=True,
    )


def bundled_model_path() -> Path:
    return Path(str(resources.files("facetension.data").joinpath("face_landmarker.task")))


def load_model(path: str | os.PathLike | None = None) -> tuple[bytes, str]:
    """Read and check a model bundle; return (bytes, sha256).

    The bundled model must match its published checksum. A user's own model must at
    least be a Face Landmarker bundle (a zip holding the three networks).

    Each file is read and checked once per process: the result is kept under the file's
    resolved path, size, modification time and inode, so a file changed on disk is read
    and checked again. model_cache_info().misses counts the reads.
    """
    bundled = path is None
    path = Path(path) if path is not None else bundled_model_path()
    try:
        st = path.stat()
        resolved = path.resolve()
    except FileNotFoundError:
        raise ModelError(f"model file not found: {path}") from None
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ModelError(f"model path is a directory, not a file: {path}")
    return _checked_model(str(resolved), st.st_size, st.st_mtime_ns, st.st_ino, bundled)


@lru_cache(maxsize=MODELS_CACHED)
def _checked_model(path: str, size: int, mtime_ns: int, inode: int, bundled: bool) -> tuple[bytes, str]:
    """load_model's work; size, mtime_ns and inode are only part of the cache key."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror}") from None
    digest = hashlib.sha256(data).hexdigest()
    if bundled and digest != BUNDLED_MODEL_SHA256:
        raise ModelError(f"the bundled model {path} is damaged (checksum mismatch); reinstall facetension")
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        raise ModelError(f"{path} is not a Face Landmarker model bundle (.task)") from None
    if not names >= MODEL_MEMBERS:
        raise ModelError(f"{path} is not a Face Landmarker model bundle: missing {sorted(MODEL_MEMBERS - names)}")
    return data, digest


model_cache_info = _checked_model.cache_info


def _swap_name(name: str) -> str:
    if "Left" in name:
        return name.replace("Left", "Right")
    if "Right" in name:
        return name.replace("Right", "Left")
    return name


# Blendshape i of a mirrored image is blendshape BLENDSHAPE_MIRROR[i] of the real face.
BLENDSHAPE_MIRROR = np.array([BLENDSHAPE_NAMES.index(_swap_name(n)) for n in BLENDSHAPE_NAMES])
_POSE_FLIP = np.diag([-1.0, 1.0, 1.0, 1.0])


def unmirror(face: Face) -> Face:
    """A face found in a left-right mirrored frame, expressed in the real frame: x flipped,
    and every landmark and blendshape relabelled to the subject's true side."""
    w = face.image_size[0]
    lm = face.landmarks.copy()
    lm[:, 0] = w - lm[:, 0]
    real = np.empty_like(lm)
    real[mirror_index()] = lm
    bs = np.empty_like(face.blendshapes)
    bs[BLENDSHAPE_MIRROR] = face.blendshapes
    return Face(real, bs, _POSE_FLIP @ face.pose @ _POSE_FLIP, face.image_size, face.faces_seen)


def average(a: Face, b: Face) -> Face:
    """The mean of two passes over the same frame (direct and mirrored)."""
    return Face(
        (a.landmarks + b.landmarks) / 2,
        (a.blendshapes + b.blendshapes) / 2,
        a.pose,
        a.image_size,
        max(a.faces_seen, b.faces_seen),
    )


# -- one MediaPipe task --------------------------------------------------------------------
@dataclass(frozen=True)
class _Found:
    """One face of one inference, as MediaPipe gave it: normalised to the image it saw."""

    norm: np.ndarray  # (478, 3): x, y in 0..1 of that image; z on x's scale
    blendshapes: np.ndarray  # (52,)
    pose: np.ndarray  # (4, 4)


class _Task:
    """One MediaPipe FaceLandmarker (IMAGE or VIDEO mode), its results read into numpy.

    MediaPipe's own detect() turns every landmark into a Python object (478 per face, about
    0.45 ms a frame: 5 % of the inference) which we would then turn into numpy. Its result
    struct is read into numpy directly instead, through the same C functions detect() calls
    (MediaPipe 0.10.31's ctypes layer, pinned in pyproject.toml; tests/test_api.py checks
    the numbers against detect()'s).

    Those C calls are made on the calling thread, not through MediaPipe's dispatcher thread.
    There the caller waits in Python, where Ctrl-C (or SIGTERM, SIGHUP) raises while the
    native detection still runs: the image and the result were then freed under it, and
    the process crashed (segmentation fault) or printed "Exception ignored in Image.__del__".
    A ctypes call cannot be interrupted, so the signal now lands once the frame is done."""

    def __init__(self, model: bytes, video: bool):
        # Imported here so that importing facetension stays light and quiet.
        import mediapipe as mp
        from mediapipe.tasks.python import vision
        from mediapipe.tasks.python.components.containers.category_c import CategoryC
        from mediapipe.tasks.python.components.containers.landmark_c import NormalizedLandmarkC
        from mediapipe.tasks.python.core import mediapipe_c_bindings, mediapipe_c_utils
        from mediapipe.tasks.python.vision import face_landmarker
        from mediapipe.tasks.python.vision.core import image as mp_image

        self._point = _dtype_of(NormalizedLandmarkC, ("x", "y", "z"))
        self._category = _dtype_of(CategoryC, ("score",))
        self._result_type, self._srgb = face_landmarker.FaceLandmarkerResultC, mp.ImageFormat.SRGB
        # The raw library, its signatures as MediaPipe declares them.
        self._lib = mediapipe_c_bindings.load_raw_library(
            tuple(face_landmarker._CTYPES_SIGNATURES) + tuple(mp_image._CTYPES_SIGNATURES)
        )
        self._raise_for = mediapipe_c_utils.handle_status
        self.video = video
        self.used = False  # has it seen a frame (a VIDEO task then holds tracking state)
        options = landmarker_options(model, video)
        try:
            with quiet_native():
                self.task = vision.FaceLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"the model could not be loaded: {exc}") from None

    def run(self, rgb: np.ndarray, t_ms: int | None) -> list[_Found]:
        """The faces in an RGB uint8 image; in VIDEO mode t_ms must rise from call to call."""
        self.used = True
        lib, handle = self._lib, self.task._handle
        rgb = np.ascontiguousarray(rgb)
        image = ctypes.c_void_p()
        try:
            pixels = rgb.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8))
            h, w = rgb.shape[:2]
            self._call(lib.MpImageCreateFromUint8Data, self._srgb, w, h, pixels, rgb.size, ctypes.byref(image))
            result = self._result_type()
            if self.video:
                self._call(lib.MpFaceLandmarkerDetectForVideo, handle, image, None, t_ms, ctypes.byref(result))
            else:
                self._call(lib.MpFaceLandmarkerDetectImage, handle, image, None, ctypes.byref(result))
            try:
                return [self._found(result, i) for i in range(result.face_landmarks_count)]
            finally:
                lib.MpFaceLandmarkerCloseResult(ctypes.byref(result))
        finally:
            if image:
                lib.MpImageFree(image)

    def _call(self, function, *args) -> None:
        """A MediaPipe C function returning a status: a failure raised as MediaPipe would."""
        message = ctypes.c_char_p()
        status = function(*args, ctypes.byref(message))
        try:
            self._raise_for(status, message)
        finally:
            if message.value is not None:
                self._lib.MpErrorFree(message)

    def _found(self, result, i: int) -> _Found:
        marks, scores = result.face_landmarks[i], result.face_blendshapes[i]
        points = _c_array(marks.landmarks, marks.landmarks_count, self._point)
        categories = _c_array(scores.categories, scores.categories_count, self._category)
        pose = result.facial_transformation_matrixes[i].to_numpy()
        return _Found(
            np.column_stack([points["x"], points["y"], points["z"]]).astype(np.float64),
            categories["score"].astype(np.float64),
            pose.astype(np.float64).reshape(4, 4),
        )

    def close(self) -> None:
        self.task.close()


def _dtype_of(struct, fields: tuple[str, ...]) -> np.dtype:
    """A numpy view of a ctypes struct's float fields (the rest of it skipped)."""
    return np.dtype(
        {
            "names": list(fields),
            "formats": [np.float32] * len(fields),
            "offsets": [getattr(struct, f).offset for f in fields],
            "itemsize": ctypes.sizeof(struct),
        }
    )


def _c_array(pointer, count: int, dtype: np.dtype) -> np.ndarray:
    """`count` structs at a C pointer, copied (MediaPipe frees its result right after)."""
    return np.frombuffer(ctypes.string_at(pointer, count * dtype.itemsize), dtype)


def _pick(found: list[_Found], near=None) -> int:
    """The largest face, or, given a point in normalised coordinates, the face nearest it."""
    if len(found) == 1:
        return 0
    if near is not None:
        return int(np.argmin([np.hypot(*(f.norm[:, :2].mean(axis=0) - near)) for f in found]))
    return int(np.argmax([np.ptp(f.norm[:, 0]) * np.ptp(f.norm[:, 1]) for f in found]))


def _search_crops(w: int, h: int) -> list[tuple[int, int, int]]:
    """Square crops (x0, y0, side) to search when the whole frame finds nothing:
    first squares of the short side, then squares of half of it, with overlap."""
    crops = []
    for side in (min(w, h), min(w, h) // 2):
        step = max(1, int(side * (1 - SEARCH_OVERLAP)))
        xs = list(range(0, w - side + 1, step)) or [0]
        ys = list(range(0, h - side + 1, step)) or [0]
        if xs[-1] != w - side:
            xs.append(w - side)
        if ys[-1] != h - side:
            ys.append(h - side)
        crops += [(x, y, side) for y in ys for x in xs]
    return crops


def _roi_for(face: Face, roi, w: int, h: int):
    """Keep the current square region of interest while the face sits well inside it,
    else centre a new one on the face. None means the whole frame."""
    x0, y0, x1, y1 = face.box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    size = max(y1 - y0, x1 - x0)
    if roi is not None:
        rx, ry, side = roi
        inside = max(abs(cx - (rx + side / 2)), abs(cy - (ry + side / 2))) < ROI_KEEP_INNER * side
        ratio = size * ROI_SIDE_PER_FACE / side
        if inside and ROI_KEEP_SCALE[0] <= ratio <= ROI_KEEP_SCALE[1]:
            return roi
    side = int(min(size * ROI_SIDE_PER_FACE, w, h))
    if side >= w and side >= h:
        return None
    return (int(np.clip(cx - side / 2, 0, w - side)), int(np.clip(cy - side / 2, 0, h - side)), side)


def turned(image: np.ndarray, turns: int) -> np.ndarray:
    """The picture given `turns` quarter turns clockwise (lossless; 0 gives it back as is)."""
    code = QUARTER_TURNS[turns % 4]
    return image if code is None else cv2.rotate(image, code)


def _eye_line(face: Face) -> np.ndarray:
    """From the subject's right outer eye corner to the left one, in the picture's pixels."""
    return face.landmarks[LEFT_EYE_OUTER, :2] - face.landmarks[RIGHT_EYE_OUTER, :2]


def eye_roll_deg(face: Face) -> float:
    """The roll of the line between the outer eye corners in the picture, + when the subject's
    left side is up; ±180 upside down."""
    dx, dy = _eye_line(face)
    return float(np.degrees(np.arctan2(-dy, dx)))


def _disagreement(a: Face, b: Face) -> float:
    """How far two passes over one picture put the landmarks: the median distance, in eye spans."""
    span = max(float(np.linalg.norm(_eye_line(a))), 1.0)
    return float(np.median(np.linalg.norm(a.landmarks[:, :2] - b.landmarks[:, :2], axis=1))) / span


def _rank(misfit: float | None) -> float:
    """A fit's rank among turns: its misfit; a face only one pass found ranks last."""
    return np.inf if misfit is None else misfit


def _same_place(a: Face, b: Face) -> bool:
    """Two passes found the same face: their centres within half an eye span."""
    return bool(np.hypot(*np.subtract(a.centre_px, b.centre_px)) <= SAME_FACE_SPANS * np.linalg.norm(_eye_line(a)))


def _rgb(bgr: np.ndarray, flip: bool) -> np.ndarray:
    """A BGR picture (or a crop of one: any row stride) as the contiguous RGB copy MediaPipe
    reads, mirrored left-right if asked: one copy either way (cv2 reads strided views)."""
    if not flip:
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    out = cv2.flip(bgr, 1)
    return cv2.cvtColor(out, cv2.COLOR_BGR2RGB, dst=out)


class Landmarker:
    """MediaPipe's Face Landmarker, opened once and used for any number of photos and videos.

    detect(image) measures a photo; detect(frame, t_ms) the next frame of a video, t_ms being
    its time. Each kind gets its own MediaPipe task, made on first use. A video's frames are
    tracked from one to the next: new_video() (which analyze and measured_frames call)
    starts the next video afresh, as a new Landmarker would, and so does a frame whose time
    is earlier than the last one's. mode="image" or "video" pins every call to one kind (as
    `Landmarker("video")`, which then requires t_ms).

    Mirror pass: the network is not exactly left-right equivariant (on one frontal
    portrait it read a mouth corner 1 mm lower on the same side whether or not the photo
    was mirrored). Photos are therefore measured twice, as they are and mirrored, and the
    two are averaged, so a mirrored input gives exactly mirrored numbers. In video, frames
    alternate between the two passes (each with its own tracker), which keeps the cost at
    one inference per frame; aggregates combine both (see Face.mirrored_pass).

    Use as a context manager; close() is idempotent.
    """

    def __init__(self, mode: str | None = None, model_path=None, mirror_pass: bool = True):
        if mode not in (None, "image", "video"):
            raise ValueError(f"mode must be None (photos and videos), 'image' or 'video', got {mode!r}")
        self.mode = mode
        self.mirror_pass = mirror_pass
        self._model, self.model_sha256 = load_model(model_path)
        # "image": photos, and the crop search in video; False, True: a video tracker per
        # orientation (direct, mirrored). Each is made on first use.
        self._tasks: dict = {"image": None, False: None, True: None}
        # Closed at exit if close() was never called: MediaPipe's own clean-up fails once the
        # interpreter is tearing its modules down.
        self._finalizer = weakref.finalize(self, _close_tasks, self._tasks)
        self._new_stream()

    def _new_stream(self) -> None:
        self._roi: tuple[int, int, int] | None = None  # (x0, y0, side) in the real frame
        self._last_ms = {False: -1, True: -1}  # the times MediaPipe was given, per tracker
        self._last_t: int | None = None  # the caller's time of the last frame
        self._next_mirrored = False
        self._since_search = SEARCH_EVERY_FRAMES

    def new_video(self) -> None:
        """The next frame starts a new video: tracking and timestamps start over. MediaPipe
        keeps a VIDEO task's tracking and demands rising times, so a task that has seen
        frames is closed and made anew (~20 ms)."""
        self._check_open()
        for flip in (False, True):
            task = self._tasks[flip]
            if task is not None and task.used:
                task.close()
                self._tasks[flip] = None
        self._new_stream()

    def _task(self, kind) -> _Task:
        """The task for "image", or the video tracker of one orientation (False, True)."""
        if self._tasks[kind] is None:
            self._tasks[kind] = _Task(self._model, video=kind != "image")
        return self._tasks[kind]

    # -- inference -------------------------------------------------------------------
    def _detect_in(self, task: _Task, frame, crop, t_ms, near=None, flip: bool = False) -> Face | None:
        """The chosen face of one inference on a crop (x0, y0, side) of the frame, or on all
        of it, in the frame's pixels. flip: the inference sees the crop mirrored, and the face
        comes back in the mirrored frame's pixels (crop given in those)."""
        h, w = frame.shape[:2]
        x0, y0, side = crop if crop else (0, 0, 0)
        if crop and flip:  # the mirrored frame's crop is this crop of the real frame, mirrored
            sub = frame[y0 : y0 + side, w - x0 - side : w - x0]
        else:
            sub = frame[y0 : y0 + side, x0 : x0 + side] if crop else frame
        found = task.run(_rgb(sub, flip), t_ms)
        if not found:
            return None
        sh, sw = sub.shape[:2]
        if near is not None:  # pixels → this crop's normalised coordinates
            near = ((near[0] - x0) / sw, (near[1] - y0) / sh)
        f = found[_pick(found, near)]
        lm = f.norm * (sw, sh, sw)  # MediaPipe's z shares x's normalisation
        lm[:, 0] += x0
        lm[:, 1] += y0
        return Face(lm, f.blendshapes, f.pose, (w, h), len(found))

    def _search(self, frame, flip: bool = False) -> Face | None:
        h, w = frame.shape[:2]
        best = None
        for crop in _search_crops(w, h):
            face = self._detect_in(self._task("image"), frame, crop, None, flip=flip)
            if face is not None and (best is None or face.height_px > best.height_px):
                best = face
            if best is not None and crop[2] != min(w, h):  # a hit among the small crops: stop
                break
        return best

    def _detect_image(self, frame, near=None, flip: bool = False, search: bool = True) -> Face | None:
        face = self._detect_in(self._task("image"), frame, None, None, near, flip)
        return face if face is not None or not search else self._search(frame, flip)

    def _detect_video(self, frame, t_ms: int, flip: bool) -> Face | None:
        """One frame through one pass's tracker. The region of interest is shared by both
        passes and kept in the real frame's coordinates."""
        task = self._task(flip)
        h, w = frame.shape[:2]
        roi = self._roi
        if roi is not None and flip:
            roi = (w - roi[0] - roi[2], roi[1], roi[2])
        t = max(int(t_ms), self._last_ms[flip] + 1)  # MediaPipe demands strictly rising times
        face = self._detect_in(task, frame, roi, t, flip=flip)
        if face is None and roi is not None:
            t += 1
            face = self._detect_in(task, frame, None, t, flip=flip)
        self._last_ms[flip] = t
        if face is None:
            self._since_search += 1
            if self._since_search >= SEARCH_EVERY_FRAMES:
                self._since_search = 0
                face = self._search(frame, flip)
        if face is not None and flip:
            face = replace(unmirror(face), mirrored_pass=True)
        self._roi = None if face is None else _roi_for(face, self._roi, w, h)
        return face

    def detect(self, frame_bgr: np.ndarray, t_ms: int | None = None) -> Face | None:
        """The largest face in a BGR uint8 picture, or None. A photo without t_ms; the next
        frame of a video with its time in milliseconds."""
        self._check_open()
        video = self.mode == "video" or (self.mode is None and t_ms is not None)
        if not video:
            return self._detect_photo(frame_bgr)
        if t_ms is None:
            raise ValueError("VIDEO mode needs the frame's time in milliseconds")
        if self._last_t is not None and t_ms < self._last_t:  # time went back: another video
            self.new_video()
        self._last_t = t_ms
        flip = self.mirror_pass and self._next_mirrored
        self._next_mirrored = not self._next_mirrored
        return self._detect_video(frame_bgr, t_ms, flip)

    def _detect_photo(self, image) -> Face | None:
        return self._photo_passes(image)[0]

    def _photo_passes(self, image, search: bool = True) -> tuple[Face | None, float | None]:
        """The photo's face (both passes averaged) and how far the passes disagree (None
        without both). search=False: the whole picture only, without the crop search.

        A face small in the picture (a group photo, a person far from the camera) is found
        in the whole picture, then each pass measures it again in a square crop around it,
        as video frames are: the detector sees the whole picture at 128 px and placed one of
        five people in a group photo 46-78 px (a third to half of the face) off where a crop
        of them put them. The mirrored pass must measure the same person: in a group photo it may
        find another, and then looks again in that crop, or is left out."""
        h, w = image.shape[:2]
        face = self._detect_image(image, search=search)
        crop = None if face is None else _roi_for(face, None, w, h)
        if crop is not None and crop[2] > PHOTO_CROP_MAX_SHARE * min(w, h):
            crop = None  # the face fills the picture: the whole picture is the crop already
        if crop is not None:
            again = self._detect_in(self._task("image"), image, crop, None, face.centre_px)
            if again is not None and _same_place(face, again):
                face = replace(again, faces_seen=face.faces_seen)
        if not self.mirror_pass:
            return face, None
        flipped = None
        if face is not None and crop is None:
            near = (w - face.centre_px[0], face.centre_px[1])
            flipped = self._detect_image(image, near, flip=True)
            flipped = None if flipped is None else unmirror(flipped)
        elif face is None:
            flipped = self._detect_image(image, flip=True, search=search)
            flipped = None if flipped is None else unmirror(flipped)
        if face is not None and (crop is not None or flipped is not None and not _same_place(face, flipped)):
            flipped = self._mirrored_around(image, face)
            if flipped is not None and not _same_place(face, flipped):
                flipped = None
        if face is None or flipped is None:
            return face or flipped, None
        return average(face, flipped), _disagreement(face, flipped)

    def _mirrored_around(self, image, face: Face) -> Face | None:
        """The mirrored pass on a square crop around a face the direct pass found."""
        h, w = image.shape[:2]
        crop = _roi_for(face, None, w, h)
        if crop is not None:  # the crop in the mirrored frame's pixels
            crop = (w - crop[0] - crop[2], crop[1], crop[2])
        near = (w - face.centre_px[0], face.centre_px[1])
        found = self._detect_in(self._task("image"), image, crop, None, near, flip=True)
        return None if found is None else unmirror(found)

    def detect_upright(self, image: np.ndarray, search: bool = True, sure: bool = False) -> tuple[int, Face | None]:
        """A photo's face with the picture stood upright: (quarter turns clockwise the picture
        needed, the face in the turned picture, or None).

        A face that reads upright and that both passes fit alike costs nothing more than
        detect(). Otherwise the other turns are tried, the one its roll points to first (a
        half turn when it reads upright: an upside-down face is fitted as an upright one),
        and the best fit among the faces that read upright is kept; a face only one pass
        found ranks last. With no face at all, the other turns are looked at whole, without
        the crop search (which costs ~20 detector runs a pass): a face upside down is often
        not found at all. There, only a sure fit is taken: a turned picture can show a face
        where there is none. search=False: no crop search in the picture as it is either;
        sure=True: only a sure fit turns it (a video: one frame decides for the whole clip)."""
        self._check_open()
        face, misfit = self._photo_passes(image, search)
        if not self.mirror_pass:  # nothing to compare fits by: the roll alone decides
            turns = 0 if face is None else round(eye_roll_deg(face) / 90) % 4
            return (0, face) if turns == 0 else (turns, self._photo_passes(turned(image, turns), search)[0])
        if face is not None and self._upright(face) and misfit is not None and misfit <= SURE_FIT:
            return 0, face
        fits = [] if face is None or not self._upright(face) else [(_rank(misfit), 0, face)]
        hinted = 2 if face is None else round(eye_roll_deg(face) / 90) % 4 or 2
        for turns in dict.fromkeys((hinted, 2, 1, 3)):
            picture = turned(image, turns)
            if face is None and self._detect_in(self._task("image"), picture, None, None) is None:
                continue
            other, fit = self._photo_passes(picture, search)
            if other is None or not self._upright(other):
                continue
            if fit is not None and fit <= SURE_FIT:
                return turns, other
            if face is not None and not sure:  # a face is there: its best reading
                fits.append((_rank(fit), turns, other))
        if not fits:
            return 0, face
        _, turns, best = min(fits, key=lambda f: f[0])
        return turns, best

    @staticmethod
    def _upright(face: Face) -> bool:
        return abs(eye_roll_deg(face)) <= UPRIGHT_MAX_ROLL_DEG

    # -- resources -------------------------------------------------------------------
    def _check_open(self) -> None:
        if not self._finalizer.alive:
            raise RuntimeError("Landmarker is closed")

    def close(self) -> None:
        self._finalizer()  # runs once: later calls do nothing

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _close_tasks(tasks: dict) -> None:
    for kind, task in tasks.items():
        if task is not None:
            task.close()
            tasks[kind] = None
