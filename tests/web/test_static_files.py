"""Static files and browser libraries are served compressed and cacheable; every page has its icon; a script-only
button stays hidden without scripts."""
from __future__ import annotations

import gzip
import re

import pytest
from aiohttp import ClientSession
from playwright.async_api import Browser, Response, expect

from channels.web.vendor import MODULES
from tests.web.conftest import DESKTOP, PHONE, Site, need, open_page, serious_violations

CHART = MODULES / "chart.js" / "dist" / "chart.umd.min.js"


async def test_a_library_is_sent_gzipped_and_revalidated_by_its_etag(http: ClientSession) -> None:
    need(CHART.exists(), "channels/web/assets not installed: run `npm ci --prefix channels/web/assets`")
    async with http.get("/vendor/chart.js/chart.umd.min.js", headers={"Accept-Encoding": "gzip"}, auto_decompress=False) as resp:
        assert resp.status == 200 and resp.headers["Content-Encoding"] == "gzip"
        body = await resp.read()
        etag, cache = resp.headers["ETag"], resp.headers["Cache-Control"]
    assert gzip.decompress(body) == CHART.read_bytes() and len(body) < CHART.stat().st_size / 2
    assert cache == "no-cache", "an unversioned URL may change: kept, but checked"
    async with http.get("/vendor/chart.js/chart.umd.min.js", headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304 and await resp.read() == b""
    async with http.get("/vendor/chart.js/chart.umd.min.js", headers={"Accept-Encoding": "identity"}) as resp:
        assert "Content-Encoding" not in resp.headers and await resp.read() == CHART.read_bytes()


async def test_the_pages_name_their_files_by_version_and_those_are_cached_for_a_year(http: ClientSession) -> None:
    async with http.get("/") as resp:
        page = await resp.text()
    urls = re.findall(r'(?:href|src)="(/static/[^"]+\?v=[0-9a-f]{12})"', page)
    assert {u.split("?")[0] for u in urls} >= {"/static/web.css", "/static/form.js", "/static/favicon.svg"}
    for url in urls:
        async with http.get(url) as resp:
            assert resp.status == 200 and resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = urls[0].split("?")[0] + "?v=000000000000"
    async with http.get(stale) as resp:
        assert resp.headers["Cache-Control"] == "no-cache", "an old version's URL is not promised for a year"


@pytest.mark.parametrize("path", ["/static/../__init__.py", "/static/%2e%2e/__init__.py", "/static/nothing.js", "/vendor/leaflet/../../package.json"])
async def test_nothing_outside_the_folders_is_served(http: ClientSession, path: str) -> None:
    async with http.get(path) as resp:
        assert resp.status == 404


@pytest.mark.parametrize(("locale", "name"), [("zh-CN", "使用我的位置"), ("en-US", "Use my location")])
async def test_every_page_has_its_icon_and_no_request_fails(browser: Browser, site: Site, locale: str, name: str) -> None:
    page = await open_page(browser, site, locale=locale)
    failed: list[str] = []

    def note(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    page.on("response", note)
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        for path in ("/", "/cases/20260101000001"):
            await page.goto(path)
            await page.wait_for_load_state("networkidle")
    assert [f for f in failed if "/cases/" not in f] == [], "only the unknown case's page itself answers 404"
    icon = await page.request.get("/favicon.ico")
    assert icon.ok and icon.headers["content-type"] == "image/vnd.microsoft.icon"
    await page.goto("/")
    await expect(page.get_by_role("button", name=name)).to_be_visible()
    assert await serious_violations(page) == []


@pytest.mark.parametrize(("locale", "name"), [("zh-CN", "使用我的位置"), ("en-US", "Use my location")])
async def test_the_location_button_is_not_shown_without_scripts(browser: Browser, site: Site, locale: str, name: str) -> None:
    page = await open_page(browser, site, locale=locale, javascript=False)
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        await page.goto("/")
        await expect(page.get_by_role("button", name=name)).to_be_hidden()
        await expect(page.locator("#locate")).to_have_count(1)
