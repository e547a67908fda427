"""The page language: ?lang= (remembered in a cookie), then the cookie, then Accept-Language."""
from __future__ import annotations

from aiohttp import web

from gateway.i18n import Lang, negotiate

LANG_COOKIE = "lang"


def page_lang(request: web.Request) -> Lang:
    explicit = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    return negotiate(request.headers.get("Accept-Language"), explicit)


def keep_lang(request: web.Request, response: web.StreamResponse, lang: Lang) -> None:
    """Remember a language chosen by ?lang= for the following pages."""
    if request.query.get("lang") == lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", path="/")
