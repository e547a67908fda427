"""With map tiles configured, the place found in what the agent types is marked on a Leaflet map."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.console.conftest import MakeUser, agent_page
from tests.web.conftest import Site, screenshots, serious_violations
from tests.web.test_map_pick import TileServer, tiles  # noqa: F401  (the local tile server)


@pytest.fixture
def console_settings_update(tmp_path: Path, tiles: TileServer) -> dict[str, object]:  # noqa: F811
    return {"media_dir": tmp_path / "media", "tile_url": tiles.url + "/tiles/{z}/{x}/{y}.png"}


async def test_the_place_typed_is_marked_on_the_map(browser: Browser, console: Site, make_user: MakeUser, tiles: TileServer, out: Path) -> None:  # noqa: F811
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
