"""Rendering a console page: the template in the reader's language, with the nav, CSRF token and security headers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import SESSION_KEY

from channels.web.console.auth import CONSOLE_USER, console_lang, csrf_token
from channels.web.console.catalogue import TEXTS
from channels.web.protect import security_headers
from gateway.appkeys import SETTINGS
from gateway.i18n import Lang, render as render_text

CONSOLE_TEMPLATES = web.AppKey("console_templates", jinja2.Environment)


@dataclass(frozen=True)
class NavItem:
    """A link of the console's navigation, shown to users holding `role`."""

    url: str
    label: dict[Lang, str]
    role: str = "agent"


NAV: list[NavItem] = []


def add_nav(url: str, label: dict[Lang, str], role: str = "agent") -> None:
    """Register a link in the console's navigation (the admin package adds its own pages this way)."""
    NAV.append(NavItem(url, label, role))


def flash(request: web.Request, message: str) -> None:
    """A message for the next page this user opens (after a redirect), kept in the session."""
    request[SESSION_KEY]["notice"] = message


def _session_notice(request: web.Request) -> str | None:
    session = request.get(SESSION_KEY)
    return session.pop("notice", None) if session is not None and "notice" in session else None


def render(request: web.Request, template: str, context: dict[str, Any], *, status: int = 200,
           catalogue: dict[str, dict[Lang, str]] | None = None) -> web.Response:
    """The page; `catalogue` adds a module's own texts to the console's for `t(...)` in its templates."""
    lang = console_lang(request)
    texts = TEXTS | (catalogue or {})
    user = request.get(CONSOLE_USER)
    other = "en" if lang == "zh" else "zh"

    def t(key: str, **params: object) -> str:
        return render_text(texts, key, lang, **params)

    notice = _session_notice(request)
    nav = [(item.url, item.label[lang]) for item in NAV if user is not None and user.may(item.role)]
    page = {"lang": lang, "t": t, "csrf": csrf_token(request), "user": user, "nav": nav, "path": request.path,
            "switch_url": f"{request.path}?lang={other}", "other_lang": other, "notice": notice} | context
    response = aiohttp_jinja2.render_template(template, request, page, status=status, app_key=CONSOLE_TEMPLATES)
    response.headers.update(security_headers(request.app[SETTINGS].tile_url))
    response.headers["Cache-Control"] = "no-store"
    return response
