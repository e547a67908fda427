"""Cross-validation on the training letters, the one place model settings are chosen (the test sets only measure).

Folds hold out whole letter files: a file is one batch of one contributor, so a fold measures letters of a batch the model
has not read (the test sets go further: their writers are not among the training ones). Each fold also holds out every
n-th short note, so that a setting that helps letters is seen to keep or cost accuracy on notes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.core import Classifier
from classifier.corpus import read_examples
from classifier.evaluate import choose_thresholds, evaluate
from classifier.segment import Segmenter
from classifier.train import TrainConfig, fit, trainable

FIGURES = ("accuracy_major", "accuracy_minor", "accuracy_family", "top3", "coverage", "accuracy_accepted_major",
           "calibration_error")
NOTE_FIGURES = ("accuracy_major", "accuracy_minor", "coverage", "accuracy_accepted_major")


@dataclass(frozen=True, slots=True)
class Fold:
    held_out: list[Path]
    report: dict[str, Any]
    notes: dict[str, Any]
    """The figures on the fold's held-out short notes (their thresholds chosen on them, as training does on the short set)."""


def split(files: Sequence[Path], folds: int) -> list[list[Path]]:
    """Letter files dealt round-robin into folds, in name order, so each fold holds several writers' batches."""
    letters = sorted(f for f in files if f.name.startswith("letters_"))
    if len(letters) < folds:
        raise ValueError(f"{len(letters)} letter files cannot make {folds} folds")
    return [letters[i::folds] for i in range(folds)]


def cross_validate(files: Sequence[Path], segmenter: Segmenter, config: TrainConfig = TrainConfig(), folds: int = 5,
                   progress: Callable[[str], None] = lambda _: None) -> tuple[list[Fold], dict[str, float]]:
    """Train without each fold's letter files and evaluate on them, with the thresholds chosen on the held-out letters
    and notes the way training chooses them on the test sets. Returns each fold and the figures averaged over the folds."""
    texts = {f: read_examples(f) for f in files}
    notes = [e for f, ex in texts.items() if not f.name.startswith("letters_") for e in ex]
    out = []
    for i, held in enumerate(split(files, folds)):
        train = [e for f, ex in texts.items() if f not in held and f.name.startswith("letters_") for e in ex]
        train += [e for n, e in enumerate(notes) if n % folds != i]
        test = [e for f in held for e in texts[f]]
        clf = Classifier(fit(trainable(train), segmenter, config), segmenter)
        choose_thresholds(clf, test, notes[i::folds])
        report = evaluate(clf, test)
        held_notes = evaluate(clf, notes[i::folds])
        out.append(Fold(held, report, held_notes))
        progress(f"fold {i + 1}/{folds}: " + ", ".join(f"{k} {report[k]}" for k in FIGURES)
                 + "; notes: " + ", ".join(f"{k} {held_notes[k]}" for k in NOTE_FIGURES))
    mean = {k: round(sum(f.report[k] or 0.0 for f in out) / len(out), 4) for k in FIGURES}
    mean |= {f"notes_{k}": round(sum(f.notes[k] or 0.0 for f in out) / len(out), 4) for k in NOTE_FIGURES}
    return out, mean
