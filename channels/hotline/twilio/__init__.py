"""Twilio voice lines: a spoken report (describe, place, confirm, case number) or a recorded message, calls shown to agents.

Callers who press 1 for updates hear of their case by SMS (the Twilio messaging package's sender).
"""
from __future__ import annotations

from aiohttp import web

from channels.hotline.twilio.routes import add_routes, desk_context
from channels.messaging.twilio.edge import twilio_settings
from channels.messaging.twilio.outbound import send_sms_notification
from gateway.appkeys import SETTINGS
from gateway.domain import Channel

NOTIFIERS = {Channel.VOICE: send_sms_notification}

__all__ = ["NOTIFIERS", "setup"]


def setup(app: web.Application) -> None:
    """Mount the voice routes; refuse to start when the line is listed but Twilio is not configured."""
    twilio_settings(app[SETTINGS])
    app.cleanup_ctx.append(desk_context)
    add_routes(app)
