"""Administrators' console: rules, duplicate settings, platforms, channels, API keys, dashboard, audit log, export."""

from channels.web.console.admin import audit, channel_pages, dashboard, dedup_pages, export, field_pages, key_pages, platform_pages, rules_pages  # noqa: F401  (their routes)
from channels.web.console.admin.routing import routes

__all__ = ["routes"]
