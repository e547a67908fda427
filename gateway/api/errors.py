"""API errors as JSON in the request's language, and the middleware that renders them."""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from gateway import metrics
from gateway.bodies import BodyTooLarge, read_whole
from gateway.i18n import MESSAGES, Lang, message, negotiate

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, http_status: int, code: str, /, *, at: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.at, self.params = http_status, code, at, params


def request_language(request: web.Request) -> Lang:
    return negotiate(request.headers.get("Accept-Language"), request.query.get("lang"))


def error_response(request: web.Request, http_status: int, code: str, /, at: str | None = None, **params: Any) -> web.Response:
    lang = request_language(request)
    body: dict[str, Any] = {"error": {"code": code, "message": message(code, lang, **params)}}
    if at:
        body["error"]["field"] = at
    return web.json_response(body, status=http_status, headers={"Content-Language": lang})


def validation_error(exc: ValidationError) -> ApiError:
    """The first problem of a pydantic error, as a catalogue entry."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or None
    cause = (err.get("ctx") or {}).get("error")
    code = getattr(cause, "code", None) or (str(cause) if cause is not None else None)
    if code in MESSAGES:
        return ApiError(400, code, at=field, **({"field": field} | getattr(cause, "params", {})))
    if err["type"] == "missing":
        return ApiError(400, "missing_field", at=field, field=field)
    return ApiError(400, "invalid_field", at=field, field=field, detail=err["msg"])


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole raw body, refused with 413 when over `limit` bytes (declared or actual)."""
    try:
        return await read_whole(request.content, limit, request.content_length)
    except BodyTooLarge:
        raise ApiError(413, "body_too_large", limit=limit) from None


MAX_JSON_DEPTH = 32
"""Arrays and objects inside each other: no body of the API needs more than a few levels."""


def require_json(request: web.Request) -> None:
    """415 unless the body is declared as JSON (`Content-Type: application/json`, any charset parameter)."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type")


def refuse_nul(value: str, field: str) -> None:
    """NUL cannot be stored in PostgreSQL text (SQLite would keep it): refused the same way on every backend."""
    if "\x00" in value:
        raise ApiError(400, "nul_character", at=field, field=field)


def check_tree(value: Any) -> None:
    """Refuse a parsed body nested deeper than MAX_JSON_DEPTH or holding a NUL in any key or string (walked without recursion)."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, str):
            refuse_nul(item, path or "body")
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, "json_too_deep", limit=MAX_JSON_DEPTH)
        for key, child in item.items() if isinstance(item, dict) else enumerate(item):
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                refuse_nul(key, name.replace("\x00", "\\0"))
            stack.append((child, depth + 1, name))


def parse_json(raw: bytes) -> Any:
    """A body as JSON: valid UTF-8, valid JSON, not too deep, no NUL anywhere."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_utf8") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise ApiError(400, "json_too_deep", limit=MAX_JSON_DEPTH) from None
    except ValueError:  # JSONDecodeError, and integers longer than Python converts
        raise ApiError(400, "invalid_json") from None
    check_tree(value)
    return value


async def read_json(request: web.Request, limit: int) -> Any:
    """The body as JSON, refusing other content types, oversized bodies, invalid UTF-8, invalid or too deep JSON and NUL."""
    require_json(request)
    return parse_json(await read_body(request, limit))


def refuse_nul_in_url(request: web.Request) -> None:
    """NUL in a path segment or a query parameter (name or value) is refused before any handler sees it."""
    for name, value in request.match_info.items():
        refuse_nul(value, name)
    for name, value in request.query.items():
        refuse_nul(name, name.replace("\x00", "\\0"))
        refuse_nul(value, name)


@web.middleware
async def error_middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    try:
        refuse_nul_in_url(request)
        return await handler(request)
    except ApiError as exc:
        if exc.status < 500:
            metrics.REJECTED.labels(exc.code).inc()
        return error_response(request, exc.status, exc.code, exc.at, **exc.params)
    except ValidationError as exc:
        err = validation_error(exc)
        metrics.REJECTED.labels(err.code).inc()
        return error_response(request, err.status, err.code, err.at, **err.params)
    except web.HTTPNotFound:
        return error_response(request, 404, "not_found")
    except web.HTTPMethodNotAllowed as exc:
        response = error_response(request, 405, "method_not_allowed")
        response.headers["Allow"] = ",".join(sorted(exc.allowed_methods))
        return response
    except web.HTTPException:
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(request, 500, "internal_error")
