"""Reading the log for history, the journal and the report, the journal's and baselines'
small writes, and forgetting sessions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from . import baselines as baseline_codec
from .baselines import Baseline
from .errors import LogBusyError, StorageError, UnknownSessionError
from .logdb import _guard
from .loglock import writer_pid
from .logrecords import (
    BUILTIN_TAGS,
    KEEP,
    MEASURE_COLUMNS,
    PHASES,
    EventRow,
    Journal,
    Measures,
    SampleRow,
    SessionRecord,
    iso_utc,
    parse_time,
    validate_note,
    validate_pain,
    validate_tag,
)
from .logschema import EVENT_COLUMNS, SAMPLE_COLUMNS, SESSION_COLUMNS


class Queries:
    """storage.Log's reads and small edits (a mixin over logdb.LogBase)."""

    # -- baselines ---------------------------------------------------------------------
    def save_baseline(self, b: Baseline) -> int:
        """Keep a relaxed reference; returns its id (the same id for the same baseline)."""
        row = (iso_utc(parse_time(b.taken_at)), b.source, int(b.frames), baseline_codec.to_data(b))
        with self._transaction("save the baseline") as c:
            found = c.execute(
                "SELECT id FROM baselines WHERE taken_utc = ? AND source = ? AND frames = ? AND data = ?", row
            ).fetchone()
            if found:
                return found[0]
            return c.execute(
                "INSERT INTO baselines (taken_utc, source, frames, data) VALUES (?, ?, ?, ?)", row
            ).lastrowid

    def baselines(self) -> list[tuple[int, Baseline]]:
        """Every baseline, oldest first, with its id."""
        with self._reading("read the baselines") as c:
            rows = c.execute(
                "SELECT id, taken_utc, source, frames, data FROM baselines ORDER BY taken_utc, id"
            ).fetchall()
        out = []
        for r in rows:
            try:
                out.append((r[0], baseline_codec.from_data(*r[1:])))
            except ValueError as exc:
                raise StorageError(
                    f"baseline {r[0]} in the log {self.path} is damaged ({exc}): measure with "
                    "--no-baseline, or run `facetension calibrate` for a new one"
                ) from None
        return out

    def latest_baseline(self) -> Baseline | None:
        found = self.baselines()
        return found[-1][1] if found else None

    def latest_baseline_id(self) -> int | None:
        found = self.baselines()
        return found[-1][0] if found else None

    # -- journal -----------------------------------------------------------------------
    def set_journal(self, session_id: int, pain_before=KEEP, pain_after=KEEP, tags=KEEP, note=KEEP) -> Journal:
        """Add or edit a session's journal entry. Fields given as KEEP stay as they are. An
        entry left with nothing in it is removed. Returns the entry as stored."""
        with self._transaction("save the journal") as c:
            self._require_session(session_id)
            old = self._journal(session_id)
            new = Journal(
                old.pain_before if pain_before is KEEP else validate_pain(pain_before, "pain before"),
                old.pain_after if pain_after is KEEP else validate_pain(pain_after, "pain after"),
                old.tags if tags is KEEP else tuple(sorted({validate_tag(t) for t in tags})),
                old.note if note is KEEP else validate_note(note),
            )
            c.execute("DELETE FROM journal WHERE session_id = ?", (session_id,))
            if new != Journal():
                c.execute(
                    "INSERT INTO journal (session_id, pain_before, pain_after, note) VALUES (?, ?, ?, ?)",
                    (session_id, new.pain_before, new.pain_after, new.note),
                )
                c.executemany(
                    "INSERT INTO journal_tags (session_id, tag) VALUES (?, ?)", [(session_id, t) for t in new.tags]
                )
        return new

    def journal(self, session_id: int) -> Journal:
        with self._reading("read the journal"):
            self._require_session(session_id)
            return self._journal(session_id)

    def _journal(self, session_id: int) -> Journal:
        c = self._conn
        row = c.execute(
            "SELECT pain_before, pain_after, note FROM journal WHERE session_id = ?", (session_id,)
        ).fetchone()
        if row is None:
            return Journal()
        tags = tuple(
            t for (t,) in c.execute("SELECT tag FROM journal_tags WHERE session_id = ? ORDER BY tag", (session_id,))
        )
        return Journal(row[0], row[1], tags, row[2])

    def known_tags(self) -> tuple[str, ...]:
        """The built-in tags, then the user's own (any tag used before), alphabetically."""
        with self._reading("read the tags") as c:
            used = [t for (t,) in c.execute("SELECT DISTINCT tag FROM journal_tags ORDER BY tag")]
        return BUILTIN_TAGS + tuple(t for t in used if t not in BUILTIN_TAGS)

    # -- settings --------------------------------------------------------------------
    def setting(self, key: str) -> str | None:
        """A setting's value, or None (also on an older log read as it is, without the table)."""
        with self._reading("read the settings") as c:
            if not c.execute("SELECT 1 FROM sqlite_master WHERE name = 'settings'").fetchone():
                return None
            row = c.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self._transaction("save a setting") as c:
            c.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                "value = excluded.value",
                (key, value),
            )

    def _require_session(self, session_id: int) -> None:
        if not self._conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
            raise UnknownSessionError(f"there is no session {session_id} in the log {self.path}")

    # -- reading -----------------------------------------------------------------------
    def latest_session_id(self) -> int | None:
        with self._reading("read the sessions") as c:
            row = c.execute("SELECT id FROM sessions ORDER BY started_utc DESC, id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def sessions(
        self, since: date | None = None, limit: int | None = None, ids: Iterable[int] | None = None
    ) -> list[SessionRecord]:
        """Sessions, newest first, with their summaries and journal. since: sessions started on
        or after that local date."""
        where, params = [], []
        if since is not None:
            where.append("substr(s.started_local, 1, 10) >= ?")
            params.append(since.isoformat())
        if ids is not None:
            ids = [int(i) for i in ids]
            where.append(f"s.id IN ({', '.join('?' * len(ids))})")
            params += ids
        sql = (
            f"SELECT {', '.join('s.' + c for c in SESSION_COLUMNS)}, j.pain_before, j.pain_after, j.note "
            f"FROM sessions s LEFT JOIN journal j ON j.session_id = s.id "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY s.started_utc DESC, s.id DESC"
            + (f" LIMIT {int(limit)}" if limit is not None else "")
        )
        with self._reading("read the sessions") as c:
            rows = c.execute(sql, params).fetchall()
            tags: dict[int, list[str]] = {}
            for sid, tag in c.execute("SELECT session_id, tag FROM journal_tags ORDER BY session_id, tag"):
                tags.setdefault(sid, []).append(tag)
            counts = {
                sid: (n, last)
                for sid, n, last in c.execute("SELECT session_id, count(*), max(t_s) FROM samples GROUP BY session_id")
            }
        live = writer_pid(self.path) is not None or self._active is not None
        out = []
        for r in rows:
            v = dict(zip(SESSION_COLUMNS, r))
            seconds, last = counts.get(v["id"], (0, None))
            duration = v["duration_s"]
            if v["completed"]:
                status = "completed"
            elif v["ended_utc"] is None:  # being recorded, or its process died (marked on the next write)
                status = "running" if live else "interrupted"
                duration = last
            else:
                status = "interrupted" if v["interrupted"] else "stopped"
            out.append(
                SessionRecord(
                    v["id"],
                    v["kind"],
                    v["source"],
                    v["started_utc"],
                    v["started_local"],
                    v["tz"],
                    v["ended_utc"],
                    duration,
                    status,
                    v["app_version"],
                    v["model_sha256"],
                    v["baseline_id"],
                    v["twitches"],
                    v["relaxed_s"],
                    v["relax_s"],
                    *(Measures.from_values([v[f"{p}_{c}"] for c in MEASURE_COLUMNS]) for p in PHASES),
                    v["massage_s"],
                    Journal(r[-3], r[-2], tuple(tags.get(v["id"], ())), r[-1] or ""),
                    seconds,
                )
            )
        return out

    def session(self, session_id: int) -> SessionRecord:
        found = self.sessions(ids=[session_id])
        if not found:
            raise UnknownSessionError(f"there is no session {session_id} in the log {self.path}")
        return found[0]

    def samples(self, session_id: int) -> list[SampleRow]:
        with self._reading("read the samples") as c:
            rows = c.execute(
                f"SELECT {', '.join(SAMPLE_COLUMNS[1:])} FROM samples WHERE session_id = ? ORDER BY t_s", (session_id,)
            ).fetchall()
        return [SampleRow(r[0], Measures.from_values(r[2:-1]) or Measures(), r[-1], r[1]) for r in rows]

    def events(self, session_id: int) -> list[EventRow]:
        with self._reading("read the events") as c:
            rows = c.execute(
                f"SELECT {', '.join(EVENT_COLUMNS[2:])} FROM events WHERE session_id = ? ORDER BY seq", (session_id,)
            ).fetchall()
        return [EventRow(*r) for r in rows]

    def before_half_gaps(self, session_ids: Iterable[int]) -> dict[int, float]:
        """Per session: mean asymmetry index over the first half of its 'before' seconds minus
        over the second half. The spread of these differences is the measurement's own
        repeatability (the report's minimal detectable change). One query for all sessions."""
        ids = [int(i) for i in session_ids]
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        with self._reading("read the samples") as c:
            rows = c.execute(
                f"""SELECT s.session_id,
                           avg(CASE WHEN s.t_s < m.mid THEN s.asymmetry_index END)
                         - avg(CASE WHEN s.t_s >= m.mid THEN s.asymmetry_index END)
                    FROM samples s JOIN (SELECT session_id, (min(t_s) + max(t_s)) / 2 AS mid FROM samples
                                         WHERE phase = 'before' AND session_id IN ({marks})
                                         GROUP BY session_id) m ON m.session_id = s.session_id
                    WHERE s.phase = 'before' GROUP BY s.session_id""",
                ids,
            ).fetchall()
        return {sid: gap for sid, gap in rows if gap is not None}

    # -- forgetting --------------------------------------------------------------------
    def forget(self, session_ids: Iterable[int] | None) -> int:
        """Delete sessions (None: all of them) with their samples, events and journal; the
        baselines stay. Deleted rows are overwritten (secure_delete) and the -wal emptied, so
        they are gone from the files too. Returns how many sessions were deleted."""
        self._start_forgetting()
        with self._transaction("forget sessions") as c:
            if session_ids is None:
                ids = [i for (i,) in c.execute("SELECT id FROM sessions")]
            else:
                ids = sorted({int(i) for i in session_ids})
                present = {
                    i for (i,) in c.execute(f"SELECT id FROM sessions WHERE id IN ({', '.join('?' * len(ids))})", ids)
                }
                missing = [i for i in ids if i not in present]
                if missing:
                    raise UnknownSessionError(
                        f"there is no session {', '.join(map(str, missing))} in the log "
                        f"{self.path}; nothing was deleted"
                    )
            live = [i for (i,) in c.execute("SELECT id FROM sessions WHERE ended_utc IS NULL")]
            if live and (writer_pid(self.path) is not None or self._active is not None):
                busy = [i for i in ids if i in live]
                if busy:
                    raise LogBusyError(
                        f"session {busy[0]} is being recorded right now: finish it first; nothing was deleted"
                    )
            _delete(c, "sessions", ids)
        self._forgotten()
        return len(ids)

    def forget_checks(self, check_ids: Iterable[int] | None) -> int:
        """Delete movement checks (None: all of them) with their movements and traces, as
        forget does sessions (overwritten, the -wal emptied). Returns how many."""
        self._start_forgetting()
        with self._transaction("forget movement checks") as c:
            have = [i for (i,) in c.execute("SELECT id FROM checks")]
            ids = have if check_ids is None else sorted({int(i) for i in check_ids})
            missing = [i for i in ids if i not in set(have)]
            if missing:
                raise UnknownSessionError(
                    f"there is no movement check {', '.join(map(str, missing))} in the log {self.path}; "
                    "nothing was deleted"
                )
            _delete(c, "checks", ids)
        self._forgotten()
        return len(ids)

    def _start_forgetting(self) -> None:
        """Deleted rows are overwritten (secure_delete), not only unlinked."""
        if self._conn is None or self.readonly:
            raise ValueError("forget needs a log opened for writing")
        with _guard(self.path, "forget"):
            self._conn.execute("PRAGMA secure_delete = ON")

    def _forgotten(self) -> None:
        """The -wal emptied, so forgotten rows are gone from the files too."""
        with _guard(self.path, "forget"):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def check_count(self) -> int:
        with self._reading("read the movement checks") as c:
            return int(c.execute("SELECT count(*) FROM checks").fetchone()[0])

    # -- the habit ---------------------------------------------------------------------
    def practice_days(self) -> list[date]:
        """The local dates (the person's own calendar then: started_local) on which a practice
        session began with some of it recorded, a finished one's duration or a second of
        samples, stopped early or not: each once, oldest first. For habit.habit_from."""
        with self._reading("read the sessions") as c:
            rows = c.execute(
                "SELECT DISTINCT substr(s.started_local, 1, 10) AS day FROM sessions s "
                "WHERE s.kind = 'practice' AND (s.duration_s > 0 "
                "OR EXISTS (SELECT 1 FROM samples WHERE session_id = s.id)) ORDER BY day"
            ).fetchall()
        days = []
        for (day,) in rows:
            try:
                days.append(date.fromisoformat(day))
            except (TypeError, ValueError):  # a damaged start time: the habit line is no place to say so
                continue
        return days

    # -- the regions' repeatability (the report's MDC95 in mm) ---------------------------
    def before_half_gaps_by_region(self, session_ids: Iterable[int]) -> dict[int, dict[str, float]]:
        """Per session and region: the mean left − right difference over the first half of its
        'before' seconds minus over the second half, as before_half_gaps does for the index."""
        ids = [int(i) for i in session_ids]
        if not ids:
            return {}
        regions = [c.removesuffix("_diff_mm") for c in MEASURE_COLUMNS if c.endswith("_diff_mm")]
        halves = ", ".join(
            f"avg(CASE WHEN s.t_s < m.mid THEN s.{r}_diff_mm END) "
            f"- avg(CASE WHEN s.t_s >= m.mid THEN s.{r}_diff_mm END)"
            for r in regions
        )
        out: dict[int, dict[str, float]] = {}
        with self._reading("read the samples") as c:
            for chunk in range(0, len(ids), 500):  # SQLite's limit on parameters
                part = ids[chunk : chunk + 500]
                marks = ", ".join("?" * len(part))
                rows = c.execute(
                    f"""SELECT s.session_id, {halves}
                        FROM samples s JOIN (SELECT session_id, (min(t_s) + max(t_s)) / 2 AS mid FROM samples
                                             WHERE phase = 'before' AND session_id IN ({marks})
                                             GROUP BY session_id) m ON m.session_id = s.session_id
                        WHERE s.phase = 'before' GROUP BY s.session_id""",
                    part,
                ).fetchall()
                for sid, *gaps in rows:
                    found = {r: g for r, g in zip(regions, gaps) if g is not None}
                    if found:
                        out[sid] = found
        return out

    # -- blinks (the report's blink symmetry) ------------------------------------------
    def blink_rows(self, session_ids: Iterable[int]) -> tuple[list[tuple], dict[int, float]]:
        """Every "blink" event of these sessions as plain numbers, ordered by session and
        then as logged: (session_id, t_s, side, duration_s, amplitude), side 0 for left, 1
        for right, None for neither; and per session with a blink, the seconds its eyes were
        watched (its samples' quality summed). What blinks.logged_summary reads from
        Log.events and Log.samples, for all sessions in one query each: a report over two
        years reads some 175,000 such rows, too many to make an EventRow of each."""
        ids = sorted({int(i) for i in session_ids})  # the rows in session order, chunk after chunk
        rows: list[tuple] = []
        watched: dict[int, float] = {}
        with self._reading("read the blinks") as c:
            for chunk in range(0, len(ids), 500):  # SQLite's limit on parameters
                part = ids[chunk : chunk + 500]
                rows += c.execute(
                    "SELECT session_id, t_s, CASE side WHEN 'left' THEN 0 WHEN 'right' THEN 1 END, duration_s, "
                    f"amplitude FROM events WHERE kind = 'blink' AND session_id IN ({', '.join('?' * len(part))}) "
                    "ORDER BY session_id, seq",
                    part,
                ).fetchall()
            found = sorted({r[0] for r in rows})
            for chunk in range(0, len(found), 500):
                part = found[chunk : chunk + 500]
                watched.update(
                    c.execute(
                        f"SELECT session_id, total(quality) FROM samples WHERE session_id IN "
                        f"({', '.join('?' * len(part))}) GROUP BY session_id",
                        part,
                    ).fetchall()
                )
        return rows, watched


DELETE_CHUNK = 500  # SQLite's limit on a statement's parameters is 999 in older builds


def _delete(c, table: str, ids: list[int]) -> None:
    """Delete rows by id (their dependent rows go with them: ON DELETE CASCADE)."""
    for chunk in range(0, len(ids), DELETE_CHUNK):
        part = ids[chunk : chunk + DELETE_CHUNK]
        c.execute(f"DELETE FROM {table} WHERE id IN ({', '.join('?' * len(part))})", part)
