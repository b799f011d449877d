"""Keeping the habit, gently: on how many of the last days a practice was done, how many
days in a row, and the report's calendar strip.

Pure: dates in, numbers and one sentence out. No clock (`today` comes in: the caller's local
date), no log (the days come from `Log.practice_days()`), no I/O.

What counts as a practised day: a local date (the person's own calendar then, the session's
`started_local`) on which a practice session began and some of it was recorded. A session
stopped after two minutes counts: that was practice too. A session at 23:30 counts for its
own evening, wherever the person is now. Several sessions on one day count once.

The window and the streak end on the same day: today once today has been practised, else
yesterday. So in the morning, before today's practice, the streak still stands and the count
does not drop; nothing reads as undone. Days after `today` (a flight west of where a session
was held) are kept in `practised` but counted in neither.

The tone: a count and a run of days, never what was not done. No sentence at all when the
window holds no practice (no "you missed", no "streak lost"); a run is mentioned from two
days on, since one day is not yet a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WINDOW_DAYS = 7  # "practised 5 of the last 7 days": a week is how people plan
STREAK_FROM = 2  # a run of days is mentioned from two days in a row
CALENDAR_WEEKS = 12  # the report's strip: about the span of its weekly trends
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)  # not the locale's: the report reads the same wherever it is made


@dataclass(frozen=True)
class Habit:
    today: date
    window_days: int  # the window: window_days days ending on window_end
    window_end: date  # today if today has been practised, else yesterday
    days_in_window: int  # practised days in the window
    streak_days: int  # practised days in a row ending on window_end (0: none)
    practised: tuple[date, ...]  # every practised day, oldest first, each once


def _day(d: date) -> date:
    # A datetime is a date too, but does not compare with one: keep its own calendar date.
    return d.date() if isinstance(d, datetime) else d


def habit_from(local_days: Iterable[date], today: date, window_days: int = WINDOW_DAYS) -> Habit:
    """The habit from the local dates practice sessions began on (repeats and any order are
    fine), seen on `today`."""
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ValueError(f"window_days must be a whole number of days, 1 or more, got {window_days!r}")
    today = _day(today)
    days = sorted({_day(d) for d in local_days})
    done = set(days)
    end = today if today in done else today - timedelta(days=1)
    start = end - timedelta(days=window_days - 1)
    streak = 0
    while end - timedelta(days=streak) in done:
        streak += 1
    return Habit(today, window_days, end, sum(start <= d <= end for d in days), streak, tuple(days))


def habit_sentence(h: Habit) -> str | None:
    """'Practised 5 of the last 7 days; 3 days in a row.' None when there is nothing kind to
    say (no practice in the window): the caller then says nothing."""
    if h.days_in_window == 0:
        return None
    if h.days_in_window == h.window_days:
        text = f"Practised on each of the last {h.window_days} days"
    else:
        text = f"Practised {h.days_in_window} of the last {h.window_days} days"
    if h.streak_days >= STREAK_FROM:
        text += f"; {h.streak_days} days in a row"
    return text + "."


def calendar_strip(days: Iterable[date], today: date, weeks: int = CALENDAR_WEEKS) -> list[tuple[date, bool]]:
    """Every day from a Monday to today, each with whether it was practised: the last `weeks`
    weeks (Monday to Sunday, today's week the last), or from the week of the first practised
    day if that is later, so the weeks before someone began are not shown as empty. Empty when
    no day in that span was practised."""
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise ValueError(f"weeks must be a whole number, 1 or more, got {weeks!r}")
    today = _day(today)
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    done = {d for d in map(_day, days) if first <= d <= today}
    if not done:
        return []
    start = max(first, min(done) - timedelta(days=min(done).weekday()))
    return [(d, d in done) for d in (start + timedelta(days=i) for i in range((today - start).days + 1))]


def day_label(d: date, practised: bool) -> str:
    """'Monday 2 March 2026: practised' (a strip cell's title and accessible name)."""
    return f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}: {'' if practised else 'not '}practised"


def habit_json(h: Habit, weeks: int = CALENDAR_WEEKS) -> dict:
    """The habit for --json and the report page: the numbers, the sentence (None: nothing to
    say), and the calendar strip as {"date", "practised"} from its first Monday to today."""
    return {
        "sentence": habit_sentence(h),
        "days_in_window": h.days_in_window,
        "window_days": h.window_days,
        "window_end": h.window_end.isoformat(),
        "streak_days": h.streak_days,
        "today": h.today.isoformat(),
        "calendar": [{"date": d.isoformat(), "practised": p} for d, p in calendar_strip(h.practised, h.today, weeks)],
    }
