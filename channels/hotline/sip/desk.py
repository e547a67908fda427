"""The back office of one SIP call: its row in the calls table, its events on Redis, its voicemail and cases."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from redis import Redis, RedisError

from channels.hotline.sip.flows import CaseStatusInfo, Lang, Outcome, Recorded
from channels.hotline.sip.status import case_status, consent_to_case_updates
from channels.hotline.sip.transcribe import Transcriber
from channels.hotline.sip.voicemail import consent_to_updates, keep_voicemail
from gateway.calls import CallEvent, CallEventKind, publish_call_event
from gateway.media import MediaStore
from gateway.store.clock import utcnow
from gateway.store.models import CallRow
from gateway.store.store import Store

log = logging.getLogger(__name__)


def call_event(kind: CallEventKind, call: CallRow, worker: str, *, language: str | None = None, **detail: Any) -> CallEvent:
    language = language or call.language
    return CallEvent(kind=kind, call_id=call.id, channel="sip", line=call.line, caller=call.caller,
                     language="en" if language == "en" else "zh", worker=worker, detail=detail)


def announce(redis: Redis | None, event: CallEvent) -> None:
    """Tell agents' screens; Redis being down must not cost a caller the call (the call row is the record)."""
    if redis is None:
        return
    try:
        publish_call_event(redis, event)
    except RedisError as exc:
        log.warning("call event %s of call %s not published: %s", event.kind, event.call_id, exc)


class CallDesk:
    """Implements the flows' `Desk` for one call, and remembers how far the call got."""

    def __init__(self, store: Store, media: MediaStore, redis: Redis | None, call: CallRow, worker: str,
                 transcriber: Transcriber | None, background: set[asyncio.Task[None]]) -> None:
        self.store, self.media, self.redis, self.call, self.worker = store, media, redis, call, worker
        self.transcriber, self.background = transcriber, background
        self.language: Lang = "en" if call.language == "en" else "zh"
        self.reached: Outcome = "abandoned"
        self.detail: dict[str, Any] = {}

    def publish(self, kind: CallEventKind, **detail: Any) -> None:
        announce(self.redis, call_event(kind, self.call, self.worker, language=self.language, **detail))

    async def answered(self) -> None:
        await self.store.call_updated(self.call.id, state="answered", answered_at=utcnow())
        self.publish("answered")

    async def ended(self, outcome: Outcome | str, methods: set[str]) -> None:
        if methods:
            self.detail["dtmf"] = sorted(methods)
        await self.store.call_updated(self.call.id, state="ended", ended_at=utcnow(), outcome=outcome,
                                      language=self.language, detail=self.detail or None)
        self.publish("hung_up", outcome=outcome)

    # ---- Desk ----

    async def offering(self, agent_uri: str, language: Lang) -> None:
        self.language = language
        self.publish("handed_off", agent_uri=agent_uri, connected=False)

    async def connected(self, agent_uri: str) -> None:
        self.reached = "agent"
        await self.store.call_updated(self.call.id, state="handed_off", handed_off_at=utcnow(), agent=agent_uri, language=self.language)
        self.publish("handed_off", agent_uri=agent_uri, connected=True)

    async def recording(self) -> None:
        await self.store.call_updated(self.call.id, state="recording")

    async def voicemail(self, recorded: Recorded, language: Lang) -> int:
        self.language, self.reached = language, "voicemail"
        row = await keep_voicemail(self.store, self.media, self.call, recorded, language)
        self.publish("voicemail_recorded", voicemail_id=row.id, seconds=round(recorded.seconds, 1), ended_by=recorded.ended_by)
        if self.transcriber is not None:
            task = asyncio.create_task(self._transcribe(row.id, row.recording, language))
            self.background.add(task)
            task.add_done_callback(self.background.discard)
        return row.id

    async def voicemail_consent(self, voicemail_id: int) -> None:
        await consent_to_updates(self.store, voicemail_id)

    async def case_status(self, number: str) -> CaseStatusInfo | None:
        return await case_status(self.store, number)

    async def status_told(self, number: str, found: CaseStatusInfo | None) -> None:
        self.reached = "status"
        self.detail.setdefault("lookups", []).append({"typed": number, "case": found.number if found else None})
        self.publish("status_lookup", typed=number, case=found.number if found else None, status=found.status if found else None)

    async def case_consent(self, case: CaseStatusInfo) -> None:
        self.detail["consent_updates_case"] = case.number
        self.detail["consenting_reports"] = await consent_to_case_updates(self.store, case.number, self.call.caller)
        await self.store.call_updated(self.call.id, detail=dict(self.detail))

    async def _transcribe(self, voicemail_id: int, recording: str, language: Lang) -> None:
        assert self.transcriber is not None
        try:
            text = await self.transcriber.transcribe(self.media.path(recording), language)
        except Exception:
            log.exception("transcriber %s failed on voicemail %s", self.transcriber.name, voicemail_id)
            return
        if text:
            await self.store.set_transcript(voicemail_id, text, self.transcriber.name)
