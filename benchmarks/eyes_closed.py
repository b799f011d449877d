"""Resting with the eyes closed, per face: are shut eyes told from a squint, and does the
rest of the face read as with the eyes open?

Run by hand: python benchmarks/eyes_closed.py [--faces single_face woods.jpg]

Each face of tests/movementclips.py follows: open, then both upper lids slid down (eye_close,
its raised-cosine ramps) and held, then open again. `shut` slides them all the way (the lids
meet), `half` half way, which is a narrowing to be read as tension, not a closure. Every clip
is analysed against a baseline learnt from the same face with its eyes open. Per face and
clip it prints, over the hold's plateau: the share of frames taken as shut (the tracker's
blink, tension.ShutEyes), the share whose eye tension was read, the median tension index
against the opening seconds', and how far each region's asymmetry over the whole clip moved
from the open clip's (mm).
"""

import argparse
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension.analysis import analyze  # noqa: E402
from facetension.calibrate import calibrate  # noqa: E402
from facetension.capture import VideoSource  # noqa: E402
from facetension.landmarks import Landmarker  # noqa: E402

import movementclips as mc  # noqa: E402

OPEN_S, HOLD_S, AFTER_S = 6.0, 10.0, 6.0
CLOSURES = {"open": 0.0, "half": 0.5, "shut": 1.0}


def clip(tmp: Path, face: str, closure: float) -> tuple[Path, tuple[float, float]]:
    frames, fps, truth = mc.check_clip(
        face, movements=("eye_close",), rest_s=OPEN_S, hold_s=HOLD_S, between_s=AFTER_S, left=closure, right=closure
    )
    name = f"{face.split('.')[0]}-{closure:.1f}.avi"
    (plateau,) = truth.plateaus("eye_close")
    return mc.write(frames, tmp / name, fps), plateau


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--faces", nargs="+", default=list(mc.FACES))
    args = p.parse_args()
    print("| face | clip | taken as shut | eye tension read | index shut / open | largest asymmetry change (mm) |")
    print("|---|---|---:|---:|---:|---:|")
    started = time.monotonic()
    with TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for face in args.faces:
            open_path, _ = clip(tmp, face, 0.0)
            with VideoSource(open_path) as src, Landmarker("video") as lm:
                baseline = calibrate(src, lm, face, "2026-12-01T00:00:00+00:00")
            reference = analyze(open_path, baseline=baseline)
            for label, closure in CLOSURES.items():
                path, (t0, t1) = clip(tmp, face, closure)
                a = reference if closure == 0.0 else analyze(path, baseline=baseline)
                held = [r.tension for r in a.timeline if t0 <= r.t_s < t1 and r.tension is not None]
                opening = [r.tension.index for r in a.timeline if r.t_s < OPEN_S - 0.5 and r.tension is not None]
                shut = np.mean([s.blink for s in held])
                read = np.mean([("eye", "left") in s.values for s in held])
                index = np.nanmedian([s.index for s in held])
                both = [r for r in reference.regions if r in a.regions]
                moved = max((abs(a.regions[r].diff_mm - reference.regions[r].diff_mm) for r in both), default=np.nan)
                print(
                    f"| {face} | {label} | {100 * shut:.0f} % | {100 * read:.0f} % | "
                    f"{index:.1f} / {np.median(opening):.1f} | {moved:.2f} |",
                    flush=True,
                )
    print(f"\n{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
