"""Updates in the JSON Telegram posts to a webhook, and a citizen who sends them through the gateway."""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

from tests.messaging.botapi import BotApiServer

WEBHOOK = "/channels/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(880_000_001)
_message_ids = itertools.count(1)


@dataclass
class Citizen:
    """One private chat; each method posts one update to the gateway, as Telegram would."""

    client: TestClient
    bot_api: BotApiServer
    secret: str
    chat_id: int
    first_name: str = "小王"
    language_code: str = "zh-hans"
    sent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def user(self) -> dict[str, Any]:
        return {"id": self.chat_id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}

    @property
    def chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "first_name": self.first_name, "type": "private"}

    def message(self, **content: Any) -> dict[str, Any]:
        return {"message_id": next(_message_ids), "from": self.user, "chat": self.chat, "date": int(time.time())} | content

    async def post(self, update: dict[str, Any], secret: str | None = None) -> int:
        self.sent.append(update)
        resp = await self.client.post(WEBHOOK, json=update, headers={SECRET_HEADER: self.secret if secret is None else secret})
        return resp.status

    async def update(self, **body: Any) -> int:
        status = await self.post({"update_id": next(_update_ids)} | body)
        assert status == 200, status
        return status

    async def say(self, text: str) -> None:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        await self.update(message=self.message(**content))

    async def press(self, data: str) -> None:
        """Press the button `data` of the last keyboard the bot sent to this chat."""
        shown = self.bot_api.last_keyboard_message(self.chat_id)
        buttons = [b["callback_data"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
        assert data in buttons, (data, buttons)
        query = {"id": str(next(_update_ids)), "from": self.user, "message": shown, "chat_instance": f"-{self.chat_id}", "data": data}
        await self.update(callback_query=query)

    async def share_location(self, lat: float, lon: float) -> None:
        await self.update(message=self.message(location={"latitude": lat, "longitude": lon}))

    async def share_venue(self, lat: float, lon: float, title: str, address: str) -> None:
        location = {"latitude": lat, "longitude": lon}
        await self.update(message=self.message(location=location, venue={"location": location, "title": title, "address": address}))

    async def send_photo(self, data: bytes, file_id: str) -> None:
        """A photo as Telegram sends it: several sizes, the largest last."""
        self.bot_api.files[file_id] = data
        sizes = [
            {"file_id": f"{file_id}-small", "file_unique_id": f"s{file_id}", "file_size": 1200, "width": 90, "height": 45},
            {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data), "width": 40 * 8, "height": 20 * 8},
        ]
        await self.update(message=self.message(photo=sizes))

    def replies(self) -> list[str]:
        return self.bot_api.texts(self.chat_id)

    def last_reply(self) -> str:
        return self.replies()[-1]
