"""The accuracy set and its edits: real faces, and what is done to them with a known answer.

Shared by tests/test_accuracy_wide.py and benchmarks/accuracy_gains.py, so that the test and
the benchmark measure the same thing. Each edit is a smooth warp from imagewarp.py whose size
in millimetres is known; a gain is the measured change of a region's left − right diff over
that true change (1.0 is perfect). The robustness edits (chimera, roll, scale, mirror,
lighting, JPEG) must leave a symmetric face symmetric or a diff where it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facetension import face_model as fm
from facetension.analysis import Analysis, analyze_image
from facetension.headframe import head_frame
from facetension.landmarks import Landmarker

from imagewarp import chimera, local_scale, local_shift, rotate_scale

# Who the set holds, and why each is there (tests/data/faces/README.md has their provenance).
WIDE_SET = (
    "grace_hopper.jpg",  # older woman, browline glasses hiding the brows
    "single_face.jpg",  # smiling, slight yaw
    "astronaut.jpg",  # smiling, small face (107 px tall)
    "obama.jpg",  # darker skin, broad smile
    "biden.jpg",  # older man, rolled 13°, yawed 11°
    "takeo.jpg",  # East Asian man, rimless glasses, tiny image (150×225)
    "starr.jpg",  # glasses and a full beard
    "miller.jpg",  # beard, moustache, a hand under the chin, pitched 12°
    "nanjiani.jpg",  # South Asian man, darker skin
    "woods.jpg",  # neutral, small face
    "middleditch.jpg",  # neutral, fringe over the forehead
    "mf_left.jpg",  # the four below: crops of one group photo, young adults, outdoors
    "mf_centre.jpg",
    "mf_right.jpg",
    "mf_back.jpg",  # smallest face (86 px tall)
    "aniston.jpg",  # head rolled 26°, hair over one brow
    "f1_surprise.jpg",  # the three below: young East Asian women, large frontal faces, posed
    "f15_smile.jpg",  # expressions (brows raised and mouth open; a broad smile; a frown with
    "f13_frown.jpg",  # the lips pressed, the head turned 10°)
)

CORNER_DROPS_MM = (2.0, 4.0, 6.0)
CORNER_SIGMA_MM = 11.0  # width of the smooth mouth-corner warp
NARROWING = 0.7  # the narrowed eye keeps 70 % of its opening
BROW_DROP_MM = 3.0
BROW_SIGMA_MM = 7.0
ROLL_DEG = 10.0
HALF_SIZE = 0.5
SIDE_LIGHT = (0.55, 1.25)  # brightness factor at the face's image-left and image-right edge
DIM = 0.35  # a dim room: a third of the light ...
DIM_NOISE_SD = 6.0  # ... and the sensor noise that comes with it (grey levels)
WEBCAM_JPEG_QUALITY = 60
WEBCAM_WIDTH = 640  # the picture is shrunk to a webcam frame's width (when larger) first


@dataclass(frozen=True)
class Geometry:
    """Image-space facts an edit needs: landmarks, the face's up direction, mm per pixel."""

    landmarks: np.ndarray
    up: np.ndarray
    mm_per_px: float
    base: Analysis


def geometry(landmarker: Landmarker, image: np.ndarray, refine: bool = True) -> Geometry:
    face = landmarker.detect(image)
    frame = head_frame(face.landmarks, face.image_size)
    up = np.array([frame.rotation[0, 1], -frame.rotation[1, 1]])
    up /= np.linalg.norm(up)
    a = analyze_image(image, landmarker, refine=refine)
    return Geometry(face.landmarks, up, a.mm_per_px, a)


@dataclass(frozen=True)
class Edit:
    label: str
    region: str
    true_change_mm: float  # of the left − right diff
    image: np.ndarray


def corner_drop(image: np.ndarray, g: Geometry, d_mm: float) -> Edit:
    """The subject's left mouth corner moved d_mm down (along the face's own down)."""
    corner = g.landmarks[fm.mirrored(fm.RIGHT_MOUTH_CORNER), :2]
    shift = -g.up * d_mm / g.mm_per_px
    warped = local_shift(image, tuple(corner), tuple(shift), CORNER_SIGMA_MM / g.mm_per_px)
    return Edit(f"mouth corner down {d_mm:.0f} mm", "mouth_corner", d_mm, warped)


def eye_narrowing(image: np.ndarray, g: Geometry, keep: float = NARROWING) -> Edit:
    """The subject's left eye squeezed about its pupil to `keep` of its opening."""
    L = g.landmarks
    iris = np.linalg.norm(L[fm.LEFT_IRIS_RING[0], :2] - L[fm.LEFT_IRIS_RING[2], :2])
    pupil = L[fm.LEFT_IRIS_CENTER, :2]
    warped = local_scale(image, tuple(pupil), tuple(g.up), keep, 1.3 * iris, 1.6 * iris)
    true = -(1 - keep) * g.base.regions["eye"].left_mm
    return Edit(f"eye narrowed {100 * (1 - keep):.0f} %", "eye", true, warped)


def brow_drop(image: np.ndarray, g: Geometry) -> Edit:
    """The subject's left mid-brow moved BROW_DROP_MM down. The pupil sits in the warp's
    tail and moves a little too: the brow's height above it changes by the difference."""
    L = g.landmarks
    brow = (L[fm.mirrored(105), :2] + L[fm.mirrored(52), :2]) / 2  # left mid-brow, upper and lower edge
    sigma = BROW_SIGMA_MM / g.mm_per_px
    pupil_moves = BROW_DROP_MM * np.exp(-np.sum((L[fm.LEFT_IRIS_CENTER, :2] - brow) ** 2) / (2 * sigma**2))
    warped = local_shift(image, tuple(brow), tuple(-g.up * BROW_DROP_MM / g.mm_per_px), sigma)
    return Edit(f"brow lowered {BROW_DROP_MM:.0f} mm", "brow", -(BROW_DROP_MM - pupil_moves), warped)


def gain_edits(image: np.ndarray, g: Geometry) -> list[Edit]:
    return [*(corner_drop(image, g, d) for d in CORNER_DROPS_MM), eye_narrowing(image, g), brow_drop(image, g)]


def gain(landmarker: Landmarker, edit: Edit, base: Analysis, refine: bool = True) -> float:
    """NaN when the edited face cannot be measured (the edit made it fail a check)."""
    after = analyze_image(edit.image, landmarker, refine=refine).regions.get(edit.region)
    if after is None:
        return float("nan")
    return (after.diff_mm - base.regions[edit.region].diff_mm) / edit.true_change_mm


def chimeras(landmarker: Landmarker, image: np.ndarray) -> dict[str, np.ndarray]:
    """Both symmetric halves of the face, mirrored about its midline."""
    lm = landmarker.detect(image).landmarks
    mid = lm[fm.midline_indices(), :2]
    centre = mid.mean(0)
    direction = np.linalg.svd(mid - centre)[2][0]  # the midline's main direction
    return {f"chimera {keep}": chimera(image, tuple(centre), tuple(direction), keep) for keep in ("left", "right")}


def moved(image: np.ndarray) -> dict[str, np.ndarray]:
    """Pose and size changes that must not change what is measured."""
    return {
        f"roll +{ROLL_DEG:.0f}°": rotate_scale(image, ROLL_DEG, 1.0)[0],
        f"roll −{ROLL_DEG:.0f}°": rotate_scale(image, -ROLL_DEG, 1.0)[0],
        f"{HALF_SIZE}× size": rotate_scale(image, 0.0, HALF_SIZE)[0],
    }


def side_light(image: np.ndarray) -> np.ndarray:
    """Light from one side: brightness falls linearly from SIDE_LIGHT[1] to SIDE_LIGHT[0]."""
    w = image.shape[1]
    gain_x = np.linspace(SIDE_LIGHT[0], SIDE_LIGHT[1], w, dtype=np.float32)[None, :, None]
    return np.clip(image.astype(np.float32) * gain_x, 0, 255).astype(np.uint8)


def dim_noisy(image: np.ndarray, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0.0, DIM_NOISE_SD, image.shape)
    return np.clip(image.astype(np.float32) * DIM + noise, 0, 255).astype(np.uint8)


def webcam_jpeg(image: np.ndarray) -> np.ndarray:
    """What a webcam hands over: at most WEBCAM_WIDTH wide, JPEG-compressed."""
    h, w = image.shape[:2]
    if w > WEBCAM_WIDTH:
        image = cv2.resize(image, (WEBCAM_WIDTH, round(h * WEBCAM_WIDTH / w)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, WEBCAM_JPEG_QUALITY])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def lighting(image: np.ndarray) -> dict[str, np.ndarray]:
    """Light and compression changes that must leave every diff where it was."""
    return {"side light": side_light(image), "dim, noisy": dim_noisy(image), "webcam JPEG": webcam_jpeg(image)}


def diffs(a: Analysis) -> dict[str, float]:
    return {k: v.diff_mm for k, v in a.regions.items()}
