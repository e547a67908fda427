"""The citizen's pages: the report form, the confirmation, the status page with the reporter's satisfaction answer."""
from __future__ import annotations

from aiohttp import web

from channels.web.catalogue import text
from channels.web.form import FormTooLarge, Posted, check, read_form
from channels.web.intake import Refused, submit
from channels.web.lang import page_lang
from channels.web.mapview import map_view
from channels.web.pages import render
from channels.web.protect import RateLimiter, csrf_valid
from channels.web.reporter import (AlreadyAnswered, answer_of, cached_secret, keyed_report, proven_report, record_answer, report_by_phone_digits,
                                   report_key)
from channels.web.timeline import steps
from gateway.api.cases import load_case
from gateway.api.errors import ApiError
from gateway.appkeys import CASEWORK, MEDIA, PIPELINE, REDIS, SETTINGS, STORE, TABLES
from gateway.casework.cases import CaseworkError
from gateway.domain import CaseStatus, Satisfaction, satisfaction_name, status_name
from gateway.delivery.payload import case_number
from gateway.location import LocationError
from gateway.location.crs import to_wgs84
from gateway.privacy import rough_place
from gateway.store.models import CaseRow

routes = web.RouteTableDef()


def in_words(request: web.Request, lat: object, lon: object, crs: str, lang: str) -> str | None:
    """A point (as stored, or as the form sent it back) as the nearest known place in words; None when it is none."""
    locator = request.config_dict[PIPELINE].locator
    try:
        point = to_wgs84(float(lat), float(lon), crs or "wgs84")  # type: ignore[arg-type]
    except (TypeError, ValueError, LocationError):
        return None
    return locator.describe(*point, lang) if locator is not None else None


def form_page(request: web.Request, posted: Posted | None = None, errors: dict[str, str] | None = None, status: int = 200) -> web.Response:
    settings = request.config_dict[SETTINGS]
    values = posted.fields if posted else {}
    context = {
        "values": values, "errors": errors or {}, "max_photos": settings.web.max_photos, "max_text": settings.intake.max_text_chars,
        "place": in_words(request, values.get("lat"), values.get("lon"), values.get("crs", "wgs84"), page_lang(request)) if values.get("lat") else None,
        "map": map_view(settings, request.config_dict[PIPELINE].locator),
    }
    return render(request, "form.html", context, status, path="/")


@routes.get("/")
async def report_form(request: web.Request) -> web.Response:
    return form_page(request)


@routes.post("/report")
async def post_report(request: web.Request) -> web.Response:
    """A form post: refused with errors by field (nothing stored), or accepted and redirected to the confirmation."""
    lang = page_lang(request)
    settings = request.config_dict[SETTINGS]
    try:
        posted = await read_form(request, settings)
    except FormTooLarge:
        return form_page(request, None, {"form": text("error_form_too_large", lang)}, 413)
    if not csrf_valid(request, posted.fields.get("csrf")) or posted.get("website"):
        return form_page(request, posted, {"form": text("error_csrf", lang)}, 403)
    checked = await check(posted, lang, settings, request.config_dict[TABLES], request.config_dict[MEDIA])
    if checked.report is None:
        return form_page(request, posted, checked.errors, 400)
    try:
        accepted = await submit(request, checked.report, checked.photos, posted.get("join") or None)
    except Refused as refused:
        return form_page(request, posted, {refused.field: text(refused.code, lang)}, refused.status)
    key = report_key(await cached_secret(request.config_dict[STORE]), accepted.report_id)
    raise web.HTTPSeeOther(f"/received/{accepted.number}?key={key}" + ("&joined=1" if accepted.joined else ""))


async def case_or_none(request: web.Request, number: str) -> CaseRow | None:
    try:
        return await load_case(request.config_dict[STORE], number)
    except ApiError:
        return None


def not_found(request: web.Request, number: str) -> web.Response:
    return render(request, "not_found.html", {"number": number}, 404)


@routes.get(r"/received/{number:\d{6,20}}")
async def received(request: web.Request) -> web.Response:
    number = request.match_info["number"]
    case = await case_or_none(request, number)
    if case is None:
        return not_found(request, number)
    key = request.query.get("key")
    proven = await proven_report(request.config_dict[STORE], case, key)
    context = {
        "number": number, "joined": request.query.get("joined") == "1", "reports_count": case.reports_count, "key": key if proven else None,
        "public_base_url": request.config_dict[SETTINGS].public_base_url.rstrip("/"),
    }
    return render(request, "received.html", context, path=str(request.rel_url))


@routes.get("/cases")
async def lookup(request: web.Request) -> web.Response:
    """The lookup form posts here by GET: go to the case's page."""
    number = "".join(ch for ch in request.query.get("number", "") if ch.isdigit())
    if not 6 <= len(number) <= 20:
        return not_found(request, request.query.get("number", "")[:40])
    raise web.HTTPSeeOther(f"/cases/{number}")


@routes.get(r"/cases/{number:\d{6,20}}")
async def case_page(request: web.Request) -> web.Response:
    return await status_page(request, request.match_info["number"])


async def status_page(request: web.Request, number: str, errors: dict[str, str] | None = None, status: int = 200, key: str | None = None) -> web.Response:
    """The case as the public sees it: class, a rough place, status and times reported. With the key of one of its
    reports (the reporter's link, or one given for the last four digits of their phone) the full page: the address,
    the timeline with the platform's notes, and the reporter's 回访 answer or its buttons."""
    lang = page_lang(request)
    store = request.config_dict[STORE]
    case = await case_or_none(request, number)
    if case is None:
        return not_found(request, number)
    key = key or request.query.get("key")
    reporter = await proven_report(store, case, key)
    tables = request.config_dict[TABLES]
    root = await store.merge_root(case.id) if case.merged_into else None  # where a chain of merges put its reports
    merged_into = case_number(root.id, root.created_at) if root is not None and root.id != case.id else None
    audit = await store.audit_of("case", case.id) if reporter is not None else []
    given = answer_of(audit, reporter) if reporter is not None else None
    place = (case.address or in_words(request, case.lat, case.lon, "wgs84", lang)) if reporter is not None \
        else rough_place(case.address, case.lat, case.lon, request.config_dict[PIPELINE].locator)
    context = {
        "number": case_number(case.id, case.created_at),
        "case": case,
        "full": reporter is not None,
        "place": place,
        "status_name": status_name(case.status, lang),
        "category": tables.label(case.class_id, lang, major=False),
        "steps": steps(audit, lang),
        "merged_into": merged_into,
        "carried_key": key if key and keyed_report(await cached_secret(store), key) is not None else None,
        "closed": case.status == CaseStatus.CLOSED,
        "key": key if reporter is not None else None,
        "answers": [(a.value, satisfaction_name(a.value, lang)) for a in Satisfaction],
        "answered": satisfaction_name(given, lang) if given else None,
        "errors": errors or {},
    }
    path = f"/cases/{context['number']}" + (f"?key={context['key']}" if context["key"] else "")
    return render(request, "status.html", context, status, path=path)


@routes.post(r"/cases/{number:\d{6,20}}/verify")
async def verify(request: web.Request) -> web.Response:
    """The last four digits of the phone number a reporter gave open the full page (by that report's key), as on a
    12345 line. Tries are limited per case and per client address; nothing tells which digits were near."""
    lang = page_lang(request)
    number = request.match_info["number"]
    data = await request.post()
    if not csrf_valid(request, str(data.get("csrf", ""))):
        return await status_page(request, number, {"verify": text("error_csrf", lang)}, 403)
    case = await case_or_none(request, number)
    if case is None:
        return not_found(request, number)
    digits = str(data.get("digits", "")).strip()
    if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
        return await status_page(request, number, {"verify": text("error_verify_format", lang)}, 400)
    limits, limiter = request.config_dict[SETTINGS].web, RateLimiter(request.config_dict[REDIS])
    if not (await limiter.allow("verify-case", str(case.id), limits.status_checks_per_case_per_hour)
            and await limiter.allow("verify-ip", request.remote or "unknown", limits.status_checks_per_ip_per_hour)):
        return await status_page(request, number, {"verify": text("error_rate_verify", lang)}, 429)
    report_id = await report_by_phone_digits(request.config_dict[STORE], case, digits)
    if report_id is None:
        return await status_page(request, number, {"verify": text("error_verify", lang)}, 403)
    raise web.HTTPSeeOther(f"/cases/{case_number(case.id, case.created_at)}?key={report_key(await cached_secret(request.config_dict[STORE]), report_id)}")


@routes.post(r"/cases/{number:\d{6,20}}/feedback")
async def feedback(request: web.Request) -> web.Response:
    """One click of 满意 / 基本满意 / 不满意 on a closed case by its reporter (proven by the key of their link):
    stored once and passed on to platforms. Without a valid key, or a second time, refused and nothing stored."""
    lang = page_lang(request)
    number = request.match_info["number"]
    data = await request.post()
    key = str(data.get("key", "")) or None
    if not csrf_valid(request, str(data.get("csrf", ""))):
        return await status_page(request, number, {"feedback": text("error_csrf", lang)}, 403, key)
    case = await case_or_none(request, number)
    if case is None:
        return not_found(request, number)
    reporter = await proven_report(request.config_dict[STORE], case, key)
    if reporter is None:
        return await status_page(request, number, {"feedback": text("error_feedback_reporter", lang)}, 403, key)
    try:
        answer = Satisfaction(str(data.get("answer", "")))
    except ValueError:
        return await status_page(request, number, {"feedback": text("error_feedback", lang)}, 400, key)
    try:
        await record_answer(request.config_dict[CASEWORK], request.config_dict[REDIS], case, reporter, answer)
    except AlreadyAnswered:
        return await status_page(request, number, {"feedback": text("error_feedback_once", lang)}, 409, key)
    except CaseworkError:
        return await status_page(request, number, {"feedback": text("error_not_closed", lang)}, 409, key)
    raise web.HTTPSeeOther(f"/cases/{number}?key={key}")
