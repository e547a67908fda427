"""The WeChat official account: a guided report by messages, status answers, menu events, and status messages."""
from __future__ import annotations

from aiohttp import web

from channels.messaging.wechat.api import wechat_settings
from channels.messaging.wechat.endpoint import ENDPOINT_PATH, dialogue_context, receive, verify
from channels.messaging.wechat.outbound import send_notification
from gateway.appkeys import SETTINGS
from gateway.domain import Channel

CHANNEL = Channel.WECHAT

__all__ = ["CHANNEL", "send_notification", "setup"]


def setup(app: web.Application) -> None:
    """Mount the endpoint; refuse to start when the channel is listed but has no wechat settings."""
    wechat_settings(app[SETTINGS])
    app.cleanup_ctx.append(dialogue_context)
    app.router.add_get(ENDPOINT_PATH, verify)
    app.router.add_post(ENDPOINT_PATH, receive)
