"""Console fixtures: the gateway with the web channel and console on a real port, accounts, a signed-in browser page.

`console_db_url` is SQLite; a test module that must run on PostgreSQL too overrides it with
`def console_db_url(database_url): return database_url`.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar
from playwright.async_api import Browser, Page

from channels.web.console.auth import hash_password
from classifier import Classifier
from gateway.location import Locator
from tests.support.receiver import Receiver
from tests.web.conftest import Site, browser, open_page, out, receiver, serving  # noqa: F401  (shared fixtures)
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (shared session fixtures)

MakeUser = Callable[..., Awaitable[tuple[str, str]]]


@pytest.fixture
def console_db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def console_settings_update() -> dict[str, object]:
    """Settings a test changes (e.g. `tile_url`); the media directory is already the test's own."""
    return {}


@pytest.fixture
async def console(
    console_db_url: str, redis_url: str, receiver: Receiver, tmp_path: Path, classifier: Classifier, locator: Locator,  # noqa: F811
    console_settings_update: dict[str, object],
) -> AsyncIterator[Site]:
    """The gateway (web channel, console, a local platform) serving on a free port."""
    async with serving(console_db_url, redis_url, receiver, tmp_path, classifier, locator, {}, console_settings_update) as running:
        yield running


@pytest.fixture
def make_user(console: Site) -> MakeUser:
    """`await make_user("agent")` → (username, password) of a new account with that role."""

    async def make(role: str = "agent", language: str = "zh", username: str | None = None) -> tuple[str, str]:
        name = username or f"{role}-{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(12)
        await console.store.add_user(name, hash_password(password), role, language=language)
        return name, password

    return make


async def login(page: Page, username: str, password: str, next_path: str = "/console/") -> None:
    """Sign in through the login page as a person does; the page ends on `next_path`."""
    await page.goto(f"/console/login?next={next_path}")
    await page.fill("#username", username)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("button[type=submit].primary")


@asynccontextmanager
async def signed_in_http(console: Site, username: str, password: str) -> AsyncIterator[tuple[ClientSession, str]]:
    """An HTTP client signed in through the login form, and the session's CSRF token for its posts."""
    async with ClientSession(console.url, cookie_jar=CookieJar(unsafe=True)) as http:
        async with http.get("/console/login") as resp:
            found = re.search(r'name="csrf" value="([^"]+)"', await resp.text())
        assert found
        async with http.post("/console/login", data={"csrf": found.group(1), "username": username, "password": password}) as resp:
            assert resp.status == 200, await resp.text()
            signed = re.search(r'data-csrf="([^"]+)"', await resp.text())
        assert signed
        yield http, signed.group(1)


async def agent_page(browser: Browser, console: Site, make_user: MakeUser, role: str = "agent", locale: str = "zh-CN") -> Page:  # noqa: F811
    """A new browser context signed in as a new user of `role` who reads the console in the locale's language."""
    page = await open_page(browser, console, locale=locale)
    await login(page, *(await make_user(role, language="en" if locale.startswith("en") else "zh")))
    return page
