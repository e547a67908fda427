"""Who reported: the pseudonymous reporter key of a contact, and the keys of one phone number on every channel."""
from __future__ import annotations

import hashlib

from pydantic import ValidationError

from gateway.domain import Channel, ContactIn, ReportIn

PHONE_CHANNELS = (Channel.HOTLINE, Channel.VOICE, Channel.SMS, Channel.WHATSAPP, Channel.WEB)


def reporter_key(report: ReportIn) -> str | None:
    """A stable pseudonymous key of the reporter (hash of their contact), for follow-ups."""
    contact = report.contact
    handle = contact and (contact.phone or contact.email or (str(contact.telegram_chat_id) if contact.telegram_chat_id else None) or contact.wechat_openid)
    if not handle:
        return None
    normalized = handle if handle == contact.wechat_openid else "".join(ch for ch in handle.lower() if ch.isalnum() or ch in "@.")
    return hashlib.sha256(f"{report.channel}:{normalized}".encode()).hexdigest()


def phone_contact(caller: str | None, consent: bool) -> ContactIn | None:
    """The caller's number as a report's contact, when it is a number at all (withheld numbers are not)."""
    try:
        return ContactIn(phone=caller, consent_updates=consent) if caller else None
    except ValidationError:
        return None


def caller_keys(phone: str) -> list[str]:
    """The reporter keys the pipeline gave reports with this phone number, on every channel that takes one."""
    contact = phone_contact(phone, consent=False)
    if contact is None:
        return []
    return [key for channel in PHONE_CHANNELS if (key := reporter_key(ReportIn(text="-", channel=channel, contact=contact)))]
