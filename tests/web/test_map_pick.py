"""The map pick in a real browser, with tiles from a local tile server: a click or the keyboard places the report."""
from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.async_api import Browser, Page, expect

from channels.web import vendor
from channels.web.mapview import ZOOM, map_view
from gateway.location import Locator
from gateway.location.crs import from_wgs84, to_wgs84
from gateway.location.geo import haversine_m
from gateway.settings import Settings
from tests.web.conftest import Site, open_page, screenshots, serious_violations
from tests.web.test_report_flow import case_number_of

TILE = 256


class TileServer(ThreadingHTTPServer):
    """Serves a generated 256 px PNG for any /tiles/{z}/{x}/{y}.png, in a thread of its own, and remembers what was asked."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), TileHandler)
        self.asked: list[tuple[int, int, int]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class TileHandler(BaseHTTPRequestHandler):
    server: TileServer

    def do_GET(self) -> None:  # noqa: N802  (the name http.server calls)
        found = re.fullmatch(r"/tiles/(\d+)/(\d+)/(\d+)\.png", self.path)
        if found is None:
            self.send_error(404)
            return
        z, x, y = map(int, found.groups())
        self.server.asked.append((z, x, y))
        image = Image.new("RGB", (TILE, TILE), (200 + x % 5 * 10, 220 + y % 3 * 10, 200))
        ImageDraw.Draw(image).rectangle((0, 0, TILE - 1, TILE - 1), outline=(120, 120, 120))
        body = io.BytesIO()
        image.save(body, "PNG")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(body.tell()))
        self.end_headers()
        self.wfile.write(body.getvalue())

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the test reads `asked` instead."""


@pytest.fixture
def tiles() -> Iterator[TileServer]:
    server = TileServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def tile_crs() -> str:
    return "wgs84"


@pytest.fixture
def site_settings(tiles: TileServer, tile_crs: str) -> dict[str, Any]:
    return {"tile_url": tiles.url + "/tiles/{z}/{x}/{y}.png", "tile_crs": tile_crs}


def city_centre(locator: Locator) -> tuple[float, float]:
    b = locator.city.bounds
    return (b.min_lat + b.max_lat) / 2, (b.min_lon + b.max_lon) / 2


def moved(lat: float, lon: float, dx: float, dy: float, zoom: int = ZOOM) -> tuple[float, float]:
    """The point `dx` px east and `dy` px south of (lat, lon) on a Web Mercator map at `zoom`."""
    world = TILE * 2**zoom
    x = (lon + 180) / 360 * world + dx
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * world + dy
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / world)))), x / world * 360 - 180


async def map_shown(page: Page, tiles: TileServer) -> None:
    """The map is on the page with tiles loaded from the tile server (so the policy lets them in)."""
    await expect(page.locator("#map")).to_be_visible()
    await expect(page.locator("#map img.leaflet-tile-loaded").first).to_be_visible()
    assert tiles.asked and all(z == ZOOM for z, _, _ in tiles.asked)


async def test_a_click_on_the_map_places_the_report_there(browser: Browser, site: Site, tiles: TileServer, locator: Locator, out: Path) -> None:
    page = await open_page(browser, site, locale="zh-CN")
    response = await page.goto("/")
    assert response is not None
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert tiles.url in policy["img-src"], "the tile server may serve images"
    assert all(tiles.url not in sources for name, sources in policy.items() if name != "img-src"), "and nothing else"
    await map_shown(page, tiles)
    assert await serious_violations(page) == []
    await page.get_by_label("问题描述").fill("这里的垃圾桶满了，没人清理")
    box = await page.locator("#map").bounding_box()
    assert box is not None
    dx, dy = 90, 50
    await page.locator("#map").click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})
    await expect(page.locator("#location-status")).to_contain_text("已使用地图上选定的位置")
    await expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    await screenshots(page, out, "form-map-zh")
    await page.get_by_role("button", name="提交").click()
    case = await site.store.case(int((await case_number_of(page))[8:]))
    want = moved(*city_centre(locator), dx, dy)
    assert case is not None and case.lat is not None and case.lon is not None
    assert haversine_m(case.lat, case.lon, *want) < 15, (case.lat, case.lon, want)
    assert haversine_m(case.lat, case.lon, *city_centre(locator)) > 300, "the click, not the map's centre"


@pytest.mark.parametrize("tile_crs", ["gcj02"])
async def test_gcj02_tiles_a_keyboard_pick_is_stored_in_wgs84(browser: Browser, site: Site, tiles: TileServer, locator: Locator) -> None:
    page = await open_page(browser, site, locale="en-US")
    await page.goto("/")
    await map_shown(page, tiles)
    await page.get_by_label("What is the problem?").fill("Street vendors blocking the pavement")
    await page.locator("#map").focus()
    await page.keyboard.press("ArrowRight")
    await expect(page.locator(".leaflet-map-pane")).to_have_attribute("style", "transform: translate3d(-80px, 0px, 0px);")
    for _ in range(6):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.id") == "map-centre":
            break
    await page.keyboard.press("Enter")
    await expect(page.locator("#location-status")).to_contain_text("The place chosen on the map is used")
    await page.get_by_role("button", name="Send report").click()
    case = await site.store.case(int((await case_number_of(page))[8:]))
    shown_lat, shown_lon = moved(*(round(v, 6) for v in from_wgs84(*city_centre(locator), "gcj02")), 80, 0)
    want = to_wgs84(shown_lat, shown_lon, "gcj02")
    assert haversine_m(shown_lat, shown_lon, *want) > 200, "GCJ-02 is shifted here, so the conversion is seen"
    assert case is not None and case.lat is not None and case.lon is not None
    assert haversine_m(case.lat, case.lon, *want) < 15, (case.lat, case.lon, want)


@pytest.mark.parametrize("site_settings", [{}])
async def test_without_tiles_there_is_no_map_and_the_form_works(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site, locale="en-US")
    response = await page.goto("/")
    assert response is not None and "img-src 'self' data: blob:;" in response.headers["content-security-policy"]
    await expect(page.locator("#map")).to_have_count(0)
    assert await page.locator("script[src^='/vendor/leaflet/'], link[href^='/vendor/leaflet/']").count() == 0
    await page.get_by_label("What is the problem?").fill("Manhole cover missing at 人民路和解放路路口")
    await page.get_by_role("button", name="Send report").click()
    await case_number_of(page)


def test_no_map_without_leaflet_or_a_city(locator: Locator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(tile_url="https://tiles.example.org/{z}/{x}/{y}.png", tile_crs="gcj02")
    shown = map_view(settings, locator)
    assert shown is not None and (shown.lat, shown.lon) == tuple(round(v, 6) for v in from_wgs84(*city_centre(locator), "gcj02"))
    assert map_view(settings, None) is None
    assert map_view(Settings(), locator) is None
    monkeypatch.setattr(vendor, "MODULES", tmp_path)
    assert map_view(settings, locator) is None
