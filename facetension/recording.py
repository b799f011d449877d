"""The practice loop's recorder into the log: the session's rows and events go into the log
as they happen, typed as they came, so whatever stops a session, what it recorded is saved."""

from __future__ import annotations

from .logrecords import EVENT_KINDS, EventRow, SampleRow
from .practice_words import Phase
from .session import Event, PracticeSession
from .storage import Log


class LogRecorder:
    """live.Recorder for a session being recorded in the log."""

    def __init__(self, log: Log, session_id: int, session: PracticeSession):
        self.log = log
        self.session_id = session_id
        self.session = session

    def second(self, row: SampleRow) -> None:
        self.log.add_sample(self.session_id, row)

    def event(self, e: Event) -> None:
        if not e.logged:
            return
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
