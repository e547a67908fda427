"""The Locator facade over the sample city: precedence, grids, bad input, remote fallback."""

from __future__ import annotations

import math
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.location import LocationError, Locator
from gateway.location.crs import from_wgs84
from gateway.location.errors import GazetteerError, GridError
from gateway.location.geo import haversine_m
from gateway.location.geocoder import GeocoderSettings, HttpGeocoder


@pytest.fixture(scope="module")
def locator(sample_city_dir: Path) -> Locator:
    return Locator.load(sample_city_dir)


def test_warm_up_builds_the_tokenizers_once(sample_city_dir: Path) -> None:
    fresh = Locator.load(sample_city_dir)
    fresh.warm_up()
    finder = fresh.finder
    fresh.warm_up()
    assert fresh.finder is finder and fresh.similarity("井盖不见了", "井盖不见了") == 1.0


def test_sample_city_is_marked_as_sample(locator: Locator) -> None:
    assert locator.city.sample is True
    assert locator.city.district_code == "320508"


def test_place_in_free_text_is_found_and_gridded(locator: Locator) -> None:
    loc = locator.locate("人民路和解放路路口的井盖不见了")
    assert loc is not None and loc.source == "text"
    assert loc.phrase == "人民路和解放路路口"
    assert loc.grid is not None and loc.grid.grid_code.startswith("320508001001")
    assert loc.grid.community == "幸福社区"


def test_explicit_point_wins_and_is_converted(locator: Locator) -> None:
    glat, glon = from_wgs84(31.3155, 120.6150, "gcj02")
    loc = locator.locate("人民路和解放路路口的井盖不见了", point=(glat, glon, "GCJ02"), address="金桂苑北门")
    assert loc is not None and loc.source == "gps"
    assert haversine_m(loc.lat, loc.lon, 31.3155, 120.6150) < 0.5
    assert loc.in_crs("gcj02") == pytest.approx((glat, glon), abs=1e-8)


def test_address_comes_before_photo_and_text(locator: Locator) -> None:
    loc = locator.locate("人民路和解放路路口的井盖不见了", address="金桂苑北门", photo_gps=(31.30, 120.61))
    assert loc is not None and loc.source == "address" and loc.label == "金桂苑北门"


def test_unmatched_address_falls_back_to_photo_then_text(locator: Locator) -> None:
    photo = locator.locate("人民路和解放路路口的井盖不见了", address="火星基地99号", photo_gps=(31.30, 120.61))
    assert photo is not None and photo.source == "photo" and photo.grid is not None
    text = locator.locate("人民路和解放路路口的井盖不见了", address="火星基地99号")
    assert text is not None and text.source == "text"


def test_vague_address_is_refined_by_the_text(locator: Locator) -> None:
    loc = locator.locate("人民路和解放路路口的井盖不见了", address="人民路")
    assert loc is not None and loc.source == "text" and loc.label == "人民路与解放路"
    elsewhere = locator.locate("金桂苑北门垃圾没人收", address="人民路")
    assert elsewhere is not None and elsewhere.source == "address" and elsewhere.label == "人民路"


def test_vague_address_yields_to_photo(locator: Locator) -> None:
    loc = locator.locate("", address="人民路", photo_gps=(31.30, 120.61))
    assert loc is not None and loc.source == "photo"


def test_nothing_known_is_location_unknown(locator: Locator) -> None:
    assert locator.locate("垃圾三天没人收了", address="火星基地99号") is None
    assert locator.locate("") is None


def test_point_in_the_ocean_is_located_without_a_grid(locator: Locator) -> None:
    loc = locator.locate("", point=(30.0, 125.0, "wgs84"))
    assert loc is not None and loc.grid is None


@pytest.mark.parametrize(
    ("point", "code"),
    [((91.0, 120.6, "wgs84"), "lat_out_of_range"), ((math.nan, 120.6, "wgs84"), "lat_not_finite"),
     ((31.3, 120.6, "mercator"), "unknown_crs")],
)
def test_bad_point_is_a_coded_error(locator: Locator, point: tuple[float, float, str], code: str) -> None:
    with pytest.raises(LocationError) as info:
        locator.locate("", point=point)
    assert info.value.code == code


def test_city_with_self_intersecting_grid_does_not_load(sample_city_dir: Path, tmp_path: Path) -> None:
    city = tmp_path / "broken"
    shutil.copytree(sample_city_dir, city)
    text = (city / "grids.geojson").read_text(encoding="utf-8")
    # Swap two corners of the first grid's ring: a bow-tie.
    first = text.index("[[[") + 3
    ring_end = text.index("]]]", first)
    corners = text[first:ring_end].split("], [")
    corners[1], corners[2] = corners[2], corners[1]
    (city / "grids.geojson").write_text(text[:first] + "], [".join(corners) + text[ring_end:], encoding="utf-8")
    with pytest.raises(GridError) as info:
        Locator.load(city)
    assert info.value.code == "grid_polygon_invalid" and info.value.params["feature"] == 0


def test_city_without_grids_file_does_not_load(sample_city_dir: Path, tmp_path: Path) -> None:
    city = tmp_path / "nogrids"
    shutil.copytree(sample_city_dir, city)
    (city / "grids.geojson").unlink()
    with pytest.raises(GazetteerError) as info:
        Locator.load(city)
    assert info.value.code == "city_file_missing"


def test_similarity_ignores_city_place_names(locator: Locator) -> None:
    assert locator.similarity("幸福小区东门垃圾堆满了", "幸福小区东门有人摆摊") < 0.1


@pytest.fixture
async def provider_url() -> AsyncIterator[str]:
    async def geocode(request: web.Request) -> web.Response:
        if request.query["address"] == "北京路与上海路交叉口":
            lat, lon = from_wgs84(31.2950, 120.6350, "gcj02")
            return web.json_response({"status": "1", "geocodes": [{"location": f"{lon},{lat}", "formatted_address": "北京路上海路"}]})
        return web.json_response({"status": "1", "geocodes": []})

    app = web.Application()
    app.router.add_get("/geo", geocode)
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("/geo"))
    finally:
        await server.close()


async def test_remote_geocoder_finds_what_the_gazetteer_does_not(locator: Locator, provider_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        geocoder = HttpGeocoder(session, GeocoderSettings(url=provider_url))
        loc = await locator.locate_remote(geocoder, "北京路与上海路交叉口有个大坑")
        assert loc is not None and loc.source == "text" and loc.phrase == "北京路与上海路交叉口"
        assert haversine_m(loc.lat, loc.lon, 31.2950, 120.6350) < 0.5
        assert loc.grid is not None and loc.grid.street == "城东街道"
        sure = await locator.locate_remote(geocoder, "人民路和解放路路口的井盖不见了")
        assert sure is not None and sure.label == "人民路与解放路"


async def test_remote_geocoder_down_keeps_local_answer(locator: Locator) -> None:
    async with aiohttp.ClientSession() as session:
        geocoder = HttpGeocoder(session, GeocoderSettings(url="http://127.0.0.1:9/geo"))
        assert await locator.locate_remote(geocoder, "北京路与上海路交叉口有个大坑") is None
        weak = await locator.locate_remote(geocoder, "在中山路上有人乱扔垃圾")
        assert weak is not None and weak.label == "中山路"
