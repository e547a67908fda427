"""How far two careful readers of the letter test set agree, and the classifier against each reading.

    .venv/bin/python bench/second_reading.py [--model-dir DIR]

A sample of the letter test set was labelled a second time, blind, by a reader who followed LABELLING.md and saw
neither the first labels nor any model's answers (`classifier/data/test/second_reading/`, read by
`classifier.corpus.second_reading`). Agreement between the two readings bounds what any classifier can score against
one of them; the classifier's figures against the second reading show how much of its distance to the first is a
difference of labelling convention.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier import Classifier  # noqa: E402
from classifier.corpus import second_reading  # noqa: E402
from classifier.evaluate import Judge  # noqa: E402
from classifier.families import load_families  # noqa: E402
from classifier.tables import load_tables  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-dir", type=Path, default=None)
    args = p.parse_args()
    judge = Judge(load_tables(), load_families())
    clf = Classifier.load(args.model_dir)
    sample = [(first.text, first.label, second.label) for first, second in second_reading()]
    n = len(sample)
    answers = [clf.classify(text).suggestion for text, _, _ in sample]

    def share(hits: list[bool]) -> str:
        return f"{sum(hits) / n:.1%}"

    print(f"model {clf.version}; {n} letters read twice\n")
    print("| figure | major | minor or family |")
    print("|---|---:|---:|")
    print(f"| the two readings agree | {share([judge.major(a) == judge.major(b) for _, a, b in sample])} "
          f"| {share([judge.families.unit_of(a) == judge.families.unit_of(b) for _, a, b in sample])} |")
    for name, k in (("first", 1), ("second", 2)):
        print(f"| classifier right by the {name} reading "
              f"| {share([judge.major_ok(s[k], f) for s, f in zip(sample, answers)])} "
              f"| {share([judge.family_ok(s[k], f) for s, f in zip(sample, answers)])} |")
    print(f"| classifier right by either reading | "
          f"{share([judge.major_ok(s[1], f) or judge.major_ok(s[2], f) for s, f in zip(sample, answers)])} "
          f"| {share([judge.family_ok(s[1], f) or judge.family_ok(s[2], f) for s, f in zip(sample, answers)])} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
