"""The aiohttp application: resources owned by one cleanup context, areas as sub-applications."""
from __future__ import annotations

import asyncio
import importlib
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from classifier.tables import load_tables
from gateway.api import callbacks, cases, classify, deliveries, media, reports, rules, schema
from gateway.api.auth import api_keys_ctx
from gateway.api.errors import error_middleware, error_response
from gateway.appkeys import CASEWORK, DEADLINES, FIELDWORK, MEDIA, PIPELINE, QUEUE, REDIS, SETTINGS, STORE, TABLES
from gateway.boot import healthz
from gateway.metrics import metrics_endpoint
from gateway.media import LINK_SECRET_SETTING, NAME_PATTERN as MEDIA_NAME, RECORDING_PATTERN as RECORDING_NAME, RECORDING_TYPES, MediaStore, PhotoPool, check_link
from gateway.delivery.outbox import Outbox
from classifier import Classifier
from gateway.casework.cases import Casework
from gateway.casework.fieldwork import Fieldwork
from gateway.intake.dedup import Deduplicator
from gateway.casework.deadlines import load_deadlines
from gateway.location import Locator
from gateway.intake.pipeline import Pipeline
from gateway.rules import classifier_sync_ctx
from gateway.queueing import make_queue, redis_connection
from gateway.settings import Settings
from gateway.store.engine import create_engine
from gateway.store.clock import utcnow
from gateway.store.store import Store
from gateway.startup import CLASSIFIER_LOADING, classifier_loading_ctx
from gateway.sweeper import run_sweeper

log = logging.getLogger(__name__)


def build_app(
    settings: Settings,
    *,
    classifier: Classifier | None = None,
    locator: Locator | None = None,
    sweeper: bool = True,
    classifier_loader: Callable[[], Classifier | None] | None = None,
) -> web.Application:
    """The whole HTTP surface with the parts given. `classifier_loader` (instead of `classifier`): the classifier is
    loaded by it in the background from start-up on, reports taken meanwhile are held and classified once it is in."""
    app = web.Application()
    app[SETTINGS] = settings
    app[TABLES] = load_tables()
    app[MEDIA] = MediaStore(settings.media_dir, PhotoPool(settings.intake.photo_workers, settings.intake.max_photo_pixels))
    app[DEADLINES] = load_deadlines(settings, app[TABLES])

    async def resources(app: web.Application) -> AsyncIterator[None]:
        store = Store(create_engine(settings.database_url))
        redis = redis_connection(settings)
        queue = make_queue(settings, redis)
        app[STORE], app[REDIS], app[QUEUE] = store, redis, queue
        dedup = Deduplicator(app[TABLES], similarity=locator.similarity) if locator else Deduplicator(app[TABLES])
        outbox = Outbox(settings, app[TABLES], queue)
        app[PIPELINE] = Pipeline(store, outbox, app[TABLES], classifier, locator, dedup, app[MEDIA])
        app[CASEWORK] = Casework(store, outbox, app[TABLES], app[DEADLINES])
        app[FIELDWORK] = Fieldwork(store, outbox, app[DEADLINES], settings.field)
        task = asyncio.create_task(run_sweeper(settings, store, queue)) if sweeper else None
        yield
        await app[PIPELINE].close()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        redis.close()
        await store.close()

    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(photo_pool_ctx)
    app.cleanup_ctx.append(api_keys_ctx)
    app.cleanup_ctx.append(classifier_sync_ctx)
    if classifier_loader is not None:
        app.cleanup_ctx.append(classifier_loading_ctx(classifier_loader))

    api = web.Application(middlewares=[error_middleware])
    for module in (reports, cases, callbacks, deliveries, media, schema, classify, rules):
        api.add_routes(module.routes)
    app.add_subapp("/api/v1", api)
    for name in settings.channels:
        importlib.import_module(f"channels.{name}").setup(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)
    app.router.add_get(r"/media/{name:" + MEDIA_NAME + "}", serve_media)
    app.router.add_get(r"/media/{name:" + RECORDING_NAME + "}", serve_recording)
    return app


async def photo_pool_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the photo pool's threads stop with the app."""
    yield
    app[MEDIA].photos.close()


async def serve_media(request: web.Request) -> web.FileResponse:
    """A stored photo: public by its unguessable content name, so platforms can fetch it."""
    path = request.app[MEDIA].path(request.match_info["name"])
    if not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"})


async def serve_recording(request: web.Request) -> web.StreamResponse:
    """A stored recording for whoever holds a signed link that has not expired (a platform); no session needed."""
    name = request.match_info["name"]
    async with request.app[STORE].transaction() as tx:
        secret = await tx.server_secret(LINK_SECRET_SETTING)
    verdict = check_link(secret, name, request.query)
    if verdict != "ok":
        return error_response(request, 403, "media_link_expired" if verdict == "expired" else "media_link_invalid")
    path = request.app[MEDIA].path(name)
    if not path.is_file():
        raise web.HTTPNotFound()
    left = max(0, int(request.query["expires"]) - int(utcnow().timestamp()))
    headers = {"Content-Type": RECORDING_TYPES[name.rsplit(".", 1)[1]], "Cache-Control": f"private, max-age={left}",
               "X-Content-Type-Options": "nosniff"}
    return web.FileResponse(path, headers=headers)


async def readyz(request: web.Request) -> web.Response:
    """Ready when the store and Redis answer (the app is built and its pipeline set up, or this would not answer);
    503 naming what does not answer."""
    checks: dict[str, Any] = {}
    try:
        await request.app[STORE].ping()
        checks["database"] = "ok"
    except Exception as exc:  # reported to the caller, not swallowed
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        request.app[REDIS].ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    failing = [name for name, outcome in checks.items() if outcome != "ok"]
    # Reports are taken without the classifier (held, then classified once it is loaded): it does not gate readiness.
    loading = request.app.get(CLASSIFIER_LOADING)
    classifier = loading.state if loading is not None else "ready" if request.app[PIPELINE].classifier is not None else "unavailable"
    body: dict[str, Any] = {"ready": not failing, "checks": checks, "classifier": classifier}
    if failing:
        body["reason"] = " and ".join(failing) + " not answering"
    return web.json_response(body, status=503 if failing else 200)
