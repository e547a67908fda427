"""The shipped sample city: generated files match their script, every named place lies in a grid."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from gateway.location import Locator
from gateway.location.geo import haversine_m


@pytest.fixture(scope="module")
def generator(sample_city_dir: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("sample_city_generate", sample_city_dir / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_files_are_what_the_generator_writes(generator: ModuleType, sample_city_dir: Path) -> None:
    assert json.loads((sample_city_dir / "gazetteer.json").read_text(encoding="utf-8")) == generator.gazetteer()
    assert json.loads((sample_city_dir / "grids.geojson").read_text(encoding="utf-8")) == generator.grids()


def test_every_file_is_flagged_as_sample(sample_city_dir: Path) -> None:
    assert "sample: true" in (sample_city_dir / "city.yaml").read_text(encoding="utf-8")
    for name in ("gazetteer.json", "grids.geojson"):
        assert json.loads((sample_city_dir / name).read_text(encoding="utf-8"))["sample"] is True


def test_every_named_place_lies_in_a_grid(sample_city_dir: Path) -> None:
    locator = Locator.load(sample_city_dir)
    data = json.loads((sample_city_dir / "gazetteer.json").read_text(encoding="utf-8"))
    points = [v for r in data["roads"] for v in r["line"]]
    points += [e["point"] for e in data["communities"]] + [g for e in data["communities"] for g in e["gates"].values()]
    points += [s["point"] for group in ("landmarks", "pois", "intersections") for s in data[group]]
    outside = [p for p in points if locator.grid_of(p[1], p[0]) is None]
    assert outside == []


def test_estate_addresses_geocode_near_the_estate(sample_city_dir: Path) -> None:
    locator = Locator.load(sample_city_dir)
    data = json.loads((sample_city_dir / "gazetteer.json").read_text(encoding="utf-8"))
    for estate in data["communities"]:
        place = locator.gazetteer.geocode(estate["address"])
        assert place is not None and place.kind == "house_number", estate["name"]
        # Street numbers sit on the road frontage, about 200 m from the estate's centre.
        assert haversine_m(place.lat, place.lon, estate["point"][1], estate["point"][0]) < 250, estate["name"]
