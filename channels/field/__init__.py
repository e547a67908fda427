"""Phones of supervisors (监督员) and community liaisons (社区联络员): an installable web app at /field/ and its API at
/field/v1/ (reports queued on the phone while offline, 核实 / 核查 tasks from platforms, duty)."""
from __future__ import annotations

from aiohttp import web

from channels.field import api, openapi, pages
from gateway.api.errors import error_middleware


def setup(app: web.Application) -> None:
    """The API as a sub-application (JSON errors in the phone's language), then the app's pages and files."""
    sub = web.Application(middlewares=[error_middleware])
    sub.add_routes(api.routes)
    sub.add_routes(openapi.routes)
    app.add_subapp("/field/v1", sub)
    app.add_routes(pages.routes)
