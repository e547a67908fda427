"""The quality bar on the project's held-out test set (model trained on the training corpus only)."""

from classifier.lifecycle import Outcome

MAJOR_BAR = 0.90
MINOR_BAR = 0.80


def test_major_class_accuracy_meets_the_bar(trained: Outcome) -> None:
    test = trained.report["test"]
    assert test["accuracy_major"] >= MAJOR_BAR, test["accuracy_major"]


def test_minor_class_accuracy_meets_the_bar(trained: Outcome) -> None:
    test = trained.report["test"]
    assert test["accuracy_minor"] >= MINOR_BAR, test["accuracy_minor"]


def test_confidence_is_calibrated_enough_to_gate_review(trained: Outcome) -> None:
    test = trained.report["test"]
    assert test["accuracy_accepted"] >= test["accuracy_minor"]
