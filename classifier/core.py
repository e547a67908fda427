"""The classifier the gateway calls: model, families, letters, rules and the handling of bad input."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy import sparse

from classifier.corpus import OUT_OF_SCOPE
from classifier.families import Families, load_families
from classifier.features import SentenceFeatures, combine, sentence_features
from classifier.letters import STATED_ROLES
from classifier.model import LinearModel
from classifier.phrases import phrase
from classifier.registry import REPORT_FILE, ModelStore, default_model_dir
from classifier.rules import Rule, RuleOutcome, RuleSet
from classifier.segment import Segmenter
from classifier.tables import load_tables
from classifier.text import FEATURE_CHARS, MAX_TEXT_CHARS, has_signal, kind_of, normalize

DEFAULT_THRESHOLD = 0.35
# Bumped whenever what a threshold decides (`Classifier.accept`, `Classifier.threshold_for`) changes, so that a model's
# thresholds are chosen again rather than reused.
DECISION_VERSION = "3"
TOP_CANDIDATES = 5
FEATURE_KINDS = {"w": "word", "b": "word pair", "c": "characters", "p": "word prefix"}
# A further problem of a letter: a sentence stating a problem whose own answer is at least this sure and differs from
# the primary.
ALSO_CONFIDENCE = 0.9
MAX_ALSO = 2
# A letter states several problems when sentences name each this surely (ALSO_CONFIDENCE) and the whole letter gives
# each at least this share of its probability: the first stated then leads (the guide's rule for problems of equal weight).
STATED_SHARE = 0.1
# Below this, the whole letter's answer may be a blend of its problems: the primary is taken from its sentences.
BLEND_CONFIDENCE = 0.5
# Without an owner word, a family's member is named when the model gives it this share of the family's probability.
MEMBER_SHARE = 0.9
# Sentences with fewer known features than this say too little on their own to name a further problem.
MIN_SENTENCE_FEATURES = 3
# A major class is sure enough to answer for its likeliest class only from this probability on, whatever the threshold:
# a text that states no problem ("这里有个问题需要处理", "hello is anyone there") spreads its probability over the many
# classes of the largest majors and reaches 60–90 % there (tests/classifier/test_thresholds.py).
MAJOR_SURE = 0.95

Precision = Literal["class", "family", "major"]
"""What an answer vouches for: the class itself, its family (the class is the city's default member), or its major class
(the department; the class is the likeliest of that major, to be refined by the platform or an agent)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    class_id: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Finding:
    """A decided class at the precision the text supports (`Precision`); `confidence` is the probability of what it
    vouches for: the class's, the family's or the major's."""

    class_id: str
    confidence: float
    precision: Precision
    family_id: str | None = None
    # The family's probability, when the class belongs to one (equal to `confidence` at family precision).
    family_confidence: float | None = None
    # The probability of the class's major class (the sum over its classes): the department the case goes to.
    major_confidence: float | None = None

    @property
    def surety(self) -> float:
        """How sure the text is of this answer at the surest level it supports: the class, its family, or its major
        once that is at least MAJOR_SURE."""
        major = self.major_confidence or 0.0
        return max(self.confidence, self.family_confidence or 0.0, major if major >= MAJOR_SURE else 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {"class_id": self.class_id, "confidence": round(self.confidence, 4), "precision": self.precision,
                "family_id": self.family_id}


@dataclass(frozen=True, slots=True)
class Classification:
    """The answer for one text; `class_id` is None when the case needs review by an agent.

    `precision` is "family" when the text names the family (a manhole cover) but not the member (whose cover):
    `class_id` is then the family's default member for the city, `confidence` the family's. `also` holds up to two
    further problems a letter states, each decided the same way (also when the primary waits for an agent).
    """

    class_id: str | None
    needs_review: bool
    reason: str | None
    confidence: float
    candidates: list[Candidate] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    truncated: bool = False
    precision: Precision | None = None
    family_id: str | None = None
    also: list[Finding] = field(default_factory=list)
    suggestion: Finding | None = None
    out_of_scope: float = 0.0
    """The probability that the text's problem lies outside the standard (no class covers it)."""

    @classmethod
    def review(cls, reason: str) -> Classification:
        return cls(class_id=None, needs_review=True, reason=reason, confidence=0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "class_id": self.class_id,
            "needs_review": self.needs_review,
            "reason": self.reason,
            "confidence": round(self.confidence, 4),
            "precision": self.precision,
            "family_id": self.family_id,
            "candidates": [{"class_id": c.class_id, "confidence": round(c.confidence, 4)} for c in self.candidates],
            "also": [a.as_dict() for a in self.also],
            "suggestion": self.suggestion.as_dict() if self.suggestion else None,
            "rule_ids": self.rule_ids,
            "truncated": self.truncated,
            "out_of_scope": round(self.out_of_scope, 4),
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
    primary: Finding
    also: list[Finding]
    outside: float
    """The model's probability for OUT_OF_SCOPE, taken out of `ranked`, `primary` and `also` (which are not renormalised)."""


class Classifier:
    """Classifies complaint texts into the stable class ids of the code tables."""

    def __init__(self, model: LinearModel, segmenter: Segmenter, *, threshold: float = DEFAULT_THRESHOLD,
                 thresholds: Mapping[str, float] | None = None, version: str | None = None,
                 families: Families | None = None) -> None:
        if not all(0.0 <= t <= 1.0 for t in (threshold, *(thresholds or {}).values())):
            raise ValueError("threshold must be between 0 and 1")
        self.model = model
        self.segmenter = segmenter
        self.threshold = threshold
        # Review thresholds of the kinds of text that have one of their own (by `kind_of`: "zh-note", "en-letter" …); a
        # note of a language without one takes its language's letters', and the others take `threshold`.
        self.thresholds = dict(thresholds or {})
        self.version = version
        self.families = families or load_families()
        self._rules = RuleSet([])
        self._class_index = {c: i for i, c in enumerate(model.classes)}
        # The model may know texts outside the standard as a label of their own: never an answer, held for an agent.
        self._outside = self._class_index.get(OUT_OF_SCOPE)
        inside = [(i, c) for i, c in enumerate(model.classes) if c != OUT_OF_SCOPE]
        units = sorted({self.families.unit_of(c) for _, c in inside})
        self._units = units
        self._unit_index = {u: i for i, u in enumerate(units)}
        self._unit_matrix = np.zeros((len(model.classes), len(units)), dtype=np.float32)
        for i, c in inside:
            self._unit_matrix[i, self._unit_index[self.families.unit_of(c)]] = 1.0
        tables = load_tables()
        self._major_of_class = {c: tables.major_of(c) for _, c in inside}
        self._major_members = {m: np.array([i for i, c in inside if self._major_of_class[c] == m])
                               for m in set(self._major_of_class.values())}

    @classmethod
    def load(cls, model_dir: Path | None = None, *, threshold: float | None = None,
             family_defaults: Mapping[str, str] | None = None) -> Classifier:
        """Load the active model version of `model_dir` (default: `default_model_dir()`) and initialise jieba.

        `threshold` None: the review thresholds chosen for this model on the test sets, one per kind of text (see
        `lifecycle`), else DEFAULT_THRESHOLD; given, it serves every kind. `family_defaults`: a city's default
        member per family.
        """
        store = ModelStore(model_dir or default_model_dir())
        version = store.active()
        if version is None:
            raise FileNotFoundError(f"no trained model in {store.root}: run `python -m classifier train`")
        return cls.load_version(store, version, threshold=threshold, family_defaults=family_defaults)

    @classmethod
    def load_version(cls, store: ModelStore, version: str, *, threshold: float | None = None,
                     family_defaults: Mapping[str, str] | None = None) -> Classifier:
        """Load one stored model version, active or not."""
        model = LinearModel.load(store.version_dir(version))
        segmenter = Segmenter(store.root, model.config.dict_min_freq)
        kinds: dict[str, float] = {}
        if threshold is None:
            threshold, kinds = chosen_thresholds(store, version)
        families = load_families().with_defaults(family_defaults or {})
        return cls(model, segmenter, threshold=threshold, thresholds=kinds, version=version,
                   families=families)

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules.rules)

    def set_rules(self, rules: list[Rule]) -> None:
        """Atomically replace the active administrator rules."""
        self._rules = RuleSet(list(rules))

    def classify(self, text: str, *, channel: str | None = None, language: str | None = None) -> Classification:
        """Classify one complaint. `language` is a hint only: the features serve Chinese and English alike, and the
        review threshold is the one of the kind of text it is (its language, and a note or a letter)."""
        return self._classify(text, channel)[0]

    def _classify(self, text: str, channel: str | None) -> tuple[Classification, _Analysis | None]:
        if not text or not text.strip():
            return Classification.review("empty"), None
        norm = normalize(text)
        if not has_signal(norm):
            return Classification.review("no_signal"), None
        a = self._analyse(norm, channel)
        reason = self._review_reason(a, len(norm))
        t = self.threshold_for(norm)
        decided = self.accept(a.primary, t) if reason is None else None
        if reason is None and decided is None:
            reason = "low_confidence"
        also = [f for f in (self.accept(f, t) for f in a.also) if f is not None]
        return Classification(
            class_id=decided.class_id if decided else None,
            needs_review=decided is None,
            reason=reason,
            confidence=decided.confidence if decided else a.primary.confidence,
            candidates=a.ranked[:TOP_CANDIDATES],
            rule_ids=[r.id for r in a.outcome.fired],
            truncated=a.truncated,
            precision=decided.precision if decided else None,
            family_id=a.primary.family_id,
            also=also,
            suggestion=a.primary,
            out_of_scope=a.outside,
        ), a

    def threshold_for(self, text: str) -> float:
        """The review threshold of the kind of text `text` is (see `thresholds`)."""
        language, register = kind_of(text)
        return self.thresholds.get(f"{language}-{register}", self.thresholds.get(f"{language}-letter", self.threshold))

    def accept(self, finding: Finding, threshold: float | None = None) -> Finding | None:
        """The finding as decided at `threshold` (default: the classifier's): the member if sure enough, else the
        family's default member if the family is, else the finding at major precision if its major class is and holds
        at least MAJOR_SURE (the case reaches the right department; the class is the likeliest of that major), else None
        (an agent decides)."""
        t = self.threshold if threshold is None else threshold
        if finding.confidence >= t:
            return finding
        if finding.precision == "class" and finding.family_id and (finding.family_confidence or 0.0) >= t:
            family = self.families.get(finding.family_id)
            assert family is not None
            return Finding(family.default, finding.family_confidence or 0.0, "family", family.family_id,
                           finding.family_confidence, finding.major_confidence)
        if finding.surety < t:
            return None
        major = finding.major_confidence or 0.0
        return Finding(finding.class_id, major, "major", finding.family_id, finding.family_confidence, major)

    def _review_reason(self, a: _Analysis, length: int) -> str | None:
        if length > MAX_TEXT_CHARS:
            return "too_long"
        if a.outcome.forced is not None:
            return None
        if len(a.idx) == 0 and not a.outcome.fired:
            return "no_signal"
        if a.outside > (a.primary.major_confidence or 0.0):
            return "out_of_scope"
        return None

    def _analyse(self, norm: str, channel: str | None) -> _Analysis:
        text = norm[:FEATURE_CHARS]
        parts = sentence_features(self.segmenter, text, self.model.config)
        vocabulary = self.model.vocabulary
        counts = [vocabulary.ids(p.feats) for p in parts]
        doc = counts[0] if len(parts) == 1 and parts[0].sentence.weight == 1.0 else \
            combine((p.sentence.weight, c) for p, c in zip(parts, counts))
        idx, vals = vocabulary.vector_ids(doc)
        outcome = self._rules.apply(norm, channel)
        probs, extra = self._boosted(self.model.probabilities(idx, vals), outcome)
        outside = float(probs[self._outside]) if self._outside is not None else 0.0
        probs = self._inside(probs)
        ranked = self._rank(probs, extra, outcome)
        primary, also = self._decide(text, parts, counts, probs, extra, outcome)
        words = [w for p in parts for w in p.words]
        return _Analysis(text, words, idx, vals, outcome, ranked, len(norm) > FEATURE_CHARS, primary, also, outside)

    def _inside(self, probs: np.ndarray) -> np.ndarray:
        """`probs` (of a text, or rows of texts) with OUT_OF_SCOPE's set to 0 and the others left as they are: a text
        that may lie outside the standard is that much less sure of every class."""
        if self._outside is None:
            return probs
        probs = probs.copy()
        probs[..., self._outside] = 0.0
        return probs

    def _unit_probs(self, probs: np.ndarray) -> np.ndarray:
        """Probability of every decision unit (rows of `probs`): a family (the sum over its members) or a class alone."""
        return probs @ self._unit_matrix

    def _extra_units(self, extra: Mapping[str, float]) -> dict[str, float]:
        """Boosts of classes the model does not know, by unit."""
        units: dict[str, float] = {}
        for class_id, p in extra.items():
            unit = self.families.unit_of(class_id)
            units[unit] = units.get(unit, 0.0) + p
        return units

    def _top_unit(self, unit_probs: np.ndarray, extra_units: Mapping[str, float]) -> tuple[str, float]:
        i = int(np.argmax(unit_probs))
        unit, p = self._units[i], float(unit_probs[i])
        for u, q in extra_units.items():
            total = q + (float(unit_probs[self._unit_index[u]]) if u in self._unit_index else 0.0)
            if total > p:
                unit, p = u, total
        return unit, p

    def _finding(self, unit: str, unit_p: float, probs: np.ndarray, extra: Mapping[str, float], text: str) -> Finding:
        """The class decided for a unit: the family's member if the text names its owner ("燃气井盖") or the model is
        sure of it ("gas manhole cover"), else the family's default member. Only members the model or a rule knows
        are named; the member that means "owner unknown" is never named on the model's word alone."""
        family = self.families.get(unit)
        if family is None:
            return Finding(unit, unit_p, "class", None, None, self._major_probability(unit, probs, extra))

        def prob(member: str) -> float:
            i = self._class_index.get(member)
            return (float(probs[i]) if i is not None else 0.0) + extra.get(member, 0.0)
        stated = [(m, w) for m, w in family.stated(text) if m in self._class_index or m in extra]
        precision: Precision = "class"
        if stated:
            class_id, confidence = max(stated, key=lambda mw: (len(mw[1]), prob(mw[0])))[0], unit_p
        else:
            class_id = max(family.members, key=prob)
            confidence = prob(class_id)
            if class_id == family.unknown or unit_p <= 0 or confidence < MEMBER_SHARE * unit_p:
                class_id, confidence, precision = family.default, unit_p, "family"
        return Finding(class_id, confidence, precision, family.family_id, unit_p,
                       self._major_probability(class_id, probs, extra))

    def _major_probability(self, class_id: str, probs: np.ndarray, extra: Mapping[str, float]) -> float:
        """The probability of the major class `class_id` belongs to: the sum over that major's classes."""
        major = self._major_of(class_id)
        members = self._major_members.get(major)
        known = float(probs[members].sum()) if members is not None else 0.0
        return known + sum(p for c, p in extra.items() if self._major_of(c) == major)

    def _major_of(self, class_id: str) -> str:
        major = self._major_of_class.get(class_id)
        return major if major is not None else load_tables().major_of(class_id)

    def _decide(self, text: str, parts: list[SentenceFeatures], counts: list[Counter[int]], probs: np.ndarray,
                extra: Mapping[str, float], outcome: RuleOutcome) -> tuple[Finding, list[Finding]]:
        """The primary problem of the text and up to MAX_ALSO further ones stated in sentences of their own."""
        if outcome.forced is not None:
            forced = outcome.forced.class_id
            family = self.families.family_of(forced)
            return Finding(forced, 1.0, "class", family.family_id if family else None, 1.0 if family else None, 1.0), []
        unit_probs = self._unit_probs(probs)
        extra_units = self._extra_units(extra)
        unit, unit_p = self._top_unit(unit_probs, extra_units)
        tops = self._sentence_tops(parts, counts)
        letter_p = dict(zip(self._units, unit_probs.tolist()))
        stated = self._stated(tops, letter_p)
        if unit in stated and len(stated) > 1:
            # The letter's probability is shared by the problems it states: it is sure of them together, and the
            # first stated leads.
            unit, unit_p = stated[0], sum(letter_p[u] for u in stated)
        elif unit_p < BLEND_CONFIDENCE and tops and unit not in {t[0] for t in tops}:
            # The whole letter's answer may be a blend of its problems: take the likeliest problem a sentence states.
            unit = max((t[0] for t in tops), key=letter_p.__getitem__)
            unit_p = letter_p[unit]
        primary = self._finding(unit, unit_p, probs, extra, text)
        also: list[Finding] = []
        seen = {unit}
        for u, p, s_probs, s_text in sorted(tops, key=lambda t: -t[1]):
            if u in seen or p < ALSO_CONFIDENCE or len(also) == MAX_ALSO:
                continue
            seen.add(u)
            also.append(self._finding(u, p, s_probs, {}, s_text))
        return primary, also

    @staticmethod
    def _stated(tops: list[tuple[str, float, np.ndarray, str]], letter_p: Mapping[str, float]) -> list[str]:
        """The units the sentences state surely and the whole letter supports, in the order the letter states them."""
        stated: list[str] = []
        for u, p, _, _ in tops:
            if p >= ALSO_CONFIDENCE and letter_p[u] >= STATED_SHARE and u not in stated:
                stated.append(u)
        return stated

    def _sentence_tops(self, parts: list[SentenceFeatures],
                       counts: list[Counter[int]]) -> list[tuple[str, float, np.ndarray, str]]:
        """For texts with several sentences stating problems: each sentence's own best unit, its probability, the class
        probabilities and the sentence, all sentences scored in one product."""
        problems = [(p, c) for p, c in zip(parts, counts)
                    if p.sentence.role in STATED_ROLES and len(c) >= MIN_SENTENCE_FEATURES]
        if len(problems) < 2:
            return []
        vectors = [self.model.vocabulary.vector_ids(c) for _, c in problems]
        indptr = np.cumsum([0] + [len(i) for i, _ in vectors])
        rows = sparse.csr_matrix((np.concatenate([v for _, v in vectors]), np.concatenate([i for i, _ in vectors]), indptr),
                                 shape=(len(vectors), len(self.model.vocabulary.names)))
        probs = self._inside(self.model.probabilities_of(rows))
        units = self._unit_probs(probs)
        best = units.argmax(axis=1)
        return [(self._units[b], float(units[k, b]), probs[k], part.sentence.text)
                for k, (b, (part, _)) in enumerate(zip(best.tolist(), problems))]

    def _boosted(self, probs: np.ndarray, outcome: RuleOutcome) -> tuple[np.ndarray, dict[str, float]]:
        """Model probabilities plus boosts, renormalised; boosts of classes the model does not know come apart."""
        extra: dict[str, float] = {}
        if not outcome.boosts:
            return probs, extra
        probs = probs.copy()
        for class_id, boost in outcome.boosts.items():
            i = self._class_index.get(class_id)
            if i is None:
                extra[class_id] = boost
            else:
                probs[i] += boost
        total = float(probs.sum()) + sum(extra.values())
        probs /= total
        return probs, {c: b / total for c, b in extra.items()}

    def _rank(self, probs: np.ndarray, extra: Mapping[str, float], outcome: RuleOutcome) -> list[Candidate]:
        """The likeliest classes; a forced class goes first with confidence 1."""
        k = min(TOP_CANDIDATES, len(probs))
        top = np.argpartition(probs, -k)[-k:]
        classes = self.model.classes
        ranked = [Candidate(classes[i], p) for i, p in zip(top.tolist(), probs[top].tolist()) if i != self._outside]
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
        contrib = a.vals * self.model.feature_weights(a.idx, i)
        order = np.argsort(-np.abs(contrib))[:limit]
        names = self.model.vocabulary.names
        out = []
        for j in order:
            kind, _, token = names[a.idx[j]].partition(":")
            out.append({"token": token, "type": FEATURE_KINDS[kind], "weight": round(float(contrib[j]), 4),
                        "phrase": phrase(token, FEATURE_KINDS[kind], a.words)})
        return out


def chosen_thresholds(store: ModelStore, version: str) -> tuple[float, dict[str, float]]:
    """The review thresholds chosen for a model version by evidence when it was trained (the main one and those of
    the kinds of text with one of their own), else the default."""
    path = store.version_dir(version) / REPORT_FILE
    value = store.read_json(version, REPORT_FILE).get("threshold") if path.exists() else None
    if not isinstance(value, dict) or not isinstance(value.get("chosen"), (int, float)):
        return DEFAULT_THRESHOLD, {}
    kinds = {kind: float(v["chosen"]) for kind, v in (value.get("kinds") or {}).items()}
    return float(value["chosen"]), kinds
