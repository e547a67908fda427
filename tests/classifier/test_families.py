"""Class families: decided at the level the text supports, the owner named only when the text states it."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier import Classifier
from classifier.families import load_families
from classifier.lifecycle import Outcome
from classifier.tables import load_tables

# Owner-unknown reports of the kind citizens send, one per family the model can reach.
UNKNOWN_OWNER = [
    ("人民路和解放路路口的井盖不见了，晚上很危险", "fam-manhole-cover"),
    ("幸福小区南门口那个窨井盖子被人撬走了，只剩个黑窟窿", "fam-manhole-cover"),
    ("路边一个铁皮箱子门开着，里面全是电线，小孩子经常去摸", "fam-utility-box"),
    ("和平路上有根杆子歪得厉害，感觉随时要倒", "fam-pole"),
]
STATED_OWNER = [
    ("人行道上的燃气井盖丢了很危险", "cp-0111"),
    ("小区门口电信的井盖碎了一半", "cp-0107"),
    ("路口那个井盖上写着污水两个字，现在盖子翻起来了", "cp-0102"),
    ("中山路边上电信的箱子被撞开了门", "cp-0115"),
]


def test_families_are_consistent_with_the_code_tables() -> None:
    tables, families = load_tables(), load_families()
    assert {f.family_id for f in families} >= {"fam-manhole-cover", "fam-utility-box", "fam-pole", "fam-tree"}
    seen: set[str] = set()
    for family in families:
        assert len(family.members) >= 2 and family.default in family.members and family.heads
        assert all(m in tables for m in family.members)
        assert not seen & set(family.members), "a class in two families"
        seen |= set(family.members)
        assert family.name and family.name_en.isascii()
    assert "cp-0104" not in seen, "a kerb grate is not a manhole cover: the reporter sees the difference"


@pytest.mark.parametrize(("text", "family_id"), UNKNOWN_OWNER)
def test_owner_unknown_is_decided_as_the_family(clf: Classifier, text: str, family_id: str) -> None:
    result = clf.classify(text)
    family = load_families().get(family_id)
    assert family is not None
    assert not result.needs_review, result
    assert (result.precision, result.family_id, result.class_id) == ("family", family_id, family.default)


@pytest.mark.parametrize(("text", "class_id"), STATED_OWNER)
def test_a_stated_owner_still_wins(clf: Classifier, text: str, class_id: str) -> None:
    result = clf.classify(text)
    assert (result.class_id, result.precision) == (class_id, "class"), result


def test_family_confidence_is_the_sum_over_its_members(clf: Classifier) -> None:
    result = clf.classify(UNKNOWN_OWNER[0][0])
    members = set(load_families().get("fam-manhole-cover").members)  # type: ignore[union-attr]
    top_member = max(c.confidence for c in result.candidates if c.class_id in members)
    assert result.confidence > top_member


def test_a_city_names_its_own_default_member(trained: Outcome, model_dir: Path) -> None:
    city = Classifier.load(model_dir, family_defaults={"fam-manhole-cover": "cp-0103"})
    result = city.classify(UNKNOWN_OWNER[0][0])
    assert (result.class_id, result.precision) == ("cp-0103", "family")
    with pytest.raises(ValueError, match="not a member"):
        Classifier.load(model_dir, family_defaults={"fam-manhole-cover": "cp-0118"})
    with pytest.raises(ValueError, match="unknown families"):
        Classifier.load(model_dir, family_defaults={"fam-nothing": "cp-0118"})


def test_owner_words_must_be_attached_to_the_thing() -> None:
    cover = load_families().get("fam-manhole-cover")
    assert cover is not None
    assert cover.stated("燃气公司的井盖坏了") == [("cp-0111", "燃气")]
    assert cover.stated("井盖上印着“燃气”两个字") == [("cp-0111", "燃气")]
    assert cover.stated("公交站旁边的井盖不见了") == []
    assert cover.stated("路灯下面的井盖没了") == []
