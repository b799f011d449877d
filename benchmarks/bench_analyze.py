"""Speed of `analyze` against bare MediaPipe inference, on three clips. Run by hand:

    python benchmarks/bench_analyze.py [--rounds 5] [--seconds 10]

Goal (issue 11): `facetension.analyze(path)`, end to end, takes at most 1.20× the bare
landmarker's time on each clip.

The clips are built at run time in a temporary directory (never in the repo) from the real
face of samples/practice_demo.mp4 (640×360, 30 fps): its first --seconds, each frame scaled
and placed on a grey canvas, written as mp4v at 30 fps:

  large-centred    640×480, the central 4:3 part scaled ×4/3: face ~55 % of the height, centred
  small-offcentre  1280×720, the source at ×1.1 in the lower left: face ~30 % of the height
  near-edge        960×540, the source at ×1.5 moved right: the face ~40 px from the right edge

Each clip is decoded once into memory (to_bgr8 included) for the first three variants, so
that they time inference alone; `analyze` reads the file itself. Variants, per clip:

  bare       MediaPipe's FaceLandmarker, VIDEO mode, with facetension's model bytes and
             options: create it, then cvtColor + mp.Image + detect_for_video on every frame.
  wrapper    facetension.Landmarker(): construct it, then detect(frame, t_ms) on every frame
             (ROI crop, mirror pass, results to numpy; its graphs are made on first use).
  no-mirror  the same with mirror_pass=False: what the mirror pass costs.
  analyze    facetension.analyze(path): a Landmarker of its own, decoding, landmarks,
             metrics, pixel refinement, tension and twitches, summary. (The model file is
             read once per process: by a warm-up run before the timing, as by a first call.)

Side by side: in each round, each clip's four variants run one after the other, in an order
that rotates from round to round, so that each ratio compares runs made under the same load
(the machine may be shared). A ratio is the median over the rounds of that round's
variant / bare; times are medians over the rounds.
Wall time is the goal's measure; CPU time (every thread of the process) is printed beside it,
since the machine may be shared: `analyze` spreads decoding and metrics over the second core.
Prints figures only; writes nothing outside the temporary directory.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import facetension  # noqa: E402
from facetension.capture import to_bgr8  # noqa: E402
from facetension.landmarks import landmarker_options, load_model  # noqa: E402
from facetension.quiet import native_stderr_silenced  # noqa: E402

SOURCE = ROOT / "samples" / "practice_demo.mp4"
FPS = 30.0
GOAL_RATIO = 1.20
GREY = (128, 128, 128)


@dataclass(frozen=True)
class Clip:
    name: str
    size: tuple[int, int]  # (width, height) of the frame
    scale: float  # of the source frame
    offset: tuple[float, float]  # where the scaled source's top-left corner goes


CLIPS = (
    Clip("large-centred", (640, 480), 4 / 3, (-(640 * 4 / 3 - 640) / 2, 0.0)),
    Clip("small-offcentre", (1280, 720), 1.1, (40.0, 300.0)),
    Clip("near-edge", (960, 540), 1.5, (360.0, 0.0)),
)


# -- clips -----------------------------------------------------------------------------------
def read_source(n: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(SOURCE))
    frames = []
    while len(frames) < n:
        ok, image = cap.read()
        if not ok:
            break
        frames.append(image)
    cap.release()
    if not frames:
        sys.exit(f"cannot read {SOURCE}")
    return frames


def build_clip(clip: Clip, source: list[np.ndarray], out: Path) -> Path:
    s, (dx, dy) = clip.scale, clip.offset
    matrix = np.array([[s, 0, dx], [0, s, dy]])
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), FPS, clip.size)
    if not writer.isOpened():
        sys.exit("cv2.VideoWriter cannot write mp4v here")
    for image in source:
        writer.write(
            cv2.warpAffine(
                image, matrix, clip.size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=GREY
            )
        )
    writer.release()
    return out


def decode(path: Path) -> list[np.ndarray]:
    """Every frame, as capture.VideoSource hands it over (to_bgr8 included)."""
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = cap.read()
        if not ok or image is None:
            break
        frames.append(to_bgr8(image))
    cap.release()
    return frames


def t_ms(i: int) -> int:
    return int(round(i / FPS * 1000))  # as analysis.measured_frames times frame i


# -- variants --------------------------------------------------------------------------------
def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn, *args) -> dict:
    wall, cpu = time.perf_counter(), cpu_s()
    found = fn(*args)
    return {"s": time.perf_counter() - wall, "cpu": cpu_s() - cpu, "found": found}


def run_bare(frames, model: bytes) -> int:
    import mediapipe as mp
    from mediapipe.tasks.python import vision

    options = landmarker_options(model, video=True)
    with native_stderr_silenced():
        landmarker = vision.FaceLandmarker.create_from_options(options)
    found = 0
    with landmarker:
        for i, bgr in enumerate(frames):
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            found += bool(landmarker.detect_for_video(image, t_ms(i)).face_landmarks)
    return found


def run_wrapper(frames, mirror_pass: bool) -> int:
    with facetension.Landmarker(mirror_pass=mirror_pass) as lm:
        return sum(lm.detect(bgr, t_ms(i)) is not None for i, bgr in enumerate(frames))


def run_analyze(path: Path) -> int:
    return facetension.analyze(path).frames_with_face


# -- report ----------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each clip")
    args = ap.parse_args()

    import mediapipe

    print(
        f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"python {sys.version.split()[0]}, numpy {np.__version__}, cv2 {cv2.__version__}, "
        f"mediapipe {getattr(mediapipe, '__version__', '?')}"
    )
    model, _ = load_model()
    source = read_source(int(args.seconds * FPS))
    with tempfile.TemporaryDirectory(prefix="facetension-bench-") as tmp:
        paths = {c.name: build_clip(c, source, Path(tmp) / f"{c.name}.mp4") for c in CLIPS}
        frames = {name: decode(p) for name, p in paths.items()}
        n = {name: len(f) for name, f in frames.items()}
        print(
            f"clips from {SOURCE.relative_to(ROOT)}: "
            + ", ".join(f"{c.name} {c.size[0]}×{c.size[1]} ({n[c.name]} frames)" for c in CLIPS)
        )
        variants = {
            "bare": lambda c: run_bare(frames[c.name], model),
            "wrapper": lambda c: run_wrapper(frames[c.name], True),
            "no-mirror": lambda c: run_wrapper(frames[c.name], False),
            "analyze": lambda c: run_analyze(paths[c.name]),
        }
        run_analyze(paths[CLIPS[0].name])  # loads MediaPipe's library once, outside every timing
        res: dict[tuple[str, str], list[dict]] = {(c.name, v): [] for c in CLIPS for v in variants}
        t_start = time.perf_counter()
        for r in range(args.rounds):
            order = list(variants)[r % len(variants) :] + list(variants)[: r % len(variants)]
            for c in CLIPS:
                for v in order:
                    res[(c.name, v)].append(timed(variants[v], c))
            print(
                f"round {r + 1} ({', '.join(order)}): analyze / bare "
                + "  ".join(
                    f"{c.name} {res[(c.name, 'analyze')][-1]['s'] / res[(c.name, 'bare')][-1]['s']:.2f}" for c in CLIPS
                ),
                flush=True,
            )
        print(
            f"{time.perf_counter() - t_start:.0f} s of timing; load average now "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )

    def med(clip: str, variant: str, field: str = "s") -> float:
        return statistics.median(x[field] for x in res[(clip, variant)])

    def ratio(clip: str, variant: str) -> float:  # round by round, then the median
        return statistics.median(x["s"] / b["s"] for x, b in zip(res[(clip, variant)], res[(clip, "bare")]))

    print(
        f"\nmedian of {args.rounds} rounds: ms per frame, wall (CPU of all threads in brackets); ratios to bare, wall:"
    )
    print(
        f"| clip | frames | bare | wrapper | no-mirror | analyze | wrapper / bare | no-mirror / bare | "
        f"analyze / bare | ≤ {GOAL_RATIO:.2f} |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for c in CLIPS:
        cells = " | ".join(
            f"{med(c.name, v) / n[c.name] * 1000:.2f} ({med(c.name, v, 'cpu') / n[c.name] * 1000:.2f})"
            for v in variants
        )
        r = {v: ratio(c.name, v) for v in ("wrapper", "no-mirror", "analyze")}
        print(
            f"| {c.name} | {n[c.name]} | {cells} | {r['wrapper']:.3f} | {r['no-mirror']:.3f} | "
            f"{r['analyze']:.3f} | {'PASS' if r['analyze'] <= GOAL_RATIO else 'FAIL'} |"
        )
    print(
        "faces found (frames): "
        + "; ".join(f"{c.name}: " + ", ".join(f"{v} {res[(c.name, v)][0]['found']}" for v in variants) for c in CLIPS)
    )


if __name__ == "__main__":
    main()
