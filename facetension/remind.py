"""The daily practice reminder, as text: an iCalendar file, systemd units, a crontab line, a
launchd plist, a scheduled task's command line, and the notification's own command. Pure: no
file, process or clock is touched here (times come in); remind_cli.py does the I/O."""

from __future__ import annotations

import plistlib
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

NAME = "facetension-reminder"  # the systemd units, the scheduled task, the calendar file
LAUNCHD_LABEL = "org.facetension.reminder"
ICS_FILENAME = f"{NAME}.ics"
TITLE = "facetension"
MESSAGE = "Time for your facetension practice"
HOW_TO_START = "Start it with: facetension practice"
ACTION_NAME = "practice"  # notify-send prints this when the person clicks the action
ACTION_LABEL = "Start the practice"
# The crontab line ends with this shell comment: `--off` removes exactly the lines that end so.
CRON_MARKER = "# facetension-reminder: added by 'facetension remind', removed by 'facetension remind --off'"
# The guided relaxation is 5 minutes by default, plus the checks and the two rests.
EVENT_MINUTES = 10
# Each written calendar file counts SEQUENCE up from here in whole minutes, so that an app which
# already holds the event (same UID) takes a re-imported file as its newer version.
_SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
MAX_SCHTASKS_COMMAND = 261  # schtasks /TR takes at most 261 characters

# ISO weekday (1 = Monday) → the names each format uses.
DAY_NAMES = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday", 6: "Saturday", 7: "Sunday"}
_SHORT = {d: n[:3].lower() for d, n in DAY_NAMES.items()}  # mon … sun: what --days takes
_ICS_DAY = {d: n[:2].upper() for d, n in DAY_NAMES.items()}  # MO … SU (RFC 5545 BYDAY)
_SYSTEMD_DAY = {d: n[:3] for d, n in DAY_NAMES.items()}  # Mon … Sun (systemd.time)
_SCHTASKS_DAY = {d: n[:3].upper() for d, n in DAY_NAMES.items()}  # MON … SUN
_CRON_DAY = {d: d % 7 for d in DAY_NAMES}  # cron and launchd: 0 = Sunday, 1 = Monday
_DAY_GROUPS = {"weekdays": (1, 2, 3, 4, 5), "weekend": (6, 7), "daily": tuple(DAY_NAMES)}


@dataclass(frozen=True)
class Schedule:
    """A local wall-clock time, on some weekdays (ISO numbers, 1 = Monday) or, with none, every day."""

    hour: int
    minute: int
    days: tuple[int, ...] = ()

    def __post_init__(self):
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ValueError(f"no such time: {self.hour}:{self.minute:02d}")
        if any(d not in DAY_NAMES for d in self.days):
            raise ValueError(f"weekdays are 1 (Monday) to 7 (Sunday), got {self.days}")
        days = tuple(sorted(set(self.days)))
        object.__setattr__(self, "days", () if len(days) == len(DAY_NAMES) else days)

    @property
    def every_day(self) -> bool:
        return not self.days

    @property
    def clock(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    def describe(self) -> str:
        """In words: 'every day at 07:30', 'every Monday and Thursday at 18:00'."""
        if self.every_day:
            return f"every day at {self.clock}"
        names = [DAY_NAMES[d] for d in self.days]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"every {listed} at {self.clock}"


# -- what the person types ---------------------------------------------------------------
def parse_time(text: str) -> tuple[int, int]:
    """'07:30' or '7:30' → (7, 30); 24-hour clock. ValueError says what is wrong, in words."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match:
        raise ValueError(f"the time must be HH:MM on the 24-hour clock, e.g. 07:30 or 18:45; got {text!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23:
        raise ValueError(f"the hour must be from 00 to 23; got {text!r}")
    if minute > 59:
        raise ValueError(f"the minutes must be from 00 to 59; got {text!r}")
    return hour, minute


def parse_days(text: str) -> tuple[int, ...]:
    """'mon,wed,fri' (names or three letters, any case; also 'weekdays', 'weekend', 'daily')
    → ISO weekdays, sorted, each once; () means every day."""
    days: set[int] = set()
    words = [w.strip().lower() for w in text.split(",")]
    if not any(words):
        raise ValueError("give at least one day, e.g. mon,wed,fri")
    for word in words:
        if not word:
            continue
        if word in _DAY_GROUPS:
            days.update(_DAY_GROUPS[word])
            continue
        found = [d for d, name in DAY_NAMES.items() if len(word) >= 3 and name.lower().startswith(word)]
        if not found:
            raise ValueError(
                f"there is no day {word!r}: use mon, tue, wed, thu, fri, sat, sun (or weekdays, weekend), "
                "separated by commas"
            )
        days.update(found)
    return () if len(days) == len(DAY_NAMES) else tuple(sorted(days))


# -- iCalendar (RFC 5545) ----------------------------------------------------------------
def ics_escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545 3.3.11)."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str, limit: int = 75) -> str:
    """One content line folded at `limit` octets of UTF-8 (RFC 5545 3.1): each further part
    starts with a space, and no character is cut in two."""
    parts, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size = " ", 1
        current += ch
        size += n
    parts.append(current)
    return "\r\n".join(parts)


def first_day(schedule: Schedule, today: date) -> date:
    """The first day from `today` on that the schedule holds (the event's DTSTART must be one
    of its own occurrences)."""
    day = today
    while not schedule.every_day and day.isoweekday() not in schedule.days:
        day += timedelta(days=1)
    return day


def rrule(schedule: Schedule) -> str:
    if schedule.every_day:
        return "FREQ=DAILY"
    return "FREQ=WEEKLY;BYDAY=" + ",".join(_ICS_DAY[d] for d in schedule.days)


def ics_text(schedule: Schedule, *, today: date, now_utc: datetime) -> str:
    """A calendar with one recurring event and an alarm at its start, CRLF line ends.

    The start is a floating local time (no TZID): 07:30 stays 07:30 wherever the person is and
    across daylight saving, which is what a daily habit wants; a TZID would also need a
    VTIMEZONE written out of the system's zone rules."""
    start = datetime.combine(first_day(schedule, today), datetime.min.time()).replace(
        hour=schedule.hour, minute=schedule.minute
    )
    now_utc = now_utc.astimezone(timezone.utc)
    sequence = max(0, int((now_utc - _SEQUENCE_EPOCH).total_seconds() // 60))
    description = (
        f"{MESSAGE}: a few quiet minutes at the webcam, {schedule.describe()}. {HOW_TO_START}\n"
        "facetension is not a medical device and does not diagnose."
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//facetension//facetension remind//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{NAME}@facetension.invalid",  # one event per person: a new file replaces the old
        f"DTSTAMP:{now_utc:%Y%m%dT%H%M%SZ}",
        f"SEQUENCE:{sequence}",
        f"DTSTART:{start:%Y%m%dT%H%M%S}",
        f"DURATION:PT{EVENT_MINUTES}M",
        f"RRULE:{rrule(schedule)}",
        "SUMMARY:facetension practice",
        f"DESCRIPTION:{ics_escape(description)}",
        "TRANSP:TRANSPARENT",  # a reminder, not a meeting: it does not mark the time as busy
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{ics_escape(MESSAGE)}",
        "TRIGGER;RELATED=START:PT0S",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def schedule_from_ics(text: str) -> Schedule | None:
    """The schedule of a calendar file this module wrote (for `facetension remind` to show);
    None for anything else."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    start = re.search(r"^DTSTART[^:\r\n]*:\d{8}T(\d{2})(\d{2})", unfolded, re.M)
    rule = re.search(r"^RRULE:(.*?)\r?$", unfolded, re.M)
    if not start or not rule:
        return None
    days = re.search(r"BYDAY=([A-Z,]+)", rule.group(1))
    by_name = {v: k for k, v in _ICS_DAY.items()}
    try:
        found = tuple(by_name[n] for n in days.group(1).split(",")) if days else ()
        return Schedule(int(start.group(1)), int(start.group(2)), found)
    except (KeyError, ValueError):
        return None


# -- Linux: systemd user timer -----------------------------------------------------------
def on_calendar(schedule: Schedule) -> str:
    """systemd.time's calendar event: 'Mon,Thu *-*-* 07:30:00'."""
    days = ",".join(_SYSTEMD_DAY[d] for d in schedule.days)
    return f"{days + ' ' if days else ''}*-*-* {schedule.clock}:00"


def _systemd_word(word: str) -> str:
    """One word of a unit file's command line or Environment=: quoted when it must be, with
    systemd's own specifiers (%) and variables ($) kept literal."""
    if re.search(r"[\s\"'\\;]", word) or not word:
        word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word.replace("%", "%%").replace("$", "$$")


def systemd_units(schedule: Schedule, command: Sequence[str], env: Mapping[str, str]) -> tuple[str, str]:
    """The timer and the one-shot service it starts: (timer text, service text)."""
    header = "# Made by `facetension remind --system`; `facetension remind --off` removes it.\n"
    timer = (
        f"{header}[Unit]\nDescription=facetension practice reminder, {schedule.describe()}\n\n"
        f"[Timer]\nOnCalendar={on_calendar(schedule)}\nUnit={NAME}.service\n"
        # A reminder missed while the computer was off is not worth showing at the next boot.
        "Persistent=false\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    environment = "".join(f"Environment={_systemd_word(f'{k}={v}')}\n" for k, v in env.items())
    service = (
        f"{header}[Unit]\nDescription=facetension practice reminder: show the notification\n\n"
        f"[Service]\nType=oneshot\n{environment}ExecStart={' '.join(_systemd_word(w) for w in command)}\n"
    )
    return timer, service


def schedule_from_on_calendar(unit_text: str) -> Schedule | None:
    match = re.search(r"^OnCalendar=(?:([A-Za-z,]+) )?\*-\*-\* (\d{2}):(\d{2})(?::00)?\s*$", unit_text, re.M)
    if not match:
        return None
    by_name = {v.lower(): k for k, v in _SYSTEMD_DAY.items()}
    try:
        days = tuple(by_name[n.lower()] for n in match.group(1).split(",")) if match.group(1) else ()
        return Schedule(int(match.group(2)), int(match.group(3)), days)
    except (KeyError, ValueError):
        return None


# -- Linux (and other Unix): crontab -----------------------------------------------------
def cron_line(schedule: Schedule, command: Sequence[str], env: Mapping[str, str]) -> str:
    """One crontab line: cron gives a job neither the person's PATH nor their display and
    session bus, so the line sets them; `%` is cron's newline, so it is escaped."""
    days = "*" if schedule.every_day else ",".join(str(n) for n in sorted(_CRON_DAY[d] for d in schedule.days))
    words = [f"{k}={shlex.quote(v)}" for k, v in env.items()] + [shlex.quote(w) for w in command]
    job = " ".join(words).replace("%", "\\%")
    return f"{schedule.minute} {schedule.hour} * * {days} {job} {CRON_MARKER}"


def is_our_cron_line(line: str) -> bool:
    return line.rstrip().endswith(CRON_MARKER)


def crontab_without(text: str) -> tuple[str, list[str]]:
    """The crontab with our line(s) taken out, every other line exactly as it was, and the
    lines taken out."""
    kept, removed = [], []
    for line in text.splitlines(keepends=True):
        (removed if is_our_cron_line(line) else kept).append(line)
    return "".join(kept), [line.rstrip("\r\n") for line in removed]


def crontab_with(text: str, line: str) -> str:
    """The crontab with `line` as our one line (an older one of ours replaced), every other
    line kept; cron wants the last line ended."""
    kept, _ = crontab_without(text)
    if kept and not kept.endswith("\n"):
        kept += "\n"
    return f"{kept}{line}\n"


def schedule_from_cron(line: str) -> Schedule | None:
    fields = line.split(None, 5)
    if len(fields) < 6:
        return None
    minute, hour, _, _, days = fields[:5]
    try:
        found = () if days == "*" else tuple(7 if int(d) in (0, 7) else int(d) for d in days.split(","))
        return Schedule(int(hour), int(minute), found)
    except ValueError:
        return None


# -- macOS: launchd agent ----------------------------------------------------------------
def launchd_plist(schedule: Schedule, command: Sequence[str], env: Mapping[str, str]) -> bytes:
    """The LaunchAgent: StartCalendarInterval once a day, or once for each weekday."""
    if schedule.every_day:
        when: dict | list = {"Hour": schedule.hour, "Minute": schedule.minute}
    else:
        when = [{"Weekday": _CRON_DAY[d], "Hour": schedule.hour, "Minute": schedule.minute} for d in schedule.days]
    agent = {"Label": LAUNCHD_LABEL, "ProgramArguments": list(command), "StartCalendarInterval": when}
    if env:
        agent["EnvironmentVariables"] = dict(env)
    agent["RunAtLoad"] = False
    return plistlib.dumps(agent, fmt=plistlib.FMT_XML, sort_keys=False)


def schedule_from_plist(data: bytes) -> Schedule | None:
    try:
        when = plistlib.loads(data)["StartCalendarInterval"]
        entries = when if isinstance(when, list) else [when]
        days = tuple(7 if e["Weekday"] in (0, 7) else e["Weekday"] for e in entries if "Weekday" in e)
        return Schedule(entries[0]["Hour"], entries[0]["Minute"], days)
    except (plistlib.InvalidFileException, KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None


# -- Windows: scheduled task -------------------------------------------------------------
def windows_command(command: Sequence[str]) -> str:
    """The task's command line, quoted as Windows programs read it."""
    return subprocess.list2cmdline(list(command))


def schtasks_create(schedule: Schedule, command: Sequence[str]) -> list[str]:
    when = (
        ["/SC", "DAILY"]
        if schedule.every_day
        else ["/SC", "WEEKLY", "/D", ",".join(_SCHTASKS_DAY[d] for d in schedule.days)]
    )
    return ["schtasks", "/Create", *when, "/ST", schedule.clock, "/TN", NAME, "/TR", windows_command(command), "/F"]


def schtasks_delete() -> list[str]:
    return ["schtasks", "/Delete", "/TN", NAME, "/F"]


def schtasks_query() -> list[str]:
    return ["schtasks", "/Query", "/TN", NAME, "/FO", "LIST"]


# -- the notification itself -------------------------------------------------------------
def notify_send_argv(notify_send: str, *, action: bool) -> list[str]:
    """libnotify's notify-send; with `action`, a button that starts the practice (notify-send
    then waits and prints the action's name when it is clicked)."""
    argv = [notify_send, f"--app-name={TITLE}", "--icon=face-smile", "--urgency=normal"]
    if action:
        argv.append(f"--action={ACTION_NAME}={ACTION_LABEL}")
    return [*argv, MESSAGE, HOW_TO_START]


def osascript_argv(osascript: str) -> list[str]:
    script = f'display notification "{HOW_TO_START}" with title "{TITLE}" subtitle "{MESSAGE}"'
    return [osascript, "-e", script]


# PowerShell's own application id: a toast shown under an id Windows does not know is dropped.
_POWERSHELL_APP_ID = r"{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\WindowsPowerShell\v1.0\powershell.exe"


def powershell_toast_argv(powershell: str) -> list[str]:
    script = (
        "$m = [Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, "
        "ContentType = WindowsRuntime]; "
        "$x = $m::GetTemplateContent([Windows.UI.Notifications.ToastTemplateType]::ToastText02); "
        "$t = $x.GetElementsByTagName('text'); "
        f"$t.Item(0).AppendChild($x.CreateTextNode('{MESSAGE}')) | Out-Null; "
        f"$t.Item(1).AppendChild($x.CreateTextNode('{HOW_TO_START}')) | Out-Null; "
        f"$m::CreateToastNotifier('{_POWERSHELL_APP_ID}').Show("
        "[Windows.UI.Notifications.ToastNotification]::new($x))"
    )
    return [powershell, "-NoProfile", "-NonInteractive", "-WindowStyle", "Hidden", "-Command", script]
