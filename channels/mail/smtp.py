"""Letters delivered straight to the gateway by SMTP (aiosmtpd on the serving process's loop): recipients only in the
configured domains (no relay), the size limit announced and enforced, each letter taken like one read from IMAP."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from channels.mail.intake import MailDesk
from gateway.settings import MailSmtpSettings

log = logging.getLogger(__name__)


class LetterHandler:
    """aiosmtpd's handler: RCPT checked against the domains, DATA handed to the desk."""

    def __init__(self, desk: MailDesk, domains: list[str]) -> None:
        self.desk, self.domains = desk, {d.lower().lstrip("@") for d in domains}

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]) -> str:
        domain = address.rsplit("@", 1)[-1].lower().strip("<> ")
        if domain not in self.domains:
            return "550 5.7.1 Relaying denied: this server takes mail for its own domains only"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            taken = await self.desk.take(bytes(raw), "smtp")
        except Exception as exc:  # the sender keeps the letter and tries again: nothing accepted is lost
            log.warning("SMTP letter not taken: %s: %s", type(exc).__name__, exc)
            return "451 4.3.0 The letter could not be stored now; please try again later"
        if taken.reason in ("too_large", "malformed"):
            return f"554 5.6.0 Letter refused: {taken.reason}"
        return "250 OK"


async def start_listener(desk: MailDesk, config: MailSmtpSettings, max_bytes: int) -> asyncio.AbstractServer:
    """Listen on `config.host:port` (several serving processes share the port)."""
    handler = LetterHandler(desk, config.domains)

    def factory() -> Any:
        return SMTP(handler, data_size_limit=max_bytes, enable_SMTPUTF8=True, decode_data=False, hostname=config.host)

    return await asyncio.get_running_loop().create_server(factory, config.host, config.port, reuse_port=True)
