"""Recording a session into the log: its rows and events committed as they come (a kill
loses at most the second being measured), its summary at the end."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .errors import LogBusyError
from .logdb import LOCK_WAIT_S, _guard
from .loglock import writer_pid
from .logrecords import (
    KINDS,
    MAX_TEXT_CHARS,
    MEASURE_COLUMNS,
    QUALITY_DECIMALS,
    TENSION_DECIMALS,
    TIME_DECIMALS,
    EventRow,
    Measures,
    SampleRow,
    SessionSummary,
    aware,
    iso_utc,
    stored_number,
    utc_offset,
)
from .logschema import CHECK_COLUMNS, CHECK_MOVEMENT_COLUMNS, CHECK_TRACE_COLUMNS, EVENT_COLUMNS, SAMPLE_COLUMNS

FLUSH_INTERVAL_S = 1.0  # events with no sample after them are committed once the clock is this far on


@dataclass
class _Active:
    """The session this Log is recording: its unsaved rows and the session clock."""

    id: int
    started: datetime
    samples: list = field(default_factory=list)
    events: list = field(default_factory=list)
    last_sample_t: float | None = None
    now: float = 0.0  # latest session time seen
    oldest: float = math.inf  # session time of the oldest row not committed yet
    seq: int = 0


INSERT_SAMPLE = f"INSERT INTO samples ({', '.join(SAMPLE_COLUMNS)}) VALUES ({', '.join('?' * len(SAMPLE_COLUMNS))})"
INSERT_EVENT = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


# The movement check's rows, written whole at once by checklog.save_check and by imports (a
# check's id NULL: the next free one).
INSERT_CHECK = _insert("checks", CHECK_COLUMNS)
INSERT_CHECK_MOVEMENT = _insert("check_movements", CHECK_MOVEMENT_COLUMNS)
INSERT_CHECK_TRACE = _insert("check_traces", CHECK_TRACE_COLUMNS)


class SessionWriting:
    """storage.Log's session recording (a mixin over logdb.LogBase)."""

    # -- recording a session -----------------------------------------------------------
    def start_session(
        self,
        kind: str,
        source: str,
        started_utc: datetime,
        tz_name: str,
        app_version: str,
        model_sha256: str | None = None,
        baseline_id: int | None = None,
        *,
        utc_offset_min: int | None = None,
    ) -> int:
        """Begin recording; returns the session's id. LogBusyError if another process is
        recording one. tz_name: an IANA name (its offset is looked up) or any name with
        utc_offset_min (see local_timezone())."""
        if self._active is not None:
            raise ValueError(f"session {self._active.id} is still being recorded: finish it first")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if len(source) > MAX_TEXT_CHARS:
            raise ValueError(f"source longer than {MAX_TEXT_CHARS} characters")
        started = aware(started_utc, "started_utc")
        offset = utc_offset(started, tz_name, utc_offset_min)
        local = started.astimezone(timezone(timedelta(minutes=offset))).isoformat(timespec="milliseconds")
        if self.readonly:
            raise ValueError("cannot start a session: the log was opened read-only")
        with _guard(self.path, "start a session"):
            got = self._lock.acquire(LOCK_WAIT_S)
        if not got:
            raise LogBusyError(self._busy_message())
        try:
            self._mark_unfinished()  # we hold the lock: any unfinished session is a dead process's
            with self._transaction("start a session") as c:
                sid = c.execute(
                    "INSERT INTO sessions (kind, source, started_utc, started_local, tz, app_version, "
                    "model_sha256, baseline_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (kind, source, iso_utc(started), local, tz_name, app_version, model_sha256 or None, baseline_id),
                ).lastrowid
        except BaseException:
            self._lock.release()
            raise
        self._active = _Active(sid, started)
        return sid

    def _busy_message(self) -> str:
        pid = writer_pid(self.path)
        running = None
        try:
            running = self._conn.execute(
                "SELECT id, started_local FROM sessions WHERE ended_utc IS NULL ORDER BY id DESC LIMIT 1"
            ).fetchone()
        except sqlite3.Error:
            pass
        what = f"session {running[0]}, started {running[1][:16].replace('T', ' ')}" if running else "a session"
        who = f" by process {pid}" if pid else ""
        return f"a session is already being recorded ({what}{who}) in {self.path}: finish it before starting another"

    def _require_active(self, session_id: int) -> _Active:
        if self._active is None or self._active.id != session_id:
            raise ValueError(f"session {session_id} is not being recorded by this log")
        return self._active

    def add_sample(self, session_id: int, row: SampleRow) -> None:
        """Commit one second's row now, with the events waiting. Times must increase. If the
        commit fails, the rows stay buffered for the next try and the error is raised."""
        a = self._require_active(session_id)
        t = stored_number(row.t_s, TIME_DECIMALS)
        if a.last_sample_t is not None and t <= a.last_sample_t:
            raise ValueError(f"sample times must increase: {t} after {a.last_sample_t}")
        a.samples.append(
            (session_id, t, row.phase, *row.measures.values(), stored_number(row.quality, QUALITY_DECIMALS))
        )
        a.last_sample_t = t
        a.now = max(a.now, t)
        self.flush()

    def add_event(self, session_id: int, event: EventRow) -> None:
        """Buffer an event (a twitch is reported after it ends, so its time may be in the past)."""
        a = self._require_active(session_id)
        a.seq += 1
        a.events.append(
            (
                session_id,
                a.seq,
                stored_number(event.t_s, TIME_DECIMALS),
                event.kind,
                event.region,
                event.side,
                event.text,
                stored_number(event.duration_s, TIME_DECIMALS),
                stored_number(event.amplitude, TENSION_DECIMALS),
            )
        )
        self._tick(a, event.t_s)

    def _tick(self, a: _Active, t: float) -> None:
        a.now = max(a.now, t)
        a.oldest = min(a.oldest, t)
        if a.now - a.oldest >= FLUSH_INTERVAL_S:
            self.flush()

    @property
    def unsaved_samples(self) -> int:
        """Samples added but not committed yet (0 unless a commit failed)."""
        return len(self._active.samples) if self._active else 0

    def flush(self) -> None:
        """Commit the buffered rows now. On failure they stay buffered and the error is raised."""
        a = self._active
        if a is None or not (a.samples or a.events):
            return
        with self._transaction("save the session") as c:
            c.executemany(INSERT_SAMPLE, a.samples)
            c.executemany(INSERT_EVENT, a.events)
        a.samples.clear()
        a.events.clear()
        a.oldest = math.inf

    def save_before(self, session_id: int, before: Measures) -> None:
        """Store the 'before' summary as soon as it is known, so an interrupted session keeps it."""
        self._require_active(session_id)
        cols = ", ".join(f"before_{c} = ?" for c in MEASURE_COLUMNS)
        with self._transaction("save the session's starting point") as c:
            c.execute(f"UPDATE sessions SET {cols} WHERE id = ?", (*before.values(), session_id))

    def finish_session(
        self, session_id: int, ended_utc: datetime, completed: bool, summary: SessionSummary | None = None
    ) -> None:
        """Save the rest, the end and the summary, and let another session start.
        completed False: the user stopped early (status 'stopped')."""
        a = self._require_active(session_id)
        ended = aware(ended_utc, "ended_utc")
        duration = (ended - a.started).total_seconds()
        if duration < 0:
            raise ValueError(f"the session ends ({ended}) before it starts ({a.started})")
        summary = summary or SessionSummary()
        self.flush()
        sets, values = (
            ["ended_utc = ?", "duration_s = ?", "completed = ?", "interrupted = 0"],
            [iso_utc(ended), stored_number(duration, TIME_DECIMALS), int(bool(completed))],
        )
        for phase, m in (
            ("before", summary.before),
            ("after", summary.after),
            ("after_massage", summary.after_massage),
        ):
            if m is not None:
                sets += [f"{phase}_{col} = ?" for col in MEASURE_COLUMNS]
                values += m.values()
        for name in ("relaxed_s", "relax_s", "massage_s"):
            if getattr(summary, name) is not None:
                sets.append(f"{name} = ?")
                values.append(stored_number(getattr(summary, name), TIME_DECIMALS))
        if summary.twitches is not None:
            sets.append("twitches = ?")
            values.append(int(summary.twitches))
        else:
            sets.append("twitches = (SELECT count(*) FROM events WHERE session_id = ? AND kind = 'twitch')")
            values.append(session_id)
        with self._transaction("finish the session") as c:
            c.execute(f"UPDATE sessions SET {', '.join(sets)} WHERE id = ?", (*values, session_id))
        self._active = None
        self._lock.release()
