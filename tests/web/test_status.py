"""The status page after platform callbacks, and the one-click satisfaction answer once the case is closed."""
from __future__ import annotations

from pathlib import Path

from aiohttp import ClientSession
from playwright.async_api import Browser, expect

from tests.web.conftest import Site, form, open_page, received, screenshots, serious_violations, token
from tests.web.test_report_flow import JUNCTION_TEXT, case_number_of

PROGRESS = [("accepted", "已受理"), ("filed", "已立案，编号 A-17"), ("dispatched", "派遣至环卫所"), ("disposed", "井盖已更换"), ("closed", "核查通过，结案")]


async def test_status_page_shows_the_platform_timeline_and_takes_the_reporters_satisfaction_answer(browser: Browser, site: Site, out: Path) -> None:
    page = await open_page(browser, site, locale="zh-CN")
    await page.goto("/")
    await page.get_by_label("问题描述").fill(JUNCTION_TEXT)
    await page.get_by_role("button", name="提交").click()
    number = await case_number_of(page)
    own_link = await page.locator("#reporter-link").get_attribute("href")
    assert own_link is not None and own_link.startswith(f"/cases/{number}?key=")
    for status, note in PROGRESS[:3]:
        await site.callback(number, status, note)
    await page.goto(own_link)
    await expect(page.locator("#status")).to_have_text("派遣")
    await expect(page.get_by_role("button", name="满意")).to_have_count(0)
    for status, note in PROGRESS[3:]:
        await site.callback(number, status, note)
    await page.reload()
    await expect(page.locator("#status")).to_have_text("结案")
    steps = page.locator("#timeline li[data-status]")
    await expect(steps).to_have_count(5)
    for index, (status, note) in enumerate(PROGRESS):
        await expect(steps.nth(index)).to_have_attribute("data-status", status)
        await expect(steps.nth(index).locator(".note")).to_have_text(note)
    await expect(steps.nth(0).locator(".what")).to_have_text("受理")
    assert await serious_violations(page) == []
    await screenshots(page, out, "status-closed-zh")
    await page.get_by_role("button", name="基本满意").click()
    await expect(page.locator("#answered")).to_have_text("已收到您的评价：基本满意")
    await expect(page.locator("#timeline li").last.locator(".what")).to_have_text("市民评价：基本满意")
    await expect(page.get_by_role("button", name="满意")).to_have_count(0)
    async with site.store.transaction() as tx:
        assert await tx.feedback_counts(int(number[8:])) == {"basically_satisfied": 1}
    await page.goto(f"/cases/{number}")
    await expect(page.locator("#feedback-reporter-only")).to_have_text("只有上报人可以评价。请使用提交后确认页或通知中的专属链接打开本页。")


async def test_status_page_in_english_and_an_unknown_number(browser: Browser, site: Site, out: Path) -> None:
    page = await open_page(browser, site, locale="en-GB")
    await page.goto("/")
    await page.get_by_label("What is the problem?").fill("Construction noise at night near 人民路和解放路路口")
    await page.get_by_role("button", name="Send report").click()
    number = await case_number_of(page)
    await site.callback(number, "accepted", "Received by the district")
    await page.goto("/")
    await page.get_by_label("Case number").fill(number)
    await page.get_by_role("button", name="Look up").click()
    await expect(page.locator("#status")).to_have_text("Accepted")
    await expect(page.locator("#timeline li[data-status=accepted] .note")).to_have_text("Received by the district")
    await screenshots(page, out, "status-en")
    response = await page.goto("/cases/20990101999999")
    assert response is not None and response.status == 404
    await expect(page.get_by_role("alert")).to_have_text("Case 20990101999999 was not found; please check the number.")
    assert await serious_violations(page) == []
    await screenshots(page, out, "not-found-en")


async def test_status_page_names_the_class_in_the_pages_language(http: ClientSession) -> None:
    csrf = await token(http)
    async with http.post("/report", data=form(csrf, text="人民路和解放路路口的污水井盖不见了", class_id="cp-0102"), allow_redirects=False) as resp:
        number, _ = received(resp.headers["Location"])
    async with http.get(f"/cases/{number}", params={"lang": "en"}) as resp:
        assert '<dd id="category">Manhole cover (sewer)</dd>' in await resp.text()
    async with http.get(f"/cases/{number}", params={"lang": "zh"}) as resp:
        assert '<dd id="category">污水井盖</dd>' in await resp.text()
