"""Direct Bot API calls made outside a conversation: notifications and webhook registration."""
from __future__ import annotations

from typing import Any

import aiohttp

from channels.messaging.telegram import keyboards, texts
from gateway.settings import Settings, TelegramSettings

WEBHOOK_PATH = "/channels/telegram/webhook"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class TelegramError(RuntimeError):
    """The Bot API refused a call or could not be reached."""


def telegram_settings(settings: Settings) -> TelegramSettings:
    if settings.telegram is None:
        raise TelegramError(
            "the Telegram channel (messaging.telegram) is not configured: set telegram.token and telegram.webhook_secret "
            "(or GATEWAY_TELEGRAM__TOKEN and GATEWAY_TELEGRAM__WEBHOOK_SECRET)"
        )
    return settings.telegram


async def call(config: TelegramSettings, method: str, payload: dict[str, Any]) -> Any:
    """POST one Bot API method and return its `result`; raise TelegramError unless Telegram says ok."""
    url = f"{config.api_base_url.rstrip('/')}/bot{config.token}/{method}"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            async with session.post(url, json=payload) as resp:
                body = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise TelegramError(f"{method}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(body, dict) or not body.get("ok"):
        description = body.get("description") if isinstance(body, dict) else None
        raise TelegramError(f"{method} refused (HTTP {resp.status}): {description or body!r}")
    return body.get("result")


async def send_notification(
    settings: Settings, contact: dict[str, Any], language: str, text: str, *, case_number: str | None = None, case_status: str | None = None
) -> None:
    """Send a status message to the reporter's chat (with the 回访 buttons when the case is closed); raises on any
    failure so the job retries."""
    chat_id = contact.get("telegram_chat_id")
    if chat_id is None:
        raise TelegramError("the contact has no telegram_chat_id")
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if case_status == "closed" and case_number:
        lang = "en" if language == "en" else "zh"
        payload["text"] = f"{text}\n{texts.text(lang, 'satisfaction_question', case=case_number)}"
        payload["reply_markup"] = keyboards.satisfaction(lang, case_number).to_dict()
    await call(telegram_settings(settings), "sendMessage", payload)


async def set_webhook(settings: Settings) -> str:
    """Register `<public_base_url>/channels/telegram/webhook` and the secret with Telegram; returns the URL."""
    config = telegram_settings(settings)
    url = settings.public_base_url.rstrip("/") + WEBHOOK_PATH
    await call(config, "setWebhook", {"url": url, "secret_token": config.webhook_secret, "allowed_updates": ALLOWED_UPDATES})
    return url
