import sys
from pathlib import Path

# Test helpers (synthetic faces, warps) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

# Real face photos and clips, copied from shared/faces with their provenance (README.md there).
FACES = Path(__file__).parent / "data" / "faces"

# Tests never read or write the user's real data folder (baseline, later the log).
import os  # noqa: E402
import tempfile  # noqa: E402

os.environ["FACETENSION_DATA_DIR"] = tempfile.mkdtemp(prefix="facetension-tests-")
