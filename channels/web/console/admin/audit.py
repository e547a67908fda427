"""The audit log, newest first, filtered by kind of entity (and one entity; a case by its number), paged by id. Cases are
shown by their numbers and linked to their pages; details read as sentences in the reader's language."""
from __future__ import annotations

from aiohttp import web

from channels.web.console.admin import queries
from channels.web.console.admin.routing import ADMIN, page, routes
from channels.web.console.audit_text import action_name, case_ids_in, detail_sentence, entity_name
from channels.web.console.auth import console_lang, login_required
from gateway.appkeys import STORE, TABLES
from gateway.delivery.payload import case_number, parse_case_number

PAGE = 100


@routes.get(f"{ADMIN}/audit")
@login_required("admin")
async def audit_log(request: web.Request) -> web.Response:
    store, tables, lang = request.config_dict[STORE], request.config_dict[TABLES], console_lang(request)
    entity, typed_id = request.query.get("entity", "")[:20] or None, request.query.get("entity_id", "").strip()[:64] or None
    entity_id = typed_id
    if entity is None and typed_id is not None and len(typed_id) >= 14 and typed_id.isdigit():
        entity = "case"
    if entity == "case" and typed_id is not None:  # a case is named by its number; the internal id is never shown
        case_id = parse_case_number(typed_id)
        case = await store.case(case_id) if case_id is not None else None
        entity_id = str(case.id) if case is not None and (len(typed_id) < 14 or case_number(case.id, case.created_at) == typed_id) else "-"
    raw_before = request.query.get("before", "")
    before = int(raw_before) if raw_before.isdigit() else None
    rows = await queries.audit_entries(store, entity, entity_id, PAGE, before)
    numbers = await store.case_numbers(sorted(case_ids_in(rows)))
    entries = [{
        "at": a.at, "entity": entity_name(a.entity, lang), "kind": a.entity,
        "id": numbers.get(int(a.entity_id), a.entity_id) if a.entity == "case" and a.entity_id.isdigit() else a.entity_id,
        "action": action_name(a.action, lang), "actor": a.actor, "detail": detail_sentence(a, lang, numbers, tables),
    } for a in rows]
    kinds = [(k, entity_name(k, lang)) for k in await queries.audit_entity_kinds(store)]
    context = {"rows": entries, "entity": entity or "", "entity_id": typed_id or "", "kinds": kinds,
               "next_before": rows[-1].id if len(rows) == PAGE else None}
    return page(request, "audit.html", context)
