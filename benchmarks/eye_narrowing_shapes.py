"""The eye narrowing's gain for two shapes of narrowing, per face of the wide set.

Run by hand: python benchmarks/eye_narrowing_shapes.py [--faces a.jpg b.jpg]

Gain = the measured change of the left − right eye opening / the true change (1.0 is
perfect), each photo through analyze_image, as benchmarks/accuracy_gains.py measures it.

- squeeze: tests/faceedits.py's eye_narrowing, the warp issue 14's goals and
  accuracy_gains.py use: the left eye squeezed about its pupil to a share of its opening.
  Both lids move toward the pupil, and the iris is squeezed with them into an ellipse.
- lid slid: tests/blinkclips.py's close_lid, the blink tests' lid: the left upper lid
  slides down over a share of the opening, covering the top of the iris (which stays
  round), the lid moving as one and the skin above it stretching up to the brow.

A real narrowing lies between the two: the upper lid lowers over a round iris (as the
slide), and the lower lid rises a little (as the squeeze). A face whose narrowed eye reads
as a blink (in a photo: both eyes under a quarter of an iris) has no gain ("blink").
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension import Landmarker  # noqa: E402
from facetension.analysis import analyze_image  # noqa: E402

import faceedits as fe  # noqa: E402
from blinkclips import close_lid  # noqa: E402
from media import FACES  # noqa: E402

SQUEEZED = (0.15, 0.30)  # share of the opening taken away
SLID = (0.15, 0.30, 0.50)


def gains(lm: Landmarker, name: str) -> dict[str, float]:
    image = cv2.imread(str(FACES[name]))
    g = fe.geometry(lm, image)
    base = g.base.regions["eye"]
    edits = {f"squeeze {s:.0%}": fe.eye_narrowing(image, g, 1 - s).image for s in SQUEEZED}
    edits |= {f"lid slid {s:.0%}": close_lid(image, g.landmarks, g.up, "left", s) for s in SLID}
    shares = {**{f"squeeze {s:.0%}": s for s in SQUEEZED}, **{f"lid slid {s:.0%}": s for s in SLID}}
    out = {}
    for label, img in edits.items():
        eye = analyze_image(img, lm).regions.get("eye")
        true = -shares[label] * base.left_mm
        out[label] = float("nan") if eye is None else (eye.diff_mm - base.diff_mm) / true
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--faces", nargs="+", default=list(fe.WIDE_SET))
    args = p.parse_args(argv)
    table = {}
    with Landmarker("image") as lm:
        for name in args.faces:
            table[name] = gains(lm, name)
            cells = " | ".join("blink" if np.isnan(v) else f"{v:.2f}" for v in table[name].values())
            print(f"| {name} | {cells} |", flush=True)
    labels = list(next(iter(table.values())))
    print("\n| face | " + " | ".join(labels) + " |")
    print("|---|" + "---:|" * len(labels))
    for name, row in table.items():
        print(f"| {name} | " + " | ".join("blink" if np.isnan(v) else f"{v:.2f}" for v in row.values()) + " |")
    print("\n| shape | median gain | faces ≥ 0.6 | faces measured |")
    print("|---|---:|---:|---:|")
    for label in labels:
        v = [row[label] for row in table.values() if not np.isnan(row[label])]
        print(f"| {label} | {statistics.median(v):.2f} | {sum(x >= 0.6 for x in v)} | {len(v)}/{len(table)} |")


if __name__ == "__main__":
    main()
