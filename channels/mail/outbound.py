"""E-mail back to letter writers through the gateway's mail notifier: acknowledgments, status changes and the 回访
question, each with a Message-ID made of its notification's id (so a reply finds its case) and the case in the subject."""
from __future__ import annotations

from typing import Any

from channels.mail.texts import text as mail_text
from gateway.mail import MailNotConfigured, send_mail
from gateway.settings import Settings
from gateway.store.mailbox import notification_message_id


def message_domain(settings: Settings) -> str:
    """The domain of the notifier's From: address (the gateway's Message-IDs are made under it)."""
    if settings.mail is None:
        raise MailNotConfigured("mail is not configured in settings")
    return settings.mail.sender.rsplit("@", 1)[-1].strip("<> ") or "localhost"


def body_of(contact: dict[str, Any], language: str, text: str, case_number: str | None, case_status: str | None) -> str:
    """Greeting, the message, and the 回访 question once the case is closed."""
    name = contact.get("name")
    lines = [mail_text(language, "greeting", name=name) if name else mail_text(language, "greeting_anonymous"), "", text]
    if case_status == "closed" and case_number:
        lines += ["", mail_text(language, "satisfaction_question", case=case_number)]
    return "\n".join(lines)


async def send_notification(settings: Settings, contact: dict[str, Any], language: str, text: str, *, case_number: str | None = None,
                            case_status: str | None = None, notification_id: str | None = None) -> None:
    """One e-mail to a letter writer (the notifier of gateway.casework.notify); raises on any failure, so it is retried."""
    headers = {"Subject": mail_text(language, "subject", case=case_number or "—"), "Auto-Submitted": "auto-replied"}
    if notification_id is not None:
        headers["Message-ID"] = notification_message_id(notification_id, message_domain(settings))
    await send_mail(settings, contact, language, body_of(contact, language, text, case_number, case_status), headers=headers)
