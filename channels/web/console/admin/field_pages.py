"""Field accounts (supervisors, community liaisons): their grids, and their phones, enrolled by a QR code and revocable."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import segno
from aiohttp import web

from channels.web.console.admin.catalogue import TEXTS as ADMIN_TEXTS
from channels.web.console.admin.platform_pages import actor
from channels.web.console.admin.routing import ADMIN, routes
from channels.web.console.auth import console_lang, login_required, require_csrf
from channels.web.console.pages import add_nav, render
from gateway.appkeys import PIPELINE, SETTINGS, STORE
from gateway.i18n import Lang, render as render_text
from gateway.delivery.payload import CHINA
from gateway.store.clock import utcnow
from gateway.store.field import FIELD_ROLES, new_enrol_code
from gateway.store.models import BIGINT_MAX

FIELD = f"{ADMIN}/field"
TEXTS: dict[str, dict[Lang, str]] = {
    "field_title": {"zh": "监督员与联络员", "en": "Supervisors and liaisons"},
    "field_help": {"zh": "在“账号管理”中创建角色为监督员或社区联络员的账号，然后在这里分配网格并登记手机。",
                   "en": "Create accounts with the role supervisor or community liaison on the accounts page, then give them grids and enrol their phones here."},
    "field_none": {"zh": "还没有监督员或社区联络员账号。", "en": "There are no supervisor or liaison accounts yet."},
    "field_grids": {"zh": "负责网格", "en": "Grids"},
    "field_grids_help": {"zh": "可多选；顺序即值班顺序。", "en": "Choose one or more; their order is the duty roster's."},
    "field_grids_save": {"zh": "保存网格", "en": "Save grids"},
    "field_grids_saved": {"zh": "{username} 的网格已保存。", "en": "Grids of {username} saved."},
    "field_unknown_grid": {"zh": "未知的网格编码 {grid}。", "en": "Unknown grid code {grid}."},
    "field_devices": {"zh": "手机", "en": "Phones"},
    "field_device_name": {"zh": "手机名称", "en": "Phone name"},
    "field_enrol": {"zh": "登记新手机", "en": "Enrol a phone"},
    "field_enrol_qr": {"zh": "请用 {username} 的手机扫描此二维码（{minutes} 分钟内有效，只能使用一次）：",
                       "en": "Scan this QR code with the phone of {username} (good for {minutes} minutes, once):"},
    "field_enrol_link": {"zh": "或在手机上打开此地址：", "en": "Or open this address on the phone:"},
    "field_state_waiting": {"zh": "等待登记", "en": "Waiting for enrolment"},
    "field_state_active": {"zh": "已登记，最近使用 {at}", "en": "Enrolled, last seen {at}"},
    "field_state_revoked": {"zh": "已撤销", "en": "Revoked"},
    "field_revoke": {"zh": "撤销", "en": "Revoke"},
    "field_revoke_named": {"zh": "撤销手机 {name}", "en": "Revoke phone {name}"},
    "field_revoked": {"zh": "手机 {name} 已撤销。", "en": "Phone {name} was revoked."},
    "field_no_device": {"zh": "没有这部手机。", "en": "No such phone."},
    "field_no_account": {"zh": "{username} 不是监督员或社区联络员账号。", "en": "{username} is not a supervisor or liaison account."},
    "field_never": {"zh": "从未", "en": "never"},
    "field_stats": {"zh": "近 {days} 天的工作量", "en": "Work of the last {days} days"},
    "field_stats_people": {"zh": "按人员", "en": "By person"},
    "field_stats_grids": {"zh": "按网格", "en": "By grid"},
    "field_account": {"zh": "账号", "en": "Account"},
    "field_grid": {"zh": "网格", "en": "Grid"},
    "field_reports": {"zh": "上报", "en": "Reports"},
    "field_tasks": {"zh": "已回复任务", "en": "Tasks answered"},
    "field_answer_minutes": {"zh": "平均回复用时（分钟）", "en": "Mean time to answer (minutes)"},
    "field_track_points": {"zh": "巡查轨迹点", "en": "Patrol positions"},
    "field_stats_none": {"zh": "这段时间没有记录。", "en": "Nothing recorded in this period."},
}
STATS_DAYS = 7
add_nav(FIELD, TEXTS["field_title"], role="admin")


def _t(request: web.Request, key: str, **params: object) -> str:
    return render_text(TEXTS, key, console_lang(request), **params)


async def field_page(request: web.Request, *, error: str | None = None, enrolment: dict[str, str] | None = None,
                     status: int = 200) -> web.Response:
    store = request.config_dict[STORE]
    locator = request.config_dict[PIPELINE].locator
    cells = locator.grids.cells if locator else ()
    accounts = [{"user": user, "grids": await store.grids_of(user.username), "devices": await store.devices(user.username)}
                for user in await store.field_users()]
    stats = await store.field_stats(utcnow() - timedelta(days=STATS_DAYS))
    context = {"china": CHINA, "accounts": accounts, "cells": cells, "error": error, "enrolment": enrolment, "stats": stats, "stats_days": STATS_DAYS,
               "enrol_minutes": round(request.config_dict[SETTINGS].field.enrol_minutes)}
    return render(request, "admin/field.html", context, status=status, catalogue=ADMIN_TEXTS | TEXTS)


async def _field_account(request: web.Request) -> str | None:
    username = request.match_info["username"]
    user = await request.config_dict[STORE].user(username)
    return username if user is not None and user.role in FIELD_ROLES else None


@routes.get(FIELD)
@login_required("admin")
async def show_field(request: web.Request) -> web.Response:
    return await field_page(request)


@routes.post(f"{FIELD}/{{username}}/grids")
@login_required("admin")
async def save_grids(request: web.Request) -> web.Response:
    form = await request.post()
    require_csrf(request, form)
    username = await _field_account(request)
    if username is None:
        return await field_page(request, error=_t(request, "field_no_account", username=request.match_info["username"][:64]), status=404)
    locator = request.config_dict[PIPELINE].locator
    known = {c.grid_code for c in locator.grids.cells} if locator else set()
    codes = [str(code) for code in form.getall("grids", [])]
    unknown = next((code for code in codes if code not in known), None)
    if unknown is not None:
        return await field_page(request, error=_t(request, "field_unknown_grid", grid=unknown[:20]), status=400)
    await request.config_dict[STORE].set_grids(username, codes, actor(request))
    raise web.HTTPSeeOther(f"{FIELD}#account-{quote(username)}")


@routes.post(f"{FIELD}/{{username}}/devices")
@login_required("admin")
async def enrol_device(request: web.Request) -> web.Response:
    """A new phone for the account: a one-time code, shown once as a QR code of the app's address."""
    form = await request.post()
    require_csrf(request, form)
    username = await _field_account(request)
    if username is None:
        return await field_page(request, error=_t(request, "field_no_account", username=request.match_info["username"][:64]), status=404)
    settings = request.config_dict[SETTINGS]
    name = str(form.get("name", "")).strip()[:100] or username
    code = new_enrol_code()
    await request.config_dict[STORE].add_device(username, name, code, utcnow() + timedelta(minutes=settings.field.enrol_minutes), actor(request))
    link = f"{settings.public_base_url.rstrip('/')}/field/?enrol={code}"
    qr = segno.make(link, error="m").svg_inline(scale=5, title=_t(request, "field_enrol_qr", username=username, minutes=round(settings.field.enrol_minutes)))
    return await field_page(request, enrolment={"username": username, "link": link, "qr": qr})


@routes.post(f"{FIELD}/devices/{{device_id}}/revoke")
@login_required("admin")
async def revoke_device(request: web.Request) -> web.Response:
    require_csrf(request, await request.post())
    text = request.match_info["device_id"]
    device_id = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None
    row = await request.config_dict[STORE].revoke_device(device_id, actor(request)) if device_id is not None and device_id <= BIGINT_MAX else None
    if row is None:
        return await field_page(request, error=_t(request, "field_no_device"), status=404)
    raise web.HTTPSeeOther(f"{FIELD}#device-{row.id}")
