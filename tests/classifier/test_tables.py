import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from classifier.corpus import DATA_DIR, OUT_OF_SCOPE, read_examples, read_twice, readings, train_files
from classifier.corpus import test_sets as labelled_sets
from classifier.families import load_families
from classifier.tables import CONFIG_DIR, EDITIONS, TableError, load_tables


# Han characters, and the CJK and full-width punctuation that comes with them
HAN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("edition", EDITIONS)
def test_codes_unique_and_named_per_edition(edition: str) -> None:
    rows = _rows(CONFIG_DIR / "editions" / f"{edition}.csv")
    counts = Counter((r["kind"], r["minor_code"]) for r in rows)
    assert [k for k, n in counts.items() if n > 1] == []
    for r in rows:
        assert r["major_name"] and r["minor_name"] and r["source"], r
        assert r["minor_code"].startswith(r["major_code"])
        assert len(r["minor_code"]) == (5 if edition == "gbt47678-2026" else 4)


def test_every_class_resolvable_or_explicitly_unmapped() -> None:
    tables = load_tables()
    for row in _rows(CONFIG_DIR / "classes.csv"):
        for edition in EDITIONS:
            cell = row[edition]
            assert cell, f"{row['class_id']} has an empty {edition} cell"
            code = tables.render(row["class_id"], edition)
            if cell == "unmapped":
                assert code is None
            else:
                assert code is not None and code.minor_code == cell and code.kind == row["kind"]
                assert tables.lookup(edition, cell, row["kind"]) == row["class_id"]


def test_every_class_has_some_code() -> None:
    tables = load_tables()
    for info in tables.classes():
        assert any(info.codes[e] for e in EDITIONS), info.class_id


def test_corpus_targets_are_classes_with_their_codes() -> None:
    tables = load_tables()
    with (DATA_DIR / "targets.tsv").open(encoding="utf-8", newline="") as f:
        targets = list(csv.DictReader(f, delimiter="\t"))
    for row in targets:
        info = tables.get(row["label"])
        assert info is not None, row["label"]
        assert info.codes["cjt214-2007"] == (row["code_2007"] or None)
        if row["code_2013"]:
            assert info.codes["gbt30428-2013"] == row["code_2013"]


def test_render_in_each_edition() -> None:
    tables = load_tables()
    old = tables.render("ev-2013-0401", "cjt214-2007")
    new = tables.render("ev-2013-0401", "gbt30428-2013")
    latest = tables.render("ev-2013-0401", "gbt47678-2026")
    assert (old.major_code, old.minor_code, old.major_name) == ("05", "0501", "街面秩序")
    assert (new.major_code, new.minor_code, new.major_name) == ("04", "0401", "街面秩序")
    assert (latest.major_code, latest.minor_code, latest.kind) == ("09", "09001", "event")
    assert tables.render("cp-0101", "gbt47678-2026").minor_name == "供水井盖"


def test_unmapped_classes_render_none() -> None:
    tables = load_tables()
    assert tables.render("ev-2013-0102", "cjt214-2007") is None
    assert tables.render("cp-0307", "gbt47678-2026") is None
    assert tables.render("ev-2007-0509", "gbt30428-2013") is None


def test_inferred_codes_are_marked_and_can_be_refused() -> None:
    tables = load_tables()
    code = tables.render("ev-2007-0116", "gbt30428-2013")
    assert code is not None and code.minor_code == "0127" and code.inferred
    assert tables.render("ev-2007-0116", "gbt30428-2013", allow_inferred=False) is None
    assert not tables.render("ev-2013-0101", "gbt30428-2013").inferred


def test_lookup_needs_kind_where_codes_are_shared() -> None:
    tables = load_tables()
    assert tables.lookup("gbt30428-2013", "0101", "event") == "ev-2013-0101"
    assert tables.lookup("gbt30428-2013", "0101", "component") == "cp-0101"
    with pytest.raises(ValueError, match="pass kind"):
        tables.lookup("gbt30428-2013", "0101")
    assert tables.lookup("gbt47678-2026", "06027") == "ev-2007-0116"
    assert tables.lookup("gbt47678-2026", "99999") is None


def test_unknown_edition_and_class_are_errors() -> None:
    tables = load_tables()
    with pytest.raises(ValueError, match="unknown edition"):
        tables.render("cp-0101", "gb-1999")
    with pytest.raises(KeyError):
        tables.render("no-such-class", "gbt30428-2013")


def test_major_groups_follow_names_across_editions() -> None:
    tables = load_tables()
    assert tables.major_of("ev-2007-0502") == tables.major_of("ev-2013-0401") == "event:街面秩序"
    assert tables.major_of("cp-0101") == "component:公用设施"


@pytest.mark.parametrize(("cell", "message"), [("", "empty cell"), ("0999", "not in edition")])
def test_broken_class_row_is_rejected(tmp_path: Path, cell: str, message: str) -> None:
    config = tmp_path / "classes"
    shutil.copytree(CONFIG_DIR, config)
    path = config / "classes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    parts = lines[1].split(",")
    parts[4] = cell
    lines[1] = ",".join(parts)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(TableError, match=message):
        load_tables(config)


def test_every_class_and_every_major_has_an_english_name() -> None:
    tables = load_tables()
    for info in tables.classes():
        assert info.name_en.strip() and not HAN.search(info.name_en), info.class_id
        for edition in EDITIONS:
            label = tables.label(info.class_id, "en", edition=edition)
            assert label and not HAN.search(label), (info.class_id, edition, label)
    for edition in EDITIONS:
        for row in tables.edition_rows(edition):
            name = tables.major_label(row.kind, row.major_name, "en")
            assert name.strip() and not HAN.search(name), (edition, row.kind, row.major_name)
    names = [info.name_en.casefold() for info in tables.classes()]
    assert [n for n, k in Counter(names).items() if k > 1] == [], "two classes a citizen could not tell apart"


def test_label_in_each_language() -> None:
    tables = load_tables()
    assert tables.label("cp-0101") == "公用设施 · 上水井盖"
    assert tables.label("cp-0101", "en") == "Public utilities · Manhole cover (water supply)"
    assert tables.label("cp-0101", "en", edition="gbt47678-2026") == "Municipal utilities · Manhole cover (water supply)"
    assert tables.label("ev-2013-0110", "zh", major=False) == "暴露生活垃圾 / 暴露垃圾"
    assert tables.label("ev-2013-0110", "en", major=False) == "Exposed rubbish"
    assert tables.label("ev-2026-06042", "en") == "Overflowing rubbish", "no 2013 code: the class's own name"
    assert tables.label("no-such-class", "en") is None and tables.label(None, "en") is None
    assert tables.major_label("event", "街面秩序", "en") == "Street order"
    assert tables.major_label("event", "街面秩序") == "街面秩序"


@pytest.mark.parametrize(("file", "message"), [("names_en.csv", "no English name"), ("majors_en.csv", "no English name")])
def test_missing_english_name_is_rejected(tmp_path: Path, file: str, message: str) -> None:
    config = tmp_path / "classes"
    shutil.copytree(CONFIG_DIR, config)
    path = config / file
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:1] + lines[2:]) + "\n", encoding="utf-8")
    with pytest.raises(TableError, match=message):
        load_tables(config)


def test_english_name_of_an_unknown_class_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / "classes"
    shutil.copytree(CONFIG_DIR, config)
    with (config / "names_en.csv").open("a", encoding="utf-8") as f:
        f.write("ev-2013-9999,Something else\n")
    with pytest.raises(TableError, match="not in classes.csv"):
        load_tables(config)


def _labels() -> set[str]:
    """The labels a corpus may use: the targets, the families and OUT_OF_SCOPE."""
    with (DATA_DIR / "targets.tsv").open(encoding="utf-8", newline="") as f:
        known = {row["label"] for row in csv.DictReader(f, delimiter="\t")}
    return known | {row["family_id"] for row in _rows(CONFIG_DIR / "families.csv")} | {OUT_OF_SCOPE}


def test_every_label_of_every_corpus_file_is_a_target_or_a_family() -> None:
    """A mistyped label would become a class of its own at training."""
    known = _labels()
    files = train_files() + [path for paths in labelled_sets().values() for path in paths]
    unknown = [(path.name, label) for path in files for example in read_examples(path)
               for label in (example.label, *example.also) if label not in known]
    assert len(files) > 50 and unknown == []


def test_second_readings_cover_their_test_sets_and_every_dispute_is_decided() -> None:
    known, units = _labels(), load_families().unit_of
    assert "letters" in read_twice()
    for name in read_twice():
        read = readings(name)
        examples = [e for path in labelled_sets()[name] for e in read_examples(path)]
        assert sorted(r.test.text for r in read) == sorted(e.text for e in examples), f"every text of {name} read twice"
        assert [label for r in read for e in (r.first, r.second) for label in (e.label, *e.also) if label not in known] == []
        disputed = [r for r in read if units(r.first.label) != units(r.second.label)]
        assert disputed and all(r.decided for r in disputed), f"every dispute of the two readings of {name} is decided"
        assert [r.test.text[:20] for r in read if r.decided and r.test.label != r.decided] == [], f"{name} as decided"
