"""The end of a practice in plain words: the biggest changes with their numbers, the time
relaxed, twitches, a close that does not overclaim; a stop says when, and no table of dashes."""

from facetension.live import Outcome
from facetension.logrecords import Measures, SessionSummary
from facetension.practice_cli import summary_text
from facetension.recap import CLOSE, RELAX_UNMEASURED, TWITCHES_UNWATCHED, TWITCHES_UNWATCHED_SLOW, recap
from facetension.tracker import TwitchEvent

BEFORE = Measures(
    {"eye": -2.0},
    {
        ("eye", "left"): 0.48,
        ("eye", "right"): 0.02,
        ("mouth", "left"): 0.30,
        ("mouth", "right"): 0.05,
        ("jaw", "left"): 0.10,
        ("jaw", "right"): 0.10,
    },
    20.0,
    30.0,
)
AFTER = Measures(
    {"eye": -0.5},
    {
        ("eye", "left"): 0.01,
        ("eye", "right"): 0.02,
        ("mouth", "left"): 0.12,
        ("mouth", "right"): 0.05,
        ("jaw", "left"): 0.08,
        ("jaw", "right"): 0.10,
    },
    10.0,
    8.0,
)


def test_the_two_biggest_changes_come_first_with_their_numbers():
    twitch = TwitchEvent(72.0, "eye", "left", 0.3, 0.2, "twitch")
    said = recap(SessionSummary(BEFORE, AFTER, 1, 185.0, 300.0, True, "personal", (twitch,)))
    assert said[:2] == [
        "Your left eye relaxed: tension 0.48 → 0.01.",
        "The left corner of your mouth relaxed: tension 0.30 → 0.12.",
    ]
    assert "You stayed relaxed for 3:05 of 5:00 of guided relaxation." in said
    assert "One twitch: left eye at 1:12." in said and said[-1] == CLOSE
    assert not any("jaw" in s for s in said)  # 0.02 is within a session's noise


def test_a_burst_says_its_rate():
    burst = TwitchEvent(72.0, "mouth", "right", 0.9, 0.6, frequency_hz=6.0, unit="mm")
    said = recap(SessionSummary(BEFORE, AFTER, 1, 185.0, 300.0, True, "personal", (burst,)))
    assert "One twitch: right mouth at 1:12 (a burst, 6 a second)." in said


def test_no_change_is_said_as_it_is():
    said = recap(SessionSummary(BEFORE, BEFORE, 0, 0.0, 300.0, True, "personal"))
    assert said[0] == "Your face held about the same tension from start to end (index 30 → 30)."
    assert "No twitches." in said


def test_a_face_too_small_to_watch_for_twitches_is_not_told_it_had_none():
    said = recap(SessionSummary(BEFORE, BEFORE, 0, 0.0, 300.0, True, "personal", small_face=True))
    assert TWITCHES_UNWATCHED in said and "No twitches." not in said
    said = recap(SessionSummary(BEFORE, BEFORE, 0, 0.0, 300.0, True, "personal", slow_frames=True))
    assert TWITCHES_UNWATCHED_SLOW in said and "No twitches." not in said


def test_a_stop_says_when_and_what_was_measured_without_a_table():
    s = SessionSummary(BEFORE, None, 0, None, None, False, "personal")
    text = summary_text(s, Outcome(s, False, "user", None, 1260, 42.3))
    lines = text.splitlines()
    assert lines[:3] == [
        "Session summary: stopped early (user)",
        "Stopped after 0:42.",
        "Your resting face was measured at the start (tension index 30); the session ended "
        "before the measurement after the relaxation.",
    ]
    assert "before" not in text.split("relaxation.")[1] and "–" not in text
    nothing = SessionSummary(None, None, 0, None, None, False, "default")
    assert "could be measured" in summary_text(nothing, Outcome(nothing, False, "user", None, 10, 3.0))


def test_a_relaxation_hardly_measured_says_so_not_0_00_of_0_00():
    # a clip of crying and laughter, hands over the face: 0.4 s of the relaxation measured
    s = SessionSummary(BEFORE, AFTER, 0, 0.0, 0.4, True, "defaults")
    said = recap(s)
    assert RELAX_UNMEASURED in said and not any("0:00 of 0:00" in line for line in said)
    assert "Time relaxed" not in summary_text(s, Outcome(s, True, "completed", None, 472, 19.7))
