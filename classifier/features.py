"""Feature extraction (word, word-pair and character n-grams) and its tf-idf weighting."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from classifier.segment import DICT_MIN_FREQ, Segmenter

# Bumped whenever the features change, so that a model is retrained rather than reused.
FEATURE_VERSION = "3"


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which n-grams to extract."""

    char_min: int = 1
    char_max: int = 2
    word_bigrams: bool = False
    latin_prefix: int = 5
    dict_min_freq: int = DICT_MIN_FREQ

    def as_dict(self) -> dict[str, int | bool]:
        return {"char_min": self.char_min, "char_max": self.char_max, "word_bigrams": self.word_bigrams,
                "latin_prefix": self.latin_prefix, "dict_min_freq": self.dict_min_freq}


_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def extract(words: list[str], canonical: list[str], text: str, config: FeatureConfig) -> list[str]:
    """Feature strings of one normalised complaint: `w:` words and official terms, `b:` word pairs, `c:` Han n-grams."""
    feats = [f"w:{w}" for w in words]
    feats += [f"w:{c}" for c in canonical]
    if config.latin_prefix:
        feats += [f"p:{w[:config.latin_prefix]}" for w in words if w.isascii() and len(w) > config.latin_prefix]
    if config.word_bigrams:
        feats += [f"b:{a}_{b}" for a, b in zip(words, words[1:])]
    for run in _HAN_RUN.findall(text):
        for n in range(config.char_min, config.char_max + 1):
            feats += ["c:" + run[i:i + n] for i in range(len(run) - n + 1)]
    return feats


def featurize(segmenter: Segmenter, text: str, config: FeatureConfig) -> list[str]:
    """Features of a normalised text."""
    words = segmenter.words(text)
    return extract(words, segmenter.canonical(words), text, config)


class Vocabulary:
    """Feature index and inverse document frequencies; sublinear tf, l2-normalised rows."""

    def __init__(self, names: list[str], idf: np.ndarray) -> None:
        self.names = names
        self.index = {f: i for i, f in enumerate(names)}
        self.idf = idf

    @classmethod
    def fit(cls, docs: list[list[str]], min_df: int = 2) -> Vocabulary:
        df = Counter(f for doc in docs for f in set(doc))
        names = sorted(f for f, n in df.items() if n >= min_df)
        n_docs = len(docs)
        idf = np.array([math.log((1 + n_docs) / (1 + df[f])) + 1.0 for f in names], dtype=np.float32)
        return cls(names, idf)

    def vector(self, feats: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Indices and weights of the known features of one document."""
        counts = Counter(map(self.index.get, feats))
        counts.pop(None, None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.array(list(counts), dtype=np.int64)
        tf = np.array(list(counts.values()), dtype=np.float32)
        vals = (1.0 + np.log(tf)) * self.idf[idx]
        return idx, vals / math.sqrt(float(vals @ vals))
