"""Place names written in pinyin or English are the sample city's Chinese names; a point is told by its nearest place."""
from __future__ import annotations

import pytest

from gateway.location import Locator
from gateway.location.latin import LatinNames, latin_names
from gateway.settings import REPO_ROOT

JUNCTION = (31.3127, 120.6105)


@pytest.fixture(scope="module")
def city() -> Locator:
    return Locator.load(REPO_ROOT / "config" / "cities" / "sample")


@pytest.mark.parametrize(("chinese", "latin"), [("人民路", ["Renmin Road", "Renmin Lu"]), ("人民北路", ["Renmin North Road", "Renmin Beilu"]),
                                                ("幸福小区", ["Xingfu Estate", "Xingfu Xiaoqu"]), ("金桂苑", ["Jinguiyuan"])])
def test_latin_names_are_made_from_the_chinese_ones(chinese: str, latin: list[str]) -> None:
    assert latin_names(chinese) == latin


@pytest.mark.parametrize(("written", "chinese"), [
    ("Renmin Road", "人民路"), ("Jiefang Rd", "解放路"), ("jiefang rd.", "解放路"), ("Renmin Lu", "人民路"), ("Renmin Bei Lu", "人民北路"),
    ("Renmin Rd & Jiefang Rd junction", "人民路与解放路交叉口"), ("the intersection of Renmin Road and Jiefang Road", "人民路与解放路交叉口"),
    ("rubbish near Renmin Rd on the 1st floor", "rubbish 人民路附近 on the 1st floor"), ("Renminxi Road", "Renminxi Road"),
])
def test_written_names_read_as_chinese(written: str, chinese: str) -> None:
    names = LatinNames([(latin, name) for name in ("人民路", "解放路", "人民北路") for latin in latin_names(name)])
    assert names.to_chinese(written) == chinese


@pytest.mark.parametrize("address", ["Renmin Rd & Jiefang Rd junction", "Renmin Road and Jiefang Road", "junction of Jiefang Rd and Renmin Rd"])
def test_an_english_junction_is_geocoded_like_the_chinese_one(city: Locator, address: str) -> None:
    english, chinese = city.gazetteer.geocode(address), city.gazetteer.geocode("人民路与解放路交叉口")
    assert english is not None and chinese is not None
    assert (english.lat, english.lon, english.kind) == (chinese.lat, chinese.lon, "intersection")


@pytest.mark.parametrize(("text", "place"), [("The street lamp on Renmin Road is broken", "人民路"),
                                             ("Rubbish piled up at the Renmin Rd & Jiefang Rd junction", "人民路与解放路"),
                                             ("A pothole in front of Xingfu Estate", "幸福小区")])
def test_english_places_in_a_description_are_found(city: Locator, text: str, place: str) -> None:
    found = city.locate(text)
    assert found is not None and found.source == "text" and found.label == place


def test_a_point_is_told_by_its_nearest_place_never_by_its_coordinates(city: Locator) -> None:
    located = city.locate("路灯不亮", (*JUNCTION, "wgs84"))
    assert located is not None and located.source == "gps" and located.label == "人民路与解放路路口（城西街道幸福社区）"
    assert city.describe(*JUNCTION, "en") == "Renmin Road & Jiefang Road junction"
    assert city.describe(31.3145, 120.6150, "en") == "near Xingfu Estate"
    assert city.describe(31.3052, 120.6215, "zh") == "中山路附近（城东街道光明社区）"
    assert city.describe(31.2, 120.5, "zh") is None and city.locate("路灯不亮", (31.2, 120.5, "wgs84")).label == ""  # type: ignore[union-attr]
