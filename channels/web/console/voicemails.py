"""The voicemail queue: play the recording, write what was said, make it a report through the pipeline, mark it handled."""
from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from channels.web.console.auth import console_lang, current_user, login_required, require_csrf
from gateway.intake.reporters import phone_contact
from channels.web.console.catalogue import text
from channels.web.console.pages import flash, render
from gateway.api.errors import validation_error
from gateway.appkeys import MEDIA, PIPELINE, SETTINGS, STORE
from gateway.domain import Channel, MediaIn, ReportIn
from gateway.i18n import message
from gateway.location import LocationError
from gateway.media import RECORDING_EXTENSIONS
from gateway.delivery.payload import case_number
from gateway.store.models import VoicemailRow

routes = web.RouteTableDef()
RECORDING_NAME = r"[0-9a-f]{64}\.(wav|mp3)"
CONTENT_TYPES = {extension: content_type for content_type, extension in RECORDING_EXTENSIONS.items() if content_type != "audio/x-wav"}
QUEUE_PATH = "/console/voicemails"


@routes.get("/console/recordings/{name:" + RECORDING_NAME + "}")
@login_required()
async def recording(request: web.Request) -> web.FileResponse:
    """A caller's recording, only for signed-in users (never on the public /media/ path)."""
    name = request.match_info["name"]
    path = request.app[MEDIA].path(name)
    if not path.is_file():
        raise web.HTTPNotFound()
    headers = {"Content-Type": CONTENT_TYPES[name.rsplit(".", 1)[1]], "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    return web.FileResponse(path, headers=headers)


async def _page(request: web.Request, *, error: tuple[int, str] | None = None, status: int = 200) -> web.Response:
    handled = request.query.get("status") == "handled"
    rows = await request.app[STORE].voicemails(status="handled" if handled else "new")
    items = list(reversed(rows)) if handled else rows
    cases = await request.app[STORE].case_numbers_of_reports([v.report_id for v in items if v.report_id is not None])
    return render(request, "console/voicemails.html", {"voicemails": items, "handled": handled, "error": error, "cases": cases}, status=status)


@routes.get(QUEUE_PATH)
@login_required()
async def queue(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post(QUEUE_PATH + "/{id:[0-9]+}")
@login_required()
async def act(request: web.Request) -> web.Response:
    """Save the transcript, make the report (which also handles the voicemail), or mark it handled without one."""
    form = await request.post()
    require_csrf(request, form)
    store, lang, user = request.app[STORE], console_lang(request), current_user(request)
    voicemail = await store.voicemail(int(request.match_info["id"]))
    if voicemail is None:
        raise web.HTTPNotFound(text=text("voicemail_not_found", lang))
    if voicemail.status == "handled":
        return await _page(request, error=(voicemail.id, text("voicemail_already_handled", lang)), status=409)
    action, transcript = str(form.get("action", "")), str(form.get("transcript", "")).strip()
    actor = f"agent:{user.username}"
    if action == "handled":
        await store.voicemail_handled(voicemail.id, actor)
        flash(request, text("voicemail_handled", lang))
    elif action in ("transcript", "report"):
        if not transcript:
            return await _page(request, error=(voicemail.id, text("transcript_required", lang)), status=400)
        await store.set_transcript(voicemail.id, transcript, actor)
        if action == "report":
            refused = await _report(request, voicemail, transcript, str(form.get("address", "")).strip() or None, actor)
            if refused:
                return await _page(request, error=(voicemail.id, refused), status=400)
        else:
            flash(request, text("transcript_saved", lang))
    else:
        raise web.HTTPBadRequest(text=text("bad_action", lang, action=action))
    raise web.HTTPSeeOther(QUEUE_PATH)


async def _report(request: web.Request, voicemail: VoicemailRow, transcript: str, address: str | None, actor: str) -> str | None:
    """The voicemail as a hotline report with its recording attached; once only (its client reference replays)."""
    lang, settings = console_lang(request), request.app[SETTINGS]
    base = settings.public_base_url.rstrip("/")
    content_type = CONTENT_TYPES.get(voicemail.recording.rsplit(".", 1)[-1], "audio/wav")
    try:
        report = ReportIn(text=transcript, channel=Channel.HOTLINE, language=voicemail.language, address=address,
                          contact=phone_contact(voicemail.caller, voicemail.consent_updates), client_ref=f"voicemail-{voicemail.id}",
                          media=[MediaIn(url=f"{base}/console/recordings/{voicemail.recording}", content_type=content_type)],
                          received_at=voicemail.received_at)
        result = await request.app[PIPELINE].submit(report, actor=actor)
    except ValidationError as exc:
        err = validation_error(exc)
        return message(err.code, lang, **err.params)
    except LocationError:
        return text("place_unusable", lang)
    await request.app[STORE].voicemail_handled(voicemail.id, actor, report_id=result.report_id)
    case = await request.app[STORE].case(result.case_id)
    assert case is not None
    flash(request, text("voicemail_reported", lang, number=case_number(case.id, case.created_at), count=case.reports_count))
    return None
