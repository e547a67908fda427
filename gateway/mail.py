"""E-mail to reporters who left an address (the web channel's way back to them)."""
from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import aiosmtplib

from gateway.casework.notify import ChannelNotConfigured
from gateway.settings import Settings

SUBJECT = {"zh": "您反映的城市管理问题有新进展", "en": "News about the city problem you reported"}


class MailNotConfigured(ChannelNotConfigured):
    """No SMTP server in settings: e-mail notifications are skipped (gateway.casework.notify)."""


async def send_mail(settings: Settings, contact: dict[str, Any], language: str, text: str, *,
                    headers: dict[str, str] | None = None, **about: str) -> None:
    """Send `text` to contact['email'] through the configured SMTP server; raises on any failure. (`headers`: a subject,
    Message-ID or In-Reply-To of the sender's own; `about`: the case number and status the message tells of; the text
    already says them.)"""
    mail = settings.mail
    if mail is None:
        raise MailNotConfigured("mail is not configured in settings")
    address = contact.get("email")
    if not address:
        raise ValueError("the contact has no e-mail address")
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = address
    message["Subject"] = SUBJECT["en" if language == "en" else "zh"]
    for name, value in (headers or {}).items():
        del message[name]
        message[name] = value
    message.set_content(text)
    await aiosmtplib.send(
        message, hostname=mail.host, port=mail.port, username=mail.username, password=mail.password,
        start_tls=mail.starttls, timeout=mail.timeout,
    )
