"""The review queue: one-click class decisions recorded as corrections, and possible duplicates merged."""
from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from gateway.api.cases import load_case

from tests.console.conftest import MakeUser, agent_page
from tests.console.test_call_assist import JUNCTION, api_report
from tests.web.conftest import Site, screenshots, serious_violations


async def test_a_class_decision_is_recorded_as_a_correction(browser: Browser, console: Site, make_user: MakeUser, out: Path) -> None:
    unsure = await api_report(console, text="请尽快派人过来看一下这个情况", channel="web")
    assert unsure["needs_review"]
    page = await agent_page(browser, console, make_user)
    await page.goto("/console/review")
    article = page.locator(f"#case-{unsure['case_id']}")
    await expect(article).to_contain_text("请尽快派人过来看一下这个情况")
    assert await serious_violations(page) == []
    await screenshots(page, out, "review")

    pick = article.locator("button.pick").first
    chosen = await pick.get_attribute("value")
    await pick.click()
    await expect(page.locator("#notice")).to_contain_text(unsure["case_id"])
    await expect(page.locator(f"#case-{unsure['case_id']}")).to_have_count(0)
    (correction,) = await console.store.corrections()
    assert (correction.class_id, correction.predicted_class_id, correction.text) == (chosen, None, "请尽快派人过来看一下这个情况")
    assert correction.actor.startswith("agent:agent-")
    case = await console.store.case(correction.case_id)
    assert case is not None and case.class_id == chosen and case.class_source == "agent" and case.status == "forwarded"


async def test_a_matter_outside_city_management_waits_with_its_reason(browser: Browser, console: Site, make_user: MakeUser) -> None:
    from tests.core.test_full_pipeline import WAGES_OWED

    outside = await api_report(console, text=WAGES_OWED, channel="web")
    assert outside["needs_review"]
    for locale, reason in (("zh-CN", "可能不属于城市管理事项"), ("en-US", "may lie outside city management")):
        page = await agent_page(browser, console, make_user, locale=locale)
        await page.goto("/console/review")
        await expect(page.locator(f"#case-{outside['case_id']}")).to_contain_text(reason)


async def test_a_possible_duplicate_is_merged_in_one_click(browser: Browser, console: Site, make_user: MakeUser) -> None:
    first = await api_report(console, text="解放路和中山路交叉口的井盖不见了", channel="web", address=JUNCTION, class_id="cp-0114")
    # the same major class at the same place (a kerb grate by a manhole cover), a text only half alike: held for
    # review, not joined
    second = await api_report(console, text="井盖旁边的雨水箅子被树叶和塑料袋堵住了，下雨就积水", channel="web", address=JUNCTION,
                              class_id="cp-0104")
    repeat = await load_case(console.store, second["case_id"])
    assert repeat.review_reason == "possible_duplicate", second
    page = await agent_page(browser, console, make_user)
    await page.goto("/console/review")
    article = page.locator(f"#case-{second['case_id']}")
    await expect(article).to_contain_text(first["case_id"])
    await article.locator("button.merge").click()
    await expect(page.locator("#notice")).to_contain_text(first["case_id"])
    merged = await console.store.case(repeat.id)
    target = await load_case(console.store, first["case_id"])
    assert merged is not None and merged.status == "merged" and merged.merged_into == target.id and target.reports_count == 2
