"""Platforms in the console: a signed test delivery, platforms added and changed at run time that deliveries follow,
a dead letter replayed and delivered; bad input refused with nothing stored."""
from __future__ import annotations

from playwright.async_api import Browser
from rq.job import Job

from gateway.delivery.sender import Deliverer
from gateway.delivery.outbox import PLATFORMS_SETTING
from tests.conftest import SECRET
from tests.console.admin.conftest import LAMP, admin_page, report
from tests.console.conftest import MakeUser
from tests.support.receiver import Receiver
from tests.web.conftest import Site

async def test_a_dead_letter_replayed_from_the_console_is_delivered(browser: Browser, console: Site, make_user: MakeUser, receiver: Receiver,
                                                                    key: str, deliverer: Deliverer) -> None:
    receiver.script = [400]
    case_id = await report(console, key, **LAMP)
    [row] = await console.store.deliveries(case_id=case_id)
    assert await deliverer.deliver(row.id) == "dead"
    page = await admin_page(browser, console, make_user, "/console/admin/dead")
    assert "HTTP 400" in await page.inner_text(f"#dead-{row.id}")
    async with page.expect_navigation():
        await page.click(f"#dead-{row.id} button")
    assert row.id in await page.inner_text("#notice")
    assert await page.inner_text("#dead-empty")
    assert Job.exists(f"deliver-{row.id}", connection=deliverer.queue.connection), "queued for the workers"
    assert await deliverer.deliver(row.id) == "delivered"
    assert [(r.delivery_id, r.signature_ok) for r in receiver.received] == [(row.id, True), (row.id, True)]
    assert [a.action for a in await console.store.audit_of("delivery", row.id)] == ["dead_letter", "replayed"]

    response = await page.request.post(f"/console/admin/dead/{row.id}/replay", form={"csrf": await page.get_attribute("main", "data-csrf") or ""},
                                       headers={"Accept": "text/html"})
    assert response.status == 409 and "不在死信队列中" in await response.text()
    await page.context.close()


async def test_a_test_delivery_is_signed_and_its_answer_shown(browser: Browser, console: Site, make_user: MakeUser, receiver: Receiver) -> None:
    page = await admin_page(browser, console, make_user, "/console/admin/platforms/city", locale="en-GB", language="en")
    receiver.script = [503]
    async with page.expect_navigation():
        await page.click("#test-button")
    assert "refused it (HTTP 503)" in await page.inner_text("#test-result")
    async with page.expect_navigation():
        await page.click("#test-button")
    result = await page.inner_text("#test-result")
    assert "accepted it (HTTP 200)" in result and '"status": 200' in result
    assert [(r.event, r.signature_ok) for r in receiver.received] == [("gateway.test", True)] * 2
    assert receiver.received[1].payload["platform_id"] == "city"
    assert [a.detail["status"] for a in await console.store.audit_of("platform", "city") if a.action == "test_delivery"] == [503, 200]
    await page.context.close()


async def test_platforms_added_and_changed_in_the_console_are_what_deliveries_follow(browser: Browser, console: Site, make_user: MakeUser,
                                                                                     receiver: Receiver, key: str) -> None:
    page = await admin_page(browser, console, make_user, "/console/admin/platforms")
    await page.fill("#p-id", "district")
    await page.fill("#p-url", receiver.url)
    await page.fill("#p-secret", "too-short")
    async with page.expect_navigation():
        await page.click("form.grid-form button.primary")
    assert "secret" in await page.inner_text("#platform-error")
    assert await console.store.admin_setting(PLATFORMS_SETTING) is None, "nothing stored"

    await page.fill("#p-secret", SECRET)
    await page.select_option("#p-edition", "gbt47678-2026")
    async with page.expect_navigation():
        await page.click("form.grid-form button.primary")
    assert page.url.endswith("/console/admin/platforms/district?saved=1")
    first = await report(console, key, **LAMP)
    assert sorted(d.platform_id for d in await console.store.deliveries(case_id=first)) == ["city", "district"]

    await page.goto("/console/admin/platforms/city")
    await page.uncheck("#p-enabled")
    await page.fill("#p-rate", "0")
    async with page.expect_navigation():
        await page.click("form.grid-form button.primary")
    assert "rate_per_second" in await page.inner_text("#platform-error"), "a rate must be above zero"
    await page.goto("/console/admin/platforms/city")
    await page.uncheck("#p-enabled")
    await page.fill("#p-max-in-flight", "8")
    await page.fill("#p-rate", "2.5")
    async with page.expect_navigation():
        await page.click("form.grid-form button.primary")
    second = await report(console, key, **(LAMP | {"text": "人民路的路灯坏了一整排", "location": {"lat": 31.33, "lon": 120.63}}))
    assert [d.platform_id for d in await console.store.deliveries(case_id=second)] == ["district"]
    stored = await console.store.admin_setting(PLATFORMS_SETTING)
    assert stored is not None and {p["id"]: p["enabled"] for p in stored["items"]} == {"district": True, "city": False}
    assert stored["items"][1]["secret"] == SECRET, "an empty secret field keeps the secret"
    assert [(p["max_in_flight"], p["rate_per_second"]) for p in stored["items"]] == [(32, None), (8, 2.5)], "an empty rate is no limit"
    assert all("secret" not in (a.detail or {}) for a in await console.store.audit_of("platform", "district")), "secrets stay out of the audit log"
    await page.goto("/console/admin/platforms")
    assert "已停用" in await page.inner_text("#platform-city")
    await page.context.close()
