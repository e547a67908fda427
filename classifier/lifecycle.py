"""Training and retraining model versions, with evaluation gating which one is active."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classifier.core import Classifier
from classifier.corpus import TEST_FILE, content_hash, read_corpus, read_examples, train_files
from classifier.evaluate import evaluate
from classifier.features import FEATURE_VERSION
from classifier.registry import META_FILE, REPORT_FILE, ModelStore
from classifier.segment import SYNONYMS, USERDICT, Segmenter
from classifier.tables import load_tables
from classifier.train import TrainConfig, fit

GATING_METRIC = "accuracy_minor"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a training run did."""

    version: str | None
    activated: bool
    skipped: bool
    report: dict[str, Any] | None

    def summary(self) -> str:
        if self.skipped:
            return f"corpus unchanged: model {self.version} stays active"
        test = (self.report or {}).get("test")
        figures = (f"; test set: major {test['accuracy_major']:.2%}, minor {test['accuracy_minor']:.2%}"
                   if test else "; no test set")
        return f"model {self.version} {'activated' if self.activated else 'kept inactive'}{figures}"


@dataclass(frozen=True, slots=True)
class Sources:
    """The files a model is built from and judged on."""

    train: list[Path]
    test: Path | None
    corrections: Path | None = None

    @classmethod
    def default(cls, corrections: Path | None = None) -> Sources:
        return cls(train_files(), TEST_FILE if TEST_FILE.exists() else None, corrections)

    def fingerprint(self, config: TrainConfig) -> str:
        paths = self.train + [USERDICT, SYNONYMS] + ([self.corrections] if self.corrections else [])
        return content_hash(paths, FEATURE_VERSION, json.dumps(config.as_dict(), sort_keys=True))


def _check_labels(labels: set[str], origin: str) -> None:
    tables = load_tables()
    unknown = sorted(label for label in labels if label not in tables)
    if unknown:
        raise ValueError(f"{origin}: unknown class ids {', '.join(unknown[:10])}")


def _build(store: ModelStore, segmenter: Segmenter, sources: Sources, config: TrainConfig) -> tuple[str, Classifier]:
    examples = read_corpus(sources.train)
    corrections = read_examples(sources.corrections) if sources.corrections else []
    _check_labels({e.label for e in examples + corrections}, "training data")
    model = fit(examples + corrections, segmenter, config)
    version = store.new_version()
    model.save(store.version_dir(version))
    store.write_json(version, META_FILE, {
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus_hash": sources.fingerprint(config),
        "train_files": [p.name for p in sources.train],
        "examples": len(examples),
        "corrections": len(corrections),
        "classes": len(model.classes),
        "config": config.as_dict(),
    })
    return version, Classifier(model, segmenter, version=version)


def _test_report(clf: Classifier, test: Path) -> dict[str, Any]:
    examples = read_examples(test)
    _check_labels({e.label for e in examples}, test.name)
    return evaluate(clf, examples)


def train(model_dir: Path, sources: Sources, config: TrainConfig = TrainConfig(), *, force: bool = False) -> Outcome:
    """Build and activate a model from the corpus, unless the active one was built from the same corpus."""
    store = ModelStore(model_dir)
    active = store.active()
    if active and not force and store.read_json(active, META_FILE)["corpus_hash"] == sources.fingerprint(config):
        return Outcome(active, True, True, store.read_json(active, REPORT_FILE))
    segmenter = Segmenter(model_dir, config.features.dict_min_freq)
    version, clf = _build(store, segmenter, sources, config)
    report = {"test_file": sources.test.name if sources.test else None, "test": _test_report(clf, sources.test) if sources.test else None,
              "activated": True, "compared_with": None}
    store.write_json(version, REPORT_FILE, report)
    store.activate(version)
    return Outcome(version, True, False, report)


def retrain(model_dir: Path, sources: Sources, config: TrainConfig = TrainConfig()) -> Outcome:
    """Build a candidate from corpus and corrections; activate it only if it scores no worse on the test set."""
    if sources.test is None:
        raise FileNotFoundError("retraining needs the labelled test set to judge the candidate")
    store = ModelStore(model_dir)
    segmenter = Segmenter(model_dir, config.features.dict_min_freq)
    active = store.active()
    version, candidate = _build(store, segmenter, sources, config)
    cand_report = _test_report(candidate, sources.test)
    baseline = None
    if active is not None:
        current = Classifier.load_version(store, active)
        baseline = _test_report(current, sources.test)
    activated = baseline is None or cand_report[GATING_METRIC] >= baseline[GATING_METRIC]
    compared = None if baseline is None else {
        "version": active,
        "metric": GATING_METRIC,
        **{k: baseline[k] for k in ("accuracy_minor", "accuracy_major", "macro_f1")},
    }
    report = {"test_file": sources.test.name, "test": cand_report, "activated": activated, "compared_with": compared}
    store.write_json(version, REPORT_FILE, report)
    if activated:
        store.activate(version)
    return Outcome(version, activated, False, report)
