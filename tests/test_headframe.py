"""The rigid similarity fit behind the head frame, on exact synthetic geometry."""

import numpy as np
import pytest

from facetension import face_model as fm
from facetension.headframe import _polar_rotation, similarity_fit

FIT_TOLERANCE = 1e-9  # exact data: the fit must return what made it


def rotation(rng) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def svd_fit(src, dst):
    """Umeyama's fit by SVD: what the polar iteration must agree with."""
    a, b = src - src.mean(0), dst - dst.mean(0)
    u, sig, vt = np.linalg.svd(b.T @ a / len(src))
    d = np.sign(np.linalg.det(u @ vt))
    rot = u @ np.diag([1, 1, d]) @ vt
    return float((sig[0] + sig[1] + d * sig[2]) / (a * a).sum(1).mean()), rot


@pytest.mark.parametrize("seed", range(20))
def test_a_posed_canonical_face_is_recovered_exactly(seed):
    rng = np.random.default_rng(seed)
    src = fm.canonical_vertices()[list(fm.RIGID)]
    rot, scale, shift = rotation(rng), rng.uniform(5, 50), rng.normal(scale=100, size=3)
    s, r, t = similarity_fit(src, scale * src @ rot.T + shift)
    assert abs(s - scale) < FIT_TOLERANCE * scale
    assert np.abs(r - rot).max() < FIT_TOLERANCE
    assert np.abs(t - shift).max() < FIT_TOLERANCE * 100


@pytest.mark.parametrize("seed", range(10))
def test_with_noise_it_agrees_with_the_svd_fit(seed):
    rng = np.random.default_rng(seed)
    src = fm.canonical_vertices()[list(fm.RIGID)]
    dst = 20 * src @ rotation(rng).T + rng.normal(scale=0.5, size=src.shape)
    s, r, _ = similarity_fit(src, dst)
    s_svd, r_svd = svd_fit(src, dst)
    assert abs(s - s_svd) < FIT_TOLERANCE * s_svd and np.abs(r - r_svd).max() < FIT_TOLERANCE


def test_a_mirrored_face_still_gets_a_proper_rotation():
    """dst is a reflection of src: the polar factor would be a reflection, so the SVD fit
    (with its sign correction) takes over and the result is still a rotation."""
    src = fm.canonical_vertices()[list(fm.RIGID)]
    dst = src * (-1.0, 1.0, 1.0)
    assert _polar_rotation((dst.T @ src).tolist()) is None
    s, r, _ = similarity_fit(src, dst)
    s_svd, r_svd = svd_fit(src, dst)
    assert np.linalg.det(r) == pytest.approx(1.0)
    assert np.abs(r - r_svd).max() < FIT_TOLERANCE and abs(s - s_svd) < FIT_TOLERANCE
