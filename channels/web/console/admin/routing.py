"""The admin pages' one route table and how they render: console templates, the admin catalogue, errors in the reader's language."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web

from channels.web.console.admin.catalogue import TEXTS
from channels.web.console.admin.durations import duration_text
from channels.web.console.auth import console_lang
from channels.web.console.names import channel_name, event_name
from channels.web.console.pages import render
from gateway.domain import status_name
from gateway.i18n import MESSAGES, InputError, render as render_text
from gateway.delivery.payload import CHINA

HERE = Path(__file__).resolve().parent
ADMIN = "/console/admin"
routes = web.RouteTableDef()
routes.static(f"{ADMIN}/static", HERE / "static")


def page(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    """An admin page (templates/<template>) in the reader's language."""
    lang = console_lang(request)
    helpers = {"china": CHINA, "status_name": lambda status: status_name(status, lang), "duration": lambda hours: duration_text(hours, lang),
               "event_name": lambda event: event_name(event, lang), "channel_name": lambda channel: channel_name(channel, lang),
               "as_json": lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)}
    return render(request, f"admin/{template}", helpers | context, status=status, catalogue=TEXTS)


def error_text(request: web.Request, error: InputError) -> str:
    """The refusal in the reader's language, from the admin catalogue or the core's."""
    catalogue = TEXTS if error.code in TEXTS else MESSAGES
    return render_text(catalogue, error.code, console_lang(request), **error.params)
