"""A model trained once per session from a snapshot of the project's corpus, in a temporary model directory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from classifier import Classifier
from classifier.lifecycle import Outcome, Sources, train


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    """The corpus and test sets copied once, so that every test sees the same files."""
    live = Sources.default()
    assert live.train, "no training corpus under classifier/data/train"
    assert {"short", "letters", "letters_en"} <= set(live.tests), f"test sets missing: {sorted(live.tests)}"
    snapshot = tmp_path_factory.mktemp("corpus")
    (snapshot / "train").mkdir()
    for path in live.train:
        shutil.copy(path, snapshot / "train" / path.name)
    tests = {}
    for name, files in live.tests.items():
        (snapshot / name).mkdir()
        for path in files:
            shutil.copy(path, snapshot / name / path.name)
        tests[name] = sorted((snapshot / name).glob("*.tsv"))
    return Sources(sorted((snapshot / "train").glob("*.tsv")), tests)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("classifier-model")


@pytest.fixture(scope="session")
def trained(model_dir: Path, sources: Sources) -> Outcome:
    return train(model_dir, sources)


@pytest.fixture(scope="session")
def session_classifier(trained: Outcome, model_dir: Path) -> Classifier:
    return Classifier.load(model_dir)


@pytest.fixture
def clf(session_classifier: Classifier) -> Iterator[Classifier]:
    """The session classifier with no rules; rules set by a test are cleared afterwards."""
    session_classifier.set_rules([])
    yield session_classifier
    session_classifier.set_rules([])
