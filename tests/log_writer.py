"""A process that records a session into a log the way the practice loop does, only faster:
one sample per second of session time (session time runs as fast as the disk allows), an
event now and then, each sample committed by the log before add_sample returns. After each sample it
prints how many samples are committed of how many added, so whoever kills it
(tests/test_storage_crash.py, with SIGKILL) knows what must have survived.

    python tests/log_writer.py DB SEED
"""

import random
import sys
from datetime import datetime, timedelta, timezone

from facetension.storage import EventRow, Log, Measures, SampleRow
from facetension.tension import SIDES, TENSION_REGIONS

REGIONS = ("brow", "eye", "mouth_corner", "mouth_excursion", "nose")
EVENT_SHARE = 0.2  # of the seconds that also log an event


def main(db: str, seed: int) -> None:
    rng = random.Random(seed)
    started = datetime(2025, 1, 1, 8, tzinfo=timezone.utc) + timedelta(days=seed)
    with Log.open(db) as log:
        sid = log.start_session("practice", "log_writer", started, "UTC", "test", None, None)
        print(f"session {sid}", flush=True)
        for t in range(10**6):
            face = rng.random() > 0.05  # now and then a second without a face: all NULL
            m = (
                Measures(
                    {r: rng.uniform(-3, 3) for r in REGIONS},
                    {(r, s): rng.random() for r in TENSION_REGIONS for s in SIDES},
                    rng.uniform(0, 100),
                    rng.uniform(0, 100),
                )
                if face
                else Measures()
            )
            if rng.random() < EVENT_SHARE:
                log.add_event(sid, EventRow(t + 0.5 * rng.random(), "twitch", "eye", rng.choice(SIDES), "", 0.3, 0.1))
            log.add_sample(sid, SampleRow(float(t), m, rng.random() if face else 0.0, "relax"))
            print(f"committed {t + 1 - log.unsaved_samples} of {t + 1}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
