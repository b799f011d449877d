"""Gains against known warps on real faces, landmarks alone versus pixel-refined, and the
robustness checks, per face.

Run by hand: python benchmarks/accuracy_gains.py [--faces a.jpg b.jpg] [--refined-only] [--json out.json]
Gain = measured change in the left−right diff / true change (1.0 is perfect). The faces are
tests/faceedits.py's WIDE_SET (provenance in tests/data/faces/README.md); the edits are its
own (tests/imagewarp.py's warps). Robustness: chimeras must read |diff| ≤ 1 mm; roll ±10°,
half size, side light, a dim noisy room and a webcam JPEG must move no diff by more than 1 mm;
a mirrored photo must read every diff negated.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension import Landmarker  # noqa: E402
from facetension.analysis import analyze_image  # noqa: E402
from facetension.metrics import REGIONS  # noqa: E402

import faceedits as fe  # noqa: E402
from media import FACES  # noqa: E402

WITHIN_MM = 1.0  # the robustness checks' tolerance
GOALS = {  # issue 14's goals: (median range, every face's range)
    "mouth": ((0.90, 1.10), (0.75, 1.25)),
    "brow": ((0.70, np.inf), (0.5, np.inf)),
    "eye": ((0.80, np.inf), (0.6, np.inf)),
}


def measure_face(lm, name: str, modes) -> dict:
    image = cv2.imread(str(FACES[name]))
    g = fe.geometry(lm, image)
    bases = {True: g.base} if modes == (True,) else {r: analyze_image(image, lm, refine=r) for r in modes}
    out = {"gains": {}, "checks": {}, "quality": {}}
    for edit in fe.gain_edits(image, g):
        out["gains"][edit.label] = {str(r): fe.gain(lm, edit, bases[r], refine=r) for r in modes}
    base = fe.diffs(g.base)
    errors = {}  # per check, per region: how far the reading is from what it should be (mm)
    for label, img in fe.chimeras(lm, image).items():
        d = fe.diffs(analyze_image(img, lm))
        errors[label] = {r: abs(d[r]) if r in d else np.inf for r in base}
    for label, img in {**fe.moved(image), **fe.lighting(image)}.items():
        d = fe.diffs(analyze_image(img, lm))
        errors[label] = {r: abs(d[r] - base[r]) if r in d else np.inf for r in base}
    flipped = fe.diffs(analyze_image(np.ascontiguousarray(image[:, ::-1]), lm))
    errors["mirror"] = {r: abs(flipped[r] + base[r]) for r in base}
    out["errors"] = errors
    out["checks"] = {label: max(e.values()) for label, e in errors.items()}
    out["regions"] = sorted(set(REGIONS) & set(base))
    return out


def summary(results: dict, mode: str, checks_too: bool) -> list[str]:
    lines = []
    per = {"mouth": [], "brow": [], "eye": []}
    for name, r in results.items():
        gains = r["gains"]
        mouth = [v[mode] for k, v in gains.items() if k.startswith("mouth")]
        per["mouth"].append((name, float(np.median(mouth))))
        per["brow"].append((name, next(v[mode] for k, v in gains.items() if k.startswith("brow"))))
        per["eye"].append((name, next(v[mode] for k, v in gains.items() if k.startswith("eye"))))
    for key, values in per.items():
        (mlo, mhi), (lo, hi) = GOALS[key]
        gains = [v for _, v in values]
        inside = [n for n, v in values if lo <= v <= hi]
        med = statistics.median(gains)
        ok = "met" if mlo <= med <= mhi and len(inside) == len(values) else "not met"
        lines.append(f"{key}: median {med:.2f}, {len(inside)}/{len(values)} faces in [{lo}, {hi}] ({ok})")
    for title, per_region in (("every region of a (face, check)", False), ("(face, check, region) readings", True)):
        if not checks_too:
            break
        checks = {}
        for r in results.values():
            for label, e in r["errors"].items():
                kind = label.split()[0] if label.startswith(("chimera", "roll")) else label
                values = list(e.values()) if per_region else [max(e.values())]
                checks.setdefault(kind, []).extend(v <= WITHIN_MM for v in values)
        everything = [v for c in checks.values() for v in c]
        lines.append(
            f"within 1 mm, {title}: {100 * np.mean(everything):.0f} % overall; "
            + ", ".join(f"{k} {100 * sum(v) / len(v):.0f} % ({sum(v)}/{len(v)})" for k, v in checks.items())
        )
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--faces", nargs="+", default=list(fe.WIDE_SET))
    p.add_argument("--refined-only", action="store_true", help="skip the landmarks-only gains")
    p.add_argument("--json", type=Path, help="also write every number here")
    args = p.parse_args()
    modes = (True,) if args.refined_only else (False, True)
    results = {}
    with Landmarker() as lm:
        for name in args.faces:
            results[name] = measure_face(lm, name, modes)
            r = results[name]
            g = " | ".join(" / ".join(f"{v[str(m)]:.2f}" for m in modes) for v in r["gains"].values())
            worst = max(r["checks"].values())
            print(f"| {name} | {g} | {worst:.2f} |", flush=True)
    labels = list(next(iter(results.values()))["gains"])
    print()
    print("| face | " + " | ".join(labels) + " | worst robustness check (mm) |")
    print("|---|" + "---:|" * (len(labels) + 1))
    for name, r in results.items():
        cells = [" / ".join(f"{v[str(m)]:.2f}" for m in modes) for v in r["gains"].values()]
        print(f"| {name} | " + " | ".join(cells) + f" | {max(r['checks'].values()):.2f} |")
    print("(gains: landmarks only / refined)" if len(modes) == 2 else "(gains: refined)")
    for mode in map(str, modes):
        print(f"\n{'refined' if mode == 'True' else 'landmarks only'}:")
        print("\n".join(summary(results, mode, checks_too=mode == "True")))  # the checks: refined
    print("\nworst robustness checks per face (mm):")
    for name, r in results.items():
        print(name, {k: round(v, 2) for k, v in r["checks"].items()})
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
