"""Duplicate folding on any pair file, scored as bench/dedup_quality.py scores the held-out set, with every pair the
gateway decides wrongly and the reasons its decision gives.

    .venv/bin/python bench/dedup_dev.py [--pairs FILE] [--model-dir DIR] [--proposed]

FILE defaults to the development set gateway/location/data/dedup_dev_pairs.tsv (format of bench/data/README.md). Wrong
is a `same` pair not folded, or an `other_problem` / `other_place` pair folded; `--proposed` also lists `same` pairs
only proposed to an agent and other pairs proposed.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dedup_quality import CITY, KINDS, LAT, decide, offset_m, read_pair_file, share  # noqa: E402
from classifier import Classifier  # noqa: E402
from classifier.families import load_families  # noqa: E402
from classifier.tables import load_tables  # noqa: E402
from gateway.intake.pipeline import classified  # noqa: E402
from gateway.location import Locator  # noqa: E402
from gateway.location.geo import metres_per_degree  # noqa: E402

DEV_PAIRS = Path(__file__).resolve().parents[1] / "gateway" / "location" / "data" / "dedup_dev_pairs.tsv"


def wrong(kind: str, verdict: str, proposed: bool) -> bool:
    """A verdict the pair's kind does not want (a proposal counts only with `proposed`)."""
    if kind == "same":
        return verdict == "new" or (proposed and verdict == "possible")
    return verdict == "join" or (proposed and verdict == "possible")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pairs", type=Path, default=DEV_PAIRS)
    p.add_argument("--model-dir", type=Path, default=None)
    p.add_argument("--proposed", action="store_true", help="list proposals as well as wrong folds and misses")
    args = p.parse_args()
    pairs = read_pair_file(args.pairs, args.pairs.stem)
    clf = Classifier.load(args.model_dir)
    locator = Locator.load(CITY)
    tables, families = load_tables(), load_families()
    m_lat, _ = metres_per_degree(LAT)
    counts: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    for i, pair in enumerate(pairs):
        a, b = classified(clf.classify(pair.text_a)), classified(clf.classify(pair.text_b))
        decision = decide(pair, a, b, LAT + offset_m(i, pair.kind) / m_lat, locator, tables.major_of,
                          families.unit_of)
        counts[pair.kind][decision.verdict] += 1
        if wrong(pair.kind, decision.verdict, args.proposed):
            print(f"#{i + 1} {pair.kind} -> {decision.verdict} sim {decision.similarity:.3f}: "
                  f"{', '.join(decision.reasons)}\n  classes {a.class_id} / {b.class_id}; places "
                  f"{locator.similarity.places(pair.text_b, pair.text_a)}\n  a: {pair.text_a}\n  b: {pair.text_b}")
    print(f"\npairs: {len(pairs)} from {args.pairs.name}; model {clf.version}")
    print(f"{'set':<16}{'folded':>8}{'proposed':>10}{'new':>7}")
    for kind in KINDS:
        c = counts[kind]
        print(f"{kind:<16}{share(c, 'join'):>8.1%}{share(c, 'possible'):>10.1%}{share(c, 'new'):>7.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
