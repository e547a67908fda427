"""The audit log: filtered by a case's number, cases shown by number and linked, details as sentences in the reader's
language, actions by name."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from gateway.api.cases import load_case
from tests.console.conftest import MakeUser, agent_page
from tests.console.test_call_assist import JUNCTION, api_report
from tests.console.test_cases import clean_at_both_widths
from tests.web.conftest import Site, screenshots


@pytest.mark.parametrize(("locale", "words"), [("zh-CN", ("合并到其他案件", "合并到案件", "创建")), ("en-US", ("Merged", "Merged into case", "Created"))])
async def test_a_cases_trail_is_found_by_its_number_and_reads_as_sentences(
    browser: Browser, console: Site, make_user: MakeUser, out: Path, locale: str, words: tuple[str, str, str]
) -> None:
    kept = await api_report(console, text="解放路和中山路交叉口的井盖不见了", channel="web", address=JUNCTION, class_id="cp-0114")
    gone = await api_report(console, text="人民路上的路灯不亮了", channel="hotline")
    page = await agent_page(browser, console, make_user, locale=locale)
    await page.goto(f"/console/cases/{gone['case_id']}")
    await page.fill("#into", kept["case_id"])
    async with page.expect_navigation():
        await page.click("#merge-submit")

    admin = await agent_page(browser, console, make_user, role="admin", locale=locale)
    await admin.goto("/console/admin/audit")
    await admin.select_option("#entity", "case")
    await admin.fill("#entity_id", gone["case_id"])  # the number people read, not the internal id
    async with admin.expect_navigation():
        await admin.click("form.grid-form button[type=submit]")
    rows = admin.locator("#audit tbody tr")
    await expect(rows.filter(has_text=words[2])).to_have_count(1)
    row = rows.filter(has_text=words[0]).first
    await expect(row).to_contain_text(f"{words[1]} {kept['case_id']}")
    await expect(admin.locator("#audit")).not_to_contain_text("{")
    await expect(admin.locator("#audit")).not_to_contain_text("needs_review")
    internal = (await load_case(console.store, gone["case_id"])).id
    assert await admin.locator(f"#audit a[href='/console/cases/{gone['case_id']}']").count() >= 2
    assert await admin.locator(f"#audit a[href='/console/cases/{internal}']").count() == 0
    await clean_at_both_widths(admin)
    await screenshots(admin, out, f"audit-{locale}")

    async with admin.expect_navigation():
        await admin.locator(f"#audit a[href='/console/cases/{gone['case_id']}']").first.click()
    await expect(admin.locator("#case-number")).to_contain_text(gone["case_id"])

    await admin.goto("/console/admin/audit?entity=case&entity_id=19990101000001")
    await expect(admin.locator("#audit tbody tr")).to_have_count(1)  # the one "none" row: a wrong date names no case
