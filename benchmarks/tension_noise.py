"""Noise floor of tension on a still face, and false twitches per minute.

Run by hand: python benchmarks/tension_noise.py
The still clip is the neutral part of a real webcam clip (samples/single_face.mp4), looped
for a minute (tests/scripted.py), calibrated on its own first 12 s; the same with the whole
frame moving a few pixels and degrees (Jitter). The clips are written to a temporary folder.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension import Landmarker, analyze  # noqa: E402
from facetension.calibrate import calibrate  # noqa: E402
from facetension.capture import VideoSource  # noqa: E402
from facetension.tension import SIDES, TENSION_REGIONS  # noqa: E402

from scripted import Jitter, make_clip, write_clip  # noqa: E402

MINUTES = 1.0


def main():
    with tempfile.TemporaryDirectory(prefix="facetension-bench-") as tmp, Landmarker() as lm:
        run(Path(tmp), lm)


def run(tmp: Path, lm: Landmarker) -> None:
    frames, fps = make_clip((), 12.0)
    with VideoSource(write_clip(frames, tmp / "cal.avi", fps)) as src:
        base = calibrate(src, lm, "cal", "now")
    for label, edits in (("still", ()), ("still + whole-frame jitter", (Jitter(),))):
        frames, fps = make_clip(edits, 60.0 * MINUTES)
        a = analyze(write_clip(frames, tmp / "clip.avi", fps), landmarker=lm, baseline=base)
        samples = [r.tension for r in a.timeline if r.tension is not None]
        print(
            f"\n## {label}: {len(samples)} frames, {len(a.events)} twitch events "
            f"= {len(a.events) / MINUTES:.1f} per minute"
            + "".join(f"; {e.t_s:.1f} s {e.side} {e.region} {e.amplitude} {e.unit}" for e in a.events)
        )
        print("| region | tension SD left | right | noise floor of the drive (left / right) |")
        print("|---|---:|---:|---:|")
        for region in TENSION_REGIONS:
            sd = [np.std([s.values[(region, side)] for s in samples if (region, side) in s.values]) for side in SIDES]
            nf = [base.noise.get((region, side), float("nan")) for side in SIDES]
            print(f"| {region} | {sd[0]:.3f} | {sd[1]:.3f} | {nf[0]:.3f} / {nf[1]:.3f} |")
        idx = [s.index for s in samples]
        print(f"tension index: median {np.median(idx):.1f}, SD {np.std(idx):.2f}")


if __name__ == "__main__":
    main()
