"""E-mail to reporters who left an address (the web channel's way back to them)."""
from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import aiosmtplib

from gateway.settings import Settings

SUBJECT = {"zh": "您反映的城市管理问题有新进展", "en": "News about the city problem you reported"}


class MailNotConfigured(RuntimeError):
    """No SMTP server in settings: the message waits (and is retried) until one is configured."""


async def send_mail(settings: Settings, contact: dict[str, Any], language: str, text: str, **about: str) -> None:
    """Send `text` to contact['email'] through the configured SMTP server; raises on any failure. (`about`: the
    case number and status the message tells of; the text already says them.)"""
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
    message.set_content(text)
    await aiosmtplib.send(
        message, hostname=mail.host, port=mail.port, username=mail.username, password=mail.password,
        start_tls=mail.starttls, timeout=mail.timeout,
    )
