"""Understanding of real complaints: the classifier on every held-out test set, beside a baseline trained in the same
run the way the classifier was before letters were understood (the short-note corpus only, no sentence roles, no
families, nothing known to lie outside the standard, the old fixed review threshold 0.35).

    .venv/bin/python bench/understanding.py [--model-dir DIR]

The classifier is the active model of the model directory (trained by `make setup`), with the threshold its training
chose on the letter set. Both are scored by the same evaluation (`classifier.evaluate`): a family gold label (the text
does not say whose manhole cover) is right only at family precision, which the baseline never gives.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier import Classifier  # noqa: E402
from classifier.corpus import OUT_OF_SCOPE, read_examples, test_sets, train_files  # noqa: E402
from classifier.evaluate import evaluate, public  # noqa: E402
from classifier.families import Families  # noqa: E402
from classifier.features import FeatureConfig  # noqa: E402
from classifier.train import trainable  # noqa: E402
from classifier.segment import Segmenter  # noqa: E402
from classifier.train import TrainConfig, fit  # noqa: E402

BASELINE_THRESHOLD = 0.35
FIGURES = (("accuracy_major", "major"), ("accuracy_minor", "minor"), ("accuracy_family", "family"), ("top3", "top-3"),
           ("coverage", "answered"), ("accuracy_accepted_major", "answered right (major)"),
           ("accuracy_accepted_minor", "answered right (minor)"), ("calibration_error", "calibration error"),
           ("held_as_out_of_scope", "held as outside the standard"), ("out_of_scope_held", "outside the standard: held"))


def baseline(cache: Path) -> Classifier:
    """The short-note corpus only (without the texts outside the standard), every sentence alike, no families, the old
    C and threshold."""
    config = TrainConfig(c=0.5, features=FeatureConfig(sentence_roles=False))
    segmenter = Segmenter(cache, config.features.dict_min_freq)
    notes = [e for f in train_files() if not f.name.startswith("letters") for e in read_examples(f) if e.label != OUT_OF_SCOPE]
    model = fit(trainable(notes), segmenter, config)
    return Classifier(model, segmenter, threshold=BASELINE_THRESHOLD, families=Families([]))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-dir", type=Path, default=None)
    args = p.parse_args()
    ours = Classifier.load(args.model_dir)
    with tempfile.TemporaryDirectory() as cache:
        before = baseline(Path(cache))
        print(f"classifier: model {ours.version}, threshold {ours.threshold} {ours.thresholds}; "
              f"baseline: threshold {BASELINE_THRESHOLD}\n")
        print("| test set | figure | classifier | baseline | difference |")
        print("|---|---|---:|---:|---:|")
        for name, files in test_sets().items():
            examples = [e for f in files for e in read_examples(f)]
            got, base = public(evaluate(ours, examples)), public(evaluate(before, examples))
            for key, label in FIGURES:
                a, b = got.get(key), base.get(key)
                if a is None or b is None:
                    continue
                if key == "calibration_error":
                    print(f"| {name} ({len(examples)}) | {label} | {a:.3f} | {b:.3f} | {a - b:+.3f} |")
                else:
                    print(f"| {name} ({len(examples)}) | {label} | {a:.1%} | {b:.1%} | {(a - b) * 100:+.1f} pt |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
