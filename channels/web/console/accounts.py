"""Sign-in and sign-out pages, and the administrators' account management at /console/users."""
from __future__ import annotations

import re
import secrets

from aiohttp import web
from aiohttp_session import get_session

from channels.web.console.auth import (
    LOGIN_PATH, ROLES, attempt_login, console_lang, current_user, hash_password, login_required, require_csrf, safe_next,
)
from channels.web.console.catalogue import text
from channels.web.console.pages import render
from gateway.appkeys import SETTINGS, STORE
from gateway.store.store import Store

routes = web.RouteTableDef()
USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,32}$")
MIN_PASSWORD = 10


@routes.get(LOGIN_PATH)
async def login_page(request: web.Request) -> web.Response:
    await get_session(request)
    return render(request, "console/login.html", {"next": safe_next(request.query.get("next")), "username": "", "error": None})


@routes.post(LOGIN_PATH)
async def login(request: web.Request) -> web.Response:
    await get_session(request)
    form = await request.post()
    require_csrf(request, form)
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    settings = request.app[SETTINGS].console
    refused = await attempt_login(request, settings, username, password)
    if refused is None:
        raise web.HTTPSeeOther(target)
    error = text(refused.code, console_lang(request), seconds=refused.seconds)
    return render(request, "console/login.html", {"next": target, "username": username, "error": error}, status=401)


@routes.post("/console/logout")
async def logout(request: web.Request) -> web.Response:
    session = await get_session(request)
    require_csrf(request, await request.post())
    session.invalidate()
    raise web.HTTPSeeOther(LOGIN_PATH)


async def _users_page(request: web.Request, *, error: str | None = None, notice: str | None = None, status: int = 200) -> web.Response:
    store: Store = request.app[STORE]
    rows = [
        {"username": u.username, "role": u.role, "language": u.language, "disabled": u.disabled, "locked": store.locked(u),
         "last_login": u.last_login_at}
        for u in await store.users()
    ]
    context = {"users": rows, "roles": ROLES, "min_password": MIN_PASSWORD, "error": error} | ({"notice": notice} if notice else {})
    return render(request, "console/users.html", context, status=status)


@routes.get("/console/users")
@login_required("admin")
async def users_page(request: web.Request) -> web.Response:
    return await _users_page(request)


def _new_password(given: str, lang: str) -> tuple[str | None, str | None]:
    """The password to set (given, or generated when empty) or the error why the given one is refused."""
    if not given:
        return secrets.token_urlsafe(12), None
    if len(given) < MIN_PASSWORD:
        return None, text("password_too_short", lang, min=MIN_PASSWORD)  # type: ignore[arg-type]
    return given, None


@routes.post("/console/users")
@login_required("admin")
async def create_user(request: web.Request) -> web.Response:
    form = await request.post()
    require_csrf(request, form)
    lang, store = console_lang(request), request.app[STORE]
    username, role, language = (str(form.get(k, "")).strip() for k in ("username", "role", "language"))
    password, error = _new_password(str(form.get("password", "")), lang)
    if not USERNAME.match(username):
        error = text("bad_username", lang)
    elif role not in ROLES:
        error = text("bad_role", lang, role=role)
    elif language not in ("zh", "en"):
        error = text("bad_language", lang, language=language)
    elif await store.user(username) is not None:
        error = text("username_taken", lang, username=username)
    if error or password is None:
        return await _users_page(request, error=error, status=400)
    await store.add_user(username, hash_password(password), role, language=language, actor=current_user(request).username)
    generated = not form.get("password")
    notice = text("new_password", lang, username=username, password=password) if generated else text("user_created", lang, username=username)
    return await _users_page(request, notice=notice)


@routes.post("/console/users/{username}")
@login_required("admin")
async def change_user(request: web.Request) -> web.Response:
    """One action on an account: change its role, disable or enable it, or reset its password to a generated one."""
    form = await request.post()
    require_csrf(request, form)
    lang, store, me = console_lang(request), request.app[STORE], current_user(request)
    username, action, role = request.match_info["username"], str(form.get("action", "")), str(form.get("role", ""))
    if await store.user(username) is None:
        return await _users_page(request, error=text("no_such_user", lang, username=username), status=404)
    if username == me.username and (action == "disable" or (action == "role" and role != "admin")):
        return await _users_page(request, error=text("not_yourself", lang), status=400)
    if action == "role":
        if role not in ROLES:
            return await _users_page(request, error=text("bad_role", lang, role=role), status=400)
        await store.update_user(username, me.username, role=role)
    elif action in ("disable", "enable"):
        await store.update_user(username, me.username, disabled=action == "disable")
    elif action == "reset":
        password = secrets.token_urlsafe(12)
        await store.update_user(username, me.username, password_hash=hash_password(password))
        return await _users_page(request, notice=text("new_password", lang, username=username, password=password))
    else:
        raise web.HTTPBadRequest(text=text("bad_action", lang, action=action))
    return await _users_page(request, notice=text("user_updated", lang, username=username))
