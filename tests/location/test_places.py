"""Finding the place named in a free-text complaint."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from gateway.location.gazetteer import Gazetteer
from gateway.location.places import PlaceFinder


@pytest.fixture(scope="module")
def finder(sample_city_dir: Path) -> PlaceFinder:
    return PlaceFinder(Gazetteer.load(sample_city_dir / "gazetteer.json", admin_names=("苏州市", "姑苏区")))


def test_intersection_in_a_complaint(finder: PlaceFinder) -> None:
    text = "人民路和解放路路口的井盖不见了"
    found = finder.find(text)
    assert found is not None and found.place is not None
    assert found.phrase == "人民路和解放路路口"
    assert text[found.start:found.end] == found.phrase
    assert found.place.kind == "intersection"
    assert found.confidence >= 0.8


def test_estate_building_in_a_complaint(finder: PlaceFinder) -> None:
    found = finder.find("我家楼下幸福小区3栋门口垃圾没人收")
    assert found is not None and found.place is not None
    assert found.phrase == "幸福小区3栋门口"
    assert found.place.label.startswith("幸福小区3栋")


def test_house_number_with_full_width_digits(finder: PlaceFinder) -> None:
    text = "解放路８８号附近有人占道经营"
    found = finder.find(text)
    assert found is not None and found.place is not None
    assert found.phrase == "解放路８８号附近"
    assert found.place.kind == "house_number"


def test_landmark_alias_and_gate_word(finder: PlaceFinder) -> None:
    found = finder.find("市一院门口很多黑车拉客")
    assert found is not None and found.place is not None
    assert found.place.label == "第一人民医院"


def test_bus_stop(finder: PlaceFinder) -> None:
    found = finder.find("幸福小区公交站的广告牌坏了")
    assert found is not None and found.place is not None and found.place.kind == "stop"


def test_bare_road_is_found_with_low_confidence(finder: PlaceFinder) -> None:
    found = finder.find("在中山路上有人乱扔垃圾")
    assert found is not None and found.place is not None
    assert found.phrase == "中山路" and found.confidence < 0.5


def test_unknown_place_is_reported_without_coordinates(finder: PlaceFinder) -> None:
    found = finder.find("北京路与上海路交叉口有个大坑")
    assert found is not None
    assert found.phrase == "北京路与上海路交叉口"
    assert found.place is None and found.confidence == 0.0


def test_text_without_a_place(finder: PlaceFinder) -> None:
    assert finder.find("垃圾三天没人收了，臭气熏天") is None


def test_two_different_places_lower_the_confidence(finder: PlaceFinder) -> None:
    one = finder.find("幸福小区东门垃圾堆满了")
    two = finder.find("幸福小区东门垃圾堆满了，金桂苑北门也是")
    assert one is not None and two is not None
    assert two.place is not None and two.place.label == "幸福小区东门"
    assert two.confidence < one.confidence


def test_global_jieba_dictionary_is_untouched(finder: PlaceFinder) -> None:
    assert "幸福小区" not in jieba.lcut("幸福小区东门")


def test_generic_road_words_are_not_places(finder: PlaceFinder) -> None:
    assert finder.find("马路上有个大坑，这条路晚上很黑") is None


def test_unknown_road_name_is_still_a_phrase(finder: PlaceFinder) -> None:
    found = finder.find("青年路有人乱倒建筑垃圾")
    assert found is not None and found.phrase == "青年路" and found.place is None


def _labelled() -> list[tuple[str, str, str]]:
    path = Path(__file__).parent / "data" / "complaints_places.tsv"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            text, label, kind = (line.split("\t") + ["", ""])[:3]
            rows.append((text, label, kind))
    return rows


@pytest.mark.parametrize(("text", "label", "kind"), _labelled())
def test_labelled_complaints(finder: PlaceFinder, text: str, label: str, kind: str) -> None:
    found = finder.find(text)
    place = found.place if found else None
    if not label:
        assert place is None
        return
    assert place is not None
    assert (place.label, place.kind) == (label, kind)
