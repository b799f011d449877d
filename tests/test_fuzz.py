"""The fuzz harness's quick, seeded subset (benchmarks/fuzz.py --quick): a few hostile inputs of
every kind, each run through the real CLI; not one may end in a traceback, an internal error, a
signal, a hang, extra stderr lines, a raw terminal escape, a missed good input, an accepted bad
one or a changed log. The full run (500+ cases) is `python benchmarks/fuzz.py`."""

import importlib.util
import sys
from pathlib import Path

import pytest

FUZZ_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz.py"
SEED = 1  # fixed: CI must see the same cases every time (another seed: run the harness by hand)


def _load_harness():
    spec = importlib.util.spec_from_file_location("facetension_fuzz", FUZZ_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


fuzz = _load_harness()


@pytest.fixture(scope="module")
def summary():
    return fuzz.run(seed=SEED, quick=True)


def test_every_category_is_covered(summary):
    categories = {r.case.category for r in summary.results}
    assert {
        "photo",
        "video",
        "analyze-mixed",
        "practice",
        "calibrate",
        "camera",
        "minutes",
        "import-json",
        "import-csv",
        "journal",
        "forget",
        "export",
        "db",
    } <= categories


@pytest.mark.parametrize("failure_class", list(fuzz.CLASSES))
def test_no_failures_of_this_class(summary, failure_class):
    failing = summary.failing(failure_class)
    details = "\n".join(
        f"#{r.case.id} {r.case.category}/{fuzz._show(r.case.name, 60)}: {fuzz._command(r.runs[0])}\n    "
        + "; ".join(fuzz._show(d) for c, d in r.failures if c == failure_class)
        for r in failing
    )
    if failing:  # the cases themselves, not the whole summary's repr
        pytest.fail(
            f"{len(failing)} case(s) with {failure_class} ({fuzz.CLASSES[failure_class]}); rerun one with: "
            f"python benchmarks/fuzz.py --seed {SEED} --case ID --out DIR\n{details}",
            pytrace=False,
        )
