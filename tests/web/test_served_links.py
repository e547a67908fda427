"""The reporter's personal link names the port the gateway is served on when no public_base_url is configured."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, expect

from classifier import Classifier
from gateway.app import build_app
from gateway.location import Locator
from gateway.served import with_served_address
from gateway.settings import Settings
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.conftest import free_port
from tests.core.conftest import make_settings
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (shared session fixtures)
from tests.support.receiver import Receiver
from tests.web.conftest import DESKTOP, PHONE, Site, open_page, serious_violations
from tests.web.test_report_flow import case_number_of


@pytest.fixture
async def unconfigured(sqlite_url: str, redis_url: str, receiver: Receiver, tmp_path: Path, classifier: Classifier,  # noqa: F811
                       locator: Locator) -> AsyncIterator[Site]:  # noqa: F811
    """The gateway on a free port, its settings naming no public_base_url, as `gateway serve --port` builds them."""
    port = free_port()
    base = make_settings(sqlite_url, redis_url, receiver.url)
    unset = Settings(**{name: getattr(base, name) for name in base.model_fields_set} | {"media_dir": tmp_path / "media"})
    assert "public_base_url" not in unset.model_fields_set
    settings = with_served_address(unset, "0.0.0.0", port)
    runner = web.AppRunner(build_app(settings, classifier=classifier, locator=locator, sweeper=False))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    store = Store(create_engine(settings.database_url))
    yield Site(f"http://127.0.0.1:{port}", settings, store)
    await store.close()
    await runner.cleanup()


@pytest.mark.parametrize(("locale", "text_label", "submit"), [("zh-CN", "问题描述", "提交"), ("en-US", "What is the problem?", "Send report")])
async def test_the_personal_link_names_the_port_served(browser: Browser, unconfigured: Site, locale: str, text_label: str, submit: str) -> None:
    page = await open_page(browser, unconfigured, locale=locale)
    await page.goto("/")
    await page.get_by_label(text_label).fill("小区门口的垃圾桶坏了")
    await page.get_by_role("button", name=submit).click()
    number = await case_number_of(page)
    link = page.locator("#reporter-link")
    await expect(link).to_contain_text(f"{unconfigured.url}/cases/{number}?key=")
    assert unconfigured.url != "http://127.0.0.1:8080"
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        assert await serious_violations(page) == []
    opened = await page.request.get(await link.inner_text())
    assert opened.ok, "the link leads to the case's page"
