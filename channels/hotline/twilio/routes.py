"""The voice routes: every Twilio voice webhook under /channels/twilio/voice, signature checked, answered with TwiML."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator

from aiohttp import web

from channels.hotline.twilio.desk import VOICE_PATH, VoiceDesk
from channels.messaging.twilio.edge import twilio_settings, verified_form
from gateway.appkeys import MEDIA, PIPELINE, QUEUE, REDIS, SETTINGS, STORE, TABLES

DESK = web.AppKey("twilio_voice_desk", VoiceDesk)
STEPS = ("language", "describe", "place", "confirm", "consent", "record", "recorded", "transcription", "status")
CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")


async def desk_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[DESK] = VoiceDesk(settings, twilio_settings(settings), app[PIPELINE], app[STORE], app[TABLES], app[MEDIA], app[REDIS], app[QUEUE])
    yield


async def voice(request: web.Request) -> web.Response:
    """One turn of a call (403 and nothing stored unless Twilio signed it)."""
    form = await verified_form(request)
    if not CALL_SID.match(form.get("CallSid", "")):
        raise web.HTTPBadRequest(text="not a Twilio call: CallSid missing or malformed")
    desk = request.app[DESK]
    step = request.match_info.get("step", "start")
    try:
        answer = await getattr(desk, step)(form)
    except LookupError:
        raise web.HTTPNotFound(text="unknown call") from None
    return web.Response(text=str(answer), content_type="application/xml")


def add_routes(app: web.Application) -> None:
    app.router.add_post(VOICE_PATH, voice)
    app.router.add_post(VOICE_PATH + "/{step:" + "|".join(STEPS) + "}", voice)
