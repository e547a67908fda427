"""Duplicate settings per class, changed in the console, decide the very next report's duplicate search (SQLite and
PostgreSQL); a value out of range is refused in the reader's language and nothing is stored."""
from __future__ import annotations

import pytest
from playwright.async_api import Browser

from gateway.intake.dedup import DEDUP_SETTING
from gateway.location.dedup import DedupPolicy
from tests.console.admin.conftest import LAMP, admin_page, report
from tests.console.conftest import MakeUser
from tests.web.conftest import Site

METRES_100_NORTH = 0.0009


@pytest.fixture
def console_db_url(database_url: str) -> str:
    return database_url


def moved(lat_shift: float, text: str) -> dict[str, object]:
    return LAMP | {"text": text, "location": {"lat": 31.31 + lat_shift, "lon": 120.61}}


async def test_a_class_radius_set_in_the_console_decides_the_next_report(browser: Browser, console: Site, make_user: MakeUser, key: str) -> None:
    first = await report(console, key, **LAMP)
    assert await report(console, key, **moved(METRES_100_NORTH, "解放路上路灯晚上不亮了")) == first, "within the default 250 m: joined"

    page = await admin_page(browser, console, make_user, "/console/admin/dedup", locale="en-GB", language="en")
    await page.select_option("#d-class", "cp-0118")
    await page.fill("#d-radius", "5000")
    async with page.expect_navigation():
        await page.click("form.grid-form button.primary")
    assert await page.inner_text("#dedup-error") == "The radius must be above 0 and at most 1000 m."
    assert await console.store.admin_setting(DEDUP_SETTING) is None

    await page.fill("#d-radius", "30")
    async with page.expect_navigation():
        await page.click("form.grid-form button.primary")
    assert "cp-0118" in await page.inner_text("#notice")
    assert await page.inner_text("#dedup-cp-0118 th") == "Street light cp-0118", "the class named in the reader's language"
    assert await console.store.admin_setting(DEDUP_SETTING) == {"classes": {"cp-0118": {"radius_m": 30.0, "window_hours": 72.0,
                                                                                     "threshold": DedupPolicy().threshold}}}
    third = await report(console, key, **moved(METRES_100_NORTH, "解放路路灯晚上不亮"))
    assert third != first, "100 m is beyond the class's 30 m now: a case of its own"
    assert await report(console, key, **moved(0.0001, "解放路的路灯晚上不亮")) == first, "11 m away still joins"

    async with page.expect_navigation():
        await page.click("#dedup-cp-0118 button")
    assert await console.store.admin_setting(DEDUP_SETTING) == {"classes": {}}
    assert await report(console, key, **moved(-METRES_100_NORTH, "解放路上的路灯到晚上就不亮")) in (first, third), "back to 250 m: joins again"
    await page.context.close()
