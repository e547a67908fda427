"""The classifier seen through the API: classify a text, and the learning loop (corrections, retraining, model versions)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.results import Result

from classifier import Classifier
from classifier import render_classification
from classifier.registry import META_FILE, REPORT_FILE, ModelStore
from classifier.tables import DEFAULT_EDITION, EDITIONS
from gateway.api.auth import require
from gateway.api.errors import ApiError, read_json
from gateway.appkeys import PIPELINE, QUEUE, SETTINGS, STORE, TABLES
from gateway.domain import Channel, ComplaintText
from gateway.i18n import InputError
from gateway.rules import model_dir
from gateway.store.models import BIGINT_MAX, CorrectionRow

routes = web.RouteTableDef()

RETRAIN_JOB = "gateway.rules.retrain_job"
JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
"""The ids rq accepts (letters, digits, underscores, dashes); rq's own are UUIDs."""
RETRAIN_TIMEOUT_SECONDS = 3600
JOB_KEEP_SECONDS = 7 * 86400


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: ComplaintText
    channel: Channel | None = None
    edition: str = DEFAULT_EDITION

    @field_validator("edition")
    @classmethod
    def _known_edition(cls, value: str) -> str:
        if value not in EDITIONS:
            raise InputError("unknown_edition", edition=value, editions=", ".join(EDITIONS))
        return value


def loaded_classifier(request: web.Request) -> Classifier:
    classifier = request.config_dict[PIPELINE].classifier
    if classifier is None:
        raise ApiError(503, "classifier_unavailable")
    return classifier


@routes.post("/classify")
async def classify(request: web.Request) -> web.Response:
    await require(request, "client")
    settings = request.config_dict[SETTINGS]
    body = ClassifyIn.model_validate(await read_json(request, settings.intake.max_body_bytes))
    if len(body.text) > settings.intake.max_text_chars:
        raise ApiError(400, "text_too_long", at="text", limit=settings.intake.max_text_chars)
    classifier = loaded_classifier(request)
    channel = body.channel.value if body.channel else None
    result = classifier.classify(body.text, channel=channel)
    rendered = render_classification(result, body.edition, request.config_dict[TABLES])
    explanation = classifier.explain(body.text, channel=channel)
    return web.json_response({"needs_review": False, "reason": None, **rendered, "explanation": explanation})


def correction_json(row: CorrectionRow, numbers: dict[int, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": numbers.get(row.case_id),
        "text": row.text,
        "predicted_class_id": row.predicted_class_id,
        "class_id": row.class_id,
        "actor": row.actor,
        "created_at": row.created_at.isoformat(),
    }


class PageQuery(BaseModel):
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=BIGINT_MAX)


@routes.get("/corrections")
async def list_corrections(request: web.Request) -> web.Response:
    await require(request, "admin")
    page = PageQuery.model_validate({k: v for k, v in request.query.items() if k != "lang"})
    store = request.config_dict[STORE]
    rows = await store.corrections(limit=page.limit, offset=page.offset)
    numbers = await store.case_numbers(sorted({r.case_id for r in rows}))
    return web.json_response({"limit": page.limit, "offset": page.offset, "items": [correction_json(r, numbers) for r in rows]})


@routes.post("/classifier/retrain")
async def start_retrain(request: web.Request) -> web.Response:
    role = await require(request, "admin")
    job = request.config_dict[QUEUE].enqueue(
        RETRAIN_JOB, job_timeout=RETRAIN_TIMEOUT_SECONDS, result_ttl=JOB_KEEP_SECONDS, failure_ttl=JOB_KEEP_SECONDS
    )
    async with request.config_dict[STORE].transaction() as tx:
        await tx.audit("classifier", job.id, "retrain_requested", f"api:{role}")
    return web.json_response({"job_id": job.id, "status": job.get_status().value}, status=202)


@routes.get("/classifier/retrain/{job_id}")
async def retrain_status(request: web.Request) -> web.Response:
    await require(request, "admin")
    job_id = request.match_info["job_id"]
    if not JOB_ID.fullmatch(job_id):  # rq refuses other ids with a ValueError
        raise ApiError(404, "job_not_found", job=job_id[:100])
    try:
        job = Job.fetch(job_id, connection=request.config_dict[QUEUE].connection)
    except NoSuchJobError:
        raise ApiError(404, "job_not_found", job=job_id) from None
    if job.func_name != RETRAIN_JOB:
        raise ApiError(404, "job_not_found", job=job_id)
    return web.json_response({"job_id": job.id, "status": job.get_status().value, "result": job.return_value(), "error": job_error(job)})


def job_error(job: Job) -> str | None:
    """The last line of a failed job's traceback (the exception and its message)."""
    latest = job.latest_result()
    if latest is None or latest.type != Result.Type.FAILED or not latest.exc_string:
        return None
    return latest.exc_string.strip().splitlines()[-1]


def model_versions(directory: Path) -> list[dict[str, Any]]:
    """Every trained version, newest first, with its metadata and evaluation report (None while being built)."""
    store = ModelStore(directory)
    active = store.active()
    out = []
    for version in reversed(store.versions()):
        has_report = (store.version_dir(version) / REPORT_FILE).exists()
        out.append({
            "version": version,
            "active": version == active,
            "meta": store.read_json(version, META_FILE),
            "report": store.read_json(version, REPORT_FILE) if has_report else None,
        })
    return out


@routes.get("/classifier/versions")
async def list_model_versions(request: web.Request) -> web.Response:
    await require(request, "admin")
    classifier = request.config_dict[PIPELINE].classifier
    return web.json_response({
        "loaded": classifier.version if classifier else None,
        "items": model_versions(model_dir(request.config_dict[SETTINGS])),
    })
