"""`facetension calibrate` and the personal baseline, through the command line."""

import json

import cv2
import numpy as np
import pytest

from facetension import __version__
from facetension.cli import main
from facetension.errors import CameraError, InputError, NoUsableFaceError
from facetension.storage import Log

from scripted import make_clip, write_clip


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    d = tmp_path / "data"
    monkeypatch.setenv("FACETENSION_DATA_DIR", str(d))
    return d


def one_line(err):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("facetension: ") and "Traceback" not in err, err
    return lines[0]


def test_no_camera_is_said_clearly(capsys, data_dir):
    rc = main(["calibrate", "--camera", "7", "--seconds", "1"])
    assert rc == CameraError.exit_code and "no camera could be opened at index 7" in one_line(capsys.readouterr().err)
    assert not (data_dir / "facetension.db").exists()  # nothing recorded, nothing created


def test_too_short_a_clip_is_refused(capsys, data_dir, faces):
    rc = main(["calibrate", "--source", str(faces["single_face.mp4"])])
    assert rc == NoUsableFaceError.exit_code and "at least 4 s" in one_line(capsys.readouterr().err)


def test_calibrate_then_analyze_against_it(capsys, data_dir, tmp_path):
    frames, fps = make_clip((), 8.0)
    clip = write_clip(frames, tmp_path / "rest.avi", fps)
    assert main(["calibrate", "--source", str(clip), "--out", str(tmp_path / "mine.json")]) == 0
    assert "Relaxed baseline saved in your log" in capsys.readouterr().out
    with Log.open(readonly=True) as log:  # in the log, with a calibrate session
        assert log.latest_baseline().app_version == __version__  # learnt by this version
        assert [r.kind for r in log.sessions()] == ["calibrate"]
    assert (tmp_path / "mine.json").exists()  # and, asked for, as a portable file

    assert main(["analyze", str(clip), "--json"]) == 0
    out, err = capsys.readouterr()
    personal = json.loads(out)
    assert "measured differently" not in err  # learnt by this version: every part of it is used
    assert personal["tension"]["baseline"] == "personal"
    assert personal["tension"]["index"] < 10  # the same rest reads relaxed against itself

    assert main(["analyze", str(clip), "--json", "--no-baseline"]) == 0
    assert json.loads(capsys.readouterr().out)["tension"]["baseline"] == "default"

    assert main(["analyze", str(clip), "--json", "--baseline", str(tmp_path / "mine.json")]) == 0
    assert json.loads(capsys.readouterr().out)["tension"]["baseline"] == "personal"


def test_a_damaged_baseline_file_is_said_clearly(capsys, tmp_path, faces):
    bad = tmp_path / "baseline.json"
    bad.write_text("{not json")
    rc = main(["analyze", str(faces["grace_hopper.jpg"]), "--baseline", str(bad)])
    assert rc == InputError.exit_code and "baseline file is unreadable" in one_line(capsys.readouterr().err)


def test_calibrate_shows_what_it_learnt_and_a_still_relaxed_clip_gives_no_warning(capsys, data_dir, tmp_path):
    frames, fps = make_clip((), 8.0)
    clip = write_clip(frames, tmp_path / "rest.avi", fps)
    assert main(["calibrate", "--source", str(clip), "--yes"]) == 0
    out = capsys.readouterr().out
    for label in ("eye opening", "mouth corner, below the pupils", "brow, above the pupil", "how still"):
        assert label in out
    assert "Warning" not in out and "Relaxed baseline saved" in out


def test_a_clip_with_one_side_held_tense_is_warned_about(capsys, data_dir):
    """The demo clip narrows the left eye for 19 s of its 45: not a relaxed reference."""
    from media import SAMPLES

    assert main(["calibrate", "--source", str(SAMPLES / "practice_demo.mp4"), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Warning: your eyes moved on one side more than the other" in out
    assert "consider recording again" in out


def test_at_a_terminal_calibrate_asks_first_and_no_saves_nothing(capsys, data_dir, tmp_path, monkeypatch):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    frames, fps = make_clip((), 8.0)
    clip = write_clip(frames, tmp_path / "rest.avi", fps)
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    rc = main(["calibrate", "--source", str(clip)])
    out = capsys.readouterr().out
    assert rc == 1 and "Save this as your relaxed baseline? [Y/n]" in out and "Nothing was saved" in out
    assert not (data_dir / "facetension.db").exists()
    monkeypatch.setattr("sys.stdin", Terminal("\n"))  # Enter: yes, when nothing was warned about
    assert main(["calibrate", "--source", str(clip)]) == 0
    assert "Relaxed baseline saved" in capsys.readouterr().out


def test_a_photo_is_refused_as_practice_and_check_refuse_it(capsys, data_dir, faces):
    # OpenCV opens a photo as a one-frame video: it read "needs at least 4 s (got 0.0 s in 1 of 1 frames)"
    rc = main(["calibrate", "--source", str(faces["single_face.jpg"]), "--yes"])
    assert rc == InputError.exit_code and "needs a video or a camera, not a photo" in one_line(capsys.readouterr().err)
    assert not (data_dir / "facetension.db").exists()


def test_a_clip_long_enough_but_with_the_face_mostly_unseen_says_so(capsys, data_dir, tmp_path):
    # 8 s of rest, then 12 s of an empty room: the seconds are there, the face is not in most
    # frames. The message said "needs at least 4 s ... (got 8.0 s ...)", which read as a contradiction.
    frames, fps = make_clip((), 8.0)
    empty = np.zeros_like(frames[0])
    clip = write_clip(list(frames) + [empty] * int(12 * fps), tmp_path / "mostly_empty.avi", fps)
    rc = main(["calibrate", "--source", str(clip), "--yes"])
    line = one_line(capsys.readouterr().err)
    assert rc == NoUsableFaceError.exit_code and "in most of the recording" in line and "got" not in line, line
    assert not (data_dir / "facetension.db").exists()


def test_a_mouth_held_smiling_makes_a_baseline_the_log_and_its_file_read_back(capsys, data_dir, tmp_path, faces):
    # The real smiling clip, three times over (7 s): its mouth's activation at "rest" reads
    # above 1 (a smile and a dimple), which a mouth corner held tight at rest can do too. It
    # was saved, with a warning, and then every analyze and practice stopped on it as
    # "damaged" (the log took activations to be at most 1).
    frames, fps = frames_of(faces["single_face.mp4"])
    clip = write_clip(frames * 3, tmp_path / "smiling.avi", fps)
    assert main(["calibrate", "--source", str(clip), "--yes", "--out", str(tmp_path / "mine.json")]) == 0
    capsys.readouterr()
    with Log.open(readonly=True) as log:
        saved = log.latest_baseline()
    assert saved.rest.activation[("mouth", "left")] > 1.0  # what this clip is here for
    assert main(["analyze", str(clip), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tension"]["baseline"] == "personal"
    assert main(["analyze", str(clip), "--json", "--baseline", str(tmp_path / "mine.json")]) == 0


def frames_of(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while (got := cap.read())[0]:
        frames.append(got[1])
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return frames, fps
