"""The phone app in Chromium: an administrator enrols a supervisor's phone by its QR code's address; the phone reports
with a photo while offline, keeps the report across a restart of the app and delivers it when the network is back; a
platform's 核查 task appears on the phone, is answered with a photo, and the platform receives the signed result."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page

from gateway.signing import sign
from gateway.store.store import CaseFilter
from tests.conftest import eventually
from tests.console.conftest import MakeUser, console, console_db_url, console_settings_update, login, make_user, signed_in_http  # noqa: F401
from tests.core.conftest import SECRET
from tests.field.conftest import FAR, GRID, INSIDE, deliver_all, jpeg
from tests.support.receiver import Receiver
from tests.web.conftest import DESKTOP, PHONE, Site, browser, out, receiver, screenshots, serious_violations  # noqa: F401

PHOTO = {"name": "photo.jpg", "mimeType": "image/jpeg"}


async def phone_context(browser: Browser, site: Site, locale: str = "zh-CN") -> BrowserContext:  # noqa: F811
    return await browser.new_context(viewport=PHONE, locale=locale, base_url=site.url, permissions=["geolocation"],
                                     geolocation={"latitude": INSIDE["lat"], "longitude": INSIDE["lon"], "accuracy": 8},
                                     service_workers="allow")


async def enrolment_link(browser: Browser, site: Site, make_user: MakeUser, supervisor: str, out: Path) -> str:  # noqa: F811
    """An administrator gives the supervisor a grid and shows the QR code of a new phone; its address is returned."""
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN", base_url=site.url)
    page = await context.new_page()
    await login(page, *(await make_user("admin")), next_path="/console/admin/field")
    await page.select_option(f"#grids-{supervisor}", [GRID])
    async with page.expect_navigation():
        await page.click(f"#account-{supervisor} form[action$='/grids'] button")
    assert await page.locator(f"#grids-{supervisor} option:checked").all_inner_texts() == [f"{GRID} 城西街道 幸福社区"]
    await page.fill(f"#device-name-{supervisor}", "华为 P60")
    async with page.expect_navigation():
        await page.click(f"#account-{supervisor} button.enrol")
    assert await page.locator("#enrolment svg").count() == 1, "the QR code is drawn"
    link = await page.locator("#enrol-link").inner_text()
    assert await serious_violations(page) == []
    await screenshots(page, out, "field-enrol")
    await context.close()
    return link


async def ready(page: Page) -> None:
    await page.wait_for_function("() => document.body.dataset.ready === 'app'")


async def check_page(page: Page) -> None:
    """axe-core clean at phone and desktop width."""
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        assert await serious_violations(page) == [], size
    await page.set_viewport_size(PHONE)


async def signed_task(site: Site, body: dict[str, Any]) -> dict[str, Any]:
    from aiohttp import ClientSession

    raw = json.dumps(body).encode()
    async with ClientSession() as http:
        async with http.post(f"{site.url}/api/v1/platforms/city/tasks", data=raw,
                             headers={"X-Gateway-Signature": sign(SECRET, raw), "Content-Type": "application/json"}) as resp:
            assert resp.status == 201, await resp.text()
            return await resp.json()


async def test_a_supervisor_reports_offline_and_answers_a_check_task_from_the_phone(
    browser: Browser, console: Site, make_user: MakeUser, out: Path, receiver: Receiver,  # noqa: F811
) -> None:
    supervisor, _ = await make_user("supervisor")
    link = await enrolment_link(browser, console, make_user, supervisor, out)
    context = await phone_context(browser, console)
    page = await context.new_page()
    await page.goto(link)
    await ready(page)
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    await page.wait_for_function("() => caches.keys().then((keys) => keys.length === 1)")
    await eventually(lambda: page.locator("#grid-code").inner_text(), timeout=30)
    assert GRID in await page.locator("#grid-code").inner_text()
    assert "幸福社区" in await page.locator("#who").inner_text()
    await check_page(page)

    await context.set_offline(True)
    await page.set_input_files("#photo-before", files=[PHOTO | {"buffer": jpeg()}])
    await page.fill("#note", "人行道上的井盖不见了")
    await page.click("#send-report")
    await page.wait_for_function("() => document.querySelector('#queue-count').textContent === '1'")
    assert "联网后自动发送" in await page.locator("#notice").inner_text()
    await page.reload()
    await ready(page)
    assert await page.locator("#queue-count").inner_text() == "1", "the queued report survives a restart of the app"
    assert (await console.store.cases(CaseFilter()))[1] == 0

    await context.set_offline(False)
    await page.wait_for_function("() => document.querySelector('#queue-count').textContent === '0'", timeout=60_000)
    cases, total = await console.store.cases(CaseFilter())
    assert total == 1 and (cases[0].source_channel, cases[0].case_source, cases[0].grid_code) == ("supervisor", "监督员上报", GRID)
    number = (await console.store.case_numbers([cases[0].id]))[cases[0].id]
    assert number in await page.locator("#notice").inner_text()

    await signed_task(console, {"task_id": "CHECK-1", "case_id": number, "kind": "check", "note": "请核查井盖是否已补装"})
    await page.click("button[data-tab=tasks]")
    card = page.locator("article.task")
    await card.wait_for()
    assert "核查" in await card.locator("h3").inner_text() and number in await card.locator("h3").inner_text()
    await check_page(page)
    await card.locator("input[value=disposed]").check()
    await card.locator("input[type=file]").set_input_files(files=[PHOTO | {"buffer": jpeg("green")}])
    await card.locator("button[type=submit]").click()
    await page.wait_for_function("() => document.querySelector('#notice').textContent.includes('回复已送达')", timeout=60_000)

    await deliver_all(console.settings, console.store)
    event = next(r for r in receiver.received if r.event == "field.task_answered")
    assert event.signature_ok
    assert (event.payload["task_id"], event.payload["result_name"], len(event.payload["photos"])) == ("CHECK-1", "已处置", 1)
    async with signed_in_http(console, *(await make_user("admin"))) as (http, _):
        async with http.get("/console/admin/field") as resp:
            counts = await resp.text()
    assert f'<tr><th scope="row">{supervisor}</th><td>1</td><td>1</td>' in counts, "one report and one task answered"
    await page.click("#lang")
    await page.click("button[data-tab=queue]")
    assert await page.locator("h2#queue-title").inner_text() == "Outbox"
    await check_page(page)
    await screenshots(page, out, "field-queue")
    await context.close()


async def test_in_english_a_refused_report_is_kept_with_its_reason_and_a_revoked_phone_is_signed_out(
    browser: Browser, console: Site, make_user: MakeUser,  # noqa: F811
) -> None:
    supervisor, _ = await make_user("supervisor", language="en")
    await console.store.set_grids(supervisor, [GRID], "test")
    await console.store.add_device(supervisor, "phone", "english-enrol-code-0123", datetime.now(timezone.utc) + timedelta(minutes=5), "test")
    context = await phone_context(browser, console, locale="en-GB")
    await context.set_geolocation({"latitude": FAR["lat"], "longitude": FAR["lon"], "accuracy": 8})
    page = await context.new_page()
    await page.goto("/field/")
    await page.wait_for_function("() => document.body.dataset.ready === 'enrol'")
    assert await page.locator("#enrol-title").inner_text() == "Enrol this phone"
    await check_page(page)
    await page.fill("#enrol-code", "english-enrol-code-0123")
    await page.click("#enrol-form button")
    await ready(page)
    await page.set_input_files("#photo-before", files=[PHOTO | {"buffer": jpeg()}])
    await page.click("#send-report")
    refused = page.locator("#queue li.state-refused")
    await page.click("button[data-tab=queue]")
    await refused.wait_for()
    assert "outside your grids" in await refused.inner_text()
    assert (await console.store.cases(CaseFilter()))[1] == 0
    await check_page(page)
    await refused.locator("button").click()
    await page.wait_for_function("() => document.querySelector('#queue-count').textContent === '0'")
    await page.check("#duty")
    await page.check("#share-track")
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    points = await eventually(lambda: console.store.track(supervisor, since))
    assert abs(points[0].lat - FAR["lat"]) < 1e-6, "the patrol track is kept while on duty, with consent"
    device = (await console.store.devices(supervisor))[0]
    await console.store.revoke_device(device.id, "test")
    await page.click("button[data-tab=tasks]")
    await page.wait_for_function("() => !document.querySelector('#enrol-view').hidden")
    assert "no longer valid" in await page.locator("#notice").inner_text()
    await context.close()
