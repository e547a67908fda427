"""Channel status: SIP workers and the calls in progress (live from the call events), and the health of the Twilio and
Telegram webhooks and the WeChat endpoint as far as the store can tell it."""
from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import get_args

from aiohttp import web

from channels.web.console.admin import queries
from channels.web.console.admin.routing import ADMIN, page, routes
from channels.web.console.auth import console_lang, login_required
from channels.web.console.catalogue import TEXTS
from gateway.appkeys import REDIS, SETTINGS, STORE
from gateway.calls import CALL_EVENTS, CallEvent, CallEventKind, live_workers
from gateway.domain import Channel
from gateway.queueing import async_redis_connection
from gateway.store.clock import utcnow

HEALTH_HOURS = 24
# provider -> (report channels, inbound message providers, call channel) it brings in
PROVIDERS = {
    "telegram": ([Channel.TELEGRAM.value], [], None),
    "mail": ([Channel.EMAIL.value], [], None),
    "wechat": ([Channel.WECHAT.value], [], None),
    "twilio": ([Channel.SMS.value, Channel.WHATSAPP.value, Channel.VOICE.value], ["twilio"], "twilio"),
}


@routes.get(f"{ADMIN}/channels")
@login_required("admin")
async def channel_status(request: web.Request) -> web.Response:
    store, settings = request.config_dict[STORE], request.config_dict[SETTINGS]
    calls = await store.calls(in_progress=True, limit=200)
    since = utcnow() - timedelta(hours=HEALTH_HOURS)
    recent = await store.calls(since=since, limit=1000)
    health = {name: await queries.channel_health(store, *spec, since=since) for name, spec in PROVIDERS.items()}
    configured = {"telegram": settings.telegram is not None, "twilio": settings.twilio is not None, "wechat": settings.wechat is not None}
    configured["mail"] = "mail" in settings.channels
    states = await store.mailbox_states()
    context = {
        "mailboxes": [(box, states.get(box.id)) for box in settings.mail_intake.mailboxes],
        "smtp": settings.mail_intake.smtp, "skipped_letters": await store.skipped_letters(),
        "sip": settings.sip, "calls": calls, "per_worker": Counter(c.worker or "—" for c in calls if c.channel == "sip"),
        "workers_alive": sorted(live_workers(request.config_dict[REDIS]).items()),
        "workers_seen": sorted({c.worker for c in recent if c.channel == "sip" and c.worker}),
        "health": health, "configured": configured, "hours": HEALTH_HOURS, "voicemails": await store.voicemail_counts(),
        "call_kinds": {kind: TEXTS[f"call_kind_{kind}"][console_lang(request)] for kind in get_args(CallEventKind)},
    }
    return page(request, "channels.html", context)


@routes.get(f"{ADMIN}/channels/events")
@login_required("admin")
async def live_call_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: every call event from now on, for the status page's live list."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await response.prepare(request)
    await response.write(b": listening\n\n")
    client = async_redis_connection(request.config_dict[SETTINGS], socket_timeout=None, health_check_interval=0)
    pubsub = client.pubsub()
    await pubsub.subscribe(CALL_EVENTS)
    try:
        # Polled, not awaited forever, so a closed page ends the stream within a second.
        while request.transport is not None and not request.transport.is_closing():
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is not None:
                event = CallEvent.model_validate_json(message["data"])
                await response.write(f"data: {json.dumps(event.model_dump(mode='json'), ensure_ascii=False)}\n\n".encode())
    finally:
        await pubsub.aclose()
        await client.aclose()
    return response
