"""The export format does not drift: samples/demo.db exports to the same bytes as when the
format was last changed on purpose (then these hashes change with it, in the same commit)."""

import hashlib
import shutil
from pathlib import Path

from facetension.cli import main

DEMO = Path(__file__).resolve().parents[1] / "samples" / "demo.db"
JSON_SHA256 = "f9a7e51d658ddeaa617059725fe29daad460c9815cb99296d5364c0f6722925e"
CSV_SHA256 = {
    "baselines.csv": "3d94f237080745ba61d9cab84616aae97aa63d3af5da773826a32fdc93243e95",
    "events.csv": "69b46f7b245a7064356c0e9b4415cd86c6a385a0847b02f43f8e10048624512e",
    "meta.csv": "add86a95a6b4a5df669501f740c76200081f2547961739a4e84789cffff65ceb",
    "samples.csv": "31fa403284650a08e4aa0d77ead0b62bcc82f0774ad97c08ce6b5e3969adbd3f",
    "sessions.csv": "1dde3172ce442cd5cac7dfd4442804c677f1a6077d1fb71fc497ce4bda5e7de0",
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_demo_log_exports_to_the_same_bytes(tmp_path, capsys):
    db = tmp_path / "demo.db"
    shutil.copy(DEMO, db)  # a copy: reading must not change it either, but the sample stays safe
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "a.json")]) == 0
    assert main(["export", "--db", str(db), "--format", "csv", "--out", str(tmp_path / "csv")]) == 0
    assert _sha(tmp_path / "a.json") == JSON_SHA256
    assert {p.name: _sha(p) for p in (tmp_path / "csv").iterdir()} == CSV_SHA256
    assert _sha(db) == _sha(DEMO)
