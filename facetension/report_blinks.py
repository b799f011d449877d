"""The report's "Blinks, eye by eye": how completely each eye closes and how far the right
eye's closing lags behind the left's, over the recent weeks and as trends (blinks.py measures
them; each practice logs every blink as two "blink" events, one per eye).

Over the last RECENT_WEEKS weeks of completed sessions with blinks (counted back from the
newest): per side the share of all their blinks that were incomplete (closing less than
blinks.INCOMPLETE_BELOW) and the median of the sessions' median completeness; the median of
the sessions' median lag (right − left, ms; + = the right eye closes later).

Trends per week, over completed sessions with at least MIN_SESSION_BLINKS blinks (a share of
fewer blinks moves in steps of more than 10 points): each side's incomplete share and the lag,
with the report's own Theil–Sen slope and 95 % interval (trends.theil_sen). The incomplete
share reads "improving" (falling) or "worsening" (rising), the lag "toward symmetry" or "away
from symmetry" (its fitted line nearing 0 ms or not: symmetry.judge with 0 as the symmetric
point), both only when the interval excludes 0, else "no clear change yet".

In --json "blinks" shares are 0..1 and their slopes shares a week; the words say percent. A log
with no blink (sessions from before blinks were logged) gets one calm sentence on the page and
in --json, and no line in `trend`, as the massage does.

Reading: session_summaries is blinks.logged_summary for every session at once, on the plain
rows Log.blink_rows reads in one query (vectorised: an EventRow and a Blink per row of two
years of blinks took longer than the rest of the report); tests/test_report_blinks.py holds
the two equal.
"""

from __future__ import annotations

import html
from dataclasses import asdict, replace
from datetime import timedelta

import numpy as np

from .blinks import INCOMPLETE_BELOW, LAG_MIN_COMPLETENESS, MIN_RATE_S, SIDES, BlinkSummary
from .symmetry import TOO_FEW, judge
from .trends import Point, days_since, line_at, theil_sen, week_start
from .wording import count

RECENT_WEEKS = 4
# The reading's own bias between two eyes: ten scripted symmetric blinks on each of 14 still
# photos (recap.BLINK_COMPLETENESS_GAP): one eye's median completeness read up to 0.15 lower.
READING_BIAS = 0.15
MIN_SESSION_BLINKS = 10
NO_BLINKS = (
    "No blinks logged yet: sessions recorded before facetension measured each eye's blinks have none, "
    "and this part fills in as you practise."
)
TREND_TITLES = {
    "incomplete_left": "Incomplete blinks, your left eye",
    "incomplete_right": "Incomplete blinks, your right eye",
    "lag_ms": "Lag between your eyes",
}


# -- reading: blinks.logged_summary for many sessions --------------------------------------
def session_summaries(rows: list[tuple], watched: dict[int, float]) -> dict[int, BlinkSummary]:
    """Per session, what blinks.logged_summary gives from its events and samples, from
    Log.blink_rows: rows (session_id, t_s, side 0 left / 1 right, duration_s, amplitude) in
    the order logged, and the seconds each session's eyes were watched. As blinks.from_events
    pairs them, a blink is a left row followed by a right row of the same session with the
    same duration; an eye with no amplitude did not close. Sessions with no blink are left
    out (logged_summary's None)."""
    if not rows:
        return {}
    sid, t, side, dur, amp = np.array(rows, dtype=float).T  # NULL → nan
    same_duration = (dur[:-1] == dur[1:]) | (np.isnan(dur[:-1]) & np.isnan(dur[1:]))
    i = np.flatnonzero((sid[:-1] == sid[1:]) & (side[:-1] == 0) & (side[1:] == 1) & same_duration)
    if not len(i):
        return {}
    keys = sid[i]
    closure = {s: np.where(np.isnan(amp[j]), 0.0, amp[j]) for s, j in zip(SIDES, (i, i + 1))}
    timed = (closure["left"] >= LAG_MIN_COMPLETENESS) & (closure["right"] >= LAG_MIN_COMPLETENESS)
    lag = np.where(timed, 1000.0 * (t[i + 1] - t[i]), np.nan)
    sessions, group, n = np.unique(keys, return_inverse=True, return_counts=True)
    incomplete = {s: np.bincount(group, c < INCOMPLETE_BELOW, len(sessions)) for s, c in closure.items()}
    medians = {s: _grouped_median(keys, c) for s, c in closure.items()}
    lags = _grouped_median(keys, lag)
    out = {}
    for k, (session, blinks) in enumerate(zip(sessions.astype(int).tolist(), n.tolist())):
        seconds = float(watched.get(session, 0.0))
        if not seconds > 0:  # eyes never watched: blinks.summarise gives None
            continue
        out[session] = BlinkSummary(
            blinks,
            seconds,
            60.0 * blinks / seconds if seconds >= MIN_RATE_S else None,
            int(incomplete["left"][k]) / blinks,
            int(incomplete["right"][k]) / blinks,
            medians["left"][session],
            medians["right"][session],
            lags.get(session),
        )
    return out


def _grouped_median(keys: np.ndarray, values: np.ndarray) -> dict[int, float]:
    """The median of the finite values per key, as np.median takes it (the middle value, or
    the mean of the two middle ones)."""
    ok = np.isfinite(values)
    keys, values = keys[ok], values[ok]
    order = np.lexsort((values, keys))
    keys, values = keys[order], values[order]
    found, start, n = np.unique(keys, return_index=True, return_counts=True)
    middle = (values[start + (n - 1) // 2] + values[start + n // 2]) / 2
    return dict(zip(found.astype(int).tolist(), middle.tolist()))


# -- numbers ---------------------------------------------------------------------------------
def blinks_json(points: list[Point]) -> dict:
    """Everything "Blinks, eye by eye" shows, for --json and for the page."""
    done = sorted((p for p in points if p.completed and p.blinks is not None), key=lambda p: p.local_start)
    out = {
        "sessions": len(done),  # completed sessions with blinks
        "blinks": sum(p.blinks.n for p in done),
        "incomplete_below": INCOMPLETE_BELOW,
        "recent_weeks": RECENT_WEEKS,
        "min_session_blinks": MIN_SESSION_BLINKS,  # for a session to count in the trends
        "recent": None,
        "trends": {},
        "weekly": [],
        "sentences": [NO_BLINKS],
    }
    if not done:
        return out
    last = done[-1].local_start
    recent = [p for p in done if last - p.local_start < timedelta(weeks=RECENT_WEEKS)]
    out["recent"] = _pooled(recent) | {
        "from": recent[0].local_start.date().isoformat(),
        "to": last.date().isoformat(),
    }
    out["trends"] = _trends([p for p in done if p.blinks.n >= MIN_SESSION_BLINKS])
    out["weekly"] = _weekly(done)
    out["sentences"] = recent_sentences(out["recent"])
    for name, s in out["trends"].items():
        s["sentence"] = trend_sentence(name, s)
    return out


def _pooled(points: list[Point]) -> dict:
    """Sessions' summaries together: every blink's incomplete share, the medians of the
    sessions' medians."""
    n = sum(p.blinks.n for p in points)
    return {
        "sessions": len(points),
        "blinks": n,
        "incomplete": {s: sum(p.blinks.incomplete(s) * p.blinks.n for p in points) / n for s in SIDES},
        "completeness": {s: _median([p.blinks.completeness(s) for p in points]) for s in SIDES},
        "lag_ms": _median([p.blinks.lag_ms for p in points]),
    }


def _median(values) -> float | None:
    v = [x for x in values if x is not None]
    return float(np.median(v)) if v else None


def _trends(points: list[Point]) -> dict[str, dict]:
    x = days_since(points) if points else np.array([])
    out = {
        f"incomplete_{s}": asdict(theil_sen(x, np.array([p.blinks.incomplete(s) for p in points], float)))
        for s in SIDES
    }
    y = np.array([np.nan if p.blinks.lag_ms is None else p.blinks.lag_ms for p in points], float)
    slope = theil_sen(x, y)
    direction = TOO_FEW
    if slope.verdict != TOO_FEW:  # its fitted line, from the first timed session to the last
        timed = x[np.isfinite(y)]
        start, end = (float(v) for v in line_at(x, y, slope, [timed.min(), timed.max()]))
        direction, _ = judge(slope, start, end, 0.0, None)
    out["lag_ms"] = asdict(replace(slope, verdict=direction))
    return out


def _weekly(points: list[Point]) -> list[dict]:
    weeks: dict = {}
    for p in points:
        weeks.setdefault(week_start(p.local_start.date()), []).append(p)
    return [{"week": w.isoformat(), **_pooled(ps)} for w, ps in sorted(weeks.items())]


# -- words -----------------------------------------------------------------------------------
def _pct(share: float) -> str:
    return f"{100 * share:.0f} %"


def _signed(v: float) -> str:
    """One decimal with a real minus sign, never '−0.0' or '+0.0'."""
    text = f"{v:+.1f}"
    return text[1:] if float(text) == 0 else text.replace("-", "−")


def lag_words(lag_ms: float | None) -> str:
    if lag_ms is None:
        return "No blink closed both eyes far enough to time one eye against the other."
    if round(abs(lag_ms)) == 0:
        return "Your two eyes closed together (a median lag under 1 ms)."
    later, first = ("right", "left") if lag_ms > 0 else ("left", "right")
    return f"Your {later} eye closed a median {abs(lag_ms):.0f} ms after your {first}."


def recent_sentences(r: dict) -> list[str]:
    out = [
        f"In your last {RECENT_WEEKS} weeks of practice ({count(r['sessions'], 'session')}, {r['from']} to "
        f"{r['to']}) facetension saw {count(r['blinks'], 'blink')}."
    ]
    for s in SIDES:
        out.append(
            f"Your {s} eye closed to a median {_pct(r['completeness'][s])} of your usual full blink; "
            f"{_pct(r['incomplete'][s])} of its blinks were incomplete (closing less than "
            f"{_pct(INCOMPLETE_BELOW)})."
        )
    out.append(lag_words(r["lag_ms"]))
    return out


def trend_sentence(name: str, s: dict) -> str:
    title = TREND_TITLES[name]
    if s["verdict"] == TOO_FEW:
        return (
            f"{title}: not enough data for a trend yet (it needs 4 sessions over at least a week, each with "
            f"{MIN_SESSION_BLINKS} blinks or more)."
        )
    scale, unit = (1, "ms") if name == "lag_ms" else (100, "percentage points")
    return (
        f"{title}: {s['verdict']} ({_signed(scale * s['per_week'])} {unit} a week, 95 % interval "
        f"{_signed(scale * s['low'])} to {_signed(scale * s['high'])}, {count(s['n'], 'session')})."
    )


def blinks_terminal_lines(b: dict) -> list[str]:
    """One line for `trend`; none with no blink in the log."""
    r = b["recent"]
    if r is None:
        return []
    lag = r["lag_ms"]
    if lag is None:
        timing = "lag not timed"
    elif round(abs(lag)) == 0:
        timing = "both eyes close together"
    else:
        later, first = ("right", "left") if lag > 0 else ("left", "right")
        timing = f"{later} eye closes {abs(lag):.0f} ms after the {first}"
    t = b["trends"]
    verdicts = [
        f"left {t['incomplete_left']['verdict']}",
        f"right {t['incomplete_right']['verdict']}",
        f"lag {t['lag_ms']['verdict']}",
    ]
    return [
        f"Blinks, last {RECENT_WEEKS} weeks: incomplete left {_pct(r['incomplete']['left'])}, right "
        f"{_pct(r['incomplete']['right'])} (median closure {_pct(r['completeness']['left'])} / "
        f"{_pct(r['completeness']['right'])}); {timing}. Trends: {', '.join(verdicts)}."
    ]


def blinks_html(b: dict) -> list[str]:
    """The page's "Blinks, eye by eye": the recent weeks in sentences, the trends, what the
    numbers mean; or one calm sentence with no blink in the log."""

    def e(text: str) -> str:  # "90 %" never breaks between its number and its sign
        return html.escape(text).replace(" %", "&nbsp;%")

    parts = ["<h2>Blinks, eye by eye</h2>", *(f"<p class='blinks'>{e(s)}</p>" for s in b["sentences"])]
    if b["recent"] is None:
        return parts
    parts += [
        "<ul class='blinks'>",
        *(f"<li>{e(s['sentence'])}</li>" for s in b["trends"].values()),
        "</ul>",
        "<p><small>"
        + e(
            "Each eye is followed in its own pixels. 100 % is a closure as deep as your own usual full blink; "
            f"a blink closing less than {_pct(INCOMPLETE_BELOW)} counts as incomplete on that side. The lag is "
            "how much later your right eye closes than your left (a negative lag: the left closes later), over "
            f"blinks that closed both eyes. Over the last {RECENT_WEEKS} weeks: the share of all their blinks, "
            "and the median of the sessions' medians. Trends are per week over completed sessions with at "
            f"least {MIN_SESSION_BLINKS} blinks; a change is said only when the slope's 95 % interval excludes 0. "
            "A webcam reads two eyes a little differently: with both eyes closing alike in our tests, one eye's "
            f"median closure read up to {_pct(READING_BIAS)} lower than the other's, and so counted many of its blinks "
            "incomplete. A difference of that size alone is not a sign; how it changes over the weeks is."
        )
        + "</small></p>",
    ]
    return parts
