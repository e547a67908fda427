"""Address normalization and parsing of the usual Chinese forms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.location.address import cn_number, normalize, parse


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("人民路　１２号", "人民路12号"),
        ("江苏省苏州市姑苏区 人民路12号", "人民路12号"),
        ("幸福小区三号楼二单元", "幸福小区3栋2单元"),
        ("幸福小区5幢", "幸福小区5栋"),
        ("幸福小区3-2-401", "幸福小区3栋2单元401室"),
        ("人民路和解放路十字路口", "人民路和解放路交叉口"),
        ("在幸福小区公交车站", "幸福小区公交站"),
        ("长乐路一百二十三弄", "长乐路123弄"),
        ("人民路口", "人民路交叉口"),
        ("解放路人民路口", "解放路人民路交叉口"),
        ("幸福路中山路那个丁字路口", "幸福路中山路交叉口"),
        ("幸福小区东门口", "幸福小区东门"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw, admin_names=("苏州市", "姑苏区")) == expected


@pytest.mark.parametrize(("text", "value"), [("三", 3), ("十", 10), ("十二", 12), ("二十一", 21), ("一百零五", 105), ("三〇五", 305), ("两", 2)])
def test_chinese_numerals(text: str, value: int) -> None:
    assert cn_number(text) == value


@pytest.mark.parametrize(
    "raw",
    ["人民路与解放路交叉口", "人民路和解放路路口", "人民路、解放路交口", "人民路跟解放路的路口", "人民路/解放路",
     "人民路解放路口", "人民路解放路的十字路口"],
)
def test_intersection_forms(raw: str) -> None:
    parsed = parse(raw)
    assert parsed.kind == "intersection"
    assert (parsed.road, parsed.cross_road) == ("人民路", "解放路")


def test_house_number_near() -> None:
    parsed = parse("解放路８８号附近")
    assert (parsed.kind, parsed.road, parsed.number, parsed.near) == ("house_number", "解放路", 88, True)


def test_lane_number_is_the_street_number() -> None:
    parsed = parse("长乐路123弄4号")
    assert (parsed.kind, parsed.road, parsed.number) == ("house_number", "长乐路", 123)


def test_estate_gate() -> None:
    parsed = parse("幸福小区东门")
    assert (parsed.kind, parsed.estate, parsed.gate, parsed.near) == ("estate", "幸福小区", "东门", False)


def test_estate_building_unit_room() -> None:
    parsed = parse("阳光花园3-2-401")
    assert (parsed.estate, parsed.building, parsed.unit, parsed.room) == ("阳光花园", 3, 2, 401)


def test_bus_stop() -> None:
    parsed = parse("幸福小区公交站旁边")
    assert (parsed.kind, parsed.stop, parsed.near) == ("stop", "幸福小区", True)


def test_bare_road() -> None:
    parsed = parse("和平路")
    assert (parsed.kind, parsed.road) == ("road", "和平路")


def test_other_text_is_a_name() -> None:
    parsed = parse("第一人民医院附近")
    assert (parsed.kind, parsed.name, parsed.near) == ("name", "第一人民医院", True)


def test_same_road_twice_is_not_an_intersection() -> None:
    assert parse("人民路和人民路").kind != "intersection"


def test_single_road_mouth_is_not_an_intersection() -> None:
    assert parse("人民路口").kind != "intersection"


ADDRESS_PIECES = st.sampled_from([
    "人民路", "解放路", "与", "和", "路口", "交叉口", "十字路口", "幸福小区", "东门", "门口", "3", "１２", "号", "栋",
    "单元", "-", "附近", "公交站", "车站", "三", "号楼", "幢", " ", "　", "的", "那个", "弄", "苏州市", "姑苏区",
    "江苏省", "路", "口", "站台", "地铁", "十", "在", "地址:", "，", "。",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(ADDRESS_PIECES, max_size=10).map("".join))
def test_normalize_is_idempotent_and_parse_never_fails(text: str) -> None:
    once = normalize(text, admin_names=("苏州市", "姑苏区"))
    assert normalize(once, admin_names=("苏州市", "姑苏区")) == once
    assert " " not in once and "　" not in once
    parse(text)
