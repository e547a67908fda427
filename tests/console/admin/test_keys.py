"""API keys in the console: listed without their secrets, revoked by an administrator and refused at once by every
gateway process; a forged or unknown revocation changes nothing."""
from __future__ import annotations

from pathlib import Path

from aiohttp import ClientSession
from playwright.async_api import Browser

from classifier import Classifier
from gateway.api.auth import new_api_key
from gateway.location import Locator
from tests.console.admin.conftest import admin_page
from tests.console.conftest import MakeUser
from tests.support.receiver import Receiver
from tests.web.conftest import Site, serving


async def api_status(site: Site, key: str) -> int:
    async with ClientSession(site.url) as http:
        async with http.get("/api/v1/cases", headers={"Authorization": f"Bearer {key}"}) as resp:
            return resp.status


async def key_id(site: Site, name: str) -> int:
    return next(r.id for r in await site.store.api_keys() if r.name == name)


async def test_a_key_revoked_in_the_console_is_refused_at_once_by_every_process(
    browser: Browser, console: Site, make_user: MakeUser, receiver: Receiver, tmp_path: Path, classifier: Classifier, locator: Locator, out: Path,
) -> None:
    key, kept = new_api_key(), new_api_key()
    await console.store.add_api_key("district-app", key, "agent")
    await console.store.add_api_key("hotline-app", kept, "client")
    async with serving(console.settings.database_url, console.settings.redis_url or "", receiver, tmp_path / "other", classifier, locator, {}, {}) as other:
        assert [await api_status(site, key) for site in (console, other)] == [200, 200]  # cached by both processes

        page = await admin_page(browser, console, make_user, "/console/admin/keys", locale="en-GB", language="en")
        revoked_id = await key_id(console, "district-app")
        row = page.locator(f"#key-{revoked_id}")
        assert "district-app" in await row.inner_text() and "active" in await row.inner_text()
        assert key not in await page.content() and kept not in await page.content()
        async with page.expect_navigation():
            await page.click(f"#key-{revoked_id} button")
        assert await page.inner_text("#notice") == f"Key district-app (id {revoked_id}) is revoked."
        assert "revoked" in await row.inner_text() and await row.locator("button").count() == 0

        assert [await api_status(site, key) for site in (console, other)] == [401, 401]
        assert [await api_status(site, kept) for site in (console, other)] == [200, 200]
    [entry] = [a for a in await console.store.audit_of("api_key", "district-app") if a.action == "revoked"]
    assert entry.actor.startswith("console:admin-") and entry.detail == {"key_id": revoked_id, "role": "agent"}
    await page.context.close()


async def test_a_forged_or_unknown_revocation_changes_nothing(browser: Browser, console: Site, make_user: MakeUser) -> None:
    key = new_api_key()
    await console.store.add_api_key("partner", key, "client")
    target = await key_id(console, "partner")
    page = await admin_page(browser, console, make_user, "/console/admin/keys")
    forged = await page.request.post(f"/console/admin/keys/{target}/revoke", form={"csrf": "forged"}, headers={"Accept": "text/html"})
    assert forged.status == 403
    csrf = await page.get_attribute("main", "data-csrf") or ""
    for unknown in ("999999", "9" * 30, "²", "-1"):
        resp = await page.request.post(f"/console/admin/keys/{unknown}/revoke", form={"csrf": csrf}, headers={"Accept": "text/html"})
        assert resp.status == 404 and f"没有编号为 {unknown} 的密钥" in await resp.text(), unknown
    assert await api_status(console, key) == 200
    assert [a.action for a in await console.store.audit_of("api_key", "partner")] == ["created"]
    await page.context.close()
