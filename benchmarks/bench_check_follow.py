"""What following the check's points in the pixels costs per frame. Run by hand:

    python benchmarks/bench_check_follow.py [--rounds 3]

check_run.PointFollower on the scripted check clip of the video face (tests/movementclips.py,
640×360, 720 frames): the landmarks are found once beforehand, so only the follower is
timed, on the points the check follows today (movement.TRACKED: the measured points and the
head frame's anchors) and on the measured points alone (movement.FOLLOWED, as before the
anchors were followed), interleaved in rounds; best round of each, and their ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension import check_run, movement  # noqa: E402
from facetension.landmarks import Landmarker  # noqa: E402

from movementclips import check_clip  # noqa: E402


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    frames, fps, _ = check_clip("single_face")
    with Landmarker("video") as lm:
        lm.new_video()
        marks = [lm.detect(np.ascontiguousarray(im), round(i / fps * 1000)).landmarks for i, im in enumerate(frames)]
    grays = [cv2.cvtColor(im, cv2.COLOR_BGR2GRAY) for im in frames]
    sets = {"measured points alone": movement.FOLLOWED, "with the anchors (TRACKED)": movement.TRACKED}
    times = {name: [] for name in sets}
    for _ in range(args.rounds):
        for name, points in sets.items():
            check_run._TRACKED = np.array(points)  # the follower reads the module's point list
            follower = check_run.PointFollower()
            t0 = time.perf_counter()
            for gray, landmarks in zip(grays, marks):
                follower(gray, landmarks)
            times[name].append((time.perf_counter() - t0) / len(grays) * 1000)
    check_run._TRACKED = np.array(movement.TRACKED)
    h, w = grays[0].shape
    print(f"{len(grays)} frames {w}×{h}, best of {args.rounds} rounds:")
    for name, points in sets.items():
        print(f"  {name}: {len(points)} points, {min(times[name]):.2f} ms/frame")
    a, b = (min(times[n]) for n in sets)
    print(f"  ratio {b / a:.2f}×")


if __name__ == "__main__":
    main()
