"""`facetension remind`: a calendar file for the daily practice, and on request (--system) an
operating-system reminder that shows a notification: a systemd user timer or a crontab line
on Linux, a launchd agent on macOS, a scheduled task on Windows. remind.py builds every text;
this module writes the files and runs crontab, systemctl, launchctl and schtasks.

`python -m facetension.remind_cli ...` is the same as `facetension remind ...`: the installed
reminder runs it that way, so that showing a notification loads nothing but this module."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from . import remind
from .errors import EXIT_USAGE, FacetensionError, OutputError
from .outputs import check_target, private_file
from .remind import NAME, Schedule
from .remind_system import (
    TOOL_TIMEOUT_S,
    linux_scheduler,
    make_folder,
    read_crontab,
    remove_file,
    run_tool,
    tool,
    write_crontab,
    write_private,
)
from .safetext import single_line

PLATFORMS = ("linux", "macos", "windows")
# --platform (hidden): another system's reminder shown with --dry-run, or on Linux the
# scheduler chosen instead of detected.
PLATFORM_CHOICES = ("linux", "linux-systemd", "linux-cron", "macos", "windows")
JOB_ARGS = ("-m", "facetension.remind_cli", "--notify")  # what the installed reminder runs
# notify-send with an action waits until the notification is clicked or closed; after this
# long the reminder process ends (the notification stays, only its button stops working).
NOTIFY_WAIT_S = 15 * 60.0
PLAIN_PATH = ("/usr/local/bin", "/usr/bin", "/bin")


# -- the command line --------------------------------------------------------------------
def _time(text: str) -> tuple[int, int]:
    try:
        return remind.parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _days(text: str) -> tuple[int, ...]:
    try:
        return remind.parse_days(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub) -> None:
    r = sub.add_parser(
        "remind",
        help="a daily reminder to practise: a calendar file, or a system notification",
        description="Write a calendar file (.ics) with a recurring reminder to import into your calendar app; "
        "with --system, also install a reminder that shows a notification on this computer. "
        "Without options: show the reminder that is set.",
    )
    r.add_argument("--at", type=_time, metavar="HH:MM", help="the time of day, 24-hour clock (e.g. 07:30)")
    r.add_argument(
        "--days", type=_days, metavar="DAYS", help="only on these days, e.g. mon,wed,fri or weekdays (default: daily)"
    )
    r.add_argument(
        "--ics",
        metavar="FILE",
        help=f"write the calendar file here (default: {remind.ICS_FILENAME} in your facetension data folder)",
    )
    r.add_argument("--force", action="store_true", help="replace the --ics file if it exists")
    r.add_argument("--system", action="store_true", help="also install a notification reminder on this computer")
    r.add_argument("--off", action="store_true", help="remove the reminder that --system installed")
    r.add_argument("--dry-run", action="store_true", help="show what would be written and run; change nothing")
    r.add_argument("--notify", action="store_true", help=argparse.SUPPRESS)  # what the installed reminder runs
    r.add_argument("--platform", choices=PLATFORM_CHOICES, help=argparse.SUPPRESS)
    r.set_defaults(func=cmd_remind)


def _usage(message: str) -> int:
    print(f"facetension: {message}", file=sys.stderr)
    return EXIT_USAGE


def this_platform() -> str | None:
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "darwin":
        return "macos"
    if sys.platform in ("win32", "cygwin"):
        return "windows"
    return None


def cmd_remind(args) -> int:
    if args.notify:
        return notify(args.platform or this_platform())
    if args.off and (args.at is not None or args.days is not None or args.ics or args.force):
        return _usage("--off removes the reminder: give it without --at, --days, --ics or --force")
    if args.at is None and not args.off:
        if args.days is not None or args.ics or args.force or args.system:
            return _usage("say when with --at HH:MM (e.g. --at 07:30), or remove a reminder with --off")
        return show(args.platform)
    real = this_platform()
    target = args.platform or real
    if args.platform and args.platform.split("-")[0] != real and not args.dry_run:
        return _usage(f"--platform {args.platform} is for --dry-run only on this computer")
    if target is None and (args.off or args.system):
        raise OutputError(f"facetension installs reminders on Linux, macOS and Windows, not on {sys.platform}")
    if args.off:
        return remove(target, dry_run=args.dry_run)
    schedule = Schedule(*args.at, args.days or ())
    ics_path, force = (Path(args.ics).expanduser(), args.force) if args.ics else (default_ics_path(), True)
    now = datetime.now(timezone.utc)
    ics = remind.ics_text(schedule, today=date.today(), now_utc=now)
    check_target(ics_path, force=force)  # first, and with --dry-run too: a refused file changes nothing
    if args.dry_run:
        if args.system:
            install(target, schedule, dry_run=True)
        print(f"Would write the calendar file {ics_path} (readable by you only):")
        _show_text(ics)
        print("Nothing was changed (--dry-run).")
        return 0
    if args.system:
        install(target, schedule, dry_run=False)
    if not args.ics:
        make_folder(ics_path.parent)
    with private_file(ics_path, force=force) as f:
        f.write(ics)
    print(f"Calendar file written: {ics_path} ({schedule.describe()}, with an alert at the start).")
    print(
        "To add it to your calendar, open the file (double-click it), or import it in your calendar app: "
        "Google Calendar: Settings, Import & export; Apple Calendar: File, Import; "
        "Outlook: File, Open & export, Import/Export."
    )
    if not args.system:
        print("For a notification on this computer as well: add --system.")
    return 0


def _show_text(text: str) -> None:
    for line in text.replace("\r\n", "\n").rstrip("\n").split("\n"):
        print(f"    {line}")


# -- where things live -------------------------------------------------------------------
def default_ics_path() -> Path:
    from .logdb import data_dir

    return data_dir() / remind.ICS_FILENAME


def systemd_folder() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def launchd_plist_path() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{remind.LAUNCHD_LABEL}.plist"


# -- what the reminder runs --------------------------------------------------------------
def job_command(target: str) -> list[str]:
    """The reminder's command, absolute: this very Python (pythonw on Windows: no console
    window flashes up) running this very facetension."""
    python = Path(sys.executable)
    if target == "windows" and python.name.lower() == "python.exe" and python.with_name("pythonw.exe").exists():
        python = python.with_name("pythonw.exe")
    return [str(python), *JOB_ARGS]


def _package_root() -> str | None:
    """The folder to put on the reminder's PYTHONPATH when this facetension is not where its
    Python finds packages by itself (a source checkout, an editable install), else None."""
    import site
    import sysconfig

    import facetension

    root = Path(facetension.__file__).resolve().parent.parent
    known = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")} | set(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        known.add(site.getusersitepackages())
    if any(Path(p).resolve() == root for p in known if p):
        return None
    return str(root)


def job_env(target: str) -> dict[str, str]:
    """What the reminder's process needs that its scheduler does not give it. cron gives a job
    PATH=/usr/bin:/bin and no display or session bus: the line sets the display the person
    uses, their session bus (where systemd puts it), and a PATH that finds notify-send where
    it is now."""
    env: dict[str, str] = {}
    if target == "linux-cron":
        shown = os.environ.get("DISPLAY", "")
        env["DISPLAY"] = shown if re.fullmatch(r":\d+(\.\d+)?", shown) else ":0"  # not an ssh -X display
        env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path=/run/user/{os.getuid()}/bus"
    if target.startswith("linux"):
        found = shutil.which("notify-send")
        folders = [str(Path(found).parent)] if found else []
        env["PATH"] = ":".join(dict.fromkeys([*folders, *PLAIN_PATH]))
    root = _package_root()
    if root and target != "windows":  # a scheduled task's /TR has no room for variables
        env["PYTHONPATH"] = root
    return env


# -- install -----------------------------------------------------------------------------
def install(target: str, schedule: Schedule, *, dry_run: bool) -> None:
    target = linux_scheduler(target)
    command, env = job_command(target), job_env(target)
    if target == "linux-systemd":
        timer, service = remind.systemd_units(schedule, command, env)
        folder = systemd_folder()
        steps = [
            ["systemctl", "--user", "daemon-reload"],
            ["systemctl", "--user", "enable", "--now", f"{NAME}.timer"],
        ]
        if dry_run:
            for name, text in ((f"{NAME}.timer", timer), (f"{NAME}.service", service)):
                print(f"Would write {folder / name}:")
                _show_text(text)
            for argv in steps:
                print(f"Would run: {' '.join(argv)}")
            return
        if tool("systemctl") is None:
            raise OutputError("cannot install the reminder: `systemctl` is not available on this computer")
        written = [folder / f"{NAME}.service", folder / f"{NAME}.timer"]
        write_private(written[0], service)
        write_private(written[1], timer)
        try:
            for argv in steps:
                run_tool(argv, what="install the reminder")
        except OutputError:  # a refused install leaves no half of it behind
            for path in written:
                remove_file(path)
            raise
        installed = f"a systemd user timer ({folder / (NAME + '.timer')})"
    elif target == "linux-cron":
        line = remind.cron_line(schedule, command, env)
        current = read_crontab()
        if current is None and not dry_run:
            raise OutputError(
                "cannot install the reminder: there is neither a systemd user session nor `crontab` on this computer"
            )
        _, old = remind.crontab_without(current or "")
        if dry_run:
            print("Would add this line to your crontab (every other line stays as it is):")
            _show_text(line)
            for gone in old:
                print("Would replace this older line of ours:")
                _show_text(gone)
            return
        write_crontab(remind.crontab_with(current or "", line), "install the reminder in your crontab")
        installed = "a line in your crontab (see `crontab -l`)"
    elif target == "macos":
        plist = remind.launchd_plist(schedule, command, env).decode()
        path = launchd_plist_path()
        domain = f"gui/{os.getuid()}"
        if dry_run:
            print(f"Would write {path}:")
            _show_text(plist)
            print(f"Would run: launchctl bootout {domain}/{remind.LAUNCHD_LABEL} (if loaded)")
            print(f"Would run: launchctl bootstrap {domain} {path}")
            return
        if tool("launchctl") is None:
            raise OutputError("cannot install the reminder: `launchctl` is not available on this computer")
        write_private(path, plist)
        run_tool(["launchctl", "bootout", f"{domain}/{remind.LAUNCHD_LABEL}"], what="reload the reminder", check=False)
        done = run_tool(["launchctl", "bootstrap", domain, str(path)], what="install the reminder", check=False)
        if done.returncode != 0:  # macOS before 10.11 knows only load
            try:
                run_tool(["launchctl", "load", "-w", str(path)], what="install the reminder")
            except OutputError:
                remove_file(path)
                raise
        installed = f"a launchd agent ({path})"
    elif target == "windows":
        argv = remind.schtasks_create(schedule, command)
        if len(argv[argv.index("/TR") + 1]) > remind.MAX_SCHTASKS_COMMAND:
            raise OutputError(
                f"cannot install the reminder: the command is longer than the {remind.MAX_SCHTASKS_COMMAND} "
                f"characters a scheduled task takes ({sys.executable} is in a deep folder)"
            )
        if dry_run:
            print(f"Would run: {subprocess.list2cmdline(argv)}")
            return
        run_tool(argv, what="install the reminder")
        installed = f"the scheduled task {NAME}"
    print(f"Installed {installed}: {schedule.describe()}, a notification will say: {remind.MESSAGE}.")
    print("Remove it with: facetension remind --off")


# -- remove ------------------------------------------------------------------------------
def remove(target: str, *, dry_run: bool) -> int:
    """Take out what --system installed; say what, or that there was nothing."""
    would = "Would remove" if dry_run else "Removed"
    removed: list[str] = []
    if target.startswith("linux"):
        folder = systemd_folder()
        units = [folder / f"{NAME}.timer", folder / f"{NAME}.service"]
        if any(os.path.lexists(p) for p in units):
            steps = [["systemctl", "--user", "disable", "--now", f"{NAME}.timer"]]
            if dry_run:
                print(f"Would run: {' '.join(steps[0])}")
            elif tool("systemctl"):
                run_tool(steps[0], what="stop the reminder", check=False)  # already stopped is fine
            for path in units:
                if os.path.lexists(path) and (dry_run or remove_file(path)):
                    removed.append(f"{would} {path}")
            if not dry_run and tool("systemctl"):
                run_tool(["systemctl", "--user", "daemon-reload"], what="stop the reminder", check=False)
        current = read_crontab()
        if current:
            kept, ours = remind.crontab_without(current)
            if ours:
                if not dry_run:
                    write_crontab(kept, "remove the reminder from your crontab")
                removed += [f"{would} this line from your crontab: {line}" for line in ours]
    elif target == "macos":
        path = launchd_plist_path()
        if os.path.lexists(path):
            argv = ["launchctl", "bootout", f"gui/{os.getuid()}/{remind.LAUNCHD_LABEL}"]
            if dry_run:
                print(f"Would run: {' '.join(argv)}")
            elif tool("launchctl"):
                run_tool(argv, what="stop the reminder", check=False)  # not loaded is fine
            if dry_run or remove_file(path):
                removed.append(f"{would} {path}")
    elif target == "windows" and _windows_task() is not None:
        argv = remind.schtasks_delete()
        if dry_run:
            print(f"Would run: {subprocess.list2cmdline(argv)}")
        else:
            run_tool(argv, what="remove the reminder")
        removed.append(f"{would} the scheduled task {NAME}")
    for line in removed:
        print(line)
    if not removed:
        print("There was no system reminder to remove.")
    elif dry_run:
        print("Nothing was changed (--dry-run).")
    ics = default_ics_path()
    if os.path.lexists(ics):
        print(f"The calendar file {ics} stays: if you imported it, delete the event in your calendar app.")
    return 0


def _windows_task() -> str | None:
    """The scheduled task as `schtasks /Query` lists it, or None when there is none."""
    if tool("schtasks") is None:
        return None
    done = run_tool(remind.schtasks_query(), what="look for the reminder", check=False)
    return done.stdout if done.returncode == 0 else None


# -- show --------------------------------------------------------------------------------
def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() and not path.is_symlink() else None
    except OSError:
        return None


def show(platform: str | None) -> int:
    """`facetension remind` alone: the reminders that are set, or that there is none."""
    target = (platform or this_platform() or "").split("-")[0]
    found: list[str] = []

    def said(what: str, schedule: Schedule | None) -> None:
        found.append(f"{what}: {schedule.describe()}" if schedule else f"{what} (its time could not be read)")

    if target == "linux":
        timer = _read_bytes(systemd_folder() / f"{NAME}.timer")
        if timer is not None:
            said(
                f"A systemd user timer ({systemd_folder() / (NAME + '.timer')})",
                remind.schedule_from_on_calendar(timer.decode("utf-8", "replace")),
            )
        for line in remind.crontab_without(read_crontab() or "")[1]:
            said("A line in your crontab", remind.schedule_from_cron(line))
    elif target == "macos":
        plist = _read_bytes(launchd_plist_path())
        if plist is not None:
            said(f"A launchd agent ({launchd_plist_path()})", remind.schedule_from_plist(plist))
    elif target == "windows":
        listed = _windows_task()
        if listed is not None:
            nxt = next((single_line(line) for line in listed.splitlines() if line.lower().startswith("next run")), "")
            found.append(f"The scheduled task {NAME}" + (f" ({nxt})" if nxt else ""))
    ics_path = default_ics_path()
    ics = _read_bytes(ics_path)
    if ics is not None:
        said(f"The calendar file {ics_path}", remind.schedule_from_ics(ics.decode("utf-8", "replace")))
    if not found:
        print("No reminder is set. Set one with: facetension remind --at 07:30 (add --system for a notification)")
        return 0
    print("Your practice reminders:")
    for line in found:
        print(f"  {line}")
    if len(found) > (ics is not None):  # a system reminder among them
        print("Remove the system reminder with: facetension remind --off")
    return 0


# -- the notification (what the installed reminder runs) ---------------------------------
def notify(target: str | None) -> int:
    """Show the notification; never fails and never opens a camera: a reminder that cannot be
    shown is printed (cron, systemd and launchd keep what a job prints)."""
    try:
        shown = _notify(target)
    except Exception:  # a reminder must not end in a traceback in someone's mail
        shown = False
    if not shown:
        print(f"{remind.MESSAGE}. {remind.HOW_TO_START}", flush=True)
    return 0


def _notify(target: str | None) -> bool:
    def run(argv: list[str], timeout: float) -> subprocess.CompletedProcess | None:
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None

    target = (target or "").split("-")[0]
    if target == "linux":
        notify_send = shutil.which("notify-send")
        if notify_send is None:
            return False
        done = run(remind.notify_send_argv(notify_send, action=True), NOTIFY_WAIT_S)
        if done is not None and done.returncode == 0:
            if done.stdout.strip() == remind.ACTION_NAME:
                subprocess.Popen(  # the practice outlives this reminder process
                    [sys.executable, "-m", "facetension", "practice"],
                    start_new_session=True,
                    stdin=subprocess.DEVNULL,
                )
            return True
        # an older notify-send without --action, or one that could not wait: plainly
        done = run(remind.notify_send_argv(notify_send, action=False), TOOL_TIMEOUT_S)
        return done is not None and done.returncode == 0
    if target == "macos":
        osascript = shutil.which("osascript") or "/usr/bin/osascript"
        done = run(remind.osascript_argv(osascript), TOOL_TIMEOUT_S)
        return done is not None and done.returncode == 0
    if target == "windows":
        powershell = shutil.which("powershell") or shutil.which("pwsh")
        if powershell is None:
            return False
        done = run(remind.powershell_toast_argv(powershell), TOOL_TIMEOUT_S)
        return done is not None and done.returncode == 0
    return False


def main(argv: list[str] | None = None) -> int:
    """`python -m facetension.remind_cli ARGS` = `facetension remind ARGS`, with the same
    one-line errors and exit codes."""
    from .argtypes import Parser

    parser = Parser(prog="facetension")
    register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    args = parser.parse_args(["remind", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except FacetensionError as exc:
        print(f"facetension: {single_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
