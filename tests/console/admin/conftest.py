"""Administrators' console fixtures: a signed-in administrator's page, and cases made through the real pipeline."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession
from playwright.async_api import Browser, Page

from gateway.api.auth import new_api_key
from gateway.delivery.sender import Deliverer
from gateway.delivery.payload import parse_case_number
from gateway.queueing import make_queue
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.console.conftest import MakeUser, login
from tests.web.conftest import Site, open_page

ADMIN_PAGES = ["/console/admin/", "/console/admin/rules", "/console/admin/model", "/console/admin/dedup", "/console/admin/platforms",
               "/console/admin/platforms/city", "/console/admin/dead", "/console/admin/channels", "/console/admin/audit",
               "/console/admin/export", "/console/admin/keys"]

LAMP = {"text": "解放路上的路灯晚上不亮", "class_id": "cp-0118", "location": {"lat": 31.31, "lon": 120.61}}


@pytest.fixture
async def key(console: Site) -> str:
    secret = new_api_key()
    await console.store.add_api_key("console-test", secret, "client")
    return secret


@pytest.fixture
async def deliverer(console: Site) -> AsyncIterator[Deliverer]:
    """What `gateway worker` runs for each queued delivery, on the test's settings."""
    d = Deliverer(console.settings, Store(create_engine(console.settings.database_url)), make_queue(console.settings))
    yield d
    await d.close()


async def admin_page(browser: Browser, console: Site, make_user: MakeUser, next_path: str = "/console/admin/", locale: str = "zh-CN",
                     language: str = "zh", javascript: bool = True) -> Page:
    """A new browser context signed in as a new administrator, on `next_path`."""
    page = await open_page(browser, console, locale=locale, javascript=javascript)
    await login(page, *(await make_user("admin", language=language)), next_path=next_path)
    return page


async def report(console: Site, api_key: str, **body: Any) -> int:
    """A report through the public API (the real pipeline); the id of its case."""
    async with ClientSession(console.url) as http:
        async with http.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {api_key}"}) as resp:
            assert resp.status in (200, 201), await resp.text()
            case_id = parse_case_number((await resp.json())["case_id"])
    assert case_id is not None
    return case_id
