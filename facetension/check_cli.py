"""`facetension check`: the weekly movement check from the command line.

Chooses the source and the window, runs the set, prints the figures (a table, or one JSON
object with --json), and keeps the check in the log."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from . import argtypes
from .check_plan import BY_KEY, HALF_STRENGTH
from .check_types import ESTIMATE as CHECK_ESTIMATE
from .check_types import REST_AGAIN
from .cli_common import add_db_option, open_stream
from .errors import EXIT_INTERRUPTED, CameraError, InputError, NoUsableFaceError, StorageError

if TYPE_CHECKING:
    from .check_types import CheckResult, MovementResult

EXIT_INCOMPLETE = {
    "camera-lost": CameraError.exit_code,
    "source-failed": InputError.exit_code,
    "interrupted": EXIT_INTERRUPTED,  # Ctrl-C, or the system asking the process to end
}
ESTIMATE = f"These are {CHECK_ESTIMATE[0].lower()}{CHECK_ESTIMATE[1:]}"
INTRO = (
    f"The movement check: rest, then six movements, three times each. Move gently, at {HALF_STRENGTH}: "
    "forcing a movement can strengthen synkinesis."
)


def _mm(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def _movement_line(m: MovementResult) -> str:
    ratio = "–" if m.ratio is None else f"{100 * m.ratio:.0f} %"
    weaker = f" ({m.weaker} weaker)" if m.weaker else ""
    g = m.synkinesis.grade
    line = (
        f"  {BY_KEY[m.movement].name:<14}{_mm(m.excursion_mm.left):>7}{_mm(m.excursion_mm.right):>7}"
        f"{ratio:>8}{weaker:<16}{g[0]:>3}/{g[1]}"
    )
    if m.closure is not None:
        meet = [("lids meet" if met else "lids apart") for met in (m.lids_meet or (False, False))]
        line += f"   closed {100 * m.closure.left:.0f} % ({meet[0]}) / {100 * m.closure.right:.0f} % ({meet[1]})"
    return line


def result_text(r: CheckResult) -> str:
    lines = [
        "Movement check: how far each side moved from rest (mm), the weaker side's share of the",
        "stronger side's movement, and synkinesis (unwanted movement elsewhere) graded 0-3 per side.",
        ESTIMATE,
        "",
    ]
    lines.append(f"  {'movement':<14}{'left':>7}{'right':>7}{'ratio':>8}{'':<16}{'synk L/R':>9}")
    for m in r.movements:
        lines.append(_movement_line(m))
    if r.missing:
        lines.append("Not found in this check (not scored): " + ", ".join(BY_KEY[k].name for k in r.missing))
    if not r.in_order:
        lines.append("The movements came in another order than the set's: " + ", ".join(r.order))
    s = r.scores
    lines.append("")
    lines.append(
        "Scores (Sunnybrook-like): "
        + f"voluntary movement {s.voluntary if s.voluntary is not None else '–'}/100, "
        + f"synkinesis {s.synkinesis if s.synkinesis is not None else '–'}/15, "
        + f"resting asymmetry {s.resting if s.resting is not None else '–'}/20, "
        + f"composite {s.composite if s.composite is not None else '–'}"
    )
    if s.dynamic is not None:
        lines.append(f"Movement symmetry (eFACE-like): {s.dynamic:.0f} % (the weaker side's share, on average)")
    return "\n".join(lines)


def _save(args, result: CheckResult, name: str, started: datetime, model_sha: str) -> int | None:
    from . import __version__
    from .checklog import save_check
    from .storage import local_timezone

    tz, _ = local_timezone(started)
    local = started.astimezone().isoformat(timespec="seconds")
    return save_check(
        args.db,
        result,
        source=name,
        started_utc=started.isoformat(timespec="seconds"),
        started_local=local,
        tz=tz,
        app_version=__version__,
        model_sha256=model_sha,
    )


def cmd_check(args) -> int:
    from .check_live import run_check
    from .ending import held
    from .landmarks import load_model
    from .live import display_available

    window = not args.no_window
    if window and not display_available():
        if not args.json:
            print("No display to open a window on: the check runs here in the terminal.", flush=True)
        window = False
    _, model_sha = load_model(args.model)
    source, name = open_stream(args, "the check")
    if not args.json:
        print(INTRO, flush=True)

    def say(step) -> None:
        if not args.json and not window and args.source is None:
            print(step.text, flush=True)

    started = datetime.now(timezone.utc)
    with source:
        outcome = run_check(source, window=window, model_path=args.model, realtime=args.realtime, on_step=say)
    result = outcome.result
    if outcome.stop_reason == "interrupted" and not result.movements:
        print("facetension: interrupted before any movement was seen: nothing was kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    if result.measured == 0:
        raise NoUsableFaceError(f"{name}: no face was found, so nothing could be measured")
    if not result.movements and outcome.stop_reason == "user":
        print("The check was stopped before any movement was seen: nothing was kept.", flush=True)
        return 0
    if result.rest_problem is not None:
        raise NoUsableFaceError(f"{name}: {result.rest_problem}, so nothing could be measured from it. {REST_AGAIN}")
    if not result.movements:
        raise NoUsableFaceError(f"{name}: none of the check's movements was found (was the face at rest throughout?)")
    check_id, failure = None, None
    if not args.no_log:
        try:
            with held():  # written whole; an ending signal acts after it
                check_id = _save(args, result, name, started, model_sha)
        except StorageError as exc:  # a full or failing disk: the person still sees the result
            failure = exc
    if args.json:
        out = result.to_json()
        out["source"] = name
        out["check_id"] = check_id
        out["stop_reason"] = outcome.stop_reason
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(result_text(result), flush=True)
        if check_id is not None:
            print(f"Saved in your log as check {check_id}.", flush=True)
    if failure is not None:
        raise failure
    if outcome.stop_reason in EXIT_INCOMPLETE:
        print(f"facetension: {outcome.message}; what was seen is kept", file=sys.stderr)
        return EXIT_INCOMPLETE[outcome.stop_reason]
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "check",
        help="the weekly movement check: each side's movement and synkinesis",
        description="Rest, then six gentle movements three times each (raise the brows, close the eyes, "
        "smile with the lips closed, open smile, wrinkle the nose, pucker). Prints how far each side moved, "
        "the weaker side's share and synkinesis grades, and keeps them in your log. " + ESTIMATE,
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=argtypes.camera_index, default=0, metavar="N", help="camera index (default 0)")
    src.add_argument("--source", metavar="VIDEO", help="a video of someone following the set, instead of the camera")
    p.add_argument("--no-window", action="store_true", help="print the cues and the result in the terminal")
    p.add_argument("--json", action="store_true", help="print the whole result as one JSON object")
    p.add_argument("--realtime", action="store_true", help="play a video at its own pace, like a camera")
    p.add_argument("--no-log", action="store_true", help="do not keep this check in the log")
    p.add_argument("--model", metavar="FILE", help="use another Face Landmarker .task file")
    add_db_option(p)
    p.set_defaults(func=cmd_check)
