"""The Python API on real media: analyze() takes paths and arrays alike, one Landmarker serves
photos and videos in any order as fresh ones would, the model is read once per process, and
unfit arrays are refused in words that say what was expected."""

import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

import facetension
from facetension import analyze, landmarks
from facetension.errors import InputError
from facetension.landmarks import Landmarker

PHOTOS = ("grace_hopper.jpg", "single_face.jpg")


def _same(a, b) -> bool:
    """The same measurement, to the last bit (the name of the source aside)."""
    return (
        a.regions == b.regions
        and a.tension == b.tension
        and a.events == b.events
        and a.to_json() | {"source": None} == b.to_json() | {"source": None}
    )


def _frames(path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while (got := cap.read())[0]:
        frames.append(got[1])
    cap.release()
    return frames


def _mirrored_clip(path, out: Path) -> Path:
    """Another video of the same length: the clip mirrored, as MJPG."""
    frames = _frames(path)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (w, h))
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[:, ::-1]))
    writer.release()
    return out


@pytest.mark.parametrize("name", PHOTOS)
def test_an_array_reads_as_its_file(faces, name):
    path = faces[name]
    from_path = analyze(path)
    bgr = cv2.imread(str(path))
    from_array = analyze(bgr)
    assert from_path.error is None and from_array.source == "<array>"
    assert _same(from_path, from_array)
    # BGRA with full alpha is the same picture; a grey one is measured too.
    bgra = cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
    assert _same(from_path, analyze(bgra))
    assert analyze(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)).error is None


def test_one_landmarker_serves_photos_and_videos_as_fresh_ones_do(faces, tmp_path):
    clip = faces["single_face.mp4"]
    inputs = [
        faces["grace_hopper.jpg"],
        clip,
        faces["single_face.jpg"],
        _mirrored_clip(clip, tmp_path / "mirrored.avi"),
    ]
    fresh = [analyze(p) for p in inputs]
    with Landmarker() as lm:
        reused = [analyze(p, landmarker=lm) for p in inputs]
        reused_again = analyze(clip, landmarker=lm)  # tracking does not carry over from the last video
    assert [a.kind for a in fresh] == ["image", "video", "image", "video"]
    assert all(_same(a, b) for a, b in zip(fresh, reused))
    assert _same(fresh[1], reused_again)
    assert fresh[3].regions["mouth_corner"].diff_mm == pytest.approx(-fresh[1].regions["mouth_corner"].diff_mm, abs=0.5)
    with pytest.raises(RuntimeError):  # closed for good
        analyze(clip, landmarker=lm)
    lm.close()  # and closing again does nothing


def test_a_frame_earlier_than_the_last_starts_a_new_video(faces):
    """Frames fed by hand: a second video's times start again at 0, and it is tracked afresh."""
    frames = _frames(faces["single_face.mp4"])[:12]
    first, second = frames[:6], frames[6:]

    def faces_of(lm, clip):
        return [lm.detect(f, round(i * 1000 / 30)) for i, f in enumerate(clip)]

    with Landmarker() as lm:
        faces_of(lm, first)
        lm.detect(frames[0])  # a photo in between changes nothing either
        again = faces_of(lm, second)
    with Landmarker() as fresh:
        expected = faces_of(fresh, second)
    assert all(
        np.array_equal(a.landmarks, b.landmarks) and a.mirrored_pass == b.mirrored_pass for a, b in zip(again, expected)
    )


def test_the_model_is_read_once_per_process(faces, tmp_path, monkeypatch):
    model = tmp_path / "mine.task"
    shutil.copy(landmarks.bundled_model_path(), model)
    reads = []
    read_bytes = Path.read_bytes

    def counted(self):
        if self == model:
            reads.append(self)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    misses = landmarks.model_cache_info().misses
    analyze(faces["grace_hopper.jpg"], model_path=model)
    analyze(faces["single_face.jpg"], model_path=str(model))
    analyze(faces["single_face.mp4"], model_path=model)
    with Landmarker(model_path=tmp_path / "." / "mine.task") as lm:  # the same file, named otherwise
        assert lm.model_sha256 == landmarks.BUNDLED_MODEL_SHA256
    assert len(reads) == 1 and landmarks.model_cache_info().misses == misses + 1
    # A file changed on disk is read and checked again.
    stat = model.stat()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    Landmarker(model_path=model).close()
    assert len(reads) == 2
    # The bundled model, too, is read once however many analyses open it.
    analyze(faces["grace_hopper.jpg"])
    misses = landmarks.model_cache_info().misses
    analyze(faces["grace_hopper.jpg"])
    analyze(faces["single_face.mp4"])
    assert landmarks.model_cache_info().misses == misses


@pytest.mark.parametrize(
    "array, expect",
    [
        (np.zeros((64, 64, 3), np.float64), "got a float64 array of shape (64, 64, 3)"),
        (np.zeros((64, 64, 2), np.uint8), "got a uint8 array of shape (64, 64, 2)"),
        (np.zeros((2, 64, 64, 3), np.uint8), "got a uint8 array of shape (2, 64, 64, 3)"),
        (np.zeros((3, 64, 64), np.uint8), "got a uint8 array of shape (3, 64, 64)"),  # channels first
        (np.zeros((16, 16, 3), np.uint8), "16×16 pixels is too small to hold a face"),
    ],
)
def test_unfit_arrays_are_refused_saying_what_was_expected(array, expect):
    with pytest.raises(InputError) as exc:
        analyze(array)
    assert expect in str(exc.value)
    if "got" in expect:
        assert "BGR uint8 image array of shape (height, width, 3)" in str(exc.value)


def test_other_misuses_are_refused(faces):
    with pytest.raises(TypeError, match="a path or a numpy image array"):
        analyze([[0, 0, 0]])
    with Landmarker() as lm, pytest.raises(ValueError, match="not both"):
        analyze(faces["grace_hopper.jpg"], landmarker=lm, model_path=landmarks.bundled_model_path())
    with Landmarker("video") as video_only, pytest.raises(ValueError, match="for videos only"):
        analyze(faces["grace_hopper.jpg"], landmarker=video_only)


def test_the_package_exports_the_api():
    assert facetension.Landmarker is Landmarker and facetension.analyze is analyze
    assert {"analyze", "Landmarker", "Analysis"} <= set(facetension.__all__)


def test_results_read_straight_from_mediapipe_match_its_public_api(faces):
    """The landmarker reads MediaPipe's result struct into numpy itself (landmarks._Task.run):
    the same numbers as MediaPipe's own detect()."""
    import mediapipe as mp

    model, _ = landmarks.load_model()
    rgb = cv2.cvtColor(cv2.imread(str(faces["multi_face.jpg"])), cv2.COLOR_BGR2RGB)
    task = landmarks._Task(model, video=False)
    try:
        ours = task.run(rgb, None)
        public = task.task.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    finally:
        task.close()
    assert len(ours) == len(public.face_landmarks) == 2
    for f, marks, scores, pose in zip(
        ours, public.face_landmarks, public.face_blendshapes, public.facial_transformation_matrixes
    ):
        assert np.array_equal(f.norm, [(p.x, p.y, p.z) for p in marks])
        assert np.array_equal(f.blendshapes, [c.score for c in scores])
        assert np.array_equal(f.pose, np.asarray(pose, dtype=np.float64).reshape(4, 4))
