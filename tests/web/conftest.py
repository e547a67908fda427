"""Browser fixtures: the real app on a real port (SQLite, Redis, classifier, sample city) and Debian's Chromium."""
from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar, FormData, web
from yarl import URL
from playwright.async_api import Browser, Page, async_playwright

from classifier import Classifier
from gateway.app import build_app
from gateway.location import Locator
from gateway.settings import Settings, WebSettings
from gateway.signing import sign
from gateway.store.engine import create_engine
from gateway.store.store import CaseFilter, Store
from tests.conftest import IN_CI, free_port
from tests.core.conftest import SECRET, make_settings
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (shared session fixtures)
from tests.support.receiver import Receiver, running_receiver

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE, DESKTOP = {"width": 360, "height": 740}, {"width": 1280, "height": 900}


def need(condition: bool, reason: str) -> None:
    """Skip when a machine lacks a browser part, except under CI where everything must run."""
    if not condition:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


@dataclass
class Site:
    """The running gateway: its address, settings and a store to look behind the pages."""

    url: str
    settings: Settings
    store: Store

    async def callback(self, number: str, status: str, note: str | None = None) -> None:
        """The platform reports progress on a case, signed as a real platform does."""
        raw = json.dumps({"case_id": number, "status": status, "note": note}).encode()
        headers = {"X-Gateway-Signature": sign(SECRET, raw), "Content-Type": "application/json"}
        async with ClientSession() as http:
            async with http.post(f"{self.url}/api/v1/platforms/city/callbacks", data=raw, headers=headers) as resp:
                assert resp.status == 200, await resp.text()


async def count_cases(site: Site) -> int:
    return (await site.store.cases(CaseFilter()))[1]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver(SECRET) as r:
        yield r


@pytest.fixture
def web_limits() -> dict[str, Any]:
    """Limits of the form for a test (overridden by tests of the limits)."""
    return {}


@pytest.fixture
def site_settings() -> dict[str, Any]:
    """Other settings of the gateway for a test (the map tests give it tiles)."""
    return {}


@asynccontextmanager
async def serving(database_url: str, redis_url: str, receiver: Receiver, tmp_path: Path, classifier: Classifier, locator: Locator, web_limits: dict[str, Any], others: dict[str, Any]) -> AsyncIterator[Site]:  # noqa: F811
    """The gateway on a free port of 127.0.0.1, with its store."""
    port = free_port()
    settings = make_settings(database_url, redis_url, receiver.url).model_copy(
        update={"media_dir": tmp_path / "media", "web": WebSettings(**web_limits), "public_base_url": f"http://127.0.0.1:{port}"} | others
    )
    runner = web.AppRunner(build_app(settings, classifier=classifier, locator=locator, sweeper=False))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    store = Store(create_engine(settings.database_url))
    yield Site(f"http://127.0.0.1:{port}", settings, store)
    await store.close()
    await runner.cleanup()


@pytest.fixture
async def site(
    sqlite_url: str, redis_url: str, receiver: Receiver, tmp_path: Path, classifier: Classifier, locator: Locator, web_limits: dict[str, Any],  # noqa: F811
    site_settings: dict[str, Any],
) -> AsyncIterator[Site]:
    async with serving(sqlite_url, redis_url, receiver, tmp_path, classifier, locator, web_limits, site_settings) as running:
        yield running


@pytest.fixture
async def any_site(
    database_url: str, redis_url: str, receiver: Receiver, tmp_path: Path, classifier: Classifier, locator: Locator, web_limits: dict[str, Any],  # noqa: F811
) -> AsyncIterator[Site]:
    """The gateway on SQLite and, in a second run of the test, on PostgreSQL."""
    async with serving(database_url, redis_url, receiver, tmp_path, classifier, locator, web_limits, {}) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    need(Path(CHROMIUM).exists(), f"Chromium not installed at {CHROMIUM}")
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


async def open_page(browser: Browser, site: Site, locale: str = "zh-CN", javascript: bool = True, **options: Any) -> Page:
    context = await browser.new_context(locale=locale, viewport=PHONE, java_script_enabled=javascript, base_url=site.url, **options)
    return await context.new_page()


async def screenshots(page: Page, out: Path, name: str) -> None:
    """The page at phone and desktop width, saved under the test's output directory."""
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=out / f"{name}-{label}.png", full_page=True)
    await page.set_viewport_size(PHONE)


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it stands (the page must run scripts)."""
    need(AXE.exists(), "axe-core not installed: run `npm ci --prefix tests/web`")
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    results = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]} for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    directory = tmp_path / "screenshots"
    directory.mkdir()
    return directory


@pytest.fixture
async def http(site: Site) -> AsyncIterator[ClientSession]:
    async with ClientSession(base_url=site.url, headers={"Accept-Language": "en"}, cookie_jar=CookieJar(unsafe=True)) as session:
        yield session


async def token(http: ClientSession) -> str:
    """Open the form as a browser does: the CSRF cookie is set and the token is in the page."""
    async with http.get("/") as resp:
        found = re.search(r'name="csrf" value="([^"]+)"', await resp.text())
    assert found
    return found.group(1)


def form(csrf: str | None, **fields: str) -> FormData:
    data = FormData()
    for name, value in (({"csrf": csrf} if csrf else {}) | fields).items():
        data.add_field(name, value)
    return data


async def post(http: ClientSession, data: FormData) -> tuple[int, str]:
    async with http.post("/report", data=data, allow_redirects=False) as resp:
        return resp.status, await resp.text()


def received(location: str) -> tuple[str, str | None]:
    """The case number and the reporter's key in the confirmation address a form post redirects to."""
    url = URL(location)
    assert url.path.startswith("/received/"), location
    return url.path.rsplit("/", 1)[1], url.query.get("key")
