"""What a finished practice says to the person, in plain sentences: the biggest changes with
their numbers, how long the face stayed relaxed, any twitches, and a close that encourages
without promising. Pure: the window's summary screen and the terminal say the same words."""

from __future__ import annotations

from .logrecords import SessionSummary
from .tension import SIDES, TENSION_REGIONS
from .wording import REGION_NAMES, clock

MIN_CHANGE = 0.05  # tension (0..1): smaller before→after changes are within a session's noise
MAX_CHANGES = 2  # the one or two biggest, not a table
CLOSE = "Thank you for taking this time for your face. Small changes add up over the weeks."
# Under a second of the guided relaxation measured (the face covered, turned away or out of
# the picture): "0:00 of 0:00" would say nothing, so it says why.
MIN_RELAX_MEASURED_S = 1.0
RELAX_UNMEASURED = (
    "Your face could hardly be seen during the guided relaxation (covered, turned away or out of the "
    "picture), so how long you stayed relaxed is not known."
)
# Blinks: said only when one side stands out. Both sides' completeness drops alike when a
# camera's frames miss the closed moment, so it is the gap between the sides that counts.
# A face too few pixels across (metrics.SMALL_FACE_IRIS_PX) is not watched for twitches: "no
# twitches" would claim what was not looked at.
TWITCHES_UNWATCHED = (
    "Twitches were not looked for: your face was small in the picture. Sit closer, or use a "
    "sharper camera, to have them watched."
)
TWITCHES_UNWATCHED_SLOW = (
    "Twitches were not looked for: too few pictures a second came through (a webcam slows down "
    "in dim light, and a busy computer takes fewer). More light on your face helps."
)
BLINK_MIN_N = 5  # fewer blinks say too little about a side
BLINK_SIDE_GAP = 0.2  # one side's share of incomplete blinks this much above the other's,
# and its median completeness this much below (a lid closing only four fifths as far): the
# reading's own bias between two eyes is up to 0.15 (the median completeness of ten scripted
# symmetric blinks on 14 still photos differed by 0.09 on miller and middleditch and 0.15 on
# the small mf_back, and one of their eyes read "incomplete" in 30-90 % of them) ...
BLINK_COMPLETENESS_GAP = 0.2
BLINK_LAG_MS = 40.0  # ... or one eye closing this long after the other (over a frame at 30 fps)


def _where(region: str, side: str) -> str:
    if region in ("chin", "jaw"):
        return f"your {region}"
    if region == "mouth":
        return f"the {side} corner of your mouth"
    return f"your {side} {REGION_NAMES[region]}"


def _eased(b, a) -> list[tuple[float, tuple[str, str]]]:
    """The one or two (region, side) whose tension fell most, by at least MIN_CHANGE."""
    changes = sorted(
        (
            (b.tension[k] - a.tension[k], k)
            for k in ((r, sd) for r in TENSION_REGIONS for sd in SIDES)
            if k in b.tension and k in a.tension
        ),
        reverse=True,
    )
    return [(d, k) for d, k in changes if d >= MIN_CHANGE][:MAX_CHANGES]


def massage_effect(s: SessionSummary) -> list[str]:
    """The massage's effect, before → after it, in plain words (none without both)."""
    b, m = s.before, s.after_massage
    if b is None or m is None:
        return []
    out = []
    for _, (region, side) in _eased(b, m):
        where = _where(region, side)
        out.append(
            f"After the massage {where} was looser: tension {b.tension[(region, side)]:.2f} → "
            f"{m.tension[(region, side)]:.2f}."
        )
    if not out and b.tension_index is not None and m.tension_index is not None:
        out.append(
            f"The massage left your face's tension about where it was (index {b.tension_index:.0f} → "
            f"{m.tension_index:.0f}); that is worth knowing too."
        )
    return out


def blink_note(s: SessionSummary) -> str | None:
    """One sentence on the blinks when one side closed less fully, or later, than the other."""
    b = s.blinks
    if b is None or b.n < BLINK_MIN_N:
        return None
    parts = []
    gap = b.incomplete_left - b.incomplete_right
    less = b.completeness_right - b.completeness_left  # + when the left closed less
    if abs(gap) >= BLINK_SIDE_GAP and gap * less > 0 and abs(less) >= BLINK_COMPLETENESS_GAP:
        side, other = ("left", "right") if gap > 0 else ("right", "left")
        parts.append(
            f"your {side} eye closed less fully than your {other} (not all the way in "
            f"{b.incomplete(side):.0%} of them, the {other} in {b.incomplete(other):.0%})"
        )
    if b.lag_ms is not None and abs(b.lag_ms) >= BLINK_LAG_MS:
        late, early = ("right", "left") if b.lag_ms > 0 else ("left", "right")
        parts.append(f"your {late} eye closed about {abs(b.lag_ms):.0f} ms after your {early}")
    if not parts:
        return None
    return f"Over your {b.n} blinks, " + " and ".join(parts) + ". The report follows this from week to week."


def recap(s: SessionSummary, stopped_after_s: float | None = None) -> list[str]:
    """The sentences, in the order a person reads them."""
    out = []
    if stopped_after_s is not None:
        out.append(f"Stopped after {clock(stopped_after_s)}.")
    b, a = s.before, s.after
    out += massage_effect(s)
    if b is not None and a is not None:
        eased = _eased(b, a)
        for _, (region, side) in eased:
            where = _where(region, side)
            out.append(
                f"{where[0].upper()}{where[1:]} relaxed: tension {b.tension[(region, side)]:.2f} → "
                f"{a.tension[(region, side)]:.2f}."
            )
        if not eased and b.tension_index is not None and a.tension_index is not None:
            out.append(
                f"Your face held about the same tension from start to end "
                f"(index {b.tension_index:.0f} → {a.tension_index:.0f})."
            )
    elif b is not None:
        index = "" if b.tension_index is None else f" (tension index {b.tension_index:.0f})"
        out.append(
            f"Your resting face was measured at the start{index}; the session ended before the "
            "measurement after the relaxation."
        )
    else:
        out.append("The session ended before your face could be measured.")
    if (s.relax_s or 0.0) >= MIN_RELAX_MEASURED_S:
        out.append(f"You stayed relaxed for {clock(s.relaxed_s)} of {clock(s.relax_s)} of guided relaxation.")
    elif s.relax_s:
        out.append(RELAX_UNMEASURED)
    n = len(s.twitch_events)
    if n:
        where = ", ".join(
            f"{e.side} {REGION_NAMES[e.region]} at {clock(e.t_s, floor=True)}"
            + (f" (a burst, {e.frequency_hz:.0f} a second)" if e.frequency_hz is not None else "")
            for e in s.twitch_events
        )
        out.append(f"{'One twitch' if n == 1 else f'{n} twitches'}: {where}.")
    elif s.small_face:
        out.append(TWITCHES_UNWATCHED)
    elif s.slow_frames:
        out.append(TWITCHES_UNWATCHED_SLOW)
    elif b is not None:
        out.append("No twitches.")
    if note := blink_note(s):
        out.append(note)
    out.append(CLOSE)
    return out
