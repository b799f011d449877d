"""What the install ships: one OpenCV, the bundled model with its checksum, no network at run time."""

import hashlib
from importlib import metadata

from facetension.landmarks import BUNDLED_MODEL_SHA256, bundled_model_path

OPENCV_DISTRIBUTIONS = (
    "opencv-python",
    "opencv-contrib-python",
    "opencv-python-headless",
    "opencv-contrib-python-headless",
)


def test_exactly_one_opencv_distribution_is_installed():
    installed = []
    for name in OPENCV_DISTRIBUTIONS:
        try:
            metadata.distribution(name)
            installed.append(name)
        except metadata.PackageNotFoundError:
            pass
    # The design's opencv-python; the pinned MediaPipe (0.10.31) asks for no OpenCV of its own,
    # so nothing brings a second distribution into the same `cv2` package.
    assert installed == ["opencv-python"]
    assert not [r for r in metadata.requires("mediapipe") or () if r.lower().startswith("opencv")]


def test_bundled_model_matches_its_published_checksum():
    assert hashlib.sha256(bundled_model_path().read_bytes()).hexdigest() == BUNDLED_MODEL_SHA256


def test_analyze_opens_no_network_connection(monkeypatch, faces):
    import socket

    from facetension import analyze

    def refuse(*args, **kwargs):
        raise AssertionError("facetension tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert analyze(faces["grace_hopper.jpg"]).error is None
