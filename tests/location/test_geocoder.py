"""HTTP geocoder adapter against a local aiohttp server that plays the provider."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from tests.support.pieces import in_pieces
from aiohttp.test_utils import TestServer

from gateway.location.crs import from_wgs84
from gateway.location.errors import GeocoderError, LocationError
from gateway.location.geo import haversine_m
from gateway.location.geocoder import BAIDU, GeocoderSettings, HttpGeocoder, TTLCache

WGS = (31.3125, 120.6105)
GCJ = from_wgs84(*WGS, "gcj02")
BD = from_wgs84(*WGS, "bd09")


class Provider:
    """A fake provider: AMap-style at /amap, Baidu-style at /baidu, misbehaving elsewhere."""

    def __init__(self) -> None:
        self.calls: list[dict[str, str]] = []
        self.never = asyncio.Event()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/amap", self.amap)
        app.router.add_get("/baidu", self.baidu)
        app.router.add_get("/slow", self.slow)
        app.router.add_get("/broken", self.broken)
        app.router.add_get("/html", self.html)
        app.router.add_get("/pieces", self.pieces)
        return app

    async def pieces(self, request: web.Request) -> web.StreamResponse:
        """An AMap answer padded to `?pad=` bytes, sent chunked in 16 KB pieces with pauses."""
        geocode = {"formatted_address": "人民路", "location": f"{GCJ[1]:.6f},{GCJ[0]:.6f}"}
        body = json.dumps({"status": "1", "count": "1", "geocodes": [geocode], "pad": "x" * int(request.query["pad"])}).encode()
        return await in_pieces(request, body, "application/json", declare_length=False)

    async def broken(self, request: web.Request) -> web.Response:
        return web.Response(status=500, text="oops")

    async def html(self, request: web.Request) -> web.Response:
        return web.Response(text="<html>", content_type="text/html")

    async def amap(self, request: web.Request) -> web.Response:
        self.calls.append(dict(request.query))
        if request.query.get("key") != "secret":
            return web.json_response({"status": "0", "info": "INVALID_USER_KEY"})
        if request.query["address"] == "人民路与解放路交叉口":
            geocode = {"formatted_address": "江苏省苏州市姑苏区人民路与解放路", "location": f"{GCJ[1]:.6f},{GCJ[0]:.6f}"}
            return web.json_response({"status": "1", "count": "1", "geocodes": [geocode]})
        return web.json_response({"status": "1", "count": "0", "geocodes": []})

    async def baidu(self, request: web.Request) -> web.Response:
        self.calls.append(dict(request.query))
        return web.json_response({"status": 0, "result": {"location": {"lng": BD[1], "lat": BD[0]}, "precise": 1}})

    async def slow(self, request: web.Request) -> web.Response:
        await asyncio.wait_for(self.never.wait(), timeout=10)
        return web.json_response({})


@pytest.fixture
async def provider() -> AsyncIterator[tuple[Provider, str]]:
    fake = Provider()
    server = TestServer(fake.app())
    await server.start_server()
    try:
        yield fake, str(server.make_url("/"))
    finally:
        fake.never.set()
        await server.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_amap_answer_is_converted_to_wgs84_and_cached(provider: tuple[Provider, str], session: aiohttp.ClientSession) -> None:
    fake, base = provider
    clock = Clock()
    geocoder = HttpGeocoder(session, GeocoderSettings(url=base + "amap", key="secret", extra_params={"city": "苏州"}, cache_ttl_s=60), clock)
    place = await geocoder.geocode("人民路与解放路交叉口")
    assert place is not None and place.source == "geocoder"
    assert haversine_m(place.lat, place.lon, *WGS) < 0.5
    assert place.label.endswith("人民路与解放路")
    assert fake.calls[0] == {"city": "苏州", "address": "人民路与解放路交叉口", "key": "secret"}
    again = await geocoder.geocode(" 人民路与解放路交叉口 ")
    assert again == place and len(fake.calls) == 1
    clock.now += 61
    await geocoder.geocode("人民路与解放路交叉口")
    assert len(fake.calls) == 2


async def test_not_found_is_none_and_cached(provider: tuple[Provider, str], session: aiohttp.ClientSession) -> None:
    fake, base = provider
    geocoder = HttpGeocoder(session, GeocoderSettings(url=base + "amap", key="secret"))
    assert await geocoder.geocode("火星基地") is None
    assert await geocoder.geocode("火星基地") is None
    assert len(fake.calls) == 1


async def test_baidu_mapping_and_bd09(provider: tuple[Provider, str], session: aiohttp.ClientSession) -> None:
    _, base = provider
    settings = GeocoderSettings(url=base + "baidu", key="k", key_param="ak", crs="bd09", mapping=BAIDU)
    place = await HttpGeocoder(session, settings).geocode("人民路")
    assert place is not None and haversine_m(place.lat, place.lon, *WGS) < 0.5


@pytest.mark.parametrize(
    ("path", "key", "code"),
    [("amap", "wrong", "geocoder_refused"), ("broken", None, "geocoder_http_status"), ("html", None, "geocoder_bad_response")],
)
async def test_provider_failures_are_coded_and_not_cached(
    provider: tuple[Provider, str], session: aiohttp.ClientSession, path: str, key: str | None, code: str
) -> None:
    _, base = provider
    geocoder = HttpGeocoder(session, GeocoderSettings(url=base + path, key=key))
    for _ in range(2):
        with pytest.raises(GeocoderError) as info:
            await geocoder.geocode("人民路")
        assert info.value.code == code
        assert "secret" not in str(info.value) and "wrong" not in str(info.value)


async def test_an_answer_in_pieces_is_read_whole_and_a_huge_one_refused(provider: tuple[Provider, str], session: aiohttp.ClientSession) -> None:
    _, base = provider
    place = await HttpGeocoder(session, GeocoderSettings(url=base + "pieces", extra_params={"pad": "100000"})).geocode("人民路")
    assert place is not None and haversine_m(place.lat, place.lon, *WGS) < 0.5
    huge = HttpGeocoder(session, GeocoderSettings(url=base + "pieces", extra_params={"pad": str(2 * 1024 * 1024)}))
    with pytest.raises(GeocoderError) as info:
        await huge.geocode("人民路")
    assert (info.value.code, info.value.params) == ("geocoder_bad_response", {"reason": "too_large"})


async def test_timeout(provider: tuple[Provider, str], session: aiohttp.ClientSession) -> None:
    _, base = provider
    geocoder = HttpGeocoder(session, GeocoderSettings(url=base + "slow", timeout_s=0.05))
    with pytest.raises(GeocoderError) as info:
        await geocoder.geocode("人民路")
    assert info.value.code == "geocoder_timeout"


async def test_unreachable_provider(session: aiohttp.ClientSession) -> None:
    geocoder = HttpGeocoder(session, GeocoderSettings(url="http://127.0.0.1:9/none"))
    with pytest.raises(GeocoderError) as info:
        await geocoder.geocode("人民路")
    assert info.value.code == "geocoder_unreachable"


def test_ttl_cache_evicts_least_recently_used() -> None:
    clock = Clock()
    cache = TTLCache(ttl_s=10, max_entries=2, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == (True, 1)
    cache.put("c", 3)
    assert cache.get("b") == (False, None) and len(cache) == 2
    clock.now += 10
    assert cache.get("a") == (False, None)


def test_unknown_provider_crs_is_refused() -> None:
    with pytest.raises(LocationError) as info:
        GeocoderSettings(url="http://x", crs="EPSG:3857")
    assert info.value.code == "unknown_crs"
