"""The movement check's figures and grades (pure numpy): how far each side moved, the weaker
side's share, synkinesis per side, and Sunnybrook-like composites.

These are estimates from a webcam, not a clinical grade. The grading copies the shape of
the Sunnybrook Facial Grading System (Ross et al. 1996): voluntary movement of five standard
expressions graded 1–5, synkinesis during each graded 0–3, and a composite of voluntary
movement − resting asymmetry − synkinesis. The clinician's judgement of "how complete" is
replaced by the weaker side's excursion as a share of the stronger side's (as eFACE's
dynamic items score the affected side as a percentage of the normal side).
"""

from __future__ import annotations

import numpy as np

from .check_plan import BY_KEY, MOUTH_MOVEMENTS, MOVEMENT_KEYS
from .check_types import FEATURES, SIDES, CheckResult, MovementResult, Pair, Scores, Synkinesis, TraceRow
from .lid_slide import lid_narrowing
from .movement import Rep, Rest, Series, deltas, order_of

_F = {name: i for i, name in enumerate(FEATURES)}

# -- voluntary movement: grade 1..5 from the weaker/stronger ratio ----------------------------
# Sunnybrook: 1 unable to initiate, 2 initiates slight movement, 3 initiated movement with
# mild excursion, 4 movement almost complete, 5 complete. Upper ratio bounds of grades 1..4:
RATIO_GRADES = (0.10, 0.35, 0.65, 0.90)
SIDES_AGREE = 0.90  # a ratio at or above this names no weaker side
MIN_EXCURSION_MM = 0.5  # a side moving less than this has not moved (rest noise: < 0.3 mm)
# Eye closure is read in each eye's own pixels (movement.pixel_closure): the mesh couples the
# eyes, and the lids' points slide off the lid margin as it covers the iris. A shut eye reads
# 0.6 (real blinks) to 0.85 (a scripted lid), never 1 (the lashes stay darker than the lid):
LIDS_MEET_CLOSURE = 0.55
MESH_LIDS_MEET = 0.9  # without the pixels (constructed series): the opening's share closed

# -- synkinesis: grade 0..3 -----------------------------------------------------------------
# Eye narrowing during a mouth movement, % of the resting opening, beyond what a healthy face
# shows: a broad smile raises the cheek and narrows the eye by about 2 % per mm the corner
# travels (the real smile in samples/single_face.mp4: 12 mm and 25 %), up to a quarter.
NORMAL_NARROWING_PCT_PER_MM = 2.0
MAX_NORMAL_NARROWING_PCT = 25.0
EYE_SYNKINESIS_PCT = (10.0, 20.0, 35.0)  # excess narrowing from which grades 1, 2, 3 start
# Mouth-corner movement during eye closure or a brow raise, mm (healthy faces: under 1 mm).
MOUTH_SYNKINESIS_MM = (1.0, 2.5, 4.0)

# -- resting symmetry (Sunnybrook's resting items, from the check's own rest) ----------------
REST_EYE_MM = 1.0  # eye: a lid opening differing by this is "narrow" or "wide" (1 point)
REST_CHEEK_MM = (1.5, 3.0)  # cheek (the alar base's height, for the nasolabial fold): 1 or 2 points
REST_MOUTH_MM = 1.5  # mouth: a corner lower or higher by this (1 point)
REST_WEIGHT = 5  # Sunnybrook multiplies the resting sum (0..4) by 5
VOLUNTARY_WEIGHT = 4  # ... and the voluntary sum (5..25) by 4
TRACE_STEP_S = 0.2  # the log keeps the check at 5 values a second


def excursion(movement: str, d: np.ndarray) -> np.ndarray:
    """(N, 2): how far each side moved in this movement's own way, mm (d: deltas, (N, F, 2))."""
    f = _F
    if movement == "brow_raise":
        return d[:, f["brow"]]
    if movement == "eye_close":
        return -d[:, f["eye"]]
    if movement in ("smile_closed", "smile_open"):
        up, out = d[:, f["corner_up"]], d[:, f["corner_out"]]
        return np.sign(up + out) * np.hypot(up, out)
    if movement == "snarl":
        return (d[:, f["alar"]] + d[:, f["lip"]]) / 2
    if movement == "pucker":
        return -d[:, f["corner_out"]]
    raise ValueError(f"unknown movement {movement!r}")


def grade_ratio(ratio: float | None) -> int:
    """Sunnybrook-like voluntary movement grade (1..5) from the weaker/stronger ratio."""
    if ratio is None:
        return 1
    return 1 + int(sum(ratio >= bound for bound in RATIO_GRADES))


def grade_synkinesis(value: float, bounds: tuple[float, float, float]) -> int:
    return int(sum(value >= b for b in bounds))


def eye_synkinesis_grade(narrowing_pct: float, corner_mm: float) -> int:
    """0..3 from an eye's narrowing during a mouth movement, beyond a healthy face's."""
    normal = min(NORMAL_NARROWING_PCT_PER_MM * max(corner_mm, 0.0), MAX_NORMAL_NARROWING_PCT)
    return grade_synkinesis(narrowing_pct - normal, EYE_SYNKINESIS_PCT)


def _ratio(ex: tuple[float, float], by: tuple[float, float] | None = None) -> tuple[float | None, str | None]:
    """The weaker side's share of the stronger's movement, and which is weaker; None when
    neither side moved (ex, mm). by: what the sides compare by, when not ex."""
    if max(ex) < MIN_EXCURSION_MM:
        return None, None
    by = ex if by is None else by
    if max(by) <= 0:
        return None, None
    ratio = max(min(by), 0.0) / max(by)
    weaker = None if ratio >= SIDES_AGREE else SIDES[int(np.argmin(by))]
    return float(ratio), weaker


def _median_pair(values: np.ndarray) -> tuple[float, float]:
    left, right = np.median(values, axis=0).tolist()
    return float(left), float(right)


def _pixel_narrowings(narrowed: np.ndarray | None, closure_px: np.ndarray | None, core: np.ndarray) -> list:
    """Each eye's narrowing in a hold, as a share of its resting opening, read in the pixels:
    by the lids' stretch (narrowed), and by the closure the eye closure is read with (the
    upper lid's descent: a hooded lid's stretch hides in its fold, and a 30 % narrowing of
    middleditch.jpg's read 15 % by the stretch, 24-31 % by its slide)."""
    out = []
    if narrowed is not None:
        out.append(1.0 - np.nanmedian(narrowed[core], axis=0))
    if closure_px is not None and np.isfinite(closure_px[core]).any(axis=0).all():
        out.append(np.nanmedian(closure_px[core], axis=0))
    return out


def measure_movement(
    movement: str,
    reps: list[Rep],
    series: Series,
    rest: Rest,
    closure_px: np.ndarray | None = None,
    narrowed: np.ndarray | None = None,
) -> MovementResult:
    """One movement's figures, each the median over its repetitions' holds. closure_px: each
    eye's closure read in its pixels (N, 2), for eye closure; narrowed: each eye's opening
    against rest read in its pixels (N, 2, lid_slide.lid_narrowing), for the mouth movements."""
    d = deltas(series, rest)
    rest_eye = rest.values[_F["eye"]]
    # Both eyes are read the same way, or the sides would not compare: by their pixels when
    # both can be followed, else by the followed lid points.
    by_pixels = (
        movement == "eye_close"
        and closure_px is not None
        and all(np.isfinite(closure_px[list(r.core)]).any(axis=0).all() for r in reps)
    )
    per_rep = []
    for rep in reps:
        core = np.array(rep.core)
        if by_pixels:
            shares = np.clip(np.nan_to_num(np.nanmedian(closure_px[core], axis=0)), 0.0, 1.0)
            ex = (float(shares[0] * rest_eye[0]), float(shares[1] * rest_eye[1]))
        else:
            ex = _median_pair(excursion(movement, d[core]))
        eye = _median_pair(-d[core, _F["eye"]])  # narrowing, mm
        if movement in MOUTH_MOVEMENTS:  # the largest of the readings, each side alike
            for px in _pixel_narrowings(narrowed, closure_px, core):
                eye = tuple(float(max(e, p * r)) if np.isfinite(p) else e for e, p, r in zip(eye, px, rest_eye))
        if series.corners is not None:  # from the philtrum (see Series.corners)
            moved = series.corners[core] - np.median(series.corners[rest.mask], axis=0)
            corner = _median_pair(np.hypot(moved[..., 0], moved[..., 1]))
        else:
            corner = _median_pair(np.hypot(d[core, _F["corner_up"]], d[core, _F["corner_out"]]))
        per_rep.append((ex, eye, corner))
    ex = tuple(float(np.median([r[0][j] for r in per_rep])) for j in range(2))
    eye = tuple(float(np.median([r[1][j] for r in per_rep])) for j in range(2))
    corner = tuple(float(np.median([r[2][j] for r in per_rep])) for j in range(2))
    ratio, weaker = _ratio(ex)
    closure = lids = None
    if movement == "eye_close":
        opening = [float(v) for v in rest_eye[:2]]  # plain floats and bools: the result is printed as JSON
        shares = [max(min(ex[j] / opening[j], 1.0), 0.0) if opening[j] > 0 else 0.0 for j in range(2)]
        closure = Pair(*shares)
        meet = LIDS_MEET_CLOSURE if by_pixels else MESH_LIDS_MEET
        lids = (bool(shares[0] >= meet), bool(shares[1] >= meet))
        # The sides compare by the share of each eye closed, the excursion for the eye,
        # not by the lids' travel: an eye open wider at rest (a palsied eye that does not fully
        # close often is) travels further to close less, and by travel would read the stronger
        ratio, weaker = _ratio(ex, by=(shares[0], shares[1]))
    if movement in MOUTH_MOVEMENTS:
        pct = [100.0 * eye[j] / rest_eye[j] for j in range(2)]
        grades = tuple(eye_synkinesis_grade(pct[j], corner[j] if movement != "pucker" else 0.0) for j in range(2))
        synk = Synkinesis("eye", Pair(*eye), Pair(*pct), grades)
    else:
        grades = tuple(grade_synkinesis(corner[j], MOUTH_SYNKINESIS_MM) for j in range(2))
        synk = Synkinesis("mouth", Pair(*corner), None, grades)
    return MovementResult(
        movement,
        tuple((r.start_s, r.end_s) for r in reps),
        Pair(*ex),
        ratio,
        weaker,
        grade_ratio(ratio),
        synk,
        closure,
        lids,
    )


def resting_score(rest: Rest) -> int:
    """Sunnybrook-like resting symmetry, 0 (symmetric) .. 20, from the check's rest."""
    v = rest.values
    diff = lambda name: abs(v[_F[name], 0] - v[_F[name], 1])  # noqa: E731
    points = int(diff("eye") >= REST_EYE_MM)
    points += int(sum(diff("alar") >= b for b in REST_CHEEK_MM))
    points += int(diff("corner_up") >= REST_MOUTH_MM)
    return REST_WEIGHT * points


def scores(movements: dict[str, MovementResult], rest: Rest | None) -> Scores:
    """The composites; a score needing a movement that is missing is None."""
    standard = [m.key for m in BY_KEY.values() if m.sunnybrook]
    have = all(k in movements for k in standard)
    voluntary = VOLUNTARY_WEIGHT * sum(movements[k].grade for k in standard) if have else None
    synkinesis = int(sum(max(movements[k].synkinesis.grade) for k in standard)) if have else None
    resting = resting_score(rest) if rest is not None else None
    composite = None
    if voluntary is not None and synkinesis is not None and resting is not None:
        composite = voluntary - resting - synkinesis
    ratios = [m.ratio for m in movements.values() if m.ratio is not None]
    dynamic = 100.0 * float(np.mean(ratios)) if ratios else None
    return Scores(voluntary, synkinesis, resting, composite, dynamic)


def trace(series: Series, rest: Rest, reps: list[Rep]) -> tuple[TraceRow, ...]:
    """The check at TRACE_STEP_S: each bin's median movement from rest, and the movement then."""
    if len(series) == 0:
        return ()
    d = deltas(series, rest)
    bins = np.floor((series.t - series.t[0]) / TRACE_STEP_S).astype(int)
    rows = []
    for b in np.unique(bins):
        idx = np.flatnonzero(bins == b)
        t = float(series.t[0] + b * TRACE_STEP_S)
        mid = float(series.t[idx].mean())
        movement = next((r.movement for r in reps if r.start_s <= mid <= r.end_s), None)
        med = np.median(d[idx], axis=0)
        rows.append(TraceRow(round(t, 3), movement, {name: Pair(*med[i].tolist()) for i, name in enumerate(FEATURES)}))
    return tuple(rows)


def check_result(
    series: Series,
    rest: Rest | None,
    reps: list[Rep],
    frames: int,
    duration_s: float,
    closure_px: np.ndarray | None = None,
    rest_problem: str | None = None,
) -> CheckResult:
    """Everything the check found, in the set's order; movements not found are missing.
    rest_problem: why no rest could be measured from (movement.rest_problem), if so."""
    by_movement: dict[str, list[Rep]] = {}
    for rep in reps:
        by_movement.setdefault(rep.movement, []).append(rep)
    movements = {}
    if rest is not None:
        # During a mouth movement the lid points of a hooded eye slide off its lids, as in eye
        # closure: a 30 % narrowing read 13-16 % from them. Registered in the pixels, 25-30 %.
        narrowed = None
        if series.lids and rest.mask is not None and any(k in by_movement for k in MOUTH_MOVEMENTS):
            narrowed = lid_narrowing(series.lids, rest.mask)  # once, for every mouth movement
        movements = {
            k: measure_movement(k, by_movement[k], series, rest, closure_px, narrowed)
            for k in MOVEMENT_KEYS
            if k in by_movement
        }
    order, in_order = order_of(reps)
    rest_mm = {} if rest is None else {n: Pair(*rest.values[i].tolist()) for i, n in enumerate(FEATURES)}
    return CheckResult(
        duration_s=duration_s,
        frames=frames,
        measured=len(series),
        rest_s=0.0 if rest is None else rest.seconds,
        rest_mm=rest_mm,
        movements=tuple(movements[k] for k in MOVEMENT_KEYS if k in movements),
        missing=tuple(k for k in MOVEMENT_KEYS if k not in movements),
        order=order,
        in_order=in_order,
        scores=scores(movements, rest),
        trace=trace(series, rest, reps) if rest is not None else (),
        rest_problem=rest_problem,
    )
