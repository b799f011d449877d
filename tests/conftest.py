"""Fixtures for every test. The helper modules beside the tests (media.py, scripted.py, ...)
import by name: pyproject.toml puts tests/ on pytest's pythonpath."""

import os
from datetime import timedelta
from pathlib import Path

import pytest

from facetension.storage import DATA_DIR_ENV, DB_ENV, Log

from log_data import T0, a_baseline, record_session
from media import FACES


@pytest.fixture(scope="session", autouse=True)
def private_data_folder(tmp_path_factory):
    """Tests never read or write the user's real data folder (baseline, log). Set in os.environ
    itself, before the first test, so the `facetension` subprocesses tests start inherit it."""
    saved = {name: os.environ.get(name) for name in (DATA_DIR_ENV, DB_ENV)}
    os.environ[DATA_DIR_ENV] = str(tmp_path_factory.mktemp("data"))
    os.environ.pop(DB_ENV, None)  # the log is then facetension.db in that folder
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def faces():
    """The real face photos and clips, by file name → path (media.py says where each lives)."""
    return FACES


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
    """The log the commands use by default ($FACETENSION_DB), with three sessions in it."""
    path = tmp_path / "facetension.db"
    monkeypatch.setenv(DB_ENV, str(path))
    with Log.open(path) as log:
        for day in range(3):
            record_session(log, start=T0 + timedelta(days=day), seconds=4 + day)
        log.set_journal(2, pain_before=4, pain_after=2, tags=["cold", "stress"], note='windy, "cold" walk\nthen tea')
        log.save_baseline(a_baseline())
    return path
