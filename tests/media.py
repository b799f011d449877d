"""The real face photos and clips the tests use, by file name.

grace_hopper.jpg, single_face.jpg and single_face.mp4 live only in samples/ (the README's
commands use them there); the others in tests/data/faces/. Each folder's README.md gives
their provenance. Tests take FACES as the `faces` fixture (conftest.py); code that runs at
import time (parametrize lists, clip makers) imports it from here.
"""

from pathlib import Path
from types import MappingProxyType

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
FACES_DIR = Path(__file__).resolve().parent / "data" / "faces"
IN_SAMPLES = ("grace_hopper.jpg", "single_face.jpg", "single_face.mp4")

FACES = MappingProxyType(
    {**{p.name: p for p in FACES_DIR.iterdir() if p.suffix != ".md"}, **{name: SAMPLES / name for name in IN_SAMPLES}}
)
DEMO = SAMPLES / "practice_demo.mp4"  # single_face.mp4 with scripted tension (samples/make_practice_demo.py)
