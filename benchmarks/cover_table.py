"""The cover detector (facetension/occlusion.py), clip by clip: false covers on clean clips,
hits and timing on clips with a hand of another person's skin (tests/covered.py).

Run by hand: python benchmarks/cover_table.py [--quick]
Every clip goes through the landmarker as analyze runs it (VIDEO mode, both passes) and, if
covered, through an .mp4 first (mp4v, as tests/covered.py writes it), in a temporary folder.

Tables (markdown):
  clean    per clip: frames with a face, frames called covered (share), the highest part
           score (covered above CoverSettings.on_score), ms per frame of the detector alone
  photos   every face photo of the test media, filmed (sway, noise): false covers; then
           with a hand of another photo's skin: hits
  covered  per source clip × skin donor × placement: share of the frames with the hand in
           place called covered, and on one of the parts it is on; onset (frames after the
           hand settles; negative: while still sliding in); clear again (s after the hand is
           off); false covers before/after; ms per frame
  cases    a long massage (15 s), a stream that starts with the hand on, the same person's
           own skin as the hand
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from facetension.landmarks import Landmarker  # noqa: E402
from facetension.occlusion import COVER_PARTS, CoverDetector, CoverSettings  # noqa: E402

import covered as cv  # noqa: E402
from covered import (  # noqa: E402
    CLEAR,
    COVERED,
    PLACEMENT_PARTS,
    PLACEMENTS,
    SKIN,
    Hand,
    brightness_drift,
    demo_frames,
    head_drift,
    noisy,
    pingpong,
    read_frames,
    rescaled,
    rotated,
    still_clip,
    track_video,
)
from media import FACES  # noqa: E402
from scripted import CornerShift, EyeNarrow, Jitter, LidFlicker, make_clip, rest_frames  # noqa: E402

FN_PERSON_FRAMES = 73  # face_noface.mov: the person, then a cartoon


def run(frames, landmarks):
    """Each frame's covered parts (None: no face) and scores, and the detector's ms per frame."""
    detector, found, scores, spent = CoverDetector(), [], [], 0.0
    for frame, lm in zip(frames, landmarks):
        if lm is None:
            detector.reset()
            found.append(None)
            scores.append(None)
            continue
        t0 = time.perf_counter()
        found.append(detector(lm, frame))
        spent += time.perf_counter() - t0
        scores.append(detector.scores.copy())
    n = sum(f is not None for f in found)
    return found, scores, 1000 * spent / max(n, 1)


def letterbox_480(frames):
    """640×360 frames padded to 640×480, as a 4:3 webcam gives them (the face keeps its size)."""
    return [cv2.copyMakeBorder(f, 60, 60, 0, 0, cv2.BORDER_CONSTANT, value=(30, 30, 30)) for f in frames]


def clean_clips(quick: bool):
    sf, fps = read_frames(FACES["single_face.mp4"])
    demo_s = 10.0 if quick else 45.0
    clips = {
        "single_face (neutral, smile, back)": (pingpong(sf, 2 * len(sf)), fps),
        "single_face rolled 20°": (rotated(sf, 20.0), fps),
        "single_face small (face ~120 px)": (rescaled(sf, 0.62), fps),
        "single_face large (1280×720, face ~385 px)": (rescaled(sf, 2.0), fps),
        "single_face sensor noise sd 8": (noisy(sf, 8.0), fps),
        "single_face sensor noise sd 14": (noisy(sf, 14.0), fps),
        "single_face exposure drift 0.6–1.25": (brightness_drift(sf), fps),
        "single_face slow head drift": (head_drift(sf), fps),
        "face_noface.mov (the person)": (read_frames(FACES["face_noface.mov"], 0, FN_PERSON_FRAMES)[0], 26.4),
        f"practice_demo ({demo_s:.0f} s)": demo_frames(0.0, demo_s),
        "practice_demo at 640×480 (10 s)": (letterbox_480(demo_frames(0.0, 10.0)[0]), 30.0),
        "scripted (eye, corner, lid twitch, jitter; 12 s)": make_clip(
            (EyeNarrow(), CornerShift(side="right", start=5.0, end=10.0), LidFlicker(start=10.5), Jitter()), 12.0
        ),
    }
    return clips


def clean_table(lm, quick):
    print("\n## Clean clips: never covered\n")
    print("| clip | frames with a face | called covered | share | highest part score | ms/frame |")
    print("|---|---:|---:|---:|---|---:|")
    for name, (frames, fps) in clean_clips(quick).items():
        frames = [np.ascontiguousarray(f) for f in frames]
        found, scores, ms = run(frames, track_video(frames, fps, lm))
        seen = [f for f in found if f is not None]
        false = sum(bool(f) for f in seen)
        top = np.max([s for s in scores if s is not None], axis=0)
        worst = f"{top.max():.2f} ({COVER_PARTS[int(top.argmax())]})"
        print(f"| {name} | {len(seen)} | {false} | {100 * false / max(len(seen), 1):.1f} % | {worst} | {ms:.2f} |")


def judge(found, state, hand, fps):
    """Hit share, right-part share, onset (frames), clear-again delay (s), false covers."""
    on = [i for i, s in enumerate(state) if s == COVERED and found[i] is not None]
    hits = [i for i in on if found[i]]
    where = set(PLACEMENT_PARTS[hand.placement])
    right = [i for i in on if where & set(found[i])]
    settled = int(np.flatnonzero(state == COVERED)[0])
    first = next((i for i, f in enumerate(found) if f and i / fps >= hand.start_s), None)
    after = [i for i, f in enumerate(found) if f is not None and i / fps > hand.end_s]
    flagged_after = [i for i in after if found[i]]
    clear_s = 0.0 if not flagged_after else flagged_after[-1] / fps - hand.end_s
    off = [i for i, s in enumerate(state) if s == CLEAR and found[i] is not None]
    late = [i for i in off if found[i] and not hand.start_s <= i / fps <= hand.end_s + 0.5]
    return (
        len(hits) / max(len(on), 1),
        len(right) / max(len(on), 1),
        None if first is None else first - settled,
        clear_s,
        f"{len(late)}/{len(off)}",
    )


def covered_rows(lm, tmp: Path, quick: bool):
    sf, sf_fps = read_frames(FACES["single_face.mp4"])
    fn = read_frames(FACES["face_noface.mov"], 0, FN_PERSON_FRAMES)[0]
    seconds, at = 4.5, (1.2, 3.2)
    n = lambda fps: round(seconds * fps)  # noqa: E731
    sources = {
        "practice_demo 0 s": lambda: demo_frames(0.0, seconds),
        "practice_demo 20 s": lambda: demo_frames(20.0, seconds),
        "single_face (smiling)": lambda: (pingpong(sf, n(sf_fps)), sf_fps),
        "scripted rest": lambda: rest_frames(seconds),
        "face_noface (960×540)": lambda: (pingpong(fn, n(26.4)), 26.4),
        "photo grace_hopper (glasses)": lambda: (still_clip("grace_hopper.jpg", seconds), 30.0),
        "photo single_face.jpg (smiling)": lambda: (still_clip("single_face.jpg", seconds), 30.0),
    }
    photo_of = {
        "photo grace_hopper (glasses)": "grace_hopper.jpg",
        "photo single_face.jpg (smiling)": "single_face.jpg",
    }
    combos = []
    for k, source in enumerate(sources):
        donors = [d for d in SKIN if d[0] != photo_of.get(source)]  # another person's skin
        if source == "practice_demo 0 s" and not quick:  # every donor × every placement once
            combos += [(source, d, p) for d in donors for p in PLACEMENTS]
        else:  # every placement, donors taking turns
            combos += [(source, donors[(k + j) % len(donors)], p) for j, p in enumerate(PLACEMENTS)]
    if quick:
        combos = combos[::3]
    clean_cache = {}
    for source, (donor, part), placement in combos:
        if source not in clean_cache:
            frames, fps = sources[source]()
            frames = [np.ascontiguousarray(f) for f in frames]
            clean_cache[source] = (frames, fps, track_video(frames, fps, lm))
        frames, fps, clean_lms = clean_cache[source]
        hand = Hand(donor, part, placement, *at)
        out, state = cv.compose(frames, clean_lms, (hand,), fps)
        path = cv.write_mp4(out, tmp / "covered.mp4", fps)
        decoded, fps = read_frames(path)
        found, _, ms = run(decoded, track_video(decoded, fps, lm))
        yield source, f"{donor} {part}", placement, judge(found, state, hand, fps), ms


def covered_table(lm, tmp, quick):
    print("\n## Covered clips: a hand of another person's skin, 1.2–3.2 s (in place 1.5–2.9 s)\n")
    print("| source | skin | placement | hit | on its parts | onset (frames) | clear after (s) | false | ms/frame |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    hits, onsets, clears = [], [], []
    for source, skin, placement, (hit, right, onset, clear_s, false), ms in covered_rows(lm, tmp, quick):
        hits.append(hit)
        onsets.append(onset if onset is not None else 99)
        clears.append(clear_s)
        print(
            f"| {source} | {skin} | {placement} | {100 * hit:.0f} % | {100 * right:.0f} % | {onset} | "
            f"{clear_s:.2f} | {false} | {ms:.2f} |"
        )
    print(
        f"\nAll {len(hits)}: hit min {100 * min(hits):.0f} %, mean {100 * np.mean(hits):.1f} %; onset worst "
        f"{max(onsets)} frames; clear again worst {max(clears):.2f} s"
    )


def photos_table(lm):
    """Every face photo of the test media (tests/data/faces, samples), filmed as a webcam
    would (a slow sway, sensor noise): never covered; then with a hand over it."""
    print("\n## Photos, filmed for 3 s: clean, then a hand 1.0–2.6 s (in place 1.3–2.3 s)\n")
    print("| photo | face (px) | clean: called covered | skin | placement | hit | false | ms/frame |")
    print("|---|---:|---:|---|---|---:|---:|---:|")
    photos = [n for n in sorted(FACES) if Path(n).suffix in (".jpg", ".png") and n != "Image_with_alpha.png"]
    for k, photo in enumerate(photos):  # Image_with_alpha.png has a hand on the face already
        frames = still_clip(photo, 3.0)
        landmarks = track_video(frames, 30.0, lm)
        if sum(x is not None for x in landmarks) < len(frames) / 2:
            continue  # no face (a landscape), or hardly
        found, _, ms = run(frames, landmarks)
        false = sum(bool(f) for f in found if f is not None)
        donors = [d for d in SKIN if d[0] != photo]  # another person's skin
        donor = donors[k % len(donors)]
        placement = PLACEMENTS[k % len(PLACEMENTS)]
        hand = Hand(*donor, placement, 1.0, 2.6)
        out, state = cv.compose(frames, landmarks, (hand,), 30.0)
        found, _, _ = run(out, track_video(out, 30.0, lm))
        hit, _, _, _, late = judge(found, state, hand, 30.0)
        height = int(np.ptp(next(x for x in landmarks if x is not None)[:, 1]))
        print(
            f"| {photo} | {height} | {false}/{len(frames)} | {donor[0]} {donor[1]} | {placement} | "
            f"{100 * hit:.0f} % | {late} | {ms:.2f} |"
        )


def own_skin_texture(frames, landmarks):
    """The clip's own person's skin (a forehead patch of its first frame) as the hand's."""
    x, y = landmarks[0][151, :2].astype(int)
    return cv.skin_texture(frames[0][y - 12 : y + 4, x - 14 : x + 14])


def cases_table(lm, tmp):
    print("\n## Harder cases\n")
    print("| case | frames with the hand in place called covered | clear frames called covered | note |")
    print("|---|---:|---:|---|")
    frames, fps = demo_frames(0.0, 20.0)
    clean_lms = track_video(frames, fps, lm)
    cases = {
        "15 s massage, grace_hopper's cheek on the right cheek and mouth": (
            Hand("grace_hopper.jpg", "cheek", "right_cheek_mouth", 2.0, 17.0),
            None,
        ),
        "15 s massage, the person's OWN forehead skin on the left cheek and mouth": (
            Hand("grace_hopper.jpg", "cheek", "left_cheek_mouth", 2.0, 17.0),
            own_skin_texture(frames, clean_lms),
        ),
        "starts with the hand on (until 2.5 s)": (Hand("multi_face.jpg", "hand", "left_cheek_mouth", -1.0, 2.5), None),
    }
    relearn_s = CoverSettings().relearn_frames / 30
    for name, (hand, texture) in cases.items():
        out, state = [], np.zeros(len(frames), np.int8)
        for i, (frame, lms) in enumerate(zip(frames, clean_lms)):
            out.append(cv.paste_hand(frame, lms, hand, i / fps, texture))
            state[i] = hand.state(i / fps)
        decoded, fps = read_frames(cv.write_mp4(out, tmp / "case.mp4", fps))
        found, _, _ = run(decoded, track_video(decoded, fps, lm))
        on = [i for i, s in enumerate(state) if s == COVERED and found[i] is not None]
        off = [i for i, s in enumerate(state) if s == CLEAR and found[i] is not None]
        false = [i for i in off if found[i]]
        note = ""
        if hand.start_s < 0:
            last = max(false) / fps if false else hand.end_s
            note = f"learnt as the face; re-learnt {last - hand.end_s:.1f} s after it left ({relearn_s:.0f} s steady)"
        print(f"| {name} | {sum(bool(found[i]) for i in on)}/{len(on)} | {len(false)}/{len(off)} | {note} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter clips")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="facetension-cover-") as tmp, Landmarker() as lm:
        clean_table(lm, args.quick)
        photos_table(lm)
        covered_table(lm, Path(tmp), args.quick)
        if not args.quick:
            cases_table(lm, Path(tmp))


if __name__ == "__main__":
    main()
