"""The server endpoint WeChat calls: GET answers the verification echo, POST takes messages and events in plain or
encrypted ("safe") mode. Signatures are checked (in constant time) and stale timestamps refused before anything is
kept; a retry (same MsgId, or the same sender and time of an event) gets the first answer. The answer goes in the
response when it is ready within `reply_seconds` (WeChat waits 5 s, then retries); otherwise, and for what does not
fit in one text, it follows as customer-service messages from an rq job."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web
from redis import Redis

from channels.messaging.telegram.limits import RateLimiter
from channels.messaging.conversation import ConversationStore
from channels.messaging.wechat.api import WechatApi
from channels.messaging.wechat.crypto import CryptoError, MessageCrypto, check_signature, signature
from channels.messaging.wechat.dialogue import Dialogue, opens_window
from channels.messaging.wechat.outbound import Outgoing, enqueue_replies, note_contact, passive
from channels.messaging.wechat.texts import text
from channels.messaging.wechat.wire import Inbound, WireError, envelope, inbound, parse_xml, text_reply
from gateway.appkeys import CASEWORK, MEDIA, PIPELINE, QUEUE, REDIS, SETTINGS, STORE, TABLES
from gateway.bodies import BodyTooLarge, read_whole
from gateway.settings import WechatSettings

log = logging.getLogger(__name__)
ENDPOINT_PATH = "/channels/wechat"
MAX_BODY_BYTES = 64 * 1024
SUCCESS = "success"
RETRY_MEMORY_SECONDS = 3600
DIALOGUE = web.AppKey("wechat_dialogue", Dialogue)
PENDING_TASKS = web.AppKey("wechat_pending", set)


async def dialogue_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    config = settings.wechat
    assert config is not None
    redis = app[REDIS]
    app[DIALOGUE] = Dialogue(
        settings=settings, config=config, pipeline=app[PIPELINE], store=app[STORE], tables=app[TABLES], media=app[MEDIA],
        casework=app[CASEWORK], api=WechatApi(config, redis),
        conversations=ConversationStore(redis, config.state_ttl_seconds, prefix="wechat"),
        reports=RateLimiter(redis, "reports", config.reports_per_user_per_hour, 3600, prefix="wechat"),
        messages=RateLimiter(redis, "messages", config.messages_per_user_per_minute, 60, prefix="wechat"),
    )
    pending: set[asyncio.Task[list[Outgoing]]] = set()
    app[PENDING_TASKS] = pending
    yield
    if pending:  # answers still being worked out when the server stops are finished and sent, not dropped
        await asyncio.wait(pending)


def verified_query(request: web.Request, config: WechatSettings, *, signed: bool = True) -> tuple[str, str]:
    """The callback's timestamp and nonce once `signature` proves WeChat signed them (unless `signed` is false: safe
    mode's `msg_signature` covers them) and the timestamp is recent; 403 otherwise."""
    timestamp, nonce = request.query.get("timestamp", ""), request.query.get("nonce", "")
    try:
        if signed:
            check_signature(request.query.get("signature", ""), config.token, timestamp, nonce)
    except CryptoError:
        raise web.HTTPForbidden(text="invalid WeChat signature") from None
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(time.time() - int(timestamp)) > config.timestamp_tolerance_seconds:
        raise web.HTTPForbidden(text="stale or missing timestamp: refused as a replay")
    return timestamp, nonce


async def verify(request: web.Request) -> web.Response:
    """The echo WeChat asks for when the server address is saved (服务器配置)."""
    config = request.config_dict[SETTINGS].wechat
    assert config is not None
    verified_query(request, config)
    return web.Response(text=request.query.get("echostr", ""))


async def read_message(request: web.Request, config: WechatSettings, timestamp: str, nonce: str) -> Inbound:
    """The message in the body; in safe mode decrypted after `msg_signature` is checked."""
    try:
        body = await read_whole(request.content, MAX_BODY_BYTES, request.content_length)
    except BodyTooLarge:
        raise web.HTTPRequestEntityTooLarge(MAX_BODY_BYTES, request.content_length or MAX_BODY_BYTES + 1) from None
    try:
        fields = parse_xml(body)
        if config.encoding_aes_key:
            if request.query.get("encrypt_type") != "aes" or "Encrypt" not in fields:
                raise web.HTTPForbidden(text="safe mode: the message must be encrypted")
            check_signature(request.query.get("msg_signature", ""), config.token, timestamp, nonce, fields["Encrypt"])
            fields = parse_xml(MessageCrypto(config.encoding_aes_key, config.app_id).decrypt(fields["Encrypt"]))
        return inbound(fields)
    except CryptoError as exc:
        raise web.HTTPForbidden(text=str(exc)) from None
    except WireError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None


def respond(config: WechatSettings, message: Inbound, reply: str | None, nonce: str) -> web.Response:
    """`success`, or the passive text reply (encrypted in safe mode)."""
    if not reply:
        return web.Response(text=SUCCESS)
    xml = text_reply(message.openid, message.to_user, reply)
    if config.encoding_aes_key:
        timestamp = str(int(time.time()))
        encrypted = MessageCrypto(config.encoding_aes_key, config.app_id).encrypt(xml)
        xml = envelope(encrypted, signature(config.token, timestamp, nonce, encrypted), timestamp, nonce)
    return web.Response(text=xml, content_type="application/xml")


def claim_key(message: Inbound) -> str:
    return f"wechat:msg:{message.dedup_key}"


def claim(redis: Redis, message: Inbound) -> str | None:
    """None when the message is new (now claimed); else what its first delivery answered ('' while still working)."""
    if redis.set(claim_key(message), "", nx=True, ex=RETRY_MEMORY_SECONDS):
        return None
    return (redis.get(claim_key(message)) or b"").decode()


def split(replies: list[Outgoing]) -> tuple[str | None, list[Outgoing]]:
    """The leading texts joined into the response while they fit in one, and the rest for customer-service messages."""
    first: str | None = None
    for index, reply in enumerate(replies):
        joined = reply.text if first is None else f"{first}\n{reply.text}"
        if not passive(Outgoing(joined)) or reply.choices:
            return first, replies[index:]
        first = joined
    return first, []


async def receive(request: web.Request) -> web.Response:
    """One message or event (403 and nothing kept unless WeChat signed it for this account, now)."""
    config = request.config_dict[SETTINGS].wechat
    assert config is not None
    # In safe mode msg_signature signs the token, timestamp, nonce and the encrypted message; `signature`, which WeChat
    # sends too, is checked when present.
    timestamp, nonce = verified_query(request, config, signed=not config.encoding_aes_key or "signature" in request.query)
    message = await read_message(request, config, timestamp, nonce)
    redis, queue = request.app[REDIS], request.app[QUEUE]
    earlier = claim(redis, message)
    if earlier is not None:
        return respond(config, message, earlier or None, nonce)
    if opens_window(message):
        note_contact(redis, message.openid)
    dialogue = request.app[DIALOGUE]
    task = asyncio.ensure_future(answer(dialogue, message))
    done, _ = await asyncio.wait({task}, timeout=config.reply_seconds)
    if not done:
        pending = request.app[PENDING_TASKS]
        pending.add(task)

        def send_later(finished: asyncio.Task[list[Outgoing]]) -> None:
            pending.discard(finished)
            enqueue_replies(queue, message.openid, finished.result())

        task.add_done_callback(send_later)
        return respond(config, message, None, nonce)
    first, rest = split(task.result())
    redis.set(claim_key(message), first or "", ex=RETRY_MEMORY_SECONDS)
    enqueue_replies(queue, message.openid, rest)
    return respond(config, message, first, nonce)


async def answer(dialogue: Dialogue, message: Inbound) -> list[Outgoing]:
    """The dialogue's replies; a failure is logged and told to the user (their progress is kept in Redis)."""
    try:
        return await dialogue.handle(message)
    except Exception:
        log.exception("WeChat message %s failed", message.dedup_key)
        return [Outgoing(text(dialogue.language(message.openid), "error"))]


