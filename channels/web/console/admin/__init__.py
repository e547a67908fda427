"""Administrators' console: rules, duplicate settings, platforms, channels, dashboard, audit log, export."""

from aiohttp import web

routes = web.RouteTableDef()
