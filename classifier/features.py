"""Feature extraction (word, word-pair and character n-grams) and its tf-idf weighting."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from classifier.letters import Sentence, sentences
from classifier.segment import DICT_MIN_FREQ, Segmenter

# Bumped whenever the features change, so that a model is retrained rather than reused.
FEATURE_VERSION = "5"


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which n-grams to extract."""

    char_min: int = 1
    char_max: int = 2
    word_bigrams: bool = False
    latin_prefix: int = 5
    dict_min_freq: int = DICT_MIN_FREQ
    # Weigh each sentence's features by its role in a letter (classifier.letters); False: every sentence counts fully.
    sentence_roles: bool = True

    def as_dict(self) -> dict[str, int | bool]:
        return {"char_min": self.char_min, "char_max": self.char_max, "word_bigrams": self.word_bigrams,
                "latin_prefix": self.latin_prefix, "dict_min_freq": self.dict_min_freq,
                "sentence_roles": self.sentence_roles}


K = TypeVar("K")

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


@dataclass(frozen=True, slots=True)
class SentenceFeatures:
    """One sentence of a text: its role, its words and its feature counts."""

    sentence: Sentence
    words: list[str]
    feats: list[str]


def sentence_features(segmenter: Segmenter, text: str, config: FeatureConfig) -> list[SentenceFeatures]:
    """Features of each sentence of a normalised text (the whole text as one problem sentence without roles)."""
    parts = sentences(text) if config.sentence_roles else [Sentence(text, "problem")]
    out = []
    for s in parts:
        words = segmenter.words(s.text)
        out.append(SentenceFeatures(s, words, extract(words, segmenter.canonical(words), s.text, config)))
    return out


def combine(counts: Iterable[tuple[float, Mapping[K, int]]]) -> Counter[K]:
    """Feature counts of a whole text from its sentences' counts, each times the weight of the sentence's role."""
    total: Counter[K] = Counter()
    for w, part in counts:
        if w == 1.0:
            total.update(part)
        elif w:
            for f, n in part.items():
                total[f] += n * w
    return total


def featurize(segmenter: Segmenter, text: str, config: FeatureConfig) -> Counter[str]:
    """Weighted feature counts of a normalised text."""
    return combine((p.sentence.weight, Counter(p.feats)) for p in sentence_features(segmenter, text, config))


class Vocabulary:
    """Feature index and inverse document frequencies; sublinear tf, l2-normalised rows."""

    def __init__(self, names: list[str], idf: np.ndarray) -> None:
        self.names = names
        self.index = {f: i for i, f in enumerate(names)}
        self.idf = idf

    @classmethod
    def fit(cls, docs: list[Counter[str]], min_df: int = 2) -> Vocabulary:
        df = Counter(f for doc in docs for f, n in doc.items() if n > 0)
        names = sorted(f for f, n in df.items() if n >= min_df)
        n_docs = len(docs)
        idf = np.array([math.log((1 + n_docs) / (1 + df[f])) + 1.0 for f in names], dtype=np.float32)
        return cls(names, idf)

    def ids(self, feats: Iterable[str]) -> Counter[int]:
        """Counts of the known features among `feats`, by index."""
        counts = Counter(map(self.index.get, feats))
        counts.pop(None, None)  # type: ignore[call-overload]
        return counts  # type: ignore[return-value]

    def vector(self, counts: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Indices and weights of the known features of one document, from its (weighted) feature counts."""
        index = self.index
        return self.vector_ids({i: n for f, n in counts.items() if (i := index.get(f)) is not None})

    def vector_ids(self, counts: Mapping[int, float]) -> tuple[np.ndarray, np.ndarray]:
        """Indices and l2-normalised tf-idf weights from (weighted) counts by feature index.

        Sublinear tf: 1 + log(n) for n >= 1, n itself below 1 (features of lightly weighted sentences).
        """
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        tf = np.where(tf >= 1.0, 1.0 + np.log(np.maximum(tf, 1.0)), tf)
        vals = tf * self.idf[idx]
        return idx, vals / math.sqrt(float(vals @ vals))
