"""Platforms: the list, add and edit, a signed test delivery, each platform's delivery log; dead letters and their replay."""
from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from channels.web.console.admin import queries
from channels.web.console.admin.platform_edits import TestOutcome, platform_from_form, platforms_now, save_platform, send_test
from channels.web.console.admin.routing import ADMIN, error_text, page, routes
from channels.web.console.auth import current_user, login_required, require_csrf
from classifier.tables import EDITIONS
from gateway.appkeys import PIPELINE, SETTINGS, STORE
from gateway.i18n import InputError
from gateway.settings import PlatformSettings

CRS_CHOICES = ("wgs84", "gcj02", "bd09", "cgcs2000")


async def platforms_page(request: web.Request, *, error: str | None = None, values: dict[str, Any] | None = None, status: int = 200) -> web.Response:
    store = request.config_dict[STORE]
    platforms = await platforms_now(store, request.config_dict[SETTINGS])
    states = {s.platform_id: s for s in await store.platform_states()}
    context = {"platforms": platforms, "states": states, "error": error, "values": values or {}, "editions": EDITIONS, "crs_choices": CRS_CHOICES,
               "saved": request.query.get("saved")}
    return page(request, "platforms.html", context, status)


@routes.get(f"{ADMIN}/platforms")
@login_required("admin")
async def list_platforms(request: web.Request) -> web.Response:
    return await platforms_page(request)


@routes.post(f"{ADMIN}/platforms")
@login_required("admin")
async def add_platform(request: web.Request) -> web.Response:
    form = await request.post()
    require_csrf(request, form)
    try:
        platform = platform_from_form(form, None)
        await save_platform(request.config_dict[STORE], platform, actor(request), new=True, settings=request.config_dict[SETTINGS])
    except InputError as exc:
        values = {k: str(v) for k, v in form.items() if k not in ("csrf", "secret")}
        return await platforms_page(request, error=error_text(request, exc), values=values, status=400)
    request.config_dict[PIPELINE].outbox.forget_platforms()
    raise web.HTTPSeeOther(f"{ADMIN}/platforms/{platform.id}?saved=1")


async def platform_or_404(request: web.Request) -> PlatformSettings:
    platform_id = request.match_info["platform_id"]
    found = next((p for p in await platforms_now(request.config_dict[STORE], request.config_dict[SETTINGS]) if p.id == platform_id), None)
    if found is None:
        raise web.HTTPNotFound(text=error_text(request, InputError("unknown_platform", platform=platform_id[:64])))
    return found


async def platform_page(request: web.Request, platform: PlatformSettings, *, error: str | None = None, tested: TestOutcome | None = None,
                        status: int = 200) -> web.Response:
    store = request.config_dict[STORE]
    state = next((s for s in await store.platform_states() if s.platform_id == platform.id), None)
    context = {"platform": platform, "state": state, "log": await queries.platform_deliveries(store, platform.id), "error": error,
               "tested": tested, "editions": EDITIONS, "crs_choices": CRS_CHOICES, "saved": request.query.get("saved"),
               "from_file": request.config_dict[SETTINGS].platform(platform.id) is not None}
    return page(request, "platform.html", context, status)


@routes.get(f"{ADMIN}/platforms/{{platform_id}}")
@login_required("admin")
async def show_platform(request: web.Request) -> web.Response:
    return await platform_page(request, await platform_or_404(request))


@routes.post(f"{ADMIN}/platforms/{{platform_id}}")
@login_required("admin")
async def edit_platform(request: web.Request) -> web.Response:
    form = await request.post()
    require_csrf(request, form)
    existing = await platform_or_404(request)
    try:
        platform = platform_from_form(form, existing)
        await save_platform(request.config_dict[STORE], platform, actor(request), new=False, settings=request.config_dict[SETTINGS])
    except InputError as exc:
        return await platform_page(request, existing, error=error_text(request, exc), status=400)
    request.config_dict[PIPELINE].outbox.forget_platforms()
    raise web.HTTPSeeOther(f"{ADMIN}/platforms/{platform.id}?saved=1")


@routes.post(f"{ADMIN}/platforms/{{platform_id}}/test")
@login_required("admin")
async def test_platform(request: web.Request) -> web.Response:
    """Send a signed test delivery now and show what the platform answered."""
    require_csrf(request, await request.post())
    platform = await platform_or_404(request)
    async with aiohttp.ClientSession() as session:
        tested = await send_test(session, platform)
    async with request.config_dict[STORE].transaction() as tx:
        await tx.audit("platform", platform.id, "test_delivery", actor(request), status=tested.status, error=tested.error)
    return await platform_page(request, platform, tested=tested)


async def dead_page(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    store = request.config_dict[STORE]
    rows = await queries.dead_letters(store)
    numbers = await store.case_numbers(sorted({r.case_id for r in rows}))
    return page(request, "dead.html", {"rows": rows, "numbers": numbers, "replayed": request.query.get("replayed"), "error": error}, status)


@routes.get(f"{ADMIN}/dead")
@login_required("admin")
async def list_dead(request: web.Request) -> web.Response:
    return await dead_page(request)


@routes.post(f"{ADMIN}/dead/{{delivery_id}}/replay")
@login_required("admin")
async def replay(request: web.Request) -> web.Response:
    """Put a dead letter back in the outbox and queue it (a row that is not dead is refused, nothing changes)."""
    require_csrf(request, await request.post())
    delivery_id = request.match_info["delivery_id"]
    async with request.config_dict[STORE].transaction() as tx:
        row = await tx.replay_dead(delivery_id, actor=actor(request))
    if row is None:
        return await dead_page(request, error=error_text(request, InputError("not_dead_letter", delivery=delivery_id[:40])), status=409)
    request.config_dict[PIPELINE].outbox.enqueue([delivery_id])
    raise web.HTTPSeeOther(f"{ADMIN}/dead?replayed={delivery_id}")


def actor(request: web.Request) -> str:
    return f"console:{current_user(request).username}"
