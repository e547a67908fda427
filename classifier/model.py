"""The trained linear model: feature weights per class and a softmax temperature that calibrates them."""

from __future__ import annotations

import json
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


@dataclass
class LinearModel:
    """Linear scores over tf-idf features; probabilities are softmax(scores / temperature)."""

    classes: list[str]
    vocabulary: Vocabulary
    weights: np.ndarray  # (n_features, n_classes), float32
    intercept: np.ndarray  # (n_classes,)
    temperature: float
    config: FeatureConfig

    def __post_init__(self) -> None:
        # Scores are computed already divided by the temperature.
        self.scaled_weights = self.weights / np.float32(self.temperature)
        self.scaled_intercept = self.intercept / np.float32(self.temperature)

    def probabilities(self, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
        return softmax(vals @ self.scaled_weights[idx] + self.scaled_intercept)

    def probabilities_of(self, rows: Any) -> np.ndarray:
        """Probabilities of several documents at once (a sparse matrix of tf-idf rows)."""
        return softmax(np.asarray(rows @ self.scaled_weights) + self.scaled_intercept)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(directory / WEIGHTS_FILE, weights=self.weights, intercept=self.intercept, idf=self.vocabulary.idf)
        meta = {
            "classes": self.classes,
            "features": self.vocabulary.names,
            "temperature": self.temperature,
            "config": self.config.as_dict(),
        }
        (directory / FEATURES_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LinearModel:
        meta = json.loads((directory / FEATURES_FILE).read_text(encoding="utf-8"))
        with np.load(directory / WEIGHTS_FILE) as arrays:
            weights, intercept, idf = arrays["weights"], arrays["intercept"], arrays["idf"]
        vocabulary = Vocabulary(meta["features"], idf)
        return cls(meta["classes"], vocabulary, weights, intercept, meta["temperature"], FeatureConfig(**{"sentence_roles": False, **meta["config"]}))
