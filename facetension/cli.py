"""Command line: fills settings, calls the library, turns typed errors into messages and exit codes.

The only module that prints or chooses an exit status.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import errno
import json
import os
import signal
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, argtypes, check_cli, logcli, practice_cli, remind_cli, report_cli, settings_cli
from .cli_common import add_db_option, add_measuring_options, load_baseline, video_source, write_baseline_file
from .errors import EXIT_FAILED, EXIT_INTERNAL, EXIT_INTERRUPTED, FacetensionError, InputError, NoUsableFaceError
from .metrics import REGIONS
from .outputs import private_file
from .quiet import native_stderr_to_null
from .safetext import fit_streams, single_line
from .tension import TENSION_REGIONS
from .wording import NOT_A_DEVICE, RED_FLAGS, REGION_SHORT, REGION_TITLES, count

if TYPE_CHECKING:
    from .analysis import Analysis


def _progress(stream):
    """A quiet one-line progress bar for videos, on a terminal only."""
    if not stream.isatty():
        return None
    width = 30

    def show(done: int, total: int) -> None:
        if total <= 0:
            stream.write(f"\r  frame {done}")
        else:
            frac = min(1.0, done / total)
            stream.write(f"\r  [{'#' * int(frac * width):<{width}}] {done}/{total} frames")
        stream.flush()

    return show


def _error_record(path: str, kind: str | None, message: str) -> dict:
    return {
        "source": path,
        "kind": kind,
        "frames": {"total": 0, "with_face": 0, "used": 0},
        "faces_seen": 0,
        "mm_per_px": None,
        "head_pose_deg": None,
        "regions": {},
        "midline_deviation_mm": None,
        "asymmetry_index": None,
        "error": message,
    }


def _table(a: Analysis) -> str:
    lines = [f"{single_line(a.source)} ({a.kind})"]
    if a.kind == "video":
        lines.append(f"  frames: {a.frames_total} read, {a.frames_with_face} with a face, {a.frames_used} used")
    if a.faces_seen > 1:
        lines.append(f"  {a.faces_seen} faces seen: measuring the largest")
    if a.regions:
        pose = a.head_pose_deg
        lines.append(
            f"  head pose: yaw {pose['yaw']:+.0f}°, pitch {pose['pitch']:+.0f}°, roll {pose['roll']:+.0f}°;"
            f" scale {a.mm_per_px:.3f} mm/px from the {a.scale_source}"
        )
        spread = "  spread" if a.kind == "video" else ""
        lines.append(f"  {'region':<21}{'left':>8}{'right':>8}{'L−R':>8}{'score':>7}{spread}")
        for name in REGIONS:
            g = a.regions.get(name)
            if g is None:
                lines.append(f"  {REGION_TITLES[name]:<21}{'(not measured)':>31}")
                continue
            extra = f"  ±{g.spread_mm:.1f}" if a.kind == "video" else ""
            lines.append(
                f"  {REGION_TITLES[name]:<21}{g.left_mm:>6.1f}mm{g.right_mm:>6.1f}mm"
                f"{g.diff_mm:>+6.1f}mm{g.score:>7.0f}{extra}"
            )
        lines.append(f"  midline: philtrum {a.philtrum_mm:+.1f} mm, chin {a.chin_mm:+.1f} mm (+ = toward your left)")
        lines.append(f"  resting asymmetry index: {a.asymmetry_index:.0f} (0 = symmetric, 100 = strongly asymmetric)")
    if a.tension:
        kind = (
            "your own relaxed baseline" if a.baseline == "personal" else "built-in defaults (run calibrate for yours)"
        )
        lines.append(f"  tension (0 = relaxed, 1 = fully tense), against {kind}:")
        lines.append(
            "    "
            + "  ".join(
                f"{r} {a.tension[(r, 'left')]:.2f}/{a.tension[(r, 'right')]:.2f}"
                for r in TENSION_REGIONS
                if (r, "left") in a.tension and (r, "right") in a.tension
            )
            + "  (left/right)"
        )
        lines.append(f"  tension index: {a.tension_index:.0f} of 100")
    if a.kind == "video":
        if a.events:
            lines.append(f"  twitches: {len(a.events)}")
            for e in a.events:
                size = f"{e.amplitude:.1f} mm" if e.unit == "mm" else f"amplitude {e.amplitude:.2f}"
                rate = f", {e.frequency_hz:.0f} Hz" if e.frequency_hz is not None else ""
                lines.append(f"    at {e.t_s:5.1f} s: {e.side} {e.region}, {e.duration_s:.1f} s{rate}, {size}")
        elif a.small_face:
            lines.append("  twitches: not looked for (the face is small in the picture)")
        elif a.slow_frames:
            lines.append("  twitches: not looked for (too few frames a second)")
        elif a.regions:
            lines.append("  twitches: none")
    if (b := a.blink_summary) is not None:
        rate = f"{b.per_min:.0f}/min" if b.per_min is not None else f"{b.n} in {b.seconds:.0f} s"
        if b.n:
            pct = lambda v: "–" if v is None else f"{100 * v:.0f} %"  # noqa: E731
            lag = "–" if b.lag_ms is None else f"{b.lag_ms:+.0f} ms"
            rate += (
                f"; incomplete left {pct(b.incomplete_left)}, right {pct(b.incomplete_right)}; completeness "
                f"{pct(b.completeness_left)}/{pct(b.completeness_right)}; lag right − left {lag}"
            )
        lines.append(f"  blinks: {rate}")
    elif a.kind == "video" and a.slow_frames:
        lines.append("  blinks: not looked for (too few frames a second)")
    if a.exclusions:
        lines.append("  left out: " + ", ".join(f"{n} {k}" for k, n in sorted(a.exclusions.items())))
    if a.error:
        lines.append(f"  error: {a.error}")
    for warning in a.warnings:
        lines.append(f"  warning: {warning}")
    return "\n".join(lines)


TIMELINE_FIELDS = [
    "source",
    "t_s",
    "face",
    "used",
    "excluded",
    "mm_per_px",
    "yaw_deg",
    "pitch_deg",
    "roll_deg",
    *[f"{r}_{s}_mm" for r in REGIONS for s in ("left", "right", "diff")],
    "philtrum_mm",
    "chin_mm",
]


def _timeline_rows(a: Analysis):
    for row in a.timeline:
        m = row.measure
        out = {"source": a.source, "t_s": f"{row.t_s:.3f}", "face": int(row.face), "used": int(bool(m and m.usable))}
        if m is not None:
            out.update(
                excluded=";".join(m.excluded),
                mm_per_px=f"{m.mm_per_px:.4f}",
                yaw_deg=f"{m.yaw_deg:.1f}",
                pitch_deg=f"{m.pitch_deg:.1f}",
                roll_deg=f"{m.roll_deg:.1f}",
                philtrum_mm=f"{m.philtrum_mm:.2f}",
                chin_mm=f"{m.chin_mm:.2f}",
            )
            for name, side in m.regions.items():
                out[f"{name}_left_mm"] = f"{side.left:.2f}"
                out[f"{name}_right_mm"] = f"{side.right:.2f}"
                out[f"{name}_diff_mm"] = f"{side.diff:.2f}"
        yield out


def cmd_analyze(args) -> int:
    from .analysis import analyze  # OpenCV and MediaPipe: only for the commands that measure
    from .landmarks import Landmarker

    baseline = load_baseline(args)
    status = 0
    writer = None
    with contextlib.ExitStack() as files:
        lm = files.enter_context(Landmarker(model_path=args.model))  # one for every input: set up once
        if args.timeline:  # per-frame health data: owner-only, and whole or not at all
            writer = csv.DictWriter(files.enter_context(private_file(Path(args.timeline))), TIMELINE_FIELDS)
            writer.writeheader()
        for path in args.paths:
            try:
                result = analyze(
                    path,
                    landmarker=lm,
                    refine=not args.no_refine,
                    progress=None if args.json else _progress(sys.stderr),
                    baseline=baseline,
                )
            except (InputError, NoUsableFaceError) as exc:  # said, and the next input is still analysed
                if not args.json and sys.stderr.isatty():
                    sys.stderr.write("\r")
                status = max(status, exc.exit_code)
                if args.json:
                    print(json.dumps(_error_record(path, None, str(exc))), flush=True)
                else:
                    print(f"facetension: {single_line(str(exc))}", file=sys.stderr)
                continue
            if not args.json and sys.stderr.isatty() and result.kind == "video":
                sys.stderr.write("\r" + " " * 60 + "\r")
            if result.error:
                status = max(status, NoUsableFaceError.exit_code)
            if not args.json and not result.error:  # with an error, the warnings ride on its one line
                for warning in result.warnings:
                    print(f"facetension: warning: {single_line(path)}: {warning}", file=sys.stderr)
            if writer:
                writer.writerows(_timeline_rows(result))
            if args.json:
                print(json.dumps(result.to_json()), flush=True)
            else:
                print(_table(result), flush=True)
                if result.error:
                    why = "; ".join((result.error, *result.warnings))
                    print(f"facetension: {single_line(path)}: {why}", file=sys.stderr)
    return status


def cmd_calibrate(args) -> int:
    from .calibrate import calibrate_checked
    from .capture import CameraSource
    from .landmarks import Landmarker

    if args.source:
        source, name = video_source(args.source, "a calibration"), str(args.source)
    else:
        print(f"Sit comfortably, face the camera and let your face rest for {args.seconds:.0f} seconds...")
        source, name = CameraSource(args.camera, args.seconds), f"camera {args.camera}"
    started = datetime.now(timezone.utc)
    with source, Landmarker("video", args.model) as lm:
        baseline, still = calibrate_checked(
            source, lm, name, started.isoformat(timespec="seconds"), progress=_progress(sys.stderr)
        )
        model_sha = lm.model_sha256
    if sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 60 + "\r")
    print(learnt_text(baseline, still, name))
    if not args.yes and sys.stdin is not None and sys.stdin.isatty():
        default_yes = not still.warnings
        try:
            answer = input(f"Save this as your relaxed baseline? [{'Y/n' if default_yes else 'y/N'}] ").strip().lower()
        except EOFError:
            answer = ""
        if not (answer in ("y", "yes") or (default_yes and not answer)):
            print("Nothing was saved. Record again when your face is at rest: facetension calibrate")
            return EXIT_FAILED
    from .storage import Log, local_timezone

    with Log.open(args.db) as log:
        baseline_id = log.save_baseline(baseline)
        tz, offset = local_timezone(started)
        sid = log.start_session(
            "calibrate", name, started, tz, __version__, model_sha, baseline_id, utc_offset_min=offset
        )
        log.finish_session(sid, datetime.now(timezone.utc), True)
        where = log.path
    if args.out:
        write_baseline_file(baseline, args.out)
    print(f"Relaxed baseline saved in your log {where} ({baseline.frames} frames from {name}).")
    print("From now on, tension is measured against your own relaxed face.")
    return 0


def learnt_text(b, still, name: str) -> str:
    """What calibrate learnt, per side, and how still the face was."""
    r = b.rest
    rows = [
        ("eye opening", r.eye_mm),
        ("mouth corner, below the pupils", r.corner_drop_mm),
        ("mouth corner, out from the midline", r.corner_out_mm),
        ("brow, above the pupil", r.brow_mm),
    ]
    lines = [f"What I learnt from {count(b.frames, 'frame')} of {name} (your left / your right):"]
    lines += [f"  {label:36}{v['left']:5.1f} mm / {v['right']:5.1f} mm" for label, v in rows if v]
    steady = ", ".join(f"{REGION_SHORT[k]} {v:.1f} mm" for k, v in still.diff_spread_mm.items())
    lines.append(f"  how still: head turned {still.head_turn_deg:.1f}°; left-right differences moved by {steady}")
    lines += [f"  Warning: {w}." for w in still.warnings]
    if still.warnings:
        lines.append("  A baseline should be your face at rest: consider recording again, sitting still and relaxed.")
    return "\n".join(lines)


def cmd_status(args) -> int:
    """`facetension` alone: the last session, this week's, and what to do next."""
    from datetime import date, timedelta

    from .errors import NoLogError
    from .habit import habit_from, habit_sentence
    from .storage import Log

    try:
        with Log.open(None, readonly=True) as log:
            records = [r for r in log.sessions() if r.kind == "practice"]
            days = log.practice_days()
    except NoLogError:
        records, days = [], []
    print(f"facetension {__version__}. {NOT_A_DEVICE}")
    if not records:
        print("No practice sessions yet. Try it on the demo video: facetension demo")
        print("Start with: facetension practice")
        return 0
    last = max(records, key=lambda r: r.started_utc)
    week_ago = datetime.now(timezone.utc) - timedelta(days=7)
    this_week = [r for r in records if datetime.fromisoformat(r.started_utc) >= week_ago]
    print(f"Last session: {last.started_local[:16].replace('T', ' ')} ({last.status}).")
    print(f"{count(len(this_week), 'session')} in the last 7 days.")
    habit = habit_sentence(habit_from(days, date.today()))  # today: this computer's local date
    if habit:
        print(habit)
    print("Next: facetension practice  (your trends: facetension report)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argtypes.Parser(
        prog="facetension",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"{NOT_A_DEVICE}\n\nWatch a resting face: asymmetry, tension, relaxation.\n"
        "Without a command: where you are, and what to do next.",
        epilog="When to get help:\n"
        + "\n".join(textwrap.fill(t, 78, initial_indent="  - ", subsequent_indent="    ") for t in RED_FLAGS),
    )
    p.add_argument("--version", action="version", version=f"facetension {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    p.set_defaults(func=cmd_status)
    a = sub.add_parser(
        "analyze",
        help="measure resting asymmetry in photos and videos",
        description="Measure resting left/right asymmetry, region by region, in millimetres.",
    )
    a.add_argument("paths", nargs="+", metavar="PATH", help="photos or videos")
    a.add_argument("--json", action="store_true", help="one JSON object per input, one per line")
    a.add_argument("--timeline", metavar="CSV", help="write per-frame values to this CSV file")
    a.add_argument(
        "--no-refine", action="store_true", help="landmarks only: skip the pixel refinement of lids and brows"
    )
    add_measuring_options(a)
    a.set_defaults(func=cmd_analyze)

    c = sub.add_parser(
        "calibrate",
        help="record your relaxed face as your personal baseline",
        description="Record a relaxed reference: tension is then measured against your own face at rest.",
    )
    src = c.add_mutually_exclusive_group()
    src.add_argument("--source", metavar="VIDEO", help="a clip of your relaxed face instead of the camera")
    src.add_argument("--camera", type=argtypes.camera_index, default=0, metavar="N", help="camera index (default 0)")
    c.add_argument(
        "--seconds", type=argtypes.seconds, default=20.0, help="how long to record from the camera (default 20)"
    )
    c.add_argument("--out", metavar="FILE", help="also write it to this JSON file (to keep or move)")
    c.add_argument("--yes", action="store_true", help="save without asking (at a terminal it asks first)")
    add_db_option(c)
    c.add_argument("--model", metavar="FILE", help="use another Face Landmarker .task file")
    c.set_defaults(func=cmd_calibrate)
    practice_cli.register(sub)
    check_cli.register(sub)
    logcli.register(sub)
    report_cli.register(sub)
    remind_cli.register(sub)
    settings_cli.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    fit_streams()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FacetensionError as exc:
        print(f"facetension: {single_line(str(exc))}", file=sys.stderr)  # paths come from the user
        return exc.exit_code
    except KeyboardInterrupt:
        print("\nfacetension: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `facetension history | head`: the reader left, nothing is wrong
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (the exit's flush writes here, then it closes)
        except OSError:
            pass
        return 0
    except MemoryError:
        print("facetension: out of memory (is the input very large?)", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # the last line of defence: a message, never a traceback
        print(
            f"facetension: internal error ({type(exc).__name__}: {single_line(str(exc))}); please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


# Signals that ask the process to end: the system shutting down or logging out (SIGTERM), the
# terminal closed (SIGHUP). Taken as Ctrl-C is, so a practice or a check under way ends as
# stopped, with what it measured kept and the camera and window closed, rather than dying
# mid-frame (the log then recovered the session only at its next opening, as interrupted).
ENDING_SIGNALS = ("SIGTERM", "SIGHUP")


_signalled: list[int] = []  # the ending signals received, in order


def _as_interrupt(signum, frame) -> None:
    _signalled.append(signum)
    raise KeyboardInterrupt


def _quiet_dead_streams() -> None:
    """After the terminal closed (SIGHUP), stdout and stderr fail with EIO: what could not be
    said is dropped, so that the exit code stays ours (Python's own flush at exit would fail,
    and the process would end with 120)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
                os.close(devnull)
            except (OSError, ValueError):
                pass


def run() -> int:
    """The `facetension` command: main() with native libraries' own lines kept off the terminal
    for the whole run. FFmpeg's decoder threads, libpng and MediaPipe write to file descriptor
    2 at any moment, even after the call that set them off has returned; facetension says
    each problem once, in its own words, through sys.stderr."""
    native_stderr_to_null()
    for name in ENDING_SIGNALS:
        if hasattr(signal, name):  # Windows has no SIGHUP
            signal.signal(getattr(signal, name), _as_interrupt)
    try:
        code = main()
    except OSError as exc:  # even the last line of defence could not be written: the terminal is gone
        # (EIO: closed, its SIGHUP not yet here; a session that ended meanwhile is already kept)
        code = EXIT_INTERRUPTED if _signalled or exc.errno == errno.EIO else EXIT_INTERNAL
    _quiet_dead_streams()
    return code


if __name__ == "__main__":
    sys.exit(main())
