"""The practice loop's recorder into the log: session-logic rows and events become storage
rows as they happen, so whatever stops a session, what it recorded is already saved."""

from __future__ import annotations

from .session import Event, PracticeSession, SecondRow, Summary
from .storage import EVENT_KINDS, EventRow, Log, Measures, SampleRow, SessionSummary


def measures_of(phase_summary: dict) -> Measures | None:
    """A session's before or after window (session.Summary.before/after) as log measures."""
    if not phase_summary or (not phase_summary.get("asymmetry") and not phase_summary.get("tension")):
        return None
    tension = {(region, side): v for region, sides in phase_summary.get("tension", {}).items()
               for side, v in sides.items()}
    return Measures(phase_summary.get("asymmetry", {}), tension, phase_summary.get("asymmetry_index"),
                    phase_summary.get("index"))


def session_summary(s: Summary) -> SessionSummary:
    return SessionSummary(measures_of(s.before), measures_of(s.after), len(s.twitches), s.relaxed_s, s.relax_s)


class LogRecorder:
    """live.Recorder for a session being recorded in the log."""

    def __init__(self, log: Log, session_id: int, session: PracticeSession):
        self.log = log
        self.session_id = session_id
        self.session = session

    def second(self, row: SecondRow) -> None:
        m = Measures(row.diffs, row.tension, row.asymmetry_index, row.tension_index)
        self.log.add_sample(self.session_id, SampleRow(row.t_s, m, row.quality, row.phase))

    def event(self, e: Event) -> None:
        if e.kind == "phase" and e.text.startswith("Guided"):
            # The 'before' window has just ended: keep it now, in case the session is cut short.
            before = measures_of(self.session.summary().before)
            if before is not None:
                self.log.save_before(self.session_id, before)
        kind = e.kind if e.kind in EVENT_KINDS else "warning"
        duration = amplitude = None
        if e.kind == "twitch":
            twitch = next((t for t in reversed(self.session.summary().twitches)
                           if t.t_s == e.t_s and t.region == e.region), None)
            if twitch is not None:
                duration, amplitude = twitch.duration_s, twitch.amplitude
        self.log.add_event(self.session_id, EventRow(max(e.t_s, 0.0), kind, e.region, e.side, e.text,
                                                     duration, amplitude))
