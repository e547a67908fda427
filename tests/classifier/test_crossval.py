"""Cross-validation holds out whole letter files and averages the held-out figures."""
from __future__ import annotations

from pathlib import Path

import pytest

from classifier import Classifier
from classifier.crossval import FIGURES, NOTE_FIGURES, cross_validate, split

NOTES = {
    "ev-2013-0110": ["路边垃圾没人清理堆了一地", "小区门口垃圾扔得到处都是", "菜场后面垃圾成堆发臭", "街角有人乱扔生活垃圾",
                     "河边草地上全是垃圾袋", "公交站旁边垃圾好几天没人收"],
    "ev-2013-0409": ["汽车停在人行道上挡路", "小区门口轿车乱停堵住通道", "好多私家车停在盲道上", "路口机动车乱停放",
                     "消防通道被汽车占了", "人行道上停满了车走不过去"],
    "cp-0118": ["路灯不亮了晚上很黑", "这条路的路灯坏了好几盏", "小区外面路灯一直闪", "路灯杆歪了灯也不亮",
                "晚上路灯全灭了很危险", "桥上的路灯坏了没人修"],
}
LETTERS = {
    "ev-2013-0110": "尊敬的领导您好，我家楼下的路边垃圾堆了一个星期没人清理，臭气熏天，望尽快处理。",
    "ev-2013-0409": "领导好，每天早上都有汽车停在人行道上，老人孩子只能走马路，恳请管一管。",
    "cp-0118": "您好，我们这条街的路灯已经坏了半个月，晚上黑漆漆的，希望有关部门尽快修好。",
}


def corpus(directory: Path, letter_files: int) -> list[Path]:
    notes = directory / "notes.tsv"
    notes.write_text("".join(f"{label}\t{text}\n" for label, texts in NOTES.items() for text in texts), encoding="utf-8")
    files = [notes]
    for i in range(letter_files):
        path = directory / f"letters_part_{i:02d}.tsv"
        path.write_text("label\talso\ttext\n" + "".join(f"{label}\t\t{text}（第{i}封）\n" for label, text in LETTERS.items()), encoding="utf-8")
        files.append(path)
    return files


def test_letter_files_are_dealt_into_folds(tmp_path: Path) -> None:
    files = corpus(tmp_path, 5)
    folds = split(files, 2)
    assert [[f.name for f in fold] for fold in folds] == [
        ["letters_part_00.tsv", "letters_part_02.tsv", "letters_part_04.tsv"], ["letters_part_01.tsv", "letters_part_03.tsv"]]
    with pytest.raises(ValueError, match="cannot make 6 folds"):
        split(files, 6)


def test_cross_validation_reports_every_figure_per_fold_and_their_mean(tmp_path: Path, session_classifier: Classifier) -> None:
    lines: list[str] = []
    folds, mean = cross_validate(corpus(tmp_path, 4), session_classifier.segmenter, folds=2, progress=lines.append)
    assert len(folds) == 2 and len(lines) == 2
    assert all(len(f.held_out) == 2 and f.report["examples"] == 6 for f in folds)
    # every other note is held out by one fold and trained on by the other
    assert [f.notes["examples"] for f in folds] == [9, 9]
    assert set(mean) == set(FIGURES) | {f"notes_{k}" for k in NOTE_FIGURES}
    assert all(0.0 <= v <= 1.0 for v in mean.values())
    assert mean["accuracy_major"] >= 0.5, "letters this plain are classified from notes and the other letters"
