"""The agents' and administrators' console under /console: accounts, call assist, queues, and the admin pages."""
from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from channels.web.console import accounts, assist, class_picker, review, voicemails
from channels.web.console import case_pages
from channels.web.console.admin import routes as admin_routes
from channels.web.console.auth import setup_sessions
from channels.web.console.case_texts import CASE_TEXTS
from channels.web.console.cases import china_time
from channels.web.console.catalogue import TEXTS
from channels.web.console.pages import CONSOLE_TEMPLATES, add_nav
from gateway.appkeys import SETTINGS

HERE = Path(__file__).resolve().parent

add_nav("/console/", TEXTS["nav_calls"])
add_nav("/console/voicemails", TEXTS["nav_voicemails"])
add_nav("/console/review", TEXTS["nav_review"])
add_nav(case_pages.LIST_PATH, CASE_TEXTS["nav_cases"])
add_nav("/console/users", TEXTS["nav_users"], role="admin")


def setup(app: web.Application) -> None:
    """Sessions, templates (console/… here, admin/… from the admin package), routes and static files of the console."""
    setup_sessions(app, app[SETTINGS])
    loader = jinja2.PrefixLoader({
        "console": jinja2.FileSystemLoader(HERE / "templates"),
        "admin": jinja2.FileSystemLoader(HERE / "admin" / "templates"),
    })
    aiohttp_jinja2.setup(app, loader=loader, autoescape=True, app_key=CONSOLE_TEMPLATES, filters={"china_time": china_time})
    app.add_routes(accounts.routes)
    app.add_routes(case_pages.routes)
    app.add_routes(assist.routes)
    assist.track_sockets(app)
    app.add_routes(voicemails.routes)
    app.add_routes(review.routes)
    app.add_routes(class_picker.routes)
    app.add_routes(admin_routes)
    app.router.add_static("/console/static/", HERE / "static")
