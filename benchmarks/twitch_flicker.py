"""False twitches under a flickering light (issue 14's goal: at most 0.2 a minute).

Run by hand: python benchmarks/twitch_flicker.py [--seconds 30] [--faces video,obama.jpg]
    [--hz 4,5,6,7,8] [--amplitudes 0.03,0.06]

A light that flickers over the whole face: a screen's changing content in a dark room, a
failing tube, a webcam's exposure hunting. Each face (the neutral loop of
samples/single_face.mp4, "video", or a still photo) gets one twitch-free clip per flicker
frequency and depth (the whole picture's brightness times 1 + a·sin 2πft), with sensor noise
σ 2, read by facetension.analyze as a new user's clip would be. Twitches in the 3-8 Hz band
are what the detector looks for, so a flicker there is the hard case. It prints each clip's
false twitches and the pooled rate a minute, and, for reference, the rolling bands of a
rolling shutter under mains light (50 Hz at 30 fps: bands drifting at 10 Hz).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension import Landmarker, analyze  # noqa: E402

from scripted import write_clip  # noqa: E402
from twitchclips import FPS, render  # noqa: E402

NOISE_SD = 2.0
BAND_DEPTH = 0.06  # rolling bands: ±6 % brightness, two bands a picture, drifting at 10 Hz


def flicker(frames: list[np.ndarray], depth: float, hz: float) -> list[np.ndarray]:
    return [
        np.clip(f * (1 + depth * np.sin(2 * np.pi * hz * i / FPS)), 0, 255).astype(np.uint8)
        for i, f in enumerate(frames)
    ]


def bands(frames: list[np.ndarray]) -> list[np.ndarray]:
    h = frames[0].shape[0]
    y = np.arange(h)[:, None, None] / h
    return [
        np.clip(f * (1 + BAND_DEPTH * np.sin(2 * np.pi * (2 * y - 10.0 * i / FPS))), 0, 255).astype(np.uint8)
        for i, f in enumerate(frames)
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--faces", default="video,obama.jpg,woods.jpg,starr.jpg")
    ap.add_argument("--hz", default="4,5,6,7,8")
    ap.add_argument("--amplitudes", default="0.03,0.06")
    args = ap.parse_args()
    faces = args.faces.split(",")
    conditions = [
        (f"{float(a) * 100:.0f} % at {float(hz):g} Hz", float(a), float(hz))
        for hz in args.hz.split(",")
        for a in args.amplitudes.split(",")
    ]
    conditions.append(("rolling bands", None, None))
    tmp = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    total, clips = 0, 0
    print(f"| face | {' | '.join(c[0] for c in conditions)} |")
    print("|---|" + "---:|" * len(conditions))
    with Landmarker() as lm:
        for face in faces:
            frames, _ = render(face, (), args.seconds, None, NOISE_SD, 1)
            cells = []
            for _, depth, hz in conditions:
                shown = bands(frames) if depth is None else flicker(frames, depth, hz)
                a = analyze(write_clip(shown, tmp / "clip.avi", FPS), landmarker=lm)
                n = len(a.events)
                total += n
                clips += 1
                cells.append(str(n))
            print(f"| {face} | {' | '.join(cells)} |", flush=True)
    minutes = clips * args.seconds / 60
    print(
        f"\n{total} false twitches in {clips} clips, {minutes:.1f} minutes: {total / minutes:.2f} a minute (goal ≤ 0.2)"
    )
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
