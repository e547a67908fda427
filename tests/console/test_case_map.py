"""With map tiles configured, a case page shows the case's place on a Leaflet map (without tiles it has none)."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.console.conftest import MakeUser, agent_page
from tests.console.test_assist_map import Tiles, tiles  # noqa: F401  (the local tile server)
from tests.console.test_call_assist import JUNCTION, api_report
from tests.console.test_cases import clean_at_both_widths
from tests.web.conftest import Site, screenshots


@pytest.fixture
def console_settings_update(tiles: Tiles) -> dict[str, object]:  # noqa: F811
    return {"tile_url": tiles.url + "/tiles/{z}/{x}/{y}.png"}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
async def test_the_case_is_marked_on_the_map(browser: Browser, console: Site, make_user: MakeUser, tiles: Tiles, out: Path, locale: str) -> None:  # noqa: F811
    placed = await api_report(console, text="解放路和中山路交叉口的井盖不见了", channel="web", address=JUNCTION)
    nowhere = await api_report(console, text="请尽快派人过来看一下这个情况", channel="web")
    page = await agent_page(browser, console, make_user, locale=locale)
    await page.goto(f"/console/cases/{placed['case_id']}")
    await expect(page.locator("#case-map img.leaflet-tile-loaded").first).to_be_visible()
    await expect(page.locator("#case-map .leaflet-marker-icon")).to_be_visible()
    assert tiles.asked
    await clean_at_both_widths(page)
    await screenshots(page, out, f"case-map-{locale}")
    await page.goto(f"/console/cases/{nowhere['case_id']}")
    await expect(page.locator("#case-place")).to_have_text("No place known" if locale.startswith("en") else "没有地点")
    await expect(page.locator("#case-map")).to_have_count(0)
