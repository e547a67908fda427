"""Duplicate settings per class: radius, time window and text threshold, stored for the pipeline to follow."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from channels.web.console.admin.routing import ADMIN, error_text, page, routes
from channels.web.console.auth import current_user, login_required, require_csrf
from classifier.tables import CodeTables
from gateway.appkeys import PIPELINE, STORE, TABLES
from gateway.intake.dedup import DEDUP_SETTING, stored_policies
from gateway.i18n import InputError
from gateway.location.dedup import DedupPolicy
from gateway.location.errors import DedupError

FIELDS = ("radius_m", "window_hours", "threshold")


async def stored(request: web.Request) -> dict[str, dict[str, float]]:
    return dict(((await request.config_dict[STORE].admin_setting(DEDUP_SETTING)) or {}).get("classes") or {})


async def dedup_page(request: web.Request, *, error: str | None = None, values: dict[str, Any] | None = None, status: int = 200) -> web.Response:
    default = DedupPolicy()
    context = {"classes": await stored(request), "tables": request.config_dict[TABLES], "error": error, "values": values or {},
               "default": {"radius_m": default.radius_m, "window_hours": default.window.total_seconds() / 3600, "threshold": default.threshold},
               "saved": request.query.get("saved")}
    return page(request, "dedup.html", context, status)


@routes.get(f"{ADMIN}/dedup")
@login_required("admin")
async def show_dedup(request: web.Request) -> web.Response:
    return await dedup_page(request)


def class_setting(form: Mapping[str, Any], known: CodeTables) -> tuple[str, dict[str, float]]:
    """The class and its numbers from the form, checked as the pipeline will use them; InputError when out of range."""
    class_id = str(form.get("class_id", ""))
    if class_id not in known:
        raise InputError("unknown_class", class_id=class_id[:64])
    try:
        values = {name: float(str(form.get(name, ""))) for name in FIELDS}
    except ValueError:
        raise InputError("dedup_not_a_number") from None
    try:
        stored_policies({"classes": {class_id: values}})
    except DedupError as exc:
        raise InputError(exc.code, **exc.params) from None
    return class_id, values


@routes.post(f"{ADMIN}/dedup")
@login_required("admin")
async def save_dedup(request: web.Request) -> web.Response:
    """Set (or with `remove`, drop) one class's settings; this process follows at once, the others within seconds."""
    form = await request.post()
    require_csrf(request, form)
    classes = await stored(request)
    try:
        if form.get("remove"):
            class_id = str(form.get("remove"))
            if class_id not in classes:
                raise InputError("unknown_class", class_id=class_id[:64])
            del classes[class_id]
        else:
            class_id, values = class_setting(form, request.config_dict[TABLES])
            classes[class_id] = values
    except InputError as exc:
        return await dedup_page(request, error=error_text(request, exc), values={k: str(v) for k, v in form.items() if k != "csrf"}, status=400)
    await request.config_dict[STORE].set_admin_setting(DEDUP_SETTING, {"classes": classes}, f"console:{current_user(request).username}")
    request.config_dict[PIPELINE].dedup.forget_policies()
    raise web.HTTPSeeOther(f"{ADMIN}/dedup?saved={class_id}")
