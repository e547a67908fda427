"""Geocoding against the sample city's gazetteer."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.location.errors import GazetteerError
from gateway.location.gazetteer import Gazetteer
from gateway.location.geo import haversine_m


@pytest.fixture(scope="module")
def gaz(sample_city_dir: Path) -> Gazetteer:
    return Gazetteer.load(sample_city_dir / "gazetteer.json", admin_names=("苏州市", "姑苏区"))


def test_intersection_is_computed_from_both_road_lines(gaz: Gazetteer) -> None:
    place = gaz.geocode("人民路与解放路交叉口")
    assert place is not None and place.kind == "intersection"
    assert gaz.distance_to_road_m("人民路", place.lat, place.lon) < 1.0
    assert gaz.distance_to_road_m("解放路", place.lat, place.lon) < 1.0
    assert place.confidence >= 0.8 and place.precision_m <= 50


def test_intersection_by_alias_and_other_wording(gaz: Gazetteer) -> None:
    a = gaz.geocode("人民路和解放路路口")
    b = gaz.geocode("解放路跟人民北路的十字路口")
    assert a is not None and b is not None
    assert haversine_m(a.lat, a.lon, b.lat, b.lon) < 0.01


def test_listed_t_junction_is_used(gaz: Gazetteer) -> None:
    place = gaz.geocode("幸福路与中山路交叉口")
    assert place is not None
    assert (round(place.lat, 5), round(place.lon, 5)) == (31.3181, 120.62033)
    assert place.label == "幸福路中山路口"


def test_house_number_is_interpolated_along_the_road(gaz: Gazetteer) -> None:
    low, high = gaz.geocode("解放路11号"), gaz.geocode("解放路491号")
    assert low is not None and high is not None
    assert gaz.distance_to_road_m("解放路", low.lat, low.lon) < 1.0
    assert low.lon < 120.605 and high.lon > 120.635  # numbers run west to east
    assert low.kind == "house_number" and low.confidence == pytest.approx(0.7)


def test_house_number_without_ranges_falls_back_to_road_centre(gaz: Gazetteer) -> None:
    place = gaz.geocode("文化路8号")
    assert place is not None and place.kind == "road"
    assert place.confidence <= 0.35 and place.precision_m > 1000


def test_estate_gate(gaz: Gazetteer) -> None:
    gate = gaz.geocode("幸福小区东门")
    centre = gaz.geocode("幸福小区")
    assert gate is not None and centre is not None
    assert gate.kind == "gate" and gate.precision_m <= 20
    assert 90 < haversine_m(gate.lat, gate.lon, centre.lat, centre.lon) < 120
    assert gate.lon > centre.lon


def test_estate_building_without_gate_uses_estate_centre(gaz: Gazetteer) -> None:
    place = gaz.geocode("幸福小区3栋2单元")
    assert place is not None and place.kind == "estate" and place.label == "幸福小区3栋"


def test_bus_stop(gaz: Gazetteer) -> None:
    place = gaz.geocode("幸福小区公交站")
    assert place is not None and place.kind == "stop" and place.label == "幸福小区公交站"


def test_near_lowers_confidence_and_widens_precision(gaz: Gazetteer) -> None:
    at, near = gaz.geocode("解放路88号"), gaz.geocode("解放路88号附近")
    assert at is not None and near is not None
    assert near.confidence < at.confidence and near.precision_m > at.precision_m


def test_landmark_by_alias(gaz: Gazetteer) -> None:
    place = gaz.geocode("市一院")
    assert place is not None and place.label == "第一人民医院"


def test_address_that_matches_nothing(gaz: Gazetteer) -> None:
    assert gaz.geocode("火星基地99号") is None
    assert gaz.geocode("北京路与上海路交叉口") is None


def test_one_unknown_road_of_an_intersection_gives_a_weak_guess(gaz: Gazetteer) -> None:
    place = gaz.geocode("人民路与北京路交叉口")
    assert place is not None and place.kind == "road" and place.confidence <= 0.2


def test_gcj_gazetteer_is_held_in_wgs84() -> None:
    data = {"crs": "gcj02", "landmarks": [{"name": "钟楼", "point": [116.41024449916938, 39.91640428150164]}]}
    place = Gazetteer.from_dict(data).geocode("钟楼")
    assert place is not None
    assert haversine_m(place.lat, place.lon, 39.915, 116.404) < 0.01


def test_malformed_gazetteer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError) as info:
        Gazetteer.from_dict({"roads": [{"name": "短路", "line": [[120.6, 31.3]]}]})
    assert info.value.code == "gazetteer_road_too_short"
    bad = tmp_path / "g.json"
    bad.write_text("[", encoding="utf-8")
    with pytest.raises(GazetteerError) as info:
        Gazetteer.load(bad)
    assert info.value.code == "gazetteer_unreadable"


def test_roads_crossing_twice_meet_with_low_confidence() -> None:
    data = {
        "roads": [
            {"name": "环城路", "line": [[120.600, 31.300], [120.610, 31.310], [120.620, 31.300]]},
            {"name": "直街", "line": [[120.600, 31.304], [120.620, 31.304]]},
        ]
    }
    place = Gazetteer.from_dict(data).geocode("环城路与直街交叉口")
    assert place is not None and place.confidence <= 0.5 and place.precision_m > 500


def test_listed_intersection_may_use_an_alias(gaz: Gazetteer) -> None:
    data = {
        "roads": [
            {"name": "东街", "aliases": ["老东街"], "line": [[120.600, 31.300], [120.620, 31.300]]},
            {"name": "南街", "line": [[120.610, 31.290], [120.610, 31.310]]},
        ],
        "intersections": [{"roads": ["老东街", "南街"], "name": "东南口", "point": [120.6101, 31.3001]}],
    }
    place = Gazetteer.from_dict(data).geocode("东街与南街交叉口")
    assert place is not None and place.label == "东南口"


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"roads": [{"name": "人民路", "line": [[120.6, 31.3], [120.7, 31.3]], "numbers": {"first": 1}}]},
        {"roads": ["人民路"]},
        {"landmarks": [{"name": "塔", "point": [120.6]}]},
    ],
)
def test_malformed_entries_are_coded(data: object) -> None:
    with pytest.raises(GazetteerError) as info:
        Gazetteer.from_dict(data)
    assert info.value.code in ("gazetteer_malformed", "gazetteer_point_malformed")
