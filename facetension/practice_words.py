"""What the practice says: its phases' names and instructions, the prompts and praise per
region and side, the getting-ready advice. Kept apart from the session's logic so wording
can change without reading the state machine (and the window, the terminal and the log say
the same words)."""

from __future__ import annotations

from enum import Enum


class Phase(str, Enum):
    CHECK = "check"
    CALIBRATE = "calibrate"
    BEFORE = "before"
    MASSAGE = "massage"
    AFTER_MASSAGE = "after_massage"
    RELAX = "relax"
    AFTER = "after"
    DONE = "done"


PHASE_TITLES = {
    Phase.CHECK: "Getting ready",
    Phase.CALIBRATE: "Learning your relaxed face",
    Phase.BEFORE: "Resting measurement (before)",
    Phase.MASSAGE: "Gentle self-massage",
    Phase.AFTER_MASSAGE: "Resting measurement (after massage)",
    Phase.RELAX: "Guided relaxation",
    Phase.AFTER: "Resting measurement (after)",
    Phase.DONE: "Done",
}

# Calm, specific prompts per region and side. "{side}" is the user's own side.
PROMPTS = {
    "brow": "Smooth your {side} brow",
    "eye": "Let your {side} eye soften",
    "cheek": "Let your {side} cheek go loose",
    "mouth": "Let the {side} corner of your mouth drop",
    "chin": "Let your chin relax",
    "jaw": "Unclench your jaw",
}
PRAISE = {
    "brow": "Good, your {side} brow is smoother",
    "eye": "Good, your {side} eye is softer",
    "cheek": "Good, your {side} cheek is looser",
    "mouth": "Good, the {side} corner of your mouth is resting",
    "chin": "Good, your chin is resting",
    "jaw": "Good, your jaw is looser",
}
BILATERAL = {"chin", "jaw"}  # one prompt for both sides

CHECK_MESSAGES = {
    "no-face": "I can't see your face: sit in front of the camera",
    "closer": "Move a little closer",
    "back": "Move back a little",
    "centre": "Move to the middle of the picture",
    "frontal": "Face the screen",
    "level": "Hold your head upright",
    "light": "More light from the front, please",
    "covered": "Something covers your face: take your hands down when you're ready",
}
OPEN_EYES = "Keep your eyes open while I measure, looking at the screen"
FACE_LOST = "I can't see your face: come back into view when you're ready"
TWO_FACES = "More than one face in view: following the largest"
PAUSED = "Paused: press space to go on"
# What to do, one short line per phase; {calibrate} and the like: that phase's length.
PHASE_INSTRUCTIONS = {
    Phase.CHECK: "Sit comfortably and face the screen",
    Phase.CALIBRATE: "Eyes open, face at rest: I'm learning your relaxed face ({calibrate})",
    Phase.BEFORE: "Sit still, eyes open, and let your face rest ({before})",
    Phase.MASSAGE: "Follow the highlighted zone; light pressure, it should feel pleasant",
    Phase.AFTER_MASSAGE: "Hands down, eyes open, and let your face rest ({after_massage})",
    Phase.RELAX: "Follow the breathing circle; I'll tell you where to let go",
    Phase.AFTER: "Rest once more, quite still, eyes open ({after})",
    Phase.DONE: "Well done",
}
# The first session (it learns the relaxed face) says first what will happen and for how long.
INTRO = (
    "Your first session takes about {total} in all:",
    "I learn your relaxed face ({calibrate}), you rest ({before}),",
    "relax with the circle ({relax}), then rest again ({after}).",
)
INTRO_MASSAGE = (  # ... and with a massage
    "Your first session takes about {total} in all:",
    "I learn your relaxed face ({calibrate}), you rest ({before}),",
    "massage ({massage}), rest ({after_massage}), relax ({relax}), rest ({after}).",
)
# Before the "after massage" measurement: hands away, and a face still for a moment.
SETTLE = "Rest your hands in your lap and let your face settle"
# The evening wind-down: a slower pacer and quieter words, for the night's and the
# morning's pains.
EVENING_INSTRUCTIONS = {
    Phase.RELAX: "Follow the slow circle; let the day go",
    Phase.AFTER: "Rest once more, quite still, eyes open ({after})",
    Phase.DONE: "Well done. Rest gently now",
}


def prompt_text(region: str, side: str, table=PROMPTS) -> str:
    return table[region].format(side=side)


def span(seconds: float) -> str:
    """A phase's length as said in a sentence: '12 s' up to a minute and a half, then '5 min'."""
    return f"{round(seconds)} s" if seconds < 90 else f"{round(seconds / 60)} min"
