"""What the measuring commands share on the command line: their options, the baseline they
measure against, and the portable baseline file. (cli.py and practice_cli.py both import
this; neither imports the other.)"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from . import __version__, argtypes, baselines, outputs
from .baselines import Baseline
from .errors import InputError, NoLogError
from .methods import era_versions, version_key
from .wording import NOT_A_DEVICE, RED_FLAGS, REGION_SHORT

NOTICE_KEY = "first_run_notice_utc"  # settings: when the notice was shown


def first_run_notice(log, now_utc: str) -> None:
    """Before the first measurement in a log: what facetension is not, and when to get help.
    Shown once per log; the log keeps when."""
    if log.setting(NOTICE_KEY) is not None:
        return
    print(f"Before you start: {NOT_A_DEVICE} It helps you practise and keeps your own record.")
    for text in RED_FLAGS:
        print(f"  - {text}")
    print()
    log.set_setting(NOTICE_KEY, now_utc)


def open_stream(args, what: str):
    """The camera (--camera N) or the video (--source) a live command reads, and its name.
    what: the command, for the message when the source is a photo."""
    from .capture import CameraSource

    if args.source:
        return video_source(args.source, what), str(args.source)
    return CameraSource(args.camera), f"camera {args.camera}"


def video_source(path, what: str):
    """The VideoSource of a --source, or InputError when it is a photo (OpenCV would read a
    photo as a one-frame video). what: the command, for the message."""
    from .capture import VideoSource, kind_of

    if kind_of(path) != "video":
        raise InputError(f"{path}: {what} needs a video or a camera, not a photo")
    return VideoSource(path)


def add_db_option(p) -> None:
    """--db, the same for every command that reads or writes the log."""
    from .logdb import DB_ENV, default_path

    p.add_argument("--db", metavar="PATH", help=f"the log file (default: ${DB_ENV}, else {default_path()})")


def add_since_option(p) -> None:
    p.add_argument(
        "--since", type=argtypes.local_date, metavar="DATE", help="only sessions from this local date on (YYYY-MM-DD)"
    )


def add_measuring_options(p) -> None:
    """The options every measuring command shares: the model, the baseline, the log."""
    p.add_argument("--model", metavar="FILE", help="use another Face Landmarker .task file")
    p.add_argument("--baseline", metavar="FILE", help="a baseline JSON file (default: the newest in your log)")
    p.add_argument("--no-baseline", action="store_true", help="use the built-in defaults, learn nothing")
    add_db_option(p)


def load_baseline(args) -> Baseline | None:
    """The baseline to measure against: --baseline FILE, else the newest one in the log;
    without what it learnt of the regions measured differently since (said on stderr)."""
    from .storage import Log

    if getattr(args, "no_baseline", False):
        return None
    if getattr(args, "baseline", None):
        found = read_baseline_file(Path(args.baseline))
    else:
        try:
            with Log.open(getattr(args, "db", None), readonly=True) as log:
                found = log.latest_baseline()
        except NoLogError:
            return None
    if found is None:
        return None
    current, stale = baselines.measured_now(found, __version__)
    if stale:
        print(stale_baseline_note(found.app_version, stale), file=sys.stderr)
    return current


def stale_baseline_note(learnt_by: str | None, stale: tuple[str, ...]) -> str:
    """Why part of a baseline is not used: the measuring of those regions changed after it was learnt."""
    names = sorted({REGION_SHORT.get(r, r.replace("_", " ")) for r in stale})
    since = max((era_versions(r)[-1] for r in stale), key=version_key)
    who = f"facetension {learnt_by}" if learnt_by else "an earlier facetension"
    return (
        f"Your relaxed face was learnt by {who}. Since version {since} the {' and '.join(names)} "
        f"{'is' if len(names) == 1 else 'are'} measured differently, so {'it is' if len(names) == 1 else 'they are'} "
        "read without your relaxed face for now. Learn it again when you can: facetension calibrate"
    )


def read_baseline_file(path: Path) -> Baseline:
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a pipe would block the read
            raise InputError(f"{path}: not a plain file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such baseline file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: the baseline file is unreadable ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        return baselines.from_file_text(text)
    except ValueError as exc:
        raise InputError(f"{path}: the baseline file is unreadable ({exc}); run calibrate again") from None


def write_baseline_file(b: Baseline, path: Path) -> Path:
    with outputs.private_file(Path(path)) as f:  # whole or not at all, owner-only
        f.write(baselines.to_file_text(b))
    return Path(path)
