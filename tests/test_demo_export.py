"""The export format does not drift: samples/demo.db exports to the same bytes as when the
format was last changed on purpose (then these hashes change with it, in the same commit)."""

import hashlib
import shutil
from pathlib import Path

import pytest

from facetension import logcli
from facetension.cli import main

DEMO = Path(__file__).resolve().parents[1] / "samples" / "demo.db"
# Export version 2 (the massage): meta.csv and sessions.csv changed; the other tables did not.
# Export version 3 (the movement check): meta.csv and the version changed, and the three check
# tables were added (empty here); every other table's bytes are as in version 2, and the JSON
# without them, at version 2, is version 2's to the byte (JSON_V2_SHA256, checked below).
HASHED_WITH_VERSION = "0.1.0"
JSON_SHA256 = "377dcb9f52e0d5318f7ce420eccbda8dd17d3be2e6ce241006177b1b6752f404"
JSON_V2_SHA256 = "a91aa8264ec4145749ca52e6d3bc6d1ede249904a5f5e9856916bb68e7cfd610"
CSV_SHA256 = {
    "baselines.csv": "3d94f237080745ba61d9cab84616aae97aa63d3af5da773826a32fdc93243e95",
    "check_movements.csv": "5d77bad72be6716a0312ceb04f0cbebc779468b581a713dede0beb93f79b9758",
    "check_traces.csv": "e49efd6df6f5d1b72ad5394fc5308435c82b7a4d2567a54ff3c3ae8b99004541",
    "checks.csv": "7d173a4150e770787c5a8abd4960fbd3207150811c1fdc52d1af91f2ae6b417c",
    "events.csv": "69b46f7b245a7064356c0e9b4415cd86c6a385a0847b02f43f8e10048624512e",
    "meta.csv": "4f58c3034a7ebb5221782cbc4e7f24096653cbd76155c8007deef6efa8e51453",
    "samples.csv": "31fa403284650a08e4aa0d77ead0b62bcc82f0774ad97c08ce6b5e3969adbd3f",
    "sessions.csv": "97fc96e6c104906286e5a344a459451ee72137b1030b9ad8eef83c504492e7d0",
}


@pytest.fixture(autouse=True)
def pinned_app_version(monkeypatch):
    """An export's header carries the app's version: pinned to the one these hashes were
    taken with, so that a new version number is not taken for a drift of the format."""
    monkeypatch.setattr(logcli, "__version__", HASHED_WITH_VERSION)


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
    text = (tmp_path / "a.json").read_text().replace('"version": 3', '"version": 2', 1)
    v2 = text[: text.index(',\n"checks": ')] + "\n}}\n"  # without the check tables
    assert hashlib.sha256(v2.encode()).hexdigest() == JSON_V2_SHA256


def test_a_log_written_by_the_previous_version_migrates_without_loss(tmp_path, capsys):
    """samples/demo.db was written by an earlier facetension (schema 1, before the settings
    table and the massage). Read-only it is read as it is; the first write upgrades it to
    the current schema, and every row survives."""
    import sqlite3

    from facetension.storage import SCHEMA_VERSION, Log

    db = tmp_path / "demo.db"
    shutil.copy(DEMO, db)
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 1 < SCHEMA_VERSION
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "old.json")]) == 0
    assert _sha(db) == _sha(DEMO)  # reading did not upgrade it
    with Log.open(db) as log:  # a writer: upgrades
        assert len(log.sessions()) == 40
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "new.json")]) == 0
    assert _sha(tmp_path / "new.json") == _sha(tmp_path / "old.json") == JSON_SHA256


def test_a_version_1_export_still_imports(tmp_path, capsys):
    """An export made before the massage (version 1: no massage columns) imports, and the log
    it makes exports exactly as the one it came from."""
    import json

    from facetension.logschema import ADDED_SINCE_V1

    db = tmp_path / "demo.db"
    shutil.copy(DEMO, db)
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "a.json")]) == 0
    doc = json.loads((tmp_path / "a.json").read_text())
    table = doc["tables"]["sessions"]
    keep = [i for i, c in enumerate(table["columns"]) if c not in ADDED_SINCE_V1["sessions"]]
    assert len(keep) == len(table["columns"]) - len(ADDED_SINCE_V1["sessions"])
    table["columns"] = [table["columns"][i] for i in keep]
    table["rows"] = [[row[i] for i in keep] for row in table["rows"]]
    doc["version"] = 1
    (tmp_path / "v1.json").write_text(json.dumps(doc))
    fresh = tmp_path / "fresh.db"
    assert main(["import", str(tmp_path / "v1.json"), "--db", str(fresh)]) == 0
    assert main(["export", "--db", str(fresh), "--format", "json", "--out", str(tmp_path / "b.json")]) == 0
    assert _sha(tmp_path / "b.json") == JSON_SHA256


SCHEMA2 = Path(__file__).resolve().parent / "data" / "logs" / "schema2.db"


def test_a_log_written_by_the_code_before_the_massage_migrates_without_loss(tmp_path, capsys):
    """tests/data/logs/schema2.db was written by the commit before the massage (624d17b, schema
    2: a baseline, six journaled sessions and one left unfinished). Upgrading it keeps every
    row, and everything it held exports the same before and after."""
    import json
    import sqlite3

    from facetension.logschema import ADDED_SINCE_V1
    from facetension.storage import SCHEMA_VERSION, Log

    db = tmp_path / "old.db"
    shutil.copy(SCHEMA2, db)
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 2
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "old.json")]) == 0
    with Log.open(db) as log:
        records = log.sessions()
        assert len(records) == 7 and sum(r.journal.note.startswith("day") for r in records) == 6
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert main(["export", "--db", str(db), "--format", "json", "--out", str(tmp_path / "new.json")]) == 0
    old, new = (json.loads((tmp_path / f"{n}.json").read_text())["tables"] for n in ("old", "new"))
    assert old["samples"] == new["samples"] and old["events"] == new["events"] and old["baselines"] == new["baselines"]
    cols = old["sessions"]["columns"]
    for a, b in zip(old["sessions"]["rows"], new["sessions"]["rows"]):
        a, b = dict(zip(cols, a)), dict(zip(cols, b))
        assert all(a[c] is None and b[c] is None for c in ADDED_SINCE_V1["sessions"])
        if a["ended_utc"] is not None:  # the unfinished one is now marked interrupted: the rest is unchanged
            assert a == b
    assert len(new["samples"]["rows"]) == 128 and len(new["events"]["rows"]) == 14
