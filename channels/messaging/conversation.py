"""Conversation state of each chat (Telegram, WeChat), kept in Redis with a time-to-live so a restart loses nothing."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from redis import Redis


class Step(StrEnum):
    LANGUAGE = "language"
    DESCRIBE = "describe"
    CLASS = "class"
    PLACE = "place"
    DUPLICATE = "duplicate"
    PHOTOS = "photos"
    CONFIRM = "confirm"


@dataclass
class Conversation:
    """One chat's report in progress."""

    step: Step
    language: str = "zh"
    text: str | None = None
    proposals: list[str] = field(default_factory=list)
    class_id: str | None = None
    class_chosen: bool = False
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    place_label: str | None = None
    duplicate_of: str | None = None
    duplicate_class_id: str | None = None
    duplicate_lat: float | None = None
    duplicate_lon: float | None = None
    media: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Conversation:
        data = json.loads(raw)
        data["step"] = Step(data["step"])
        return cls(**data)


class ConversationStore:
    """Reads and writes conversations under `<prefix>:conv:<chat id>`; untouched ones expire. Used by every
    conversational channel, each under its own prefix."""

    def __init__(self, redis: Redis, ttl_seconds: int, prefix: str = "telegram") -> None:
        self.redis = redis
        self.ttl = ttl_seconds
        self.prefix = prefix

    def _key(self, chat_id: int | str) -> str:
        return f"{self.prefix}:conv:{chat_id}"

    def load(self, chat_id: int | str) -> Conversation | None:
        raw = self.redis.get(self._key(chat_id))
        return Conversation.from_json(raw) if raw is not None else None

    def save(self, chat_id: int | str, conversation: Conversation) -> None:
        self.redis.set(self._key(chat_id), conversation.to_json(), ex=self.ttl)

    def clear(self, chat_id: int | str) -> bool:
        """Forget the chat's conversation; True when there was one."""
        return bool(self.redis.delete(self._key(chat_id)))

    def language(self, chat_id: int | str) -> str | None:
        """The language the chat last chose (kept beyond one conversation)."""
        raw = self.redis.get(f"{self.prefix}:lang:{chat_id}")
        return raw.decode() if raw is not None else None

    def remember_language(self, chat_id: int | str, language: str) -> None:
        self.redis.set(f"{self.prefix}:lang:{chat_id}", language, ex=365 * 24 * 3600)

    def first_delivery(self, update_id: int) -> bool:
        """True the first time an update id is seen (Telegram re-sends updates a webhook did not acknowledge)."""
        return bool(self.redis.set(f"telegram:update:{update_id}", 1, nx=True, ex=24 * 3600))
