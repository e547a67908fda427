"""The Telegram channel: a guided report through a bot, status answers, and status notifications."""
from __future__ import annotations

from aiohttp import web

from channels.messaging.telegram.botapi import WEBHOOK_PATH, send_notification, telegram_settings
from channels.messaging.telegram.webhook import bot_context, webhook
from gateway.appkeys import SETTINGS
from gateway.domain import Channel

CHANNEL = Channel.TELEGRAM

__all__ = ["CHANNEL", "send_notification", "setup"]


def setup(app: web.Application) -> None:
    """Mount the webhook; refuse to start when the channel is listed but has no telegram settings."""
    telegram_settings(app[SETTINGS])
    app.cleanup_ctx.append(bot_context)
    app.router.add_post(WEBHOOK_PATH, webhook)
