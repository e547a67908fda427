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
    await page.get_by_label("What is the problem?").fill(JUNCTION_TEXT)
    await page.get_by_label("Phone number").fill("13912344321")
    await page.get_by_role("button", name="Send report").click()
    number = await case_number_of(page)
    await site.callback(number, "accepted", "Received by the district")
    visitor = await open_page(browser, site, locale="en-GB")
    await visitor.goto("/")
    await visitor.get_by_label("Case number").fill(number)
    await visitor.get_by_role("button", name="Look up").click()
    await expect(visitor.locator("#status")).to_have_text("Accepted")
    await expect(visitor.locator("#timeline")).to_have_count(0)
    assert "Received by the district" not in await visitor.content()
    await visitor.get_by_label("Last four digits of your phone number").fill("4321")
    await visitor.get_by_role("button", name="Show the full progress").click()
    await expect(visitor.locator("#timeline li[data-status=accepted] .note")).to_have_text("Received by the district")
    assert await serious_violations(visitor) == []
    await screenshots(visitor, out, "status-en")
    response = await page.goto("/cases/20990101999999")
    assert response is not None and response.status == 404
    await expect(page.get_by_role("alert")).to_have_text("Case 20990101999999 was not found; please check the number.")
    assert await serious_violations(page) == []
    await screenshots(page, out, "not-found-en")


PRIVATE = "请回电13912345678，我叫王小明，住人民路18号3单元楼下的污水井盖不见了"


async def public_case(site: Site, browser: Browser, locale: str, **fields: str) -> str:
    """A case reported through the form with a phone number, the platform's note on it, and its number."""
    page = await open_page(browser, site, locale=locale)
    await page.goto("/")
    await page.locator("#text").fill(fields.get("text", PRIVATE))
    await page.locator("#address").fill(fields.get("address", "人民路18号3单元"))
    await page.locator("#phone").fill(fields.get("phone", "13912345678"))
    await page.locator("form#report button[type=submit]").click()
    number = await case_number_of(page)
    await page.context.close()
    await site.callback(number, "dispatched", "已派维修班，联系王小明 13912345678")
    return number


async def test_the_public_sees_class_rough_place_and_status_only_until_the_phones_last_four_digits_are_given(
    browser: Browser, site: Site, out: Path
) -> None:
    number = await public_case(site, browser, "zh-CN")
    page = await open_page(browser, site, locale="zh-CN")
    await page.goto(f"/cases/{number}")
    await expect(page.locator("#status")).to_have_text("派遣")
    await expect(page.locator("#category")).to_have_text("污水井盖")
    await expect(page.locator("#place")).to_contain_text("人民路")
    await expect(page.locator("#reports-count")).to_have_text("1")
    await expect(page.locator("#timeline")).to_have_count(0)
    content = await page.content()
    for private in ("13912345678", "王小明", "18号", "3单元", "维修班"):
        assert private not in content, private
    assert await serious_violations(page) == []
    await screenshots(page, out, "status-public-zh")

    await page.get_by_label("手机号码后四位").fill("1234")
    await page.get_by_role("button", name="查看完整进展").click()
    await expect(page.get_by_role("alert")).to_have_text("号码后四位与本案件上报人留下的号码不符。")
    assert "维修班" not in await page.content()
    assert await serious_violations(page) == []
    await page.get_by_label("手机号码后四位").fill("5678")
    await page.get_by_role("button", name="查看完整进展").click()
    await expect(page.locator("#timeline li[data-status=dispatched] .note")).to_have_text("已派维修班，联系王小明 13912345678")
    await expect(page.locator("#place")).to_have_text("人民路18号3单元")
    assert "key=" in page.url
    assert await serious_violations(page) == []
    await screenshots(page, out, "status-proven-zh")


async def test_a_neighbouring_case_number_shows_nothing_of_its_reporter(browser: Browser, site: Site) -> None:
    number = await public_case(site, browser, "en-GB")
    page = await open_page(browser, site, locale="en-GB")
    await page.goto(f"/cases/{number}")
    await expect(page.locator("#status")).to_have_text("Dispatched")
    await expect(page.locator("#category")).to_have_text("Manhole cover (sewer)")
    await expect(page.get_by_label("Last four digits of your phone number")).to_be_visible()
    content = await page.content()
    assert all(private not in content for private in ("13912345678", "王小明", "18号", "维修班"))
    assert await serious_violations(page) == []


async def test_wrong_last_digits_are_refused_and_guesses_are_limited(http: ClientSession, site: Site) -> None:
    csrf = await token(http)
    async with http.post("/report", data=form(csrf, text=PRIVATE, phone="13912345678"), allow_redirects=False) as resp:
        number, key = received(resp.headers["Location"])
    async with http.post(f"/cases/{number}/verify", data={"csrf": csrf, "digits": "5678"}, allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == f"/cases/{number}?key={key}"
    async with http.post(f"/cases/{number}/verify", data={"digits": "5678"}, allow_redirects=False) as resp:
        assert resp.status == 403, "no CSRF token"
    async with http.post(f"/cases/{number}/verify", data={"csrf": csrf, "digits": "56a8"}) as resp:
        assert resp.status == 400 and "Please enter four digits." in await resp.text()
    for guess in range(site.settings.web.status_checks_per_case_per_hour - 1):
        async with http.post(f"/cases/{number}/verify", data={"csrf": csrf, "digits": f"{guess:04d}"}) as resp:
            assert resp.status == 403 and "key=" not in await resp.text()
    async with http.post(f"/cases/{number}/verify", data={"csrf": csrf, "digits": "5678"}, allow_redirects=False) as resp:
        assert resp.status == 429 and "Too many attempts" in await resp.text()


async def test_status_page_names_the_class_in_the_pages_language(http: ClientSession) -> None:
    csrf = await token(http)
    async with http.post("/report", data=form(csrf, text="人民路和解放路路口的污水井盖不见了", class_id="cp-0102"), allow_redirects=False) as resp:
        number, _ = received(resp.headers["Location"])
    async with http.get(f"/cases/{number}", params={"lang": "en"}) as resp:
        assert '<dd id="category">Manhole cover (sewer)</dd>' in await resp.text()
    async with http.get(f"/cases/{number}", params={"lang": "zh"}) as resp:
        assert '<dd id="category">污水井盖</dd>' in await resp.text()
