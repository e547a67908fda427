"""Every administrators' page: refused without a login and to agents, readable at phone and desktop width, no serious
accessibility findings, in Chinese and English."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import ClientSession
from playwright.async_api import Browser

from tests.console.admin.conftest import ADMIN_PAGES, admin_page
from tests.console.conftest import MakeUser, login
from tests.web.conftest import Site, open_page, screenshots, serious_violations


async def test_admin_pages_refuse_without_a_login(console: Site) -> None:
    async with ClientSession(console.url) as http:
        for path in ADMIN_PAGES + ["/console/admin/export.csv", "/console/admin/channels/events"]:
            async with http.get(path, headers={"Accept": "text/html"}, allow_redirects=False) as resp:
                assert resp.status == 303, path
                assert resp.headers["Location"].startswith("/console/login?next="), path
        async with http.post("/console/admin/dead/x/replay", headers={"Accept": "application/json"}) as resp:
            assert resp.status == 401


async def test_admin_pages_refuse_an_agent(browser: Browser, console: Site, make_user: MakeUser) -> None:
    page = await open_page(browser, console, locale="en-GB")
    await login(page, *(await make_user("agent", language="en")))
    for path in ADMIN_PAGES:
        response = await page.goto(path)
        assert response is not None and response.status == 403, path
        assert "administrator" in await page.content()
    await page.context.close()


@pytest.mark.parametrize("locale, language", [("zh-CN", "zh"), ("en-GB", "en")])
async def test_admin_pages_read_well_and_pass_axe(browser: Browser, console: Site, make_user: MakeUser, out: Path, locale: str, language: str) -> None:
    page = await admin_page(browser, console, make_user, locale=locale, language=language)
    for path in ADMIN_PAGES:
        response = await page.goto(path)
        assert response is not None and response.status == 200, path
        assert await page.get_attribute("html", "lang") == ("zh-CN" if language == "zh" else "en"), path
        assert await serious_violations(page) == [], path
        await screenshots(page, out, f"{language}-{path.strip('/').replace('/', '-')}")
    await page.context.close()
