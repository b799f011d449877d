#!/usr/bin/env python3
"""Seeded fuzz harness for the facetension command line (run by hand; tests/test_fuzz.py runs --quick).

    python benchmarks/fuzz.py [--seed N] [--cases N] [--quick] [--out DIR] [--jobs N] [--case ID ...]

Builds hostile inputs in a temporary folder (broken, tiny and huge-claiming photos, truncated
and random videos, mangled exports, odd arguments, damaged logs), runs the real CLI on each as
a subprocess (`python -m facetension` from this checkout) and checks the README's promise:
every bad input gets one "facetension: ..." line on stderr and a non-zero exit; never a
traceback, an internal error (exit 70), a signal or a hang; in `analyze A B C` the good inputs
are still analysed; a failed import (journal, forget, any command on a log) leaves the log
byte-identical. Everything derives from --seed: the same seed gives the same cases with the
same ids, so a failing case reruns alone with `--case ID` (add `--out DIR` to keep its inputs).
Exit status: 0 all passed, 1 some case failed, 2 the set-up failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import sqlite3
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
FACES = REPO / "tests" / "data" / "faces"

DEFAULT_SEED = 1
MIN_CASES = 500  # the default run makes at least this many (every generator below, in full)
QUICK_PER_CATEGORY = 3  # --quick: this many cases of each category, of different kinds
JOBS = 2  # the machine has 2 cores; each case is a whole Python + MediaPipe process
TIMEOUT_S = 60.0  # a case still running after this long is a hang
QUICK_TIMEOUT_S = 30.0  # the slowest quick case takes ~5 s: a hang shows without eating the CI budget
BATCH_SIZE = 7  # inputs per mixed `analyze --json` call (two of them good)
TEXT_BATCH_EVERY = 4  # every 4th mixed batch also runs without --json (one stderr line per bad input)
RANDOM_IMPORTS = 40  # exports with one random cell replaced by a hostile value
RELAXED_CLIP_S = 6.0  # the calm start of practice_demo.mp4, enough for `calibrate` (needs 4 s)
FIXED_START, FIXED_END = "2026-06-30T07:00:00.000+00:00", "2026-06-30T07:00:06.000+00:00"  # the set-up calibration
MAX_SHOWN = 160  # characters of an argument or output line shown in the report

MESSAGE = re.compile(r"facetension(?: [a-z-]+)?: ")  # ours, or a usage line: "facetension journal: ..."
TRACEBACK = "Traceback (most recent call last)"
EXIT_INTERNAL = 70
SIGNAL_EXIT_MIN = 128  # a shell reports death by signal N as 128 + N
CASE = "\0CASE\0"  # in an argv: replaced by the case's own folder (NUL never occurs in a real argv)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # terminal escapes etc.; not \t \n \r
ESCAPES = "\033[2J\033]0;x\007"  # clear screen + set window title: a note must not do that to a terminal
HUGE = "99999999999999999999999"
DEEP = "[" * 200000 + "]" * 200000  # JSON nested 200000 deep
NASTY_NAMES = ("bad\nname", "esc\033[31mred")

CLASSES = {  # failure class → what it means, in the report's order
    "traceback": "a Python traceback in the output",
    "internal_error": "exit 70 / 'internal error'",
    "signal": "killed by a signal (crash)",
    "hang": "no exit within the timeout",
    "extra_stderr": "stderr lines beyond one 'facetension: ...' per bad input",
    "silent_failure": "a failure without a 'facetension: ...' line (or an input without a JSON record)",
    "control_chars": "terminal control characters printed raw",
    "good_missed": "a good input not analysed / a command that had to succeed failed",
    "bad_accepted": "a bad input accepted (exit 0, no error)",
    "log_changed": "the log's bytes changed although the command failed (or only reads the log)",
    "side_effect": "a harmful side effect (a device or the log replaced)",
}
SHORT = {
    "traceback": "trace",
    "internal_error": "int70",
    "signal": "sig",
    "hang": "hang",
    "extra_stderr": "xerr",
    "silent_failure": "silent",
    "control_chars": "ctrl",
    "good_missed": "missed",
    "bad_accepted": "accept",
    "log_changed": "logchg",
    "side_effect": "side",
}


@dataclass
class Case:
    category: str
    name: str  # the kind of input; --quick takes different kinds, reports group by it
    argv: list[str]  # after `facetension`; CASE stands for the case's own folder
    expect: str | None = None  # "ok": must succeed, "fail": must be refused, None: either, cleanly
    n_bad: int = 1  # "facetension: ..." lines allowed on stderr
    records: dict[str, str | None] | None = None  # analyze --json: input → its expectation
    db_from: Path | None = None  # copied to CASE/log.db (with its -wal) before the run
    guard: str = ""  # "failure": if the command fails, CASE/log.db must be byte-identical; "always": even if not
    then: list[list[str]] = field(default_factory=list)  # run after an accepted command; must succeed
    post: Callable[[Path], str | None] | None = None  # checks side effects; says what went wrong
    slow: bool = False  # left out of --quick
    id: int = -1


@dataclass
class Run:
    argv: list[str]
    rc: int | None  # None: hung and was killed
    out: str
    err: str
    seconds: float


@dataclass
class Result:
    case: Case
    runs: list[Run]
    failures: list[tuple[str, str]]  # (class, detail)


# -- making files --------------------------------------------------------------------------
def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height, with a few bytes of pixels: decoders must refuse
    it by its header, not by allocating it."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(bytes(64)))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(jpeg: bytes, width: int, height: int) -> bytes:
    """A real JPEG (real tables and scan) whose frame header is patched to claim width × height."""
    data = bytearray(jpeg)
    i = 2
    while i + 4 < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xC2:  # SOF0..2: length, precision, height, width
            struct.pack_into(">HH", data, i + 5, height, width)
            return bytes(data)
        i += 2 + length
    raise ValueError("no SOF marker")


def bmp_claiming(width: int, height: int) -> bytes:
    dib = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + 64, 0, 0, 54) + dib + bytes(64)


def tiff_claiming(tiff: bytes, width: int, height: int) -> bytes:
    """A real TIFF whose ImageWidth/ImageLength tags are patched."""
    data = bytearray(tiff)
    order = "<" if data[:2] == b"II" else ">"
    ifd = struct.unpack_from(order + "I", data, 4)[0]
    for k in range(struct.unpack_from(order + "H", data, ifd)[0]):
        at = ifd + 2 + 12 * k
        tag, kind = struct.unpack_from(order + "HH", data, at)
        if tag in (256, 257):
            struct.pack_into(order + ("H" if kind == 3 else "I"), data, at + 8, width if tag == 256 else height)
    return bytes(data)


def webp_claiming(width: int, height: int) -> bytes:
    vp8x = (
        b"VP8X"
        + struct.pack("<I", 10)
        + bytes(4)
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def _boxes(data, start: int = 0, end: int | None = None):
    """Top-level ISO BMFF (mp4/mov) boxes in data[start:end]: (type, offset, header size, size)."""
    end = len(data) if end is None else end
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, i)
        head = 8
        if size == 1:
            size, head = struct.unpack_from(">Q", data, i + 8)[0], 16
        elif size == 0:
            size = end - i
        if size < head:
            return
        yield kind, i, head, size
        i += size


MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"udta"}


def faststart(mp4: bytes) -> bytes:
    """The same movie with its index (moov) moved before the media data, as `ffmpeg -movflags
    faststart` does: cut short, it still plays its first part, which exercises the truncated-video
    path (the samples have the index at the end, where any cut makes the file unreadable)."""
    boxes = list(_boxes(mp4))
    _, at, head, size = next(b for b in boxes if b[0] == b"moov")
    moov = bytearray(mp4[at : at + size])

    def shift(start: int, end: int) -> None:  # chunk offsets are absolute: everything moves by len(moov)
        for kind, i, h, n in _boxes(moov, start, end):
            if kind in MP4_CONTAINERS:
                shift(i + h, i + n)
            elif kind in (b"stco", b"co64"):
                fmt, width = (">I", 4) if kind == b"stco" else (">Q", 8)
                for k in range(struct.unpack_from(">I", moov, i + h + 4)[0]):
                    pos = i + h + 8 + k * width
                    struct.pack_into(fmt, moov, pos, struct.unpack_from(fmt, moov, pos)[0] + size)

    shift(head, size)
    first = boxes[0]
    rest = b"".join(mp4[i : i + n] for kind, i, _, n in boxes[1:] if kind != b"moov")
    return mp4[: first[3]] + bytes(moov) + rest


def _safe(name: str) -> str:
    """A case's name as a file name: hostile values are in the file, not in its name."""
    return re.sub(r"[^\w.=+-]", "_", name)[:60]


def _label(args: list[str]) -> str:
    """A case's name from its arguments: short, and the same in every temporary folder."""
    return " ".join(Path(a).name[:12] if "/" in a else a[:12] for a in args)


def flip_bytes(data: bytes, rng: random.Random, count: int, skip: int = 0) -> bytes:
    out = bytearray(data)
    for _ in range(count):
        out[rng.randrange(min(skip, len(out) - 1), len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _still_char_device(dev: Path) -> Callable[[Path], str | None]:
    """A post-check: the stand-in for /dev/null must still be a character device. (Writing an
    output "atomically" beside it and renaming over it would, as root, replace /dev/null itself.)"""

    def check(case_dir: Path) -> str | None:
        if not stat.S_ISCHR(os.lstat(dev).st_mode):
            return f"{dev.name} (a character device like /dev/null) was replaced by a regular file"
        return None

    return check


def _log_unchanged(case_dir: Path, before: str) -> str | None:
    return None if _log_hash(case_dir / "log.db") == before else "the log's bytes changed"


def _log_hash(db: Path) -> str:
    h = hashlib.sha256()
    for p in (db, Path(f"{db}-wal")):
        if p.is_dir():
            h.update(b"<dir>")
        elif p.exists():
            h.update(p.read_bytes())
        elif p == db:
            h.update(b"<missing>")
        h.update(b"\0")  # a missing -wal and an empty one are the same log
    return h.hexdigest()


# -- running -------------------------------------------------------------------------------
@dataclass
class Context:
    work: Path
    timeout_s: float
    env: dict
    running: set = field(default_factory=set)  # process groups to kill if the harness is interrupted


def make_env() -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY") and not k.startswith("FACETENSION_")
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))  # this checkout
    return env


def run_cli(argv: list[str], cwd: Path, ctx: Context, data_dir: Path) -> Run:
    env = dict(ctx.env, FACETENSION_DATA_DIR=str(data_dir))
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "facetension", *argv],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )  # its own process group: a hang is killed whole
    ctx.running.add(proc.pid)
    try:
        out, err = proc.communicate(timeout=ctx.timeout_s)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        rc = None
    finally:
        ctx.running.discard(proc.pid)
    return Run(argv, rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), time.monotonic() - start)


def judge(
    run: Run, expect: str | None, n_bad: int, records: dict | None = None, label: str = ""
) -> list[tuple[str, str]]:
    """What is wrong with one command's outcome."""
    f = []
    lines = [line for line in run.err.splitlines() if line.strip()]
    ours = [line for line in lines if MESSAGE.match(line)]
    if TRACEBACK in run.out or TRACEBACK in run.err:
        f.append(("traceback", label + (lines[-1] if lines else "in stdout")))
    if run.rc is None:
        return f + [("hang", label + "killed after the timeout")]
    if run.rc == EXIT_INTERNAL or "internal error" in run.err:
        f.append(
            ("internal_error", label + next((line for line in lines if "internal error" in line), f"exit {run.rc}"))
        )
    if run.rc < 0 or run.rc > SIGNAL_EXIT_MIN:
        f.append(("signal", label + f"exit {run.rc}"))
    if not any(c in ("traceback", "signal") for c, _ in f):
        extra = len(lines) - len(ours) + max(0, len(ours) - max(1, n_bad))
        if extra > 0:
            first = next((line for line in lines if not MESSAGE.match(line)), lines[-1])
            f.append(("extra_stderr", label + f"{extra} extra line(s), e.g. " + _show(first)))
    if run.rc != 0 and not ours and records is None:
        f.append(("silent_failure", label + f"exit {run.rc} without a 'facetension: ...' line"))
    if m := CONTROL.search(run.out + run.err):
        f.append(("control_chars", label + f"{m.group()!r} in the {'output' if m.group() in run.out else 'errors'}"))
    if expect == "fail" and run.rc == 0:
        f.append(("bad_accepted", label + "exit 0"))
    if expect == "ok" and run.rc != 0:
        f.append(("good_missed", label + f"exit {run.rc}: " + _show(ours[0] if ours else "")))
    if records is not None:
        f += _judge_records(run, records, label)
    return f


def _judge_records(run: Run, records: dict, label: str) -> list[tuple[str, str]]:
    """analyze --json: one record per input; good ones without an error, bad ones with one."""
    got = {}
    for line in run.out.splitlines():
        try:
            rec = json.loads(line)
            got[rec["source"]] = rec
        except (ValueError, KeyError, TypeError):
            return [("good_missed", label + "stdout is not one JSON record per line: " + _show(line))]
    f = []
    for path, expect in records.items():
        rec = got.get(path)
        name = Path(path).name
        if expect == "ok" and (rec is None or rec.get("error")):
            f.append(("good_missed", label + f"{name}: " + ("no record" if rec is None else _show(rec["error"]))))
        elif rec is None:
            f.append(("silent_failure", label + f"{name}: no JSON record"))
        elif expect == "fail" and not rec.get("error"):
            f.append(("bad_accepted", label + f"{name}: a record without an error"))
    return f


def run_case(case: Case, ctx: Context) -> Result:
    d = ctx.work / "runs" / f"{case.id:04d}"
    d.mkdir(parents=True, exist_ok=True)
    data = d / "data"  # the case's own data folder: default log and baseline never shared
    data.mkdir(exist_ok=True)
    if case.db_from is not None and not (d / "log.db").exists():
        for suffix in ("", "-wal"):
            if Path(f"{case.db_from}{suffix}").exists():
                shutil.copyfile(f"{case.db_from}{suffix}", d / f"log.db{suffix}")
    before = _log_hash(d / "log.db") if case.guard else None
    sub = lambda argv: [a.replace(CASE, str(d)) for a in argv]
    first = run_cli(sub(case.argv), d, ctx, data)
    runs = [first]
    failures = judge(first, case.expect, case.n_bad, case.records)
    if (case.guard == "always" or case.guard and first.rc not in (0, None)) and (why := _log_unchanged(d, before)):
        failures.append(("log_changed", f"{why} (exit {first.rc})"))
    if case.post and (why := case.post(d)):
        failures.append(("side_effect", why))
    if first.rc == 0:
        for argv in case.then:
            r = run_cli(sub(argv), d, ctx, data)
            runs.append(r)
            failures += judge(r, "ok", 1, label=f"then `{argv[0]}`: ")
    return Result(case, runs, failures)


# -- generating cases ----------------------------------------------------------------------
class Gen:
    """Makes every case's input files under `inputs` and lists the cases, in a fixed order."""

    def __init__(self, seed: int, work: Path, base: dict):
        self.rng = random.Random(seed)
        self.work = work
        self.inp = work / "inputs"
        self.base = base
        self.raw = base["export_json"].read_text()  # the real export every import case mutates
        self.cols = {name: t["columns"] for name, t in json.loads(self.raw)["tables"].items()}
        self.cases: list[Case] = []
        self.analyzable: list[tuple[Path, str | None]] = []  # every photo/video, for the mixed batches
        self.goods: list[Path] = []

    def add(self, case: Case) -> Case:
        case.id = len(self.cases)
        self.cases.append(case)
        return case

    def file(self, folder: str, name: str, content: bytes | str) -> Path:
        p = self.inp / folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
        return p

    def media(self, category: str, name: str, path: Path | str, expect: str | None, batch: bool = True) -> None:
        """A photo or video: analysed alone (one line, the right exit) and in a mixed batch."""
        self.add(Case(category, name, ["analyze", str(path)], expect))
        if batch:
            self.analyzable.append((path, expect))
        if expect == "ok":
            self.goods.append(path)

    # -- photos --
    def photos(self) -> None:
        import cv2
        import numpy as np

        rng = self.rng
        jpg = (SAMPLES / "single_face.jpg").read_bytes()
        img = cv2.imdecode(np.frombuffer(jpg, np.uint8), cv2.IMREAD_COLOR)
        enc = lambda ext, a: cv2.imencode(ext, a)[1].tobytes()
        png, tif = enc(".png", img), enc(".tiff", img)
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        rgba = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
        half = rgba.copy()
        half[..., 3] = 128
        clear = rgba.copy()
        clear[..., 3] = 0
        f32 = img.astype(np.float32) / 255
        part_nan = f32.copy()
        part_nan[: f32.shape[0] // 2] = np.nan
        good = {
            "valid.jpg": jpg,
            "grace_hopper.jpg": (SAMPLES / "grace_hopper.jpg").read_bytes(),
            "multi_face.jpg": (FACES / "multi_face.jpg").read_bytes(),
            "gray.jpg": enc(".jpg", gray),
            "gray.png": enc(".png", gray),
            "rgba.png": enc(".png", rgba),
            "rgba-half.png": enc(".png", half),
            "16bit.png": enc(".png", img.astype(np.uint16) * 257),
            "16bit.tif": enc(".tiff", img.astype(np.uint16) * 257),
            "gray16.png": enc(".png", gray.astype(np.uint16) * 257),
            "float.tif": enc(".tiff", f32),
            "float255.tif": enc(".tiff", f32 * 255),
            "float64.tif": enc(".tiff", f32.astype(np.float64)),
            "valid.bmp": enc(".bmp", img),
            "valid.webp": enc(".webp", img),
            "valid.ppm": enc(".ppm", img),
            "jpeg-named.png": jpg,
            "png-named.jpg": png,
            "no-extension": jpg,
            "UPPER.JPG": jpg,
            "space and é.jpg": jpg,
            NASTY_NAMES[1] + ".jpg": jpg,
        }
        for name, content in good.items():
            self.media("photo", "valid:" + name.rsplit(".", 1)[-1], self.file("photo", name, content), "ok")
        link = self.inp / "photo" / "link-to-valid.jpg"
        link.symlink_to("valid.jpg")
        self.media("photo", "valid:symlink", link, "ok")

        bad = {  # decodable but without a usable face, or not decodable at all
            "nan.tif": enc(".tiff", np.full_like(f32, np.nan)),
            "inf.tif": enc(".tiff", np.full_like(f32, np.inf)),
            "half-nan.tif": enc(".tiff", part_nan),
            "negative.tif": enc(".tiff", -f32),
            "1x1.png": enc(".png", img[:1, :1]),
            "1x1.jpg": enc(".jpg", img[:1, :1]),
            "2x2.png": enc(".png", img[:2, :2]),
            "20000x1.png": enc(".png", np.zeros((1, 20000, 3), np.uint8)),
            "1x4000.png": enc(".png", np.zeros((4000, 1, 3), np.uint8)),
            "1x20000.png": enc(".png", np.zeros((20000, 1), np.uint8)),
            "black.png": enc(".png", np.zeros((480, 640, 3), np.uint8)),
            "white.jpg": enc(".jpg", np.full((480, 640, 3), 255, np.uint8)),
            "noise.png": enc(".png", np.random.default_rng(rng.randrange(2**32)).integers(0, 256, (240, 320, 3), "u1")),
            "mountain.jpg": (FACES / "free-mountain-vector-01.jpg").read_bytes(),
            "claims-100000x100000.png": png_claiming(100000, 100000),
            "claims-65000x65000.png": png_claiming(65000, 65000),
            "claims-2147483647x1.png": png_claiming(2**31 - 1, 1),
            "claims-65000x65000.jpg": jpeg_claiming(jpg, 65000, 65000),
            "claims-65535x1.jpg": jpeg_claiming(jpg, 65535, 1),
            "claims-0x0.jpg": jpeg_claiming(jpg, 0, 0),
            "claims-100000x100000.bmp": bmp_claiming(100000, 100000),
            "claims-neg.bmp": bmp_claiming(-5, -(2**31)),
            "claims-65000x65000.tif": tiff_claiming(tif, 65000, 65000),
            "claims-16777216.webp": webp_claiming(2**24, 2**24),
            "claims-100000x100000.ppm": b"P6\n100000 100000\n255\n" + bytes(64),
            "claims-65000x65000.pgm": b"P5\n65000 65000\n65535\n" + bytes(64),
            "text.jpg": "hello, this is not a photo\n",
            "html.png": "<html><body>404</body></html>",
            "json.jpg": '{"not": "an image"}',
            "video-named.jpg": (SAMPLES / "single_face.mp4").read_bytes(),
        }
        self.media("photo", "transparent", self.file("photo", "transparent.png", enc(".png", clear)), None)
        for name, content in bad.items():
            self.media(
                "photo",
                name.split(".")[0].split("-")[0] if name.startswith("claims") else name,
                self.file("photo", name, content),
                "fail",
            )
        try:  # a 2-channel image: neither grey nor colour
            self.media("photo", "2-channel", self.file("photo", "2ch.tif", enc(".tiff", img[..., :2].copy())), "fail")
        except cv2.error:
            pass

        for ext in (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".jp2", ".pgm", ".ppm"):
            self.media("photo", "zero-byte", self.file("photo", f"empty{ext}", b""), "fail")
            for k in range(2):
                n = rng.choice([1, 7, 100, 4096, 65536])
                self.media("photo", "random-bytes", self.file("photo", f"random{k}{ext}", rng.randbytes(n)), "fail")
        magics = {
            ".png": b"\x89PNG\r\n\x1a\n",
            ".jpg": b"\xff\xd8\xff\xe0",
            ".bmp": b"BM",
            ".tif": b"II*\0",
            ".tiff": b"MM\0*",
            ".webp": b"RIFF\0\0\0\0WEBPVP8 ",
            ".jp2": b"\0\0\0\x0cjP  \r\n\x87\n",
            ".pgm": b"P5\n",
            ".ppm": b"P6\n",
            ".jpeg": b"\xff\xd8\xff\xdb",
        }
        for ext, magic in magics.items():
            for k in range(3):
                tail = rng.randbytes(rng.choice([10, 500, 20000]))
                self.media("photo", "magic+random", self.file("photo", f"magic{k}{ext}", magic + tail), "fail")
        for ext, src in {
            ".jpg": jpg,
            ".png": png,
            ".webp": enc(".webp", img),
            ".tif": tif,
            ".bmp": enc(".bmp", img),
        }.items():
            for cut in (2, 20, 100):  # no pixel data at all
                self.media("photo", "header-only", self.file("photo", f"head{cut}{ext}", src[:cut]), "fail")
            for frac in (0.1, 0.5, 0.9, 0.99):  # partly decodable: either answer, but cleanly
                cut = self.file("photo", f"cut{int(frac * 100)}{ext}", src[: int(len(src) * frac)])
                self.media("photo", "truncated", cut, None)
            for flips in (1, 10, 200):
                for k in range(2):
                    self.media(
                        "photo",
                        "bit-flips",
                        self.file("photo", f"flip{flips}-{k}{ext}", flip_bytes(src, rng, flips, skip=4)),
                        None,
                    )

        d = self.inp / "photo"
        (d / "folder.jpg").mkdir()
        (d / "folder").mkdir()
        (d / "loop-a.jpg").symlink_to("loop-b.jpg")
        (d / "loop-b.jpg").symlink_to("loop-a.jpg")
        (d / "self.jpg").symlink_to("self.jpg")
        (d / "dangling.jpg").symlink_to("nowhere.jpg")
        (d / "link-to-folder.jpg").symlink_to("folder")
        locked = self.file("photo", "unreadable.jpg", jpg)
        locked.chmod(0)  # root reads it anyway: then it is simply a good photo
        fifo = d / "fifo.jpg"
        os.mkfifo(fifo)
        for name, p in {
            "directory": d / "folder.jpg",
            "directory:plain": d / "folder",
            "symlink-loop": d / "loop-a.jpg",
            "symlink-self": d / "self.jpg",
            "symlink-dangling": d / "dangling.jpg",
            "symlink-to-dir": d / "link-to-folder.jpg",
            "missing": d / "missing.jpg",
            "fifo": fifo,
            "name-too-long": d / ("a" * 300 + ".jpg"),
            "name-newline": self.file("photo", NASTY_NAMES[0] + ".jpg", "not a photo"),
        }.items():
            self.media("photo", name, p, "fail")
        self.media("photo", "trailing-slash", str(d / "valid.jpg") + "/", None, batch=False)  # pathlib drops the '/'
        self.media("photo", "unreadable", locked, "ok" if os.geteuid() == 0 else "fail")
        self.add(Case("photo", "empty-path", ["analyze", ""], "fail"))

    # -- videos --
    def videos(self) -> None:
        rng = self.rng
        clips = {
            "single_face.mp4": (SAMPLES / "single_face.mp4").read_bytes(),
            "no_face.mp4": (FACES / "no_face.mp4").read_bytes(),
            "face_noface.mov": (FACES / "face_noface.mov").read_bytes(),
        }
        fast = self.base["faststart"].read_bytes()
        self.media("video", "valid", self.file("video", "valid.mp4", clips["single_face.mp4"]), "ok")
        self.media("video", "valid:faststart", self.file("video", "faststart.mp4", fast), "ok")
        self.media("video", "valid:no-extension", self.file("video", "clip", clips["single_face.mp4"]), "ok")
        self.media("video", "valid:mov", self.file("video", "face_noface.mov", clips["face_noface.mov"]), "ok")
        self.media("video", "no-face", self.file("video", "no_face.mp4", clips["no_face.mp4"]), "fail")
        for name, data in clips.items():
            stem, ext = name.rsplit(".", 1)
            moov_at = next(i for kind, i, _, _ in _boxes(data) if kind == b"moov")
            cuts = {
                "0.1%": len(data) // 1000,
                "10%": len(data) // 10,
                "50%": len(data) // 2,
                "90%": len(data) * 9 // 10,
                "before-index": moov_at,
                "mid-index": moov_at + 200,
                "last-byte": len(data) - 1,
            }
            for label, at in cuts.items():  # the index is at the end: a cut leaves no readable movie
                self.media(
                    "video",
                    "truncated",
                    self.file("video", f"{stem}-cut-{label}.{ext}", data[:at]),
                    None if label == "last-byte" else "fail",
                )  # FFmpeg forgives a byte off the index's end
        ftyp_end = next(n for kind, _, _, n in _boxes(fast) if kind == b"ftyp")
        moov_end = ftyp_end + next(n for kind, _, _, n in _boxes(fast) if kind == b"moov")
        self.media("video", "header-only", self.file("video", "ftyp-only.mp4", fast[:ftyp_end]), "fail")
        self.media("video", "header-only", self.file("video", "index-only.mp4", fast[:moov_end]), "fail")
        for frac in (0.05, 0.3, 0.6, 0.95):  # index first: the first part still plays
            cut = fast[: moov_end + int((len(fast) - moov_end) * frac)]
            self.media(
                "video", "truncated:faststart", self.file("video", f"faststart-cut-{int(frac * 100)}.mp4", cut), None
            )
        for k in range(6):  # damage in the pictures (after the index) or in the index itself
            media = flip_bytes(fast, rng, rng.choice([5, 50, 500]), skip=moov_end)
            index = fast[:ftyp_end] + flip_bytes(fast[ftyp_end:moov_end], rng, 3) + fast[moov_end:]
            self.media("video", "bit-flips:media", self.file("video", f"flip-media{k}.mp4", media), None)
            self.media("video", "bit-flips:index", self.file("video", f"flip-index{k}.mp4", index), None)
        for ext in (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".wmv"):
            noise = rng.randbytes(rng.choice([16, 5000, 200000]))
            self.media("video", "random-bytes", self.file("video", f"random{ext}", noise), "fail")
        for ext, magic in {
            ".mp4": b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41",
            ".avi": b"RIFF\0\0\x10\0AVI LIST",
            ".mkv": b"\x1a\x45\xdf\xa3",
            ".mpg": b"\0\0\x01\xba",
            ".mov": b"\0\0\0\x14ftypqt  ",
        }.items():
            for k in range(2):
                tail = rng.randbytes(rng.choice([100, 50000]))
                self.media("video", "magic+random", self.file("video", f"magic{k}{ext}", magic + tail), "fail")
        for ext in (".mov", ".mp4", ".avi"):
            self.media("video", "zero-byte", self.file("video", f"empty{ext}", b""), "fail")
        self.media(
            "video",
            "photo-named-mp4",
            self.file("video", "photo.mp4", (SAMPLES / "single_face.jpg").read_bytes()),
            None,
        )
        self.media("video", "text-named-mp4", self.file("video", "text.mp4", "not a video\n" * 50), "fail")

    def mixed_batches(self) -> None:
        """Every photo and video once more, in `analyze --json` calls of a few bad inputs between
        two good ones: each input needs its record, the good ones without an error."""
        items = [(p, e) for p, e in self.analyzable if e != "ok"]
        self.rng.shuffle(items)
        per = BATCH_SIZE - 2
        for n, start in enumerate(range(0, len(items), per)):
            chosen = items[start : start + per]
            goods = [(self.goods[(2 * n + k) % len(self.goods)], "ok") for k in range(2)]
            records = {str(p): e for p, e in chosen[:2] + goods[:1] + chosen[2:] + goods[1:]}
            self.add(Case("analyze-mixed", "json", ["analyze", "--json", *records], n_bad=len(chosen), records=records))
            if n % TEXT_BATCH_EVERY == 0:  # the same, as text: one stderr line per bad input, no more
                self.add(Case("analyze-mixed", "text", ["analyze", *records], n_bad=len(chosen)))

    # -- live sources: practice, calibrate, cameras, durations --
    def sources(self) -> dict[str, tuple[Path, str | None]]:
        v, p = self.inp / "video", self.inp / "photo"
        return {
            "valid": (v / "valid.mp4", None),
            "relaxed-clip": (self.base["clip"], None),
            "truncated": (v / "single_face-cut-50%.mp4", "fail"),
            "truncated:index": (v / "single_face-cut-mid-index.mp4", "fail"),
            "truncated:faststart": (v / "faststart-cut-30.mp4", None),
            "truncated:faststart-late": (v / "faststart-cut-95.mp4", None),
            "bit-flips": (v / "flip-media0.mp4", None),
            "bit-flips:index": (v / "flip-index1.mp4", None),
            "random-bytes": (v / "random.mp4", "fail"),
            "zero-byte": (v / "empty.mov", "fail"),
            "header-only": (v / "index-only.mp4", "fail"),
            "no-face": (v / "no_face.mp4", None),
            "photo": (p / "valid.jpg", "fail"),
            "random-photo": (p / "random0.jpg", "fail"),
            "directory": (p / "folder", "fail"),
            "missing": (v / "missing.mp4", "fail"),
            "text-named-mp4": (v / "text.mp4", "fail"),
            "symlink-loop": (p / "loop-a.jpg", "fail"),
        }

    def practice(self) -> None:
        live = ["--no-window", "--no-journal", "--no-checkin", "--db", f"{CASE}/log.db"]
        for name, (src, expect) in self.sources().items():
            self.add(Case("practice", name, ["practice", "--source", str(src), *live], expect))
        demo = faststart((SAMPLES / "practice_demo.mp4").read_bytes())
        cut = self.file("video", "practice_demo-faststart-cut-40.mp4", demo[: len(demo) * 2 // 5])
        self.add(Case("practice", "truncated:long", ["practice", "--source", str(cut), *live], None, slow=True))
        self.add(
            Case(
                "practice",
                "full-demo",
                ["practice", "--source", str(SAMPLES / "practice_demo.mp4"), *live],
                "ok",
                slow=True,
                then=[["history", "--db", f"{CASE}/log.db"]],
            )
        )
        for name, (src, _expect) in self.sources().items():
            if name in (
                "valid",
                "truncated",
                "truncated:faststart",
                "zero-byte",
                "photo",
                "directory",
                "random-bytes",
                "bit-flips",
                "no-face",
            ):
                self.add(
                    Case(
                        "calibrate",
                        name,
                        ["calibrate", "--source", str(src), "--db", f"{CASE}/log.db"],
                        "fail" if name != "bit-flips" else None,
                    )
                )
        clip = str(self.base["clip"])
        for name, out, expect in (
            ("out:existing-file", self.here_file("old.json", "{}"), "ok"),
            ("out:directory", self.here_dir("folder"), "fail"),
            ("out:missing-folder", f"{CASE}/no/such/folder/b.json", None),
            ("out:name-too-long", f"{CASE}/{'b' * 300}.json", "fail"),
            ("out:symlink-loop", self.here_link("loop.json", "loop.json"), "fail"),
        ):
            self.add(
                Case("calibrate", name, ["calibrate", "--source", clip, "--db", f"{CASE}/log.db", "--out", out], expect)
            )
        if dev := self.null_device():
            self.add(
                Case(
                    "calibrate",
                    "out:null-device",
                    ["calibrate", "--source", clip, "--db", f"{CASE}/log.db", "--out", str(dev)],
                    None,
                    post=_still_char_device(dev),
                )
            )

    def cameras(self) -> None:
        for index in ("-1", "0", "-2", "99", "abc", "1e9", HUGE, str(2**31), ""):
            expect = None if index in ("-1", "0") else "fail"
            self.add(
                Case(
                    "camera",
                    f"practice {index}",
                    [
                        "practice",
                        "--camera",
                        index,
                        "--minutes",
                        "0.05",
                        "--no-window",
                        "--no-journal",
                        "--no-checkin",
                        "--db",
                        f"{CASE}/log.db",
                    ],
                    expect,
                )
            )
            self.add(
                Case(
                    "camera",
                    f"calibrate {index}",
                    ["calibrate", "--camera", index, "--seconds", "1", "--db", f"{CASE}/log.db"],
                    expect,
                )
            )
        self.add(Case("camera", "cameras", ["cameras"]))
        self.add(Case("camera", "both", ["practice", "--camera", "0", "--source", str(self.base["clip"])], "fail"))

    def minutes(self) -> None:
        src = str(self.inp / "video" / "valid.mp4")
        bad = {"-1", "nan", "inf", "-inf", "abc", "1e309", "-0.5", ""}
        for value in ("-1", "0", "nan", "inf", "-inf", "1e308", "1e-300", "abc", "1e309", "-0.5", "0.01", ""):
            self.add(
                Case(
                    "minutes",
                    f"practice --minutes {value}",
                    [
                        "practice",
                        "--source",
                        src,
                        "--minutes",
                        value,
                        "--no-window",
                        "--no-journal",
                        "--no-checkin",
                        "--db",
                        f"{CASE}/log.db",
                    ],
                    "fail" if value in bad else None,
                )
            )
        for value in ("-1", "0", "nan", "inf", "1e308"):
            for where in (["--camera", "0"], ["--source", src]):
                self.add(
                    Case(
                        "minutes",
                        f"calibrate --seconds {value} {where[0]}",
                        ["calibrate", *where, "--seconds", value, "--db", f"{CASE}/log.db"],
                        "fail" if value != "1e308" else None,
                    )
                )

    # -- files the log reads: baselines, imports --
    def baseline_files(self) -> None:
        doc = json.loads(self.base["baseline"].read_text())
        photo = str(self.inp / "photo" / "valid.jpg")

        def variant(**changes):
            return json.dumps({**doc, **changes})

        act = dict(doc["activation"])
        cases = {
            "valid": (json.dumps(doc), "ok"),
            "invalid-json": ("{", "fail"),
            "empty": ("", "fail"),
            "random-bytes": (self.rng.randbytes(300), "fail"),
            "list": ("[]", "fail"),
            "string": ('"x"', "fail"),
            "version-2": (variant(version=2), "fail"),
            "version-text": (variant(version="1"), "fail"),
            "no-activation": (json.dumps({k: v for k, v in doc.items() if k != "activation"}), "fail"),
            "activation-empty": (variant(activation={}), None),
            "noise-empty": (variant(noise={}), None),
            "key-eye/left/x": (variant(activation={**act, "eye/left/x": 0.1}), "fail"),
            "key-no-slash": (variant(noise={"eye": 0.1}), "fail"),
            "activation-text": (variant(activation={k: "abc" for k in act}), "fail"),
            "eye_mm-text": (variant(eye_mm="abc"), "fail"),
            "eye_mm-list": (variant(eye_mm=[1, 2]), "fail"),
            "eye_mm-nan": (variant(eye_mm=float("nan")), None),
            "eye_mm-huge": (variant(eye_mm=1e308), None),
            "eye_mm-negative": (variant(eye_mm={"left": -5, "right": -5}), None),
            "frames-infinite": (variant(frames=float("inf")), "fail"),
            "frames-huge": (variant(frames=10**30), None),
            "deep-nesting": (DEEP, "fail"),
        }
        for name, (content, expect) in cases.items():
            f = self.file("baseline", f"{name}.json", content)
            self.add(Case("baseline-file", name, ["analyze", photo, "--baseline", str(f)], expect))
        self.add(
            Case("baseline-file", "directory", ["analyze", photo, "--baseline", str(self.inp / "baseline")], "fail")
        )
        self.add(
            Case("baseline-file", "missing", ["analyze", photo, "--baseline", str(self.inp / "nope.json")], "fail")
        )

    def import_case(
        self, category: str, name: str, path: Path, expect: str | None, follow: bool = False, db: Path | None = None
    ) -> None:
        """`import` into a copy of the one-session target log: refused → the log byte-identical;
        accepted (with follow) → the log must still be readable by every command."""
        then = []
        if follow:
            log = ["--db", f"{CASE}/log.db"]
            then = [
                ["history", *log],
                ["history", "--json", *log],
                ["trend", *log],
                ["report", "--json", *log],
                ["analyze", str(self.inp / "photo" / "valid.jpg"), *log],
            ]
        self.add(
            Case(
                category,
                name,
                ["import", str(path), "--db", f"{CASE}/log.db"],
                expect,
                db_from=db or self.base["target"],
                guard="failure",
                then=then,
            )
        )

    def put_json(self, name: str, content, expect: str | None, follow: bool = False) -> None:
        """An import of this JSON document (or text, or bytes)."""
        if not isinstance(content, (str, bytes)):
            content = json.dumps(content)  # NaN and Infinity go out as the bare literals
        path = self.file("import", f"{len(self.cases):04d}-{_safe(name)}.json", content)
        self.import_case("import-json", name, path, expect, follow)

    def edited(self, table: str, column: str, value, row: int = 1) -> dict:
        """The real export with one cell changed (row 1 and on: sessions the target log lacks)."""
        d = json.loads(self.raw)
        rows = d["tables"][table]["rows"]
        rows[min(row, len(rows) - 1)][self.cols[table].index(column)] = value
        return d

    def imports(self) -> None:
        raw, put, edit, cols = self.raw, self.put_json, self.edited, self.cols
        doc = json.loads(raw)
        t = doc["tables"]

        put("valid", raw, "ok", follow=True)
        self.import_case("import-json", "valid:into-new-log", self.base["export_json"], "ok")
        self.import_case("import-json", "valid:same-log", self.base["export_json"], "ok", db=self.base["db"])
        for name, content in {
            "text": "hello",
            "open-brace": "{",
            "empty": "",
            "random-bytes": self.rng.randbytes(1000),
            "invalid-utf8": b'{"format": "\xff\xfe"}',
            "utf16": raw.encode("utf-16"),
            "cut-10%": raw[: len(raw) // 10],
            "cut-50%": raw[: len(raw) // 2],
            "cut-99%": raw[:-20],
            "top-list": [],
            "top-string": "abc",
            "top-number": 1,
            "top-null": None,
            "top-true": True,
            "top-empty": {},
            "deep-nesting": DEEP,
            "deep-nesting-in-rows": raw.replace('"rows": [', '"rows": [' + DEEP + ",", 1),
            "nan-literal-top": "NaN",
        }.items():
            put(name, content, "fail")
        put("utf8-bom", "\ufeff" + raw, None)
        for key, value, expect in (
            ("format", "other", "fail"),
            ("format", None, "fail"),
            ("version", 2, "fail"),
            ("version", "abc", "fail"),
            ("version", None, "fail"),
            ("version", float("inf"), "fail"),
            ("version", float("nan"), "fail"),
            ("version", HUGE, "fail"),
            ("version", int(HUGE), "fail"),
            ("version", -1, None),
            ("version", 1.5, None),
            ("version", "1", None),
            ("version", True, None),
            ("tables", [], "fail"),
            ("tables", {}, "fail"),
            ("tables", None, "fail"),
            ("app_version", ESCAPES, None),
            ("app_version", None, None),
        ):
            put(f"{key}={value!r}"[:40], {**doc, key: value}, expect)
        for table in ("sessions", "samples", "events", "baselines"):
            for name, value, expect in (("missing", None, "fail"), ("list", [], "fail"), ("string", "x", "fail")):
                d = json.loads(raw)
                if value is None:
                    del d["tables"][table]
                else:
                    d["tables"][table] = value
                put(f"{table}:{name}", d, expect)
            for name, change, expect in (
                ("columns-reversed", lambda c: c[::-1], "fail"),
                ("columns-extra", lambda c: c + ["x"], "fail"),
                ("columns-missing", lambda c: c[:-1], "fail"),
                ("columns-null", lambda c: None, "fail"),
                ("columns-string", lambda c: "abc", "fail"),
            ):
                d = json.loads(raw)
                d["tables"][table]["columns"] = change(list(cols[table]))
                put(f"{table}:{name}", d, expect)
            for name, rows, expect in (
                ("rows-string", "abc", "fail"),
                ("rows-number", 5, "fail"),
                ("rows-dict", {"a": 1}, None),
                ("rows-null", None, None),
                ("row-short", [[1]], "fail"),
                ("row-null", [None], "fail"),
                ("row-dict", [{"a": 1}], "fail"),
                ("rows-empty", [], None),
            ):
                d = json.loads(raw)
                d["tables"][table]["rows"] = rows
                put(f"{table}:{name}", d, expect)

        # the brief's hostile values, each where it hurts
        far, ok_row = "9999-12-31T23:59:59+00:00", 1
        d = edit("sessions", "started_utc", far)
        d["tables"]["sessions"]["rows"][ok_row][cols["sessions"].index("started_local")] = "9999-12-31T23:59:59+14:00"
        d["tables"]["sessions"]["rows"][ok_row][cols["sessions"].index("tz")] = "Pacific/Kiritimati"
        put("session:started-9999", d, None, follow=True)
        put("session:started-9999-utc-only", edit("sessions", "started_utc", far), None, follow=True)
        put("session:ended-9999", edit("sessions", "ended_utc", far), None, follow=True)
        put("session:started-0001", edit("sessions", "started_utc", "0001-01-01T00:00:00+00:00"), None, follow=True)
        put("session:started-local-garbage", edit("sessions", "started_local", "not a time"), None, follow=True)
        put("session:started-not-a-time", edit("sessions", "started_utc", "2026-13-45T99:99:99"), "fail")
        put("session:tz-garbage", edit("sessions", "tz", "Not/AZone" + ESCAPES), None, follow=True)
        for value, expect in (
            (2**63, "fail"),
            (2**63 - 1, None),
            (-(2**63) - 1, "fail"),
            (10**30, "fail"),
            (-1, None),
            (0, None),
            (int(HUGE), "fail"),
        ):
            d = json.loads(raw)
            for table in ("sessions", "samples", "events"):  # the session and every row that refers to it
                i = cols[table].index("session_id")
                for r in d["tables"][table]["rows"]:
                    if r[i] == 2:
                        r[i] = value
            put(f"session_id={value}", d, expect, follow=True)
        for table, column in (
            ("sessions", "twitches"),
            ("sessions", "pain_before"),
            ("sessions", "duration_s"),
            ("sessions", "baseline_id"),
            ("baselines", "frames"),
            ("baselines", "baseline_id"),
            ("events", "seq"),
            ("samples", "t_s"),
            ("samples", "quality"),
            ("sessions", "completed"),
        ):
            for value in (int(HUGE), 2**63, -1, float("nan"), float("inf"), 1e308):
                put(
                    f"{table}.{column}={value!r}"[:50],
                    edit(table, column, value, row=0 if table == "baselines" else 1),
                    None,
                    follow=True,
                )
        put("long-note", edit("sessions", "note", "n" * 200000), "fail")
        put("long-source", edit("sessions", "source", "s" * 1000000), None, follow=True)
        put("long-tz", edit("sessions", "tz", "z" * 10000), None, follow=True)
        put("long-event-text", edit("events", "text", "e" * 100000), "fail")
        put("note-escapes", edit("sessions", "note", ESCAPES), None, follow=True)
        put("source-escapes", edit("sessions", "source", ESCAPES + "camera"), None, follow=True)
        put("event-text-escapes", edit("events", "text", ESCAPES), None, follow=True)
        put("tags-escapes", edit("sessions", "tags", "cold;" + ESCAPES), "fail")
        put("tags-bad", edit("sessions", "tags", "a b;;c"), "fail")
        put("kind-unknown", edit("sessions", "kind", "dance"), "fail")
        put("event-kind-unknown", edit("events", "kind", "dance"), "fail")
        put("phase-bad", edit("samples", "phase", "Before Now!"), "fail")
        put("orphan-sample", edit("samples", "session_id", 424242), "fail")
        twice = {"columns": cols["sessions"], "rows": t["sessions"]["rows"] + t["sessions"]["rows"][1:2]}
        put("duplicate-session", {**doc, "tables": {**t, "sessions": twice}}, None)
        bi = cols["baselines"].index("data")
        data = json.loads(t["baselines"]["rows"][0][bi])
        for name, value, expect in (
            ("eye_mm-text", {**data, "eye_mm": "abc"}, "fail"),
            ("wrong-shape", {"eye_mm": "abc"}, "fail"),
            ("key-eye/left/x", {**data, "activation": {**data["activation"], "eye/left/x": 0.1}}, "fail"),
            ("key-no-slash", {**data, "noise": {"eye": 0.2}}, "fail"),
            ("empty-maps", {**data, "activation": {}, "noise": {}}, None),
            ("activation-text", {**data, "activation": {k: "x" for k in data["activation"]}}, "fail"),
            ("nan-values", {**data, "eye_mm": {"left": float("nan"), "right": float("nan")}}, None),
            ("personal-text", {**data, "personal": "yes"}, None),
            ("null", None, "fail"),
            ("list", [], "fail"),
            ("number", 5, "fail"),
        ):
            put(f"baseline-data:{name}", edit("baselines", "data", json.dumps(value), row=0), expect, follow=True)
        for name, text in (("not-json", "abc"), ("deep", DEEP), ("empty", "")):
            put(f"baseline-data:{name}", edit("baselines", "data", text, row=0), "fail")
        for _ in range(RANDOM_IMPORTS):
            self.random_import()

    NASTY_VALUES = (
        "abc",
        "",
        1.5,
        True,
        None,
        [],
        {},
        float("nan"),
        float("inf"),
        -float("inf"),
        1e308,
        -1e308,
        10**30,
        2**63,
        -(2**63) - 1,
        -1,
        0,
        "x" * 5000,
        ESCAPES,
        "9999-12-31T23:59:59+00:00",
        "2026-02-30T00:00:00+00:00",
        "Not/AZone",
        "\U0001f4a5",
        "\u202e",
        "1; DROP TABLE sessions",
        "\0",
    )

    def random_import(self) -> None:
        """One random cell of the export replaced by a hostile value: any answer, but a clean one."""
        rng = self.rng
        table = rng.choice(("sessions", "sessions", "samples", "events", "baselines"))
        column = rng.choice(self.cols[table])
        value = rng.choice(self.NASTY_VALUES)
        self.put_json(
            f"random:{table}.{column}={value!r}"[:50],
            self.edited(table, column, value, row=rng.randrange(1, 8)),
            None,
            follow=True,
        )

    def csv_imports(self) -> None:
        src = self.base["export_csv"]

        def folder(name: str, change: Callable[[Path], None], expect: str | None, follow: bool = False) -> None:
            d = self.inp / "csv" / f"{len(self.cases):04d}-{_safe(name)}"
            shutil.copytree(src, d)
            change(d)
            self.import_case("import-csv", name, d, expect, follow)

        def rewrite(file: str, fn: Callable[[str], str]) -> Callable[[Path], None]:
            return lambda d: (d / file).write_text(fn((d / file).read_text()))

        def cell(file: str, column: str, value: str) -> Callable[[Path], None]:
            def fn(text: str) -> str:
                lines = text.split("\n")
                i = lines[0].split(",").index(column)
                row = lines[2].split(",")  # the second data row: a session the target log lacks
                row[i] = value
                lines[2] = ",".join(row)
                return "\n".join(lines)

            return rewrite(file, fn)

        folder("valid", lambda d: None, "ok", follow=True)
        self.import_case("import-csv", "valid:a-csv-file", src / "sessions.csv", "ok")
        for file in ("meta.csv", "sessions.csv", "samples.csv", "events.csv", "baselines.csv"):
            folder(f"missing-{file}", lambda d, f=file: (d / f).unlink(), "fail")
        folder("sessions-is-a-folder", lambda d: ((d / "sessions.csv").unlink(), (d / "sessions.csv").mkdir()), "fail")
        folder("meta-empty", rewrite("meta.csv", lambda s: ""), "fail")
        folder("meta-format", rewrite("meta.csv", lambda s: s.replace("facetension-log", "other")), "fail")
        folder("meta-version-99", rewrite("meta.csv", lambda s: s.replace("version,1", "version,99")), "fail")
        folder("meta-version-text", rewrite("meta.csv", lambda s: s.replace("version,1", "version,abc")), "fail")
        folder(
            "meta-version-huge", rewrite("meta.csv", lambda s: s.replace("version,1", "version," + "9" * 5000)), "fail"
        )
        folder(
            "wrong-header",
            rewrite("sessions.csv", lambda s: s.replace("session_id,kind", "kind,session_id", 1)),
            "fail",
        )
        folder("header-only", rewrite("events.csv", lambda s: s.split("\n")[0] + "\n"), None, follow=True)
        folder("empty-table", rewrite("samples.csv", lambda s: ""), "fail")
        folder("cell-200KB", cell("sessions.csv", "note", "n" * 200000), "fail")
        folder("cell-200KB-quoted", cell("sessions.csv", "source", '"' + "s" * 200000 + '"'), "fail")
        folder("nul-byte", cell("sessions.csv", "source", "cam\0era"), "fail")
        folder("unbalanced-quote", rewrite("events.csv", lambda s: s + '1,1,1.0,prompt,eye,left,"open\n'), "fail")
        folder(
            "invalid-utf8",
            lambda d: (d / "sessions.csv").write_bytes((d / "sessions.csv").read_bytes() + b"\xff\n"),
            "fail",
        )
        folder("crlf", rewrite("events.csv", lambda s: s.replace("\n", "\r\n")), None, follow=True)
        folder("extra-cell", rewrite("events.csv", lambda s: s.replace("\n", ",x\n", 2)), "fail")
        for column, value, expect in (
            ("session_id", "abc", "fail"),
            ("session_id", HUGE, "fail"),
            ("duration_s", "nan", None),
            ("duration_s", "1e999", None),
            ("twitches", "1.5", "fail"),
            ("completed", "yes", "fail"),
            ("pain_before", "11", "fail"),
            ("started_utc", "9999-12-31T23:59:59+00:00", None),
            ("note", ESCAPES, None),
            ("tags", "a b", "fail"),
        ):
            folder(
                f"sessions.{column}={value[:12]}", cell("sessions.csv", column, value), expect, follow=expect is None
            )

    def odd_import_paths(self) -> None:
        d = self.inp / "import-paths"
        d.mkdir(parents=True)
        (d / "loop.json").symlink_to("loop.json")
        (d / "empty-folder").mkdir()
        fifo = d / "fifo.json"
        os.mkfifo(fifo)
        for name, p in {
            "missing": d / "missing.json",
            "empty-folder": d / "empty-folder",
            "symlink-loop": d / "loop.json",
            "name-too-long": d / ("a" * 300 + ".json"),
            "photo": self.inp / "photo" / "valid.jpg",
            "dot": Path("."),
        }.items():
            self.import_case("import-json", f"path:{name}", p, "fail")
        if dev := self.null_device():
            self.import_case("import-json", "path:null-device", dev, "fail")
        self.add(
            Case(
                "import-json",
                "path:fifo",
                ["import", str(fifo), "--db", f"{CASE}/log.db"],
                "fail",
                db_from=self.base["target"],
                guard="failure",
                slow=True,
            )
        )  # blocks in open() until a writer comes

    # -- log commands: journal, forget, export, history, report --
    def journal(self) -> None:
        log = ["--db", f"{CASE}/log.db"]
        history = [["history", *log]]
        for args, expect in (
            ([HUGE, "--note", "x"], "fail"),
            (["-1", "--note", "x"], "fail"),
            (["0"], "fail"),
            (["abc"], "fail"),
            (["1e9"], "fail"),
            ([str(2**63), "--pain-before", "3"], "fail"),
            ([str(2**63 - 1)], "fail"),
            ([HUGE], "fail"),
            (["2", "--pain-before", HUGE], "fail"),
            (["2", "--pain-before", "-1"], "fail"),
            (["2", "--pain-before", "11"], "fail"),
            (["2", "--pain-after", "abc"], "fail"),
            (["2", "--pain-after", "nan"], "fail"),
            (["2", "--pain-after", "1.5"], "fail"),
            (["2", "--pain-after", ""], "fail"),
            (["2", "--pain-before", " 5 "], None),
            (["2", "--pain-before", "\u0663"], None),
            (["2", "--pain-after", "-"], "ok"),
            (["2", "--note", "x" * 100000], "fail"),
            (["2", "--note", "line1\nline2"], None),
            (["2", "--tag", "unknown-tag"], "fail"),
            (["2", "--tag", ""], "fail"),
            (["2", "--new-tag", "x;y"], "fail"),
            (["2", "--new-tag", ESCAPES], "fail"),
            (["2", "--new-tag", "a" * 100], "fail"),
            (["2", "--untag", "never-there"], None),
            (["2", "--clear-tags", "--tag", "cold"], "ok"),
            ([], "ok"),
        ):
            self.add(
                Case(
                    "journal",
                    _label(args[:2]) or "latest",
                    ["journal", *args, *log],
                    expect,
                    db_from=self.base["db"],
                    guard="failure",
                    then=history,
                )
            )
        self.add(
            Case(
                "journal",
                "note-escapes",
                ["journal", "2", "--note", ESCAPES, *log],
                None,
                db_from=self.base["db"],
                guard="failure",
                then=history,
            )
        )
        self.add(Case("journal", "no-log", ["journal", "1", "--note", "x", *log], "fail", guard="failure"))

    def forget(self) -> None:
        log = ["--db", f"{CASE}/log.db"]
        for args, expect in (
            ([HUGE, "--yes"], "fail"),
            (["-1", "--yes"], "fail"),
            (["abc"], "fail"),
            (["0", "--yes"], "fail"),
            ([str(2**63), "--yes"], "fail"),
            ([str(2**63 - 1), "--yes"], "fail"),
            (["1"], "fail"),
            (["--all"], "fail"),
            (["--all", "1", "--yes"], "fail"),
            ([], "fail"),
            (["1e3", "--yes"], "fail"),
            (["2", "2", "--yes"], None),
            (["41", "--yes"], "ok"),
            (["--all", "--yes"], "ok"),
            (["2", HUGE, "--yes"], "fail"),
        ):
            self.add(
                Case(
                    "forget",
                    _label(args[:2]) or "nothing",
                    ["forget", *args, *log],
                    expect,
                    db_from=self.base["db"],
                    guard="failure",
                    then=[["history", *log]],
                )
            )
        self.add(Case("forget", "no-log", ["forget", "1", "--yes", *log], "fail", guard="failure"))

    def export(self) -> None:
        log = ["--db", f"{CASE}/log.db"]
        for force in ([], ["--force"]):  # --force replaces a plain file: never the log, a link or a device
            outs = [
                ("existing-file", self.here_file("old.json", "old"), "ok" if force else None),
                ("symlink-to-file", self.here_link("link.json", self.here_file("target.json", "old")), None),
                ("symlink-loop", self.here_link("loop.json", "loop.json"), "fail"),
                ("symlink-dangling", self.here_link("dangling.json", "nowhere/x.json"), None),
                ("directory", self.here_dir("folder"), "fail"),
                ("missing-folder", f"{CASE}/no/such/x.json", None),
                ("name-too-long", f"{CASE}/{'x' * 300}.json", "fail"),
                ("the-log-itself", f"{CASE}/log.db", "fail"),
            ]
            for name, out, expect in outs:
                self.add(
                    Case(
                        "export",
                        _label(["json", *force, name]),
                        ["export", "--format", "json", "--out", out, *force, *log],
                        expect,
                        db_from=self.base["db"],
                        guard="always",
                    )
                )
            for name, out, expect in (
                ("existing-file", self.here_file("old.txt", "old"), "fail"),
                ("x.csv", f"{CASE}/x.csv", "fail"),
                ("existing-folder", self.here_dir("full", files=("keep.txt",)), None),
                ("missing-folder", f"{CASE}/no/such/folder", None),
                ("name-too-long", f"{CASE}/{'x' * 300}", "fail"),
            ):
                self.add(
                    Case(
                        "export",
                        _label(["csv", *force, name]),
                        ["export", "--format", "csv", "--out", out, *force, *log],
                        expect,
                        db_from=self.base["db"],
                        guard="always",
                    )
                )
            for fmt in ("json", "csv"):
                if dev := self.null_device():
                    self.add(
                        Case(
                            "export",
                            _label([fmt, *force, "null-device"]),
                            ["export", "--format", fmt, "--out", str(dev), *force, *log],
                            None,
                            db_from=self.base["db"],
                            guard="always",
                            post=_still_char_device(dev),
                        )
                    )
        for args, expect in (
            (["--since", "abc"], "fail"),
            (["--since", "9999-12-31"], "ok"),
            (["--since", "0001-01-01"], "ok"),
            (["--since", "2026-02-30"], "fail"),
            ([], "ok"),
            (["--format", "xml"], "fail"),
        ):
            self.add(
                Case(
                    "export",
                    " ".join(args) or "stdout",
                    ["export", "--format", "json", *args, *log],
                    expect,
                    db_from=self.base["db"],
                    guard="always",
                )
            )

    def history_report(self) -> None:
        log = ["--db", f"{CASE}/log.db"]
        for args, expect in (
            (["history", "--limit", "-1"], None),
            (["history", "--limit", "0"], None),
            (["history", "--limit", HUGE], None),
            (["history", "--limit", "abc"], "fail"),
            (["history", "--since", "abc"], "fail"),
            (["history", "--since", "9999-12-31"], "ok"),
            (["history", "--since", "0001-01-01"], "ok"),
            (["history", "--json"], "ok"),
            (["trend"], "ok"),
            (["report", "--json", "--since", "0001-01-01"], "ok"),
            (["report", "--json", "--since", "abc"], "fail"),
            (["report", "--json", "--since", "9999-12-31"], None),
            (["report"], "ok"),
            (["report", "--out", self.here_dir("folder")], "fail"),
            (["report", "--out", f"{CASE}/no/such/r.html"], None),
            (["report", "--out", f"{CASE}/{'r' * 300}.html"], "fail"),
        ):
            self.add(
                Case("history-report", _label(args[:3]), [*args, *log], expect, db_from=self.base["db"], guard="always")
            )
        if dev := self.null_device():
            self.add(
                Case(
                    "history-report",
                    "report --out null-device",
                    ["report", "--out", str(dev), *log],
                    None,
                    db_from=self.base["db"],
                    guard="always",
                    post=_still_char_device(dev),
                )
            )

    def damaged_logs(self) -> None:
        """Every log command on logs that are not logs: one clean line, the file left as it was."""
        rng, good = self.rng, self.base["db"].read_bytes()
        other = self.inp / "other.db"
        with sqlite3.connect(other) as c:
            c.execute("CREATE TABLE t (x)")
        newer = bytearray(good)
        struct.pack_into(">i", newer, 60, 99)  # PRAGMA user_version: a schema from the future
        variants: dict[str, Callable[[Path], None]] = {
            "directory": lambda p: p.mkdir(),
            "random-bytes": lambda p: p.write_bytes(rng.randbytes(8192)),
            "empty-file": lambda p: p.write_bytes(b""),
            "truncated": lambda p: p.write_bytes(good[: len(good) // 2]),
            "header-flipped": lambda p: p.write_bytes(good[:16] + flip_bytes(good[16:100], rng, 4) + good[100:]),
            "pages-flipped": lambda p: p.write_bytes(good[:4096] + flip_bytes(good[4096:], rng, 40)),
            "not-facetension": lambda p: shutil.copyfile(other, p),
            "newer-schema": lambda p: p.write_bytes(bytes(newer)),
            "wal-garbage": lambda p: (p.write_bytes(good), Path(f"{p}-wal").write_bytes(rng.randbytes(5000))),
            "read-only": lambda p: (p.write_bytes(good), p.chmod(0o444)),  # root writes anyway
            "missing-folder": None,
            "name-too-long": None,
        }
        photo, clip = str(self.inp / "photo" / "valid.jpg"), str(self.base["clip"])
        commands = {
            "history": (["history"], "always"),
            "history --json": (["history", "--json"], "always"),
            "trend": (["trend"], "always"),
            "report": (["report", "--json"], "always"),
            "journal": (["journal", "1", "--pain-before", "3"], "failure"),
            "export": (["export", "--format", "json", "--out", f"{CASE}/x.json"], "always"),
            "import": (["import", str(self.base["export_json"])], "failure"),
            "forget": (["forget", "1", "--yes"], "failure"),
            "analyze": (["analyze", photo], "always"),
        }
        for vname, make in variants.items():
            for cname, (args, guard) in commands.items():
                db = {"missing-folder": f"{CASE}/no/such/folder/log.db", "name-too-long": f"{CASE}/{'d' * 300}.db"}.get(
                    vname, f"{CASE}/log.db"
                )
                if make is not None:
                    make(self.here() / "log.db")
                self.add(Case("db", f"{vname}: {cname}", [*args, "--db", db], None, guard=guard))
            if vname in ("random-bytes", "newer-schema", "directory"):
                make(self.here() / "log.db")
                self.add(
                    Case(
                        "db",
                        f"{vname}: practice",
                        [
                            "practice",
                            "--source",
                            clip,
                            "--no-window",
                            "--no-journal",
                            "--no-checkin",
                            "--db",
                            f"{CASE}/log.db",
                        ],
                        "fail",
                        guard="failure",
                    )
                )
        for cname, (args, _) in commands.items():
            if dev := self.null_device():
                self.add(
                    Case("db", f"null-device: {cname}", [*args, "--db", str(dev)], None, post=_still_char_device(dev))
                )

    # -- fixtures inside the next case's own folder --
    def here(self) -> Path:
        d = self.work / "runs" / f"{len(self.cases):04d}"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def here_file(self, name: str, text: str) -> str:
        p = self.here() / name
        p.write_text(text)
        return str(p)

    def here_dir(self, name: str, files: tuple[str, ...] = ()) -> str:
        p = self.here() / name
        p.mkdir(exist_ok=True)
        for f in files:
            (p / f).write_text("keep me")
        return str(p)

    def here_link(self, name: str, target: str) -> str:
        p = self.here() / name
        p.symlink_to(target)
        return str(p)

    def null_device(self) -> Path | None:
        """A character device like /dev/null, private to the next case. Never the real one: as
        root, a command that writes "atomically" beside its output would replace /dev/null."""
        p = self.here() / "null"
        if not p.exists():
            try:
                os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            except (OSError, AttributeError):
                return None if os.geteuid() == 0 else Path(os.devnull)  # unprivileged: the real one is safe
        return p

    def all(self) -> list[Case]:
        for make in (
            self.photos,
            self.videos,
            self.mixed_batches,
            self.practice,
            self.cameras,
            self.minutes,
            self.baseline_files,
            self.imports,
            self.csv_imports,
            self.odd_import_paths,
            self.journal,
            self.forget,
            self.export,
            self.history_report,
            self.damaged_logs,
        ):
            make()
        return self.cases

    def extra(self, n: int) -> None:
        """More random cases beyond the fixed ones (--cases above their number)."""
        jpg = (SAMPLES / "single_face.jpg").read_bytes()
        for k in range(n):
            if k % 2:
                self.random_import()
            else:
                flipped = flip_bytes(jpg, self.rng, self.rng.choice([1, 10, 100]), skip=4)
                self.media("photo", "bit-flips", self.file("photo", f"extra-flip{k}.jpg", flipped), None, batch=False)


# -- set-up: a real log and its exports, to start from -------------------------------------
def setup(ctx: Context) -> dict:
    """The demo log plus a real calibration (so it has a baseline and has been opened for writing
    once, as a user's log has), its JSON and CSV exports, a one-session target log to import into,
    a 6 s calm clip for calibrate, and single_face.mp4 with its index first."""
    import cv2

    base = ctx.work / "base"
    base.mkdir(parents=True)
    paths = {
        "db": base / "log.db",
        "clip": base / "relaxed.mp4",
        "baseline": base / "baseline.json",
        "export_json": base / "export.json",
        "export_csv": base / "export_csv",
        "target": base / "target.db",
        "faststart": base / "single_face-faststart.mp4",
    }
    shutil.copyfile(SAMPLES / "demo.db", paths["db"])
    paths["faststart"].write_bytes(faststart((SAMPLES / "single_face.mp4").read_bytes()))
    cap = cv2.VideoCapture(str(SAMPLES / "practice_demo.mp4"))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    writer = None
    for _ in range(int(RELAXED_CLIP_S * fps)):
        ok, frame = cap.read()
        if not ok:
            break
        if writer is None:
            writer = cv2.VideoWriter(str(paths["clip"]), cv2.VideoWriter_fourcc(*"mp4v"), fps, frame.shape[1::-1])
        writer.write(frame)
    cap.release()
    writer.release()
    db = str(paths["db"])
    # Relative names and fixed times: the exports every import case mutates are the same bytes on every run.
    _setup_step(["calibrate", "--source", paths["clip"].name, "--db", db, "--out", paths["baseline"].name], ctx)
    with closing(sqlite3.connect(db)) as c:
        c.execute("UPDATE baselines SET taken_utc = ?", (FIXED_START,))
        c.execute(
            "UPDATE sessions SET started_utc = ?, started_local = ?, tz = 'UTC', ended_utc = ?, duration_s = ? "
            "WHERE kind = 'calibrate'",
            (FIXED_START, FIXED_START, FIXED_END, RELAXED_CLIP_S),
        )
        c.commit()
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    baseline = json.loads(paths["baseline"].read_text())
    paths["baseline"].write_text(json.dumps({**baseline, "taken_at": FIXED_START[:19] + "+00:00"}, indent=1))
    _setup_step(["export", "--format", "json", "--out", str(paths["export_json"]), "--db", db], ctx)
    _setup_step(["export", "--format", "csv", "--out", str(paths["export_csv"]), "--db", db], ctx)
    doc = json.loads(paths["export_json"].read_text())
    for table in doc["tables"].values():  # the target: session 1 only, no baseline
        keep = table["columns"].index("session_id") if "session_id" in table["columns"] else None
        table["rows"] = [r for r in table["rows"] if keep is not None and r[keep] == 1]
    (base / "one-session.json").write_text(json.dumps(doc))
    _setup_step(["import", str(base / "one-session.json"), "--db", str(paths["target"])], ctx)
    return paths


class SetupError(Exception):
    """The real CLI could not make the starting log and exports: nothing to fuzz from."""


def _setup_step(argv: list[str], ctx: Context) -> None:
    run = run_cli(argv, ctx.work / "base", ctx, ctx.work / "base")
    if run.rc != 0:
        raise SetupError(f"set-up failed: facetension {' '.join(argv)} → exit {run.rc}\n{run.err[-2000:]}")


# -- choosing, running, reporting ----------------------------------------------------------
def select(cases: list[Case], seed: int, quick: bool, n: int | None) -> list[Case]:
    """--quick: a few cases of every category, of different kinds; --cases N: N spread evenly."""
    rng = random.Random(seed)
    by_cat: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        if not (quick and c.slow):
            by_cat[c.category].append(c)
    if quick:
        chosen = []
        for group in by_cat.values():
            kinds: dict[str, list[Case]] = defaultdict(list)
            for c in group:
                kinds[c.name].append(c)
            for name in rng.sample(sorted(kinds), min(QUICK_PER_CATEGORY, len(kinds))):
                chosen.append(rng.choice(kinds[name]))
        return sorted(chosen, key=lambda c: c.id)
    if n is None or n >= len(cases):
        return cases
    queues = [rng.sample(g, len(g)) for g in by_cat.values()]
    chosen = []
    while len(chosen) < n:  # round robin: small categories are kept whole
        for q in queues:
            if q and len(chosen) < n:
                chosen.append(q.pop())
    return sorted(chosen, key=lambda c: c.id)


@dataclass
class Summary:
    results: list[Result]
    seconds: float
    text: str

    @property
    def counts(self) -> Counter:
        return Counter(cls for r in self.results for cls in {c for c, _ in r.failures})

    def failing(self, cls: str | None = None) -> list[Result]:
        return [r for r in self.results if r.failures and (cls is None or any(c == cls for c, _ in r.failures))]


def _show(text: str, limit: int = MAX_SHOWN) -> str:
    """One line, control characters escaped (the report must not do to a terminal what it reports)."""
    text = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\n", "\\n"))
    return text if len(text) <= limit else text[:limit] + f"…({len(text)} chars)"


def _command(run: Run) -> str:
    return "facetension " + " ".join(_show(shlex.quote(a), 100) for a in run.argv)


def _failed_run(result: Result) -> Run:
    return next((r for r in result.runs if r.rc != 0), result.runs[0])


def _headline(result: Result) -> str:
    """The line an engineer needs first: a traceback's exception line, else the first line that is
    not ours (when there are extra lines), else stderr's first line."""
    lines = [line for line in _failed_run(result).err.splitlines() if line.strip()]
    if not lines:
        return "(nothing on stderr)"
    if any(TRACEBACK in r.err for r in result.runs):
        return lines[-1]
    if any(c == "extra_stderr" for c, _ in result.failures):
        return next((line for line in lines if not MESSAGE.match(line)), lines[-1])
    return lines[0]


NATIVE_LOG = re.compile(r"\[(\w+) @ 0x[0-9a-f]+\]")  # FFmpeg's own log lines: "[h264 @ 0x55d0c0] ..."


def _cause(result: Result, work: Path) -> tuple:
    """Failures of one cause share the command, the exit and the message's shape (paths, quoted
    values and numbers blanked out)."""
    run = _failed_run(result)
    text = _headline(result).replace(str(work), "<tmp>")
    if m := NATIVE_LOG.match(text):
        return run.argv[0] if run.argv else "", run.rc, f"[{m.group(1)} @ …] (FFmpeg's own log lines on stderr)"
    text = re.sub(r"'[^']*'|\"[^\"]*\"|<tmp>\S*|\b0x[0-9a-f]+\b|\d+(\.\d+)?", "…", text)
    return run.argv[0] if run.argv else "", run.rc, _show(text, 120)


def report(results: list[Result], seconds: float, seed: int, work: Path, kept: bool) -> str:
    cats = list(dict.fromkeys(r.case.category for r in sorted(results, key=lambda r: r.case.id)))
    head = f"{'category':<15}{'cases':>6}" + "".join(f"{SHORT[c]:>8}" for c in CLASSES) + f"{'failing':>9}"
    lines = [
        f"facetension fuzz: seed {seed}, {len(results)} cases, {seconds / 60:.1f} min, {sys.executable}",
        f"repo {REPO}; inputs {'kept in ' + str(work) if kept else 'in a temporary folder (use --out DIR to keep)'}",
        "",
        head,
    ]
    for cat in cats + ["TOTAL"]:
        rs = [r for r in results if cat in ("TOTAL", r.case.category)]
        counts = Counter(c for r in rs for c in {c for c, _ in r.failures})
        lines.append(
            f"{cat:<15}{len(rs):>6}"
            + "".join(f"{counts[c]:>8}" for c in CLASSES)
            + f"{sum(1 for r in rs if r.failures):>9}"
        )
    lines += ["", "classes (cases with at least one): "] + [f"  {SHORT[c]:<7} {c}: {d}" for c, d in CLASSES.items()]
    failing = [r for r in results if r.failures]
    if not failing:
        return "\n".join(lines + ["", "No failures."])
    causes: dict[tuple, list[Result]] = defaultdict(list)
    for r in failing:
        causes[_cause(r, work)].append(r)
    lines += ["", f"DISTINCT FAILURES ({len(causes)} causes, by command, exit and message):"]
    for (cmd, rc, text), rs in sorted(causes.items(), key=lambda kv: (-len(kv[1]), kv[0][0], str(kv[0][1]))):
        ids = ", ".join(f"#{r.case.id}" for r in rs[:8]) + (" …" if len(rs) > 8 else "")
        classes = ",".join(c for c in CLASSES if any(c == f for r in rs for f, _ in r.failures))
        exit_ = "hung" if rc is None else f"exit {rc}"
        lines.append(f"  {len(rs):>4}× {cmd:<10} {exit_:<8} [{classes}] {text}   (cases {ids})")
    lines += [
        "",
        f"FAILING CASES ({len(failing)}; rerun one: python benchmarks/fuzz.py --seed {seed} --case ID --out DIR):",
    ]
    for r in failing:
        first = r.runs[0]
        exit_ = "hung" if first.rc is None else f"exit {first.rc}"
        lines.append(
            f"#{r.case.id} {r.case.category} / {_show(r.case.name, 60)}: {exit_} after {first.seconds:.1f} s"
            f" (expected {r.case.expect or 'either'})"
        )
        lines.append(f"    $ {_command(first).replace(str(work), '<tmp>')}")
        for cls, detail in r.failures:
            lines.append(f"    {cls}: {_show(detail.replace(str(work), '<tmp>'))}")
        for run in r.runs:
            err = [line for line in run.err.splitlines() if line.strip()]
            if err and run.rc != 0:
                shown = err[:2] + (["…", err[-1]] if len(err) > 3 else err[2:])
                lines += [
                    f"    stderr{'' if run is first else ' of ' + run.argv[0]}| "
                    + _show(line.replace(str(work), "<tmp>"))
                    for line in shown
                ]
    return "\n".join(lines)


def run(
    seed: int = DEFAULT_SEED,
    quick: bool = False,
    cases: int | None = None,
    out: Path | None = None,
    jobs: int = JOBS,
    timeout_s: float | None = None,
    only: list[int] | None = None,
    progress: bool = False,
) -> Summary:
    """Make the cases, run them, and return the results with the report's text."""
    work = Path(out).resolve() if out else Path(tempfile.mkdtemp(prefix="facetension-fuzz-"))
    for sub in ("base", "inputs", "runs"):  # a rerun into the same --out starts afresh
        if (work / sub).exists():
            shutil.rmtree(work / sub)
    ctx = Context(work, timeout_s or (QUICK_TIMEOUT_S if quick else TIMEOUT_S), make_env())
    start = time.monotonic()
    try:
        gen = Gen(seed, work, setup(ctx))
        every = gen.all()
        if not quick and cases and cases > len(every):
            gen.extra(cases - len(every))
        chosen = [c for c in every if c.id in set(only)] if only else select(every, seed, quick, cases)
        results: list[Result] = []
        pool = ThreadPoolExecutor(jobs)  # threads only wait: the work is in the subprocesses
        try:
            for n, result in enumerate(pool.map(lambda c: run_case(c, ctx), chosen), 1):
                results.append(result)
                if progress and (n % 25 == 0 or n == len(chosen)):
                    bad = sum(1 for r in results if r.failures)
                    print(
                        f"fuzz: {n}/{len(chosen)} cases, {bad} failing, {time.monotonic() - start:.0f} s",
                        file=sys.stderr,
                        flush=True,
                    )
        except BaseException:  # Ctrl-C: the cases run in their own sessions, so end them here
            pool.shutdown(wait=False, cancel_futures=True)
            for pid in list(ctx.running):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            raise
        pool.shutdown()
        seconds = time.monotonic() - start
        return Summary(results, seconds, report(results, seconds, seed, work, kept=out is not None))
    finally:
        if out is None:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"what every case derives from (default {DEFAULT_SEED})"
    )
    p.add_argument("--cases", type=int, help=f"how many (default: all, at least {MIN_CASES}); more adds random ones")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_PER_CATEGORY} cases per category (what CI runs)")
    p.add_argument("--out", type=Path, help="keep inputs, logs and report.txt here (default: a temporary folder)")
    p.add_argument("--jobs", type=int, default=JOBS, help=f"cases at a time (default {JOBS})")
    p.add_argument("--timeout", type=float, help=f"seconds before a case counts as hung (default {TIMEOUT_S:g})")
    p.add_argument("--case", type=int, action="append", metavar="ID", help="run only this case (repeatable)")
    args = p.parse_args(argv)
    try:
        summary = run(args.seed, args.quick, args.cases, args.out, args.jobs, args.timeout, args.case, progress=True)
    except SetupError as exc:
        print(f"fuzz: {exc}", file=sys.stderr)
        return 2
    print(summary.text)
    if args.out:
        (args.out / "report.txt").write_text(summary.text + "\n")
    return 1 if summary.failing() else 0


if __name__ == "__main__":
    sys.exit(main())
