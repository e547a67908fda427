"""Messages the account writes first: customer-service messages (only within 48 h of the user's last message) sent
from rq jobs with retries, and status changes by template message outside that window."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from redis import Redis
from rq import Queue, Retry

from channels.messaging.wechat.api import NOT_SUBSCRIBED, OUT_OF_WINDOW, WechatApi, WechatError, wechat_settings
from channels.messaging.wechat.texts import text as channel_text
from gateway.domain import Satisfaction, satisfaction_name, status_name
from gateway.queueing import redis_connection
from gateway.settings import Settings

log = logging.getLogger(__name__)
WINDOW_SECONDS = 48 * 3600
MESSAGE_BYTES = 2000  # WeChat takes up to 2048 bytes of text in one message
RETRY_INTERVALS = [10, 60, 300]


@dataclass
class Outgoing:
    """One message to a user: a text, or a question with choices (`msgmenu`: each choice comes back as a text with
    its id in `bizmsgmenuid`)."""

    text: str
    choices: list[tuple[str, str]] = field(default_factory=list)

    def payload(self, openid: str) -> dict[str, Any]:
        if self.choices:
            items = [{"id": choice_id, "content": label} for choice_id, label in self.choices]
            return {"touser": openid, "msgtype": "msgmenu", "msgmenu": {"head_content": fit(self.text), "list": items, "tail_content": ""}}
        return {"touser": openid, "msgtype": "text", "text": {"content": fit(self.text)}}


def fit(text: str, limit: int = MESSAGE_BYTES) -> str:
    """`text` cut to what one message carries (UTF-8 bytes), marked with … when cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[:limit - 3].decode(errors="ignore") + "…"


def passive(message: Outgoing) -> bool:
    """Whether the message can go in the response itself (a plain text that fits)."""
    return not message.choices and len(message.text.encode()) <= MESSAGE_BYTES


def note_contact(redis: Redis, openid: str) -> None:
    """The user wrote now: customer-service messages may reach them for 48 h."""
    redis.set(f"wechat:seen:{openid}", 1, ex=WINDOW_SECONDS)


def in_window(redis: Redis, openid: str) -> bool:
    return bool(redis.exists(f"wechat:seen:{openid}"))


def satisfaction_question(lang: str, number: str) -> Outgoing:
    """The 回访 question of a closed case; choice ids are the case number and the answer's place (1-3)."""
    return Outgoing(channel_text(lang, "satisfaction_question", case=number),
                    [(f"{number}{i}", satisfaction_name(answer, lang)) for i, answer in enumerate(Satisfaction, start=1)])


def enqueue_replies(queue: Queue, openid: str, messages: list[Outgoing]) -> None:
    """Send `messages`, in order, as customer-service messages from a job that retries."""
    if messages:
        queue.enqueue("channels.messaging.wechat.outbound.send_replies", openid, [asdict(m) for m in messages],
                      retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS), result_ttl=0)


async def send_custom(api: WechatApi, openid: str, messages: list[Outgoing]) -> None:
    for message in messages:
        await api.post("cgi-bin/message/custom/send", message.payload(openid))


def send_replies(openid: str, messages: list[dict[str, Any]]) -> None:
    """rq job: answers that did not fit in a response (see `deliver_replies`)."""
    from gateway.jobs import runtime

    worker = runtime()
    settings = worker.settings
    worker.run(deliver_replies(settings, redis_connection(settings), openid, messages))


async def deliver_replies(settings: Settings, redis: Redis, openid: str, messages: list[dict[str, Any]]) -> None:
    """Send the job's messages; out of the 48 h window or unsubscribed they are dropped (logged), since no retry can
    deliver them; any other failure raises, and rq retries the job."""
    api = WechatApi(wechat_settings(settings), redis)
    try:
        await send_custom(api, openid, [Outgoing(m["text"], [(c[0], c[1]) for c in m["choices"]]) for m in messages])
    except WechatError as exc:
        if exc.errcode not in (OUT_OF_WINDOW, NOT_SUBSCRIBED):
            raise
        log.warning("WeChat reply to a user dropped: %s", exc)


async def send_template(settings: Settings, api: WechatApi, openid: str, text: str, case_number: str | None, case_status: str | None, language: str) -> None:
    config = wechat_settings(settings)
    if not config.status_template_id:
        raise WechatError("the user has not written within 48 h and wechat.status_template_id is not set")
    first, _, note = text.partition("\n")
    values = {"text": first, "case": case_number or "", "status": status_name(case_status, language) if case_status else "", "note": note}
    data = {config.template_fields[name]: {"value": value} for name, value in values.items() if name in config.template_fields}
    payload: dict[str, Any] = {"touser": openid, "template_id": config.status_template_id, "data": data}
    if case_number:
        payload["url"] = f"{settings.public_base_url.rstrip('/')}/cases/{case_number}"
    await api.post("cgi-bin/message/template/send", payload)


async def send_notification(
    settings: Settings, contact: dict[str, Any], language: str, text: str, *, case_number: str | None = None, case_status: str | None = None
) -> None:
    """A status message (the notifier of gateway.casework.notify): by customer-service message while the user wrote within 48 h
    (with the 回访 question once the case is closed), else by template message; raises so the job retries."""
    openid = contact.get("wechat_openid")
    if not openid:
        raise WechatError("the contact has no wechat_openid")
    redis = redis_connection(settings)
    api = WechatApi(wechat_settings(settings), redis)
    lang = "en" if language == "en" else "zh"
    if in_window(redis, openid):
        messages = [Outgoing(text)]
        if case_status == "closed" and case_number:
            messages.append(satisfaction_question(lang, case_number))
        try:
            await send_custom(api, openid, messages)
            return
        except WechatError as exc:
            if exc.errcode != OUT_OF_WINDOW:
                raise
    await send_template(settings, api, openid, text, case_number, case_status, lang)
