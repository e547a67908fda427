"""The classifier the gateway calls: model, rules and the handling of bad input."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifier.features import extract
from classifier.model import LinearModel
from classifier.registry import ModelStore, default_model_dir
from classifier.rules import Rule, RuleOutcome, RuleSet
from classifier.segment import Segmenter
from classifier.tables import load_tables
from classifier.text import FEATURE_CHARS, MAX_TEXT_CHARS, has_signal, normalize

DEFAULT_THRESHOLD = 0.35
TOP_CANDIDATES = 5
FEATURE_KINDS = {"w": "word", "b": "word pair", "c": "characters", "p": "word prefix"}


@dataclass(frozen=True, slots=True)
class Candidate:
    class_id: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Classification:
    """The answer for one text; `class_id` is None when the case needs review by an agent."""

    class_id: str | None
    needs_review: bool
    reason: str | None
    confidence: float
    candidates: list[Candidate] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    truncated: bool = False

    @classmethod
    def review(cls, reason: str) -> Classification:
        return cls(class_id=None, needs_review=True, reason=reason, confidence=0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "class_id": self.class_id,
            "needs_review": self.needs_review,
            "reason": self.reason,
            "confidence": round(self.confidence, 4),
            "candidates": [{"class_id": c.class_id, "confidence": round(c.confidence, 4)} for c in self.candidates],
            "rule_ids": self.rule_ids,
            "truncated": self.truncated,
        }


@dataclass(frozen=True, slots=True)
class _Analysis:
    """Intermediate results shared by `classify` and `explain`."""

    text: str
    words: list[str]
    idx: np.ndarray
    vals: np.ndarray
    outcome: RuleOutcome
    ranked: list[Candidate]
    truncated: bool


class Classifier:
    """Classifies complaint texts into the stable class ids of the code tables."""

    def __init__(self, model: LinearModel, segmenter: Segmenter, *, threshold: float = DEFAULT_THRESHOLD,
                 version: str | None = None) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be between 0 and 1")
        self.model = model
        self.segmenter = segmenter
        self.threshold = threshold
        self.version = version
        self._rules = RuleSet([])
        self._class_index = {c: i for i, c in enumerate(model.classes)}

    @classmethod
    def load(cls, model_dir: Path | None = None, *, threshold: float = DEFAULT_THRESHOLD) -> Classifier:
        """Load the active model version of `model_dir` (default: `default_model_dir()`) and initialise jieba."""
        store = ModelStore(model_dir or default_model_dir())
        version = store.active()
        if version is None:
            raise FileNotFoundError(f"no trained model in {store.root}: run `python -m classifier train`")
        return cls.load_version(store, version, threshold=threshold)

    @classmethod
    def load_version(cls, store: ModelStore, version: str, *, threshold: float = DEFAULT_THRESHOLD) -> Classifier:
        """Load one stored model version, active or not."""
        model = LinearModel.load(store.version_dir(version))
        segmenter = Segmenter(store.root, model.config.dict_min_freq)
        return cls(model, segmenter, threshold=threshold, version=version)

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules.rules)

    def set_rules(self, rules: list[Rule]) -> None:
        """Atomically replace the active administrator rules."""
        self._rules = RuleSet(list(rules))

    def classify(self, text: str, *, channel: str | None = None, language: str | None = None) -> Classification:
        """Classify one complaint. `language` is a hint only: the features serve Chinese and English alike."""
        return self._classify(text, channel)[0]

    def _classify(self, text: str, channel: str | None) -> tuple[Classification, _Analysis | None]:
        if not text or not text.strip():
            return Classification.review("empty"), None
        norm = normalize(text)
        if not has_signal(norm):
            return Classification.review("no_signal"), None
        a = self._analyse(norm, channel)
        top = a.ranked[0]
        rule_ids = [r.id for r in a.outcome.fired]
        reason = self._review_reason(a, top, len(norm))
        return Classification(
            class_id=None if reason else top.class_id,
            needs_review=reason is not None,
            reason=reason,
            confidence=top.confidence,
            candidates=a.ranked[:TOP_CANDIDATES],
            rule_ids=rule_ids,
            truncated=a.truncated,
        ), a

    def _review_reason(self, a: _Analysis, top: Candidate, length: int) -> str | None:
        if length > MAX_TEXT_CHARS:
            return "too_long"
        if a.outcome.forced is not None:
            return None
        if len(a.idx) == 0 and not a.outcome.fired:
            return "no_signal"
        if top.confidence < self.threshold:
            return "low_confidence"
        return None

    def _analyse(self, norm: str, channel: str | None) -> _Analysis:
        text = norm[:FEATURE_CHARS]
        words = self.segmenter.words(text)
        feats = extract(words, self.segmenter.canonical(words), text, self.model.config)
        idx, vals = self.model.vocabulary.vector(feats)
        probs = self.model.probabilities(idx, vals)
        outcome = self._rules.apply(norm, channel)
        return _Analysis(text, words, idx, vals, outcome, self._rank(probs, outcome), len(norm) > FEATURE_CHARS)

    def _rank(self, probs: np.ndarray, outcome: RuleOutcome) -> list[Candidate]:
        """Model probabilities plus boosts, renormalised; a forced class goes first with confidence 1."""
        extra: dict[str, float] = {}
        if outcome.boosts:
            probs = probs.copy()
            for class_id, boost in outcome.boosts.items():
                i = self._class_index.get(class_id)
                if i is None:
                    extra[class_id] = boost
                else:
                    probs[i] += boost
            total = float(probs.sum()) + sum(extra.values())
            probs /= total
            extra = {c: b / total for c, b in extra.items()}
        k = min(TOP_CANDIDATES, len(probs))
        top = np.argpartition(probs, -k)[-k:]
        classes = self.model.classes
        ranked = [Candidate(classes[i], p) for i, p in zip(top.tolist(), probs[top].tolist())]
        ranked += [Candidate(c, p) for c, p in extra.items()]
        ranked.sort(key=lambda c: -c.confidence)
        forced = outcome.forced
        if forced is not None:
            ranked = [Candidate(forced.class_id, 1.0)] + [c for c in ranked if c.class_id != forced.class_id]
        return ranked

    def explain(self, text: str, *, channel: str | None = None, top_features: int = 10) -> dict[str, Any]:
        """Per candidate: the features that pushed it and the rules that fired.

        A feature's weight is its share of the candidate's calibrated score (tf-idf value x class weight /
        temperature): positive weights pushed towards the candidate, negative ones away from it.
        """
        result, a = self._classify(text, channel)
        explanation: dict[str, Any] = {"classification": result.as_dict(), "model_version": self.version,
                                       "tokens": [], "rules": [], "candidates": []}
        if a is None:
            return explanation
        tables = load_tables()
        explanation["tokens"] = a.words
        explanation["rules"] = [{"id": r.id, "class_id": r.class_id, "action": r.action, "boost": r.boost,
                                 "priority": r.priority} for r in a.outcome.fired]
        for cand in result.candidates:
            info = tables.get(cand.class_id)
            explanation["candidates"].append({
                "class_id": cand.class_id,
                "name": info.name if info else None,
                "confidence": round(cand.confidence, 4),
                "features": self._contributions(a, cand.class_id, top_features),
                "rules": [r.id for r in a.outcome.fired if r.class_id == cand.class_id],
            })
        return explanation

    def _contributions(self, a: _Analysis, class_id: str, limit: int) -> list[dict[str, Any]]:
        i = self._class_index.get(class_id)
        if i is None or len(a.idx) == 0:
            return []
        contrib = a.vals * self.model.scaled_weights[a.idx, i]
        order = np.argsort(-np.abs(contrib))[:limit]
        names = self.model.vocabulary.names
        out = []
        for j in order:
            kind, _, token = names[a.idx[j]].partition(":")
            out.append({"token": token, "type": FEATURE_KINDS[kind], "weight": round(float(contrib[j]), 4)})
        return out
