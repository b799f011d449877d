"""Speed, latency and memory of the live practice loop at 640×480, 30 fps. Run by hand:

    python benchmarks/bench_practice.py [--rounds 3]
        [--memory-minutes 30] [--memory-budget-s 240] [--tracemalloc]
    ... --memory-only --memory-minutes 30     # the whole 30 minutes, uncapped (~12 min here)

Goal (from the issue): at 640×480 the loop keeps up with 30 fps on these 2 cores, with no
more than one frame of latency. Its own work (metrics, session logic, overlay, logging) is
no more than 15 % of the landmarker's time per frame, measured as a ratio in one run.
Memory stays flat over a 30-minute session.

The clip is built in a temporary directory (never in the repo) from samples/practice_demo.mp4
(640×360, 45 s, a real face with scripted tension 11–30 s): each frame's central 4:3 part
(480×360) is scaled to 640×480 and written
as mp4v at 30 fps, then decoded once into memory (to_bgr8 included), so decoding (a camera's
job) stays out of every timing. Frames reach the loop through MemorySource, which has
VideoSource's interface (frames() yielding capture.Frame, frames_read, declared_frames,
truncated) and notes when each frame is handed over ("arrival"); paced, it hands frame i
over no earlier than i/30 s after the start, like a camera.

Sessions: PracticeSession without a baseline, learn=False (CHECK → BEFORE 20 s → RELAX),
relax_s = the run's length, so no session ends early. The recorder is the log: storage.Log on
a temporary database, one session per run, written through facetension.recording.LogRecorder
(what `facetension practice` uses).

Variants, interleaved in rounds (the order rotates; medians of the rounds are reported), on
the same decoded frames of the whole clip:

  detect  facetension's Landmarker("video").detect on every frame, nothing else (a).
  serial  one thread, per frame and timed part by part in the same run: detect (a), then the
          loop's own work (b): the measuring live.run does (analysis.FrameMeasurer, what
          measured_frames calls: metrics and both eyes' lid profiles on every frame, pixel
          refinement and the cover detector on every live.LIVE_REFINE_EVERY-th), face_brightness +
          FrameInput + PracticeSession.update (the tension tracker timed inside it), Overlay().draw
          (drawing only), and the recorder calls (the log).
  run     live.run(source, session, NullRecorder(), window=False): the real path, the measuring
          on measured_frames' worker thread while the next frame's detect runs.
  full    live.run(..., window=True) with the recorder above and HighGUI stubbed (namedWindow,
          resizeWindow, imshow, waitKey, getWindowProperty, destroyAllWindows do nothing): the
          real path (with a window each frame is measured inline, not on the worker) with
          Overlay.draw at its real call site and the key handling; imshow's stub notes when
          each frame's drawing is done. The window's own blit and scaling are missing.
  serial-1  serial with the pixel refinement on every frame, to show what refining on every
          other frame (live.LIVE_REFINE_EVERY) saves.

The Landmarker's construction is outside every timing; its two VIDEO graphs are created on
the first two frames, so per-frame figures are steady state: frames 2..n-1, from one
frame's arrival to the next (for run and full that interval is their throughput).

Then, once each, paced like a 30 fps camera on the first 30 s: "full" (latency from a
frame's arrival to its drawn output, and how many frames behind the newest one it is when
drawn) and "serial". Then the memory run: "full" on the clip looped forward-backward for
--memory-minutes of session (30) if that fits in --memory-budget-s of wall time (else as
many whole minutes as fit, and it says so), RSS read every second of session time and
summarised every 30 s (the slope is fitted to the 30 s windows' medians from 1 min on; the
clip's decoded frames are a constant part of it); if the RSS grows (or with --tracemalloc) a
shorter run with tracemalloc shows which lines hold the growth, half by half.
Prints figures only; writes nothing outside the temporary directory.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from unittest import mock

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_analyze import decode  # noqa: E402  (beside this script: one decoder for both benchmarks)

import facetension  # noqa: E402
from facetension import live  # noqa: E402
from facetension import overlay as OV  # noqa: E402
from facetension.analysis import FrameMeasurer, measure_face  # noqa: E402
from facetension.capture import Frame  # noqa: E402
from facetension.landmarks import Landmarker  # noqa: E402
from facetension.lid_profiles import sample_lids  # noqa: E402
from facetension.occlusion import CoverDetector  # noqa: E402
from facetension.overlay import Overlay  # noqa: E402
from facetension.recording import LogRecorder  # noqa: E402
from facetension.session import FrameInput, PracticeSession, PracticeSettings  # noqa: E402
from facetension.storage import Log  # noqa: E402

SOURCE = REPO / "samples" / "practice_demo.mp4"
SIZE = (640, 480)
FPS = 30.0
FRAME_MS = 1000.0 / FPS
WARM = 2  # frames 0 and 1 create the two VIDEO graphs (direct and mirrored pass)
GOAL_OWN = 0.15
FLAT_MB_PER_10MIN = 1.0  # "flat": under 1 MB per 10 minutes (3 MB over 30)
RSS_EVERY_S = 30.0
VERDICT = {True: "PASS", False: "FAIL", None: "run too short to tell"}
PAGE = os.sysconf("SC_PAGE_SIZE")
pc = time.perf_counter


# -- the clip --------------------------------------------------------------------------------
def build_clip(src_path: Path, out: Path) -> int:
    """Central 4:3 part of every frame, scaled to 640×480, written as mp4v at 30 fps."""
    cap = cv2.VideoCapture(str(src_path))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
    if not writer.isOpened():
        sys.exit("cv2.VideoWriter cannot write mp4v here")
    w, h = SIZE
    n = 0
    while True:
        ok, image = cap.read()
        if not ok or image is None:
            break
        ih, iw = image.shape[:2]
        cw = min(iw, ih * w // h)
        ch = cw * h // w
        x0, y0 = (iw - cw) // 2, (ih - ch) // 2
        writer.write(cv2.resize(image[y0 : y0 + ch, x0 : x0 + cw], SIZE, interpolation=cv2.INTER_LINEAR))
        n += 1
    cap.release()
    writer.release()
    return n


# -- instruments -------------------------------------------------------------------------------
def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class MemorySource:
    """VideoSource's interface over decoded frames: frame i is image order[i % len(order)] at
    t = i / 30 s (the clip forward, then backward, then again, for runs longer than it).
    Notes each frame's arrival (hand-over to the loop); paced, frame i is handed over no
    earlier than i / 30 s after the first, like a camera."""

    def __init__(self, images: list[np.ndarray], n: int, paced: bool = False, rss_every: int = 0):
        self.images = images
        self.order = list(range(len(images))) + list(range(len(images) - 2, 0, -1))
        self.n = n
        self.paced = paced
        self.fps = FPS
        self.declared_frames = n
        self.frames_read = 0
        self.truncated = False
        self.arrival = np.full(n, np.nan)
        self.start = None
        self.cpu = {}  # frame index → process CPU seconds at its arrival
        self.rss_every = rss_every  # frames between RSS reads (1 s); summarised every 30 s
        self._window: list[float] = []
        self.rss: list[tuple] = []  # (session s, RSS MB now, window min, median, max, Python objects)
        self.on_arrival = None  # hook(i), e.g. start tracemalloc

    def frames(self):
        self.start = pc()
        for i in range(self.n):
            if self.paced:
                while (wait := self.start + i / FPS - pc()) > 0:
                    time.sleep(wait)
            if self.rss_every and i % self.rss_every == 0:
                now = rss_mb()
                self._window.append(now)
                if i % int(RSS_EVERY_S * FPS) == 0:
                    w = self._window
                    self.rss.append((i / FPS, now, min(w), float(np.median(w)), max(w), len(gc.get_objects())))
                    self._window = [now]
            if i in (WARM, self.n - 1):
                self.cpu[i] = cpu_s()
            if self.on_arrival:
                self.on_arrival(i)
            self.frames_read += 1
            self.arrival[i] = pc()
            yield Frame(i, i / FPS, self.images[self.order[i % len(self.order)]])

    def steady(self) -> tuple[float, float]:
        """ms per frame from arrival to arrival over frames WARM..n-1, and CPU ms per frame."""
        k = self.n - 1 - WARM
        wall = (self.arrival[-1] - self.arrival[WARM]) / k * 1000
        cpu = (self.cpu[self.n - 1] - self.cpu[WARM]) / k * 1000
        return wall, cpu


def settings_for(n: int) -> PracticeSettings:
    return PracticeSettings(relax_s=n / FPS)  # before 20 s, then relaxation to the end


class TimedSession(PracticeSession):
    """PracticeSession that notes which frame it saw last and when its update returned."""

    def __init__(self, n: int):
        super().__init__(settings_for(n), None, "bench", learn=False)
        self.current = -1
        self.updated = np.full(n, np.nan)

    def update(self, f):
        out = super().update(f)
        self.current = round(f.t_s * FPS)
        self.updated[self.current] = pc()
        return out


@contextlib.contextmanager
def headless_window(on_show):
    """live.run(window=True) without a display: HighGUI calls do nothing, no key is pressed,
    the window stays 'visible'; imshow hands the drawn picture to on_show."""
    with mock.patch.multiple(
        cv2,
        namedWindow=lambda *a, **k: None,
        resizeWindow=lambda *a, **k: None,
        imshow=lambda name, img: on_show(img),
        waitKey=lambda *a, **k: -1,
        getWindowProperty=lambda *a, **k: 1.0,
        destroyAllWindows=lambda *a, **k: None,
    ):
        yield


class Drawn:
    """What imshow's stub notes per frame: when the drawing was done and how many frames
    behind the newest arrived one (and, paced, the newest one a camera has captured) it is."""

    def __init__(self, n: int, src: MemorySource, session: TimedSession):
        self.t = np.full(n, np.nan)
        self.behind = np.full(n, -1)
        self.behind_camera = np.full(n, -1)
        self.src, self.session = src, session

    def __call__(self, img):
        now = pc()
        i = self.session.current
        self.t[i] = now
        self.behind[i] = self.src.frames_read - 1 - i
        self.behind_camera[i] = min(int((now - self.src.start) * FPS), self.src.n - 1) - i


# -- the recorder ------------------------------------------------------------------------------
class StorageLog:
    """storage.Log on a temporary database, one session per run, written through LogRecorder
    as `facetension practice` writes it."""

    def __init__(self, db: Path):
        self.log = Log.open(db)
        self.db = db
        self.sid = None

    def start(self, session) -> LogRecorder:
        self.sid = self.log.start_session(
            "practice", "bench", datetime.now(timezone.utc), "UTC", facetension.__version__, utc_offset_min=0
        )
        return LogRecorder(self.log, self.sid, session)

    def finish(self, completed: bool, summary):
        """summary: the session's SessionSummary (None: none)."""
        self.log.finish_session(self.sid, datetime.now(timezone.utc), bool(completed), summary)
        self.sid = None

    def close(self):
        self.log.close()


# -- the variants ------------------------------------------------------------------------------
def ms_of(t_s: float) -> int:
    return round(t_s * 1000)  # as measured_frames does


def v_detect(images, n) -> dict:
    src = MemorySource(images, n)
    lm = Landmarker("video")
    d = np.zeros(n)
    found = 0
    try:
        for f in src.frames():
            t0 = pc()
            face = lm.detect(f.image, ms_of(f.t_s))
            d[f.index] = pc() - t0
            found += face is not None
    finally:
        lm.close()
    wall, cpu = src.steady()
    return {"wall": wall, "cpu": cpu, "detect": d[WARM:].mean() * 1000, "found": found}


def v_serial(images, n, log, paced=False, refine_every=None) -> dict:
    """The loop's work on one thread, part by part, in the same run as detect."""
    src = MemorySource(images, n, paced=paced)
    session = PracticeSession(settings_for(n), None, "bench", learn=False)
    tracker_t = np.zeros(n)
    inner = session.tracker.update  # learn=False: the tracker is never replaced
    cur = [0]

    def timed_tracker(*a, **k):
        t0 = pc()
        try:
            return inner(*a, **k)
        finally:
            tracker_t[cur[0]] += pc() - t0

    session.tracker.update = timed_tracker
    overlay = Overlay()
    measurer = FrameMeasurer(refine_every=refine_every or live.LIVE_REFINE_EVERY)
    recorder = log.start(session)
    parts = {k: np.zeros(n) for k in ("detect", "measure", "session", "overlay", "log")}
    drawn = np.full(n, np.nan)
    lm = Landmarker("video")
    kinds: dict[str, int] = {}
    try:
        for f in src.frames():
            i = cur[0] = f.index
            image = f.image
            t0 = pc()
            face = lm.detect(image, ms_of(f.t_s))
            t1 = pc()
            m = measurer(face, image)  # (None without a face, which starts the stream's state over)
            t2 = pc()
            landmarks = None if face is None else face.landmarks
            inp = FrameInput(f.t_s, face, m, (image.shape[1], image.shape[0]), live.face_brightness(image, landmarks))
            view, events, rows = session.update(inp)
            t3 = pc()
            overlay.draw(image, view, landmarks)
            t4 = pc()
            drawn[i] = t4
            for e in events:
                recorder.event(e)
                kinds[e.kind] = kinds.get(e.kind, 0) + 1
            for row in rows:
                recorder.second(row)
            t5 = pc()
            for k, (a, b) in zip(parts, ((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5))):
                parts[k][i] = b - a
        for row in session.flush():
            recorder.second(row)
    finally:
        lm.close()
        log.finish(False, session.summary())
    wall, cpu = src.steady()
    out = {k: v[WARM:].mean() * 1000 for k, v in parts.items()}
    out.update(
        wall=wall,
        cpu=cpu,
        tracker=tracker_t[WARM:].mean() * 1000,
        kinds=kinds,
        log_max=parts["log"].max() * 1000,
        log_p99=np.percentile(parts["log"][WARM:], 99) * 1000,
        own_p99=np.percentile(sum(parts[k] for k in ("measure", "session", "overlay", "log"))[WARM:], 99) * 1000,
        latency=(drawn - src.arrival)[WARM:] * 1000,
        phase=session.phase.value,
    )
    return out


def v_run(images, n, log, window: bool, paced=False) -> dict:
    src = MemorySource(images, n, paced=paced)
    session = TimedSession(n)
    drawn = Drawn(n, src, session)
    recorder = log.start(session) if window else live.NullRecorder()
    kinds: dict[str, int] = {}
    det_t: list[float] = []  # detect inside run (main thread)
    mea_t: list[float] = []  # FrameMeasurer inside run (measured_frames' worker thread)

    def on_event(e):
        kinds[e.kind] = kinds.get(e.kind, 0) + 1

    class TimedLandmarker(Landmarker):
        def detect(self, *a, **k):
            t0 = pc()
            try:
                return super().detect(*a, **k)
            finally:
                det_t.append(pc() - t0)

    real_measure = FrameMeasurer.__call__  # what measured_frames measures each frame with

    def timed_measure(*a, **k):
        t0 = pc()
        try:
            return real_measure(*a, **k)
        finally:
            mea_t.append(pc() - t0)

    outcome = None
    try:
        with (
            headless_window(drawn) if window else contextlib.nullcontext(),
            mock.patch.object(live, "Landmarker", TimedLandmarker),
            mock.patch.object(FrameMeasurer, "__call__", timed_measure),
        ):
            outcome = live.run(src, session, recorder, window=window, on_event=on_event)
    finally:
        if window:
            log.finish(bool(outcome and outcome.completed), outcome and outcome.summary)
    wall, cpu = src.steady()
    done = drawn.t if window else session.updated
    return {
        "wall": wall,
        "cpu": cpu,
        "kinds": kinds,
        "outcome": outcome,
        "phase": session.phase.value,
        "detect": float(np.mean(det_t[WARM:])) * 1000,
        "measure": float(np.mean(mea_t[WARM:])) * 1000,
        "latency": (done - src.arrival)[WARM:] * 1000,
        "behind": drawn.behind[WARM:],
        "behind_camera": drawn.behind_camera[WARM:],
        # paced: how late the loop came for each frame after the camera had it
        "late": (src.arrival - src.start - np.arange(n) / FPS)[WARM:] * 1000,
        "interval": np.diff(done)[WARM:] * 1000,
    }


# -- micro breakdowns (one round's faces; where the loop's own time goes) ---------------------
def breakdown(images, reps: int = 200) -> dict:
    lm = Landmarker("video")
    faces = []
    try:
        for i, image in enumerate(images[:reps]):
            faces.append(lm.detect(image, ms_of(i / FPS)))
    finally:
        lm.close()
    pairs = [(f, im) for f, im in zip(faces, images) if f is not None][WARM:]
    out = {}
    t0 = pc()
    for f, im in pairs:
        measure_face(f, im)
    out["measure (refine)"] = (pc() - t0) / len(pairs) * 1000
    t0 = pc()
    for f, im in pairs:
        measure_face(f, im, refine=False)
    out["  of which mesh metrics"] = (pc() - t0) / len(pairs) * 1000
    out["  of which pixel refiner"] = out["measure (refine)"] - out["  of which mesh metrics"]
    t0 = pc()
    for f, im in pairs:
        sample_lids(im, f.landmarks)
    out["  lid profiles (both eyes)"] = (pc() - t0) / len(pairs) * 1000
    cover = CoverDetector()
    t0 = pc()
    for f, im in pairs:
        cover(f.landmarks, im)
    out["  cover detector"] = (pc() - t0) / len(pairs) * 1000
    measurer = FrameMeasurer(refine_every=live.LIVE_REFINE_EVERY)
    t0 = pc()
    for f, im in pairs:
        measurer(f, im)
    every = live.LIVE_REFINE_EVERY
    out[f"measure as live (refiner and cover detector on 1 frame in {every})"] = (pc() - t0) / len(pairs) * 1000
    # Overlay, step by step, on a view in RELAX with a prompt shown (the busiest picture).
    session = PracticeSession(settings_for(10**6), None, "bench", learn=False)
    view = None
    for i, (f, im) in enumerate(pairs):
        m = measure_face(f, im)
        view, _, _ = session.update(FrameInput(i / FPS, f, m, SIZE, live.face_brightness(im, f.landmarks)))
    view = replace(view, message="Let the left corner of your mouth drop", message_kind="prompt")
    ov = Overlay()
    image = images[0]
    c = ov.draw(image, view, None).copy()
    lay = OV._layout(c.shape[1], c.shape[0])
    buf = np.empty_like(image)

    steps = {
        "overlay.draw (all)": lambda c: ov.draw(image, view, None),
        "  mirror (cv2.flip into a reused buffer)": lambda c: cv2.flip(image, 1, dst=buf),
        "  _progress (band, title, bar)": lambda c: OV._progress(c, view, lay),
        "  _bars (2 boxes, 12 bars)": lambda c: OV._bars(c, view, lay),
        "  _pacer": lambda c: OV._pacer(c, view, lay),
        "  _message (band, text)": lambda c: OV._message(c, view, lay),
    }
    # c: drawn over and over; the cost does not depend on what is under it
    for name, fn in steps.items():
        t0 = pc()
        for _ in range(reps):
            fn(c)
        out[name] = (pc() - t0) / reps * 1000
    return out


# -- memory ------------------------------------------------------------------------------------
def slope_per_10min(series) -> tuple[float, float]:
    """MB per 10 min of session of the 30 s windows' median RSS, fitted from 60 s on (start-up
    allocations left out), and the growth of that median from the 60 s mark to the last.
    NaN when fewer than 3 samples lie past 60 s (too short to tell)."""
    pts = [(x[0], x[3]) for x in series if x[0] >= 60.0]
    if len(pts) < 3:
        return math.nan, math.nan
    t = np.array([p[0] for p in pts]) / 60.0
    m = np.array([p[1] for p in pts])
    return float(np.polyfit(t, m, 1)[0] * 10), float(m[-1] - m[0])


def memory_run(images, minutes: float, log, trace_from_s: float | None = None) -> dict:
    n = round(minutes * 60 * FPS)
    src = MemorySource(images, n, rss_every=int(FPS))
    snaps = {}
    if trace_from_s is not None:
        start_i = round(trace_from_s * FPS)
        mid_i = (start_i + n) // 2

        def hook(i):
            if i == start_i:
                tracemalloc.start(1)
            if i in (start_i, mid_i):
                gc.collect()
                snaps["start" if i == start_i else "mid"] = tracemalloc.take_snapshot()

        src.on_arrival = hook
    session = TimedSession(n)
    drawn = Drawn(n, src, session)
    recorder = log.start(session)
    kinds: dict[str, int] = {}

    def on_event(e):
        kinds[e.kind] = kinds.get(e.kind, 0) + 1

    t0 = pc()
    outcome = None
    try:
        with headless_window(drawn):
            outcome = live.run(src, session, recorder, window=True, on_event=on_event)
        if trace_from_s is not None:
            gc.collect()
            snaps["end"] = tracemalloc.take_snapshot()
            tracemalloc.stop()
    finally:
        log.finish(bool(outcome and outcome.completed), outcome and outcome.summary)
    wall = pc() - t0
    now = rss_mb()
    w = src._window + [now]
    src.rss.append((n / FPS, now, min(w), float(np.median(w)), max(w), len(gc.get_objects())))
    return {
        "n": n,
        "wall": wall,
        "rss": src.rss,
        "outcome": outcome,
        "snaps": snaps,
        "phase": session.phase.value,
        "kinds": kinds,
        "interval": np.diff(drawn.t)[WARM:] * 1000,
    }


def print_growth(snaps, top: int = 10) -> None:
    """Python allocations alive at the end and not at the start, by line; with what the second
    half alone added, so that a steady leak (grows in both halves) stands out from objects
    merely in flight at the last snapshot."""
    filters = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        tracemalloc.Filter(False, __file__),
    ]
    a, m, b = (snaps[k].filter_traces(filters) for k in ("start", "mid", "end"))
    diff = b.compare_to(a, "lineno")
    second = {d.traceback[0]: d.size_diff for d in b.compare_to(m, "lineno")}
    first_half = sum(d.size_diff for d in m.compare_to(a, "lineno")) / 1024
    second_half = sum(second.values()) / 1024
    print(
        f"  tracemalloc: Python allocations alive grew {first_half:+.1f} KiB in the first half, "
        f"{second_half:+.1f} KiB in the second; top lines by growth over both (second half alone):"
    )
    for d in [d for d in diff if d.size_diff > 0][:top]:
        fr = d.traceback[0]
        name = fr.filename.replace(str(REPO) + "/", "").replace(sys.prefix + "/", "")
        print(
            f"    {d.size_diff / 1024:+8.1f} KiB ({second.get(fr, 0) / 1024:+7.1f}) {d.count_diff:+6d} blocks  "
            f"{name}:{fr.lineno}"
        )


# -- report ------------------------------------------------------------------------------------
def pct(a, q):
    return float(np.nanpercentile(a, q))


def timing(images, log, rounds: int) -> dict:
    n = len(images)
    variants = {
        "detect": lambda: v_detect(images, n),
        "serial": lambda: v_serial(images, n, log),
        "serial-1": lambda: v_serial(images, n, log, refine_every=1),
        "run": lambda: v_run(images, n, log, window=False),
        "full": lambda: v_run(images, n, log, window=True),
    }
    if live.LIVE_REFINE_EVERY == 1:
        del variants["serial-1"]  # the same as serial
    res: dict[str, list[dict]] = {k: [] for k in variants}
    keys = list(variants)
    t_start = pc()
    for r in range(rounds):
        order = keys[r % len(keys) :] + keys[: r % len(keys)]
        for k in order:
            res[k].append(variants[k]())
        s = res["serial"][-1]
        own = s["measure"] + s["session"] + s["overlay"] + s["log"]
        every = ""
        if "serial-1" in res:
            s1 = res["serial-1"][-1]
            own1 = s1["measure"] + s1["session"] + s1["overlay"] + s1["log"]
            every = f"  [refining every frame: b {own1:.2f}, b/a {own1 / s1['detect']:.3f}]"
        print(
            f"round {r + 1} ({' '.join(order)}), ms/frame: detect {res['detect'][-1]['wall']:.2f}  "
            f"serial {s['wall']:.2f} (a {s['detect']:.2f}, b {own:.2f}, b/a {own / s['detect']:.3f})  "
            f"run {res['run'][-1]['wall']:.2f}  full {res['full'][-1]['wall']:.2f}{every}"
        )
    timing_s = pc() - t_start

    def med(k, f):
        return statistics.median(x[f] for x in res[k])

    a_ser = med("serial", "detect")
    parts = {
        f"measure (refine, cover 1 in {live.LIVE_REFINE_EVERY})": med("serial", "measure"),
        "session.update (+ brightness)": med("serial", "session"),
        "  of which TensionTracker.update": med("serial", "tracker"),
        "Overlay.draw": med("serial", "overlay"),
        "log (recorder calls)": med("serial", "log"),
    }
    own = sum(v for k, v in parts.items() if not k.startswith(" "))
    print(f"\nmedian of {rounds} rounds ({timing_s:.0f} s), {n} frames, steady state (frames {WARM}..{n - 1}):")
    print("  serial, part by part in one run (ms/frame, mean over frames; ratio to (a)):")
    print(f"    (a) Landmarker.detect                  {a_ser:6.2f}")
    for k, v in parts.items():
        print(f"    (b) {k:<35}{v:6.2f}   {v / a_ser:6.3f}")
    print(
        f"    (b) own work, total                    {own:6.2f}   {own / a_ser:6.3f}   "
        f"(p99 of a frame's own work {med('serial', 'own_p99'):.2f} ms; log p99 {med('serial', 'log_p99'):.2f}, "
        f"max {max(x['log_max'] for x in res['serial']):.2f} ms)"
    )
    print(
        f"    serial wall {med('serial', 'wall'):.2f} ms/frame (a + b + loop {med('serial', 'wall') - a_ser - own:.2f})"
    )
    if "serial-1" in res:
        own1 = [x["measure"] + x["session"] + x["overlay"] + x["log"] for x in res["serial-1"]]
        ratio1 = [o / x["detect"] for o, x in zip(own1, res["serial-1"])]
        print(
            "    the same, refining every frame (serial-1, in the same rounds): "
            f"measure {med('serial-1', 'measure'):.2f}, "
            f"own work {statistics.median(own1):.2f} ms = {statistics.median(ratio1):.3f} of its (a) "
            f"{med('serial-1', 'detect'):.2f}"
        )
    d = med("detect", "wall")
    print("  side by side (ms/frame arrival to arrival; CPU ms/frame, both cores; ratio to detect alone):")
    for k, label in (
        ("detect", "detect alone"),
        ("serial", "serial (a)+(b), one thread"),
        ("run", "live.run window=False, NullRecorder"),
        ("full", "live.run + draw + log (full)"),
    ):
        w, c = med(k, "wall"), med(k, "cpu")
        print(f"    {label:<38}{w:6.2f} ms  cpu {c:6.2f} ms  {w / d:6.3f}×  {1000 / w:6.1f} fps")
    for k in ("run", "full"):
        print(
            f"    inside {k}: detect {med(k, 'detect'):.2f} ms/frame (alone {med('detect', 'detect'):.2f}), "
            f"measuring on the worker {med(k, 'measure'):.2f} (serial, inline {med('serial', 'measure'):.2f}); "
            f"main thread besides detect {med(k, 'wall') - med(k, 'detect'):.2f}"
        )
    print(
        f"    measured_frames' thread saves {med('serial', 'wall') - med('full', 'wall'):+.2f} ms/frame over serial; "
        f"drawing + logging add {med('full', 'wall') - med('run', 'wall'):+.2f} ms/frame to run"
    )
    full0 = res["full"][0]
    print(
        f"  sanity: full run 1 ended in phase {full0['phase']!r} ({full0['outcome'].stop_reason}, "
        f"{full0['outcome'].frames} frames), events "
        + ", ".join(f"{k} {v}" for k, v in sorted(full0["kinds"].items()))
        + f"; detect found a face in {res['detect'][0]['found']}/{n}"
    )
    bd = breakdown(images)
    print("  breakdown, ms per call (200 frames; overlay on a RELAX view with a prompt):")
    print("    " + "; ".join(f"{k.strip()} {v:.2f}" for k, v in bd.items()))
    return {"own": own, "a": a_ser, "full": med("full", "wall")}


def paced(images, log, seconds: float) -> dict:
    m = round(seconds * FPS)
    pf = v_run(images, m, log, window=True, paced=True)
    ps = v_serial(images, m, log, paced=True)
    print(f"\npaced at 30 fps (a camera), {m} frames, steady state:")
    lat, ivl, bc = pf["latency"], pf["interval"], pf["behind_camera"]
    print(
        f"  full (live.run): CPU {pf['cpu']:.2f} ms/frame = {pf['cpu'] / FRAME_MS * 100 / 2:.0f} % of 2 cores; "
        f"drawn every {np.nanmedian(ivl):.1f} ms (p99 {pct(ivl, 99):.1f}, max {np.nanmax(ivl):.1f})"
    )
    print(
        f"    arrival → drawn: median {np.nanmedian(lat):.1f} ms, p95 {pct(lat, 95):.1f}, max {np.nanmax(lat):.1f} "
        f"= {np.nanmedian(lat) / FRAME_MS:.2f} frames of {FRAME_MS:.1f} ms"
    )
    print(
        f"    when frame i is drawn, newest frame handed over is i+{int(np.median(pf['behind']))} "
        f"(max i+{int(pf['behind'].max())}); newest frame the camera has taken: "
        + ", ".join(f"i+{v}: {int((bc == v).sum())}" for v in sorted(set(bc.tolist())))
    )
    late = pf["late"]
    print(
        f"    loop late to take a frame the camera has: median {np.median(late):.2f} ms, max {late.max():.1f}, "
        f"last frame {late[-1]:.2f} (a backlog would grow)"
    )
    sl = ps["latency"]
    print(
        f"  serial (measure inline, no pipelining): CPU {ps['cpu']:.2f} ms/frame; arrival → drawn median "
        f"{np.nanmedian(sl):.1f} ms, p95 {pct(sl, 95):.1f}, max {np.nanmax(sl):.1f} "
        f"= {np.nanmedian(sl) / FRAME_MS:.2f} frames"
    )
    return {
        "lat": float(np.nanmedian(lat)),
        "lat_max": float(np.nanmax(lat)),
        "lat_serial": float(np.nanmedian(sl)),
        "ivl99": pct(ivl, 99),
        "behind2": int((bc >= 2).sum()),
        "frames": len(bc),
        "late_end": float(late[-1]),
        "late_max": float(late.max()),
    }


def memory(images, log, minutes: float, est_ms: float | None, budget_s: float, force_trace: bool) -> dict:
    asked = minutes
    if est_ms is not None and budget_s > 0:
        fit = math.floor(budget_s / (est_ms / 1000 * 60 * FPS))
        minutes = max(1, min(minutes, fit))
    note = ""
    if minutes < asked:
        note = (
            f"; {asked:g} min would take ~{asked * 60 * FPS * est_ms / 1000:.0f} s > budget {budget_s:.0f} s, "
            f"so {minutes:g} min"
        )
    est = "" if est_ms is None else f", est. {minutes * 60 * FPS * est_ms / 1000:.0f} s"
    print(
        f"\nmemory: full path (window stubbed, draw, log) on the clip looped forward-backward, {minutes:g} min of "
        f"session = {int(minutes * 60 * FPS)} frames{est}{note}"
    )
    mr = memory_run(images, minutes, log)
    o = mr["outcome"]
    ivl = mr["interval"]
    print(
        f"  ran {mr['wall']:.0f} s = {mr['wall'] / mr['n'] * 1000:.2f} ms/frame (p99 {pct(ivl, 99):.1f}, "
        f"max {np.nanmax(ivl):.1f}); ended {o.stop_reason!r} in phase {mr['phase']!r} after {o.frames} frames "
        f"(events: {', '.join(f'{k} {v}' for k, v in sorted(mr['kinds'].items()))}); "
        f"decoded frames hold {sum(im.nbytes for im in images) / 2**20:.0f} MB of the RSS"
    )
    print("  session min  RSS MB now  30 s window: min  median    max  Python objects")
    for t, now, lo, mid, hi, objs in mr["rss"]:
        print(f"    {t / 60:6.1f} {now:10.1f} {lo:17.1f} {mid:7.1f} {hi:6.1f} {objs:15d}")
    slope, growth = slope_per_10min(mr["rss"])
    objs = [x[5] for x in mr["rss"] if x[0] >= 60.0] or [x[5] for x in mr["rss"]]
    flat = None if math.isnan(slope) else slope <= FLAT_MB_PER_10MIN
    print(
        f"  RSS slope (window medians, from 1 min on): {slope:+.2f} MB per 10 min; growth {growth:+.1f} MB from 1 min "
        f"to the end; Python objects {objs[-1] - objs[0]:+d}; flat (≤ {FLAT_MB_PER_10MIN:g} MB/10 min): "
        f"{ {True: 'yes', False: 'NO', None: 'too short to tell'}[flat] }"
    )
    size = sum(p.stat().st_size for p in log.db.parent.glob(log.db.name + "*"))
    print(f"  log database after all runs: {size / 2**20:.2f} MB on disk (with its -wal)")
    if flat is False or force_trace:
        tm_min = min(max(minutes, 3.0), 4.0)
        print(f"  tracemalloc run: {tm_min:g} min of session, tracing from 1 min to the end")
        tr = memory_run(images, tm_min, log, trace_from_s=60.0)
        print_growth(tr["snaps"])
        s2, g2 = slope_per_10min(tr["rss"])
        print(f"  (its RSS slope {s2:+.2f} MB/10 min, growth {g2:+.1f} MB, with tracing on)")
    return {"slope": slope, "flat": flat, "minutes": minutes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=lambda v: max(1, int(v)), default=3)
    ap.add_argument("--paced-s", type=float, default=30.0, help="seconds of each paced (camera-like) run")
    ap.add_argument("--memory-minutes", type=float, default=30.0, help="session minutes of the memory run")
    ap.add_argument("--memory-budget-s", type=float, default=240.0, help="wall-time cap of the memory run (0: none)")
    ap.add_argument("--memory-only", action="store_true", help="only the memory run (no cap unless a budget is given)")
    ap.add_argument("--tracemalloc", action="store_true", help="trace Python allocations even if RSS stays flat")
    ap.add_argument("--frames", type=int, default=0, help="use only the clip's first N frames (a quick try)")
    ap.add_argument(
        "--refine-every",
        type=int,
        default=0,
        help="pixel refinement on every N-th frame instead of live.LIVE_REFINE_EVERY (1: every frame)",
    )
    args = ap.parse_args()
    if args.refine_every:  # live.run reads it from its module at each run
        live.LIVE_REFINE_EVERY = args.refine_every

    import mediapipe

    affinity = len(os.sched_getaffinity(0))
    print(
        f"machine: os.cpu_count()={os.cpu_count()}, usable cores={affinity}, "
        f"load avg={' '.join(f'{x:.2f}' for x in os.getloadavg())}; python {sys.version.split()[0]}, "
        f"numpy {np.__version__}, cv2 {cv2.__version__}, mediapipe {getattr(mediapipe, '__version__', '?')}, "
        f"cv2 threads {cv2.getNumThreads()}"
    )

    with tempfile.TemporaryDirectory(prefix="facetension-bench-") as tmp:
        tmp = Path(tmp)
        clip = tmp / "clip_640x480_30fps.mp4"
        t0 = pc()
        n_src = build_clip(SOURCE, clip)
        images = decode(clip)
        if args.frames:
            images = images[: args.frames]
        n = len(images)
        if n < 300 or images[0].shape[:2] != SIZE[::-1]:
            sys.exit(f"decoded clip is wrong: {n} frames of {images[0].shape if n else None}")
        print(
            f"clip: {SOURCE.relative_to(REPO)} ({n_src} frames) → central 4:3 crop scaled to 640×480, mp4v "
            f"30 fps, decoded into memory: {n} frames = {n / FPS:.0f} s ({pc() - t0:.1f} s to build and decode, "
            f"{sum(im.nbytes for im in images) / 2**20:.0f} MB)"
        )
        log = StorageLog(tmp / "bench.db")
        try:
            if args.memory_only:
                budget = args.memory_budget_s if "--memory-budget-s" in sys.argv else 0.0
                est = None
                if budget:
                    est = v_run(images, n, log, window=True)["wall"]
                mem = memory(images, log, args.memory_minutes, est, budget, args.tracemalloc)
                print(
                    f"\ngoal: memory flat: {mem['slope']:+.2f} MB/10 min over {mem['minutes']:g} min "
                    f"({VERDICT[mem['flat']]})"
                )
                return
            t = timing(images, log, args.rounds)
            p = paced(images, log, args.paced_s)
            mem = memory(images, log, args.memory_minutes, t["full"], args.memory_budget_s, args.tracemalloc)
        finally:
            log.close()

    ratio = t["own"] / t["a"]
    keeps = t["full"] < FRAME_MS and p["late_end"] < FRAME_MS
    one = p["behind2"] == 0
    print("\ngoals:")
    print(
        f"  keeps up with 30 fps: full path {t['full']:.2f} ms/frame vs {FRAME_MS:.1f} ({1000 / t['full']:.0f} fps "
        f"unpaced); paced, no backlog (loop late by {p['late_end']:.2f} ms at the last frame, {p['late_max']:.1f} at "
        f"worst; p99 draw interval {p['ivl99']:.1f} ms): {'PASS' if keeps else 'FAIL'}"
    )
    print(
        f"  ≤ 1 frame of latency: with a window each frame is measured as soon as it arrives, so arrival → "
        f"drawn = processing = {p['lat']:.1f} ms median ({p['lat'] / FRAME_MS:.2f} frames); "
        f"frames drawn 2 or more camera frames late: {p['behind2']}/{p['frames']} (worst {p['lat_max']:.1f} ms): "
        f"{'PASS' if one else 'FAIL'} as 'never a frame behind'; {'PASS' if p['lat'] <= FRAME_MS else 'FAIL'} as "
        f"'≤ {FRAME_MS:.1f} ms arrival to drawn' (the serial variant: {p['lat_serial']:.1f} ms)"
    )
    print(
        f"  own work ≤ {GOAL_OWN * 100:g} % of detect (one run): {100 * ratio:.1f} % "
        f"({'PASS' if ratio <= GOAL_OWN else 'FAIL'})"
    )
    print(
        f"  memory flat: {mem['slope']:+.2f} MB/10 min over {mem['minutes']:g} min of session ({VERDICT[mem['flat']]})"
    )


if __name__ == "__main__":
    main()
