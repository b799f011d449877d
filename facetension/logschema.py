"""The log's schema: its columns and its migrations, frozen by version, and the export's tables
(see storage.py)."""

from __future__ import annotations

from .check_types import FEATURES, SIDES
from .logrecords import MEASURE_COLUMNS, PHASES

# -- columns ---------------------------------------------------------------------------
SUMMARY_COLUMNS = tuple(f"{p}_{c}" for p in PHASES for c in MEASURE_COLUMNS)
_MASSAGE_COLUMNS = ("massage_s", *(f"after_massage_{c}" for c in MEASURE_COLUMNS))  # added by version 3
SAMPLE_COLUMNS = ("session_id", "t_s", "phase", *MEASURE_COLUMNS, "quality")
EVENT_COLUMNS = ("session_id", "seq", "t_s", "kind", "region", "side", "text", "duration_s", "amplitude")
SESSION_COLUMNS = (
    "id",
    "kind",
    "source",
    "started_utc",
    "started_local",
    "tz",
    "ended_utc",
    "duration_s",
    "completed",
    "interrupted",
    "app_version",
    "model_sha256",
    "baseline_id",
    "twitches",
    "relaxed_s",
    "relax_s",
    *(c for c in SUMMARY_COLUMNS if c not in _MASSAGE_COLUMNS),
    *_MASSAGE_COLUMNS,
)
# The movement check (version 4): a check, each movement found in it, and its coarse traces.
CHECK_FEATURE_COLUMNS = tuple(f"{f}_{s}_mm" for f in FEATURES for s in SIDES)  # a trace's, mm from rest
CHECK_REST_COLUMNS = tuple(f"rest_{c}" for c in CHECK_FEATURE_COLUMNS)  # the resting face's, absolute mm
CHECK_SCORE_COLUMNS = ("score_voluntary", "score_synkinesis", "score_resting", "score_composite", "score_dynamic")
CHECK_COLUMNS = (
    "id",
    "source",
    "started_utc",
    "started_local",
    "tz",
    "duration_s",
    "frames",
    "measured",
    "rest_s",
    "in_order",
    "missing",
    "order_found",
    *CHECK_SCORE_COLUMNS,
    "app_version",
    "model_sha256",
    *CHECK_REST_COLUMNS,
)
CHECK_MOVEMENT_COLUMNS = (
    "check_id",
    "seq",
    "movement",
    "times",
    "excursion_left_mm",
    "excursion_right_mm",
    "ratio",
    "weaker",
    "grade",
    "synkinesis_watched",
    "synkinesis_left_mm",
    "synkinesis_right_mm",
    "synkinesis_left_pct",
    "synkinesis_right_pct",
    "synkinesis_left_grade",
    "synkinesis_right_grade",
    "closure_left",
    "closure_right",
    "lids_meet_left",
    "lids_meet_right",
)
CHECK_TRACE_COLUMNS = ("check_id", "t_s", "movement", *CHECK_FEATURE_COLUMNS)


# -- migrations ------------------------------------------------------------------------
def _v1() -> tuple[str, ...]:
    """Version 1. Frozen: never edit it, add a migration. Its region lists are spelt out here,
    not taken from metrics/tension, so a new region there cannot change an old migration
    (tests/test_storage.py fails until a migration adds its columns)."""
    regions = ("brow", "eye", "mouth_corner", "mouth_excursion", "nose")
    tension = ("brow", "eye", "cheek", "mouth", "chin", "jaw")
    measures = (
        [f"{r}_diff_mm" for r in regions]
        + [f"{r}_{s}_tension" for r in tension for s in ("left", "right")]
        + ["asymmetry_index", "tension_index"]
    )
    summary = ",\n".join(f"    {p}_{m} REAL" for p in ("before", "after") for m in measures)
    sample = ",\n".join(f"    {m} REAL" for m in measures)
    return (
        """CREATE TABLE baselines (
    id INTEGER PRIMARY KEY,
    taken_utc TEXT NOT NULL,
    source TEXT NOT NULL,
    frames INTEGER NOT NULL CHECK (frames >= 0),
    data TEXT NOT NULL
)""",
        f"""CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    started_utc TEXT NOT NULL,
    started_local TEXT NOT NULL,
    tz TEXT NOT NULL,
    ended_utc TEXT,
    duration_s REAL CHECK (duration_s >= 0),
    completed INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    interrupted INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1)),
    app_version TEXT NOT NULL,
    model_sha256 TEXT,
    baseline_id INTEGER REFERENCES baselines (id) ON DELETE SET NULL,
    twitches INTEGER CHECK (twitches >= 0),
    relaxed_s REAL,
    relax_s REAL,
{summary}
)""",
        "CREATE INDEX sessions_by_start ON sessions (started_utc)",
        f"""CREATE TABLE samples (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    t_s REAL NOT NULL CHECK (t_s >= 0),
    phase TEXT,
{sample},
    quality REAL CHECK (quality BETWEEN 0 AND 1),
    PRIMARY KEY (session_id, t_s)
) WITHOUT ROWID""",
        """CREATE TABLE events (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t_s REAL NOT NULL,
    kind TEXT NOT NULL,
    region TEXT,
    side TEXT CHECK (side IN ('left', 'right')),
    text TEXT NOT NULL DEFAULT '',
    duration_s REAL,
    amplitude REAL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID""",
        """CREATE TABLE journal (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
    pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10),
    note TEXT NOT NULL DEFAULT ''
)""",
        """CREATE TABLE journal_tags (
    session_id INTEGER NOT NULL REFERENCES journal (session_id) ON DELETE CASCADE,
    tag TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 32),
    PRIMARY KEY (session_id, tag)
) WITHOUT ROWID""",
    )


def _v2() -> tuple[str, ...]:
    """Version 2: the person's settings and what the tool has told them once (the first-run
    notice), as short texts by key. Frozen. Not exported: they belong to this computer."""
    return (
        """CREATE TABLE settings (
    key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),
    value TEXT NOT NULL CHECK (length(value) <= 500)
) WITHOUT ROWID""",
    )


def _v3() -> tuple[str, ...]:
    """Version 3: the guided massage. Its length, and the resting measurement after it (the
    measures' columns spelt out, as in _v1). Its steps and pain reports are events (kinds
    "massage" and "pain"), its seconds samples (phase "after_massage"). Frozen."""
    regions = ("brow", "eye", "mouth_corner", "mouth_excursion", "nose")
    tension = ("brow", "eye", "cheek", "mouth", "chin", "jaw")
    measures = (
        [f"{r}_diff_mm" for r in regions]
        + [f"{r}_{s}_tension" for r in tension for s in ("left", "right")]
        + ["asymmetry_index", "tension_index"]
    )
    return ("ALTER TABLE sessions ADD COLUMN massage_s REAL CHECK (massage_s >= 0)",) + tuple(
        f"ALTER TABLE sessions ADD COLUMN after_massage_{m} REAL" for m in measures
    )


def _v4() -> tuple[str, ...]:
    """Version 4: the weekly movement check (check_types.CheckResult). One row per check, one
    per movement found in it, and its per-frame traces at a coarse rate, each keyed to its
    check as samples and events are to their session. The features are spelt out here, as the
    regions are in _v1. Lists of movements (missing, the order found) and a movement's
    repetitions (times: "start-end" in seconds, joined by ';') are short texts. Ranges, movement
    names and grades are checked in code (logcheck.check_check_tables), so a new movement or a
    new grade scale needs no migration. Frozen."""
    features = ("brow", "eye", "corner_up", "corner_out", "alar", "lip")
    per_side = [f"{f}_{s}_mm" for f in features for s in ("left", "right")]
    rest = ",\n".join(f"    rest_{c} REAL" for c in per_side)
    trace = ",\n".join(f"    {c} REAL" for c in per_side)
    return (
        f"""CREATE TABLE checks (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    started_utc TEXT NOT NULL,
    started_local TEXT NOT NULL,
    tz TEXT NOT NULL,
    duration_s REAL NOT NULL CHECK (duration_s >= 0),
    frames INTEGER NOT NULL CHECK (frames >= 0),
    measured INTEGER NOT NULL CHECK (measured BETWEEN 0 AND frames),
    rest_s REAL NOT NULL CHECK (rest_s >= 0),
    in_order INTEGER NOT NULL CHECK (in_order IN (0, 1)),
    missing TEXT NOT NULL DEFAULT '',
    order_found TEXT NOT NULL DEFAULT '',
    score_voluntary INTEGER,
    score_synkinesis INTEGER,
    score_resting INTEGER,
    score_composite INTEGER,
    score_dynamic REAL,
    app_version TEXT NOT NULL,
    model_sha256 TEXT,
{rest}
)""",
        "CREATE INDEX checks_by_start ON checks (started_utc)",
        """CREATE TABLE check_movements (
    check_id INTEGER NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL CHECK (seq >= 1),
    movement TEXT NOT NULL,
    times TEXT NOT NULL DEFAULT '',
    excursion_left_mm REAL,
    excursion_right_mm REAL,
    ratio REAL,
    weaker TEXT CHECK (weaker IN ('left', 'right')),
    grade INTEGER NOT NULL,
    synkinesis_watched TEXT NOT NULL,
    synkinesis_left_mm REAL,
    synkinesis_right_mm REAL,
    synkinesis_left_pct REAL,
    synkinesis_right_pct REAL,
    synkinesis_left_grade INTEGER NOT NULL,
    synkinesis_right_grade INTEGER NOT NULL,
    closure_left REAL,
    closure_right REAL,
    lids_meet_left INTEGER CHECK (lids_meet_left IN (0, 1)),
    lids_meet_right INTEGER CHECK (lids_meet_right IN (0, 1)),
    PRIMARY KEY (check_id, seq),
    UNIQUE (check_id, movement)
) WITHOUT ROWID""",
        f"""CREATE TABLE check_traces (
    check_id INTEGER NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    t_s REAL NOT NULL CHECK (t_s >= 0),
    movement TEXT,
{trace},
    PRIMARY KEY (check_id, t_s)
) WITHOUT ROWID""",
    )


# MIGRATIONS[v - 1] takes the schema to version v
MIGRATIONS: tuple[tuple[str, ...], ...] = (_v1(), _v2(), _v3(), _v4())
SCHEMA_VERSION = len(MIGRATIONS)
# The oldest schema a read-only open still reads: a migration that only adds tables leaves
# every query of the older ones working (a missing table reads as empty), so history, export
# and the report work on an old log without upgrading it.
MIN_READABLE_VERSION = 1


CHECK_TABLES = {"checks": CHECK_COLUMNS, "check_movements": CHECK_MOVEMENT_COLUMNS, "check_traces": CHECK_TRACE_COLUMNS}


def read_compat(version: int) -> tuple[str, ...]:
    """For a read-only open of an older log (which must not be changed): temporary views that
    give its tables the columns later versions added, empty, and stand in, empty, for the
    tables it does not have yet. Unqualified names find the temp schema first, so every query
    reads through them."""
    out = []
    if version < 3:
        added = ", ".join(f"NULL AS {c}" for c in _MASSAGE_COLUMNS)
        out.append(f"CREATE TEMP VIEW sessions AS SELECT *, {added} FROM main.sessions")
    if version < 4:
        for name, columns in CHECK_TABLES.items():
            out.append(
                f"CREATE TEMP VIEW {name} ({', '.join(columns)}) AS SELECT {', '.join('NULL' for _ in columns)} WHERE 0"
            )
    return tuple(out)


# -- the export's tables ------------------------------------------------------------------
# Every table's columns and types: i integer, r real (written with DECIMALS), t text; a
# trailing ? when it may be NULL. A nullable text column never holds '' (so an empty CSV
# cell means NULL); a text column that is never NULL uses '' for nothing.
EXPORT_TYPES = {
    "baselines": (("baseline_id", "i"), ("taken_utc", "t"), ("source", "t"), ("frames", "i"), ("data", "t")),
    "sessions": (
        ("session_id", "i"),
        ("kind", "t"),
        ("source", "t"),
        ("started_utc", "t"),
        ("started_local", "t"),
        ("tz", "t"),
        ("ended_utc", "t?"),
        ("duration_s", "r?"),
        ("completed", "i"),
        ("interrupted", "i"),
        ("app_version", "t"),
        ("model_sha256", "t?"),
        ("baseline_id", "i?"),
        ("twitches", "i?"),
        ("relaxed_s", "r?"),
        ("relax_s", "r?"),
        *((c, "r?") for c in SESSION_COLUMNS[SESSION_COLUMNS.index("relax_s") + 1 :]),
        ("pain_before", "i?"),
        ("pain_after", "i?"),
        ("tags", "t"),
        ("note", "t"),
    ),
    "samples": (
        ("session_id", "i"),
        ("t_s", "r"),
        ("phase", "t?"),
        *((c, "r?") for c in MEASURE_COLUMNS),
        ("quality", "r?"),
    ),
    "events": (
        ("session_id", "i"),
        ("seq", "i"),
        ("t_s", "r"),
        ("kind", "t"),
        ("region", "t?"),
        ("side", "t?"),
        ("text", "t"),
        ("duration_s", "r?"),
        ("amplitude", "r?"),
    ),
    "checks": (
        ("check_id", "i"),
        ("source", "t"),
        ("started_utc", "t"),
        ("started_local", "t"),
        ("tz", "t"),
        ("duration_s", "r"),
        ("frames", "i"),
        ("measured", "i"),
        ("rest_s", "r"),
        ("in_order", "i"),
        ("missing", "t"),
        ("order_found", "t"),
        *((c, "r?" if c == "score_dynamic" else "i?") for c in CHECK_SCORE_COLUMNS),
        ("app_version", "t"),
        ("model_sha256", "t?"),
        *((c, "r?") for c in CHECK_REST_COLUMNS),
    ),
    "check_movements": (
        ("check_id", "i"),
        ("seq", "i"),
        ("movement", "t"),
        ("times", "t"),
        ("excursion_left_mm", "r?"),
        ("excursion_right_mm", "r?"),
        ("ratio", "r?"),
        ("weaker", "t?"),
        ("grade", "i"),
        ("synkinesis_watched", "t"),
        ("synkinesis_left_mm", "r?"),
        ("synkinesis_right_mm", "r?"),
        ("synkinesis_left_pct", "r?"),
        ("synkinesis_right_pct", "r?"),
        ("synkinesis_left_grade", "i"),
        ("synkinesis_right_grade", "i"),
        ("closure_left", "r?"),
        ("closure_right", "r?"),
        ("lids_meet_left", "i?"),
        ("lids_meet_right", "i?"),
    ),
    "check_traces": (("check_id", "i"), ("t_s", "r"), ("movement", "t?"), *((c, "r?") for c in CHECK_FEATURE_COLUMNS)),
}
EXPORT_COLUMNS = {name: tuple(c for c, _ in cols) for name, cols in EXPORT_TYPES.items()}
# Columns newer exports have and version 1's lack: an old export reads them as missing.
ADDED_SINCE_V1 = {"sessions": _MASSAGE_COLUMNS}
# Tables by the export version that added them: an older export has none of them (read as empty).
TABLES_ADDED_IN = {"checks": 3, "check_movements": 3, "check_traces": 3}
# baselines, sessions, samples, events, checks, check_movements, check_traces: the order rows refer back
EXPORT_TABLES = tuple(EXPORT_TYPES)
