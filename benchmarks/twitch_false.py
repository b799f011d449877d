"""False twitches per minute on long twitch-free clips (issue 14's goal: at most 0.2 a minute).

Run by hand: python benchmarks/twitch_false.py [--seconds 60] [--faces video obama.jpg ...]

Each face (the neutral loop of samples/single_face.mp4, "video", or a still photo from
tests/data/faces) gets four clips of --seconds, all with sensor noise σ 2 (tests/twitchclips.py):
- still: nothing moves but the noise;
- breathing: slow drift (±2 px, ±1°) with the head coming nearer and going back (±1.5 %);
- head moving: the whole frame turning and shifting by ±3° and ±4 px at 0.4 Hz;
- blinks: spontaneous blinks of both eyes every 2.5-5 s (one in four with one eye 40 ms
  late, one in five to 70 %), with the slow drift.
Each clip runs through facetension.analyze with no personal baseline, as for a new user.
It prints a per-face table and the pooled rate, with its 95 % upper bound (Poisson).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension import Landmarker, analyze  # noqa: E402

from scripted import Jitter, write_clip  # noqa: E402
from twitchclips import Breathing, Drift, blinks, render  # noqa: E402

FACE_NAMES = ("video", "obama.jpg", "woods.jpg", "starr.jpg", "grace_hopper.jpg", "nanjiani.jpg")
NOISE_SD = 2.0
KINDS = ("still", "breathing", "head moving", "blinks")


def clip(face: str, kind: str, seconds: float, seed: int):
    if kind == "still":
        return render(face, (), seconds, None, NOISE_SD, seed)
    if kind == "breathing":
        return render(face, (), seconds, Breathing(), NOISE_SD, seed)
    if kind == "blinks":
        return render(face, blinks(seconds, seed), seconds, Drift(), NOISE_SD, seed)
    frames, fps = render(face, (), seconds, None, NOISE_SD, seed)
    moving = Jitter()
    return [moving.apply(f, i / fps, None, None, 1.0) for i, f in enumerate(frames)], fps


def poisson_upper(n: int, conf: float = 0.95) -> float:
    """The one-sided upper bound of a Poisson mean after n events (exact, by bisection)."""
    lo, hi = float(n), float(n) + 10 + 5 * math.sqrt(n + 1)
    for _ in range(60):
        mid = (lo + hi) / 2
        cdf = sum(math.exp(-mid) * mid**k / math.factorial(k) for k in range(n + 1))
        lo, hi = (mid, hi) if cdf > 1 - conf else (lo, mid)
    return hi


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--faces", nargs="+", default=FACE_NAMES)
    p.add_argument("--kinds", nargs="+", choices=KINDS, default=KINDS)
    args = p.parse_args(argv)
    t0 = time.monotonic()
    total_events, total_min = 0, 0.0
    print("| face | clip | minutes | events | per minute | events seen |")
    print("|---|---|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="facetension-false-") as tmp, Landmarker() as lm:
        path = Path(tmp) / "clip.avi"
        for n, face in enumerate(args.faces):
            for k, kind in enumerate(args.kinds):
                frames, fps = clip(face, kind, args.seconds, seed=10 * n + k)
                events = analyze(write_clip(frames, path, fps), landmarker=lm).events
                minutes = len(frames) / fps / 60
                total_events += len(events)
                total_min += minutes
                seen = ", ".join(f"{e.t_s:.1f} s {e.side} {e.region}" for e in events) or "–"
                print(f"| {face} | {kind} | {minutes:.1f} | {len(events)} | {len(events) / minutes:.2f} | {seen} |")
    upper = poisson_upper(total_events) / total_min
    print(
        f"\npooled: {total_events} events in {total_min:.0f} min = {total_events / total_min:.2f} a minute "
        f"(95 % upper bound {upper:.2f})"
    )
    print(f"{time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
