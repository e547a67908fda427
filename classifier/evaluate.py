"""Evaluation: accuracy for major and minor class, macro-F1, per-class recall, confusion pairs."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sklearn.metrics import f1_score

from classifier.core import Classifier
from classifier.corpus import Example
from classifier.tables import CodeTables, load_tables


def calibration_error(confidence: list[float], correct: list[bool], bins: int = 10) -> float:
    """Expected calibration error: the gap between confidence and accuracy, averaged over confidence bins."""
    total = 0.0
    for b in range(bins):
        members = [(c, ok) for c, ok in zip(confidence, correct) if b / bins <= c < (b + 1) / bins or (b == bins - 1 and c == 1.0)]
        if members:
            gap = sum(c for c, _ in members) / len(members) - sum(ok for _, ok in members) / len(members)
            total += abs(gap) * len(members)
    return total / len(confidence)


def evaluate(clf: Classifier, examples: list[Example], tables: CodeTables | None = None,
             top_confusions: int = 20) -> dict[str, Any]:
    """Score the top candidate of every example (whatever its confidence) and the coverage at the threshold."""
    tables = tables or load_tables()
    if not examples:
        raise ValueError("no examples to evaluate")
    gold = [e.label for e in examples]
    results = [clf.classify(e.text) for e in examples]
    pred = [r.candidates[0].class_id if r.candidates else "" for r in results]
    n = len(examples)
    minor_ok = sum(g == p for g, p in zip(gold, pred))
    major_ok = sum(bool(p) and tables.major_of(g) == tables.major_of(p) for g, p in zip(gold, pred))
    accepted = [(g, r.class_id) for g, r in zip(gold, results) if not r.needs_review]
    per_class: dict[str, dict[str, float | int]] = {}
    support = Counter(gold)
    hits = Counter(g for g, p in zip(gold, pred) if g == p)
    for label in sorted(support):
        per_class[label] = {"support": support[label], "recall": round(hits[label] / support[label], 4)}
    confusions = Counter((g, p) for g, p in zip(gold, pred) if g != p)
    confidence = [r.candidates[0].confidence if r.candidates else 0.0 for r in results]
    return {
        "examples": n,
        "accuracy_minor": round(minor_ok / n, 4),
        "accuracy_major": round(major_ok / n, 4),
        "macro_f1": round(float(f1_score(gold, pred, labels=sorted(support), average="macro", zero_division=0)), 4),
        "threshold": clf.threshold,
        "coverage": round(len(accepted) / n, 4),
        "accuracy_accepted": round(sum(g == p for g, p in accepted) / len(accepted), 4) if accepted else None,
        "calibration_error": round(calibration_error(confidence, [g == p for g, p in zip(gold, pred)]), 4),
        "per_class_recall": per_class,
        "confusions": [{"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common(top_confusions)],
    }


def format_report(report: dict[str, Any], tables: CodeTables | None = None) -> str:
    """A plain-text rendering of an evaluation report."""
    tables = tables or load_tables()

    def name(class_id: str) -> str:
        info = tables.get(class_id)
        return f"{class_id} {info.name}" if info else class_id or "(none)"

    lines = [
        f"examples        {report['examples']}",
        f"major accuracy  {report['accuracy_major']:.2%}",
        f"minor accuracy  {report['accuracy_minor']:.2%}",
        f"macro-F1        {report['macro_f1']:.4f}",
        f"calibration     expected calibration error {report['calibration_error']:.4f}",
        f"coverage        {report['coverage']:.2%} at confidence >= {report['threshold']}"
        + (f" (accuracy there {report['accuracy_accepted']:.2%})" if report["accuracy_accepted"] is not None else ""),
        "",
        "per-class recall (lowest first)",
    ]
    for label, stats in sorted(report["per_class_recall"].items(), key=lambda kv: (kv[1]["recall"], kv[0])):
        lines.append(f"  {stats['recall']:6.1%}  n={stats['support']:<4} {name(label)}")
    lines += ["", "most frequent confusions (gold -> predicted)"]
    for c in report["confusions"]:
        lines.append(f"  {c['count']:4}  {name(c['gold'])} -> {name(c['predicted'])}")
    return "\n".join(lines)
