"""The web channel: the citizen's report form and case-status page."""
from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from channels.web import console, hints, views
from channels.web.catalogue import text
from channels.web.pages import TEMPLATES
from channels.web.reporter import reporter_link
from channels.web.staticfiles import StaticFiles
from channels.web.vendor import vendor_files
from gateway.domain import Channel
from gateway.mail import send_mail
from gateway.settings import Settings
from gateway.store.store import Tx

HERE = Path(__file__).resolve().parent
FAVICON = HERE / "static" / "favicon.ico"
CHANNEL = Channel.WEB
send_notification = send_mail  # web reporters who gave an e-mail address hear back by e-mail


async def reporter_note(tx: Tx, settings: Settings, report_id: int, case_number: str, language: str) -> str:
    """The reporter's own link (progress, and their 回访 answer once the case is closed), added to every e-mail."""
    return text("mail_link", "en" if language == "en" else "zh", link=await reporter_link(tx, settings, report_id, case_number))


def setup(app: web.Application) -> None:
    """Add the web channel's routes to the gateway's application."""
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, app_key=TEMPLATES)
    app.add_routes(views.routes)
    app.add_routes(hints.routes)
    served = [StaticFiles("/static/", HERE / "static"), *vendor_files()]
    for files in served:
        files.add_to(app)
    env.globals["asset"] = lambda url: next(f.url(url.removeprefix(f.prefix)) for f in served if url.startswith(f.prefix))
    app.router.add_get("/favicon.ico", favicon)
    console.setup(app)


async def favicon(_: web.Request) -> web.FileResponse:
    """The icon browsers ask every site for (pages name /static/favicon.svg too)."""
    return web.FileResponse(FAVICON, headers={"Cache-Control": "public, max-age=86400"})
