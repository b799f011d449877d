"""Face Landmarker adapter: the only module that imports MediaPipe.

Each result is turned into numpy once, here: landmarks (478, 3) in pixels (z on the same
scale as x), 52 blendshape scores, and the 4×4 head-pose matrix. "No face" is None.

Small faces: MediaPipe's detector (BlazeFace short range, 128×128 input) misses faces
under about a quarter of a 16:9 frame's height. When the whole frame yields nothing we
search square crops, and in video we keep a square region of interest around the face
from frame to frame, so a face far from the laptop is seen at a workable size.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import replace
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from .errors import ModelError
from .face import BLENDSHAPE_NAMES, N_BLENDSHAPES, Face  # noqa: F401  (re-exported: the adapter's types)
from .face_model import mirror_index
from .quiet import native_stderr_silenced

BUNDLED_MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MODEL_MEMBERS = {"face_detector.tflite", "face_landmarks_detector.tflite", "face_blendshapes.tflite"}

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


def bundled_model_path() -> Path:
    return Path(str(resources.files("facetension.data").joinpath("face_landmarker.task")))


def load_model(path: str | os.PathLike | None = None) -> tuple[bytes, str]:
    """Read and check a model bundle; return (bytes, sha256).

    The bundled model must match its published checksum. A user's own model must at
    least be a Face Landmarker bundle (a zip holding the three networks).
    """
    bundled = path is None
    path = Path(path) if path is not None else bundled_model_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"model file not found: {path}") from None
    except IsADirectoryError:
        raise ModelError(f"model path is a directory, not a file: {path}") from None
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror}") from None
    digest = hashlib.sha256(data).hexdigest()
    if bundled and digest != BUNDLED_MODEL_SHA256:
        raise ModelError(
            f"the bundled model {path} is damaged (checksum mismatch); reinstall facetension"
        )
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        raise ModelError(f"{path} is not a Face Landmarker model bundle (.task)") from None
    if not MODEL_MEMBERS <= names:
        raise ModelError(f"{path} is not a Face Landmarker model bundle: missing {sorted(MODEL_MEMBERS - names)}")
    return data, digest




def _swap_name(name: str) -> str:
    if "Left" in name:
        return name.replace("Left", "Right")
    if "Right" in name:
        return name.replace("Right", "Left")
    return name


# Blendshape i of a mirrored image is blendshape BLENDSHAPE_MIRROR[i] of the real face.
BLENDSHAPE_MIRROR = np.array([BLENDSHAPE_NAMES.index(_swap_name(n)) for n in BLENDSHAPE_NAMES])
_POSE_FLIP = np.diag([-1.0, 1.0, 1.0, 1.0])


def _to_face(result, index: int, x0: int, y0: int, crop_w: int, crop_h: int,
             image_size: tuple[int, int], faces_seen: int) -> Face:
    """The one adapter from MediaPipe's per-point objects to numpy, in full-frame pixels."""
    pts = result.face_landmarks[index]
    norm = np.array([(p.x, p.y, p.z) for p in pts], dtype=np.float64)
    lm = np.empty_like(norm)
    lm[:, 0] = norm[:, 0] * crop_w + x0
    lm[:, 1] = norm[:, 1] * crop_h + y0
    lm[:, 2] = norm[:, 2] * crop_w  # MediaPipe's z shares x's normalisation
    bs = np.array([c.score for c in result.face_blendshapes[index]], dtype=np.float64)
    pose = np.asarray(result.facial_transformation_matrixes[index], dtype=np.float64).reshape(4, 4)
    return Face(lm, bs, pose, image_size, faces_seen)


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
    return Face((a.landmarks + b.landmarks) / 2, (a.blendshapes + b.blendshapes) / 2, a.pose,
                a.image_size, max(a.faces_seen, b.faces_seen))


def _pick(result, near=None) -> int:
    """The largest face, or, given a point in normalised coordinates, the face nearest it."""
    if len(result.face_landmarks) == 1:
        return 0
    if near is not None:
        dist = [np.hypot(np.mean([p.x for p in f]) - near[0], np.mean([p.y for p in f]) - near[1])
                for f in result.face_landmarks]
        return int(np.argmin(dist))
    areas = [np.ptp([p.x for p in f]) * np.ptp([p.y for p in f]) for f in result.face_landmarks]
    return int(np.argmax(areas))


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
    lm = face.landmarks
    cx, cy = (lm[:, 0].min() + lm[:, 0].max()) / 2, (lm[:, 1].min() + lm[:, 1].max()) / 2
    size = max(np.ptp(lm[:, 1]), np.ptp(lm[:, 0]))
    if roi is not None:
        x0, y0, side = roi
        inside = max(abs(cx - (x0 + side / 2)), abs(cy - (y0 + side / 2))) < ROI_KEEP_INNER * side
        ratio = size * ROI_SIDE_PER_FACE / side
        if inside and ROI_KEEP_SCALE[0] <= ratio <= ROI_KEEP_SCALE[1]:
            return roi
    side = int(min(size * ROI_SIDE_PER_FACE, w, h))
    if side >= w and side >= h:
        return None
    return (int(np.clip(cx - side / 2, 0, w - side)), int(np.clip(cy - side / 2, 0, h - side)), side)


class Landmarker:
    """Face Landmarker in IMAGE mode (photos) or VIDEO mode (clips, cameras).

    Mirror pass: the network is not exactly left-right equivariant (on one frontal
    portrait it read a mouth corner 1 mm lower on the same side whether or not the photo
    was mirrored). Photos are therefore measured twice, as they are and mirrored, and the
    two are averaged, so a mirrored input gives exactly mirrored numbers. In VIDEO mode
    frames alternate between the two passes (each with its own tracker), which keeps the
    cost at one inference per frame; aggregates combine both (see Face.mirrored_pass).

    Use as a context manager; close() is idempotent.
    """

    def __init__(self, mode: str = "image", model_path=None, mirror_pass: bool = True):
        if mode not in ("image", "video"):
            raise ValueError(f"mode must be 'image' or 'video', got {mode!r}")
        self.mode = mode
        self.mirror_pass = mirror_pass
        self._model, self.model_sha256 = load_model(model_path)
        self._open: list = []
        self._image = self._create("image")  # photos, and the crop search in video
        self._video = {False: None, True: None}  # one tracker per orientation
        self._roi: tuple[int, int, int] | None = None  # (x0, y0, side) in the real frame
        self._last_ms = {False: -1, True: -1}
        self._next_mirrored = False
        self._since_search = SEARCH_EVERY_FRAMES
        self._closed = False

    def _create(self, mode: str):
        # Imported here so that importing facetension stays light and quiet.
        from mediapipe.tasks.python import BaseOptions, vision

        running = vision.RunningMode.IMAGE if mode == "image" else vision.RunningMode.VIDEO
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=self._model),
            running_mode=running,
            num_faces=MAX_FACES,
            min_face_detection_confidence=MIN_DETECTION_CONFIDENCE,
            min_face_presence_confidence=MIN_PRESENCE_CONFIDENCE,
            min_tracking_confidence=MIN_TRACKING_CONFIDENCE,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        try:
            with native_stderr_silenced():
                landmarker = vision.FaceLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"the model could not be loaded: {exc}") from None
        self._open.append(landmarker)
        return landmarker

    # -- inference -------------------------------------------------------------------
    def _run(self, landmarker, bgr: np.ndarray, t_ms: int | None):
        import mediapipe as mp

        # cvtColor is ~80× faster than a numpy channel flip copy; it needs a contiguous input.
        rgb = cv2.cvtColor(bgr if bgr.flags.c_contiguous else np.ascontiguousarray(bgr), cv2.COLOR_BGR2RGB)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        if t_ms is None:
            return landmarker.detect(image)
        return landmarker.detect_for_video(image, t_ms)

    def _detect_in(self, landmarker, frame, crop, t_ms, near=None) -> Face | None:
        h, w = frame.shape[:2]
        x0, y0, side = crop if crop else (0, 0, 0)
        sub = frame[y0:y0 + side, x0:x0 + side] if crop else frame
        result = self._run(landmarker, sub, t_ms)
        if not result.face_landmarks:
            return None
        n = len(result.face_landmarks)
        if near is not None:  # pixels → this crop's normalised coordinates
            near = ((near[0] - x0) / sub.shape[1], (near[1] - y0) / sub.shape[0])
        return _to_face(result, _pick(result, near), x0, y0, sub.shape[1], sub.shape[0], (w, h), n)

    def _search(self, frame) -> Face | None:
        h, w = frame.shape[:2]
        best = None
        for crop in _search_crops(w, h):
            face = self._detect_in(self._image, frame, crop, None)
            if face is not None and (best is None or face.height_px > best.height_px):
                best = face
            if best is not None and crop[2] != min(w, h):  # a hit among the small crops: stop
                break
        return best

    def _detect_image(self, frame, near=None) -> Face | None:
        face = self._detect_in(self._image, frame, None, None, near)
        return face if face is not None else self._search(frame)

    def _detect_video(self, frame, t_ms: int, flip: bool) -> Face | None:
        """One frame through one pass's tracker. The region of interest is shared by both
        passes and kept in the real frame's coordinates."""
        if self._video[flip] is None:
            self._video[flip] = self._create("video")
        h, w = frame.shape[:2]
        seen = cv2.flip(frame, 1) if flip else frame
        roi = self._roi
        if roi is not None and flip:
            roi = (w - roi[0] - roi[2], roi[1], roi[2])
        t = max(int(t_ms), self._last_ms[flip] + 1)  # MediaPipe demands strictly rising times
        face = self._detect_in(self._video[flip], seen, roi, t)
        if face is None and roi is not None:
            t += 1
            face = self._detect_in(self._video[flip], seen, None, t)
        self._last_ms[flip] = t
        if face is None:
            self._since_search += 1
            if self._since_search >= SEARCH_EVERY_FRAMES:
                self._since_search = 0
                face = self._search(seen)
        if face is not None and flip:
            face = replace(unmirror(face), mirrored_pass=True)
        self._roi = None if face is None else _roi_for(face, self._roi, w, h)
        return face

    def detect(self, frame_bgr: np.ndarray, t_ms: int | None = None) -> Face | None:
        """Find the largest face in a BGR uint8 frame. In VIDEO mode pass the frame's time."""
        if self._closed:
            raise RuntimeError("Landmarker is closed")
        if self.mode == "image":
            face = self._detect_image(frame_bgr)
            if not self.mirror_pass:
                return face
            # The mirrored pass must measure the same person: take the face nearest the first.
            near = None
            if face is not None:
                near = (face.image_size[0] - face.landmarks[:, 0].mean(), face.landmarks[:, 1].mean())
            flipped = self._detect_image(cv2.flip(frame_bgr, 1), near)
            flipped = None if flipped is None else unmirror(flipped)
            if face is None or flipped is None:
                return face or flipped
            return average(face, flipped)

        if t_ms is None:
            raise ValueError("VIDEO mode needs the frame's time in milliseconds")
        flip = self.mirror_pass and self._next_mirrored
        self._next_mirrored = not self._next_mirrored
        return self._detect_video(frame_bgr, t_ms, flip)

    # -- resources -------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for landmarker in self._open:
            landmarker.close()
        self._open.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
