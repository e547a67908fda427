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

from classifier.corpus import Example
from classifier.families import load_families
from classifier.features import FeatureConfig, Vocabulary, featurize
from classifier.model import LinearModel, softmax
from classifier.segment import Segmenter
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

    def as_dict(self) -> dict[str, object]:
        return {"c": self.c, "min_df": self.min_df, "calibration_folds": self.calibration_folds,
                "features": self.features.as_dict(), "letter_weight": self.letter_weight}


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


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature that minimises the negative log-likelihood of held-out scores."""

    def nll(log_t: float) -> float:
        p = softmax(scores, float(np.exp(log_t)))
        return float(-np.log(p[np.arange(len(labels)), labels] + 1e-12).mean())

    result = minimize_scalar(nll, bounds=(-6.0, 3.0), method="bounded")
    return float(np.exp(result.x))


def trainable(examples: Sequence[Example]) -> list[Example]:
    """Examples a class can be learnt from: a family label teaches the family's default member."""
    families = load_families()
    return [Example(f.default, e.text, letter=e.letter) if (f := families.get(e.label)) else e for e in examples]


def fit(examples: list[Example], segmenter: Segmenter, config: TrainConfig = TrainConfig()) -> LinearModel:
    """Train on the examples; the temperature comes from out-of-fold decision scores."""
    docs = docs_of(segmenter, [e.text for e in examples], config.features)
    vocabulary = Vocabulary.fit(docs, config.min_df)
    x = to_matrix(vocabulary, docs)
    classes = sorted({e.label for e in examples})
    y = np.array([classes.index(e.label) for e in examples])
    folds = min(config.calibration_folds, int(np.bincount(y).min()))
    if folds < 2:
        raise ValueError("every class needs at least two examples")
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    weights = np.array([config.letter_weight if e.letter else 1.0 for e in examples])
    held_out = cross_val_predict(_estimator(config), x, y, cv=cv, method="decision_function",
                                 params={"sample_weight": weights})
    estimator = _estimator(config).fit(x, y, sample_weight=weights)
    return LinearModel(
        classes=classes,
        vocabulary=vocabulary,
        weights=np.ascontiguousarray(estimator.coef_.T, dtype=np.float32),
        intercept=estimator.intercept_.astype(np.float32),
        temperature=fit_temperature(held_out, y),
        config=config.features,
    )
