"""Cases in the console: found by a caller's number, seen whole (reports, photos, recording, class, deliveries, timeline),
reclassified, voided, merged along the chain of earlier merges or kept apart."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from playwright.async_api import Browser, Page, expect

from gateway.api.auth import new_api_key
from gateway.delivery.sender import Deliverer
from gateway.media import MediaStore
from gateway.queueing import make_queue
from gateway.api.cases import load_case
from tests.console.conftest import MakeUser, agent_page, signed_in_http
from tests.console.test_call_assist import JUNCTION, api_report, ring
from tests.console.test_voicemails import tone_wav
from tests.core.test_full_pipeline import MANY_OCCUPIERS
from tests.core.test_media_api import noise_png
from tests.support.receiver import Receiver
from tests.web.conftest import DESKTOP, PHONE, Site, screenshots, serious_violations

CALLER = "+8613900004444"


async def upload_photo(site: Site) -> str:
    """A photo through the API, as a machine client uploads one: its /media/ address."""
    key = new_api_key()
    await site.store.add_api_key(f"photo-{key[-6:]}", key, "client")
    async with ClientSession(site.url) as http:
        async with http.post("/api/v1/media", data=noise_png(64, 48), headers={"Authorization": f"Bearer {key}", "Content-Type": "image/png"}) as resp:
            assert resp.status in (200, 201), await resp.text()
            return str((await resp.json())["url"])


async def deliver_all(site: Site) -> None:
    """Deliver every pending outbox row, as a worker would."""
    deliverer = Deliverer(site.settings, site.store, make_queue(site.settings))
    try:
        for row in await site.store.deliveries(status="pending"):
            await deliverer.deliver(row.id)
    finally:
        await deliverer.close()


async def callers_case(site: Site) -> dict[str, Any]:
    photo = await upload_photo(site)
    recording = MediaStore(site.settings.media_dir).save_recording(tone_wav(0.4), "audio/wav")
    return await api_report(site, text="解放路和中山路交叉口的井盖不见了，车子差点掉进去", channel="hotline", address=JUNCTION,
                            contact={"phone": CALLER, "consent_updates": True},
                            media=[{"url": photo, "content_type": "image/png"},
                                   {"url": f"{site.url}/console/recordings/{recording.name}", "content_type": "audio/wav"}])


async def clean_at_both_widths(page: Page) -> None:
    """axe-core finds nothing serious at phone and desktop width."""
    for size in (DESKTOP, PHONE):
        await page.set_viewport_size(size)
        assert await serious_violations(page) == []


async def find_by_phone(page: Page, phone: str) -> None:
    await page.goto("/console/cases")
    await page.fill("#q-phone", phone)
    async with page.expect_navigation():
        await page.click("#case-search button[type=submit]")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
async def test_an_agent_finds_the_callers_earlier_case_and_sees_it_whole(
    browser: Browser, console: Site, make_user: MakeUser, out: Path, locale: str
) -> None:
    earlier = await callers_case(console)
    await api_report(console, text="人民路上的路灯不亮了", channel="web")
    letter = await api_report(console, text=MANY_OCCUPIERS, channel="web")
    await deliver_all(console)
    page = await agent_page(browser, console, make_user, locale=locale)
    en = locale.startswith("en")

    await find_by_phone(page, "139 0000 4444")  # the caller's number as the agent types it
    rows = page.locator("#cases tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(earlier["case_id"])
    await expect(page.locator("#results-count")).to_contain_text("1 cases" if en else "共 1 件")
    await clean_at_both_widths(page)
    await screenshots(page, out, f"case-list-{locale}")

    async with page.expect_navigation():
        await rows.first.locator("a").click()
    await expect(page.locator("#case-number")).to_contain_text(earlier["case_id"])
    await expect(page.locator("#case-text")).to_contain_text("井盖不见了")
    report = page.locator("#report-1")
    await expect(report).to_contain_text("12319 hotline" if en else "12319热线")
    await expect(report.locator(".phone")).to_have_text("+*********4444")  # agents read the last four digits only
    await expect(report).to_contain_text("administrators only" if en else "仅管理员可见")
    photo = report.locator(".photos img")
    await expect(photo).to_have_count(1)
    assert await photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 64
    audio = report.locator("audio")
    src = await audio.get_attribute("src")
    assert src is not None and src.startswith("/console/recordings/")
    played = await page.request.get(src)
    assert played.status == 200 and played.headers["content-type"] == "audio/wav"
    await expect(page.locator("#case-class")).to_contain_text("Manhole" if en else "井盖")
    await expect(page.locator("#class-precision")).to_contain_text("not the owner" if en else "未说明权属")
    await expect(page.locator("#class-reasons li").first).to_be_visible()
    await expect(page.locator("#deliveries")).to_contain_text("city")
    await expect(page.locator("#deliveries")).to_contain_text("delivered" if en else "已送达")
    await expect(page.locator("#timeline")).to_contain_text("Created" if en else "创建")
    await expect(page.locator("#timeline")).to_contain_text("Sent to city" if en else "转送到平台 city")
    await expect(page.locator("#timeline")).not_to_contain_text("{")  # sentences, not JSON
    await expect(page.locator("select[name=class_id][data-class-picker] optgroup").first).to_be_attached()
    assert await page.locator("select[name=class_id] option").first.get_attribute("value") == ""
    await clean_at_both_widths(page)
    await screenshots(page, out, f"case-page-{locale}")

    admin = await agent_page(browser, console, make_user, role="admin", locale=locale)
    await admin.goto(f"/console/cases/{earlier['case_id']}")
    await expect(admin.locator("#report-1 .phone")).to_have_text(CALLER)

    await page.goto(f"/console/cases/{letter['case_id']}")  # sure of the department only
    await expect(page.locator("#class-precision")).to_contain_text("major class “Street order” is sure" if en else "只能确定大类“街面秩序”")


async def test_searches_by_words_place_class_status_and_date_and_pages_through(browser: Browser, console: Site, make_user: MakeUser) -> None:
    cover = await api_report(console, text="解放路和中山路交叉口的井盖不见了", channel="web", address=JUNCTION, class_id="cp-0114")
    for i in range(26):
        await api_report(console, text=f"第{i}号楼下的垃圾桶满了没人清运", channel="api", class_id="ev-2013-0110")
    page = await agent_page(browser, console, make_user)
    await page.goto("/console/cases?words=井盖不见")
    await expect(page.locator("#cases tbody tr")).to_have_count(1)
    await page.goto("/console/cases?place=中山路&class_id=cp-0114")
    await expect(page.locator(f"#cases tr[data-case='{cover['case_id']}']")).to_have_count(1)
    await page.goto("/console/cases?words=垃圾桶&channel=api")
    await expect(page.locator("#cases tbody tr")).to_have_count(25)
    await expect(page.locator("#results-count")).to_contain_text("共 26 件")
    async with page.expect_navigation():
        await page.click("#page-older")
    await expect(page.locator("#cases tbody tr")).to_have_count(1)
    await expect(page.locator("#cases tbody")).to_contain_text("第0号楼")
    await clean_at_both_widths(page)

    response = await page.goto("/console/cases?since=2026-13-40&status=nonsense")
    assert response is not None and response.status == 400
    await expect(page.locator("#q-since-error")).to_contain_text("2026-13-40")
    await expect(page.locator("#q-status-error")).to_contain_text("nonsense")
    await clean_at_both_widths(page)


async def test_a_junk_report_is_voided_with_a_reason_and_the_platform_is_told(
    browser: Browser, console: Site, make_user: MakeUser, out: Path, receiver: Receiver
) -> None:
    junk = await api_report(console, text="x x x 测试电话", channel="hotline", class_id="ev-2013-0110")
    await deliver_all(console)
    username, password = await make_user("agent")
    async with signed_in_http(console, username, password) as (http, csrf):
        async with http.post(f"/console/cases/{junk['case_id']}", data={"csrf": csrf, "action": "void", "reason": "  "}) as resp:
            assert resp.status == 400
            assert "请写明作废的原因" in await resp.text()
    assert (await load_case(console.store, junk["case_id"])).status == "forwarded"

    page = await agent_page(browser, console, make_user)
    await page.goto(f"/console/cases/{junk['case_id']}")
    await page.fill("#reason", "测试电话，不是问题")
    async with page.expect_navigation():
        await page.click("#void-submit")
    await expect(page.locator("#notice")).to_contain_text(f"案件 {junk['case_id']} 已作废")
    await expect(page.locator("#case-status")).to_have_text("作废")
    await expect(page.locator("#timeline")).to_contain_text("原因：测试电话，不是问题")
    await expect(page.locator("#void-form")).to_have_count(0)
    await clean_at_both_widths(page)
    await screenshots(page, out, "case-voided")

    await deliver_all(console)
    told = [r.payload for r in receiver.received if r.event == "case.updated"]
    assert [p["status"] for p in told] == ["voided"]
    async with signed_in_http(console, username, password) as (http, csrf):
        async with http.post(f"/console/cases/{junk['case_id']}", data={"csrf": csrf, "action": "void", "reason": "again"}) as resp:
            assert resp.status == 409
            said = await resp.text()
    assert f"案件 {junk['case_id']} 已是“作废”状态，不能作废" in said


async def test_the_class_is_changed_on_the_case_page_and_kept_as_a_correction(browser: Browser, console: Site, make_user: MakeUser) -> None:
    case = await api_report(console, text="解放路和中山路交叉口的井盖不见了", channel="web", address=JUNCTION)
    page = await agent_page(browser, console, make_user, locale="en-US")
    await page.goto(f"/console/cases/{case['case_id']}")
    async with page.expect_navigation():
        await page.click("#class-form button[type=submit]")  # nothing chosen
    await expect(page.locator("#case-error")).to_contain_text("Choose a class first")
    combo = page.locator("#class-form").get_by_role("combobox")  # the class picker over the select
    await combo.fill("ev-2013-0110")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowUp")
    await page.keyboard.press("Enter")
    assert await page.locator("#class_id").input_value() == "ev-2013-0110"
    async with page.expect_navigation():
        await page.click("#class-form button[type=submit]")
    await expect(page.locator("#notice")).to_contain_text(case["case_id"])
    await expect(page.locator("#case-class")).to_contain_text("an agent")
    (correction,) = await console.store.corrections()
    assert correction.class_id == "ev-2013-0110" and correction.actor.startswith("agent:")
    await clean_at_both_widths(page)


async def merged_pair(site: Site) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Case 1, case 2 merged into it, and case 3 held as a possible repeat of case 2 (as before that merge)."""
    first = await api_report(site, text="解放路和中山路交叉口的井盖不见了", channel="web", address=JUNCTION, class_id="cp-0114")
    second = await api_report(site, text="人民路上的路灯不亮了", channel="hotline")
    third = await api_report(site, text="新华桥下的护栏被撞坏了", channel="web")
    assert len({first["case_id"], second["case_id"], third["case_id"]}) == 3
    ids = {n: (await load_case(site.store, c["case_id"])).id for n, c in (("1", first), ("2", second), ("3", third))}
    async with site.store.transaction() as tx:
        held = await tx.case(ids["3"], for_update=True)
        assert held is not None
        held.status, held.review_reason, held.possible_duplicate_of = "needs_review", "possible_duplicate", ids["2"]
    async with site.store.transaction() as tx:
        merged = await tx.case(ids["2"], for_update=True)
        assert merged is not None
        merged.status, merged.merged_into, merged.reports_count = "merged", ids["1"], 0
    return first, second, third


async def test_a_repeat_of_a_merged_case_is_merged_into_the_case_that_kept_the_reports(browser: Browser, console: Site, make_user: MakeUser) -> None:
    first, second, third = await merged_pair(console)
    page = await agent_page(browser, console, make_user)
    await page.goto("/console/review")
    article = page.locator(f"#case-{third['case_id']}")
    await expect(article).to_contain_text(first["case_id"])  # the end of the chain, not the merged case
    async with page.expect_navigation():
        await article.locator("button.merge").click()
    await expect(page.locator("#notice")).to_contain_text(first["case_id"])
    kept = await load_case(console.store, first["case_id"])
    assert kept.reports_count == 2

    await page.goto(f"/console/cases/{third['case_id']}")
    await expect(page.locator("#merged-into")).to_contain_text(first["case_id"])
    async with page.expect_navigation():
        await page.click("#merged-into a")
    await expect(page.locator("#case-number")).to_contain_text(first["case_id"])
    await expect(page.locator("#reports")).to_contain_text(third["case_id"])  # the report that came from case 3


async def test_a_merge_refused_names_case_numbers_and_statuses_in_words(browser: Browser, console: Site, make_user: MakeUser) -> None:
    first, second, third = await merged_pair(console)
    await console.callback(first["case_id"], "closed")
    page = await agent_page(browser, console, make_user, locale="en-US")
    await page.goto(f"/console/cases/{third['case_id']}")
    await page.fill("#into", second["case_id"])
    async with page.expect_navigation():
        await page.click("#merge-submit")
    error = page.locator("#case-error")
    await expect(error).to_have_text(f"Case {first['case_id']} is Closed and cannot be merged.")
    await clean_at_both_widths(page)


async def test_not_a_repeat_keeps_the_case_apart_and_sends_it_on(browser: Browser, console: Site, make_user: MakeUser) -> None:
    _, _, third = await merged_pair(console)
    page = await agent_page(browser, console, make_user)
    await page.goto("/console/review")
    async with page.expect_navigation():
        await page.locator(f"#case-{third['case_id']} button.keep-apart").click()
    await expect(page.locator("#notice")).to_contain_text(third["case_id"])
    await expect(page.locator(f"#case-{third['case_id']}")).to_have_count(0)
    case = await load_case(console.store, third["case_id"])
    assert case.status == "forwarded" and case.possible_duplicate_of is None
    await page.goto(f"/console/cases/{third['case_id']}")
    await expect(page.locator("#timeline")).to_contain_text("不是重复")


async def test_a_merged_cases_public_page_says_where_its_reports_went(browser: Browser, console: Site) -> None:
    first, second, _ = await merged_pair(console)
    for locale, words in (("zh-CN", "已合并到案件"), ("en-US", "merged into case")):
        context = await browser.new_context(locale=locale, base_url=console.url)
        page = await context.new_page()
        await page.goto(f"/cases/{second['case_id']}")
        await expect(page.locator(f"#reports-count a[href='/cases/{first['case_id']}']")).to_be_visible()
        await expect(page.locator("main")).to_contain_text(words)
        await clean_at_both_widths(page)
        await context.close()



async def test_from_a_call_the_agent_opens_the_callers_earlier_case_and_merges_it(browser: Browser, console: Site, make_user: MakeUser) -> None:
    earlier = await callers_case(console)
    other = await api_report(console, text="人民路上的路灯不亮了", channel="web")
    call = await console.store.call_started("sip", "call-cases@test", line="12319", caller=CALLER, language="zh")
    page = await agent_page(browser, console, make_user)
    await expect(page.locator("#feed")).to_have_attribute("data-state", "live")
    await ring(console, CALLER, call.id)
    link = page.locator(f"#history-reports a[href='/console/cases/{earlier['case_id']}']")
    await expect(link).to_be_visible()
    async with page.expect_navigation():
        await link.click()
    await expect(page.locator("#case-number")).to_contain_text(earlier["case_id"])
    await expect(page.locator("#report-1 .photos img")).to_have_count(1)
    await expect(page.locator("#timeline li").first).to_be_visible()
    await page.fill("#into", other["case_id"])
    async with page.expect_navigation():
        await page.click("#merge-submit")
    await expect(page.locator("#notice")).to_have_text(f"案件 {earlier['case_id']} 已合并到案件 {other['case_id']}。")
    await expect(page.locator("#case-status")).to_have_text("已合并")
    assert (await load_case(console.store, other["case_id"])).reports_count == 2
