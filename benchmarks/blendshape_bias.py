"""MediaPipe blendshape bias: left/right on symmetric chimeras, and drift with head yaw and roll.

Run by hand: python benchmarks/blendshape_bias.py
Prints, per lateral blendshape pair, the left−right difference on chimeras (direct pass
only, and with facetension's mirror pass), and its slope against yaw (from perspective
warps of real photos that turn the face plane) and change under in-plane roll. The photos
are samples/grace_hopper.jpg and samples/single_face.jpg.
"""

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension import face_model as fm  # noqa: E402
from facetension.headframe import head_frame  # noqa: E402
from facetension.landmarks import BLENDSHAPE_NAMES, Landmarker  # noqa: E402

from imagewarp import chimera, rotate_scale  # noqa: E402

PHOTOS = ("grace_hopper.jpg", "single_face.jpg")

PAIRS = (
    "eyeBlink",
    "eyeSquint",
    "browDown",
    "cheekSquint",
    "noseSneer",
    "mouthSmile",
    "mouthPress",
    "mouthStretch",
    "mouthDimple",
)
YAWS = (-15.0, -7.5, 0.0, 7.5, 15.0)


def lr(bs, pair):
    return bs[BLENDSHAPE_NAMES.index(pair + "Left")] - bs[BLENDSHAPE_NAMES.index(pair + "Right")]


def turn(image, yaw_deg):
    """Rotate the image plane about a vertical axis through its centre (a pinhole view of a
    flat card): a crude but real change of apparent yaw for the landmarker."""
    h, w = image.shape[:2]
    f = 0.9 * w
    a = np.radians(yaw_deg)
    k = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]])
    r = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    hmat = k @ r @ np.linalg.inv(k)
    return cv2.warpPerspective(image, hmat, (w, h), borderMode=cv2.BORDER_REPLICATE)


def main():
    with Landmarker(mirror_pass=False) as direct, Landmarker() as both:
        print("## chimeras: left − right (0 is unbiased)")
        print("| pair | direct pass | mirror pass |")
        print("|---|---:|---:|")
        rows = {p: ([], []) for p in PAIRS}
        for name in PHOTOS:
            image = cv2.imread(str(ROOT / "samples" / name))
            lm = direct.detect(image).landmarks
            mid = lm[fm.midline_indices(), :2]
            c = mid.mean(0)
            d = np.linalg.svd(mid - c)[2][0]
            for keep in ("left", "right"):
                ch = chimera(image, tuple(c), tuple(d), keep)
                a, b = direct.detect(ch).blendshapes, both.detect(ch).blendshapes
                for p in PAIRS:
                    rows[p][0].append(lr(a, p))
                    rows[p][1].append(lr(b, p))
        for p in PAIRS:
            print(f"| {p} | {np.mean(np.abs(rows[p][0])):.3f} | {np.mean(np.abs(rows[p][1])):.3f} |")

        print("\n## yaw drift: slope of (left − right) per degree of measured yaw, mirror pass")
        print("| pair | grace_hopper | single_face |")
        print("|---|---:|---:|")
        slopes = {p: [] for p in PAIRS}
        for name in PHOTOS:
            image = cv2.imread(str(ROOT / "samples" / name))
            ys, vals = [], {p: [] for p in PAIRS}
            for yaw in YAWS:
                face = both.detect(turn(image, yaw))
                ys.append(head_frame(face.landmarks, face.image_size).yaw_deg)
                for p in PAIRS:
                    vals[p].append(lr(face.blendshapes, p))
            for p in PAIRS:
                slopes[p].append(np.polyfit(ys, vals[p], 1)[0])
            print(f"<!-- {name}: measured yaws {np.round(ys, 1).tolist()} -->")
        for p in PAIRS:
            print(f"| {p} | {slopes[p][0]:+.4f} | {slopes[p][1]:+.4f} |")

        print("\n## roll: largest change of (left − right) for in-plane rotations of ±10°, ±20°")
        for name in PHOTOS:
            image = cv2.imread(str(ROOT / "samples" / name))
            base = both.detect(image).blendshapes
            worst = {p: 0.0 for p in PAIRS}
            for angle in (-20, -10, 10, 20):
                bs = both.detect(rotate_scale(image, angle, 1.0)[0]).blendshapes
                for p in PAIRS:
                    worst[p] = max(worst[p], abs(lr(bs, p) - lr(base, p)))
            print(name, {p: round(v, 3) for p, v in worst.items()})


if __name__ == "__main__":
    main()
