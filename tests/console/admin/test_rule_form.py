"""Rules as a form: an administrator writes, tries, saves, changes and removes a rule without touching JSON; a regular
expression that could backtrack catastrophically, one too long, or a priority out of bounds is refused with a message."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.console.admin.conftest import admin_page
from tests.console.conftest import MakeUser, signed_in_http
from tests.web.conftest import Site, screenshots, serious_violations

LAMP = "cp-0118"
TEXT = "人民路井盖不见了"


@pytest.mark.parametrize(("locale", "language", "search", "fired"), [("zh-CN", "zh", "路灯", "触发的规则"), ("en-GB", "en", "street light", "Rules that fired")])
async def test_an_administrator_writes_a_rule_in_fields_and_it_takes_effect(
    browser: Browser, console: Site, make_user: MakeUser, out: Path, locale: str, language: str, search: str, fired: str
) -> None:
    page = await admin_page(browser, console, make_user, "/console/admin/rules", locale=locale, language=language)
    new = page.locator("#rule-0")
    await new.get_by_label("规则编号" if language == "zh" else "Rule id").fill("cover-as-lamp")
    combo = new.get_by_role("combobox")
    await combo.fill(search)
    await new.locator(f"[role=option][data-value={LAMP}]").click()
    await expect(combo).to_have_attribute("aria-expanded", "false")
    await page.fill("#r0-any_of", "井盖、盖子")
    await page.fill("#r0-none_of", "已修好")
    await page.check("#r0-ch-hotline")
    await page.check("#r0-ch-web")
    await page.fill("#r0-priority", "10")
    await page.check("#r0-action-force")
    await page.fill("#sample", TEXT)
    await page.select_option("#sample-channel", "hotline")
    await expect(page.locator("#tried-rules")).to_contain_text("cover-as-lamp")  # the test box follows the fields
    await expect(page.locator("#try-result")).to_contain_text(fired)
    await page.click("#rule-examples summary")
    await expect(page.locator("#rule-examples")).to_contain_text("井盖.{0,5}")
    assert await serious_violations(page) == []
    await screenshots(page, out, f"rule-form-{language}")
    await page.check("#activate")
    async with page.expect_navigation():
        await page.click("#rules-form button[type=submit].primary")
    (saved,) = await console.store.rule_sets()
    assert saved.active and saved.rules == [{
        "id": "cover-as-lamp", "class_id": LAMP, "all_of": [], "any_of": ["井盖", "盖子"], "none_of": ["已修好"], "regex": None,
        "priority": 10, "channels": ["hotline", "web"], "action": "force", "boost": 0.0, "enabled": True}]

    await page.goto("/console/admin/rules")  # the saved rule is a group of fields; the JSON view says the same
    await expect(page.locator("#r0-id")).to_have_value("cover-as-lamp")
    await expect(page.locator("#rule-0").get_by_role("combobox")).to_have_value(re.compile("路灯" if language == "zh" else "light", re.I))
    await expect(page.locator("#r0-ch-hotline")).to_be_checked()
    await expect(page.locator("#r0-none_of")).to_have_value("已修好")
    await page.fill("#r0-priority", "20")
    await page.check("#r0-action-boost")
    await page.fill("#r0-boost", "0.3")
    async with page.expect_navigation():
        await page.click("#rules-form button[type=submit].primary")
    changed = max(await console.store.rule_sets(), key=lambda v: v.version)
    assert [(r["priority"], r["action"], r["boost"]) for r in changed.rules] == [(20, "boost", 0.3)]

    await page.goto("/console/admin/rules")
    await page.check("#r0-remove")
    async with page.expect_navigation():
        await page.click("#rules-form button[type=submit].primary")
    assert max(await console.store.rule_sets(), key=lambda v: v.version).rules == []
    await page.context.close()


@pytest.mark.parametrize(("lang", "fields", "said"), [
    ("zh", {"r0.regex": "(a+)+$"}, "嵌套的重复"),
    ("en", {"r0.regex": "(a*)*$"}, "could take very long to match"),
    ("en", {"r0.regex": "井" * 201}, "too long (limit 200 characters)"),
    ("zh", {"r0.priority": "5000"}, "优先级须为 -1000 到 1000 之间的整数"),
    ("en", {"r0.priority": "ten"}, "the priority must be a whole number from -1000 to 1000"),
    ("en", {"r0.action": "boost", "r0.boost": "0"}, "a boost rule needs a boost above 0"),
])
async def test_a_bad_rule_in_the_fields_is_refused_with_a_message_and_nothing_is_stored(
    console: Site, make_user: MakeUser, lang: str, fields: dict[str, str], said: str
) -> None:
    form = {"count": "1", "r0.id": "bad", "r0.class_id": LAMP, "r0.any_of": "井盖", "r0.action": "force", "r0.enabled": "1",
            "rules": "[]\n", "rules_shown": "[]\n", "comment": ""} | fields
    async with signed_in_http(console, *(await make_user("admin", language=lang))) as (http, token):
        async with http.post("/console/admin/rules", data=form | {"csrf": token}) as resp:
            page = await resp.text()
            assert resp.status == 400
    error = re.search(r'id="rules-error">([^<]+)<', page)
    assert error and said in error.group(1), page[:200]
    assert 'value="bad"' in page, "the fields are shown again as typed"
    assert await console.store.rule_sets() == []
