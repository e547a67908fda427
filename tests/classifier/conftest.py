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
    """The corpus and test set copied once, so that every test sees the same files."""
    live = Sources.default()
    assert live.train, "no training corpus under classifier/data/train"
    assert live.test is not None, "no test set at classifier/data/test/test.tsv"
    snapshot = tmp_path_factory.mktemp("corpus")
    (snapshot / "train").mkdir()
    for path in live.train:
        shutil.copy(path, snapshot / "train" / path.name)
    shutil.copy(live.test, snapshot / "test.tsv")
    return Sources(sorted((snapshot / "train").glob("*.tsv")), snapshot / "test.tsv")


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
