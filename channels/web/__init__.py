"""The web channel: the citizen's report form and case-status page."""
from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Add the web channel's routes to the gateway's application."""
