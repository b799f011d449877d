"""The practice loop's recorder into the log: the session's rows and events go into the log
as they happen, typed as they came, so whatever stops a session, what it recorded is saved."""

from __future__ import annotations

from .errors import StorageError
from .logrecords import EVENT_KINDS, EventRow, SampleRow
from .practice_words import Phase
from .session import Event, PracticeSession
from .storage import Log


class LogRecorder:
    """live.Recorder for a session being recorded in the log. When the log stops accepting
    writes (a full disk, a failing one), the session goes on unrecorded: the person is
    guided to its end and shown its summary, and `failure` says why the rest was not saved
    (what was saved before stays: the log recovers the session as interrupted)."""

    def __init__(self, log: Log, session_id: int, session: PracticeSession):
        self.log = log
        self.session_id = session_id
        self.session = session
        self.failure: StorageError | None = None

    def second(self, row: SampleRow) -> None:
        self._write(self.log.add_sample, self.session_id, row)

    def event(self, e: Event) -> None:
        if e.logged and self.failure is None:
            self._write(self._event, e)

    def _write(self, write, *args) -> None:
        if self.failure is not None:
            return
        try:
            write(*args)
        except StorageError as exc:
            self.failure = exc

    def _event(self, e: Event) -> None:
        if e.phase in (Phase.MASSAGE, Phase.RELAX):
            # The 'before' window has just ended: keep it now, in case the session is cut short.
            before = self.session.summary().before
            if before is not None:
                self.log.save_before(self.session_id, before)
        kind = e.kind if e.kind in EVENT_KINDS else "warning"
        duration = e.duration_s if e.twitch is None else e.twitch.duration_s
        amplitude = e.amplitude if e.twitch is None else e.twitch.amplitude
        self.log.add_event(
            self.session_id, EventRow(max(e.t_s, 0.0), kind, e.region, e.side, e.text, duration, amplitude)
        )
