"""Messages to reporters through Twilio's REST API (SMS and WhatsApp), sent by `gateway.casework.notify` jobs; raising means retry."""
from __future__ import annotations

from typing import Any

from twilio.base.exceptions import TwilioException

from channels.messaging.twilio.edge import TwilioError, TwilioNotConfigured, rest_client, twilio_settings
from channels.messaging.twilio.inbound import WHATSAPP_PREFIX
from channels.messaging.twilio.texts import fit, text as channel_text
from gateway.settings import Settings


async def send_message(settings: Settings, to: str, sender: str | None, body: str) -> str:
    """Create one message; its MessageSid."""
    config = twilio_settings(settings)
    if not sender:
        raise TwilioNotConfigured(f"no Twilio sender configured for {to.split(':')[0] if ':' in to else 'SMS'} messages")
    try:
        async with rest_client(config) as client:
            created = await client.messages.create_async(to=to, from_=sender, body=fit(body))
    except TwilioException as exc:
        raise TwilioError(f"Twilio refused the message: {exc}") from exc
    return str(created.sid)


def body_of(language: str, text: str, case_number: str | None, case_status: str | None) -> str:
    """The status text, with the 回访 question (reply 1/2/3) when the case is closed."""
    if case_status == "closed" and case_number:
        return f"{text}\n{channel_text(language, 'satisfaction_question', case=case_number)}"
    return text


def phone_of(contact: dict[str, Any]) -> str:
    phone = contact.get("phone")
    if not phone:
        raise TwilioError("the contact has no phone number")
    return str(phone)


async def send_sms_notification(
    settings: Settings, contact: dict[str, Any], language: str, text: str, *, case_number: str | None = None, case_status: str | None = None
) -> None:
    """A status message by SMS to the reporter's phone (the notifier of gateway.casework.notify)."""
    await send_message(settings, phone_of(contact), twilio_settings(settings).sms_from, body_of(language, text, case_number, case_status))


async def send_whatsapp_notification(
    settings: Settings, contact: dict[str, Any], language: str, text: str, *, case_number: str | None = None, case_status: str | None = None
) -> None:
    """A status message by WhatsApp to the reporter's number (the notifier of gateway.casework.notify)."""
    await send_message(settings, WHATSAPP_PREFIX + phone_of(contact), twilio_settings(settings).whatsapp_from,
                       body_of(language, text, case_number, case_status))
