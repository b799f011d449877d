"""Every bad input found by the fuzz run of issue 10 gets one clear line and its documented
exit code, the other inputs are still handled, and nothing logged is lost or changed.

Commands whose noise comes from native code (libpng, libjpeg, FFmpeg, OpenCV's camera
backends) run as real subprocesses: only there is file descriptor 2 what a person sees."""

import json
import os
import stat
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from facetension import logdb
from facetension.errors import EXIT_USAGE, CameraError, InputError, NoUsableFaceError, OutputError, StorageError
from facetension.outputs import private_file, private_folder

from clirun import one_error_line, run
from media import FACES

ROOT = Path(__file__).resolve().parents[1]
GOOD_PHOTOS = (FACES["grace_hopper.jpg"], FACES["single_face.jpg"])
ESC = "\x1b"


def cli(*args, timeout=120) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    return subprocess.run(
        [sys.executable, "-m", "facetension", *map(str, args)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=timeout,
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(path: Path) -> Path:
    """A PNG whose header claims 100000×100000 pixels (no such pixels follow)."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _png_chunk(b"IEND", b"")
    )
    return path


def huge_jpeg(path: Path) -> Path:
    """A JPEG whose frame header claims 65000×65000 pixels."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, 65000, 65000, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    path.write_bytes(b"\xff\xd8" + sof + b"\xff\xd9")
    return path


def blank(path: Path, h: int, w: int) -> Path:
    cv2.imwrite(str(path), np.full((h, w, 3), 128, np.uint8))
    return path


# -- photos ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda d: blank(d / "one.png", 1, 1),  # cvtColor's !_src.empty()
        lambda d: blank(d / "wide.png", 1, 20000),  # resize's !dsize.empty()
        lambda d: blank(d / "tall.png", 4000, 1),
        lambda d: huge_png(d / "huge.png"),  # CV_IO_MAX_IMAGE_PIXELS
        lambda d: huge_jpeg(d / "huge.jpg"),
    ],
    ids=["1x1", "20000x1", "1x4000", "png-100000", "jpeg-65000"],
)
def test_a_bad_photo_between_good_ones_is_one_line_and_the_others_are_analysed(tmp_path, make):
    bad = make(tmp_path)
    p = cli("analyze", "--json", GOOD_PHOTOS[0], bad, GOOD_PHOTOS[1])
    assert p.returncode == InputError.exit_code, p.stderr
    records = [json.loads(line) for line in p.stdout.splitlines()]
    assert [r["source"] for r in records] == [str(GOOD_PHOTOS[0]), str(bad), str(GOOD_PHOTOS[1])]
    assert records[0]["error"] is None and records[2]["error"] is None
    assert records[1]["error"] and "internal error" not in records[1]["error"]
    assert p.stderr == ""  # in JSON, the error is in the record
    p = cli("analyze", bad, GOOD_PHOTOS[1])  # as a table: one line on stderr for the bad one
    assert p.returncode == InputError.exit_code
    assert str(bad) in one_error_line(p.stderr) and "resting asymmetry index" in p.stdout


def _damaged_files(d: Path) -> list[Path]:
    jpeg = FACES["grace_hopper.jpg"]
    png = d / "face.png"
    cv2.imwrite(str(png), cv2.imread(str(GOOD_PHOTOS[1])))
    out = {
        "cut.jpg": jpeg.read_bytes()[:6000],  # libjpeg: "Corrupt JPEG data: premature end"
        "cut.png": png.read_bytes()[:4000],  # libpng: "libpng error: ..."
        "noise.png": png.read_bytes()[:100] + bytes(range(256)) * 40,
        "cut.mp4": FACES["single_face.mp4"].read_bytes()[:60_000],
    }  # FFmpeg's own error lines
    paths = []
    for name, data in out.items():
        (d / name).write_bytes(data)
        paths.append(d / name)
    nan = d / "nan.tiff"
    cv2.imwrite(str(nan), np.full((64, 64), np.nan, np.float32))  # numpy warned on its max()
    return paths + [nan]


def test_damaged_files_give_no_library_noise_on_stderr(tmp_path):
    paths = _damaged_files(tmp_path)
    p = cli("analyze", *paths)
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert p.returncode in (InputError.exit_code, NoUsableFaceError.exit_code), p.stderr
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr
    assert all(line.startswith("facetension: ") for line in lines), lines  # no libpng/libjpeg/FFmpeg lines
    assert len(lines) <= len(paths)


def test_cameras_with_no_camera_is_one_line():
    p = cli("cameras")
    if p.returncode == 0:
        pytest.skip("this machine has a camera")
    assert p.returncode == CameraError.exit_code and "no camera" in one_error_line(p.stderr)


# -- options ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("practice", "--camera", "-1"),
        ("practice", "--camera", "-2"),
        ("calibrate", "--camera", "-1"),
        ("practice", "--camera", "abc"),
        *(
            ("practice", "--source", "samples/practice_demo.mp4", "--minutes", v)
            for v in ("-1", "0", "nan", "inf", "1e308")
        ),
        ("journal", "99999999999999999999999"),
        ("forget", "99999999999999999999", "--yes"),
        ("journal", "0"),
        ("history", "--limit", "-5"),
    ],
)
def test_an_impossible_number_is_a_usage_error_in_one_line(args):
    p = cli(*args)
    assert p.returncode == EXIT_USAGE, (p.returncode, p.stderr)  # never 139: OpenCV crashed on -1
    line = one_line(p.stderr)
    assert line.startswith("facetension ") and "--help" in line


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_negative_camera_index_is_refused_by_the_library_too():
    from facetension.capture import CameraSource
    from facetension.errors import CameraError

    with pytest.raises(CameraError, match="not one a camera can have"):
        CameraSource(-1)


def test_history_of_a_folder_says_it_is_a_folder(capsys, tmp_path):
    rc, out, err = run(capsys, "history", "--db", tmp_path)
    assert rc == StorageError.exit_code and "is a folder, not a log" in one_error_line(err)
    assert out == ""


# -- import ----------------------------------------------------------------------------
def _export(capsys, tmp_path) -> dict:
    run(capsys, "export", "--format", "json", "--out", tmp_path / "a.json")
    return json.loads((tmp_path / "a.json").read_text())


def _cell(doc, table, column, value, row=-1):
    t = doc["tables"][table]
    t["rows"][row][t["columns"].index(column)] = value


def _baseline_data(doc) -> dict:
    t = doc["tables"]["baselines"]
    return json.loads(t["rows"][0][t["columns"].index("data")])


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(eye_mm="abc"),
        lambda d: d.update(eye_mm={"left": 9.0, "right": 0.0}),  # a division by it follows
        lambda d: d["activation"].update({"eye/left/x": 0.1}),
        lambda d: d.update(activation={}),
        lambda d: d.update(noise={"eye/left": "high"}),
        lambda d: d.update(brow_mm={"left": 1e300, "right": 1.0}),
        lambda d: d.pop("personal"),
    ],
    ids=["eye-text", "eye-zero", "bad-key", "empty-activation", "noise-text", "brow-huge", "no-personal"],
)
def test_a_baseline_of_the_wrong_shape_is_refused_and_the_log_is_unchanged(capsys, db, tmp_path, change):
    doc = _export(capsys, tmp_path)
    data = _baseline_data(doc)
    change(data)
    _cell(doc, "baselines", "data", json.dumps(data), row=0)
    _cell(doc, "baselines", "taken_utc", "2030-01-01T00:00:00.000+00:00", row=0)  # new, so not skipped as known
    (tmp_path / "b.json").write_text(json.dumps(doc))
    before = _files(db)
    rc, _, err = run(capsys, "import", tmp_path / "b.json")
    assert rc == StorageError.exit_code and "nothing was imported" in one_error_line(err)
    assert _files(db) == before


def _files(db: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(db.parent.iterdir()) if p.name.startswith(db.name)}


@pytest.mark.parametrize(
    "table, column, value",
    [
        ("sessions", "started_utc", "9999-12-31T23:59:59+00:00"),  # journal overflowed on it
        ("sessions", "started_utc", "2025-03-01T08:00:00"),  # no UTC offset
        ("sessions", "session_id", 2**63),  # SQLite's INTEGER overflowed
        ("sessions", "session_id", 0),
        ("sessions", "duration_s", -5.0),
        ("sessions", "completed", 7),
        ("sessions", "source", "a\x1b[2Jb"),  # would clear the terminal when history prints it
        ("sessions", "tz", "x" * 500),
        ("sessions", "before_eye_left_tension", 5.0),
        ("samples", "session_id", 424242),  # a row for a session not in the file
        ("samples", "t_s", 1e9),
        ("events", "seq", -1),
        ("events", "amplitude", 10**400),
    ],
)
def test_import_checks_every_field_before_it_writes(capsys, db, tmp_path, table, column, value):
    doc = _export(capsys, tmp_path)
    _cell(doc, table, column, value)
    (tmp_path / "b.json").write_text(json.dumps(doc))
    fresh = tmp_path / "fresh.db"
    rc, _, err = run(capsys, "import", tmp_path / "b.json", "--db", fresh)
    assert rc == StorageError.exit_code and "nothing was imported" in one_error_line(err)
    assert not fresh.exists()  # refused before the log was opened


def test_deeply_nested_json_is_described_not_a_recursion_error(capsys, db, tmp_path):
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    rc, _, err = run(capsys, "import", tmp_path / "deep.json")
    assert rc == StorageError.exit_code and "nested" in one_error_line(err)


def test_invalid_json_is_described_in_words(capsys, db, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    rc, _, err = run(capsys, "import", tmp_path / "bad.json")
    assert rc == StorageError.exit_code and "not valid JSON (line 1" in one_error_line(err)


def test_a_csv_cell_over_the_field_limit_is_refused_cleanly(capsys, db, tmp_path):
    run(capsys, "export", "--format", "csv", "--out", tmp_path / "csv")
    sessions = tmp_path / "csv" / "sessions.csv"
    lines = sessions.read_text().splitlines()
    lines[-1] = lines[-1] + "x" * 200_000
    sessions.write_text("\n".join(lines) + "\n")
    before = _files(db)
    rc, _, err = run(capsys, "import", tmp_path / "csv")
    assert rc == StorageError.exit_code and "nothing was imported" in one_error_line(err)
    assert _files(db) == before


# -- printing what the log holds -------------------------------------------------------
def test_terminal_escapes_in_a_note_are_not_printed_raw(capsys, db):
    note = "a\x1b[2J\x1b]0;x\x07b\x9bc"
    rc, out, _ = run(capsys, "journal", "1", "--note", note)
    assert rc == 0 and ESC not in out and "\x07" not in out
    rc, out, _ = run(capsys, "history")
    assert rc == 0 and ESC not in out and "\x9b" not in out and "a?[2J?]0;x?b?c" in out
    rc, out, _ = run(capsys, "history", "--json")
    assert rc == 0 and ESC not in out and "\x9b" not in out
    assert json.loads(out.splitlines()[-1])["journal"]["note"] == note  # kept as the person wrote it


# -- export ----------------------------------------------------------------------------
def test_export_never_replaces_a_file_without_force(capsys, db, tmp_path):
    out = tmp_path / "a.json"
    out.write_text("my own file")
    rc, _, err = run(capsys, "export", "--format", "json", "--out", out)
    assert rc == OutputError.exit_code and "--force" in one_error_line(err)
    assert out.read_text() == "my own file"
    rc, _, _ = run(capsys, "export", "--format", "json", "--out", out, "--force")
    assert rc == 0 and json.loads(out.read_text())["format"] == "facetension-log"
    folder = tmp_path / "csv"
    assert run(capsys, "export", "--format", "csv", "--out", folder)[0] == 0
    rc, _, err = run(capsys, "export", "--format", "csv", "--out", folder)
    assert rc == OutputError.exit_code and "--force" in one_error_line(err)
    assert run(capsys, "export", "--format", "csv", "--out", folder, "--force")[0] == 0
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_export_refuses_a_link_or_a_device_even_with_force(capsys, db, tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("keep me")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    for out in (link, Path(os.devnull)):
        rc, _, err = run(capsys, "export", "--format", "json", "--out", out, "--force")
        assert rc == OutputError.exit_code, err
        one_error_line(err)
    assert link.is_symlink() and target.read_text() == "keep me"
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    with pytest.raises(RuntimeError), private_file(tmp_path / "a.json") as f:
        f.write("half")
        raise RuntimeError("the disk went away")
    with pytest.raises(RuntimeError), private_folder(tmp_path / "csv") as folder:
        (folder / "meta.csv").write_text("half")
        raise RuntimeError("the disk went away")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "old.csv").write_text("kept")
    # --force, then a failure: the old export stays whole
    with pytest.raises(RuntimeError), private_folder(tmp_path / "csv", force=True):
        raise RuntimeError("the disk went away")
    assert [p.name for p in tmp_path.iterdir()] == ["csv"] and (tmp_path / "csv" / "old.csv").read_text() == "kept"


def test_an_export_into_a_missing_folder_is_one_line(capsys, db, tmp_path):
    rc, _, err = run(capsys, "export", "--format", "json", "--out", tmp_path / "nowhere" / "a.json")
    assert rc == OutputError.exit_code and "does not exist" in one_error_line(err)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_health_data_leaves_owner_only(capsys, db, tmp_path):
    assert run(capsys, "export", "--format", "json", "--out", tmp_path / "a.json")[0] == 0
    assert run(capsys, "export", "--format", "csv", "--out", tmp_path / "csv")[0] == 0
    assert run(capsys, "report", "--out", tmp_path / "report.html")[0] == 0
    assert _mode(tmp_path / "a.json") == 0o600 and _mode(tmp_path / "report.html") == 0o600
    assert _mode(tmp_path / "csv") == 0o700
    assert {_mode(p) for p in (tmp_path / "csv").iterdir()} == {0o600}
    from facetension.cli_common import write_baseline_file

    from log_data import a_baseline

    assert _mode(write_baseline_file(a_baseline(), tmp_path / "baseline.json")) == 0o600


# -- the log's own messages ------------------------------------------------------------
def test_a_disk_error_says_what_failed_once():
    import sqlite3

    exc = sqlite3.OperationalError("disk I/O error")
    message = str(logdb._translate(exc, Path("/x/facetension.db"), "open the log"))
    assert "could not open the log (/x/facetension.db" in message and "in the log" not in message
    full = str(
        logdb._translate(sqlite3.OperationalError("database or disk is full"), Path("/x/f.db"), "save the session")
    )
    assert full.startswith("the disk is full: could not save the session (/x/f.db)")


def test_an_export_never_replaces_the_log_it_reads_even_with_force(capsys, db, tmp_path):
    before = db.read_bytes()
    for out, fmt in ((db, "json"), (db.parent, "csv"), (Path(f"{db}-wal"), "json")):
        rc, _, err = run(capsys, "export", "--format", fmt, "--out", out, "--force", "--db", db)
        assert rc == OutputError.exit_code and "your log" in one_error_line(err)
    assert db.read_bytes() == before


def test_a_damaged_video_with_no_face_is_still_one_line(capsys, tmp_path):
    """The truncation warning rides on the error's line: one line per bad input."""
    from scripted import write_clip

    landscape = cv2.imread(str(FACES["free-mountain-vector-01.jpg"]))
    data = write_clip([landscape] * 40, tmp_path / "whole.avi").read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    rc, _, err = run(capsys, "analyze", cut)
    line = one_error_line(err)
    assert rc == 4 and "no face" in line and "cut short" in line


@pytest.mark.skipif(sys.platform != "linux", reason="Windows and macOS file names are always Unicode")
@pytest.mark.parametrize(
    "command", [("analyze", "--json"), ("analyze",), ("check", "--no-window", "--no-log", "--source")]
)
def test_a_file_name_that_is_not_utf8_is_one_line_not_a_crash(tmp_path, command):
    # Latin-1 bytes in a name (an old disk's "café"): OpenCV died of a segmentation fault on it
    # (exit 139, not a word said).
    source = FACES["single_face.mp4"] if command[0] == "check" else GOOD_PHOTOS[0]
    named = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9" + source.suffix.encode()))
    named.write_bytes(source.read_bytes())
    p = cli(*command, named)
    assert p.returncode == InputError.exit_code, (p.returncode, p.stderr)
    if "--json" in command:
        (record,) = [json.loads(line) for line in p.stdout.splitlines()]
        assert "not UTF-8" in record["error"] and p.stderr == ""
    else:
        assert "caf\ufffd" in one_error_line(p.stderr) and "rename it" in one_error_line(p.stderr)
