"""POST /api/v1/reports: the intake of machine clients and of every channel that speaks HTTP."""
from __future__ import annotations

import time

from aiohttp import web

from gateway import metrics
from gateway.api.auth import require
from gateway.api.errors import ApiError, read_json
from gateway.appkeys import PIPELINE, SETTINGS
from gateway.domain import ReportIn
from gateway.intake.pipeline import UnknownClass

routes = web.RouteTableDef()


@routes.post("/reports")
async def post_report(request: web.Request) -> web.Response:
    started = time.perf_counter()
    await require(request, "client")
    settings = request.config_dict[SETTINGS]
    body = await read_json(request, settings.intake.max_body_bytes)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json")
    report = ReportIn.model_validate(body)
    if len(report.text) > settings.intake.max_text_chars:
        raise ApiError(400, "text_too_long", at="text", limit=settings.intake.max_text_chars)
    try:
        result = await request.config_dict[PIPELINE].submit(report, actor=f"api:{report.channel}")
    except UnknownClass as exc:
        raise ApiError(400, "unknown_class", at="class_id", class_id=exc.class_id) from None
    metrics.REPORTS.labels(report.channel.value, "joined" if result.joined else "new").inc()
    metrics.INTAKE_SECONDS.observe(time.perf_counter() - started)
    return web.json_response(result.as_json(), status=200 if result.replayed else 201)
