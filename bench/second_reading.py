"""How far two careful readers of a test set agree, how their disputes were decided, and the classifier against each
reading, for every test set read twice.

    .venv/bin/python bench/second_reading.py [--model-dir DIR]

Every text of such a set was labelled a second time, blind, by readers who followed LABELLING.md and saw neither the
first labels nor any model's answers; where the two readings name different classes, an adjudicator who was not told
which reading was which decided by the guide, and the test set carries the decision
(`classifier/data/test/second_reading/`, read by `classifier.corpus.readings`). Agreement between the two readings
bounds what any classifier can score against one of them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier import Classifier  # noqa: E402
from classifier.corpus import read_twice, readings  # noqa: E402
from classifier.evaluate import Judge  # noqa: E402
from classifier.families import load_families  # noqa: E402
from classifier.tables import load_tables  # noqa: E402


def report(clf: Classifier, judge: Judge, name: str) -> None:
    """The agreement table of one test set read twice."""
    read = readings(name)
    n = len(read)
    answers = [clf.classify(r.test.text).suggestion for r in read]
    major, unit = judge.major, judge.families.unit_of

    def share(hits: list[bool]) -> str:
        return f"{sum(hits) / n:.1%}"

    disputed = [r for r in read if r.decided]
    sided = {reading: sum(1 for r in disputed if r.decided == getattr(r, reading).label) for reading in ("first", "second")}
    print(f"## {name}: model {clf.version}; {n} texts read twice; {len(disputed)} disputes decided: "
          f"{sided['first']} as the first reading, {sided['second']} as the second, "
          f"{len(disputed) - sided['first'] - sided['second']} neither\n")
    print("| figure | major | minor or family |")
    print("|---|---:|---:|")
    print(f"| the two readings agree | {share([major(r.first.label) == major(r.second.label) for r in read])} "
          f"| {share([unit(r.first.label) == unit(r.second.label) for r in read])} |")
    readings_of = {"the first reading": lambda r: [r.first.label], "the second reading": lambda r: [r.second.label],
                   "either reading": lambda r: [r.first.label, r.second.label],
                   "the test set (disputes decided)": lambda r: [r.test.label]}
    for basis, labels in readings_of.items():
        print(f"| classifier right by {basis} "
              f"| {share([any(judge.major_ok(g, f) for g in labels(r)) for r, f in zip(read, answers)])} "
              f"| {share([any(judge.family_ok(g, f) for g in labels(r)) for r, f in zip(read, answers)])} |")
    print()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-dir", type=Path, default=None)
    args = p.parse_args()
    judge = Judge(load_tables(), load_families())
    clf = Classifier.load(args.model_dir)
    for name in read_twice():
        report(clf, judge, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
