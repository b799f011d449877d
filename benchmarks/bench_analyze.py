"""Speed of `analyze` on a 640×480, 30 fps clip against bare MediaPipe inference. Run by hand:

    cd /work/main && PYTHONPATH=. python benchmarks/bench_analyze.py [--rounds 3]

Goal (from the issue): analyze runs at least 5× real time, with no more than 15 % overhead
over the landmarker's own inference on the same frames.

The clip is built in a temporary directory (never in the repo) from the real webcam clip
/work/shared/faces/single_face.mp4 (640×360, 72 frames): each frame's central 4:3 part
(480×360, the face well inside it) is scaled to 640×480, and the frames are looped
forward-backward to 300 frames (10 s) and written as mp4v at 30 fps. That file is decoded
once into memory, so decoding stays out of every per-frame timing (its time is printed on
its own). Then, in interleaved rounds (the order rotates each round; the median of the
rounds is reported), on the same decoded frames:

  a  bare      the stock FaceLandmarker, VIDEO mode, facetension's model and options
               (num_faces=MAX_FACES, blendshapes and matrices on), detect_for_video on every
               frame with rising timestamps; creation is outside the timing.
  c  wrapper   facetension's Landmarker("video").detect on every frame, no metrics:
               ROI crop, mirror-pass alternation, results to numpy.
  b  analyze   analyze_video() itself, fed the decoded frames (see _DecodedSource): the
               wrapper, measure_face (metrics + pixel refinement) on every frame, summary.
  d  metrics   measure_face on the faces that c found (with and without the pixel refiner),
               and _summarise on the resulting timeline.
  e  e2e       facetension.analyze(path) on the file: model load, decode, everything.

The Landmarker of b and c is constructed outside the timing (its time is printed), but its
two VIDEO-mode graphs are created lazily on the first two frames, inside the loop, as in
real use; one graph's creation time is printed with the bare one's.
Prints figures only; writes nothing outside the temporary directory.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import cv2
import numpy as np

import facetension
from facetension.capture import Frame, to_bgr8
from facetension.landmarks import MAX_FACES, Landmarker, _quiet_native_stderr, load_model

# The module behind `facetension.analyze` (the function the package re-exports).
A = importlib.import_module("facetension.analysis")

SOURCE = Path("/work/shared/faces/single_face.mp4")
SIZE = (640, 480)
FPS = 30.0
N_FRAMES = 300  # 10 s
GOAL_REAL_TIME = 5.0
GOAL_OVERHEAD = 0.15


# -- the clip --------------------------------------------------------------------------------
def build_clip(out: Path) -> int:
    cap = cv2.VideoCapture(str(SOURCE))
    src = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        src.append(image)
    cap.release()
    if not src:
        sys.exit(f"cannot read {SOURCE}")
    w, h = SIZE
    scaled = []
    for image in src:
        ih, iw = image.shape[:2]
        cw = min(iw, ih * w // h)  # central crop with the target's aspect ratio
        ch = cw * h // w
        x0, y0 = (iw - cw) // 2, (ih - ch) // 2
        scaled.append(cv2.resize(image[y0:y0 + ch, x0:x0 + cw], SIZE, interpolation=cv2.INTER_LINEAR))
    order = list(range(len(scaled))) + list(range(len(scaled) - 2, 0, -1))  # forward, backward
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
    if not writer.isOpened():
        sys.exit("cv2.VideoWriter cannot write mp4v here")
    for i in range(N_FRAMES):
        writer.write(scaled[order[i % len(order)]])
    writer.release()
    return len(src)


def decode(path: Path) -> list[np.ndarray]:
    """Every frame, as VideoSource.frames() would hand it over (to_bgr8 included)."""
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
    """The timestamp analyze_video gives frame i: int(round(t_s * 1000)), t_s = i / fps."""
    return int(round(i / FPS * 1000))


# -- the variants ----------------------------------------------------------------------------
def create_bare(model: bytes):
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=model),
        running_mode=vision.RunningMode.VIDEO,
        num_faces=MAX_FACES,
        output_face_blendshapes=True,
        output_facial_transformation_matrixes=True,
    )
    with _quiet_native_stderr():
        return vision.FaceLandmarker.create_from_options(options)


def run_bare(frames, model: bytes) -> dict:
    import mediapipe as mp

    t0 = time.perf_counter()
    landmarker = create_bare(model)
    create_s = time.perf_counter() - t0
    found = 0
    try:
        t0 = time.perf_counter()
        for i, bgr in enumerate(frames):
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(bgr[..., ::-1]))
            result = landmarker.detect_for_video(image, t_ms(i))
            found += bool(result.face_landmarks)
        loop_s = time.perf_counter() - t0
    finally:
        landmarker.close()
    return {"s": loop_s, "create_s": create_s, "found": found}


def run_wrapper(frames) -> dict:
    t0 = time.perf_counter()
    lm = Landmarker("video")
    init_s = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        faces = [lm.detect(bgr, t_ms(i)) for i, bgr in enumerate(frames)]
        loop_s = time.perf_counter() - t0
    finally:
        lm.close()
    return {"s": loop_s, "init_s": init_s, "found": sum(f is not None for f in faces), "faces": faces}


class _DecodedSource:
    """Stands in for capture.VideoSource inside analyze_video: same interface, but it yields
    the frames decoded beforehand, with the same index and time. analyze_video takes a path
    and opens VideoSource itself, so rather than change analyze.py (or copy its loop) the
    benchmark swaps the VideoSource name in facetension.analysis for the duration of the call
    (mock.patch.object); analyze_video's own loop and _summarise run unmodified."""

    frames_data: list[np.ndarray] = []

    def __init__(self, path):
        self.path = Path(path)
        self.fps = FPS
        self.declared_frames = len(self.frames_data)
        self.frames_read = 0

    def frames(self):
        for image in self.frames_data:
            i = self.frames_read
            self.frames_read += 1
            yield Frame(i, i / self.fps, image)

    @property
    def truncated(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_analyze_video(frames, clip: Path) -> dict:
    _DecodedSource.frames_data = frames
    t0 = time.perf_counter()
    lm = Landmarker("video")
    init_s = time.perf_counter() - t0
    try:
        with mock.patch.object(A, "VideoSource", _DecodedSource):
            t0 = time.perf_counter()
            result = A.analyze_video(clip, lm)
            loop_s = time.perf_counter() - t0
    finally:
        lm.close()
    return {"s": loop_s, "init_s": init_s, "found": result.frames_with_face, "result": result}


def run_metrics(frames, faces) -> dict:
    pairs = [(f, bgr) for f, bgr in zip(faces, frames) if f is not None]
    t0 = time.perf_counter()
    measures = [A.measure_face(f, bgr) for f, bgr in pairs]
    refine_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for f, bgr in pairs:
        A.measure_face(f, bgr, refine=False)
    mesh_s = time.perf_counter() - t0
    it = iter(measures)
    timeline = [A.TimelineRow(i / FPS, f is not None, next(it) if f is not None else None)
                for i, f in enumerate(faces)]
    mirrored = [bool(f is not None and f.mirrored_pass) for f in faces]
    seen = max((f.faces_seen for f in faces if f is not None), default=0)
    t0 = time.perf_counter()
    A._summarise("<bench>", "video", timeline, mirrored, seen, len(frames))
    summary_s = time.perf_counter() - t0
    return {"s": refine_s, "mesh_s": mesh_s, "summary_s": summary_s, "measured": len(pairs)}


def run_e2e(clip: Path) -> dict:
    t0 = time.perf_counter()
    result = facetension.analyze(clip)
    return {"s": time.perf_counter() - t0, "found": result.frames_with_face, "result": result}


# -- report ----------------------------------------------------------------------------------
def med(rounds: list[dict], key: str = "s") -> float:
    return statistics.median(r[key] for r in rounds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    import mediapipe

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(f"machine: os.cpu_count()={os.cpu_count()}, usable cores={affinity}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(not set)')}, "
          f"load avg={' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"versions: python {sys.version.split()[0]}, numpy {np.__version__}, cv2 {cv2.__version__}, "
          f"mediapipe {getattr(mediapipe, '__version__', '?')}, cv2 threads {cv2.getNumThreads()}")

    model, _ = load_model()
    with tempfile.TemporaryDirectory(prefix="facetension-bench-") as tmp:
        clip = Path(tmp) / "clip_640x480_30fps.mp4"
        t0 = time.perf_counter()
        n_src = build_clip(clip)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        frames = decode(clip)
        decode_s = time.perf_counter() - t0
        n = len(frames)
        if n == 0 or frames[0].shape[:2] != SIZE[::-1]:
            sys.exit(f"decoded clip is wrong: {n} frames of {frames[0].shape if n else None}")
        print(f"clip: {SOURCE.name} ({n_src} frames) → central 4:3 crop scaled to {SIZE[0]}×{SIZE[1]}, "
              f"forward-backward loop, mp4v {FPS:g} fps: {n} frames = {n / FPS:.1f} s "
              f"(built in {build_s:.2f} s)")
        print(f"decode (cv2 + to_bgr8, outside a–d): {decode_s * 1000:.0f} ms = "
              f"{decode_s / n * 1000:.2f} ms/frame = {n / decode_s:.0f} fps")

        variants = {
            "a": lambda: run_bare(frames, model),
            "c": lambda: run_wrapper(frames),
            "b": lambda: run_analyze_video(frames, clip),
            "e": lambda: run_e2e(clip),
        }
        res: dict[str, list[dict]] = {k: [] for k in (*variants, "d")}
        keys = list(variants)
        t_start = time.perf_counter()
        for r in range(args.rounds):
            order = keys[r % len(keys):] + keys[:r % len(keys)]
            for k in order:
                res[k].append(variants[k]())
                if k == "c":  # metrics alone, on the faces this round's wrapper found
                    res["d"].append(run_metrics(frames, res["c"][-1].pop("faces")))
            line = "  ".join(f"{k}={res[k][-1]['s'] / n * 1000:.2f}" for k in ("a", "c", "b", "e", "d"))
            print(f"round {r + 1} (order {''.join(order)}), ms/frame: {line}")
        total_s = time.perf_counter() - t_start

    a, b, c, e = (med(res[k]) for k in "abce")
    d_ref, d_mesh = med(res["d"]), med(res["d"], "mesh_s")
    summary_s = med(res["d"], "summary_s")
    measured = res["d"][0]["measured"]

    def row(label, seconds, found=None, per=n):
        fps = per / seconds
        extra = "" if found is None else f"  faces {found}/{n}"
        return (f"  {label:<44} {fps:7.1f} fps  {seconds / per * 1000:6.2f} ms/frame  "
                f"{fps / FPS:5.2f}× real time  {seconds / a:5.3f}× bare{extra}")

    print(f"\nmedian of {args.rounds} rounds ({total_s:.0f} s of timing), {n} frames:")
    print(row("a bare FaceLandmarker.detect_for_video", a, res["a"][0]["found"]))
    print(row("c Landmarker('video').detect (wrapper)", c, res["c"][0]["found"]))
    print(row("b analyze_video on decoded frames", b, res["b"][0]["found"]))
    print(row("e facetension.analyze(path), end to end", e, res["e"][0]["found"]))
    print(f"  d metrics: measure_face (refine)  {d_ref / measured * 1000:6.2f} ms/face, "
          f"without refine {d_mesh / measured * 1000:.2f} ms/face ({measured} faces); "
          f"_summarise {summary_s * 1000:.1f} ms per clip")
    print(f"  setup (not in a–c): bare FaceLandmarker create {med(res['a'], 'create_s') * 1000:.0f} ms; "
          f"Landmarker('video') init {med(res['c'], 'init_s') * 1000:.0f} ms "
          f"(+ 2 VIDEO graphs created lazily inside the b and c loops)")

    print("\nratios to bare inference (a):")
    print(f"  b/a analyze_video / bare        {b / a:6.3f}  (overhead {100 * (b / a - 1):+6.1f} %)")
    print(f"  c/a wrapper / bare              {c / a:6.3f}  (overhead {100 * (c / a - 1):+6.1f} %)")
    print(f"  (b-c)/a metrics+summary in b    {(b - c) / a:6.3f}")
    print(f"  d/a measure_face (refine)       {d_ref / a:6.3f}  = {100 * d_ref / a:.1f} % of bare "
          f"(refiner {100 * (d_ref - d_mesh) / a:.1f} %, mesh metrics {100 * d_mesh / a:.1f} %)")
    print(f"  e/a end to end / bare           {e / a:6.3f}")

    same = (res["b"][0]["result"].to_json() | {"source": None}) == (res["e"][0]["result"].to_json() | {"source": None})
    print(f"\nsanity: b (decoded frames) and e (file) give the same Analysis: {same}; "
          f"frames used {res['b'][0]['result'].frames_used}/{n}, "
          f"asymmetry index {res['b'][0]['result'].to_json()['asymmetry_index']}")

    rt, ov = n / b / FPS, b / a - 1
    print(f"goal: ≥ {GOAL_REAL_TIME:g}× real time: analyze_video {rt:.2f}× "
          f"({'PASS' if rt >= GOAL_REAL_TIME else 'FAIL'}), end to end {n / e / FPS:.2f}× "
          f"({'PASS' if n / e / FPS >= GOAL_REAL_TIME else 'FAIL'}); bare itself {n / a / FPS:.2f}×")
    print(f"goal: ≤ {100 * GOAL_OVERHEAD:g} % overhead over bare: {100 * ov:.1f} % "
          f"({'PASS' if ov <= GOAL_OVERHEAD else 'FAIL'})")


if __name__ == "__main__":
    main()
