"""E-mail to reporters through a real SMTP conversation with a local server."""
from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from gateway.mail import MailNotConfigured, send_mail
from gateway.settings import MailSettings, Settings
from tests.conftest import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def test_status_mail_reaches_the_reporter_in_their_language(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    settings = Settings(mail=MailSettings(host="127.0.0.1", port=port, sender="城市管理 <noreply@example.org>", starttls=False))
    await send_mail(settings, {"email": "citizen@example.org"}, "zh", "【城市管理】您反映的问题（案件编号 20261122000001）已结案。")
    [(recipients, mail)] = inbox.messages
    assert recipients == ["citizen@example.org"]
    assert mail["Subject"] == "您反映的城市管理问题有新进展"
    assert "已结案" in mail.get_content()


async def test_without_smtp_settings_or_address_the_send_fails_loudly() -> None:
    with pytest.raises(MailNotConfigured):
        await send_mail(Settings(), {"email": "citizen@example.org"}, "en", "x")
    settings = Settings(mail=MailSettings(host="127.0.0.1", port=free_port(), sender="noreply@example.org", starttls=False))
    with pytest.raises(ValueError):
        await send_mail(settings, {"phone": "123"}, "en", "x")
    with pytest.raises(OSError):
        await send_mail(settings, {"email": "citizen@example.org"}, "en", "x")


async def test_a_web_reporter_hears_of_a_status_change_by_mail(smtp: tuple[Inbox, int], aiohttp_client: Any, sqlite_url: str, redis_url: str, receiver: Any) -> None:
    from channels.web.reporter import keyed_report, link_secret
    from gateway.casework.notify import send_one
    from gateway.queueing import make_queue
    from tests.core.conftest import make_settings, start_api
    from tests.core.test_callbacks import post_callback
    from tests.core.test_notify import notifications

    inbox, port = smtp
    settings = make_settings(sqlite_url, redis_url, receiver.url).model_copy(
        update={"channels": ["web"], "mail": MailSettings(host="127.0.0.1", port=port, sender="noreply@example.org", starttls=False)}
    )
    api = await start_api(aiohttp_client, settings)
    try:
        case = await api.report(text="The street light outside No. 8 is out", class_id="cp-0118", channel="web", language="en",
                                contact={"email": "visitor@example.org", "consent_updates": True})
        await post_callback(api, {"case_id": case["case_id"], "status": "disposed", "note": "Lamp replaced."})
        [row] = await notifications(api)
        assert await send_one(settings, api.store.transaction, make_queue(settings), row.id) == "sent"
        [(recipients, mail)] = inbox.messages
        assert recipients == ["visitor@example.org"] and mail["Subject"] == "News about the city problem you reported"
        assert case["case_id"] in mail.get_content() and "Lamp replaced." in mail.get_content()
        link = mail.get_content().strip().splitlines()[-1].split(": ", 1)[1]
        assert link.startswith(f"{settings.public_base_url}/cases/{case['case_id']}?key=")
        async with api.store.transaction() as tx:
            secret = await link_secret(tx)
        assert keyed_report(secret, link.split("key=", 1)[1]) == row.report_id, "the key proves this reporter's report"
    finally:
        await api.store.close()
