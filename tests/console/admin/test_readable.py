"""The administrators' pages read in the page's language and fit a phone: a dead letter's row with Replay in reach at
360 px, every confusion bar labelled (and the pairs as a table), the delivery time in seconds or minutes, channel and
event names instead of codes."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from channels.web.console.admin import export
from channels.web.console.admin.durations import duration_text
from channels.web.console.admin.rulesets import active_report
from channels.web.console.names import channel_name, event_name
from gateway.delivery.sender import Deliverer
from gateway.domain import Channel
from gateway.rules import model_dir
from tests.console.admin.conftest import LAMP, admin_page, report
from tests.console.conftest import MakeUser
from tests.support.receiver import Receiver
from tests.web.conftest import DESKTOP, PHONE, Site, screenshots, serious_violations


@pytest.mark.parametrize(("hours", "lang", "said"), [
    (12 / 3600, "zh", "12 秒"), (12 / 3600, "en", "12 s"), (0.05, "zh", "3 分钟"), (1.2, "en", "72 min"),
    (2.54, "zh", "2.5 小时"), (None, "en", "—"),
])
def test_a_duration_is_shown_in_the_unit_that_reads_best(hours: float | None, lang: str, said: str) -> None:
    assert duration_text(hours, lang) == said  # type: ignore[arg-type]


def test_every_channel_and_delivery_event_has_a_name_in_both_languages() -> None:
    for channel in Channel:
        for lang in ("zh", "en"):
            assert channel_name(channel.value, lang) != channel.value, (channel, lang)  # type: ignore[arg-type]
    assert channel_name("hotline", "zh") == "12319热线（人工）" and channel_name("email", "en") == "Mayor's mailbox"
    assert event_name("case.created", "zh") == "新案件" and event_name("case.updated", "en") == "update"
    assert channel_name("carrier-pigeon", "en") == "carrier-pigeon" and event_name("case.unknown", "zh") == "case.unknown"


@pytest.mark.parametrize(("locale", "language", "event", "replay"), [("zh-CN", "zh", "新案件", "重新投递"), ("en-GB", "en", "new case", "Replay")])
async def test_a_dead_letter_fits_a_phone_with_replay_in_reach(
    browser: Browser, console: Site, make_user: MakeUser, receiver: Receiver, key: str, deliverer: Deliverer, out: Path,
    locale: str, language: str, event: str, replay: str
) -> None:
    receiver.script = [400]
    [row] = await console.store.deliveries(case_id=await report(console, key, **LAMP))
    assert await deliverer.deliver(row.id) == "dead"
    page = await admin_page(browser, console, make_user, "/console/admin/dead", locale=locale, language=language)
    line = page.locator(f"#dead-{row.id}")
    await expect(line).to_contain_text(event)
    assert "case.created" not in await line.inner_text()
    button = line.get_by_role("button")
    await expect(button).to_contain_text(replay)
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        box = await button.bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= size["width"], (size, box)
        assert await page.evaluate("document.documentElement.scrollWidth") <= size["width"], "nothing to scroll sideways"
        assert await serious_violations(page) == []
    await screenshots(page, out, f"dead-{language}")
    await page.set_viewport_size(PHONE)
    async with page.expect_navigation():
        await button.click()
    assert row.id in await page.inner_text("#notice")
    await page.context.close()


@pytest.mark.parametrize(("locale", "language"), [("zh-CN", "zh"), ("en-GB", "en")])
async def test_every_confusion_bar_is_labelled_and_the_pairs_read_as_a_table(
    browser: Browser, console: Site, make_user: MakeUser, locale: str, language: str
) -> None:
    _, written = active_report(model_dir(console.settings))
    assert written is not None
    pairs = written["test"]["confusions"][:15]
    page = await admin_page(browser, console, make_user, "/console/admin/model", locale=locale, language=language)
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        ticks = await page.locator("#confusion-chart").evaluate(
            "c => { const chart = window.Chart.getChart(c); chart.resize(); return chart.scales.y.ticks.length; }")
        assert ticks == len(pairs), f"{ticks} of {len(pairs)} bars labelled at {size}"
    await page.click("#confusion-pairs-box summary")
    rows = page.locator("#confusion-pairs tbody tr")
    await expect(rows).to_have_count(len(pairs))
    assert [int(n) for n in await page.locator("#confusion-pairs tbody td").all_inner_texts()] == [p["count"] for p in pairs]
    assert "→" in await rows.first.inner_text()
    assert await serious_violations(page) == []
    await page.context.close()


@pytest.mark.parametrize(("language", "hotline", "header", "web"), [("zh", "12319热线（人工）", "案件编号", "网页"),
                                                                  ("en", "12319 hotline (agent)", "Case number", "Web form")])
async def test_export_speaks_the_page_language_in_its_options_and_its_file(
    browser: Browser, console: Site, make_user: MakeUser, key: str, language: str, hotline: str, header: str, web: str
) -> None:
    await report(console, key, **(LAMP | {"channel": "web"}))
    page = await admin_page(browser, console, make_user, "/console/admin/export", language=language)
    await expect(page.locator("#channel option[value=hotline]")).to_have_text(hotline)
    assert await serious_violations(page) == []
    async with page.expect_download() as download:
        await page.click("form button.primary")
    rows = list(csv.reader(io.StringIO((await (await download.value).path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == export.headers(language) and rows[0][0] == header
    assert rows[1][export.COLUMNS.index("channel")] == web
    await page.context.close()
