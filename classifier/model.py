"""The trained linear model: feature weights per class, a major-class head over the same features, and the softmax
temperatures that calibrate them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classifier.features import FeatureConfig, Vocabulary

WEIGHTS_FILE = "model.npz"
FEATURES_FILE = "features.json"


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of scores / temperature."""
    e = np.exp((scores - scores.max(axis=-1, keepdims=True)) / temperature)
    e /= e.sum(axis=-1, keepdims=True)
    return e


def log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@dataclass
class MajorHead:
    """Scores of the major classes (kind and major name) over the model's features: evidence that sibling classes
    share ("rubbish", "stalls") counts for all of them, where each sibling's own weights split it."""

    majors: list[str]
    of_class: np.ndarray  # (n_classes,) index into `majors` of each class's major
    weights: np.ndarray  # (n_features, n_majors), float32
    intercept: np.ndarray  # (n_majors,)
    temperature: float
    weight: float = 1.0
    """The power of the major's probability in a class's (1: the plain product)."""

    def __post_init__(self) -> None:
        self.scaled_weights = self.weights / np.float32(self.temperature)
        self.scaled_intercept = self.intercept / np.float32(self.temperature)

    def log_probabilities(self, scores: np.ndarray) -> np.ndarray:
        """Weighted log-probability of each class's major, from the head's scores (rows of majors)."""
        return self.weight * log_softmax(scores)[..., self.of_class]


@dataclass
class LinearModel:
    """Linear scores over tf-idf features. Probabilities are softmax(scores / temperature), times the major head's
    probability of each class's major when there is a head (renormalised): a class wins with its major's support."""

    classes: list[str]
    vocabulary: Vocabulary
    weights: np.ndarray  # (n_features, n_classes), float32
    intercept: np.ndarray  # (n_classes,)
    temperature: float
    config: FeatureConfig
    head: MajorHead | None = None

    def __post_init__(self) -> None:
        # Scores are computed already divided by the temperature.
        self.scaled_weights = self.weights / np.float32(self.temperature)
        self.scaled_intercept = self.intercept / np.float32(self.temperature)

    def probabilities(self, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
        return self._combined(lambda weights: vals @ weights[idx])

    def probabilities_of(self, rows: Any) -> np.ndarray:
        """Probabilities of several documents at once (a sparse matrix of tf-idf rows)."""
        return self._combined(lambda weights: np.asarray(rows @ weights))

    def _combined(self, product: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Class probabilities from `product(weights)`, the documents' tf-idf times a weight matrix."""
        scores = product(self.scaled_weights) + self.scaled_intercept
        if self.head is not None:
            scores += self.head.log_probabilities(product(self.head.scaled_weights) + self.head.scaled_intercept)
        return softmax(scores)

    def feature_weights(self, idx: np.ndarray, class_index: int) -> np.ndarray:
        """What each feature adds to a class's calibrated score per unit of tf-idf (its major's share included)."""
        weights = self.scaled_weights[idx, class_index]
        if self.head is not None:
            weights = weights + self.head.weight * self.head.scaled_weights[idx, self.head.of_class[class_index]]
        return weights

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        head = self.head
        arrays = {"weights": self.weights, "intercept": self.intercept, "idf": self.vocabulary.idf}
        if head is not None:
            arrays |= {"head_weights": head.weights, "head_intercept": head.intercept, "head_of_class": head.of_class}
        np.savez(directory / WEIGHTS_FILE, **arrays)
        meta = {
            "classes": self.classes,
            "features": self.vocabulary.names,
            "temperature": self.temperature,
            "config": self.config.as_dict(),
            "head": {"majors": head.majors, "temperature": head.temperature, "weight": head.weight} if head else None,
        }
        (directory / FEATURES_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LinearModel:
        meta = json.loads((directory / FEATURES_FILE).read_text(encoding="utf-8"))
        head_meta = meta.get("head")
        with np.load(directory / WEIGHTS_FILE) as arrays:
            weights, intercept, idf = arrays["weights"], arrays["intercept"], arrays["idf"]
            head = MajorHead(head_meta["majors"], arrays["head_of_class"], arrays["head_weights"],
                             arrays["head_intercept"], head_meta["temperature"], head_meta.get("weight", 1.0)) if head_meta else None
        vocabulary = Vocabulary(meta["features"], idf)
        config = FeatureConfig(**{"sentence_roles": False, **meta["config"]})
        return cls(meta["classes"], vocabulary, weights, intercept, meta["temperature"], config, head)
