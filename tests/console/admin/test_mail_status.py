"""The mayor's mailbox in the administrators' pages: its row in the channel health, each mailbox with how far it was read
and its last error, the letters not taken with their reasons, and e-mail cases in the dashboard's channel breakdown."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import ClientSession
from sqlalchemy import select
from playwright.async_api import Browser

from gateway.settings import MailboxSettings, MailIntakeSettings, MailSettings
from gateway.store.clock import utcnow
from gateway.store.models import MailAttachmentRow, MailMessageRow, ReportRow
from tests.conftest import eventually, free_port
from tests.console.admin.conftest import admin_page, report
from tests.console.conftest import MakeUser
from tests.web.conftest import Site, screenshots, serious_violations

UNREACHABLE = free_port()


@pytest.fixture
def console_settings_update() -> dict[str, object]:
    """The mail channel mounted, reading a mailbox whose server is down."""
    mailbox = MailboxSettings(id="mayor", host="127.0.0.1", port=UNREACHABLE, tls=False, user="mayor", password="secret", folder="INBOX")
    return {"channels": ["web", "mail"], "mail": MailSettings(host="127.0.0.1", port=free_port(), sender="mayor@city.example.cn", starttls=False),
            "mail_intake": MailIntakeSettings(mailboxes=[mailbox], poll_seconds=0.2)}


@pytest.mark.parametrize("locale, language", [("zh-CN", "zh"), ("en-GB", "en")])
async def test_mailboxes_their_errors_and_skipped_letters_show_in_the_channel_status(
        browser: Browser, console: Site, make_user: MakeUser, key: str, out: Path, locale: str, language: str) -> None:
    async with console.store.transaction() as tx:
        tx.session.add(MailMessageRow(key="a" * 64, message_id="<bomb-11@example.cn>", source="mayor", uid=12, sender_key="b" * 64,
                                      outcome="skipped", reason="rate_limited", received_at=utcnow()))
    await report(console, key, text="尊敬的市长您好！人民路东门外的路灯坏了两个星期，晚上一片漆黑，请尽快修理。", channel="email")
    await eventually(lambda: _failed(console), timeout=60)

    page = await admin_page(browser, console, make_user, "/console/admin/channels", locale=locale, language=language)
    health = (await page.inner_text("#health-mail")).split("\t")
    assert health[0] == ("Mayor's mailbox (e-mail)" if language == "en" else "市长信箱（电子邮件）")
    assert health[1] == ("yes" if language == "en" else "是") and health[2] != "—"
    mailbox = await page.inner_text("#mailbox-mayor")
    assert "mayor@127.0.0.1/INBOX" in mailbox and ("ConnectionRefusedError" in mailbox or "OSError" in mailbox)
    assert ("Too many letters from one sender" if language == "en" else "同一发件人来信过多") in await page.inner_text("#skipped-letters")
    assert await serious_violations(page) == []
    await screenshots(page, out, f"{language}-mail-status")

    await page.goto("/console/admin/")
    totals = dict(await page.eval_on_selector_all("#channel-totals tbody tr", "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])"))
    assert totals.get("Mayor's mailbox" if language == "en" else "市长信箱") == "1", totals
    await page.context.close()


async def _failed(console: Site) -> bool:
    state = (await console.store.mailbox_states()).get("mayor")
    return state is not None and state.last_error is not None


async def test_a_letters_attachment_is_downloaded_by_agents_only_and_never_shown_inline(browser: Browser, console: Site,
                                                                                       make_user: MakeUser, key: str) -> None:
    case_id = await report(console, key, text="尊敬的市长您好！学府路夜市占道经营，附上居民联名信。", channel="email")
    folder = console.settings.media_dir / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("c" * 64 + ".bin")).write_bytes(b"<html><script>alert(1)</script></html>")
    async with console.store.transaction() as tx:
        report_id = await tx.session.scalar(select(ReportRow.id).where(ReportRow.case_id == case_id))
        row = MailAttachmentRow(report_id=report_id, filename="联名信.html", content_type="text/html", size=38, name="c" * 64 + ".bin")
        tx.session.add(row)
        await tx.session.flush()
        attachment_id = row.id
    async with ClientSession(console.url) as http:
        async with http.get(f"/console/mail/attachments/{attachment_id}", headers={"Accept": "application/json"}) as resp:
            assert resp.status == 401
    page = await admin_page(browser, console, make_user, "/console/")
    resp = await page.request.get(f"/console/mail/attachments/{attachment_id}")
    assert resp.status == 200 and await resp.body() == b"<html><script>alert(1)</script></html>"
    assert resp.headers["content-type"] == "application/octet-stream"
    assert resp.headers["content-disposition"] == "attachment; filename*=UTF-8''%E8%81%94%E5%90%8D%E4%BF%A1.html"
    assert (await page.request.get("/console/mail/attachments/999999")).status == 404
    await page.context.close()
