"""Write samples/demo.db: a demo log of 12 weeks of practice with known trends.

Known truth, for a newcomer to see and for the tests to recover:
- the resting asymmetry index improves by IMPROVEMENT_PER_WEEK points a week;
- on cold days tension is COLD_EFFECT points higher; the tag `massage` has no effect;
- everything else is realistic noise (about two sessions in three days, mornings and evenings,
  incomplete sessions now and then, a summer break of three weeks).

Run from the repository: python samples/make_demo_log.py [PATH]
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from facetension.metrics import REGIONS
from facetension.storage import EventRow, Log, Measures, SampleRow, SessionSummary
from facetension.tension import SIDES, TENSION_REGIONS

START_UTC = datetime(2026, 6, 1, 6, 30, tzinfo=timezone.utc)
WEEKS = 12
BREAK_DAYS = range(35, 56)  # a three-week pause
IMPROVEMENT_PER_WEEK = -1.2  # asymmetry index points
START_INDEX = 38.0
COLD_EFFECT = 8.0  # tension index points
BASE_TENSION = 30.0
NOISE = 2.5
SEED = 20260601
BEFORE_SECONDS = 20
TZ = ("Europe/Berlin", 120)


def _measures(rng, asym_index: float, tension_index: float) -> Measures:
    eye = asym_index / 12.0  # the eye carries the asymmetry
    diffs = {r: float(rng.normal(0, 0.3)) for r in REGIONS}
    diffs["eye"] = -eye + float(rng.normal(0, 0.2))
    t = tension_index / 100.0
    tension = {
        (r, s): float(np.clip(rng.normal(t * (1.6 if (r, s) == ("eye", "left") else 0.6), 0.03), 0, 1))
        for r in TENSION_REGIONS
        for s in SIDES
    }
    return Measures(diffs, tension, asym_index, tension_index)


def main(path: Path) -> Path:
    if path.exists():
        path.unlink()
    rng = np.random.default_rng(SEED)
    with Log.open(path) as log:
        for day in range(WEEKS * 7):
            if day in BREAK_DAYS or rng.random() < 0.33:
                continue
            evening = rng.random() < 0.4
            start = START_UTC + timedelta(days=day, hours=12 if evening else 0, minutes=float(rng.integers(0, 50)))
            cold = rng.random() < 0.3
            massage = rng.random() < 0.5
            asym = START_INDEX + IMPROVEMENT_PER_WEEK * day / 7 + float(rng.normal(0, NOISE))
            tension = BASE_TENSION + (COLD_EFFECT if cold else 0.0) + float(rng.normal(0, NOISE))
            after = tension - 8.0 + float(rng.normal(0, NOISE))
            sid = log.start_session("practice", "camera 0", start, TZ[0], "0.1.0", utc_offset_min=TZ[1])
            for sec in range(BEFORE_SECONDS):  # the resting measurement, second by second
                m = _measures(rng, asym + float(rng.normal(0, 1.0)), tension + float(rng.normal(0, 1.5)))
                log.add_sample(sid, SampleRow(float(sec), m, 1.0, "before"))
            log.add_event(sid, EventRow(25.0, "prompt", "eye", "left", "Let your left eye soften"))
            completed = rng.random() > 0.06
            summary = SessionSummary(
                _measures(rng, asym, tension),
                _measures(rng, asym - 0.5, after),
                int(rng.poisson(0.3)),
                200.0 + float(rng.normal(0, 30)),
                300.0,
            )
            log.finish_session(sid, start + timedelta(minutes=6), completed, summary)
            tags = [t for t, on in (("cold", cold), ("massage", massage), ("evening", evening)) if on]
            pain = int(np.clip(round(2 + (tension - BASE_TENSION) / 4 + rng.normal(0, 1)), 0, 10))
            log.set_journal(sid, pain_before=pain, pain_after=max(pain - 1, 0), tags=tags, note="")
    return path


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "demo.db"))
