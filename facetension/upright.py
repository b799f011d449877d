"""A video file on its side or upside down, stood upright the way a photo is.

A phone clip that lost its rotation tag (an app that re-encoded it, a copy off a messenger)
shows the face on its side; a camera mounted upside down records it upside down. The mesh
reads a face on its side 1–8 mm off its upright reading and often finds none upside down.
Once a face is found, Landmarker.detect_upright decides the quarter turns for the whole
clip, and every frame is turned before the landmarker and the pixel readers see it.

A camera is not turned: a laptop's camera is upright, and a face on its side in front of
it is a person lying down, whom the practice asks to sit up (session.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .capture import Frame, VideoSource
from .landmarks import Face, Landmarker, turned

# The clip's first frame, and every so many after it while no face has been found in its
# first seconds, is looked at whole (no crop search) in each turn: an upright face costs two
# detector runs once. A face only the video tracker finds (small in the picture: it keeps a
# crop around the face) is looked at again, with the crop search, when it is first found.
LOOK_EVERY_FRAMES = 10
LOOK_FOR_S = 10.0


class UprightFrames:
    """One clip's frames turned to stand its face upright. `turns`: the quarter turns
    clockwise each frame is given (0 until decided, and for an upright clip)."""

    def __init__(self, landmarker: Landmarker):
        self.landmarker = landmarker
        self.turns = 0
        self.decided = False

    def detect(self, frame: Frame) -> tuple[Frame, Face | None]:
        """The frame as measured (turned, once decided) and the landmarker's face in it."""
        if not self.decided:
            if frame.t_s > LOOK_FOR_S:
                self.decided = True  # no face in the first seconds: the clip stays as it is
            elif frame.index % LOOK_EVERY_FRAMES == 0:
                self._decide(*self.landmarker.detect_upright(frame.image, search=False, sure=True))
        frame = self._turned(frame)
        face = self.landmarker.detect(frame.image, _ms(frame))
        if not self.decided and face is not None:  # a face the whole looks missed: decided now
            turns, found = self.landmarker.detect_upright(frame.image, sure=True)
            self._decide(turns if found is not None else 0, face)
            if self.turns:
                frame = self._turned(frame)
                face = self.landmarker.detect(frame.image, _ms(frame))
        return frame, face

    def _decide(self, turns: int, face: Face | None) -> None:
        if face is None:
            return
        self.decided = True
        if turns:
            self.turns = turns
            self.landmarker.new_video()  # its tracker may have followed the face the wrong way up

    def _turned(self, frame: Frame) -> Frame:
        return frame if not self.turns else replace(frame, image=turned(frame.image, self.turns))


def _ms(frame: Frame) -> int:
    return int(round(frame.t_s * 1000))


def frame_detector(source, landmarker: Landmarker) -> Callable[[Frame], tuple[Frame, Face | None]]:
    """frame → (the frame as measured, its face): a video file's frames stood upright, a
    camera's as they come."""
    if isinstance(source, VideoSource):
        return UprightFrames(landmarker).detect
    return lambda frame: (frame, landmarker.detect(frame.image, _ms(frame)))
