"""The movement check over a source: capture → landmarks → the followed points corrected
from the pixels → movement features → the found movements and their grades (movement.py,
check_score.py). The guided window is check_live.py.

The mesh pulls faces toward symmetry and couples the sides: with one side still, it reads
that side moving by a tenth to a quarter of the other, and it splits a one-sided snarl
evenly (tests/movementclips.py measures it). So the points the check measures are followed
in the pixels: each is tracked (pyramidal Lucas–Kanade) from the first frame of the check to
the current one, starting from where the mesh puts it now. A point the pixels do not
follow back to where it started takes the mesh's position with its last offset from the
pixels' (a lid closing over the iris, the teeth appearing at the corner). So are the still
anchors that set the head frame, and every point keeps the depth the mesh gave it at the
start. The mesh moves its still anchors with the mouth, in the image and in depth: in an
open smile of a face whose head does not move its pitch changes by 2.5° (the video face)
to 4.9° (a small photo), and the head frame fitted to it moved the still side's mouth
corner by up to 1.75 mm. The price: a real nod during a movement is not undone (on the
canonical face 2° of pitch reads as 1.4 mm of lift of both corners, 2° of turn as 0.3 mm:
tests/test_movement.py), so the check asks for a still head.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import cv2
import numpy as np

from . import face_model as fm
from .check_score import check_result
from .check_types import CheckResult
from .face import Face
from .lid_profiles import sample_lids
from .movement import TRACKED, MoveFrame, Series, eye_closure, find_reps, find_rest, move_frame, rest_problem

# Lucas–Kanade window: a share of the eye's width (corner to corner), odd, within bounds.
WINDOW_PER_EYE_WIDTH = 0.4
WINDOW_PX = (9, 41)
PYRAMID_LEVELS = 3
LK_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 0.01)
MAX_BACK_ERROR_EYE_WIDTHS = 0.05  # tracked back, a point must land this close to its start
# ... and the pixels may move a point this far from the mesh's guess, no farther: the mesh's
# pull toward symmetry is 1–2 mm (2–4 px at a laptop's distance), while a broad smile's
# teeth and cheek can lure a patch many pixels off.
MAX_CORRECTION_EYE_WIDTHS = 0.15
# ... and its patch must still look like itself: the mean grey-level difference of a matched
# patch may be ERROR_FACTOR times what it was over the first ERROR_FRAMES (a webcam's noise
# and compression), but at least MIN_ERROR_LIMIT. A broad smile's corner, with the teeth
# showing, no longer matches its resting patch, and keeps the mesh's position.
ERROR_FRAMES = 15
ERROR_FACTOR = 2.0
MIN_ERROR_LIMIT = 6.0
DEPTH_FRAMES = 15  # the mesh's depth is averaged over this many first frames (both passes)
_TRACKED = np.array(TRACKED)


class PointFollower:
    """The TRACKED points of one face, tracked in the pixels from a reference frame, and every
    point's depth from the resting face (the mesh's, averaged over the first DEPTH_FRAMES)."""

    def __init__(self):
        self.ref_gray: np.ndarray | None = None
        self.ref_points: np.ndarray | None = None
        self.window = (0, 0)
        self.offset: np.ndarray | None = None  # pixels' position − mesh's, where last followed
        self.errors: list[np.ndarray] = []  # each point's patch error over the first frames
        self.depths: list[np.ndarray] = []  # every landmark's depth over the first frames
        self.depth: np.ndarray | None = None  # ... their mean
        self.eye_width = 0.0  # at the reference frame
        self.last: dict[bool, tuple[np.ndarray, float]] = {}  # per pass: the last offset and eye width

    def __call__(self, gray: np.ndarray, landmarks: np.ndarray, mirrored_pass: bool = False) -> np.ndarray:
        """The landmarks with the tracked points' x, y from the pixels where they could be, and
        every point's depth from the first frames."""
        if len(self.depths) < DEPTH_FRAMES:  # one frame's depth is one pass's, biased its way
            self.depths.append(landmarks[:, 2])
            self.depth = np.mean(self.depths, axis=0)
        mesh = landmarks[_TRACKED, :2].astype(np.float32)
        eye = math.dist(*landmarks[[fm.RIGHT_OUTER_CANTHUS, fm.RIGHT_INNER_CANTHUS], :2].tolist())
        if self.ref_gray is None:
            self._reference(gray, mesh, eye)
            self.offset = np.zeros_like(mesh)
            return self._at_rest_depth(landmarks)
        if gray.shape != self.ref_gray.shape:
            # The camera changed its resolution: this frame becomes the reference, with the
            # points where they were last followed in this pass (the two passes' meshes differ
            # by their own biases, which the offsets hold), in the face's new size. (Started
            # anew from the mesh's places, every point moved by the pull the pixels had
            # corrected, mid-rest, and the check found one movement of six.)
            offset, last_eye = self.last.get(mirrored_pass, (self.offset, eye))
            ratio = eye / max(last_eye, 1e-6)
            self.offset = offset * np.float32(ratio)
            self.depth = self.depth * ratio
            self.depths = [d * ratio for d in self.depths]
            self.errors = []  # a patch's error at another scale is another error
            self.last = {}
            self._reference(gray, mesh + self.offset, eye)
            out = self._at_rest_depth(landmarks)
            out[_TRACKED, :2] = self.ref_points
            return out
        found, ok, patch_error = cv2.calcOpticalFlowPyrLK(
            self.ref_gray, gray, self.ref_points, mesh.copy(), winSize=self.window, maxLevel=PYRAMID_LEVELS,
            criteria=LK_CRITERIA, flags=cv2.OPTFLOW_USE_INITIAL_FLOW,
        )  # fmt: skip
        back, ok_back, _ = cv2.calcOpticalFlowPyrLK(
            gray, self.ref_gray, found, self.ref_points.copy(), winSize=self.window, maxLevel=PYRAMID_LEVELS,
            criteria=LK_CRITERIA, flags=cv2.OPTFLOW_USE_INITIAL_FLOW,
        )  # fmt: skip
        error = np.linalg.norm(back - self.ref_points, axis=1)
        correction = np.linalg.norm(found - mesh, axis=1)
        good = (ok[:, 0] == 1) & (ok_back[:, 0] == 1) & (error <= MAX_BACK_ERROR_EYE_WIDTHS * self.eye_width)
        good &= correction <= MAX_CORRECTION_EYE_WIDTHS * self.eye_width
        patch_error = patch_error[:, 0]
        if len(self.errors) < ERROR_FRAMES:
            self.errors.append(patch_error)
        limit = np.maximum(MIN_ERROR_LIMIT, ERROR_FACTOR * np.median(self.errors, axis=0))
        good &= patch_error <= limit
        self.offset[good] = found[good] - mesh[good]
        self.last[mirrored_pass] = (self.offset.copy(), eye)
        out = self._at_rest_depth(landmarks)
        out[_TRACKED, :2] = mesh + self.offset
        return out

    def _reference(self, gray: np.ndarray, points: np.ndarray, eye: float) -> None:
        side = int(np.clip(WINDOW_PER_EYE_WIDTH * eye, *WINDOW_PX)) | 1
        self.window, self.eye_width = (side, side), eye
        self.ref_gray, self.ref_points = gray, points

    def _at_rest_depth(self, landmarks: np.ndarray) -> np.ndarray:
        out = landmarks.copy()
        out[:, 2] = self.depth
        return out


class CheckRecorder:
    """Collects one check's frames (a face, or None) and scores them at the end."""

    def __init__(self, follow: bool = True):
        self.follower = PointFollower() if follow else None
        self.frames: list[MoveFrame] = []
        self.seen = 0
        self.last_t = 0.0

    def add(self, t_s: float, face: Face | None, image) -> MoveFrame | None:
        self.seen += 1
        self.last_t = t_s
        if face is None:
            return None
        landmarks = face.landmarks
        if self.follower is not None:
            landmarks = self.follower(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), landmarks, face.mirrored_pass)
        lids = sample_lids(image, face.landmarks, face.mirrored_pass)
        frame = move_frame(t_s, landmarks, face.image_size, face.blendshapes, lids, face.landmarks)
        if frame is not None:
            self.frames.append(frame)
        return frame

    def result(self) -> CheckResult:
        series = Series.of(self.frames)
        rest = find_rest(series)
        problem = None if rest is None else rest_problem(series, rest)
        if rest is None or problem is not None:
            return check_result(series, None, [], self.seen, self.last_t, rest_problem=problem)
        closure_px = eye_closure(series, rest)
        reps = find_reps(series, rest, closure_px)
        return check_result(series, rest, reps, self.seen, self.last_t, closure_px)


def check_frames(frames: Iterable, landmarker, follow: bool = True, on_frame: Callable | None = None) -> CheckResult:
    """Score a check from capture frames (capture.Frame: t_s and image)."""
    recorder = CheckRecorder(follow)
    landmarker.new_video()
    for frame in frames:
        face = landmarker.detect(frame.image, int(round(frame.t_s * 1000)))
        recorder.add(frame.t_s, face, frame.image)
        if on_frame is not None:
            on_frame(frame, face)
    return recorder.result()
