"""`facetension settings`: the person's own settings, kept in the log's settings table.

One so far: the affected side (`--affected-side left|right|none`, or `auto` to have it
inferred again). The report judges a region whose left − right passes through the person's
symmetric point by it (symmetry.py). Unset, it is inferred from the first sessions and always
shown as inferred. `facetension settings` alone shows the settings, and what symmetric means
for the regions' trends (the calibrated relaxed face, or 0).
"""

from __future__ import annotations

import argparse

from .cli_common import add_db_option
from .errors import NoLogError
from .report_cli import AFFECTED_SIDE_KEY, symmetry_context
from .report_symmetry import reference_sentence, side_sentence
from .storage import Log
from .symmetry import AFFECTED_SIDES, ZERO, AffectedSide

AUTO = "auto"  # stored as such: the same as never set


def _side(text: str) -> str:
    value = text.strip().lower()
    if value not in (*AFFECTED_SIDES, AUTO):
        raise argparse.ArgumentTypeError(f"the affected side must be left, right, none or auto, got {text!r}")
    return value


def register(sub) -> None:
    s = sub.add_parser(
        "settings",
        help="your settings: the side affected by the palsy",
        description="Show your settings, or set the side affected by the palsy: the trends report uses it "
        "to judge a region that passes through symmetry. Unset, it is inferred from your first sessions.",
    )
    s.add_argument(
        "--affected-side",
        type=_side,
        metavar="SIDE",
        help="left, right or none (neither side); auto infers it from your first sessions again",
    )
    add_db_option(s)
    s.set_defaults(func=cmd_settings)


def cmd_settings(args) -> int:
    if args.affected_side is not None:
        with Log.open(args.db) as log:
            log.set_setting(AFFECTED_SIDE_KEY, args.affected_side)
            side, reference = symmetry_context(log)
        if args.affected_side == AUTO:
            print("The affected side is inferred from your first sessions again.")
        else:
            print(f"Affected side set to {args.affected_side}.")
    else:
        try:
            with Log.open(args.db, readonly=True) as log:
                side, reference = symmetry_context(log)
        except NoLogError:
            side, reference = AffectedSide(None, inferred=True), ZERO
    print(side_sentence(side))
    print(reference_sentence(reference))
    return 0
