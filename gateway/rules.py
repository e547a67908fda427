"""Administrator rules and the learning loop: every process follows the active rule set and model; corrections retrain.

The SQL row of the active rule set and the `active` pointer of the model directory are the truth. A change
publishes "rules" or "model" on a Redis channel; each `gateway serve` process subscribes, and on a message
(and after every (re)subscription, and every `RESYNC_SECONDS` as a safety net) loads what is active and
hands it to its pipeline.
"""
from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator, Container
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from aiohttp import web
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from classifier import Rule, load_tables
from classifier.registry import ModelStore, default_model_dir
from gateway.appkeys import PIPELINE, SETTINGS, STORE
from gateway.components import load_classifier
from gateway.intake.pipeline import Pipeline
from gateway.queueing import async_redis_connection, redis_connection
from gateway.settings import Settings, load_settings
from gateway.store.engine import create_engine
from gateway.store.models import INT_MAX, CorrectionRow
from gateway.store.store import Store

log = logging.getLogger(__name__)

CHANNEL = "gateway:rules"
RULES, MODEL = "rules", "model"
RESYNC_SECONDS = 60.0
RECONNECT_MAX_SECONDS = 5.0


class ClassifierSync:
    """Keeps one process's classifier on the active model version and the active rule set."""

    def __init__(self, settings: Settings, store: Store, redis: aioredis.Redis, pipeline: Pipeline) -> None:
        self.settings = settings
        self.store = store
        self.redis = redis
        self.pipeline = pipeline
        self.rules_version: int | None = None

    async def reload(self) -> bool:
        """Load the active version from SQL and apply it; False (logged) when the store or the rules fail."""
        try:
            row = await self.store.active_rule_set()
            rules = [Rule.model_validate(r) for r in row.rules] if row else []
        except (SQLAlchemyError, OSError, ValueError):
            log.exception("could not load the active rule set; keeping version %s", self.rules_version)
            return False
        version = row.version if row else None
        classifier = self.pipeline.classifier
        if classifier is not None:
            classifier.set_rules(rules)
        if version != self.rules_version:
            log.info("rule set version %s applied (%d rules)", version, len(rules))
        self.rules_version = version
        return True

    async def reload_model(self) -> bool:
        """Swap in the active model version if it is not the one in use (rules carried over); True if swapped."""
        current = self.pipeline.classifier
        try:
            active = await asyncio.to_thread(ModelStore(model_dir(self.settings)).active)
            if active is None or (current is not None and current.version == active):
                return False
            loaded = await asyncio.to_thread(load_classifier, self.settings)
        except Exception:  # a broken model directory must not stop the watcher
            log.exception("could not load the active model; keeping version %s", current.version if current else None)
            return False
        if loaded is None:
            return False
        current = self.pipeline.classifier
        loaded.set_rules(current.rules if current is not None else [])
        self.pipeline.classifier = loaded
        log.info("model version %s loaded (was %s)", loaded.version, current.version if current is not None else None)
        return True

    async def announce(self, what: str = RULES) -> int | None:
        """Tell every process to reload; the number of listeners, or None (logged) when Redis is unreachable."""
        try:
            return int(await self.redis.publish(CHANNEL, what))
        except (RedisError, OSError) as exc:
            log.warning("%s change not announced (%s): other processes pick it up within %.0f s", what, exc, RESYNC_SECONDS)
            return None

    async def watch(self, stopping: asyncio.Event) -> None:
        """Subscribe and reload on every message until `stopping` is set; reconnect with backoff when Redis drops."""
        delay = 0.1
        while not stopping.is_set():
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    await self.reload()
                    delay = 0.1
                    await self._listen(pubsub, stopping)
            except (RedisError, OSError) as exc:
                log.warning("rule and model updates: Redis connection lost (%s); reloading from SQL, reconnecting in %.1f s", exc, delay)
                await self.reload()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def _listen(self, pubsub: aioredis.client.PubSub, stopping: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        resync_at = loop.time() + RESYNC_SECONDS
        while not stopping.is_set():
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            resync = loop.time() >= resync_at
            if resync or (message is not None and message["data"] == MODEL.encode()):
                await self.reload_model()
            if resync or message is not None:
                await self.reload()
                resync_at = loop.time() + RESYNC_SECONDS


def version_number(text: str) -> int | None:
    """A rule-set version named in a URL: ASCII digits within the column's range, else None (no such version)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    version = int(text)
    return version if version <= INT_MAX else None


STOP_SECONDS = 3.0
CLASSIFIER_SYNC = web.AppKey("classifier_sync", ClassifierSync)


async def classifier_sync_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: load the active rules once at start-up, then follow rule and model changes until shutdown."""
    settings = app[SETTINGS]
    redis = async_redis_connection(settings, socket_timeout=None)
    sync = app[CLASSIFIER_SYNC] = ClassifierSync(settings, app[STORE], redis, app[PIPELINE])
    await sync.reload()
    stopping = asyncio.Event()
    task = asyncio.create_task(sync.watch(stopping))
    yield
    # Stopping by event, not by cancellation: a cancel landing inside redis-py's timed read can be swallowed.
    stopping.set()
    if not (await asyncio.wait({task}, timeout=STOP_SECONDS))[0]:
        task.cancel()
        if not (await asyncio.wait({task}, timeout=STOP_SECONDS))[0]:
            log.error("the rule and model watcher did not stop within %.0f s; leaving it", 2 * STOP_SECONDS)
    if task.done() and not task.cancelled() and task.exception() is not None:
        log.error("the rule and model watcher failed", exc_info=task.exception())
    await redis.aclose()


def correction_lines(rows: list[CorrectionRow], known: Container[str]) -> list[str]:
    """`label<TAB>text` lines, the latest decision per case, texts on one line; classes no longer known are left out."""
    latest: dict[int, CorrectionRow] = {}
    for row in sorted(rows, key=lambda r: r.id):
        latest[row.case_id] = row
    lines = []
    for row in latest.values():
        text = " ".join(row.text.split())
        if row.class_id not in known:
            log.warning("correction %s names class %s, which the code tables no longer hold: left out", row.id, row.class_id)
        elif text:
            lines.append(f"{row.class_id}\t{text}")
    return lines


async def export_corrections(store: Store, path: Path) -> int:
    """Write every correction to `path` as `label<TAB>text`; the number of lines written."""
    lines = correction_lines(await store.corrections(), load_tables())
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)


async def _export_from(settings: Settings, path: Path) -> int:
    store = Store(create_engine(settings.database_url, pooled=False))
    try:
        return await export_corrections(store, path)
    finally:
        await store.close()


def model_dir(settings: Settings) -> Path:
    return settings.classifier_model_dir or default_model_dir()


def _announce_model(settings: Settings) -> None:
    """Tell the serving processes to load the new model; they also find it on their next resync."""
    connection = redis_connection(settings)
    try:
        connection.publish(CHANNEL, MODEL)
    except (RedisError, OSError) as exc:
        log.warning("new model not announced (%s): serving processes load it within %.0f s", exc, RESYNC_SECONDS)
    finally:
        connection.close()


def retrain_job() -> dict[str, Any]:
    """rq job: retrain on the corpus plus the corrections; the candidate becomes active only if no worse."""
    from classifier.lifecycle import Sources, retrain  # training pulls in scikit-learn: only in the worker that retrains

    settings = load_settings()
    with tempfile.TemporaryDirectory(prefix="corrections-") as tmp:
        path = Path(tmp) / "corrections.tsv"
        count = asyncio.run(_export_from(settings, path))
        outcome = retrain(model_dir(settings), Sources.default(path if count else None))
    log.info("retraining with %d corrections: %s", count, outcome.summary())
    if outcome.activated:
        _announce_model(settings)
    return {"version": outcome.version, "activated": outcome.activated, "corrections": count, "summary": outcome.summary()}
