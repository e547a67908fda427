"""The core flow in a real browser: form → report → confirmation with case number → status page, both languages."""
from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page, expect

from tests.web.conftest import Site, count_cases, open_page, screenshots, serious_violations

JUNCTION_TEXT = "人民路和解放路路口的污水井盖不见了，晚上很危险"


async def case_number_of(page: Page) -> str:
    number = await page.locator("#case-number").inner_text()
    assert number.isdigit() and len(number) >= 14, number
    return number


async def test_chinese_report_with_javascript_gets_a_case_number_and_status(browser: Browser, site: Site, out: Path) -> None:
    page = await open_page(browser, site, locale="zh-CN")
    await page.goto("/")
    await expect(page.locator("h1")).to_have_text("上报问题")
    assert await serious_violations(page) == []
    await screenshots(page, out, "form-zh")
    letter = JUNCTION_TEXT + "。" + "附近的居民晚上出门都要绕着走，老人和孩子尤其容易踩空，" * 40
    await page.get_by_label("问题描述").fill(letter)  # a letter far longer than a URL may be still gets its hint
    await expect(page.locator("#class-field")).to_be_visible()
    await expect(page.locator("#class-hint")).to_contain_text("可能的类别")
    await page.get_by_label("问题描述").fill(JUNCTION_TEXT)
    await page.get_by_role("button", name="提交").click()
    await expect(page.locator("h1")).to_have_text("已收到您的上报")
    number = await case_number_of(page)
    assert await serious_violations(page) == []
    await screenshots(page, out, "received-zh")
    case = await site.store.case(int(number[8:]))
    assert case is not None and case.source_channel == "web" and case.language == "zh" and case.case_source == "网络上报"
    assert case.grid_code is not None, "the junction named in the text places the case"
    await page.get_by_role("link", name="查看处理进展").click()
    await expect(page.locator("#status")).to_have_text("已转送")
    await expect(page.locator("#timeline li")).to_have_count(2)
    assert await serious_violations(page) == []
    await screenshots(page, out, "status-zh")


async def test_english_report_without_javascript_is_a_plain_form_post(browser: Browser, site: Site, out: Path) -> None:
    page = await open_page(browser, site, locale="en-GB", javascript=False)
    await page.goto("/")
    await expect(page.locator("h1")).to_have_text("Report a problem")
    await expect(page.locator("#class-field")).to_be_hidden()
    await page.get_by_label("What is the problem?").fill("Rubbish bin overflowing at 解放路和中山路交叉口, nobody empties it")
    await page.get_by_label("Phone number").fill("13800138000")
    await page.get_by_label("I agree to receive updates on this report").check()
    await page.get_by_role("button", name="Send report").click()
    await expect(page.locator("h1")).to_have_text("Your report has been received")
    number = await case_number_of(page)
    await screenshots(page, out, "received-en-nojs")
    case = await site.store.case(int(number[8:]))
    assert case is not None and case.language == "en"
    async with site.store.transaction() as tx:
        (report,) = await tx.reports_of_case(case.id)
    assert report.contact == {"phone": "13800138000", "consent_updates": True} and report.consent_updates
    await page.goto(f"/cases/{number}")
    await expect(page.locator("h1")).to_have_text(f"Case {number}")


async def test_language_switch_is_remembered(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site, locale="zh-CN")
    await page.goto("/")
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("h1")).to_have_text("Report a problem")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.goto("/")
    await expect(page.locator("h1")).to_have_text("Report a problem")
    await page.get_by_role("link", name="中文").click()
    await expect(page.locator("h1")).to_have_text("上报问题")


async def test_invalid_form_shows_errors_by_field_and_stores_nothing(browser: Browser, site: Site, out: Path) -> None:
    page = await open_page(browser, site, locale="en-US")
    await page.goto("/")
    await page.get_by_label("Phone number").fill("call me maybe")
    await page.get_by_label("I agree to receive updates on this report").check()
    await page.get_by_role("button", name="Send report").click()
    await expect(page.locator("#text-error")).to_have_text("Please describe the problem.")
    await expect(page.locator("#phone-error")).to_have_text("This is not a phone number that can be called: enter a mobile number (such as 13812345678) or a landline with its area code (such as 0512-65123456).")
    await expect(page.locator("#text")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#text")).to_have_attribute("aria-describedby", "text-help text-count text-error")
    await expect(page.locator("#phone")).to_have_value("call me maybe")
    assert await serious_violations(page) == []
    await screenshots(page, out, "errors-en")
    assert await count_cases(site) == 0


async def focused(page: Page) -> str:
    return await page.evaluate("document.activeElement.id || document.activeElement.getAttribute('type') || document.activeElement.tagName")


async def test_a_keyboard_alone_reaches_every_field_in_order_and_sends(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site, locale="en-US")
    await page.goto("/")
    order = []
    while (current := await focused(page)) != "text" and len(order) < 5:
        await page.keyboard.press("Tab")
        order.append(current)
    assert current == "text", order
    await page.keyboard.type("Manhole cover missing at 人民路和解放路路口")
    await expect(page.locator("#class-field")).to_be_visible()
    order = []
    while (current := await focused(page)) != "submit" and len(order) < 15:
        await page.keyboard.press("Tab")
        order.append(await focused(page))
    assert order == ["class_id", "locate", "address", "photos", "name", "phone", "email", "consent", "submit"]
    await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_have_text("Your report has been received")
    await case_number_of(page)
