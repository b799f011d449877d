"""The command line, in-process and as a real subprocess: output shape, exit codes, bad input."""

import argparse
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from facetension.cli import build_parser, main
from facetension.errors import InputError, ModelError, NoUsableFaceError
from facetension.metrics import REGIONS

from media import FACES

JSON_KEYS = {
    "source",
    "kind",
    "frames",
    "faces_seen",
    "mm_per_px",
    "head_pose_deg",
    "regions",
    "midline_deviation_mm",
    "asymmetry_index",
    "error",
}
REGION_KEYS = {"left_mm", "right_mm", "diff_mm", "score", "spread_mm"}


def run(capsys, *args):
    rc = main(["analyze", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


def one_clear_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("facetension: ") and "Traceback" not in err
    return lines[0]


def test_json_is_one_object_per_input_with_the_promised_keys(capsys, faces):
    rc, out, _ = run(capsys, faces["grace_hopper.jpg"], faces["single_face.mp4"], "--json")
    assert rc == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["kind"] for r in records] == ["image", "video"]
    for r in records:
        assert set(r) >= JSON_KEYS and r["error"] is None
        assert set(r["regions"]) == set(REGIONS)
        for region in r["regions"].values():
            assert set(region) >= REGION_KEYS
        assert set(r["head_pose_deg"]) == {"yaw", "pitch", "roll"}
    assert records[1]["frames"]["total"] == 72 and records[1]["frames"]["used"] > 60


def test_table_names_sides_and_regions(capsys, faces):
    rc, out, _ = run(capsys, faces["grace_hopper.jpg"])
    assert rc == 0
    for label in ("Brow height", "Eye opening", "Mouth corner (drop)", "resting asymmetry index"):
        assert label in out


def test_timeline_csv_has_a_row_per_frame(capsys, tmp_path, faces):
    csv_path = tmp_path / "t.csv"
    rc, _, _ = run(capsys, faces["single_face.mp4"], "--timeline", csv_path)
    assert rc == 0
    lines = csv_path.read_text().splitlines()
    assert len(lines) == 1 + 72 and "mouth_corner_diff_mm" in lines[0]


def test_a_bad_input_does_not_stop_the_others(capsys, tmp_path, faces):
    rc, out, err = run(capsys, tmp_path / "missing.jpg", faces["grace_hopper.jpg"], "--json")
    records = [json.loads(line) for line in out.splitlines()]
    assert rc == InputError.exit_code
    assert records[0]["error"] and "no such file" in records[0]["error"]
    assert records[1]["error"] is None and records[1]["regions"]


def _not_an_image(tmp):
    p = tmp / "notes.jpg"
    p.write_text("this is not a picture\n")
    return p


def _empty(tmp):
    p = tmp / "empty.png"
    p.write_bytes(b"")
    return p


def _truncated_video(tmp):
    data = FACES["single_face.mp4"].read_bytes()
    p = tmp / "truncated.mp4"
    p.write_bytes(data[: len(data) // 3])
    return p


def _truncated_mov(tmp):  # a container whose index comes first: frames stop half-way
    data = FACES["face_noface.mov"].read_bytes()
    p = tmp / "truncated.mov"
    p.write_bytes(data[: len(data) // 2])
    return p


UNREADABLE, NO_FACE = InputError.exit_code, NoUsableFaceError.exit_code


@pytest.mark.parametrize(
    "make, expect, code",
    [
        (_not_an_image, "not an image", UNREADABLE),  # text file named .jpg
        (_empty, "empty", UNREADABLE),  # zero bytes
        (lambda tmp: tmp, "directory", UNREADABLE),  # a directory
        (lambda tmp: tmp / "nope.jpg", "no such file", UNREADABLE),  # missing path
        (_truncated_video, "video", UNREADABLE),  # cut to a third: its index (at the end) is gone, nothing opens
        (_truncated_mov, "truncated", UNREADABLE),  # cut in half: the same for this container
        (lambda tmp: FACES["free-mountain-vector-01.jpg"], "no face", NO_FACE),  # a landscape
        (lambda tmp: FACES["no_face.mp4"], "face", NO_FACE),  # an animation without a (frontal) face
        (lambda tmp: FACES["45-m7-di-ph.jpg"], "turned", NO_FACE),  # face turned 34° away
    ],
)
def test_bad_input_gives_one_clear_line_and_its_exit_code(capsys, tmp_path, make, expect, code):
    rc, _, err = run(capsys, make(tmp_path))
    assert rc == code
    assert expect in one_clear_line(err)


def _sixteen_bit(tmp):
    img = cv2.imread(str(FACES["grace_hopper.jpg"])).astype(np.uint16) * 257
    p = tmp / "deep.png"
    cv2.imwrite(str(p), img)
    return p


def _grey(tmp):
    p = tmp / "grey.png"
    cv2.imwrite(str(p), cv2.imread(str(FACES["grace_hopper.jpg"]), cv2.IMREAD_GRAYSCALE))
    return p


def _huge(tmp):
    img = cv2.imread(str(FACES["grace_hopper.jpg"]))
    p = tmp / "huge.jpg"
    canvas = cv2.resize(img, (6000, 4000))  # a 24-megapixel photo (stretched: still a face)
    cv2.imwrite(str(p), canvas)
    return p


@pytest.mark.parametrize(
    "make",
    [
        _sixteen_bit,  # 16 bits per channel
        lambda tmp: FACES["Image_with_alpha.png"],  # RGBA
        _grey,  # one channel
        _huge,  # 6000 × 4000
    ],
)
def test_unusual_but_valid_images_are_measured(capsys, tmp_path, make):
    rc, out, err = run(capsys, make(tmp_path), "--json")
    record = json.loads(out)
    assert rc == 0 and record["error"] is None and set(record["regions"]) == set(REGIONS), err


def test_sixteen_bit_reads_like_eight_bit(capsys, tmp_path, faces):
    _, out8, _ = run(capsys, faces["grace_hopper.jpg"], "--json")
    _, out16, _ = run(capsys, _sixteen_bit(tmp_path), "--json")
    a, b = json.loads(out8), json.loads(out16)
    for region in REGIONS:
        assert b["regions"][region]["diff_mm"] == pytest.approx(a["regions"][region]["diff_mm"], abs=0.1)


def test_two_faces_measure_the_largest_and_say_so(capsys, faces):
    rc, out, _ = run(capsys, faces["multi_face.jpg"])
    assert rc == 0 and "2 faces seen: measuring the largest" in out


@pytest.mark.parametrize(
    "content, expect",
    [
        (b"not a zip", "not a Face Landmarker model"),  # corrupt model
        (None, "model file not found"),  # missing model
    ],
)
def test_bad_model_gives_a_clear_message(capsys, tmp_path, faces, content, expect):
    model = tmp_path / "m.task"
    if content is not None:
        model.write_bytes(content)
    rc, _, err = run(capsys, faces["grace_hopper.jpg"], "--model", model)
    assert rc == ModelError.exit_code and expect in one_clear_line(err)


def _cut_avi(tmp):
    """single_face.mp4 as an MJPG .avi, cut in half: the frames before the cut still decode."""
    from scripted import write_clip

    cap = cv2.VideoCapture(str(FACES["single_face.mp4"]))
    frames = []
    while (got := cap.read())[0]:
        frames.append(got[1])
    cap.release()
    data = write_clip(frames, tmp / "whole.avi").read_bytes()
    p = tmp / "cut.avi"
    p.write_bytes(data[: len(data) // 2])
    return p


def test_a_truncated_video_is_measured_with_one_warning_and_succeeds(capsys, tmp_path):
    """What could be read is measured (exit 0); the person is told the rest was missing."""
    cut = _cut_avi(tmp_path)
    rc, out, err = run(capsys, cut, "--json")
    record = json.loads(out)
    assert rc == 0 and record["error"] is None and record["regions"] and "cut short" in record["warnings"][0]
    assert 20 < record["frames"]["total"] < 72
    rc, out, err = run(capsys, cut)
    assert rc == 0 and "warning" in one_clear_line(err) and "cut short" in err


def test_real_process_prints_no_native_noise_and_no_traceback(tmp_path, faces):
    bad = _not_an_image(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "facetension", "analyze", str(faces["grace_hopper.jpg"]), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == InputError.exit_code
    assert proc.stderr.strip().splitlines() == [
        f"facetension: {bad}: not an image file that can be read (corrupt or unsupported format)"
    ]
    assert "Eye opening" in proc.stdout


def test_the_readme_documents_every_exit_code():
    from pathlib import Path

    from facetension.errors import EXIT_CODES

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = readme[readme.index("## Exit codes") :]
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in table, (code, meaning)


def _commands() -> dict:
    """Every subcommand the real parser has (argparse offers no public way to list them)."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    out = capsys.readouterr().out
    description = _commands()[command].description
    assert exc.value.code == 0 and out.startswith(f"usage: facetension {command}")
    assert description and " ".join(description.split()) in " ".join(out.split())  # argparse rewraps it


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_terminal_that_is_not_utf8_gets_ascii_stand_ins_not_an_internal_error(tmp_path, faces, encoding):
    # A Windows console redirected to a file (cp1252), LANG=C on an old system: "−", "→" and
    # "°" stopped every command with "internal error" (exit 70).
    import os
    import shutil
    from pathlib import Path

    env = {**os.environ, "PYTHONIOENCODING": encoding, "XDG_DATA_HOME": str(tmp_path)}
    analyze = subprocess.run(
        [sys.executable, "-m", "facetension", "analyze", str(faces["grace_hopper.jpg"])],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert analyze.returncode == 0, analyze.stderr
    table = analyze.stdout.decode(encoding)  # cp1252 has "°" and "×" of its own, not "−"
    assert "L-R" in table and "?" not in table
    log = shutil.copy(Path(__file__).resolve().parents[1] / "samples" / "demo.db", tmp_path / "demo.db")
    trend = subprocess.run(
        [sys.executable, "-m", "facetension", "trend", "--db", str(log)], capture_output=True, timeout=120, env=env
    )
    assert trend.returncode == 0 and trend.stderr == b"", trend.stderr
    text = trend.stdout.decode(encoding)
    assert "asymmetry by week  " in text and "left - right" in text and "?" not in text


def test_ascii_stand_ins_keep_the_meaning():
    from facetension.safetext import STAND_IN_ERRORS, ascii_stand_in

    assert ascii_stand_in("L−R −1.2 → 3° ×2 ≥ 0.5 café ▁█") == "L-R -1.2 -> 3 deg x2 >= 0.5 cafe _#"
    assert "a\udce9b".encode("utf-8", STAND_IN_ERRORS) == b"a?b"  # a file name's undecodable byte
    assert "−é".encode("cp1252", STAND_IN_ERRORS) == "-é".encode("cp1252")  # what the encoding has, it keeps
