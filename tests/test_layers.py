"""The layering the README describes, kept true: the log commands start without OpenCV or
MediaPipe, the session logic imports nothing that reads files or cameras, and no module of
the package imports another that imports it back."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "facetension"
HEAVY = ("cv2", "mediapipe")
# What the pure session layer must not pull in: capture, the landmarker, the measuring
# pipeline, the log, and the libraries behind them.
IO_MODULES = (
    "cv2",
    "mediapipe",
    "sqlite3",
    "platformdirs",
    "facetension.capture",
    "facetension.landmarks",
    "facetension.analysis",
    "facetension.storage",
    "facetension.outputs",
    "facetension.live",
)
LOG_COMMANDS = {
    "history": ["history"],
    "journal": ["journal"],
    "export": ["export", "--format", "json"],
    "import": ["import", "{export}"],
    "forget": ["forget", "1", "--yes"],
    "report": ["report", "--json"],
    "trend": ["trend"],
}


def _modules_after(code: str) -> list[str]:
    """sys.modules after running `code` in a fresh interpreter (the test process has loaded
    everything already)."""
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("command", sorted(LOG_COMMANDS))
def test_log_commands_load_neither_opencv_nor_mediapipe(command, tmp_path):
    db = tmp_path / "facetension.db"
    export = tmp_path / "a.json"
    setup = (
        f"from facetension.storage import Log\n"
        f"from log_data import record_session\n"
        f"with Log.open({str(db)!r}) as log: record_session(log)\n"
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            setup + f"from facetension.cli import main\n"
            f"main(['export', '--format', 'json', '--out', {str(export)!r}, '--db', {str(db)!r}])",
        ],
        check=True,
        capture_output=True,
        cwd=Path(__file__).parent,
        timeout=120,
    )
    args = [a.format(export=export) for a in LOG_COMMANDS[command]] + ["--db", str(db)]
    loaded = _modules_after(f"from facetension.cli import main\nrc = main({args!r})\nassert rc == 0, rc")
    assert "facetension.storage" in loaded or command == "trend"  # it did run
    assert not [m for m in loaded if m.split(".")[0] in HEAVY], command


def test_the_session_layer_imports_nothing_that_reads_files_or_cameras():
    loaded = _modules_after("import facetension.session, facetension.learn")
    assert not [m for m in IO_MODULES if m in loaded]
    loaded = _modules_after("import facetension.metrics, facetension.tension, facetension.tracker")
    assert not [m for m in IO_MODULES if m in loaded]
    # The movement check's finding and grading are pure too (check_run.py feeds them).
    loaded = _modules_after("import facetension.movement, facetension.check_score, facetension.check_plan")
    assert not [m for m in IO_MODULES if m in loaded]


def _imports(path: Path) -> set[str]:
    """The package modules a module imports, at any depth in it (a function's import counts:
    it runs), leaving out `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(path.read_text())
    skip = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.ImportFrom) or node.level != 1:
            continue
        if node.module:
            found.add(node.module.split(".")[0])
        else:
            found.update(a.name for a in node.names)
    return {m for m in found if (PACKAGE / f"{m}.py").exists()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index, low, stack, on, groups = {}, {}, [], set(), []

    def connect(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph.get(v, ()):
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return groups


def test_no_import_cycles():
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]  # the finder finds
    assert not _cycles(graph)
