"""The console's case list (search) and case page, and what an agent does there: reclassify, merge, keep apart, undo a
merge, void (作废). Reporters' phone numbers, names and e-mail addresses are read in full by administrators only
(`CONTACT_ROLE`); agents see the last four digits, enough to tell a caller it is their report."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from channels.web.console.assist import top_classes
from channels.web.console.audit_text import action_name, detail_sentence
from channels.web.console.auth import console_lang, current_user, login_required, require_csrf
from channels.web.console.case_texts import CASE_TEXTS, channel_label
from channels.web.console.cases import case_brief, china_time
from channels.web.console.pages import flash, render
from channels.web.mapview import map_view
from classifier.families import load_families
from classifier.tables import DEFAULT_EDITION, EDITIONS, CodeTables
from gateway.api.cases import load_case
from gateway.api.errors import ApiError
from gateway.appkeys import CASEWORK, PIPELINE, SETTINGS, STORE, TABLES
from gateway.casework.cases import CaseworkError
from gateway.domain import CaseStatus, Channel, satisfaction_name, status_name
from gateway.i18n import message, render as render_text
from gateway.location.crs import convert
from gateway.media import recording_name
from gateway.delivery.payload import CHINA, case_number
from gateway.privacy import mask_numbers
from gateway.store.casesearch import CaseFile, CaseSearch
from gateway.store.models import CaseRow, ReportRow

routes = web.RouteTableDef()
LIST_PATH = "/console/cases"
PAGE_SIZE = 25
CONTACT_ROLE = "admin"
FIELD_CHARS = 100
BAD_INPUT = ("unknown_class", "void_reason_required", "void_reason_too_long")
SEARCH_FIELDS = ("number", "phone", "words", "place", "class_id", "status", "channel", "since", "until")


def t(key: str, lang: str, **params: object) -> str:
    return render_text(CASE_TEXTS, key, lang, **params)


def case_path(number: str) -> str:
    return f"{LIST_PATH}/{number}"


def class_groups(tables: CodeTables, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every class under its major class (in the first edition that has it), for a `<select data-class-picker>`."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for info in tables.classes():
        code = next((c for e in (DEFAULT_EDITION, *EDITIONS) if (c := tables.render(info.class_id, e)) is not None), None)
        major = tables.major_label(code.kind, code.major_name, lang) if code else ""
        groups.setdefault(major, []).append((info.class_id, tables.label(info.class_id, lang, major=False) or info.class_id))
    return [(major, sorted(items)) for major, items in sorted(groups.items(), key=lambda g: g[1][0][0])]


def _china_day(value: str, field: str, lang: str, errors: dict[str, str]) -> datetime | None:
    """The start of a China day given as YYYY-MM-DD, in UTC."""
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(), CHINA)
    except ValueError:
        errors[field] = t("search_bad_date", lang, value=value)
        return None


def parse_search(query: MultiDictProxy[str], tables: CodeTables, lang: str) -> tuple[dict[str, str], CaseSearch, dict[str, str]]:
    """The form's fields as typed, the search they make, and what was refused (by field)."""
    typed = {name: query.get(name, "").strip()[:FIELD_CHARS] for name in SEARCH_FIELDS}
    errors: dict[str, str] = {}
    for name, known, key in (("class_id", tables, "search_unknown_class"), ("status", set(CaseStatus), "search_unknown_status"),
                             ("channel", set(Channel), "search_unknown_channel")):
        if typed[name] and typed[name] not in known:
            errors[name] = t(key, lang, value=typed[name])
    since = _china_day(typed["since"], "since", lang, errors)
    until = _china_day(typed["until"], "until", lang, errors)
    page = query.get("page", "1")
    offset = (int(page) - 1) * PAGE_SIZE if page.isdigit() and 0 < int(page) < 10**6 else 0
    search = CaseSearch(
        number=typed["number"] or None, phone=typed["phone"] or None, words=typed["words"] or None, place=typed["place"] or None,
        class_id=typed["class_id"] or None, status=typed["status"] or None, channel=typed["channel"] or None,
        since=since, until=until + timedelta(days=1) if until else None, limit=PAGE_SIZE, offset=offset,
    )
    return typed, search, errors


@routes.get(LIST_PATH)
@login_required()
async def case_list(request: web.Request) -> web.Response:
    """The search form and one page of matching cases, newest first."""
    lang, tables, store = console_lang(request), request.app[TABLES], request.app[STORE]
    typed, search, errors = parse_search(request.query, tables, lang)
    rows, total = await store.search_cases(search) if not errors else ([], 0)
    page = search.offset // PAGE_SIZE + 1
    kept = {k: v for k, v in typed.items() if v}

    def page_url(n: int) -> str:
        return f"{LIST_PATH}?{urlencode(kept | {'page': n})}"

    context = {
        "typed": typed, "errors": errors, "total": total, "first": search.offset + 1, "last": search.offset + len(rows),
        "cases": [case_brief(c, tables, lang, channel_name=channel_label(c.source_channel, lang)) for c in rows],
        "newer": page_url(page - 1) if page > 1 else None,
        "older": page_url(page + 1) if search.offset + len(rows) < total else None,
        "groups": class_groups(tables, lang), "statuses": [(s.value, status_name(s.value, lang)) for s in CaseStatus],
        "channels": [(c.value, channel_label(c.value, lang)) for c in Channel], "searched": bool(kept),
    }
    return render(request, "console/cases.html", context, status=400 if errors else 200, catalogue=CASE_TEXTS)


def _contact(report: ReportRow, may_read: bool) -> dict[str, Any] | None:
    """The reporter's name, phone and e-mail for those who may read them; otherwise the phone's last four digits."""
    contact = report.contact or {}
    shown = {k: contact.get(k) for k in ("name", "phone", "email") if contact.get(k)}
    if not shown:
        return None
    if may_read:
        return shown
    return {"phone": mask_numbers(str(shown["phone"])) if "phone" in shown else None, "hidden": True}


def _media(report: ReportRow) -> tuple[list[str], list[dict[str, str]]]:
    """The report's photos (their addresses) and recordings (played from the console's own address)."""
    photos, recordings = [], []
    for item in report.media or []:
        url, kind = str(item.get("url", "")), str(item.get("content_type", ""))
        name = recording_name(url)
        if name is not None or kind.startswith("audio/"):
            recordings.append({"src": f"/console/recordings/{name}" if name else url, "type": kind})
        elif kind.startswith("image/"):
            photos.append(url)
    return photos, recordings


def _precision_note(case: CaseRow, tables: CodeTables, lang: str) -> str | None:
    """What the class stands for when the text did not name it: the family's default member, or a sure major's likeliest
    class (None when the class itself was named)."""
    if case.class_id is None:
        return None
    member = tables.label(case.class_id, lang, major=False)
    family = load_families().get(case.class_family or "") if case.class_precision == "family" else None
    if family is not None:
        return t("class_family_only", lang, family=family.display_name(lang), member=member)
    code = tables.render(case.class_id, DEFAULT_EDITION) if case.class_precision == "major" else None
    if code is not None:
        return t("class_major_only", lang, major=tables.major_label(code.kind, code.major_name, lang), member=member)
    return None


def _class_view(request: web.Request, file: CaseFile, lang: str) -> dict[str, Any]:
    """The class, how sure and by whom, what it stands for, further problems, and the classifier's reasons."""
    case, tables = file.case, request.app[TABLES]
    classifier = request.app[PIPELINE].classifier
    reasons = [] if classifier is None else [
        t("class_reason_item", lang, name=c["name"] or c["class_id"], percent=round(c["confidence"] * 100), words="、".join(c["words"]) or "—")
        for c in top_classes(classifier, request, case.text)]
    return {
        "name": tables.label(case.class_id, lang) if case.class_id else None,
        "by": t("class_by", lang, source=t(f"class_source_{case.class_source}", lang) if f"class_source_{case.class_source}" in CASE_TEXTS
                else case.class_source or "—", percent=round((case.class_confidence or 0) * 100)) if case.class_id else None,
        "precision": _precision_note(case, tables, lang),
        "also": [f"{tables.label(a['class_id'], lang) or a['class_id']} ({round(float(a.get('confidence') or 0) * 100)}%)"
                 for a in case.also_classes or () if a.get("class_id") in tables],
        "reasons": reasons,
    }


def case_context(request: web.Request, file: CaseFile) -> dict[str, Any]:
    """Everything the case page shows."""
    lang, tables, settings = console_lang(request), request.app[TABLES], request.app[SETTINGS]
    case, numbers = file.case, file.numbers
    may_read = current_user(request).may(CONTACT_ROLE)
    reports = []
    for n, report in enumerate(file.reports, 1):
        photos, recordings = _media(report)
        elsewhere = report.case_id if report.case_id != case.id else None
        reports.append({
            "n": n, "at": china_time(report.received_at), "channel": channel_label(report.channel, lang), "text": report.text,
            "address": report.address, "contact": _contact(report, may_read), "consent": report.consent_updates,
            "photos": photos, "recordings": recordings,
            "moved_from": numbers.get(report.original_case_id) if report.original_case_id and report.case_id == case.id else None,
            "now_in": numbers.get(elsewhere) if elsewhere else None,
        })
    view = map_view(settings, request.app[PIPELINE].locator)
    point = None
    if view is not None and case.lat is not None and case.lon is not None:
        lat, lon = convert(case.lat, case.lon, "wgs84", view.crs)
        point = {"tiles": view.tiles, "lat": round(lat, 6), "lon": round(lon, 6), "zoom": view.zoom}
    by_platform: dict[str, list[dict[str, Any]]] = {}
    for d in file.deliveries:
        by_platform.setdefault(d.platform_id, []).append({
            "at": china_time(d.created_at), "text": t("delivery_row", lang, event=t(f"event_{d.event}", lang) if f"event_{d.event}" in CASE_TEXTS else d.event,
                                                      status=t(f"delivery_{d.status}", lang), attempts=d.attempts),
            "delivered": china_time(d.delivered_at), "error": mask_numbers(d.last_error) if d.last_error else None})
    open_ = CaseStatus(case.status) not in (CaseStatus.CLOSED, CaseStatus.VOIDED, CaseStatus.MERGED)
    return {
        "case": case_brief(case, tables, lang, channel_name=channel_label(case.source_channel, lang), updated_at=china_time(case.updated_at),
                           due_at=china_time(case.due_at), note=case.last_note, case_source=case.case_source),
        "merged_into": numbers.get(case.merged_into) if case.merged_into else None,
        "possible_duplicate": numbers.get(case.possible_duplicate_of) if case.possible_duplicate_of else None,
        "kept_apart_possible": case.status == CaseStatus.NEEDS_REVIEW and case.review_reason == "possible_duplicate",
        "class_view": _class_view(request, file, lang), "groups": class_groups(tables, lang),
        "reports": reports, "point": point, "platforms": sorted(by_platform.items()),
        "feedback": [{"at": china_time(f.created_at), "answer": satisfaction_name(f.answer, lang), "channel": channel_label(f.channel, lang),
                      "comment": f.comment} for f in file.feedback],
        "timeline": [{"at": china_time(a.at), "action": action_name(a.action, lang), "actor": a.actor,
                      "detail": detail_sentence(a, lang, numbers, tables)} for a in file.audit],
        "may_act": open_, "may_unmerge": case.status == CaseStatus.MERGED,
    }


async def _page(request: web.Request, number: str, *, error: str | None = None, status: int = 200) -> web.Response:
    store, lang = request.app[STORE], console_lang(request)
    try:
        case = await load_case(store, number)
    except ApiError:
        return render(request, "console/case_missing.html", {"number": number}, status=404, catalogue=CASE_TEXTS)
    file = await store.case_file(case.id)
    assert file is not None
    return render(request, "console/case.html", case_context(request, file) | {"error": error}, status=status, catalogue=CASE_TEXTS)


@routes.get(LIST_PATH + r"/{number:\d{1,30}}")
@login_required()
async def case_page(request: web.Request) -> web.Response:
    return await _page(request, request.match_info["number"])


@routes.post(LIST_PATH + r"/{number:\d{1,30}}")
@login_required()
async def act(request: web.Request) -> web.Response:
    """`class`, `merge` (into `into`), `keep_apart`, `unmerge` or `void` (with `reason`); refusals change nothing."""
    form = await request.post()
    require_csrf(request, form)
    lang, number = console_lang(request), request.match_info["number"]
    actor, casework, store, tables = f"agent:{current_user(request).username}", request.app[CASEWORK], request.app[STORE], request.app[TABLES]
    action = str(form.get("action", ""))
    try:
        case = await load_case(store, number)
        if action == "class":
            class_id = str(form.get("class_id", "")).strip()
            if not class_id:
                return await _page(request, number, error=t("class_required", lang), status=400)
            await casework.set_class(case.id, class_id, actor)
            flash(request, t("class_saved", lang, number=number, name=tables.label(class_id, lang) or class_id))
        elif action == "merge":
            into = str(form.get("into", "")).strip()[:FIELD_CHARS]
            if not into:
                return await _page(request, number, error=message("missing_field", lang, field=t("merge_into", lang)), status=400)
            target = await load_case(store, into)
            kept = await casework.merge(case.id, target.id, actor)
            flash(request, t("merged", lang, number=number, into=case_number(kept.id, kept.created_at)))
        elif action == "keep_apart":
            await casework.keep_apart(case.id, actor)
            flash(request, t("kept_apart", lang, number=number))
        elif action == "unmerge":
            await casework.unmerge(case.id, actor)
            flash(request, t("unmerged", lang, number=number))
        elif action == "void":
            await casework.void(case.id, str(form.get("reason", "")), actor)
            flash(request, t("voided", lang, number=number))
        else:
            raise web.HTTPBadRequest(text=message("invalid_field", lang, field="action", detail=action[:40]))
    except ApiError as exc:
        return await _page(request, number, error=message(exc.code, lang, **exc.params), status=exc.status)
    except CaseworkError as exc:
        return await _page(request, number, error=message(exc.code, lang, **exc.localized(lang)), status=400 if exc.code in BAD_INPUT else 409)
    raise web.HTTPSeeOther(case_path(number))
