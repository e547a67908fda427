"""Rendering a page: the template in the visitor's language, with CSRF cookie, language cookie and security headers."""
from __future__ import annotations

from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from yarl import URL

from channels.web.catalogue import text
from channels.web.lang import keep_lang, page_lang
from channels.web.protect import csrf_token, keep_csrf, security_headers
from gateway.appkeys import SETTINGS

TEMPLATES = web.AppKey("web_templates", jinja2.Environment)


def render(request: web.Request, template: str, context: dict[str, Any], status: int = 200, path: str | None = None) -> web.Response:
    """The page; the language switch links to `path` (default: this request's path), its query kept."""
    lang = page_lang(request)
    token = csrf_token(request)
    other = "en" if lang == "zh" else "zh"

    def t(key: str, **params: object) -> str:
        return text(key, lang, **params)

    page = {"lang": lang, "t": t, "csrf": token, "switch_url": str(URL(path or request.path).update_query(lang=other)), "other_lang": other} | context
    response = aiohttp_jinja2.render_template(template, request, page, status=status, app_key=TEMPLATES)
    response.headers.update(security_headers(request.config_dict[SETTINGS].tile_url))
    response.headers["Cache-Control"] = "no-store"
    keep_csrf(request, response, token)
    keep_lang(request, response, lang)
    return response
