"""The audit log, newest first, filtered by kind of entity (and one entity), paged by id."""
from __future__ import annotations

from aiohttp import web

from channels.web.console.admin import queries
from channels.web.console.admin.routing import ADMIN, page, routes
from channels.web.console.auth import login_required
from gateway.appkeys import STORE

PAGE = 100


@routes.get(f"{ADMIN}/audit")
@login_required("admin")
async def audit_log(request: web.Request) -> web.Response:
    store = request.config_dict[STORE]
    entity, entity_id = request.query.get("entity", "")[:20] or None, request.query.get("entity_id", "")[:64] or None
    raw_before = request.query.get("before", "")
    before = int(raw_before) if raw_before.isdigit() else None
    rows = await queries.audit_entries(store, entity, entity_id, PAGE, before)
    context = {"rows": rows, "entity": entity or "", "entity_id": entity_id or "", "kinds": await queries.audit_entity_kinds(store),
               "next_before": rows[-1].id if len(rows) == PAGE else None}
    return page(request, "audit.html", context)
