"""The report's "Region by region": each region's signed left − right trend toward the
person's own symmetry (symmetry.py), in numbers (--json "symmetry"), in words (the page and
`trend`) and as small multiples (the page).

Words: "toward symmetry", "away from symmetry" or "no clear change yet", with the signed
slope in mm a week, its 95 % interval, the sessions and the MDC95; who set the affected side
(the person, or inferred from their first sessions, with how to set it); what symmetric means
(their calibrated relaxed face, or 0 mm). A line that passes through the symmetric point says
so, and that the other side now reads held: kindly, because a fading tension often shows the
face's own natural asymmetry.
"""

from __future__ import annotations

import html
from datetime import datetime

from .symmetry import TIGHT_SIGN, TOO_FEW, TOWARD, AffectedSide, Reference, RegionTrend
from .trends import Point
from .wording import REGION_SHORT, REGION_TITLES, count

SET_IT = "facetension settings --affected-side"
# How a held side reads, per region (symmetry.TIGHT_SIGN): "your left eye reads narrower".
HELD_LOOK = {
    "brow": ("brow", "lower"),
    "eye": ("eye", "narrower"),
    "mouth_corner": ("mouth corner", "higher"),
    "mouth_excursion": ("mouth corner", "further out"),
    "nose": ("nostril", "higher"),
}


def symmetry_json(trends: dict[str, RegionTrend], side: AffectedSide, reference: Reference) -> dict:
    """Everything "Region by region" shows, for --json and for the page."""
    regions = {
        name: {
            "per_week": t.slope.per_week,  # signed: left − right, mm a week
            "low": t.slope.low,
            "high": t.slope.high,
            "n": t.slope.n,
            "reference": t.reference,
            "reference_from": "baseline" if name in reference.mm else "zero",
            "start": t.start,  # the trend line at the first and the last session, mm
            "end": t.end,
            "crossed": t.crossed,
            "direction": t.direction,
            "mdc95": t.mdc95,
            # Sessions from more than one era of measuring (methods.py): each era's line, and
            # how far the line steps at each change between them.
            "eras": [
                {
                    "since": e.since,
                    "first": e.first.isoformat(),
                    "last": e.last.isoformat(),
                    "start": e.start,
                    "end": e.end,
                }
                for e in t.eras
            ],
            "steps": [{"version": v, "mm": mm} for v, mm in t.steps],
        }
        for name, t in trends.items()
    }
    out = {
        "affected_side": side.side,
        "affected_side_inferred": side.inferred,
        "affected_side_sentence": side_sentence(side),
        "reference_from": "baseline" if reference.baseline_taken else "zero",
        "baseline_taken": reference.baseline_taken,
        "reference_sentence": reference_sentence(reference),
        "regions": regions,
    }
    for name, r in regions.items():
        r["sentence"] = region_sentence(name, r, out)
    return out


def side_sentence(side: AffectedSide) -> str:
    if side.side is None:
        return f"Affected side: not known (your first sessions do not show one clearly; set it with `{SET_IT}`)."
    if side.inferred:
        return f"Affected side: {side.side} (inferred from your first sessions; set it with `{SET_IT}`)."
    if side.side == "none":
        return (
            "Affected side: none (as you set it). A region that passes through symmetry is judged by how far "
            "from it it is at the start and at the end."
        )
    return f"Affected side: {side.side} (as you set it; change it with `{SET_IT}`)."


def reference_sentence(reference: Reference) -> str:
    if not reference.baseline_taken:
        return (
            "Symmetric here means left − right = 0 mm: your log holds no calibrated relaxed face "
            "(`facetension calibrate`), so your face's own natural asymmetry is not known."
        )
    own = ", ".join(f"{REGION_TITLES[r].lower()} {_mm(reference.mm[r])} mm" for r in REGION_TITLES if r in reference.mm)
    rest = [r for r in REGION_TITLES if r not in reference.mm]
    zero = f"; {', '.join(REGION_TITLES[r].lower() for r in rest)}: 0 mm (not in the baseline)" if rest else ""
    return f"Symmetric here means your own relaxed face, calibrated {reference.baseline_taken[:10]}: {own}{zero}."


def _mm(v: float, digits: int = 1) -> str:
    text = f"{v:+.{digits}f}"
    return text[1:] if float(text) == 0 else text  # never "+0.0" or "-0.0"


def _side_of(region: str, deviation: float) -> str:
    """The side a deviation from the reference makes look held."""
    return "left" if (deviation < 0) == (TIGHT_SIGN[region] < 0) else "right"


def region_sentence(name: str, r: dict, sym: dict) -> str:
    title = REGION_TITLES.get(name, name)
    if r["direction"] == TOO_FEW:
        return f"{title}: not enough data for a trend yet."
    mdc = f"; MDC95 {r['mdc95']:.2f} mm" if r["mdc95"] is not None else ""
    text = (
        f"{title}, left − right: {r['direction']} ({_mm(r['per_week'], 2)} mm/week, 95 % interval "
        f"{_mm(r['low'], 2)} to {_mm(r['high'], 2)}, {count(r['n'], 'session')}; symmetric for you: "
        f"{_mm(r['reference'])} mm{mdc})."
    )
    if r["crossed"] and name in HELD_LOOK:
        text += " " + _crossing(name, r, sym)
    return text + "".join(" " + _step(s) for s in r["steps"])


def _step(step: dict) -> str:
    return (
        f"Sessions before and after the change of measuring in version {step['version']} are compared only "
        f"with their own kind; the change itself moved this difference by about {_mm(step['mm'], 2)} mm."
    )


def _crossing(name: str, r: dict, sym: dict) -> str:
    part, look = HELD_LOOK[name]
    first, now = _side_of(name, r["start"] - r["reference"]), _side_of(name, r["end"] - r["reference"])
    text = (
        f"Along the trend line it went from {_mm(r['start'], 2)} to {_mm(r['end'], 2)} mm, through your "
        f"symmetric point: at first your {first} {part} read {look}, now your {now} {part} does."
    )
    by_side = sym["affected_side"] in ("left", "right")
    if r["direction"] == TOWARD and by_side:
        text += (
            f" Your {sym['affected_side']} side letting go counts as toward symmetry; what shows on the other "
            "side now can be your face's own natural asymmetry."
        )
        if sym["reference_from"] == "zero":
            text += " With a calibrated relaxed face (`facetension calibrate`) it is measured against your own face."
    elif not by_side:
        text += " With no affected side to go by, it is judged by how far from symmetry it is at the start and the end."
    return text


def terminal_lines(sym: dict) -> list[str]:
    """The short version for `trend`: what symmetric means and the affected side, then one
    line a region with a trend (its crossing, if any, in one short sentence)."""
    lines = []
    for name, r in sym["regions"].items():
        if r["direction"] == TOO_FEW:
            continue
        mdc = f"; MDC95 {r['mdc95']:.2f} mm" if r["mdc95"] is not None else ""
        line = (
            f"  {REGION_SHORT.get(name, name)}: {r['direction']} ({_mm(r['per_week'], 2)} mm/week, "
            f"95 % interval {_mm(r['low'], 2)} to {_mm(r['high'], 2)}{mdc})"
        )
        if r["crossed"] and name in HELD_LOOK:
            part, look = HELD_LOOK[name]
            line += f"; through symmetry: now your {_side_of(name, r['end'] - r['reference'])} {part} reads {look}"
        for step in r["steps"]:
            line += f"; a step of {_mm(step['mm'], 2)} mm at the change of measuring in {step['version']} left out"
        lines.append(line)
    if not lines:
        return []
    point = "0 mm" if sym["reference_from"] == "zero" else f"your relaxed face of {sym['baseline_taken'][:10]}"
    return [f"Regions, left − right, against your symmetric point ({point}). {sym['affected_side_sentence']}", *lines]


def regions_figure(points: list[Point], sym: dict):
    """Small multiples of the signed left − right per region: the sessions, 0, the person's
    symmetric point when it is not 0, and the trend line where there is a verdict."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = sorted((p for p in points if p.completed), key=lambda p: p.local_start)
    regions = sorted({r for p in done for r in p.diffs})
    fig, axes = plt.subplots(1, max(len(regions), 1), figsize=(7.5, 2.1), sharey=True, squeeze=False)
    for ax, region in zip(axes[0], regions):
        pts = [(p.local_start, p.diffs[region]) for p in done if region in p.diffs]
        ax.plot([a for a, _ in pts], [b for _, b in pts], ".", ms=3, color="#4477aa")
        ax.axhline(0, color="#888", lw=0.8)
        r = sym["regions"].get(region)
        if r and r["reference"] != 0:
            ax.axhline(r["reference"], color="#228833", lw=1.0, ls=":")
        if r and r["eras"]:  # each era of measuring has its own line, with the same slope
            for e in r["eras"]:
                ax.plot(
                    [datetime.fromisoformat(e[k]) for k in ("first", "last")],
                    [e["start"], e["end"]],
                    "--",
                    color="#cc6633",
                    lw=1.2,
                )
        elif r and r["start"] is not None:  # the line runs from the region's first session to its last
            ax.plot([pts[0][0], pts[-1][0]], [r["start"], r["end"]], "--", color="#cc6633", lw=1.2)
        label = region.replace("_", " ") + ("" if not r or r["direction"] == TOO_FEW else f"\n{r['direction']}")
        ax.set_title(label, fontsize=7)
        ax.tick_params(labelsize=6)
        ax.set_xticks([])
    axes[0][0].set_ylabel("left − right (mm)", fontsize=7)
    return fig


def symmetry_html(sym: dict, chart: str) -> list[str]:
    """The page's 'Region by region': the affected side, the reference, a sentence a region,
    and the chart (a data URL of regions_figure)."""
    e = html.escape
    return [
        "<h2>Region by region: toward your own symmetry?</h2>",
        f"<p class='affected'>{e(sym['affected_side_sentence'])} {e(sym['reference_sentence'])}</p><ul>",
        *(f"<li>{e(g['sentence'])}</li>" for g in sym["regions"].values()),
        "</ul>",
        f"<img alt='Left minus right per region over time' src='{chart}'>",
        "<p><small>Each region's left − right difference as measured (mm, signed), with its trend line "
        "(dashed) and your symmetric point (dotted, when it is not 0). Toward or away from symmetry is "
        "said only when the slope's 95 % interval excludes 0. MDC95: the smallest change between two "
        "sessions that measurement noise cannot explain (1.96·√2·SEM, from the two halves of each "
        "session's resting measurement).</small></p>",
    ]
