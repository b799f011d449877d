"""The operating system's tools for `facetension remind`: running crontab, systemctl,
launchctl and schtasks with timeouts and plain-language failures, reading and writing the
user's crontab, and the reminder's own files (owner-only)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .errors import OutputError
from .outputs import private_file

TOOL_TIMEOUT_S = 30.0  # crontab, systemctl, launchctl, schtasks: each answers in a moment
DETECT_TIMEOUT_S = 5.0
SYSTEMD_ALIVE = ("running", "degraded", "starting", "initializing")


# -- running the system's tools ----------------------------------------------------------
def tool(name: str) -> str | None:
    return shutil.which(name)


def run_tool(
    argv: list[str], *, what: str, stdin: str | None = None, check: bool = True, timeout: float = TOOL_TIMEOUT_S
):
    """Run a system tool by its absolute path; its failure is one OutputError in words."""
    path = tool(argv[0])
    if path is None:
        raise OutputError(f"cannot {what}: `{argv[0]}` is not available on this computer")
    try:
        done = subprocess.run(
            [path, *argv[1:]], input=stdin, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise OutputError(f"cannot {what}: `{argv[0]}` did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise OutputError(f"cannot {what}: `{argv[0]}` could not be run ({exc.strerror or exc})") from None
    if check and done.returncode != 0:
        why = first_line(done.stderr) or first_line(done.stdout) or f"exit status {done.returncode}"
        raise OutputError(f"cannot {what}: `{' '.join(argv)}` failed: {why}")
    return done


def first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def has_systemd_session() -> bool:
    if tool("systemctl") is None:
        return False
    try:
        done = run_tool(
            ["systemctl", "--user", "is-system-running"], what="ask systemd", check=False, timeout=DETECT_TIMEOUT_S
        )
    except OutputError:
        return False
    return done.stdout.strip() in SYSTEMD_ALIVE


def linux_scheduler(target: str) -> str:
    """linux-systemd when a systemd user session runs, else linux-cron."""
    if target != "linux":
        return target
    return "linux-systemd" if has_systemd_session() else "linux-cron"


def read_crontab() -> str | None:
    """The person's crontab ('' for none yet), or None when there is no crontab program."""
    if tool("crontab") is None:
        return None
    done = run_tool(["crontab", "-l"], what="read your crontab", check=False)
    if done.returncode != 0:
        if "no crontab" in (done.stderr or "").lower():
            return ""
        why = first_line(done.stderr) or f"exit status {done.returncode}"
        raise OutputError(f"cannot read your crontab: `crontab -l` failed: {why}")
    return done.stdout


def write_crontab(text: str, what: str) -> None:
    if text.strip():
        run_tool(["crontab", "-"], what=what, stdin=text)
    else:  # nothing but ours was there: no crontab, as before
        run_tool(["crontab", "-r"], what=what)


def write_private(path: Path, content: str) -> None:
    make_folder(path.parent)
    with private_file(path, force=True) as f:
        f.write(content)


def remove_file(path: Path) -> bool:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OutputError(f"cannot remove {path}: {exc.strerror or exc}") from None
    return True


def make_folder(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make the folder {folder}: {exc.strerror or exc}") from None
