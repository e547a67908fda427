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


def test_calibration_error_is_measured(trained: Outcome) -> None:
    assert 0.0 <= trained.report["test"]["calibration_error"] < 0.15


def test_calibration_error_of_known_cases() -> None:
    from classifier.evaluate import calibration_error

    assert calibration_error([1.0, 1.0], [True, True]) == 0.0
    assert calibration_error([0.9, 0.9], [False, False]) == 0.9
    assert abs(calibration_error([0.55, 0.55, 0.15], [True, False, False]) - (0.05 * 2 + 0.15) / 3) < 1e-9
