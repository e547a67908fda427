"""Rules in the console: an administrator's new version, tried live, activated, changes the class an agent sees in
another browser at once; roll-back undoes it; a bad rule is refused and nothing is stored."""
from __future__ import annotations

import json

from playwright.async_api import Browser, Page

from tests.console.admin.conftest import admin_page
from tests.console.conftest import MakeUser, agent_page
from tests.web.conftest import Site

TEXT = "人民路井盖不见了"
MODEL_CLASS, RULE_CLASS = "fam-manhole-cover", "cp-0118"  # an owner-unknown cover is offered as its family
RULE = [{"id": "manhole-as-streetlight", "class_id": RULE_CLASS, "any_of": ["井盖"], "action": "force"}]


async def agent_top_class(page: Page, text: str) -> str:
    """Type a complaint on the agent's screen; the first class it suggests."""
    before = await page.get_attribute("main", "data-suggested")
    await page.fill("#text", text)
    await page.wait_for_function("before => document.querySelector('main').dataset.suggested !== before", arg=before)
    value = await page.get_attribute("#classes input[name=class_id]", "value")
    assert value
    return value


async def test_a_rule_change_reaches_an_agent_in_another_browser_and_rolls_back(browser: Browser, console: Site, make_user: MakeUser) -> None:
    first = await console.store.add_rule_set([], "seed", "no rules")
    await console.store.activate_rule_set(first.version, "seed")
    agent = await agent_page(browser, console, make_user)
    assert await agent_top_class(agent, TEXT) == MODEL_CLASS

    admin = await admin_page(browser, console, make_user, "/console/admin/rules")
    await admin.click("#rules-json summary")
    await admin.fill("#rules", json.dumps(RULE, ensure_ascii=False))
    await admin.fill("#sample", TEXT)
    await admin.wait_for_selector(f"#tried-class:has-text('{RULE_CLASS}')")  # the test box answers as the administrator types
    assert RULE[0]["id"] in await admin.inner_text("#tried-rules")
    assert await agent_top_class(agent, TEXT + "。") == MODEL_CLASS, "trying a draft changes nothing for agents"

    await admin.check("#activate")
    await admin.fill("#comment", "井盖按路灯派")
    async with admin.expect_navigation():
        await admin.click("#rules-form button[type=submit].primary")
    assert admin.url.endswith(f"/console/admin/rules/{first.version + 1}")
    diff = await admin.inner_text("#diff")
    assert f'+    "id": "{RULE[0]["id"]}",' in diff and "--- v1" in diff
    assert await agent_top_class(agent, TEXT + "！") == RULE_CLASS, "the agent's next suggestion follows the new rules"

    await admin.goto("/console/admin/rules")
    async with admin.expect_navigation():
        await admin.click(f"#version-{first.version} button")
    assert "v1" in await admin.inner_text("#notice")
    assert await agent_top_class(agent, TEXT + "？") == MODEL_CLASS, "rolled back"
    audit = [(a.action, a.actor) for a in await console.store.audit_of("rules", first.version)]
    assert ("activated", audit[-1][1]) == audit[-1] and audit[-1][1].startswith("console:admin-")
    await agent.context.close()
    await admin.context.close()


async def test_a_bad_rule_is_refused_in_the_readers_language_and_nothing_is_stored(browser: Browser, console: Site, make_user: MakeUser) -> None:
    for locale, language, expected in (("zh-CN", "zh", "未知的分类 no-such-class"), ("en-GB", "en", "unknown class no-such-class")):
        page = await admin_page(browser, console, make_user, "/console/admin/rules", locale=locale, language=language)
        await page.click("#rules-json summary")
        await page.fill("#rules", json.dumps([{"id": "x", "class_id": "no-such-class", "any_of": ["井盖"]}]))
        async with page.expect_navigation():
            await page.click("#rules-form button[type=submit].primary")
        assert expected in await page.inner_text("#rules-error")
        assert "no-such-class" in await page.input_value("#rules"), "the text is kept for fixing"
        await page.fill("#rules", "[{")
        async with page.expect_navigation():
            await page.click("#rules-form button[type=submit].primary")
        assert await page.inner_text("#rules-error") == ("规则不是有效的 JSON。" if language == "zh" else "The rules are not valid JSON.")
        await page.context.close()
    assert await console.store.rule_sets() == []


async def test_the_test_box_works_without_scripts(browser: Browser, console: Site, make_user: MakeUser) -> None:
    page = await admin_page(browser, console, make_user, "/console/admin/rules", locale="en-GB", language="en", javascript=False)
    await page.click("#rules-json summary")
    await page.fill("#rules", json.dumps(RULE, ensure_ascii=False))
    await page.fill("#sample", TEXT)
    async with page.expect_navigation():
        await page.click("#try-button")
    assert await page.inner_text("#tried-class") == f"Street light {RULE_CLASS}"
    assert RULE[0]["id"] in await page.input_value("#rules"), "the draft is kept"
    await page.fill("#sample", "")
    async with page.expect_navigation():
        await page.click("#try-button")
    assert await page.inner_text("#try-error") == "Type a sample complaint."
    assert await console.store.rule_sets() == [], "trying stores nothing"
    await page.context.close()
