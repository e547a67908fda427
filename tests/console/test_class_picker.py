"""The class picker: a searchable list of every class (names, major classes, families, pinyin), on every
`<select data-class-picker>` of a page, by keyboard, with nothing chosen until the agent chooses."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from channels.web.console.class_picker import class_index, picker_data, pinyin_keys
from classifier.families import load_families
from classifier.tables import load_tables
from tests.console.conftest import MakeUser, agent_page, login
from tests.console.test_call_assist import api_report
from tests.web.conftest import Site, count_cases, open_page, screenshots, serious_violations

GAS_COVER = "cp-0111"
UNSURE = "请尽快派人过来看一下这个情况"


def test_pinyin_keys_are_the_initials_and_the_whole_reading() -> None:
    assert pinyin_keys("燃气井盖") == "rqjg ranqijinggai"


def test_every_class_is_found_by_its_family_and_major_class_in_both_languages() -> None:
    index = {c["id"]: c for c in class_index(load_tables(), load_families())}
    assert len(index) == len(load_tables().classes())
    cover = index[GAS_COVER]
    assert cover["family"] == {"zh": "井盖", "en": "Manhole cover"} and cover["major"]["zh"]
    for word in ("燃气", "井盖", "rqjg", "ranqi", "gas", cover["major"]["zh"], cover["major"]["en"].lower()):
        assert word in cover["search"], word
    members = {cid for cid, c in index.items() if "井盖" in c["family"]["zh"]}
    assert members == set(load_families().get("fam-manhole-cover").members)  # type: ignore[union-attr]
    english = {c["id"]: c for c in picker_data(load_tables(), "en")["classes"]}
    assert english[GAS_COVER]["name"] == "Manhole cover (gas)" and english[GAS_COVER]["family"] == "Manhole cover"


async def options(page: Page, picker: str) -> list[str]:
    return await page.locator(f"{picker} [role=option]").evaluate_all("nodes => nodes.map(n => n.dataset.value)")


@pytest.mark.parametrize(("locale", "query", "said"), [("zh-CN", "rqjg", "燃气井盖"), ("en-GB", "gas manhole", "Manhole cover (gas)")])
async def test_an_agent_finds_a_class_by_typing_and_sets_it_by_keyboard(
    browser: Browser, console: Site, make_user: MakeUser, out: Path, locale: str, query: str, said: str
) -> None:
    unsure = await api_report(console, text=UNSURE, channel="web")
    other = await api_report(console, text=UNSURE + "。", channel="web")
    page = await agent_page(browser, console, make_user, locale=locale)
    await page.goto("/console/review")
    pickers = page.locator(".class-picker[data-ready=true]")
    await expect(pickers).to_have_count(2)  # every select of the page is enhanced
    article = page.locator(f"#case-{unsure['case_id']}")
    combo = article.get_by_role("combobox")
    await expect(combo).to_have_value("")  # nothing chosen to begin with
    assert await article.locator("select[name=class_id]").input_value() == ""
    label = await article.locator("label", has_text="其他分类" if locale == "zh-CN" else "Another class").get_attribute("for")
    assert label == await combo.get_attribute("id"), "the select's label now names the combobox"

    await combo.click()
    await page.keyboard.type(query)
    box = f"#case-{unsure['case_id']} .class-picker"
    await expect(page.locator(f"{box} [role=listbox]")).to_be_visible()
    await expect(combo).to_have_attribute("aria-expanded", "true")
    assert (await options(page, box))[0] == GAS_COVER
    await expect(page.locator(f"{box} [role=option]").first).to_contain_text(said)
    assert await serious_violations(page) == []
    await screenshots(page, out, f"picker-{locale}")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowUp")
    await expect(combo).to_have_attribute("aria-activedescendant", await page.locator(f"{box} [role=option]").first.get_attribute("id") or "")
    await page.keyboard.press("Enter")  # picks; does not send the form
    await expect(combo).to_have_value(said)
    await expect(combo).to_have_attribute("aria-expanded", "false")
    assert await article.locator("select[name=class_id]").input_value() == GAS_COVER
    assert await page.locator(f"#case-{other['case_id']} select[name=class_id]").input_value() == ""

    await article.locator(".decision.other button[type=submit]").click()
    await expect(page.locator("#notice")).to_contain_text(unsure["case_id"])
    case = await console.store.case(int(unsure["case_id"][8:]))
    assert case is not None and case.class_id == GAS_COVER and case.class_source == "agent"


async def test_a_family_lists_its_members_and_none_is_taken_by_default(browser: Browser, console: Site, make_user: MakeUser) -> None:
    unsure = await api_report(console, text=UNSURE, channel="web")
    page = await agent_page(browser, console, make_user)
    await page.goto("/console/review")
    article = page.locator(f"#case-{unsure['case_id']}")
    combo = article.get_by_role("combobox")
    await combo.fill("井盖")
    box = f"#case-{unsure['case_id']} .class-picker"
    members = set(load_families().get("fam-manhole-cover").members)  # type: ignore[union-attr]
    await expect(page.locator(f"{box} [role=option]")).to_have_count(len(members))
    assert set(await options(page, box)) == members
    await page.keyboard.press("Escape")
    await expect(page.locator(f"{box} [role=listbox]")).to_be_hidden()
    await article.locator(".decision.other button[type=submit]").click()  # typed but not chosen: no class
    await expect(page.locator(f"#case-{unsure['case_id']}-error")).to_have_text("请先选择一个分类。")
    case = await console.store.case(int(unsure["case_id"][8:]))
    assert case is not None and case.status == "needs_review" and await console.store.corrections() == []


async def test_without_scripts_the_list_starts_empty_and_still_works(browser: Browser, console: Site, make_user: MakeUser) -> None:
    unsure = await api_report(console, text=UNSURE, channel="web")
    page = await open_page(browser, console, javascript=False)
    await login(page, *(await make_user("agent")), next_path="/console/review")
    select = page.locator(f"#case-{unsure['case_id']} select[name=class_id]")
    assert await select.input_value() == ""
    await select.select_option(GAS_COVER)
    await page.locator(f"#case-{unsure['case_id']} .decision.other button[type=submit]").click()
    await expect(page.locator("#notice")).to_contain_text(unsure["case_id"])


@pytest.mark.parametrize(("locale", "query", "refused"), [("zh-CN", "rqjg", "请先选择一个分类。"), ("en-GB", "gas manhole", "Choose a class first.")])
async def test_call_assist_files_another_class_found_in_the_picker(
    browser: Browser, console: Site, make_user: MakeUser, locale: str, query: str, refused: str
) -> None:
    page = await agent_page(browser, console, make_user, locale=locale)
    await page.goto(f"/console/?lang={locale[:2]}")
    await page.keyboard.press("Alt+T")
    await page.keyboard.type("人民路上有个井盖松了，踩上去会响")
    await expect(page.locator("#classes li")).to_have_count(3)
    await page.keyboard.press("Alt+O")  # the picker, and "another class" chosen
    await expect(page.locator("#class-other")).to_be_checked()
    await page.keyboard.press("Alt+N")
    await page.keyboard.press("Control+Enter")  # nothing picked yet: refused, nothing filed
    await expect(page.locator("#form-error")).to_have_text(refused)
    assert await count_cases(console) == 0
    combo = page.locator(".other-class").get_by_role("combobox")
    await combo.focus()
    await page.keyboard.type(query)
    await expect(page.locator(".other-class [role=option]").first).to_have_attribute("data-value", GAS_COVER)
    await page.keyboard.press("Enter")
    assert await page.locator("#other-class").input_value() == GAS_COVER
    assert await serious_violations(page) == []
    await page.keyboard.press("Control+Enter")
    await expect(page.locator("#result-number")).to_have_text(re.compile(r"^\d{14,}$"))
    case = await console.store.case(int((await page.text_content("#result-number") or "")[8:]))
    assert case is not None and case.class_id == GAS_COVER
