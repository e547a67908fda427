"""`python -m classifier`: classify, eval, train, retrain, cv."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from classifier.core import Classifier
from classifier.corpus import read_examples, test_sets, train_files
from classifier.crossval import cross_validate
from classifier.evaluate import evaluate, format_report, public
from classifier.lifecycle import Sources, retrain, train
from classifier.registry import default_model_dir
from classifier.rendering import render_classification
from classifier.segment import Segmenter
from classifier.tables import DEFAULT_EDITION, EDITIONS, load_tables

def _classify(args: argparse.Namespace) -> int:
    clf = Classifier.load(args.model_dir, **({"threshold": args.threshold} if args.threshold is not None else {}))
    tables = load_tables()
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        obj = render_classification(clf.classify(text), args.edition, tables)
        sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


def _eval(args: argparse.Namespace) -> int:
    clf = Classifier.load(args.model_dir, **({"threshold": args.threshold} if args.threshold is not None else {}))
    sets = {"given": args.files} if args.files else test_sets()
    if not sets:
        raise FileNotFoundError("no test set found: name a label<TAB>text file")
    reports = {name: public(evaluate(clf, [e for f in files for e in read_examples(f)])) for name, files in sets.items()}
    if args.json:
        print(json.dumps(reports["given"] if args.files else reports, ensure_ascii=False, indent=2))
        return 0
    for i, (name, report) in enumerate(reports.items()):
        if len(reports) > 1:
            print(("\n" if i else "") + f"== {name} ({', '.join(f.name for f in sets[name])})")
        print(format_report(report, details=bool(args.files) or args.details))
    return 0


def _train(args: argparse.Namespace) -> int:
    outcome = train(args.model_dir or default_model_dir(), Sources.default(), force=args.force)
    print(outcome.summary())
    return 0


def _retrain(args: argparse.Namespace) -> int:
    outcome = retrain(args.model_dir or default_model_dir(), Sources.default(args.corrections))
    print(outcome.summary())
    return 0 if outcome.activated else 3


def _cv(args: argparse.Namespace) -> int:
    segmenter = Segmenter(args.model_dir or default_model_dir())
    _, mean = cross_validate(train_files(), segmenter, folds=args.folds, progress=print)
    print("mean: " + ", ".join(f"{k} {v}" for k, v in mean.items()))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m classifier", description=__doc__)
    p.add_argument("--model-dir", type=Path, default=None,
                   help="model directory (default: $CLASSIFIER_MODEL_DIR, else var/classifier)")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("classify", help="classify one complaint per stdin line, one JSON object per stdout line")
    c.add_argument("--edition", choices=EDITIONS, default=DEFAULT_EDITION)
    c.add_argument("--threshold", type=float, default=None, help="confidence below which a case needs review")
    c.set_defaults(run=_classify)
    e = sub.add_parser("eval", help="evaluate the active model on the test sets, or on the label<TAB>text files named")
    e.add_argument("files", type=Path, nargs="*", help="test files (default: every test set in classifier/data/test)")
    e.add_argument("--json", action="store_true")
    e.add_argument("--details", action="store_true", help="per-class recall and confusions for every set")
    e.add_argument("--threshold", type=float, default=None, help="review threshold (default: the model's chosen one)")
    e.set_defaults(run=_eval)
    t = sub.add_parser("train", help="train and activate a model (skipped when the corpus is unchanged)")
    t.add_argument("--force", action="store_true", help="train even if the corpus is unchanged")
    t.set_defaults(run=_train)
    r = sub.add_parser("retrain", help="train a candidate with corrections; activate it if no worse on the test set")
    r.add_argument("--corrections", type=Path, default=None, help="label<TAB>text lines exported by the gateway")
    r.set_defaults(run=_retrain)
    v = sub.add_parser("cv", help="cross-validate the model settings on the training letters, holding out whole files")
    v.add_argument("--folds", type=int, default=5)
    v.set_defaults(run=_cv)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other command-line filters do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
