"""Gains against known warps on real photos, landmarks alone versus pixel-refined.

Run by hand: python benchmarks/accuracy_gains.py
Gain = measured change in the left−right diff / true change (1.0 is perfect). The photos are
samples/grace_hopper.jpg and samples/single_face.jpg; the warps are tests/imagewarp.py's.
"""

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension import Landmarker, analyze  # noqa: E402
from facetension import face_model as fm  # noqa: E402
from facetension.headframe import head_frame  # noqa: E402

from imagewarp import local_scale, local_shift  # noqa: E402

PHOTOS = ("grace_hopper.jpg", "single_face.jpg")


def main():
    print("| photo | edit | true change (mm) | gain, landmarks only | gain, refined |")
    print("|---|---|---:|---:|---:|")
    with Landmarker() as lm:
        for name in PHOTOS:
            image = cv2.imread(str(ROOT / "samples" / name))
            face = lm.detect(image)
            frame = head_frame(face.landmarks, face.image_size)
            up = np.array([frame.rotation[0, 1], -frame.rotation[1, 1]])
            up /= np.linalg.norm(up)
            base = {r: analyze(image, landmarker=lm, refine=r) for r in (False, True)}
            mm = base[True].mm_per_px
            L = face.landmarks
            edits = []
            for d in (2.0, 4.0, 6.0):
                corner = L[fm.mirrored(fm.RIGHT_MOUTH_CORNER), :2]
                edits.append(
                    (
                        f"left mouth corner down {d:.0f} mm",
                        "mouth_corner",
                        +d,
                        local_shift(image, tuple(corner), tuple(-up * d / mm), 11.0 / mm),
                    )
                )
            iris = np.linalg.norm(L[474, :2] - L[476, :2])
            edits.append(
                (
                    "left eye narrowed 30 %",
                    "eye",
                    -0.3 * base[True].regions["eye"].left_mm,
                    local_scale(image, tuple(L[473, :2]), tuple(up), 0.7, 1.3 * iris, 1.6 * iris),
                )
            )
            brow = (L[fm.mirrored(105), :2] + L[fm.mirrored(52), :2]) / 2
            sigma = 7.0 / mm
            true = 3.0 - 3.0 * np.exp(-np.sum((L[473, :2] - brow) ** 2) / (2 * sigma**2))
            edits.append(
                ("left brow lowered 3 mm", "brow", -true, local_shift(image, tuple(brow), tuple(-up * 3.0 / mm), sigma))
            )
            for label, region, true_change, warped in edits:
                gains = []
                for refine in (False, True):
                    after = analyze(warped, landmarker=lm, refine=refine).regions[region].diff_mm
                    gains.append((after - base[refine].regions[region].diff_mm) / true_change)
                print(f"| {name} | {label} | {abs(true_change):.2f} | {gains[0]:.2f} | {gains[1]:.2f} |")


if __name__ == "__main__":
    main()
