"""Duplicate folding on citizens' own words: the labelled pair set of bench/data/, scored by the gateway's duplicate
decision and, in the same run, by the baseline it replaced (whole-text similarity, exact class or major only, no
search for reports held for review, no families, places not compared).

    .venv/bin/python bench/dedup_quality.py [--model-dir DIR]

Each pair is two reports by different people: `same` (one problem at one place) and `other_problem` 30 m apart,
`other_place` 30–80 m apart (as if sent from nearby phones, while the texts name different places). The classifier is
the active model; the city is the sample city. "folded" = joined; "proposed" = held for an agent as a possible duplicate.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier import Classifier  # noqa: E402
from classifier.families import load_families  # noqa: E402
from classifier.tables import load_tables  # noqa: E402
from gateway.location import Locator  # noqa: E402
from gateway.location.dedup import PolicyBook, Sighting, best_match  # noqa: E402
from gateway.location.geo import metres_per_degree  # noqa: E402
from gateway.location.similarity import TextSimilarity  # noqa: E402
from gateway.intake.pipeline import classified  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
CITY = Path(__file__).resolve().parents[1] / "config" / "cities" / "sample"
LAT, LON = 31.3125, 120.6105
T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
KINDS = ("same", "other_problem", "other_place")


@dataclass(frozen=True)
class Pair:
    kind: str
    text_a: str
    text_b: str
    part: str


def read_pairs(directory: Path = DATA) -> list[Pair]:
    pairs = []
    for path in sorted(directory.glob("dedup_pairs_*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#") or line.startswith("kind\t"):
                continue
            kind, _label_a, _label_b, text_a, text_b = line.split("\t")
            if kind not in KINDS:
                raise ValueError(f"{path.name}: unknown kind {kind!r}")
            pairs.append(Pair(kind, text_a, text_b, path.stem.rsplit("_", 1)[-1]))
    return pairs


def offset_m(pair_index: int, kind: str) -> float:
    """30 m for the same place; 30-80 m (spread over the pairs) for places the texts tell apart."""
    return 30.0 if kind != "other_place" else 30.0 + (pair_index * 7) % 51


def run(pairs: list[Pair], clf: Classifier, locator: Locator) -> dict[str, dict[str, Counter[str]]]:
    tables, families = load_tables(), load_families()
    old_similarity = TextSimilarity(ignore=[n for n, _ in locator.gazetteer.names()], tokenize=locator.finder.tokenizer.lcut)
    m_lat, _ = metres_per_degree(LAT)
    out: dict[str, dict[str, Counter[str]]] = {"gateway": {}, "baseline": {}}
    for i, pair in enumerate(pairs):
        a, b = classified(clf.classify(pair.text_a)), classified(clf.classify(pair.text_b))
        north = LAT + offset_m(i, pair.kind) / m_lat
        case = Sighting(a.class_id, LAT, LON, 10.0, T0, pair.text_a, "web:a", suggestions=a.suggestions)
        report = Sighting(b.class_id, north, LON, 10.0, T0 + timedelta(hours=2), pair.text_b, "tel:b",
                          suggestions=b.suggestions)
        new = best_match(report, [("1", case)], PolicyBook(), tables.major_of, locator.similarity, families.unit_of,
                         locator.similarity.places)
        # The baseline: no suggestions (a held report has no class and searches nothing), whole-text similarity.
        bare_case = Sighting(a.class_id, LAT, LON, 10.0, T0, pair.text_a, "web:a")
        bare_report = Sighting(b.class_id, north, LON, 10.0, T0 + timedelta(hours=2), pair.text_b, "tel:b")
        old = best_match(bare_report, [("1", bare_case)], PolicyBook(), tables.major_of, old_similarity) \
            if b.class_id and a.class_id else None
        for name, found in (("gateway", new), ("baseline", old)):
            verdict = found[1].verdict if found else "new"
            for key in (pair.kind, f"{pair.kind}@{pair.part}"):
                out[name].setdefault(key, Counter())[verdict] += 1
    return out


def share(counter: Counter[str], *verdicts: str) -> float:
    total = sum(counter.values())
    return sum(counter[v] for v in verdicts) / total if total else 0.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-dir", type=Path, default=None)
    args = p.parse_args()
    pairs = read_pairs()
    clf = Classifier.load(args.model_dir)
    results = run(pairs, clf, Locator.load(CITY))
    parts = sorted({p.part for p in pairs})
    print(f"pairs: {len(pairs)} ({', '.join(f'{k} {sum(1 for p in pairs if p.kind == k)}' for k in KINDS)}); "
          f"model {clf.version}, threshold {clf.threshold} {clf.thresholds}")
    print(f"{'set':<22}{'method':<10}{'folded':>8}{'proposed':>10}{'new':>7}   ratio folded gateway/baseline")
    for key in [*KINDS, *(f"{k}@{part}" for k in KINDS for part in parts)]:
        g, b = results["gateway"].get(key, Counter()), results["baseline"].get(key, Counter())
        for name, c in (("gateway", g), ("baseline", b)):
            print(f"{key:<22}{name:<10}{share(c, 'join'):>8.1%}{share(c, 'possible'):>10.1%}{share(c, 'new'):>7.1%}", end="")
            if name == "gateway":
                base = share(b, "join")
                print(f"   {share(g, 'join') / base:.2f}x" if base else "   -", end="")
            print()
    g = results["gateway"]
    print(f"\nsame-problem pairs folded: {share(g['same'], 'join'):.1%} (aim >= 90 %), folded or proposed "
          f"{share(g['same'], 'join', 'possible'):.1%}; different problems at one place folded: "
          f"{share(g['other_problem'], 'join'):.1%} (aim <= 5 %); same problem at a different named place folded: "
          f"{share(g['other_place'], 'join'):.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
