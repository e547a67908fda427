"""Letters delivered straight to the gateway by SMTP: taken for its own domains, relay refused, the size limit enforced."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosmtplib
import pytest

from gateway.settings import MailIntakeSettings, MailSmtpSettings
from tests.conftest import free_port
from tests.core.conftest import start_api
from tests.mail.conftest import MailGateway, mail_settings
from tests.mail.letters import letter


@pytest.fixture
async def smtp_gateway(aiohttp_client: Any, tmp_path: Path, database_url: str, redis_url: str, receiver: Any, mailbox: Any,
                       relay: Any) -> Any:
    port = free_port()
    settings = mail_settings(database_url, redis_url, receiver.url, tmp_path / "media", mailbox, relay[1])
    intake = MailIntakeSettings(smtp=MailSmtpSettings(enabled=True, host="127.0.0.1", port=port, domains=["city.example.cn"]),
                                max_message_bytes=200_000)
    api = await start_api(aiohttp_client, settings.model_copy(update={"mail_intake": intake}))
    yield MailGateway(api, mailbox, relay[0]), port
    await api.store.close()


async def test_a_letter_by_smtp_becomes_a_case_and_relay_and_oversize_are_refused(smtp_gateway: Any) -> None:
    gateway, port = smtp_gateway
    sent = letter()
    await aiosmtplib.send(sent, hostname="127.0.0.1", port=port, recipients=["mayor@city.example.cn"])
    [row] = await gateway.letters(1)
    assert row.outcome == "case" and row.source == "smtp"

    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await aiosmtplib.send(letter(), hostname="127.0.0.1", port=port, recipients=["someone@elsewhere.example.com"])
    assert "Relaying denied" in str(refused.value.recipients[0])

    big = letter()
    big.add_attachment(b"\0" * 300_000, maintype="application", subtype="octet-stream", filename="big.bin")
    with pytest.raises(aiosmtplib.SMTPResponseException) as too_big:
        await aiosmtplib.send(big, hostname="127.0.0.1", port=port, recipients=["mayor@city.example.cn"])
    assert too_big.value.code == 552

    await aiosmtplib.send(sent, hostname="127.0.0.1", port=port, recipients=["mayor@city.example.cn"])
    assert len(await gateway.letters(1)) == 1, "the same letter again is not taken twice"
    async with gateway.api.store.transaction() as tx:
        from sqlalchemy import func, select

        from gateway.store.models import ReportRow
        assert await tx.session.scalar(select(func.count()).select_from(ReportRow)) == 1
