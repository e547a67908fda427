"""Unit grids: the sample city's grids, lookups, and refusal of untrustworthy grid files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box, shape
from shapely.ops import unary_union

from gateway.location.crs import from_wgs84
from gateway.location.errors import GridError, LocationError
from gateway.location.grids import GridIndex


def square(code: str, w: float, s: float, e: float, n: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"grid_code": code, "street": "甲街道", "community": "乙社区"},
        "geometry": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]},
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


TWO_CELLS = collection(
    square("320508001001001", 120.0, 31.0, 120.01, 31.01),
    square("320508001001002", 120.01, 31.0, 120.02, 31.01),
)


@pytest.fixture(scope="module")
def sample_grids(sample_city_dir: Path) -> GridIndex:
    return GridIndex.load(sample_city_dir / "grids.geojson", district="姑苏区", district_code="320508")


def test_sample_grids_cover_the_city_without_gaps(sample_grids: GridIndex, sample_city_dir: Path) -> None:
    raw = json.loads((sample_city_dir / "grids.geojson").read_text(encoding="utf-8"))
    union = unary_union([shape(f["geometry"]) for f in raw["features"]])
    frame = box(*sample_grids.bounds())
    assert union.geom_type == "Polygon" and not union.interiors
    assert abs(union.area - frame.area) < 1e-12
    assert len(sample_grids) >= 30
    assert len({c.street for c in sample_grids.cells}) >= 2
    assert len({(c.street, c.community) for c in sample_grids.cells}) >= 6


def test_point_gets_its_grid_street_and_community(sample_grids: GridIndex) -> None:
    cell = sample_grids.lookup(31.3155, 120.6150)  # inside the sample's 幸福社区, north-west
    assert cell is not None
    assert cell.grid_code.startswith("320508001001")
    assert (cell.street, cell.community, cell.district) == ("城西街道", "幸福社区", "姑苏区")
    assert cell.street_code == "320508001" and cell.community_code == "320508001001"


def test_grid_numbering_runs_west_to_east_then_north_to_south(sample_grids: GridIndex) -> None:
    first = sample_grids.lookup(31.3199, 120.6001)
    second = sample_grids.lookup(31.3199, 120.6040)
    below = sample_grids.lookup(31.3170, 120.6001)
    assert first is not None and second is not None and below is not None
    assert (first.grid_code[-3:], second.grid_code[-3:], below.grid_code[-3:]) == ("001", "002", "007")


def test_point_in_the_ocean_has_no_grid(sample_grids: GridIndex) -> None:
    assert sample_grids.lookup(30.0, 125.0) is None


def test_lookup_refuses_impossible_latitude(sample_grids: GridIndex) -> None:
    with pytest.raises(LocationError) as info:
        sample_grids.lookup(91.0, 120.61)
    assert info.value.code == "lat_out_of_range"


def test_point_on_shared_edge_takes_lowest_code() -> None:
    index = GridIndex.from_geojson(TWO_CELLS)
    cell = index.lookup(31.005, 120.01)
    assert cell is not None and cell.grid_code == "320508001001001"


@pytest.fixture(scope="module")
def raw_polygons(sample_city_dir: Path) -> list[tuple[str, Any]]:
    raw = json.loads((sample_city_dir / "grids.geojson").read_text(encoding="utf-8"))
    return [(f["properties"]["grid_code"], shape(f["geometry"])) for f in raw["features"]]


@settings(max_examples=200, deadline=None)
@given(lat=st.floats(31.2901, 31.3199), lon=st.floats(120.6001, 120.6399))
def test_every_point_in_the_city_gets_exactly_the_grid_that_contains_it(
    sample_grids: GridIndex, raw_polygons: list[tuple[str, Any]], lat: float, lon: float
) -> None:
    cell = sample_grids.lookup(lat, lon)
    assert cell is not None
    holders = [code for code, polygon in raw_polygons if polygon.intersects(Point(lon, lat))]
    assert cell.grid_code == min(holders)


def test_self_intersecting_polygon_is_refused_by_name() -> None:
    bowtie = square("320508001001003", 120.02, 31.0, 120.03, 31.01)
    bowtie["geometry"]["coordinates"] = [[[120.02, 31.0], [120.03, 31.01], [120.03, 31.0], [120.02, 31.01], [120.02, 31.0]]]
    with pytest.raises(GridError) as info:
        GridIndex.from_geojson(collection(*TWO_CELLS["features"], bowtie))
    assert info.value.code == "grid_polygon_invalid"
    assert info.value.params["feature"] == 2
    assert info.value.params["grid_code"] == "320508001001003"
    assert "Self-intersection" in info.value.params["reason"]


def test_overlapping_grids_are_refused() -> None:
    overlapping = square("320508001001003", 120.015, 31.0, 120.03, 31.01)
    with pytest.raises(GridError) as info:
        GridIndex.from_geojson(collection(*TWO_CELLS["features"], overlapping))
    assert info.value.code == "grid_overlap"
    assert {info.value.params["grid_code"], info.value.params["other_grid_code"]} == {"320508001001002", "320508001001003"}


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda f: f["properties"].update(grid_code="32050800100100"), "grid_code_invalid"),
        (lambda f: f["properties"].update(grid_code="32050800100100A"), "grid_code_invalid"),
        (lambda f: f["properties"].update(grid_code="110101001001001"), "grid_code_wrong_district"),
        (lambda f: f["properties"].update(grid_code="320508001001001"), "grid_code_duplicate"),
        (lambda f: f["properties"].pop("street"), "grid_name_missing"),
        (lambda f: f.update(geometry={"type": "Point", "coordinates": [120.0, 31.0]}), "grid_geometry_not_polygon"),
        (lambda f: f.update(geometry={"type": "Polygon", "coordinates": [[[120.0, 31.0]]]}), "grid_geometry_malformed"),
    ],
)
def test_bad_features_are_refused_with_a_code(mutate: Any, code: str) -> None:
    data = copy.deepcopy(TWO_CELLS)
    mutate(data["features"][1])
    with pytest.raises(GridError) as info:
        GridIndex.from_geojson(data, district_code="320508")
    assert info.value.code == code
    assert info.value.params["feature"] == 1


def test_unreadable_or_empty_grid_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "grids.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(GridError) as info:
        GridIndex.load(bad)
    assert info.value.code == "grid_file_unreadable"
    with pytest.raises(GridError) as info:
        GridIndex.from_geojson(collection())
    assert info.value.code == "grid_file_empty"


def test_grids_given_in_gcj02_are_held_in_wgs84() -> None:
    def gcj_square(code: str, w: float, s: float, e: float, n: float) -> dict[str, Any]:
        feature = square(code, w, s, e, n)
        ring = feature["geometry"]["coordinates"][0]
        feature["geometry"]["coordinates"] = [[list(reversed(from_wgs84(lat, lon, "gcj02"))) for lon, lat in ring]]
        return feature

    index = GridIndex.from_geojson(collection(gcj_square("320508001001001", 120.60, 31.30, 120.61, 31.31)), crs="GCJ-02")
    assert index.lookup(31.305, 120.605) is not None
    assert index.lookup(*from_wgs84(31.3005, 120.6005, "gcj02")) is None  # raw GCJ-02 would be ~500 m off


def test_grid_vertices_outside_the_globe_are_refused() -> None:
    data = collection(square("320508001001001", 179.99, 89.99, 180.5, 90.5))
    with pytest.raises(GridError) as info:
        GridIndex.from_geojson(data, crs="bd09")
    assert info.value.code == "grid_coordinate_invalid"
