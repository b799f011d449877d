"""`facetension practice` and `facetension cameras`: the command-line side of the live loop.

Chooses the source, the window and the recorder, then prints what the person needs:
prompts (without a window), the summary, and a clear line when something went wrong.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from . import argtypes
from .cli_common import add_measuring_options, first_run_notice, open_stream
from .errors import EXIT_INTERRUPTED, CameraError, InputError
from .metrics import REGIONS
from .tension import TENSION_REGIONS
from .wording import REGION_NAMES, clock

if TYPE_CHECKING:  # the live loop's modules load OpenCV and MediaPipe: imported when used
    from .live import Outcome
    from .logrecords import Measures, SessionSummary
    from .session import Event

EXIT_INCOMPLETE = {
    "camera-lost": CameraError.exit_code,
    "source-failed": InputError.exit_code,
    "source-ended": InputError.exit_code,
    "interrupted": EXIT_INTERRUPTED,  # Ctrl-C, or the system asking the process to end
}
MAX_CAMERA_INDEX = 8  # `cameras` tries indices 0..7
EVENING_BREATHS_PER_MIN = 5.0  # the evening wind-down's slower pacer ...
EVENING_RELAX_S = 180.0  # ... and shorter relaxation
CHECKIN_INTRO = "Before we start: how are you today? (Enter skips a question, s skips the check-in.)"


def print_event(e: Event) -> None:
    if e.kind == "massage" and e.logged:  # a step's end, for the log: its start was said
        return
    if e.kind == "blink":  # for the log only: the summary speaks of blinks when they stand out
        return
    line = f"{clock(e.t_s, floor=True)}  — {e.text} —" if e.kind == "phase" else f"{clock(e.t_s, floor=True)}  {e.text}"
    try:
        print(line, flush=True)
    except OSError:  # the terminal closed (EIO before its SIGHUP arrives): the log keeps it, the session goes on
        pass


def _pair(m: Measures | None, region: str) -> str:
    if m is None or (region, "left") not in m.tension or (region, "right") not in m.tension:
        return "   –   "
    return f"{m.tension[(region, 'left')]:.2f}/{m.tension[(region, 'right')]:.2f}"


def _num(v, digits: int, sign: bool = False) -> str:
    if v is None:
        return "–"
    return f"{v:+.{digits}f}" if sign else f"{v:.{digits}f}"


def summary_text(s: SessionSummary, outcome: Outcome) -> str:
    """The recap's sentences first (the window's summary screen says the same), then the
    numbers, as a table when there is a before and an after to compare."""
    from .recap import MIN_RELAX_MEASURED_S, recap

    state = "completed" if s.completed else f"stopped early ({outcome.stop_reason.replace('-', ' ')})"
    stopped = None if s.completed else outcome.elapsed_s
    lines = [f"Session summary: {state}", *recap(s, stopped)]
    if s.before is None or s.after is None:  # nothing to compare: no table of dashes
        if s.baseline == "default":
            lines.append("Tension was measured against built-in defaults: run `facetension calibrate` for yours.")
        return "\n".join(lines)
    lines += ["", f"{'':24}{'before':>12}{'after':>12}"]
    b, a = s.before, s.after
    lines.append(
        f"{'tension index (0–100)':24}{_num(b and b.tension_index, 0):>12}{_num(a and a.tension_index, 0):>12}"
    )
    lines.append("tension, your left/right:")
    for region in TENSION_REGIONS:
        lines.append(f"  {REGION_NAMES[region]:22}{_pair(b, region):>12}{_pair(a, region):>12}")
    lines.append("asymmetry, left − right (mm):")
    for region in REGIONS:
        lines.append(
            f"  {REGION_NAMES[region]:22}{_num(b and b.diffs.get(region), 1, True):>12}"
            f"{_num(a and a.diffs.get(region), 1, True):>12}"
        )
    if s.after_massage is not None:
        lines += _massage_lines(s)
    if (s.relax_s or 0.0) >= MIN_RELAX_MEASURED_S:
        lines.append(f"Time relaxed: {s.relaxed_s:.0f} s of {s.relax_s:.0f} s of guided relaxation.")
    if s.twitch_events:
        lines.append(
            f"Twitches: {len(s.twitch_events)} ("
            + ", ".join(f"{e.side} {e.region} at {clock(e.t_s, floor=True)}" for e in s.twitch_events)
            + ")"
        )
    elif s.small_face:  # none was looked for (recap.TWITCHES_UNWATCHED)
        lines.append("Twitches: not looked for (the face was small in the picture)")
    elif s.slow_frames:
        lines.append("Twitches: not looked for (too few frames a second)")
    else:
        lines.append("Twitches: none")
    if s.baseline == "default":
        lines.append("Tension was measured against built-in defaults: run `facetension calibrate` for yours.")
    return "\n".join(lines)


def _massage_lines(s: SessionSummary) -> list[str]:
    """Before and after the massage, per region, in plain words."""
    b, m = s.before, s.after_massage
    lines = ["", f"{'':24}{'before':>12}{'after massage':>15}"]
    lines.append(f"{'tension index (0–100)':24}{_num(b and b.tension_index, 0):>12}{_num(m.tension_index, 0):>15}")
    for region in TENSION_REGIONS:
        lines.append(f"  {REGION_NAMES[region]:22}{_pair(b, region):>12}{_pair(m, region):>15}")
    lines.append(
        f"{'asymmetry index (0–100)':24}{_num(b and b.asymmetry_index, 0):>12}{_num(m.asymmetry_index, 0):>15}"
    )
    return lines


def _terminal_checkin(log, session_id: int, read=input) -> bool:
    """The check-in's questions at a terminal; True when something was answered."""
    from .logcli import prompt_journal

    print(CHECKIN_INTRO, flush=True)

    def ask(prompt: str) -> str:
        answer = read(prompt)
        if answer.strip().lower() == "s":
            raise EOFError  # skip the rest
        return answer

    j = prompt_journal(log, session_id, ("pain_before", "tags"), read=ask)
    return j.pain_before is not None or bool(j.tags)


def _save_checkin(log, session_id: int, checkin, evening: bool) -> None:
    tags = set(checkin.tags) | ({"evening"} if evening else set())
    if checkin.answered or evening:
        log.set_journal(session_id, pain_before=checkin.pain, tags=sorted(tags))


def _settings(args, source, baseline):
    from .capture import VideoSource
    from .session import PracticeSettings

    massage_s = (args.massage or 0.0) * 60.0
    given = dict(breaths_per_min=EVENING_BREATHS_PER_MIN, evening=True) if args.evening else {}
    if args.minutes is not None:
        return PracticeSettings(relax_s=args.minutes * 60.0, massage_s=massage_s, **given)
    if isinstance(source, VideoSource) and source.declared_frames:
        learn = baseline is None and not args.no_baseline
        return PracticeSettings.fitted(source.declared_frames / source.fps, learn, massage_s, **given)
    relax = dict(relax_s=EVENING_RELAX_S) if args.evening else {}
    return PracticeSettings(massage_s=massage_s, **relax, **given)


def _departure(log, session_id: int) -> str | None:
    """The session against the person's own recent range (trends.departure)."""
    from .report_cli import points_from
    from .trends import departure

    points, _ = points_from(log)
    now = next((p for p in points if p.session_id == session_id), None)
    return None if now is None or not now.completed else departure(points, now)


def _habit(log) -> None:
    """'Practised 5 of the last 7 days', gently (habit.py)."""
    from datetime import date

    from .habit import habit_from, habit_sentence

    text = habit_sentence(habit_from(log.practice_days(), date.today()))  # this computer's local date
    if text:
        print(text, flush=True)


def cmd_practice(args) -> int:
    from . import __version__
    from .capture import CameraSource
    from .checkin import CheckIn
    from .cli_common import load_baseline
    from .ending import held
    from .landmarks import load_model
    from .live import display_available, run
    from .recording import LogRecorder
    from .session import PracticeSession
    from .storage import Log, local_timezone

    window = not args.no_window
    if window and not display_available():
        print("No display to open a window on: the session runs here in the terminal.", flush=True)
        window = False
    baseline = load_baseline(args)
    _, model_sha = load_model(args.model)
    source, name = open_stream(args, "practice")
    with source, Log.open(args.db) as log:
        settings = _settings(args, source, baseline)
        first_run_notice(log, datetime.now(timezone.utc).isoformat(timespec="seconds"))
        session = PracticeSession(settings, baseline, name, learn=not args.no_baseline)
        if baseline is None and not args.no_baseline:
            print("First session: I will learn your relaxed face first. Let your face rest.", flush=True)
        started = datetime.now(timezone.utc)
        tz, offset = local_timezone(started)
        baseline_id = log.latest_baseline_id() if baseline is not None and not args.baseline else None
        sid = log.start_session(
            "practice", name, started, tz, __version__, model_sha, baseline_id, utc_offset_min=offset
        )
        checkin = None if args.no_checkin else CheckIn()
        checked_in = False
        if checkin is not None and not window:
            checked_in = sys.stdin.isatty() and _terminal_checkin(log, sid)
            checkin = None
        if args.evening and checkin is None:
            _save_checkin(log, sid, CheckIn(done=True), evening=True)

        def saved(answers) -> None:
            nonlocal checked_in
            _save_checkin(log, sid, answers, args.evening)
            checked_in = answers.answered

        recorder = LogRecorder(log, sid, session)
        outcome = run(
            source,
            session,
            recorder,
            window=window,
            model_path=args.model,
            realtime=args.realtime,
            on_event=None if window else print_event,
            checkin=checkin,
            on_checkin=saved,
        )
        if recorder.failure is not None:  # the log stopped accepting the session part-way
            print(summary_text(outcome.summary, outcome), flush=True)
            raise recorder.failure
        # A recorded clip (the demo, say) must never replace the person's own baseline.
        keep_baseline = session.new_baseline is not None and isinstance(source, CameraSource)
        with held():  # the session's end is written whole; an ending signal acts after it
            log.finish_session(sid, datetime.now(timezone.utc), outcome.completed, outcome.summary)
            if keep_baseline:
                taken = datetime.now(timezone.utc).isoformat(timespec="seconds")
                log.save_baseline(replace(session.new_baseline, taken_at=taken))
        if keep_baseline:
            print("Your relaxed face is saved as your baseline.")
        elif session.new_baseline is not None:
            print(
                "The relaxed face learnt from this video was used for this session only "
                "(save one with `facetension calibrate`)."
            )
        print(summary_text(outcome.summary, outcome), flush=True)
        note = _departure(log, sid)
        if note:
            print(note, flush=True)
        if not getattr(args, "demo", False):
            print(f"Saved in your log as session {sid}.", flush=True)
            _habit(log)
        if not args.no_journal and sys.stdin.isatty() and outcome.stop_reason != "interrupted":
            from .logcli import JOURNAL_FIELDS, prompt_journal

            print("How is your face now? (Enter skips a question.)")
            prompt_journal(log, sid, ("pain_after",) if checked_in else JOURNAL_FIELDS)
    if outcome.stop_reason in EXIT_INCOMPLETE:
        print(f"facetension: {outcome.message}; the session is kept as incomplete", file=sys.stderr)
        return EXIT_INCOMPLETE[outcome.stop_reason]
    return 0


DEMO_CLIP = Path("samples") / "practice_demo.mp4"  # in a checkout, beside the package


def _demo_clip() -> Path | None:
    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (root / DEMO_CLIP).is_file():
            return root / DEMO_CLIP
    return None


def cmd_demo(args) -> int:
    """A whole practice on a video, recorded into a throwaway log: the person's own log, and
    their baseline, are never touched."""
    import tempfile

    clip = args.source or _demo_clip()
    if clip is None:
        raise InputError(f"the demo video ({DEMO_CLIP}) is not here: give one with --source VIDEO")
    with tempfile.TemporaryDirectory(prefix="facetension-demo-") as tmp:
        demo = argparse.Namespace(
            source=str(clip),
            camera=None,
            minutes=None,
            no_window=args.no_window,
            realtime=args.realtime,
            no_journal=True,
            no_checkin=True,
            massage=None,
            evening=False,
            model=None,
            baseline=None,
            no_baseline=False,
            db=str(Path(tmp) / "demo.db"),
            demo=True,
        )
        rc = cmd_practice(demo)
    print("That was a demo on a recorded face: nothing was saved. Start for real with: facetension practice")
    return rc


def cmd_cameras(args) -> int:
    from .capture import probe_cameras

    found = probe_cameras(MAX_CAMERA_INDEX)
    if not found:
        print("facetension: no camera opens (none connected, or all in use by other programs)", file=sys.stderr)
        return CameraError.exit_code
    for index, w, h in found:
        print(f"camera {index}: {w}×{h}  (facetension practice --camera {index})")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "practice",
        help="a guided relaxation session at the webcam",
        description="Check, rest, guided relaxation, rest again, and a summary. "
        "Keys in the window: q or Esc ends and saves, space pauses, m shows the mesh.",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=argtypes.camera_index, default=0, metavar="N", help="camera index (default 0)")
    src.add_argument("--source", metavar="VIDEO", help="a video file instead of the camera")
    p.add_argument(
        "--minutes", type=argtypes.minutes, help="guided relaxation length (default 5; a video fits its own length)"
    )
    p.add_argument("--no-window", action="store_true", help="print prompts and the summary in the terminal")
    p.add_argument("--realtime", action="store_true", help="play a video at its own pace, like a camera")
    p.add_argument("--no-journal", action="store_true", help="do not ask for pain and triggers at the end")
    p.add_argument("--no-checkin", action="store_true", help="do not ask for pain and the day's triggers first")
    p.add_argument(
        "--massage",
        type=argtypes.massage_minutes,
        metavar="MINUTES",
        help="a guided gentle self-massage after the first rest (3 is a good start; default none)",
    )
    p.add_argument(
        "--evening", action="store_true", help="the evening wind-down: a slower pacer, a shorter session, calm words"
    )
    add_measuring_options(p)
    p.set_defaults(func=cmd_practice)
    d = sub.add_parser(
        "demo",
        help="try a whole practice on a recorded face; nothing is saved",
        description="A whole practice on the demo video (or --source VIDEO), recorded into a "
        "throwaway log: your own log and baseline are left as they are.",
    )
    d.add_argument("--source", metavar="VIDEO", help=f"another video (default: {DEMO_CLIP} in the checkout)")
    d.add_argument("--no-window", action="store_true", help="print prompts and the summary in the terminal")
    d.add_argument("--realtime", action="store_true", help="play the video at its own pace, like a camera")
    d.set_defaults(func=cmd_demo)
    c = sub.add_parser("cameras", help="list the cameras that open", description="List the cameras that open.")
    c.set_defaults(func=cmd_cameras)
