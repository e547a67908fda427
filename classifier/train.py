"""Fitting the linear model and calibrating its confidence by cross-validated temperature scaling."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from classifier.corpus import OUT_OF_SCOPE, Example
from classifier.families import load_families
from classifier.features import FeatureConfig, Vocabulary, featurize
from classifier.model import LinearModel, MajorHead, softmax
from classifier.segment import Segmenter
from classifier.tables import load_tables
from classifier.text import FEATURE_CHARS, normalize


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Model settings, chosen by cross-validation on the training corpus."""

    c: float = 2.0
    min_df: int = 2
    calibration_folds: int = 3
    features: FeatureConfig = FeatureConfig()
    # Weight of a letter against a short note in training (the corpus holds far more notes than letters).
    letter_weight: float = 4.0
    # The power of a major-class head over the same features in a class's probability (classifier.model.MajorHead);
    # 0: no head.
    major_head: float = 0.5

    def as_dict(self) -> dict[str, object]:
        return {"c": self.c, "min_df": self.min_df, "calibration_folds": self.calibration_folds,
                "features": self.features.as_dict(), "letter_weight": self.letter_weight,
                "major_head": self.major_head}


def docs_of(segmenter: Segmenter, texts: list[str], config: FeatureConfig) -> list[Counter[str]]:
    return [featurize(segmenter, normalize(t)[:FEATURE_CHARS], config) for t in texts]


def to_matrix(vocabulary: Vocabulary, docs: list[Counter[str]]) -> sparse.csr_matrix:
    """The tf-idf rows of the documents as one sparse matrix."""
    rows = [vocabulary.vector(d) for d in docs]
    indptr = np.cumsum([0] + [len(i) for i, _ in rows])
    indices = np.concatenate([i for i, _ in rows])
    data = np.concatenate([v for _, v in rows])
    return sparse.csr_matrix((data, indices, indptr), shape=(len(docs), len(vocabulary.index)))


def _estimator(config: TrainConfig) -> LinearSVC:
    return LinearSVC(C=config.c, class_weight="balanced", random_state=0)


def fit_temperature(scores: np.ndarray, labels: np.ndarray, offset: np.ndarray | float = 0.0) -> float:
    """The softmax temperature that minimises the negative log-likelihood of held-out scores (scores / temperature +
    offset: the head's log-probabilities, which keep their own calibration)."""

    def nll(log_t: float) -> float:
        p = softmax(scores / float(np.exp(log_t)) + offset)
        return float(-np.log(p[np.arange(len(labels)), labels] + 1e-12).mean())

    result = minimize_scalar(nll, bounds=(-6.0, 3.0), method="bounded")
    return float(np.exp(result.x))


def trainable(examples: Sequence[Example]) -> list[Example]:
    """Examples a class can be learnt from: a family label teaches the family's default member."""
    families = load_families()
    return [Example(f.default, e.text, letter=e.letter) if (f := families.get(e.label)) else e for e in examples]


def _fitted(config: TrainConfig, x: sparse.csr_matrix, y: np.ndarray, weights: np.ndarray,
            folds: list[tuple[np.ndarray, np.ndarray]]) -> tuple[LinearSVC, np.ndarray]:
    """The estimator fitted on everything, and its out-of-fold decision scores."""
    held_out = cross_val_predict(_estimator(config), x, y, cv=folds, method="decision_function",
                                 params={"sample_weight": weights})
    return _estimator(config).fit(x, y, sample_weight=weights), held_out


def _columns(estimator: LinearSVC) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(estimator.coef_.T, dtype=np.float32), estimator.intercept_.astype(np.float32)


def fit(examples: list[Example], segmenter: Segmenter, config: TrainConfig = TrainConfig()) -> LinearModel:
    """Train on the examples; temperatures come from out-of-fold decision scores (the same folds for the classes and
    the major head, so that no held-out score has seen its document)."""
    docs = docs_of(segmenter, [e.text for e in examples], config.features)
    vocabulary = Vocabulary.fit(docs, config.min_df)
    x = to_matrix(vocabulary, docs)
    classes = sorted({e.label for e in examples})
    y = np.array([classes.index(e.label) for e in examples])
    n_folds = min(config.calibration_folds, int(np.bincount(y).min()))
    if n_folds < 2:
        raise ValueError("every class needs at least two examples")
    folds = list(StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=0).split(x, y))
    weights = np.array([config.letter_weight if e.letter else 1.0 for e in examples])
    estimator, held_out = _fitted(config, x, y, weights, folds)
    head, offset = None, 0.0
    if config.major_head:
        tables = load_tables()

        def major_of(label: str) -> str:
            """A class's major; texts outside the standard are a major of their own."""
            return OUT_OF_SCOPE if label == OUT_OF_SCOPE else tables.major_of(label)
        majors = sorted({major_of(c) for c in classes})
        of_class = np.array([majors.index(major_of(c)) for c in classes])
        if len(majors) > 1:
            head_estimator, head_held_out = _fitted(config, x, of_class[y], weights, folds)
            head = MajorHead(majors, of_class, *_columns(head_estimator), fit_temperature(head_held_out, of_class[y]),
                             config.major_head)
            offset = head.log_probabilities(head_held_out / head.temperature)
    return LinearModel(classes, vocabulary, *_columns(estimator), fit_temperature(held_out, y, offset),
                       config.features, head)
