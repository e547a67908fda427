import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from classifier.corpus import DATA_DIR
from classifier.tables import CONFIG_DIR, EDITIONS, TableError, load_tables


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
