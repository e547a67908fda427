"""The call-assist screen: a call pops from pub/sub, suggestions appear while typing, the caller joins a case or reports anonymously."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from playwright.async_api import Browser, Page, expect
from redis import Redis

from classifier.tables import load_tables
from gateway.api.auth import new_api_key
from gateway.calls import CallEvent, publish_call_event
from tests.conftest import eventually
from tests.console.conftest import MakeUser, agent_page, signed_in_http
from tests.web.conftest import Site, count_cases, screenshots, serious_violations

CALLER = "+8613800001111"
JUNCTION = "解放路和中山路交叉口"


async def api_report(site: Site, **body: Any) -> dict[str, Any]:
    """A report through the public API, as a machine client sends one."""
    key = new_api_key()
    await site.store.add_api_key(f"test-{key[-6:]}", key, "client")
    async with ClientSession(site.url) as http:
        async with http.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {key}"}) as resp:
            assert resp.status in (200, 201), await resp.text()
            return await resp.json()


async def ring(site: Site, caller: str | None, call_id: int, kind: str = "handed_off", language: str = "zh") -> None:
    """Publish on the same pub/sub channel the SIP worker uses, until the agent's screen has subscribed."""
    redis = Redis.from_url(site.settings.redis_url or "")
    event = CallEvent(kind=kind, call_id=call_id, channel="sip", line="12319", caller=caller, language=language)  # type: ignore[arg-type]
    try:
        await eventually(lambda: publish_call_event(redis, event))
    finally:
        redis.close()


async def type_text(page: Page, text: str) -> None:
    await page.keyboard.press("Alt+T")
    await page.keyboard.type(text)


async def test_a_call_pops_suggests_and_the_caller_joins_the_case_nearby(browser: Browser, console: Site, make_user: MakeUser, out: Path) -> None:
    existing = await api_report(console, text="解放路和中山路交叉口的井盖不见了，车子差点掉进去", channel="web", address=JUNCTION)
    earlier = await api_report(console, text="小区门口的垃圾桶满了没人清运", channel="hotline", contact={"phone": CALLER})
    call = await console.store.call_started("sip", "call-1@test", line="12319", caller=CALLER, language="zh")
    page = await agent_page(browser, console, make_user)
    await expect(page.locator("#feed")).to_have_attribute("data-state", "live")

    await ring(console, CALLER, call.id)
    await expect(page.locator("#call-caller")).to_have_text(CALLER)
    await expect(page.locator("#call-line")).to_have_text("12319")
    await expect(page.locator("#call-language")).to_have_text("中文")
    await expect(page.locator("#history-reports")).to_contain_text(earlier["case_id"])
    await expect(page.locator("#history-open")).to_contain_text("小区门口的垃圾桶满了")
    await expect(page.locator("#caller")).to_have_value(CALLER)

    await type_text(page, "解放路和中山路交叉口的井盖没了，很危险")
    await expect(page.locator("#classes li")).to_have_count(3)
    first = page.locator("#classes li").first
    await expect(first).to_contain_text("井盖")
    await expect(first).to_contain_text("置信度")
    await expect(first.locator(".why")).to_contain_text("依据")
    await expect(page.locator("#place")).to_contain_text("单元网格")
    duplicate = page.locator(f"#nearby li[data-case='{existing['case_id']}']")
    await expect(duplicate).to_be_visible()
    assert await serious_violations(page) == []
    await screenshots(page, out, "assist-suggestions")

    before = await count_cases(console)
    await duplicate.locator("button.join").click()
    await ring(console, CALLER, call.id, kind="hung_up")
    await expect(page.locator("#call-state")).to_contain_text("已挂断")
    await expect(page.locator("#result-number")).to_have_text(existing["case_id"])
    await expect(page.locator("#result-detail")).to_contain_text("2")
    assert await count_cases(console) == before
    case = await console.store.case((await console.store.call(call.id)).case_id)  # type: ignore[union-attr, arg-type]
    assert case is not None and case.reports_count == 2
    async with console.store.transaction() as tx:
        joined = [r for r in await tx.reports_of_case(case.id) if r.channel == "hotline"]
    assert [r.contact["phone"] for r in joined if r.contact] == [CALLER]


async def test_an_anonymous_report_by_keyboard_gets_a_case_number(browser: Browser, console: Site, make_user: MakeUser, out: Path) -> None:
    page = await agent_page(browser, console, make_user, locale="en-GB")
    await page.goto("/console/?lang=en")
    await expect(page.locator("#feed")).to_have_attribute("data-state", "live")
    call = await console.store.call_started("twilio", "CA-anon", line="+12025550100", caller="+12025550123", language="en")
    await ring(console, "+12025550123", call.id, kind="ringing", language="en")
    await expect(page.locator("#call-caller")).to_have_text("+12025550123")
    await expect(page.locator("#call-language")).to_have_text("English")
    await type_text(page, "A street lamp on 人民路 is broken and dark all night")
    await expect(page.locator("#classes li")).to_have_count(3)
    shown = await page.locator("#classes li label").all_inner_texts()
    offered = [await page.get_attribute(f"#class-{i}", "value") for i in (1, 2, 3)]
    assert [s.rsplit(" (", 1)[0] for s in shown] == [load_tables().label(c, "en") for c in offered], "class names in English"
    await page.keyboard.press("Alt+1")
    await page.keyboard.press("Alt+N")
    await expect(page.locator("#anonymous")).to_be_checked()
    await page.keyboard.press("Alt+S")
    await expect(page.locator("#result-number")).to_have_text(re.compile(r"^\d{14,}$"))
    await expect(page.locator("#result-lead")).to_have_text("Received, case number:")
    await expect(page.locator("#result-detail")).to_have_text(re.compile(r"^Status now: (Categorised|Waiting for review|Passed to the platform)\. Read the number back to the caller\."))
    await ring(console, "+12025550199", call.id + 1, kind="voicemail_recorded", language="en")
    await expect(page.locator("#vm-note")).to_have_text("+12025550199 just left a voicemail; it waits in the voicemail queue.")
    row = await console.store.call(call.id)
    assert row is not None and row.case_id is not None
    assert (await page.text_content("#result-number") or "").endswith(str(row.case_id))
    async with console.store.transaction() as tx:
        (report,) = await tx.reports_of_case(row.case_id)
    assert report.channel == "hotline" and report.language == "en" and report.contact is None and report.reporter_key is None
    assert await serious_violations(page) == []
    await screenshots(page, out, "assist-result")


@pytest.mark.parametrize(("lang", "expected"), [("zh", "请描述问题"), ("en", "Please describe the problem")])
async def test_an_empty_report_is_refused_in_the_agents_language_and_stores_nothing(
    browser: Browser, console: Site, make_user: MakeUser, lang: str, expected: str
) -> None:
    page = await agent_page(browser, console, make_user)
    await page.goto(f"/console/?lang={lang}")
    before = await count_cases(console)
    await page.keyboard.press("Alt+S")
    await expect(page.locator("#form-error")).to_contain_text(expected)
    assert await count_cases(console) == before


@pytest.mark.parametrize(("body", "field", "said"), [
    ({"text": "路灯不亮", "caller": "not a number"}, "caller", "The caller's number is not a valid phone number"),
    ({"text": "路灯不亮", "class_id": "cp-9999"}, "class_id", "Unknown class cp-9999."),
    ({"text": "路灯不亮", "join": "20990101999999"}, None, "Case 20990101999999 not found."),
    ({"text": "路灯不亮", "language": "fr"}, "language", "Field language is invalid"),
])
async def test_a_bad_report_is_refused_with_a_message_and_stores_nothing(
    console: Site, make_user: MakeUser, body: dict[str, Any], field: str | None, said: str
) -> None:
    async with signed_in_http(console, *(await make_user("agent", language="en"))) as (http, token):
        async with http.post("/console/api/reports", json=body | {"submission": "test-bad-report"}, headers={"X-CSRF-Token": token}) as resp:
            answer = await resp.json()
            assert resp.status in (400, 404), answer
    assert answer["error"]["message"].startswith(said)
    assert answer["error"].get("field") == field
    assert await count_cases(console) == 0


async def test_an_owner_unknown_cover_is_offered_as_the_family_and_filed_so(browser: Browser, console: Site, make_user: MakeUser,
                                                                           out: Path) -> None:
    page = await agent_page(browser, console, make_user)
    await page.goto("/console/")
    await type_text(page, "人民路和解放路路口的井盖不见了，晚上很危险")
    first = page.locator("#classes li label").first
    await expect(first).to_contain_text("未说明权属")
    assert await page.get_attribute("#class-1", "value") == "fam-manhole-cover"
    await page.keyboard.press("Alt+1")
    await page.keyboard.press("Alt+N")
    await page.keyboard.press("Alt+S")
    await expect(page.locator("#result-number")).to_have_text(re.compile(r"^\d{14,}$"))
    number = await page.text_content("#result-number") or ""
    case = await console.store.case(int(number[8:]))
    assert case is not None
    assert (case.class_id, case.class_precision, case.class_family) == ("cp-0114", "family", "fam-manhole-cover")
    assert await serious_violations(page) == []
    await screenshots(page, out, "assist-family")


async def test_a_letter_with_two_problems_shows_the_further_one(browser: Browser, console: Site, make_user: MakeUser) -> None:
    page = await agent_page(browser, console, make_user)
    await page.goto("/console/")
    await type_text(page, "东门外的路灯已经坏了一个多月，一到晚上门口黑乎乎的。另外，东门口的人行道上每天晚上都有人摆摊烧烤，油烟熏得我们不敢开窗。")
    await expect(page.locator("#also")).to_be_visible()
    await expect(page.locator("#also")).to_contain_text("还反映了")
    assert await serious_violations(page) == []
