"""Detection rate against face size on letterboxed 1280×720 frames. Run by hand:

    python benchmarks/detection_vs_size.py

The five real faces of tests/letterbox.py are letterboxed, centred, with the face
(forehead to chin) at each share of the frame height, and given to
(a) MediaPipe's FaceLandmarker itself on the whole frame (IMAGE mode, default options,
    the bundled model), and
(b) facetension's Landmarker.
A face counts as found only if the face returned lies within 0.25 face heights of where
the face was put. Prints a markdown table; writes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension.landmarks import Landmarker, bundled_model_path  # noqa: E402
from facetension.quiet import native_stderr_silenced  # noqa: E402

from letterbox import FRAME_SIZE, face_centre, letterbox_source, measure_sources  # noqa: E402

FRACTIONS = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.45)
CENTRE_TOL = 0.25  # face heights


def stock_landmarker():
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(bundled_model_path())),
        running_mode=vision.RunningMode.IMAGE,
    )
    with native_stderr_silenced():  # MediaPipe's set-up lines
        return vision.FaceLandmarker.create_from_options(options)


def stock_centre(stock, frame_bgr) -> tuple[float, float] | None:
    """Centre (pixels) of the face the stock landmarker returns, or None."""
    import mediapipe as mp

    h, w = frame_bgr.shape[:2]
    rgb = np.ascontiguousarray(frame_bgr[..., ::-1])
    result = stock.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    if not result.face_landmarks:
        return None
    pts = np.array([(p.x * w, p.y * h) for p in result.face_landmarks[0]])
    return ((pts[:, 0].min() + pts[:, 0].max()) / 2, (pts[:, 1].min() + pts[:, 1].max()) / 2)


def hit(found, expected, fraction) -> bool:
    if found is None:
        return False
    return float(np.hypot(found[0] - expected[0], found[1] - expected[1])) <= CENTRE_TOL * fraction * FRAME_SIZE[1]


def main() -> None:
    stock = stock_landmarker()
    try:
        with Landmarker() as ours:
            with native_stderr_silenced():  # letterbox's own stock landmarker's set-up lines
                sources = measure_sources(ours)
            rows = []
            for fraction in FRACTIONS:
                n_stock = n_ours = 0
                missed = []
                for src in sources:
                    frame, centre = letterbox_source(src, fraction, "centre")
                    n_stock += hit(stock_centre(stock, frame), centre, fraction)
                    face = ours.detect(frame)
                    ok = hit(face_centre(face) if face is not None else None, centre, fraction)
                    n_ours += ok
                    if not ok:
                        missed.append(src.name)
                rows.append((fraction, n_stock, n_ours, missed))
    finally:
        stock.close()

    n = len(sources)
    print(
        f"Faces found out of {n} (centred, {FRAME_SIZE[0]}x{FRAME_SIZE[1]} letterboxed frames; "
        f"faces: {', '.join(s.name for s in sources)})\n"
    )
    print(
        "| face height / frame height | face height (px) | stock FaceLandmarker, whole frame | facetension Landmarker |"
    )
    print("| ---: | ---: | :---: | :---: |")
    for fraction, n_stock, n_ours, missed in rows:
        note = f" (missed: {', '.join(missed)})" if missed else ""
        print(f"| {fraction:.0%} | {fraction * FRAME_SIZE[1]:.0f} | {n_stock}/{n} | {n_ours}/{n}{note} |")


if __name__ == "__main__":
    main()
