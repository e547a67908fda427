"""Start-up of a serving process: the classifier loads in the background while reports are already taken.

A restarted `gateway serve` answers at once: /healthz, and /readyz as soon as the store and Redis answer. The
model (seconds to load on a busy machine) loads in a thread meanwhile. A report that it would have classified
is stored as usual and held for review with review_reason "classifier_loading"; once the model is in place,
every held case is classified as intake would have done it: compared for duplicates with its class, forwarded
through the outbox when the class is sure, left for agents otherwise, each step audited. Cases held by a process
that stopped before its model was loaded are released by the next process that has one (at its start, and every
RESWEEP_SECONDS after).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from aiohttp import web

from classifier import Rule
from gateway.appkeys import PIPELINE
from gateway.domain import CaseStatus, Channel, ReportIn
from gateway.location.dedup import Sighting
from gateway.intake.pipeline import Pipeline
from gateway.store.clock import as_utc, utcnow
from gateway.store.models import CaseRow

log = logging.getLogger(__name__)
HELD = "classifier_loading"
ACTOR = "classifier"
RESWEEP_SECONDS = 60.0
STOP_SECONDS = 3.0
State = Literal["loading", "ready", "unavailable"]


def held(case: CaseRow | None) -> bool:
    return case is not None and case.status == CaseStatus.NEEDS_REVIEW and case.review_reason == HELD


class ClassifierLoading:
    """Loads the classifier with `loader` (in a thread), then releases the cases held meanwhile."""

    def __init__(self, loader: Callable[[], Any | None], pipeline: Pipeline) -> None:
        self.loader = loader
        self.pipeline = pipeline
        self.state: State = "loading"
        pipeline.waiting_reason = HELD

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            loaded = await asyncio.to_thread(self.loader)
        except Exception:  # a model that cannot load leaves every case to agents, as with no model at all
            log.exception("the classifier failed to load; cases wait for agents")
            loaded = None
        if loaded is not None:
            await self._apply_active_rules(loaded)
            if self.pipeline.classifier is None:  # the rule and model watcher may have loaded one meanwhile
                self.pipeline.classifier = loaded
        self.pipeline.waiting_reason = "no_classifier"
        self.state = "ready" if self.pipeline.classifier is not None else "unavailable"
        log.info("classifier %s; releasing the cases held while it loaded", "loaded" if self.state == "ready" else "unavailable")
        await self.pipeline.writer.settled()  # every report classified before the switch is committed now
        while not stopping.is_set():
            await self.release_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), RESWEEP_SECONDS)

    async def _apply_active_rules(self, loaded: Any) -> None:
        """The administrators' active rules, set before the model takes its first report."""
        try:
            row = await self.pipeline.store.active_rule_set()
            loaded.set_rules([Rule.model_validate(r) for r in row.rules] if row else [])
        except Exception:  # the rule watcher applies them on its next reload
            log.exception("the active rule set could not be applied to the loaded classifier yet")

    async def release_all(self) -> int:
        """Classify every held case; the number released. A case that fails is logged and tried again later."""
        released = 0
        for case_id in await self.pipeline.store.held_case_ids(HELD):
            try:
                released += await self.release(case_id)
            except Exception:
                log.exception("held case %d not released yet; tried again in %.0f s", case_id, RESWEEP_SECONDS)
        if released:
            log.info("released %d cases held while the classifier loaded", released)
        return released

    async def release(self, case_id: int) -> bool:
        """One held case, as intake would have taken it with the classifier: True if it was still held."""
        pipeline = self.pipeline
        async with pipeline.store.transaction() as tx:
            case = await tx.case(case_id)
            if not held(case):
                return False
            assert case is not None
            report = ReportIn.model_construct(text=case.text, channel=Channel(case.source_channel), language=case.language, class_id=None)
            decided = pipeline.classify(report)
            if decided.review_reason == HELD:  # no classifier yet: nothing to do
                return False
            await tx.lock(pipeline.dedup.lock_keys(decided.search_class, case.lat, case.lon, None))  # as intake: these first
            await tx.session.refresh(case, with_for_update=True)  # another process may have released it meanwhile
            if not held(case):
                return False
            # Searched before the case takes its class: it has none yet, so it is not among its own candidates.
            match = await pipeline.dedup.find(tx, Sighting(decided.class_id, case.lat, case.lon, case.precision_m or 0.0,
                                                           as_utc(case.created_at), case.text, suggestions=decided.suggestions))
            case.class_id, case.class_confidence, case.class_source = decided.class_id, decided.confidence, decided.source
            case.class_precision, case.class_family = decided.precision, decided.family_id
            case.also_classes = list(decided.also) or None
            case.suggestions = [list(s) for s in decided.suggestions] or None
            case.updated_at = utcnow()
            if match is not None:  # a repeat of an open case, or perhaps one: an agent decides, as for a possible duplicate
                case.review_reason, case.possible_duplicate_of = "possible_duplicate", match.case.id
            elif decided.class_id is None:
                case.review_reason = decided.review_reason
            else:
                case.review_reason, case.status = None, CaseStatus.CLASSIFIED
            await tx.audit("case", case.id, "classified", ACTOR, held=HELD, class_id=case.class_id, confidence=case.class_confidence,
                           status=case.status, review_reason=case.review_reason, possible_duplicate_of=case.possible_duplicate_of)
            deliveries = await pipeline.outbox.forward(tx, case, ACTOR, await tx.media_of_case(case.id)) if case.status == CaseStatus.CLASSIFIED else []
        pipeline.outbox.enqueue(deliveries)
        return True


CLASSIFIER_LOADING = web.AppKey("classifier_loading", ClassifierLoading)


def classifier_loading_ctx(loader: Callable[[], Any | None]) -> Callable[[web.Application], AsyncIterator[None]]:
    """cleanup_ctx: load the classifier in the background from start-up on; stop releasing held cases at shutdown."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        loading = app[CLASSIFIER_LOADING] = ClassifierLoading(loader, app[PIPELINE])
        stopping = asyncio.Event()
        task = asyncio.create_task(loading.run(stopping), name="classifier-loading")
        yield
        stopping.set()
        if not (await asyncio.wait({task}, timeout=STOP_SECONDS))[0]:
            task.cancel()  # a model still loading: its thread finishes on its own, nobody waits for it
            await asyncio.wait({task})
        if not task.cancelled() and task.exception() is not None:
            log.error("classifier loading failed", exc_info=task.exception())

    return ctx
