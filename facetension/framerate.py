"""A stream's frame rate from its own frame times (pure: times come in).

The tracker's twitches and the blink detector both need enough frames a second to see what
they look for, and a webcam slows down in a dim room or on a busy computer mid-session."""

from __future__ import annotations

from collections import deque

import numpy as np

RATE_FRAMES = 15  # the rate is the median of this many last intervals
MIN_INTERVALS = 3  # fewer say nothing yet


class FrameRate:
    """Intervals between frames, added one by one; `slow` while their median says fewer than
    `min_fps` frames a second."""

    def __init__(self, min_fps: float):
        self.max_interval = 1.0 / min_fps
        self._intervals: deque = deque(maxlen=RATE_FRAMES)
        self.slow = False

    def add(self, interval_s: float) -> bool:
        self._intervals.append(interval_s)
        self.slow = len(self._intervals) >= MIN_INTERVALS and float(np.median(self._intervals)) > self.max_interval
        return self.slow
