"""Letters through a real Dovecot mailbox: a case made, acknowledged with its number and the writer's link, a reply to the
acknowledgment joining its case, machine mail and bad mail skipped with reasons, each letter taken once."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from channels.mail.imap import folder_name
from gateway.delivery.payload import case_number
from gateway.store.models import CaseRow, ReportRow
from tests.conftest import eventually
from tests.core.conftest import start_api
from tests.mail.conftest import MailGateway, mail_settings
from tests.mail.letters import LETTER, OTHER, letter, reply


async def reports(gateway: MailGateway) -> list[ReportRow]:
    async with gateway.api.store.transaction() as tx:
        return list(await tx.session.scalars(select(ReportRow).order_by(ReportRow.id)))


async def test_a_letter_with_a_photo_becomes_a_case_is_acknowledged_and_a_reply_joins_it(gateway: MailGateway, tmp_path: Path) -> None:
    sent = letter(photo=True)
    await gateway.mailbox.deliver(sent)
    [row] = await gateway.letters(1)
    assert row.outcome == "case" and row.source == "mayor"
    [report] = await reports(gateway)
    assert report.channel == "email" and report.contact["email"] == "zhang.san@example.cn" and report.contact["name"] == "张三"
    assert report.text.startswith("反映人民路路灯不亮的问题") and "尊敬的市长您好" in report.text
    [photo] = report.media
    stored = gateway.api.settings.media_dir / photo["url"].rsplit("/", 1)[1]
    assert not Image.open(stored).getexif(), "EXIF stripped before the photo is kept"
    async with gateway.api.store.transaction() as tx:
        case = await tx.session.get(CaseRow, report.case_id)
    assert case is not None

    assert await gateway.send_notifications() == 1
    [(recipients, ack)] = gateway.relay.messages
    body = ack.get_content()
    assert recipients == ["zhang.san@example.cn"] and "张三您好" in body
    number = case_number(case.id, case.created_at)
    assert number in ack["Subject"] and number in body and "已收到并受理" in body
    assert f"https://gateway.example.org/cases/{number}?key=" in body, "the writer's own status link"
    assert ack["Message-ID"].startswith("<n.") and ack["Auto-Submitted"] == "auto-replied"
    flags = await gateway.mailbox.flags()
    assert all("\\Seen" in f and "$GatewayTaken" in f for f in flags.values())

    await gateway.mailbox.deliver(reply(ack, "zhang.san@example.cn", "补充一下：路灯就在东门公交站旁边，今晚还是不亮。"))
    rows = await gateway.letters(2)
    assert [r.outcome for r in rows] == ["case", "joined"]
    first, second = await reports(gateway)
    assert second.case_id == first.case_id, "the reply joins the case of the acknowledgment it answers"
    assert second.text == "补充一下：路灯就在东门公交站旁边，今晚还是不亮。", "the quoted acknowledgment is cut"
    assert await gateway.send_notifications() == 1
    follow_up = gateway.relay.messages[-1][1].get_content()
    assert f"已加入案件 {number}" in follow_up


async def test_machine_mail_and_bad_mail_are_skipped_with_reasons_and_the_good_letter_around_them_is_taken(gateway: MailGateway) -> None:
    await gateway.mailbox.deliver(letter(subject="自动回复：我正在休假", body="我正在休假，12月10日回来。", Auto_Submitted="auto-replied"))
    await gateway.mailbox.deliver(b"From: MAILER-DAEMON@example.cn\r\nSubject: Undelivered Mail Returned to Sender\r\n"
                                  b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n\r\nfailed\r\n--x--\r\n")
    await gateway.mailbox.deliver(b"Subject: no sender\r\n\r\n\xff\xfe garbage")
    good = letter(sender="li.si@example.cn", name="李四", body=LETTER.replace("路灯", "井盖"), subject="井盖丢失")
    good.add_attachment(b"MZ\x90\x00 a program", maintype="application", subtype="octet-stream", filename="../../x.exe")
    good.add_attachment(b"%PDF-1.4 minutes of the residents' meeting", maintype="application", subtype="pdf", filename="../../会议纪要.pdf")
    await gateway.mailbox.deliver(good)
    rows = await gateway.letters(4)
    by_reason = {r.reason: r for r in rows}
    assert set(by_reason) == {"auto_reply", "bounce", "malformed", None}
    taken = by_reason[None]
    assert taken.outcome == "case" and "x.exe: executable" in (taken.detail or "")
    [report] = await reports(gateway)
    [kept] = await gateway.api.store.attachments(report.id)
    assert kept.filename == "会议纪要.pdf" and (gateway.api.settings.media_dir / "mail" / kept.name).read_bytes().startswith(b"%PDF")
    assert await gateway.send_notifications() == 1, "machine mail is never answered"
    body = gateway.relay.messages[0][1].get_content()
    assert "x.exe（可执行文件）" in body
    skipped = await gateway.api.store.skipped_letters()
    assert {r.reason for r in skipped} == {"auto_reply", "bounce", "malformed"}


async def test_a_letter_is_taken_once_across_a_restart_and_a_new_uidvalidity(aiohttp_client: Any, tmp_path: Path, database_url: str,
                                                                             redis_url: str, receiver: Any, mailbox: Any, relay: Any) -> None:
    settings = mail_settings(database_url, redis_url, receiver.url, tmp_path / "media", mailbox, relay[1])
    first = MailGateway(await start_api(aiohttp_client, settings), mailbox, relay[0])
    sent = letter()
    await mailbox.deliver(sent)
    await first.letters(1)
    await first.api.client.close()
    await first.api.store.close()
    # The mailbox rebuilt elsewhere: the same letter under a new UIDVALIDITY, with UIDs from 1 again, and a new letter.
    await mailbox.deliver(sent, folder="Rebuilt")
    await mailbox.deliver(letter(subject="人行道上的井盖丢了", sender="wang.wu@example.cn", name="王五", body=LETTER.replace("路灯", "井盖")),
                          folder="Rebuilt")
    rebuilt = settings.mail_intake.model_copy(update={"mailboxes": [settings.mail_intake.mailboxes[0].model_copy(update={"folder": "Rebuilt"})]})
    again = MailGateway(await start_api(aiohttp_client, settings.model_copy(update={"mail_intake": rebuilt})), mailbox, relay[0])
    try:
        await eventually(lambda: _all_taken(mailbox, "Rebuilt", 2), timeout=60)
        rows = await again.letters(2)
        assert [r.outcome for r in rows] == ["case", "case"] and len(await reports(again)) == 2, "the first letter is not taken twice"
        state = await again.api.store.mailbox_state("mayor")
        assert state is not None and state.last_uid == 2
    finally:
        await again.api.store.close()


async def _all_taken(mailbox: Any, folder: str, count: int) -> bool:
    flags = await mailbox.flags(folder)
    return len(flags) == count and all("$GatewayTaken" in f for f in flags.values())


async def test_two_serving_processes_on_one_mailbox_take_each_letter_once(aiohttp_client: Any, tmp_path: Path, database_url: str,
                                                                          redis_url: str, receiver: Any, mailbox: Any, relay: Any) -> None:
    settings = mail_settings(database_url, redis_url, receiver.url, tmp_path / "media", mailbox, relay[1], poll_seconds=0.1)
    one = MailGateway(await start_api(aiohttp_client, settings), mailbox, relay[0])
    two = MailGateway(await start_api(aiohttp_client, settings), mailbox, relay[0])
    try:
        writers = [letter(sender=f"writer{i}@example.cn", name=f"市民{i}", subject=f"第{i}个问题",
                          body=(LETTER if i % 2 else OTHER).replace("居民", f"{i}号楼居民")) for i in range(12)]
        for message in writers:
            await mailbox.deliver(message)
        rows = await one.letters(12)
        assert len({r.key for r in rows}) == 12 and all(r.outcome in ("case", "joined") for r in rows)
        assert len(await reports(one)) == 12, "no letter became two reports"
        assert await one.send_notifications() == 12, "each letter answered once"
    finally:
        await one.api.store.close()
        await two.api.store.close()


async def test_idle_wakes_the_poller_when_a_letter_arrives(aiohttp_client: Any, tmp_path: Path, database_url: str, redis_url: str,
                                                           receiver: Any, mailbox: Any, relay: Any) -> None:
    settings = mail_settings(database_url, redis_url, receiver.url, tmp_path / "media", mailbox, relay[1], poll_seconds=550)
    gateway = MailGateway(await start_api(aiohttp_client, settings), mailbox, relay[0])
    try:
        await eventually(lambda: gateway.api.store.mailbox_state("mayor"), timeout=60)  # the first round read an empty box
        await mailbox.deliver(letter())
        [row] = await gateway.letters(1)  # far sooner than the next poll: only the server's IDLE push can have woken it
        assert row.outcome == "case"
    finally:
        await gateway.api.store.close()


async def test_after_import_a_letter_can_be_moved_to_another_folder(aiohttp_client: Any, tmp_path: Path, database_url: str, redis_url: str,
                                                                    receiver: Any, mailbox: Any, relay: Any) -> None:
    settings = mail_settings(database_url, redis_url, receiver.url, tmp_path / "media", mailbox, relay[1])
    moving = settings.mail_intake.mailboxes[0].model_copy(update={"after": "move", "move_to": "已受理"})
    gateway = MailGateway(await start_api(aiohttp_client, settings.model_copy(
        update={"mail_intake": settings.mail_intake.model_copy(update={"mailboxes": [moving]})})), mailbox, relay[0])
    try:
        await mailbox.deliver(letter())
        await gateway.letters(1)
        await eventually(lambda: _moved(mailbox), timeout=60)
    finally:
        await gateway.api.store.close()


async def _moved(mailbox: Any) -> bool:
    return not await mailbox.flags("INBOX") and len(await mailbox.flags(folder_name("已受理"))) == 1


async def test_a_mailbox_over_tls_is_read_when_its_certificate_is_trusted_and_refused_when_not(
        aiohttp_client: Any, tmp_path: Path, database_url: str, redis_url: str, receiver: Any, mailbox: Any, relay: Any) -> None:
    settings = mail_settings(database_url, redis_url, receiver.url, tmp_path / "media", mailbox, relay[1])
    plain = settings.mail_intake.mailboxes[0]
    trusted = plain.model_copy(update={"id": "trusted", "port": mailbox.server.tls_port, "tls": True, "ca_file": mailbox.server.cert})
    untrusted = plain.model_copy(update={"id": "untrusted", "port": mailbox.server.tls_port, "tls": True})
    gateway = MailGateway(await start_api(aiohttp_client, settings.model_copy(
        update={"mail_intake": settings.mail_intake.model_copy(update={"mailboxes": [trusted, untrusted]})})), mailbox, relay[0])
    try:
        await mailbox.deliver(letter())
        [row] = await gateway.letters(1)
        assert row.source == "trusted" and row.outcome == "case"

        async def refused() -> str | None:
            state = (await gateway.api.store.mailbox_states()).get("untrusted")
            return state.last_error if state is not None else None

        assert "CERTIFICATE_VERIFY_FAILED" in await eventually(refused, timeout=60)
    finally:
        await gateway.api.store.close()
