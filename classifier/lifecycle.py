"""Training and retraining model versions, with evaluation gating which one is active."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classifier.core import DECISION_VERSION, Classifier
from classifier.corpus import OUT_OF_SCOPE, Example, content_hash, read_corpus, read_examples, test_sets, train_files
from classifier.evaluate import choose_thresholds, evaluate, public
from classifier.families import load_families
from classifier.features import FEATURE_VERSION
from classifier.registry import META_FILE, REPORT_FILE, ModelStore
from classifier.segment import SYNONYMS, USERDICT, Segmenter
from classifier.tables import load_tables
from classifier.train import TrainConfig, fit, trainable

# Retraining keeps the active model unless the candidate is no worse on every test set in each of these …
GATED_METRICS = ("accuracy_major", "accuracy_minor", "accuracy_family", "top3", "coverage", "accuracy_accepted_major",
                 "out_of_scope_held")
# … within this tolerance (a handful of corrections moves figures by less than one example in a thousand) …
GATE_TOLERANCE = 0.005
# … and its calibration error is no more than this above the active model's.
CALIBRATION_TOLERANCE = 0.01
# The set the review threshold is chosen on, when it exists …
THRESHOLD_SET = "letters"
# … with the letter sets of languages that get a threshold of their own (see `choose_thresholds`) …
LANGUAGE_THRESHOLD_SETS = {"en": "letters_en"}
# … and the set whose notes do, by language.
NOTE_THRESHOLD_SET = "short"


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
        sets = (self.report or {}).get("test_sets") or {}
        figures = "".join(f"; {name}: major {r['accuracy_major']:.2%}, minor {r['accuracy_minor']:.2%}, "
                          f"answered {r['coverage']:.2%}" for name, r in sets.items()) or "; no test set"
        threshold = (self.report or {}).get("threshold") or {}
        kinds = "".join(f", {kind} {t['chosen']}" for kind, t in threshold.get("kinds", {}).items())
        chosen = f"; threshold {threshold['chosen']}{kinds}" if "chosen" in threshold else ""
        return f"model {self.version} {'activated' if self.activated else 'kept inactive'}{chosen}{figures}"


@dataclass(frozen=True, slots=True)
class Sources:
    """The files a model is built from and judged on."""

    train: list[Path]
    tests: dict[str, list[Path]]
    corrections: Path | None = None

    @classmethod
    def default(cls, corrections: Path | None = None) -> Sources:
        return cls(train_files(), test_sets(), corrections)

    def fingerprint(self, config: TrainConfig) -> str:
        paths = self.train + [USERDICT, SYNONYMS] + ([self.corrections] if self.corrections else [])
        return content_hash(paths, FEATURE_VERSION, DECISION_VERSION, json.dumps(config.as_dict(), sort_keys=True))


def _check_labels(labels: set[str], origin: str) -> None:
    tables, families = load_tables(), load_families()
    unknown = sorted(label for label in labels if label not in tables and label not in families and label != OUT_OF_SCOPE)
    if unknown:
        raise ValueError(f"{origin}: unknown class ids {', '.join(unknown[:10])}")


def _build(store: ModelStore, segmenter: Segmenter, sources: Sources, config: TrainConfig) -> tuple[str, Classifier]:
    examples = read_corpus(sources.train)
    corrections = read_examples(sources.corrections) if sources.corrections else []
    _check_labels({e.label for e in examples + corrections}, "training data")
    model = fit(trainable(examples + corrections), segmenter, config)
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


def _test_reports(clf: Classifier, sources: Sources) -> dict[str, Any]:
    """Choose the review threshold on the letter set (else the first set), those of other languages on their letter sets
    and those of notes on the short set, then report every set at them."""
    examples = {}
    for name, files in sources.tests.items():
        examples[name] = [e for f in files for e in read_examples(f)]
        _check_labels({label for e in examples[name] for label in (e.label, *e.also)}, name)
    if not examples:
        return {"test_sets": {}, "threshold": None, "test": None}
    basis = THRESHOLD_SET if THRESHOLD_SET in examples else next(iter(examples))
    letters = examples[basis] + [e for name in LANGUAGE_THRESHOLD_SETS.values() if name != basis
                                 for e in examples.get(name, [])]
    threshold = {"set": basis, **choose_thresholds(clf, letters, examples.get(NOTE_THRESHOLD_SET, []))}
    for kind, chosen in threshold.get("kinds", {}).items():
        language, register = kind.split("-")
        chosen["set"] = NOTE_THRESHOLD_SET if register == "note" else LANGUAGE_THRESHOLD_SETS.get(language, basis)
    reports = {name: public(evaluate(clf, ex)) for name, ex in examples.items()}
    return {"test_sets": reports, "threshold": threshold, "test": reports.get("short")}


def _worse(candidate: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """The figures on which a candidate falls behind the active model, by test set."""
    worse = []
    for name, base in baseline["test_sets"].items():
        cand = candidate["test_sets"].get(name)
        if cand is None:
            worse.append(f"{name}: missing")
            continue
        for metric in GATED_METRICS:
            if base.get(metric) is not None and (cand.get(metric) or 0.0) < base[metric] - GATE_TOLERANCE:
                worse.append(f"{name}: {metric} {cand.get(metric)} < {base[metric]}")
        if cand["calibration_error"] > base["calibration_error"] + CALIBRATION_TOLERANCE:
            worse.append(f"{name}: calibration_error {cand['calibration_error']} > {base['calibration_error']}")
    return worse


def train(model_dir: Path, sources: Sources, config: TrainConfig = TrainConfig(), *, force: bool = False) -> Outcome:
    """Build and activate a model from the corpus, unless the active one was built from the same corpus."""
    store = ModelStore(model_dir)
    active = store.active()
    if active and not force and store.read_json(active, META_FILE)["corpus_hash"] == sources.fingerprint(config):
        return Outcome(active, True, True, store.read_json(active, REPORT_FILE))
    segmenter = Segmenter(model_dir, config.features.dict_min_freq)
    version, clf = _build(store, segmenter, sources, config)
    report = {**_test_reports(clf, sources), "activated": True, "compared_with": None}
    store.write_json(version, REPORT_FILE, report)
    store.activate(version)
    return Outcome(version, True, False, report)


def retrain(model_dir: Path, sources: Sources, config: TrainConfig = TrainConfig()) -> Outcome:
    """Build a candidate from corpus and corrections; activate it only if it is no worse on any figure of any test set."""
    if not sources.tests:
        raise FileNotFoundError("retraining needs the labelled test sets to judge the candidate")
    store = ModelStore(model_dir)
    segmenter = Segmenter(model_dir, config.features.dict_min_freq)
    active = store.active()
    version, candidate = _build(store, segmenter, sources, config)
    cand_report = _test_reports(candidate, sources)
    baseline = _test_reports(Classifier.load_version(store, active), sources) if active is not None else None
    worse = _worse(cand_report, baseline) if baseline is not None else []
    activated = not worse
    compared = None if baseline is None else {
        "version": active,
        "metrics": list(GATED_METRICS) + ["calibration_error"],
        "tolerance": GATE_TOLERANCE,
        "worse": worse,
        "test_sets": {name: {k: r.get(k) for k in (*GATED_METRICS, "calibration_error")}
                      for name, r in baseline["test_sets"].items()},
    }
    report = {**cand_report, "activated": activated, "compared_with": compared}
    store.write_json(version, REPORT_FILE, report)
    if activated:
        store.activate(version)
    return Outcome(version, activated, False, report)
