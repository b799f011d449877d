"""`facetension remind`: the calendar file read back by the `icalendar` package, the system
reminders' texts checked by their own readers (plistlib, systemd-analyze), the real crontab
installed, fired once by the real cron daemon with its clock moved, and taken out again, and
every bad input as one line with its exit code."""

import os
import plistlib
import shutil
import signal
import subprocess
import sys
import time
import warnings
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest
from dateutil.rrule import rrulestr

from facetension import remind, remind_cli
from facetension.logdb import DATA_DIR_ENV
from facetension.remind import CRON_MARKER, Schedule

TODAY = date(2030, 1, 2)  # a Wednesday
NOW = datetime(2030, 1, 2, 9, 15, 7, tzinfo=timezone.utc)
JOB = ["/usr/bin/python3", "-m", "facetension.remind_cli", "--notify"]
# The cron test's clock: a Monday, ten seconds before the reminder's minute.
FAKE_START = "2030-01-07 07:30:50"
CRON_WAIT_S = 40.0


def run(capsys, *args) -> tuple[int, str, str]:
    """`facetension remind ARGS...` in-process: exit code, stdout, stderr."""
    try:
        rc = remind_cli.main([str(a) for a in args])
    except SystemExit as exc:  # argparse's usage errors
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("facetension") and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A home and a data folder of the test's own: the unit files, plists and calendar files a
    test writes land there, where it can see everything that changed."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv(DATA_DIR_ENV, str(home / "data"))
    return home


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def _crontab() -> str | None:
    if shutil.which("crontab") is None:
        return None
    done = subprocess.run(["crontab", "-l"], capture_output=True, text=True, timeout=30)
    return done.stdout if done.returncode == 0 else ""


# -- the calendar file -------------------------------------------------------------------
@pytest.mark.parametrize(
    "days, freq, byday, first",
    [
        ((), "DAILY", None, date(2030, 1, 2)),  # every day: from today
        ((1, 3, 5), "WEEKLY", ["MO", "WE", "FR"], date(2030, 1, 2)),  # today is one of the days
        ((1,), "WEEKLY", ["MO"], date(2030, 1, 7)),  # from the next Monday
        ((6, 7), "WEEKLY", ["SA", "SU"], date(2030, 1, 5)),  # the weekend
        ((1, 2, 3, 4, 5, 6, 7), "DAILY", None, date(2030, 1, 2)),  # all seven days are every day
    ],
)
def test_the_calendar_file_reads_back_as_the_recurring_event_asked_for(days, freq, byday, first):
    text = remind.ics_text(Schedule(7, 30, days), today=TODAY, now_utc=NOW)
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the description is long enough to be folded

    cal = icalendar.Calendar.from_ical(text)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    [event] = cal.walk("VEVENT")
    start = event["DTSTART"].dt
    assert start == datetime.combine(first, datetime.min.time()).replace(hour=7, minute=30)
    assert start.tzinfo is None  # floating: 07:30 wherever the person is
    assert event["UID"] and event["DTSTAMP"].dt == NOW
    assert event["DURATION"].dt == timedelta(minutes=remind.EVENT_MINUTES)
    rule = event["RRULE"]
    assert rule["FREQ"] == [freq] and rule.get("BYDAY") == byday
    assert "facetension practice" in str(event["DESCRIPTION"])  # unfolded and unescaped as written
    assert "every " in str(event["DESCRIPTION"]) and "\n" in str(event["DESCRIPTION"])
    [alarm] = event.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY" and alarm["TRIGGER"].dt == timedelta(0)
    assert str(alarm["DESCRIPTION"]) == remind.MESSAGE

    # The next fortnight's reminders, expanded by an independent RRULE reader.
    upcoming = rrulestr(rule.to_ical().decode(), dtstart=start)
    seen = [o for o, _ in zip(upcoming, range(14))]
    assert all((o.hour, o.minute) == (7, 30) and o.date() >= TODAY for o in seen)
    assert {o.isoweekday() for o in seen} == (set(days) or set(range(1, 8)))
    assert remind.schedule_from_ics(text) == Schedule(7, 30, days)


def test_folding_counts_octets_and_never_cuts_a_character():
    line = "DESCRIPTION:" + "Entspannung für das Gesicht – ruhig atmen. " * 5
    folded = remind.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1 and all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line
    assert remind.fold("SHORT:line") == "SHORT:line"


def test_text_values_are_escaped():
    assert remind.ics_escape("a; b, c\\d\ne") == "a\\; b\\, c\\\\d\\ne"


# -- what the person types ---------------------------------------------------------------
@pytest.mark.parametrize(
    "text, days",
    [
        ("mon", (1,)),
        ("MON,Wed,fri", (1, 3, 5)),  # any case
        ("friday, monday", (1, 5)),  # full names, any order, spaces
        ("tue,tue", (2,)),  # each once
        ("weekdays", (1, 2, 3, 4, 5)),
        ("weekend", (6, 7)),
        ("weekdays,weekend", ()),  # all seven: every day
        ("daily", ()),
    ],
)
def test_days_are_read_as_weekdays(text, days):
    assert remind.parse_days(text) == days


@pytest.mark.parametrize("text", ["funday", "mo", "", ",", "mon;wed", "1,2"])
def test_days_that_are_not_days_are_refused(text):
    with pytest.raises(ValueError):
        remind.parse_days(text)


@pytest.mark.parametrize("text, hm", [("07:30", (7, 30)), ("7:05", (7, 5)), ("00:00", (0, 0)), ("23:59", (23, 59))])
def test_times_are_read_on_the_24_hour_clock(text, hm):
    assert remind.parse_time(text) == hm


@pytest.mark.parametrize("text", ["25:00", "24:00", "7", "07:60", "7:5", "07.30", "7pm", "-1:00", "07:30:00"])
def test_impossible_times_are_refused(text):
    with pytest.raises(ValueError):
        remind.parse_time(text)


def test_the_schedule_is_said_in_words():
    assert Schedule(7, 30).describe() == "every day at 07:30"
    assert Schedule(18, 5, (4, 1)).describe() == "every Monday and Thursday at 18:05"
    assert Schedule(6, 0, (1, 3, 5)).describe() == "every Monday, Wednesday and Friday at 06:00"


# -- Linux: crontab and systemd texts ----------------------------------------------------
def test_the_cron_line_sets_what_cron_does_not_give_a_job():
    env = {"DISPLAY": ":0", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus", "PATH": "/opt/50%/bin:/usr/bin"}
    line = remind.cron_line(Schedule(7, 31, (1, 3, 7)), ["/opt/my python/bin/python", *JOB[1:]], env)
    assert line == (
        "31 7 * * 0,1,3 DISPLAY=:0 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus PATH=/opt/50\\%/bin:/usr/bin "
        f"'/opt/my python/bin/python' -m facetension.remind_cli --notify {CRON_MARKER}"
    )
    assert remind.cron_line(Schedule(7, 31), JOB, {}).startswith("31 7 * * * /usr/bin/python3 ")
    assert remind.schedule_from_cron(line) == Schedule(7, 31, (1, 3, 7))


def test_our_crontab_line_goes_in_and_out_leaving_every_other_line_as_it_was():
    ours_before = remind.cron_line(Schedule(6, 0), JOB, {})
    ours = remind.cron_line(Schedule(7, 31, (1, 3)), JOB, {})
    others = 'MAILTO=""\n# my backup\n0 3 * * * /usr/bin/backup --all # nightly\n\n'
    tail = "5 4 * * * /usr/bin/other facetension-reminder"  # names us, but is not our line; no last newline
    text = others + ours_before + "\n" + tail
    merged = remind.crontab_with(text, ours)
    assert merged == others + tail + "\n" + ours + "\n"
    assert remind.crontab_with(merged, ours) == merged  # installing again changes nothing
    kept, removed = remind.crontab_without(merged)
    assert kept == others + tail + "\n" and removed == [ours]
    assert remind.crontab_without(others) == (others, [])
    assert remind.crontab_with("", ours) == ours + "\n"


def _python_in_an_awkward_folder(tmp_path) -> str:
    folder = tmp_path / "my python 100%"
    folder.mkdir()
    (folder / "python").symlink_to(sys.executable)
    return str(folder / "python")


def test_the_systemd_units_say_when_and_what(tmp_path):
    python = _python_in_an_awkward_folder(tmp_path)
    timer, service = remind.systemd_units(Schedule(7, 31, (1, 3)), [python, *JOB[1:]], {"PATH": "/usr/bin:/bin"})
    assert "\nOnCalendar=Mon,Wed *-*-* 07:31:00\n" in timer and "\nUnit=facetension-reminder.service\n" in timer
    assert "\nWantedBy=timers.target\n" in timer
    assert "\nType=oneshot\n" in service and "\nEnvironment=PATH=/usr/bin:/bin\n" in service
    exec_line = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    assert exec_line == f'ExecStart="{python.replace("%", "%%")}" -m facetension.remind_cli --notify'
    assert remind.schedule_from_on_calendar(timer) == Schedule(7, 31, (1, 3))
    assert remind.on_calendar(Schedule(21, 0)) == "*-*-* 21:00:00"

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("no systemd-analyze here to read the units back")
    units = tmp_path / "units"
    units.mkdir()
    (units / "facetension-reminder.timer").write_text(timer)
    (units / "facetension-reminder.service").write_text(service)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    done = subprocess.run(
        [analyze, "verify", "--user", *(str(p) for p in sorted(units.iterdir()))],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr  # the quoted path is found, no warning
    done = subprocess.run(
        [analyze, "calendar", "--iterations=3", remind.on_calendar(Schedule(7, 31, (1, 3)))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "Normalized form: Mon,Wed *-*-* 07:31:00" in done.stdout, done.stdout


# -- macOS and Windows -------------------------------------------------------------------
def test_the_launchd_agent_reads_back_with_plistlib():
    agent = plistlib.loads(remind.launchd_plist(Schedule(7, 31, (1, 3, 7)), JOB, {"PYTHONPATH": "/src"}))
    assert agent == {
        "Label": "org.facetension.reminder",
        "ProgramArguments": JOB,
        "StartCalendarInterval": [
            {"Weekday": 1, "Hour": 7, "Minute": 31},
            {"Weekday": 3, "Hour": 7, "Minute": 31},
            {"Weekday": 0, "Hour": 7, "Minute": 31},  # launchd's Sunday is 0
        ],
        "EnvironmentVariables": {"PYTHONPATH": "/src"},
        "RunAtLoad": False,
    }
    daily = plistlib.loads(remind.launchd_plist(Schedule(21, 0), JOB, {}))
    assert daily["StartCalendarInterval"] == {"Hour": 21, "Minute": 0} and "EnvironmentVariables" not in daily
    assert remind.schedule_from_plist(remind.launchd_plist(Schedule(7, 31, (1, 3, 7)), JOB, {})) == Schedule(
        7, 31, (1, 3, 7)
    )


def test_the_scheduled_task_argv_is_exact():
    job = [r"C:\Program Files\Python311\pythonw.exe", *JOB[1:]]
    tr = r'"C:\Program Files\Python311\pythonw.exe" -m facetension.remind_cli --notify'
    assert remind.schtasks_create(Schedule(7, 5), job) == [
        "schtasks", "/Create", "/SC", "DAILY", "/ST", "07:05", "/TN", "facetension-reminder", "/TR", tr, "/F",
    ]  # fmt: skip
    assert remind.schtasks_create(Schedule(18, 30, (7, 1, 2)), job) == [
        "schtasks", "/Create", "/SC", "WEEKLY", "/D", "MON,TUE,SUN", "/ST", "18:30",
        "/TN", "facetension-reminder", "/TR", tr, "/F",
    ]  # fmt: skip
    assert remind.schtasks_delete() == ["schtasks", "/Delete", "/TN", "facetension-reminder", "/F"]
    # What Windows' CreateProcess hands schtasks: the inner quotes escaped as schtasks reads them.
    assert r'/TR "\"C:\Program Files\Python311\pythonw.exe\" -m facetension.remind_cli --notify" /F' in (
        subprocess.list2cmdline(remind.schtasks_create(Schedule(7, 5), job))
    )


# -- --dry-run ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "platform, expected",
    [
        ("linux-systemd", ["OnCalendar=Mon,Wed *-*-* 07:31:00", "Would run: systemctl --user enable --now"]),
        ("linux-cron", ["Would add this line to your crontab", "31 7 * * 1,3 DISPLAY=", CRON_MARKER]),
        ("macos", ["org.facetension.reminder.plist:", "<key>StartCalendarInterval</key>", "launchctl bootstrap"]),
        ("windows", ["Would run: schtasks /Create /SC WEEKLY /D MON,WED /ST 07:31 /TN facetension-reminder /TR"]),
    ],
)
def test_dry_run_shows_everything_and_changes_nothing(capsys, home, platform, expected):
    crontab_before = _crontab()
    args = ["--at", "07:31", "--days", "mon,wed", "--system", "--dry-run", "--platform", platform]
    rc, out, err = run(capsys, *args)
    assert rc == 0 and not err, err
    for text in [*expected, "BEGIN:VCALENDAR", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE", "Nothing was changed (--dry-run)."]:
        assert text in out, (text, out)
    assert remind_cli.job_command(platform)[1:] == list(remind_cli.JOB_ARGS) and sys.executable in out
    assert _tree(home) == {}  # no unit file, no plist, no data folder, no calendar file
    assert _crontab() == crontab_before
    rc, out, err = run(capsys, "--off", "--dry-run", "--platform", platform)
    assert rc == 0 and "There was no system reminder to remove." in out and _tree(home) == {}
    assert _crontab() == crontab_before


def test_dry_run_of_off_names_what_it_would_remove_and_keeps_it(capsys, home):
    units = home / ".config" / "systemd" / "user"
    units.mkdir(parents=True)
    timer, service = remind.systemd_units(Schedule(7, 31), JOB, {})
    (units / "facetension-reminder.timer").write_text(timer)
    (units / "facetension-reminder.service").write_text(service)
    before = _tree(home)
    rc, out, _ = run(capsys, "--off", "--dry-run", "--platform", "linux-systemd")
    assert rc == 0 and f"Would remove {units / 'facetension-reminder.timer'}" in out
    assert "Would run: systemctl --user disable --now facetension-reminder.timer" in out
    assert _tree(home) == before
    rc, out, _ = run(capsys)  # and `remind` alone shows it
    assert rc == 0 and "A systemd user timer" in out and "every day at 07:31" in out


# -- the calendar file, written ----------------------------------------------------------
def test_a_calendar_file_is_written_owner_only_and_said_how_to_add(capsys, home):
    rc, out, err = run(capsys)
    assert rc == 0 and "No reminder is set" in out
    rc, out, err = run(capsys, "--at", "18:45", "--days", "weekdays")
    path = home / "data" / remind.ICS_FILENAME
    assert rc == 0 and not err and f"Calendar file written: {path}" in out
    assert "double-click" in out and "import it in your calendar app" in out
    assert (path.stat().st_mode & 0o777) == 0o600
    event = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    assert event["RRULE"]["BYDAY"] == ["MO", "TU", "WE", "TH", "FR"]
    rc, out, err = run(capsys, "--at", "06:00")  # our own default file is simply replaced
    assert rc == 0 and b"RRULE:FREQ=DAILY" in path.read_bytes()
    rc, out, _ = run(capsys)
    assert rc == 0 and f"The calendar file {path}: every day at 06:00" in out
    assert "--off" not in out  # no system reminder to remove
    target = home / "mine.ics"
    rc, out, _ = run(capsys, "--at", "06:00", "--ics", target)
    assert rc == 0 and target.exists() and (target.stat().st_mode & 0o777) == 0o600
    rc, out, _ = run(capsys, "--at", "07:00", "--ics", target, "--force")
    assert rc == 0 and b"T070000" in target.read_bytes()


# -- bad input ---------------------------------------------------------------------------
def _existing(tmp):
    (tmp / "old.ics").write_text("mine")
    return tmp / "old.ics"


def _folder(tmp):
    (tmp / "folder").mkdir()
    return tmp / "folder"


def _link(tmp):
    (tmp / "real.ics").write_text("mine")
    (tmp / "link.ics").symlink_to(tmp / "real.ics")
    return tmp / "link.ics"


@pytest.mark.parametrize(
    "args, code, says",
    [
        (["--at", "25:00"], 2, "the hour must be from 00 to 23"),
        (["--at", "7"], 2, "the time must be HH:MM"),
        (["--at", "07:60"], 2, "the minutes must be from 00 to 59"),
        (["--at", "07:30", "--days", "funday"], 2, "there is no day 'funday'"),
        (["--at", "07:30", "--days", ","], 2, "give at least one day"),
        (["--days", "mon"], 2, "say when with --at HH:MM"),  # days without a time
        (["--system"], 2, "say when with --at HH:MM"),
        (["--off", "--at", "07:30"], 2, "--off removes the reminder"),
        (["--at", "07:30", "--platform", "windows"], 2, "is for --dry-run only"),  # never run schtasks on Linux
        (["--at", "07:30", "--platform", "solaris"], 2, "invalid choice"),
        (["--at", "07:30", "--ics", _existing], 7, "exists already"),
        (["--at", "07:30", "--ics", _existing, "--dry-run"], 7, "exists already"),  # said before, not after
        (["--at", "07:30", "--ics", _folder], 7, "is not a plain file"),
        (["--at", "07:30", "--ics", lambda tmp: Path("/dev/null")], 7, "is not a plain file"),
        (["--at", "07:30", "--ics", _link], 7, "is a link"),
        (["--at", "07:30", "--ics", lambda tmp: tmp / "no" / "such" / "r.ics"], 7, "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_its_exit_code(capsys, home, tmp_path, args, code, says):
    args = [a(tmp_path) if callable(a) else a for a in args]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.ics") if p.is_file()}
    rc, out, err = run(capsys, *args)
    assert rc == code and says in one_line(err), (rc, err)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.ics") if p.is_file()} == before
    assert not (home / "data").exists()  # nothing written


def _stub(folder: Path, name: str, script: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return path


def test_a_missing_or_failing_crontab_is_one_line_and_changes_nothing(capsys, home, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    rc, _, err = run(capsys, "--at", "07:30", "--system", "--platform", "linux-cron")
    assert rc == 7 and "`crontab`" in one_line(err) and "systemd" in err
    broken = tmp_path / "broken"
    _stub(broken, "crontab", 'echo "crontab: cannot open your crontab: Permission denied" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", str(broken))
    rc, _, err = run(capsys, "--at", "07:30", "--system", "--platform", "linux-cron")
    denied = "`crontab -l` failed: crontab: cannot open your crontab: Permission denied"
    assert rc == 7 and one_line(err).endswith(denied)
    assert _tree(home) == {}


def test_a_failing_systemctl_is_one_line_and_leaves_no_unit_behind(capsys, home, tmp_path, monkeypatch):
    stubs = tmp_path / "stubs"
    _stub(stubs, "systemctl", 'echo "Failed to connect to bus: No medium found" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", f"{stubs}:/usr/bin:/bin")
    rc, _, err = run(capsys, "--at", "07:30", "--system", "--platform", "linux-systemd")
    assert rc == 7 and "`systemctl --user daemon-reload` failed: Failed to connect to bus" in one_line(err)
    assert not list(home.rglob("facetension-reminder.*"))  # neither unit file, nor the calendar file


# -- the notification --------------------------------------------------------------------
def test_notify_without_notify_send_prints_the_reminder_and_succeeds(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    rc, out, err = run(capsys, "--notify", "--platform", "linux")
    assert rc == 0 and not err and out.strip() == f"{remind.MESSAGE}. {remind.HOW_TO_START}"


def test_notify_shows_a_notification_and_loads_no_camera_code(tmp_path):
    record = tmp_path / "record"
    stubs = tmp_path / "stubs"
    _stub(stubs, "notify-send", f'for a in "$@"; do echo "$a" >> "{record}"; done\n')
    probe = (
        "import sys\nfrom facetension.remind_cli import main\nrc = main(['--notify'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cv2', 'mediapipe', 'numpy', 'sqlite3')"
        " or m in ('facetension.capture', 'facetension.live', 'facetension.cli')), rc)"
    )
    env = {**os.environ, "PATH": f"{stubs}:/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[] 0" and not done.stderr, (done.stdout, done.stderr)
    said = record.read_text().splitlines()
    assert said[-2:] == [remind.MESSAGE, remind.HOW_TO_START] and "--app-name=facetension" in said
    assert f"--action={remind.ACTION_NAME}={remind.ACTION_LABEL}" in said


def test_notify_falls_back_to_a_plain_notification_on_an_older_notify_send(capsys, tmp_path, monkeypatch):
    record = tmp_path / "record"
    stubs = tmp_path / "stubs"
    script = (
        'case "$*" in *--action*) echo "Unknown option --action=practice=Start the practice" >&2; exit 1;; esac\n'
        f'echo "$@" >> "{record}"\n'
    )
    _stub(stubs, "notify-send", script)
    monkeypatch.setenv("PATH", str(stubs))
    rc, out, err = run(capsys, "--notify", "--platform", "linux")
    assert rc == 0 and not out and not err
    assert record.read_text().strip().endswith(f"{remind.MESSAGE} {remind.HOW_TO_START}")


# -- the real crontab, fired by the real cron daemon -------------------------------------
def _try_to_install(packages: list[str]) -> None:
    """What .ci/run installs, for a machine where the tests run without it first."""
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", *packages],
            capture_output=True,
            timeout=300,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )


@pytest.fixture
def user_crontab():
    """The real crontab of the user running the tests: saved first and put back exactly after."""
    if shutil.which("crontab") is None or shutil.which("cron") is None:
        _try_to_install(["cron", "faketime"])
    if shutil.which("crontab") is None:
        pytest.skip("no `crontab` on this machine (apt-get install cron)")
    saved = subprocess.run(["crontab", "-l"], capture_output=True, text=True, timeout=30)
    yield
    if saved.returncode == 0:
        subprocess.run(["crontab", "-"], input=saved.stdout, text=True, check=True, timeout=30)
    else:
        subprocess.run(["crontab", "-r"], capture_output=True, timeout=30)


def _wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and remind.MESSAGE in path.read_text():
            return True
        time.sleep(0.2)
    return False


def _fire_with_cron_daemon(record: Path, log: Path) -> str | None:
    """Run the real cron daemon in the foreground with its clock set ten seconds before the
    reminder's minute; None when it has fired the job, else why it could not run here."""
    cron, faketime = shutil.which("cron"), shutil.which("faketime")
    if cron is None or faketime is None:
        return "no cron daemon or no faketime here (apt-get install cron faketime)"
    with open(log, "wb") as out:
        daemon = subprocess.Popen(
            [faketime, "-f", f"@{FAKE_START}", cron, "-f"], stdout=out, stderr=out, start_new_session=True
        )
    try:
        fired = _wait_for(record, CRON_WAIT_S)
        if not fired and daemon.poll() is not None:  # e.g. a system cron daemon holds its lock
            return f"the cron daemon would not start here: {log.read_text(errors='replace').strip()!r}"
        assert fired, f"cron did not run the reminder within {CRON_WAIT_S:g} s: {log.read_text(errors='replace')}"
        return None
    finally:
        if daemon.poll() is None:
            os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=10)


def _fire_as_cron_would(line: str) -> None:
    """The installed line's command, run exactly as cron runs it: by /bin/sh, with cron's bare
    environment, `\\%` read back as `%`, from the home folder."""
    command = line.split(None, 5)[5].replace("\\%", "%")
    home = os.path.expanduser("~")
    user = os.environ.get("LOGNAME") or os.environ.get("USER") or "root"
    env = {"HOME": home, "LOGNAME": user, "PATH": "/usr/bin:/bin", "SHELL": "/bin/sh"}
    subprocess.run(["/bin/sh", "-c", command], env=env, cwd=home, check=True, timeout=60)


def test_cron_reminder_installs_fires_once_at_its_minute_and_comes_off_cleanly(
    capsys, user_crontab, home, tmp_path, monkeypatch
):
    unrelated = 'MAILTO=""\n17 4 * * * /bin/true # someone else\'s job\n'
    subprocess.run(["crontab", "-"], input=unrelated, text=True, check=True, timeout=30)
    record = tmp_path / "notified"
    stubs = tmp_path / "stubs"  # notify-send as found now: the installed line keeps its folder on PATH
    _stub(stubs, "notify-send", f'{{ for a in "$@"; do echo "arg:$a"; done; env; }} >> "{record}"\n')
    monkeypatch.setenv("PATH", f"{stubs}:{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":5")
    scheduler = remind_cli.linux_scheduler("linux")
    forced = [] if scheduler == "linux-cron" else ["--platform", "linux-cron"]  # a desktop with a systemd session

    rc, out, err = run(capsys, "--at", "07:31", "--days", "mon,wed", "--system", "--ics", tmp_path / "r.ics", *forced)
    assert rc == 0 and not err and "Installed a line in your crontab" in out, (out, err)
    installed = _crontab()
    ours = [line for line in installed.splitlines() if line.endswith(CRON_MARKER)]
    assert len(ours) == 1 and installed == unrelated + ours[0] + "\n"
    assert ours[0].startswith("31 7 * * 1,3 DISPLAY=:5 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/")
    assert f"PATH={stubs}:" in ours[0] and f"{sys.executable} -m facetension.remind_cli --notify" in ours[0]
    rc, out, _ = run(capsys)
    assert rc == 0 and "A line in your crontab: every Monday and Wednesday at 07:31" in out

    why_not = _fire_with_cron_daemon(record, tmp_path / "cron.log")
    if why_not:
        warnings.warn(f"fired the crontab line as cron would, not by the cron daemon: {why_not}", stacklevel=1)
        _fire_as_cron_would(ours[0])
    said = record.read_text().splitlines()
    assert said.count(f"arg:{remind.MESSAGE}") == 1 and f"arg:{remind.HOW_TO_START}" in said
    assert "DISPLAY=:5" in said and f"DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{os.getuid()}/bus" in said

    rc, out, err = run(capsys, "--off")
    assert rc == 0 and f"Removed this line from your crontab: {ours[0]}" in out and not err
    assert _crontab() == unrelated  # exactly the other lines, as they were
    rc, out, _ = run(capsys, "--off")
    assert rc == 0 and "There was no system reminder to remove." in out
    assert _crontab() == unrelated
