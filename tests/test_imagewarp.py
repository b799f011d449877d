"""Tests for the ground-truth warps in tests/imagewarp.py."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from imagewarp import chimera, local_scale, local_scale_point, local_shift, rotate_scale
from media import FACES

FACE = FACES["grace_hopper.jpg"]
SIZE = 400


def blob_image(x: float, y: float, sigma: float = 1.0, background: int = 0, amplitude: int = 250) -> np.ndarray:
    """SIZE x SIZE BGR image with one Gaussian spot centred at (x, y)."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    spot = amplitude * np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2.0 * sigma**2))
    gray = np.clip(np.rint(background + spot), 0, 255).astype(np.uint8)
    return np.repeat(gray[:, :, None], 3, axis=2)


def centroid(image: np.ndarray, background: int = 0) -> tuple[float, float]:
    weight = np.clip(image[:, :, 0].astype(np.float64) - background, 0.0, None)
    ys, xs = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    return float((weight * xs).sum() / weight.sum()), float((weight * ys).sum() / weight.sum())


def smooth_texture(height: int = SIZE, width: int = SIZE) -> np.ndarray:
    """Smooth, asymmetric BGR pattern, so re-sampling it costs only a gray level or two."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    b = 127 + 90 * np.sin(xs / 15.0 + 0.3) * np.cos(ys / 21.0)
    g = 127 + 90 * np.sin((xs + 2 * ys) / 27.0)
    r = 40 + 0.4 * xs + 0.1 * ys
    return np.clip(np.rint(np.stack([b, g, r], axis=2)), 0, 255).astype(np.uint8)


def sample(image: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Bilinear samples of image at float positions."""
    return cv2.remap(image, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR).astype(np.float64)


def load_face() -> np.ndarray:
    image = cv2.imread(str(FACE))
    assert image is not None
    return image


# ---------------------------------------------------------------- local_shift

SHIFT_CASES = [
    ((200.0, 200.0), (10.0, 0.0), 40.0),  # plain shift to the right
    ((180.5, 220.25), (-7.0, 12.0), 40.0),  # diagonal shift from a sub-pixel centre
    ((210.0, 190.0), (3.0, -4.0), 25.0),  # small shift, tight falloff
    ((200.0, 200.0), (0.0, -29.0), 50.0),  # |shift| = 0.58 sigma, near the convergence limit
]


@pytest.mark.parametrize(("center", "shift", "sigma"), SHIFT_CASES)
def test_local_shift_moves_blob_at_center_by_shift(center, shift, sigma):
    out = local_shift(blob_image(*center), center, shift, sigma)
    x, y = centroid(out)
    assert x == pytest.approx(center[0] + shift[0], abs=0.05)
    assert y == pytest.approx(center[1] + shift[1], abs=0.05)


@pytest.mark.parametrize(("center", "shift", "sigma"), SHIFT_CASES)
def test_local_shift_is_exact_inverse_of_forward_field(center, shift, sigma):
    # Sampling the output at p + D(p) must give back the input at p everywhere.
    image = smooth_texture()
    out = local_shift(image, center, shift, sigma)
    ys, xs = np.mgrid[40:360, 40:360].astype(np.float64)
    falloff = np.exp(-((xs - center[0]) ** 2 + (ys - center[1]) ** 2) / (2.0 * sigma**2))
    back = sample(out, xs + shift[0] * falloff, ys + shift[1] * falloff)
    assert np.abs(back - image[40:360, 40:360]).max() <= 3.0


def test_local_shift_leaves_far_pixels_of_face_unchanged():
    image = load_face()
    center, shift, sigma = (266.0, 240.0), (6.0, -4.0), 20.0  # nose of grace_hopper.jpg
    out = local_shift(image, center, shift, sigma)
    assert out.shape == image.shape and out.dtype == image.dtype
    ys, xs = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    far = np.hypot(xs - center[0], ys - center[1]) > 4.0 * sigma
    diff = np.abs(out.astype(int) - image.astype(int))
    assert diff[far].max() <= 1
    assert diff[~far].max() > 20  # the warp did change the face near the centre


@pytest.mark.parametrize(
    ("shift", "sigma"),
    [
        ((12.0, 0.0), 20.0),  # |shift| = 0.6 sigma exactly
        ((30.0, 40.0), 50.0),  # |shift| = sigma
        ((1.0, 0.0), 0.0),  # zero sigma
    ],
)
def test_local_shift_rejects_folding_or_bad_sigma(shift, sigma):
    with pytest.raises(ValueError):
        local_shift(blob_image(200, 200), (200.0, 200.0), shift, sigma)


# ---------------------------------------------------------------- local_scale

UP_TILTED = (math.sin(math.radians(20)), -math.cos(math.radians(20)))  # face "up" in a head rolled 20 degrees

SCALE_CASES = [
    ((200.0, 200.0), UP_TILTED, 0.7, 24.0),  # narrow an eye by 30 %, point above the centre
    ((200.0, 200.0), UP_TILTED, 0.7, -24.0),  # same, point below the centre
    ((195.5, 205.0), (1.0, 0.0), 1.3, 20.0),  # stretch 30 % along +x
    ((200.0, 200.0), (0.0, 1.0), 0.4, -25.0),  # strong compression along y
]


@pytest.mark.parametrize(("center", "axis", "factor", "s"), SCALE_CASES)
def test_local_scale_moves_blob_to_factor_times_offset(center, axis, factor, s):
    half_length, half_width = 60.0, 40.0
    start = (center[0] + s * axis[0], center[1] + s * axis[1])
    out = local_scale(blob_image(*start), center, axis, factor, half_length, half_width)
    x, y = centroid(out)
    assert x == pytest.approx(center[0] + factor * s * axis[0], abs=0.1)
    assert y == pytest.approx(center[1] + factor * s * axis[1], abs=0.1)


@pytest.mark.parametrize(("center", "axis", "factor", "s"), SCALE_CASES)
def test_local_scale_is_exact_inverse_of_local_scale_point(center, axis, factor, s):
    # Check the whole affected area, including the non-linear edge of the plateau.
    half_length, half_width = 60.0, 40.0
    image = smooth_texture()
    out = local_scale(image, center, axis, factor, half_length, half_width)
    ys, xs = np.mgrid[110:291:3, 110:291:3].astype(np.float64)
    points = zip(xs.ravel(), ys.ravel())
    moved = np.array([local_scale_point(center, axis, factor, half_length, half_width, p) for p in points])
    moved = moved.reshape(*xs.shape, 2)
    back = sample(out, moved[..., 0], moved[..., 1])
    expected = image[110:291:3, 110:291:3].astype(np.float64)
    assert np.abs(back - expected).max() <= 3.0


@pytest.mark.parametrize(
    ("factor", "u", "r"),
    [
        (0.7, 0.3, 0.0),  # deep in the plateau
        (0.7, -0.45, 0.0),  # near the plateau edge, below the centre
        (1.3, 0.4, 0.0),  # stretching
        (0.7, 0.3, 10.0),  # off-axis point: r must not change
    ],
)
def test_local_scale_point_matches_factor_inside_plateau(factor, u, r):
    center, axis, half_length, half_width = (100.0, 50.0), UP_TILTED, 60.0, 40.0
    s = u * half_length
    across = (-axis[1], axis[0])
    point = (center[0] + s * axis[0] + r * across[0], center[1] + s * axis[1] + r * across[1])
    x, y = local_scale_point(center, axis, factor, half_length, half_width, point)
    s_new = (x - center[0]) * axis[0] + (y - center[1]) * axis[1]
    r_new = (x - center[0]) * across[0] + (y - center[1]) * across[1]
    assert s_new == pytest.approx(factor * s, rel=1e-3)
    assert r_new == pytest.approx(r, abs=1e-9)


def test_local_scale_point_leaves_points_outside_the_region_alone():
    point = (100.0 + 2.0 * 60.0, 50.0)
    assert local_scale_point((100.0, 50.0), (1.0, 0.0), 0.7, 60.0, 40.0, point) == pytest.approx(point, abs=1e-9)


def test_local_scale_leaves_far_pixels_of_face_unchanged():
    image = load_face()
    center, half_length, half_width = (225.0, 195.0), 14.0, 30.0  # image-left eye of grace_hopper.jpg
    out = local_scale(image, center, (0.0, -1.0), 0.7, half_length, half_width)
    assert out.shape == image.shape and out.dtype == image.dtype
    ys, xs = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    far = (np.abs(ys - center[1]) > 1.5 * half_length) | (np.abs(xs - center[0]) > 1.5 * half_width)
    diff = np.abs(out.astype(int) - image.astype(int))
    assert diff[far].max() <= 1
    assert diff[~far].max() > 20  # the eye did change


@pytest.mark.parametrize(
    ("axis", "factor"),
    [
        ((1.0, 0.0), 0.0),  # collapses the region to a line
        ((1.0, 0.0), 1.4),  # past the fold limit of ~1.385
        ((0.0, 0.0), 0.7),  # no axis
    ],
)
def test_local_scale_rejects_bad_arguments(axis, factor):
    with pytest.raises(ValueError):
        local_scale(blob_image(200, 200), (200.0, 200.0), axis, factor, 60.0, 40.0)


# ---------------------------------------------------------------- chimera


def reflect(image: np.ndarray, point, direction) -> tuple[np.ndarray, np.ndarray]:
    """Image reflected about the line, and a mask of pixels whose mirror lies well inside."""
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    norm = math.hypot(*direction)
    nx, ny = direction[1] / norm, -direction[0] / norm
    t = (xs - point[0]) * nx + (ys - point[1]) * ny
    mx, my = xs - 2 * t * nx, ys - 2 * t * ny
    inside = (mx > 3) & (mx < width - 4) & (my > 3) & (my < height - 4)
    inside &= (xs > 3) & (xs < width - 4) & (ys > 3) & (ys < height - 4)
    return sample(image, mx, my), inside


@pytest.mark.parametrize(
    ("point", "direction", "keep"),
    [
        ((200.0, 190.0), (0.2, 1.0), "left"),  # midline tilted ~11 degrees
        ((200.0, 190.0), (0.2, 1.0), "right"),  # same line, other half kept
        ((210.5, 200.0), (-0.35, -1.0), "left"),  # tilted the other way, pointing up
    ],
)
def test_chimera_is_mirror_symmetric_and_keeps_its_half(point, direction, keep):
    image = smooth_texture()
    out = chimera(image, point, direction, keep)
    mirrored, inside = reflect(out, point, direction)
    assert np.abs(mirrored - out)[inside].mean() < 2.0
    original_mirrored, _ = reflect(image, point, direction)
    assert np.abs(original_mirrored - image)[inside].mean() > 10.0  # the check can fail

    # Signed distance along the line's normal that points toward image +x.
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    nx, ny = direction[1], -direction[0]
    sign = math.copysign(1.0, nx) / math.hypot(nx, ny)
    t = sign * ((xs - point[0]) * nx + (ys - point[1]) * ny)
    kept = t < -1 if keep == "left" else t > 1
    assert np.array_equal(out[kept], image[kept])


@pytest.mark.parametrize(
    ("direction", "keep", "value"),
    [
        ((0.0, 1.0), "left", 0),  # keep the black image-left half
        ((0.0, -1.0), "left", 0),  # line direction sign does not matter
        ((0.0, 1.0), "right", 255),  # keep the white image-right half
    ],
)
def test_chimera_side_convention(direction, keep, value):
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    image[:, 200:] = 255
    out = chimera(image, (199.5, 0.0), direction, keep)
    assert np.all(out == value)


def test_chimera_rejects_horizontal_line_and_bad_keep():
    image = smooth_texture()
    with pytest.raises(ValueError):
        chimera(image, (200.0, 200.0), (1.0, 0.0), "left")
    with pytest.raises(ValueError):
        chimera(image, (200.0, 200.0), (0.0, 1.0), "top")  # type: ignore[arg-type]


# ---------------------------------------------------------------- rotate_scale

ROTATE_CASES = [
    (30.0, 1.0),  # plain roll
    (-90.0, 1.0),  # quarter turn clockwise: canvas swaps width and height
    (15.0, 1.4),  # small roll, enlarged
    (180.0, 0.6),  # upside down, shrunk
    (-45.0, 0.8),  # diagonal
]


@pytest.mark.parametrize(("angle", "scale"), ROTATE_CASES)
def test_rotate_scale_moves_blob_where_matrix_says(angle, scale):
    image = blob_image(120.0, 250.0, sigma=2.0, background=128, amplitude=120)[:300]  # 300 x 400, not square
    out, matrix = rotate_scale(image, angle, scale)
    assert matrix.shape == (2, 3)
    x, y = centroid(out, background=128)
    expected = matrix @ np.array([120.0, 250.0, 1.0])
    assert (x, y) == pytest.approx(tuple(expected), abs=0.1)


@pytest.mark.parametrize(("angle", "scale"), ROTATE_CASES)
def test_rotate_scale_keeps_the_whole_image(angle, scale):
    image = np.full((300, 400, 3), 255, np.uint8)
    out, _ = rotate_scale(image, angle, scale)
    assert out.dtype == np.uint8
    covered = np.count_nonzero(out[:, :, 0] > 191)
    assert covered == pytest.approx(300 * 400 * scale**2, rel=0.01)
    # The canvas is the tight bounding box: the image reaches within a pixel of every edge.
    rows, cols = np.nonzero(out[:, :, 0] > 129)
    height, width = out.shape[:2]
    assert rows.min() <= 1 and rows.max() >= height - 2
    assert cols.min() <= 1 and cols.max() >= width - 2


def test_rotate_scale_convention_is_counter_clockwise():
    image = blob_image(300.0, 150.0, sigma=2.0, background=128, amplitude=120)[:300]  # blob right of centre
    out, _ = rotate_scale(image, 90.0, 1.0)
    assert out.shape == (400, 300, 3)
    x, y = centroid(out, background=128)
    # Counter-clockwise on screen (y down): offset (100.5, 0.5) from the centre (199.5, 149.5)
    # becomes (0.5, -100.5) from the new centre (149.5, 199.5), i.e. above it.
    assert (x, y) == pytest.approx((150.0, 99.0), abs=0.1)
