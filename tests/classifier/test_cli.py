import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from classifier.lifecycle import Outcome, Sources

REPO = Path(__file__).resolve().parents[2]
FIELDS = {"kind", "major_code", "major_name", "minor_code", "minor_name", "edition", "confidence", "alternatives"}


def _run(model_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLASSIFIER_MODEL_DIR": str(model_dir)}
    return subprocess.run([sys.executable, "-m", "classifier", *args], input=stdin, capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=120, check=False)


@pytest.fixture(scope="module")
def lines(trained: Outcome, model_dir: Path) -> list[dict]:
    stdin = "路边一大堆生活垃圾三天了没人清理，苍蝇乱飞臭死了\n\n😡😡\nthe manhole cover outside gate 3 is missing\n"
    proc = _run(model_dir, "classify", stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(x) for x in proc.stdout.splitlines()]


def test_one_object_per_input_line(lines: list[dict]) -> None:
    assert len(lines) == 4
    for obj in lines:
        assert FIELDS <= set(obj)
        assert obj["edition"] == "gbt30428-2013"


def test_classified_line_has_codes_and_alternatives(lines: list[dict]) -> None:
    first = lines[0]
    assert first["kind"] == "event" and first["major_code"] == "01"
    assert len(first["minor_code"]) == 4 and first["minor_code"].startswith(first["major_code"])
    assert first["major_name"] == "市容环境" and first["minor_name"]
    assert 0 < first["confidence"] <= 1 and "needs_review" not in first
    assert first["alternatives"]
    for alt in first["alternatives"]:
        assert FIELDS - {"alternatives"} <= set(alt)
        assert alt["confidence"] <= first["confidence"]


def test_bad_lines_need_review_with_null_fields(lines: list[dict]) -> None:
    for obj, reason in ((lines[1], "empty"), (lines[2], "no_signal")):
        assert obj["needs_review"] is True and obj["reason"] == reason
        assert all(obj[k] is None for k in ("kind", "major_code", "major_name", "minor_code", "minor_name"))


def test_english_complaint(lines: list[dict]) -> None:
    eng = lines[3]
    candidates = [eng] + eng["alternatives"]
    assert any(c["kind"] == "component" and c["major_code"] == "01" for c in candidates)


@pytest.mark.parametrize(("edition", "digits"), [("cjt214-2007", 4), ("gbt47678-2026", 5)])
def test_edition_option(trained: Outcome, model_dir: Path, edition: str, digits: int) -> None:
    proc = _run(model_dir, "classify", "--edition", edition, stdin="小区门口有人摆摊卖菜，把人行道都占了\n")
    assert proc.returncode == 0, proc.stderr
    obj = json.loads(proc.stdout)
    assert obj["edition"] == edition
    code = obj["minor_code"] or obj["alternatives"][0]["minor_code"]
    assert len(code) == digits


def test_unknown_edition_is_refused(trained: Outcome, model_dir: Path) -> None:
    proc = _run(model_dir, "classify", "--edition", "gb-1999", stdin="x\n")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_eval_prints_figures(trained: Outcome, model_dir: Path, sources: Sources) -> None:
    test_file = sources.tests["short"][0]
    proc = _run(model_dir, "eval", str(test_file))
    assert proc.returncode == 0, proc.stderr
    for label in ("major accuracy", "minor accuracy", "family accuracy", "top-3", "answered automatically",
                  "automatic answers right (major)", "calibration error", "per-class recall", "confusions"):
        assert label in proc.stdout
    proc = _run(model_dir, "eval", "--json", str(test_file))
    report = json.loads(proc.stdout)
    assert report == trained.report["test"]


def test_eval_without_files_reports_every_test_set(trained: Outcome, model_dir: Path) -> None:
    proc = _run(model_dir, "eval", "--json")
    assert proc.returncode == 0, proc.stderr
    reports = json.loads(proc.stdout)
    assert {"short", "letters", "letters_en"} <= set(reports)
    for report in reports.values():
        for key in ("accuracy_major", "accuracy_minor", "accuracy_family", "top3", "coverage",
                    "accuracy_accepted_major", "calibration_error"):
            assert isinstance(report[key], float), (key, report[key])
    assert reports["letters"]["also"]["letters_with_further_problems"] > 0
    text = _run(model_dir, "eval").stdout
    assert "== short" in text and "== letters" in text and "further problems found" in text


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    proc = _run(tmp_path, "classify", stdin="井盖丢了\n")
    assert proc.returncode == 2 and "python -m classifier train" in proc.stderr
