import shutil
from collections import Counter
from pathlib import Path

import pytest

from classifier.corpus import read_examples
from classifier.lifecycle import Outcome, Sources, retrain, train
from classifier.registry import META_FILE, REPORT_FILE, ModelStore
from classifier.train import TrainConfig


def test_training_is_skipped_when_corpus_unchanged(trained: Outcome, model_dir: Path, sources: Sources) -> None:
    again = train(model_dir, sources)
    assert again.skipped and again.version == trained.version
    assert ModelStore(model_dir).versions() == [trained.version]


def test_version_holds_model_report_and_hash(trained: Outcome, model_dir: Path, sources: Sources) -> None:
    store = ModelStore(model_dir)
    assert store.active() == trained.version
    meta = store.read_json(trained.version, META_FILE)
    assert meta["corpus_hash"] == sources.fingerprint(TrainConfig())
    report = store.read_json(trained.version, REPORT_FILE)
    assert report["test"]["examples"] > 0 and report["activated"] is True


def _copy(model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(model_dir, target)
    return target


def test_worse_candidate_is_not_activated(trained: Outcome, model_dir: Path, sources: Sources, tmp_path: Path) -> None:
    models = _copy(model_dir, tmp_path)
    smallest = min((p for p in sources.train if not p.name.startswith(("letters", "scope"))), key=lambda p: p.stat().st_size)
    notes = read_examples(smallest)
    counts = Counter(e.label for e in notes)
    small = tmp_path / "small.tsv"  # one file of notes, each class with the two examples training needs
    small.write_text("".join(f"{e.label}\t{e.text}\n" for e in notes if counts[e.label] >= 2), encoding="utf-8")
    corrections = tmp_path / "corrections.tsv"
    corrections.write_text(f"{notes[0].label}\t另一条投诉，由坐席改过类别\n", encoding="utf-8")
    outcome = retrain(models, Sources([small], sources.tests, corrections))
    store = ModelStore(models)
    assert not outcome.activated
    assert store.active() == trained.version
    report = store.read_json(outcome.version, REPORT_FILE)
    assert report["activated"] is False
    assert report["compared_with"]["version"] == trained.version
    assert report["test"]["accuracy_minor"] < report["compared_with"]["test_sets"]["short"]["accuracy_minor"]
    # Refused on several figures of several sets, not on minor accuracy alone.
    worse = report["compared_with"]["worse"]
    assert any(w.startswith("letters: accuracy_major") for w in worse), worse
    assert any("coverage" in w or "top3" in w for w in worse), worse
    assert store.read_json(outcome.version, META_FILE)["corrections"] == 1
    assert sorted(store.versions()) == sorted([trained.version, outcome.version])


def test_equally_good_candidate_is_activated(trained: Outcome, model_dir: Path, sources: Sources, tmp_path: Path) -> None:
    models = _copy(model_dir, tmp_path)
    outcome = retrain(models, sources)
    store = ModelStore(models)
    report = store.read_json(outcome.version, REPORT_FILE)
    for name, figures in report["compared_with"]["test_sets"].items():
        assert report["test_sets"][name]["accuracy_minor"] == figures["accuracy_minor"]
    assert report["compared_with"]["worse"] == []
    assert outcome.activated and store.active() == outcome.version


def test_unknown_label_in_corrections_is_refused(trained: Outcome, model_dir: Path, sources: Sources, tmp_path: Path) -> None:
    models = _copy(model_dir, tmp_path)
    corrections = tmp_path / "corrections.tsv"
    corrections.write_text("ev-0000-0000\t井盖丢了\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown class ids ev-0000-0000"):
        retrain(models, Sources(sources.train, sources.tests, corrections))
    assert ModelStore(models).active() == trained.version
