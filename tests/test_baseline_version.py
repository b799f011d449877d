"""A baseline learnt before the measuring of a region changed (methods.METHOD_CHANGES): its
resting geometry there is another method's relaxed face, so that part is not used, and the
person is told why and how to learn it again. Pure rules, the codecs, the command line and
the report's reference."""

import json
from dataclasses import replace

import pytest

from facetension import __version__
from facetension.baselines import (
    REGION_GEOMETRY,
    from_data,
    from_file_text,
    measured_now,
    to_data,
    to_file_text,
)
from facetension.cli import main
from facetension.methods import METHOD_CHANGES, changed_since, era_versions
from facetension.report_cli import personal_reference
from facetension.storage import Log

from log_data import a_baseline

NEWEST = METHOD_CHANGES[-1][0]
BEFORE = "0.1.0"  # older than every change
MOVED = METHOD_CHANGES[-1][2]  # the regions the newest change moved


def test_only_the_regions_measured_differently_since_lose_their_geometry():
    old = replace(a_baseline(), app_version=BEFORE)
    kept, stale = measured_now(old, __version__)
    assert stale == changed_since(BEFORE, __version__) and set(MOVED) <= set(stale)
    for region, fields in REGION_GEOMETRY.items():
        for f in fields:
            assert (getattr(kept.rest, f) is None) == (region in stale), (region, f)
    assert kept.rest.activation == old.rest.activation and kept.noise == old.noise
    now = replace(old, app_version=__version__)
    assert measured_now(now, __version__) == (now, ())  # learnt by this version: all of it
    bare = replace(old, rest=replace(old.rest, **{f: None for r in stale for f in REGION_GEOMETRY[r]}))
    assert measured_now(bare, __version__) == (bare, ())  # nothing of those regions held: nothing to say


def test_a_baseline_of_unknown_version_counts_as_older_than_every_change():
    unknown = a_baseline()
    assert unknown.app_version is None
    _, stale = measured_now(unknown, __version__)
    assert stale == changed_since(BEFORE, __version__)
    assert changed_since("dev", __version__) == stale  # an unreadable version too


def test_a_region_no_change_moved_keeps_its_geometry_whatever_the_version():
    moved_ever = {r for _, _, regions in METHOD_CHANGES for r in regions}
    for region in REGION_GEOMETRY:
        if region not in moved_ever:
            assert era_versions(region) == [None]
            assert region not in measured_now(a_baseline(), __version__)[1]


def test_the_version_is_kept_by_the_log_and_the_file_and_old_ones_read_as_unknown():
    b = replace(a_baseline(), app_version=NEWEST)
    assert from_data(b.taken_at, b.source, b.frames, to_data(b)) == b
    assert from_file_text(to_file_text(b)) == b
    old = a_baseline()  # kept before versions were: its text in the log is unchanged
    assert "app_version" not in json.loads(to_data(old))
    assert from_data(old.taken_at, old.source, old.frames, to_data(old)).app_version is None
    doc = json.loads(to_file_text(b))
    del doc["app_version"]  # a file written before versions were kept
    assert from_file_text(json.dumps(doc)).app_version is None


@pytest.mark.parametrize("bad", [3, "", "x" * 41, ["0.3.0"]])
def test_a_version_that_is_not_a_short_text_is_refused(bad):
    doc = json.loads(to_file_text(a_baseline()))
    doc["app_version"] = bad
    with pytest.raises(ValueError, match="app_version"):
        from_file_text(json.dumps(doc))


def test_measuring_against_an_old_baseline_says_so_and_uses_the_rest_of_it(capsys, tmp_path, faces):
    db = tmp_path / "log.db"
    with Log.open(db) as log:
        log.save_baseline(a_baseline())
    assert main(["analyze", str(faces["single_face.mp4"]), "--json", "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["tension"]["baseline"] == "personal"
    assert "Your relaxed face was learnt by an earlier facetension" in err
    assert f"Since version {NEWEST} the mouth corner is measured differently" in err
    assert "facetension calibrate" in err and "Traceback" not in err
    with Log.open(db) as log:
        log.save_baseline(replace(a_baseline("2025-03-01T09:00:00+00:00"), app_version=__version__))
    assert main(["analyze", str(faces["single_face.mp4"]), "--json", "--db", str(db)]) == 0
    assert "measured differently" not in capsys.readouterr().err


def test_the_reports_reference_leaves_out_what_an_old_baseline_measured_differently(tmp_path):
    with Log.open(tmp_path / "log.db") as log:
        log.save_baseline(a_baseline())
        old = personal_reference(log)
        log.save_baseline(replace(a_baseline("2025-03-01T09:00:00+00:00"), app_version=__version__))
        new = personal_reference(log)
    assert "mouth_corner" not in old.mm and "mouth_corner" in new.mm
    assert old.mm["eye"] == new.mm["eye"] and old.mm["brow"] == new.mm["brow"]
