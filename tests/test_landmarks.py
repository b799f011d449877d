"""The landmarker on real images: numpy out, None for no face, the mirror pass, resources."""

import cv2
import numpy as np
import pytest

from facetension import landmarks
from facetension.errors import ModelError
from facetension.face_model import LEFT_IRIS_CENTER, RIGHT_IRIS_CENTER
from facetension.landmarks import Landmarker, load_model

MIRROR_PX = 0.01  # the averaged passes make a mirrored photo's landmarks mirror exactly


@pytest.fixture(scope="module")
def lm():
    with Landmarker("image") as landmarker:
        yield landmarker


def test_face_arrays_and_sides(lm, faces):
    image = cv2.imread(str(faces["grace_hopper.jpg"]))
    face = lm.detect(image)
    assert face.landmarks.shape == (478, 3) and face.blendshapes.shape == (52,) and face.pose.shape == (4, 4)
    assert face.image_size == (512, 600) and face.faces_seen == 1
    assert face.blendshapes.min() >= 0.0 and face.blendshapes.max() <= 1.0
    # The subject's left eye appears on the image's right.
    assert face.landmarks[LEFT_IRIS_CENTER, 0] > face.landmarks[RIGHT_IRIS_CENTER, 0]


def test_no_face_is_none(lm, faces):
    assert lm.detect(cv2.imread(str(faces["free-mountain-vector-01.jpg"]))) is None


def test_mirrored_photo_gives_mirrored_landmarks(lm, faces):
    image = cv2.imread(str(faces["single_face.jpg"]))
    a = lm.detect(image)
    b = lm.detect(np.ascontiguousarray(image[:, ::-1]))
    expected = a.landmarks[landmarks.mirror_index()].copy()
    expected[:, 0] = image.shape[1] - expected[:, 0]
    assert np.abs(b.landmarks - expected).max() <= MIRROR_PX
    # Blendshapes swap sides too.
    left, right = landmarks.BLENDSHAPE_NAMES.index("eyeBlinkLeft"), landmarks.BLENDSHAPE_NAMES.index("eyeBlinkRight")
    assert b.blendshapes[left] == pytest.approx(a.blendshapes[right], abs=1e-6)


def test_video_mode_needs_times_and_alternates_passes(faces):
    image = cv2.imread(str(faces["grace_hopper.jpg"]))
    with Landmarker("video") as video:
        with pytest.raises(ValueError):
            video.detect(image)
        passes = [video.detect(image, t).mirrored_pass for t in (0, 33, 66, 99)]
    assert passes == [False, True, False, True]


def test_close_is_idempotent_and_final():
    landmarker = Landmarker("image")
    landmarker.close()
    landmarker.close()
    with pytest.raises(RuntimeError):
        landmarker.detect(np.zeros((10, 10, 3), np.uint8))


def test_a_damaged_bundled_model_is_refused(tmp_path, monkeypatch):
    damaged = tmp_path / "face_landmarker.task"
    data = bytearray(landmarks.bundled_model_path().read_bytes())
    data[1000] ^= 0xFF
    damaged.write_bytes(bytes(data))
    monkeypatch.setattr(landmarks, "bundled_model_path", lambda: damaged)
    with pytest.raises(ModelError, match="damaged"):
        load_model()


def test_a_users_own_model_is_accepted_when_it_is_a_landmarker_bundle(tmp_path):
    copy = tmp_path / "mine.task"
    copy.write_bytes(landmarks.bundled_model_path().read_bytes())
    _, digest = load_model(copy)
    assert digest == landmarks.BUNDLED_MODEL_SHA256


HAMMER_S = 3.0  # long enough for hundreds of interrupts, most of them inside a detection
INTERRUPTS_AT_LEAST = 50
_HAMMER = """
import os, signal, sys, threading, time
import cv2, numpy as np
from facetension.landmarks import Landmarker
image = cv2.imread(sys.argv[1])
image = cv2.resize(image, (240, image.shape[0] * 240 // image.shape[1]))
rng, stop, interrupts = np.random.default_rng(0), threading.Event(), 0
def interrupter():
    while not stop.wait(0.0005 + rng.random() * 0.002):
        os.kill(os.getpid(), signal.SIGINT)
with Landmarker("image") as lm:
    before = lm.detect(image).landmarks
    threading.Thread(target=interrupter, daemon=True).start()
    t0 = time.monotonic()
    while time.monotonic() - t0 < float(sys.argv[2]):
        try:
            while True:
                lm.detect(image)
        except KeyboardInterrupt:
            interrupts += 1
    stop.set()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    after = lm.detect(image).landmarks
print(interrupts, float(np.abs(after - before).max()))
"""


def test_ctrl_c_during_a_detection_waits_for_the_frame(faces):
    # MediaPipe runs each C call on its dispatcher thread and waits for it in Python, where
    # Ctrl-C raised while the detection still ran: the image and result were freed under
    # it and the process died of a segmentation fault (or printed "Exception ignored in
    # Image.__del__"). Interrupted hundreds of times, detection now stays whole.
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _HAMMER, str(faces["single_face.jpg"]), str(HAMMER_S)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Exception ignored" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    interrupts, moved_px = proc.stdout.split()
    assert int(interrupts) >= INTERRUPTS_AT_LEAST
    assert float(moved_px) < 1e-3  # the landmarker's state survived them: the same answer
