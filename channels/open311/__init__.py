"""Open311 GeoReport v2, inbound, under /open311/v2/: services, service definitions, requests, tokens, and
the service-request-updates extension, with the discovery document at /open311/discovery.json. A request becomes a
Report like any channel's; what unauthenticated reads show of citizens' words follows `open311.public_descriptions`."""
from __future__ import annotations

from aiohttp import web

from channels.open311.routes import FMT, discovery, routes, refuse_unreadable
from gateway.domain import Channel

CHANNEL = Channel.OPEN311


def setup(app: web.Application) -> None:
    """Mount the GeoReport v2 endpoints on the gateway's application."""
    sub = web.Application(middlewares=[refuse_unreadable])
    sub.add_routes(routes)
    app.add_subapp("/open311/v2", sub)
    app.router.add_get(f"/open311/discovery.{FMT}", discovery)
