"""Accounts: pages refuse without a login, CSRF is enforced, administrators manage users (sign-in failures: test_login_throttle.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar, WSServerHandshakeError
from playwright.async_api import Browser

from channels.web.console.auth import password_matches
from tests.console.conftest import MakeUser, agent_page, login, signed_in_http
from tests.web.conftest import Site, count_cases, open_page, screenshots, serious_violations

PAGES = ["/console/", "/console/voicemails", "/console/review", "/console/users"]
FETCHES = ["/console/api/suggest", "/console/api/callers/+8613800000000", f"/console/recordings/{'0' * 64}.wav"]
POSTS = ["/console/api/reports", "/console/users", "/console/users/admin", "/console/voicemails/1", "/console/review/20260101000001"]


@pytest.fixture
def console_db_url(database_url: str) -> str:
    """Accounts run on SQLite and on PostgreSQL."""
    return database_url


async def csrf_of(http: ClientSession, path: str) -> str:
    async with http.get(path) as resp:
        found = re.search(r'name="csrf" value="([^"]+)"', await resp.text())
    assert found, path
    return found.group(1)


async def test_every_console_page_refuses_without_a_login(console: Site) -> None:
    async with ClientSession(console.url) as http:
        for path in PAGES:
            async with http.get(path, headers={"Accept": "text/html"}, allow_redirects=False) as resp:
                assert resp.status == 303, path
                assert resp.headers["Location"].startswith("/console/login?next="), path
        for path in FETCHES:
            async with http.get(path, headers={"Accept": "application/json"}) as resp:
                assert resp.status == 401, path
                assert (await resp.json())["error"]["code"] == "login_required"
        for path in POSTS:
            async with http.post(path, data={"action": "disable"}, headers={"Accept": "application/json"}) as resp:
                assert resp.status == 401, path
        async with http.get("/console", allow_redirects=False) as resp:
            assert resp.headers["Location"] == "/console/"
        with pytest.raises(WSServerHandshakeError) as refused:
            await http.ws_connect("/console/ws")
        assert refused.value.status == 401


async def test_an_agent_may_not_open_the_administrators_pages(console: Site, make_user: MakeUser) -> None:
    username, password = await make_user("agent", language="en")
    async with ClientSession(console.url, cookie_jar=CookieJar(unsafe=True)) as http:
        token = await csrf_of(http, "/console/login")
        async with http.post("/console/login", data={"csrf": token, "username": username, "password": password, "next": "/console/users"}) as resp:
            assert resp.status == 403
            assert "administrator" in await resp.text()


async def test_a_cross_site_post_without_the_session_token_is_refused_and_changes_nothing(console: Site, make_user: MakeUser) -> None:
    admin, password = await make_user("admin", language="en")
    async with ClientSession(console.url, cookie_jar=CookieJar(unsafe=True)) as http:
        token = await csrf_of(http, "/console/login")
        async with http.post("/console/login", data={"csrf": "forged", "username": admin, "password": password}) as resp:
            assert resp.status == 403
        async with http.post("/console/login", data={"csrf": token, "username": admin, "password": password}) as resp:
            assert resp.status == 200
        async with http.post("/console/users", data={"username": "intruder", "role": "admin", "language": "en", "password": "x" * 12}) as resp:
            assert resp.status == 403
            assert "reload" in await resp.text()
    assert await console.store.user("intruder") is None


async def test_an_administrator_creates_an_agent_resets_and_disables_it(browser: Browser, console: Site, make_user: MakeUser, out: Path) -> None:
    page = await agent_page(browser, console, make_user, role="admin", locale="en-GB")
    await page.goto("/console/users")
    await page.fill("#new-username", "wang.li")
    await page.select_option("#new-role", "agent")
    await page.click("form.grid-form button[type=submit]")
    await page.wait_for_load_state()
    notice = await page.text_content("#notice") or ""
    first = re.search(r"Password of wang\.li: (\S+) ", notice)
    assert first
    row = await console.store.user("wang.li")
    assert row is not None and row.role == "agent" and password_matches(row.password_hash, first.group(1))

    await page.click("#user-wang\\.li button[value=reset]")
    await page.wait_for_load_state()
    second = re.search(r"Password of wang\.li: (\S+) ", await page.text_content("#notice") or "")
    assert second and second.group(1) != first.group(1)

    agent = await open_page(browser, console)
    await login(agent, "wang.li", second.group(1))
    assert agent.url.endswith("/console/")

    await page.click("#user-wang\\.li button[value=disable]")
    await page.wait_for_load_state()
    assert (await console.store.user("wang.li")).disabled  # type: ignore[union-attr]
    await agent.goto("/console/")
    assert "/console/login" in agent.url  # a disabled account's open session ends at once

    assert await serious_violations(page) == []
    await screenshots(page, out, "users")
    await page.goto("/console/login")
    assert await serious_violations(page) == []
    await screenshots(page, out, "login")


async def test_an_administrator_cannot_disable_themselves(console: Site, make_user: MakeUser) -> None:
    admin, password = await make_user("admin", language="en")
    async with signed_in_http(console, admin, password) as (http, token):
        async with http.post(f"/console/users/{admin}", data={"csrf": token, "action": "disable"}) as resp:
            assert resp.status == 400
            assert "own account" in await resp.text()
    assert not (await console.store.user(admin)).disabled  # type: ignore[union-attr]


async def test_a_report_posted_without_the_csrf_header_is_refused(console: Site, make_user: MakeUser) -> None:
    async with signed_in_http(console, *(await make_user("agent", language="en"))) as (http, token):
        body = {"text": "路灯不亮", "anonymous": True, "submission": "csrf-test-report"}
        async with http.post("/console/api/reports", json=body, headers={"Accept": "application/json"}) as resp:
            assert resp.status == 403
            assert (await resp.json())["error"]["code"] == "csrf_failed"
        async with http.post("/console/api/reports", json=body, headers={"X-CSRF-Token": "forged"}) as resp:
            assert resp.status == 403
        assert await count_cases(console) == 0
        async with http.post("/console/api/reports", json=body, headers={"X-CSRF-Token": token}) as resp:
            assert resp.status == 201
    assert await count_cases(console) == 1
