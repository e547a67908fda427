"""Supervisors' patrol tracks of the last day drawn on the administrators' dashboard map (when map tiles are configured)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.console.admin.conftest import admin_page
from tests.console.conftest import MakeUser, console, console_db_url, make_user  # noqa: F401
from tests.field.conftest import INSIDE, now
from tests.web.conftest import Site, browser, out, receiver, screenshots, serious_violations  # noqa: F401


@pytest.fixture
def console_settings_update(tmp_path: Path) -> dict[str, object]:
    return {"media_dir": tmp_path / "media", "tile_url": "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"}


async def test_a_patrol_track_is_drawn_on_the_dashboard_map(browser: Browser, console: Site, make_user: MakeUser, out: Path) -> None:  # noqa: F811
    supervisor, _ = await make_user("supervisor")
    start = now() - timedelta(minutes=30)
    points = [(start + timedelta(minutes=n), INSIDE["lat"] + n * 2e-4, INSIDE["lon"], 5.0) for n in range(5)]
    assert await console.store.add_track(supervisor, points) == 5
    page = await admin_page(browser, console, make_user)
    track = page.locator("#heatmap path.leaflet-interactive")
    await track.wait_for(state="attached")
    assert await track.count() == 1
    assert await serious_violations(page) == []
    await screenshots(page, out, "dashboard-patrol")
    await page.context.close()
