"""SMS and WhatsApp through Twilio: reports and follow-ups by message, STATUS / STOP / HELP, status notifications and 回访."""
from __future__ import annotations

from aiohttp import web

from channels.messaging.twilio.edge import twilio_settings
from channels.messaging.twilio.outbound import send_sms_notification, send_whatsapp_notification
from channels.messaging.twilio.webhook import MESSAGING_PATH, desk_context, messaging
from gateway.appkeys import SETTINGS
from gateway.domain import Channel

NOTIFIERS = {Channel.SMS: send_sms_notification, Channel.WHATSAPP: send_whatsapp_notification}

__all__ = ["NOTIFIERS", "setup"]


def setup(app: web.Application) -> None:
    """Mount the webhook; refuse to start when the channel is listed but Twilio is not configured."""
    twilio_settings(app[SETTINGS])
    app.cleanup_ctx.append(desk_context)
    app.router.add_post(MESSAGING_PATH, messaging)
