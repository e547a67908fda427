"""With map tiles configured, the place found in what the agent types is marked on a Leaflet map."""
from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from PIL import Image
from playwright.async_api import Browser, expect

from tests.conftest import free_port
from tests.console.conftest import MakeUser, agent_page
from tests.web.conftest import Site, screenshots, serious_violations


@dataclass
class Tiles:
    """A local tile server: one plain 256 px PNG for every /{z}/{x}/{y}.png, and the tiles asked for."""

    url: str = ""
    asked: list[tuple[int, int, int]] = field(default_factory=list)


@pytest.fixture
async def tiles() -> AsyncIterator[Tiles]:
    served, image = Tiles(), io.BytesIO()
    Image.new("RGB", (256, 256), (214, 230, 206)).save(image, "PNG")

    async def tile(request: web.Request) -> web.Response:
        served.asked.append(tuple(int(request.match_info[k]) for k in ("z", "x", "y")))  # type: ignore[arg-type]
        return web.Response(body=image.getvalue(), content_type="image/png")

    app = web.Application()
    app.router.add_get(r"/tiles/{z:\d+}/{x:\d+}/{y:\d+}.png", tile)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    served.url = f"http://127.0.0.1:{port}"
    yield served
    await runner.cleanup()


@pytest.fixture
def console_settings_update(tiles: Tiles) -> dict[str, object]:
    return {"tile_url": tiles.url + "/tiles/{z}/{x}/{y}.png"}


async def test_the_place_typed_is_marked_on_the_map(browser: Browser, console: Site, make_user: MakeUser, tiles: Tiles, out: Path) -> None:
    page = await agent_page(browser, console, make_user)
    response = await page.goto("/console/")
    assert response is not None and tiles.url in response.headers["content-security-policy"]
    await expect(page.locator("#map img.leaflet-tile-loaded").first).to_be_visible()
    await page.keyboard.press("Alt+T")
    await page.keyboard.type("解放路和中山路交叉口的路灯不亮了")
    await expect(page.locator("#place")).to_contain_text("单元网格")
    await expect(page.locator("#map .leaflet-marker-icon")).to_be_visible()
    assert any(z == 17 for z, _, _ in tiles.asked)
    assert await serious_violations(page) == []
    await screenshots(page, out, "assist-map")
