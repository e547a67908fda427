"""The messaging route: Twilio's signed webhook for SMS and WhatsApp, answered with TwiML; a retried MessageSid gets the first reply."""
from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from pydantic import ValidationError
from twilio.twiml.messaging_response import MessagingResponse

from channels.messaging.twilio.desk import MessagingDesk
from channels.messaging.twilio.edge import PROVIDER, twilio_settings, verified_form
from channels.messaging.twilio.inbound import Inbound
from channels.messaging.twilio.texts import fit
from gateway.appkeys import CASEWORK, MEDIA, PIPELINE, REDIS, SETTINGS, STORE, TABLES

MESSAGING_PATH = "/channels/twilio/messaging"
DESK = web.AppKey("twilio_messaging_desk", MessagingDesk)


async def desk_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[DESK] = MessagingDesk(settings, twilio_settings(settings), app[PIPELINE], app[STORE], app[TABLES], app[CASEWORK], app[MEDIA], app[REDIS])
    yield


def twiml(reply: str | None) -> web.Response:
    response = MessagingResponse()
    if reply:
        response.message(fit(reply))
    return web.Response(text=str(response), content_type="application/xml")


async def messaging(request: web.Request) -> web.Response:
    """One inbound SMS or WhatsApp message (403 and nothing stored unless Twilio signed it)."""
    form = await verified_form(request)
    try:
        inbound = Inbound.from_form(form)
    except (ValidationError, ValueError) as exc:
        raise web.HTTPBadRequest(text=f"not a Twilio message: {exc}") from None
    store = request.app[STORE]
    earlier = await store.claim_inbound(PROVIDER, inbound.sid)
    if earlier is not None and earlier.reply is not None:
        return twiml(earlier.reply)
    reply, report_id = await request.app[DESK].answer(inbound)
    await store.finish_inbound(PROVIDER, inbound.sid, reply=reply or "", report_id=report_id)
    return twiml(reply)
