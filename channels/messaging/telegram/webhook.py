"""The webhook route and the python-telegram-bot Application it feeds, owned by a cleanup context."""
from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator

from aiohttp import web
from telegram import Update
from telegram.ext import Application, TypeHandler

from channels.messaging.telegram.commands import CaseCommands
from channels.messaging.telegram.dialogue import Dialogue
from channels.messaging.telegram.limits import RateLimiter
from channels.messaging.conversation import ConversationStore
from gateway.appkeys import CASEWORK, MEDIA, PIPELINE, REDIS, SETTINGS, STORE, TABLES
from gateway.settings import TelegramSettings

BOT = web.AppKey("telegram_application", Application)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024


def build_application(config: TelegramSettings) -> Application:
    """A PTB Application in webhook mode: no updater, Bot API calls to `api_base_url`."""
    base = config.api_base_url.rstrip("/")
    return Application.builder().token(config.token).base_url(f"{base}/bot").base_file_url(f"{base}/file/bot").updater(None).build()


async def bot_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    config = settings.telegram
    assert config is not None
    redis = app[REDIS]
    dialogue = Dialogue(
        settings=settings,
        config=config,
        pipeline=app[PIPELINE],
        store=app[STORE],
        tables=app[TABLES],
        media=app[MEDIA],
        cases=CaseCommands(app[STORE], app[TABLES], app[CASEWORK]),
        conversations=ConversationStore(redis, config.state_ttl_seconds),
        reports=RateLimiter(redis, "reports", config.reports_per_user_per_hour, 3600),
        messages=RateLimiter(redis, "messages", config.messages_per_user_per_minute, 60),
    )
    application = build_application(config)
    application.add_handler(TypeHandler(Update, dialogue.on_update))
    application.add_error_handler(dialogue.on_error)
    await application.initialize()
    await application.start()
    app[BOT] = application
    yield
    await application.stop()
    await application.shutdown()


async def webhook(request: web.Request) -> web.Response:
    """One update from Telegram: refused (403, nothing read) without the right secret token."""
    config = request.config_dict[SETTINGS].telegram
    assert config is not None
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), config.webhook_secret.encode()):
        raise web.HTTPForbidden()
    if request.content_length is not None and request.content_length > MAX_UPDATE_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_UPDATE_BYTES, request.content_length)
    try:
        data = json.loads(await request.read())
    except ValueError:
        raise web.HTTPBadRequest(text="update is not JSON") from None
    application = request.app[BOT]
    update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
    if update is None:
        raise web.HTTPBadRequest(text="not a Telegram update")
    await application.process_update(update)
    return web.json_response({"ok": True})
