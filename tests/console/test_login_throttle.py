"""Sign-in failures: the same answer whether the name exists or not, and growing delays for one name from one
address instead of a lock anyone could put on an agent's account."""
from __future__ import annotations

import re

import pytest
import redis
from playwright.async_api import Browser, Page

from channels.web.console.throttle import LoginThrottle
from gateway.settings import ConsoleSettings
from tests.console.conftest import MakeUser
from tests.web.conftest import Site, open_page


@pytest.fixture
def console_db_url(database_url: str) -> str:
    """Sign-in runs on SQLite and on PostgreSQL."""
    return database_url


@pytest.fixture
def console_settings_update() -> dict[str, object]:
    """A first delay long enough that no test outruns it."""
    return {"console": ConsoleSettings(free_login_failures=3, login_delay_seconds=600)}


def same(message: str) -> str:
    return re.sub(r"\d+", "N", message)


async def sign_in(page: Page, username: str, password: str) -> str:
    """Submit the login form; the error shown ('' when signed in)."""
    await page.goto("/console/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("button[type=submit].primary")
    return (await page.text_content("#login-error") or "") if await page.locator("#login-error").count() else ""


async def test_unknown_names_and_wrong_passwords_read_the_same_and_lock_no_one_out(browser: Browser, console: Site, make_user: MakeUser) -> None:
    agent, password = await make_user("agent")
    page = await open_page(browser, console, locale="en-GB")
    free = console.settings.console.free_login_failures
    for attempt in range(free + 2):
        said = {name: await sign_in(page, name, f"wrong-{attempt}") for name in (agent, "no-such-agent")}
        assert same(said[agent]) == same(said["no-such-agent"]), said
        if attempt <= free:
            assert said[agent] == "Wrong username or password.", attempt
    assert re.fullmatch(r"Too many failed sign-ins with this name from here: try again in (\d+) s\.", said[agent]), said
    assert same(said[agent]) == same(await sign_in(page, agent, password)), "the right password waits out the delay too"
    assert page.url.endswith("/console/login")

    row = await console.store.user(agent)
    assert row is not None and not console.store.locked(row), "no lock on the account itself"
    other, other_password = await make_user("agent")
    assert await sign_in(page, other, other_password) == "" and page.url.endswith("/console/")
    await page.context.close()


def test_delays_grow_with_each_failure_for_one_name_from_one_address(redis_url: str) -> None:
    throttle = LoginThrottle(redis.Redis.from_url(redis_url), free_failures=2, first_delay=1.0, max_delay=60.0)
    now = 1_000_000.0
    assert throttle.wait("Wang", "198.51.100.7", now) == 0
    delays = []
    for _ in range(9):
        throttle.failed("Wang", "198.51.100.7", now)
        delays.append(throttle.wait("Wang", "198.51.100.7", now))
        now += delays[-1]
    assert delays == [0, 0, 1, 2, 4, 8, 16, 32, 60]
    assert throttle.wait("wang", "198.51.100.7", now - 1) > 0, "names are compared as typed, case aside"
    assert throttle.wait("Wang", "203.0.113.9", now - 1) == 0, "another address is not slowed"
    assert throttle.wait("Li", "198.51.100.7", now - 1) == 0, "another name is not slowed"
    throttle.succeeded("Wang", "198.51.100.7")
    assert throttle.wait("Wang", "198.51.100.7", now - 1) == 0
