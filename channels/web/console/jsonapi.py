"""The console's fetch endpoints: JSON answers, and refusals as catalogue messages in the agent's language."""
from __future__ import annotations

import functools
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from channels.web.console.auth import Handler, console_lang
from gateway.api.errors import ApiError, validation_error
from gateway.casework.cases import CaseworkError
from channels.web.console.catalogue import text
from gateway.i18n import MESSAGES, InputError, message
from gateway.location import LocationError


def refusal(request: web.Request, status: int, code: str, /, at: str | None = None, **params: Any) -> web.Response:
    """A JSON refusal; `code` keys the core catalogue, else the console's; `at` names the field refused."""
    lang = console_lang(request)
    said = message(code, lang, **params) if code in MESSAGES else text(code, lang, **params)
    body: dict[str, Any] = {"code": code, "message": said}
    if at:
        body["field"] = at
    return web.json_response({"error": body}, status=status)


def json_errors(handler: Handler) -> Handler:
    """Bad input answers 400 (or the error's own status) with a message; nothing was changed."""

    @functools.wraps(handler)
    async def answered(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ValidationError as exc:
            err = validation_error(exc)
            return refusal(request, err.status, err.code, at=err.at, **err.params)
        except ApiError as exc:
            return refusal(request, exc.status, exc.code, at=exc.at, **exc.params)
        except (InputError, CaseworkError) as exc:
            return refusal(request, 400, exc.code, **exc.params)
        except LocationError as exc:
            return refusal(request, 400, exc.code if exc.code in MESSAGES else "place_unusable")

    return answered
