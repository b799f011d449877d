"""Twitches of every shape: sensitivity, onset error, place, and false events per minute.

Run by hand: python benchmarks/twitch_bench.py [--quick] [--faces video obama.jpg]
(--shapes, --places, --amplitudes, --noise and --drifts narrow the full grid.)

Clips are generated (tests/twitchclips.py), seeded, 9 s at 30 fps: a real face (the
neutral loop of samples/single_face.mp4, "video", or a still photo from tests/data/faces)
with two twitches of one shape, place and amplitude, the left side at 3 s and the right at
6 s, then optional slow head drift (±2 px, ±1°) and sensor noise (σ grey levels). Each clip
is written to a temporary folder and run through facetension.analyze with no personal
baseline (the noise floor is learnt in the first 2 s), as for a new user.

A twitch is found if an event starts within 0.5 s of its window; onset error is the first
such event's start minus when the twitch shows (its start; a ripple's, when its rising
envelope reaches a quarter of its height, 0.25 s in); place is right if that event has the twitch's region
and side. Events per hit > 1 means a burst was split into several events. False events per
minute are counted on twitch-free clips: still, drifting, noisy, moving a little more
(±4 px, ±3°), and the real clips with blinks and expressions.

The full grid (2 faces × 3 shapes × 4 amplitudes × 5 places × 3 noise × 2 drift = 720
clips) takes about 45–50 minutes on 2 cores; --quick runs 16 cells and 10 free clips in
under 2 minutes.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension import Landmarker, analyze  # noqa: E402

from media import FACES  # noqa: E402
from scripted import Jitter, write_clip  # noqa: E402
from twitchclips import PLACES, SHAPES, Drift, render, schedule, score  # noqa: E402

SECONDS = 9.0
STARTS = (3.0, 6.0)  # after the 2 s the tracker takes to learn the noise floor
AMPLITUDES_MM = (0.3, 0.6, 1.0, 1.5)
NOISE_SD = (0.0, 2.0, 4.0)
DRIFTS = {"none": None, "±2px±1°": Drift()}
FACE_NAMES = ("video", "obama.jpg")

# (shape, place, amplitude mm, noise σ, drift): a few representative cells, among them the
# issue's held-out case (a 1.5 mm, 6 Hz burst of the lower lid, σ 2, drifting).
QUICK_CELLS = (
    ("burst", "lower_lid", 1.5, 2.0, "±2px±1°"),
    ("burst", "lower_lid", 0.6, 0.0, "none"),
    ("jerk", "lower_lid", 1.0, 2.0, "none"),
    ("ripple", "lower_lid", 0.6, 0.0, "none"),
    ("burst", "mouth_corner", 1.0, 2.0, "none"),
    ("jerk", "brow", 1.0, 0.0, "none"),
    ("burst", "upper_lid", 1.0, 0.0, "none"),
    ("burst", "cheek", 1.5, 0.0, "none"),
)


def free_clips(face: str) -> dict[str, tuple[list, float]]:
    """Twitch-free clips of one face, by label."""
    return {
        "still": render(face, (), SECONDS),
        "drift": render(face, (), SECONDS, Drift()),
        "noise σ4 + drift": render(face, (), SECONDS, Drift(), 4.0, seed=1),
        "moving ±4px±3°": _jittered(face),
    }


def _jittered(face: str):
    frames, fps = render(face, (), SECONDS)
    tr = Jitter()
    return [tr.apply(f, i / fps, None, None, 1.0) for i, f in enumerate(frames)], fps


def _table(what: str, groups: dict) -> None:
    """Sensitivity by `what` (rows) and amplitude (columns)."""
    amplitudes = sorted({mm for _, mm in groups})
    print(f"\n| {what} | " + " | ".join(f"{mm} mm" for mm in amplitudes) + " |")
    print("|---|" + "---:|" * len(amplitudes))
    for name in dict.fromkeys(k for k, _ in groups):
        cells = []
        for mm in amplitudes:
            ss = groups.get((name, mm), [])
            trials, hits = sum(x.trials for x in ss), sum(x.hits for x in ss)
            cells.append(f"{hits}/{trials}" if trials else "–")
        print(f"| {name} | " + " | ".join(cells) + " |")


def run(faces: tuple[str, ...], cells: tuple[tuple, ...]) -> None:
    t_begin = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="facetension-twitch-") as tmp, Landmarker() as lm:
        path = Path(tmp) / "clip.avi"

        def events_of(frames, fps):
            return analyze(write_clip(frames, path, fps), landmarker=lm).events

        print("| face | shape | place | mm | noise σ | drift | found | onset error s | place right | events/hit |")
        print("|---|---|---|---:|---:|---|---:|---:|---:|---:|")
        totals: dict[tuple[str, float], list] = {}
        by_face: dict[tuple[str, float], list] = {}
        by_place: dict[tuple[str, float], list] = {}
        for face in faces:
            for n, (shape, place, mm, sd, drift) in enumerate(cells):
                twitches = schedule(shape, place, mm, STARTS)
                frames, fps = render(face, twitches, SECONDS, DRIFTS[drift], sd, seed=n)
                s = score(events_of(frames, fps), twitches)
                totals.setdefault((shape, mm), []).append(s)
                by_face.setdefault((face, mm), []).append(s)
                by_place.setdefault((place, mm), []).append(s)
                err = f"{np.mean(np.abs(s.onset_errors)):.2f}" if s.hits else "–"
                per = f"{np.mean(s.events_per_hit):.1f}" if s.hits else "–"
                print(
                    f"| {face} | {shape} | {place} | {mm} | {sd:g} | {drift} | {s.hits}/{s.trials} "
                    f"| {err} | {s.right_place}/{s.hits} | {per} |"
                )
        _table("face", by_face)
        _table("place", by_place)
        print("\n| shape | mm | sensitivity | mean onset error s | place right |")
        print("|---|---:|---:|---:|---:|")
        for (shape, mm), ss in sorted(totals.items()):
            trials, hits = sum(s.trials for s in ss), sum(s.hits for s in ss)
            errs = [abs(e) for s in ss for e in s.onset_errors]
            right = sum(s.right_place for s in ss)
            err = f"{np.mean(errs):.2f}" if errs else "–"
            print(f"| {shape} | {mm} | {hits}/{trials} = {hits / trials:.0%} | {err} | {right}/{hits} |")

        print("\n| twitch-free clip | seconds | events | per minute |")
        print("|---|---:|---:|---:|")
        free = [(f"{face}: {label}", clip) for face in faces for label, clip in free_clips(face).items()]
        for label, (frames, fps) in free:
            ev = events_of(frames, fps)
            seconds = len(frames) / fps
            print(f"| {label} | {seconds:.0f} | {len(ev)} | {len(ev) * 60 / seconds:.1f} |")
        for name in ("single_face.mp4", "face_noface.mov"):  # real blinks and expressions
            a = analyze(FACES[name], landmarker=lm)
            seconds = a.timeline[-1].t_s if a.timeline else 0.0
            rate = len(a.events) * 60 / seconds if seconds else float("nan")
            print(f"| {name} (real blinks) | {seconds:.0f} | {len(a.events)} | {rate:.1f} |")
    print(f"\n{time.monotonic() - t_begin:.0f} s")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a few representative cells")
    p.add_argument("--faces", nargs="+", default=FACE_NAMES, help='"video" or photos in tests/data/faces')
    # Narrow the full grid, e.g. --shapes burst --places lower_lid --noise 0
    p.add_argument("--shapes", nargs="+", choices=SHAPES, default=SHAPES)
    p.add_argument("--places", nargs="+", choices=tuple(PLACES), default=tuple(PLACES))
    p.add_argument("--amplitudes", nargs="+", type=float, default=AMPLITUDES_MM, metavar="MM")
    p.add_argument("--noise", nargs="+", type=float, default=NOISE_SD, metavar="SD")
    p.add_argument("--drifts", nargs="+", choices=tuple(DRIFTS), default=tuple(DRIFTS))
    args = p.parse_args(argv)
    grid = itertools.product(args.shapes, args.places, args.amplitudes, args.noise, args.drifts)
    run(tuple(args.faces), QUICK_CELLS if args.quick else tuple(grid))


if __name__ == "__main__":
    main()
