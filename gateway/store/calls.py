"""Calls on the hotline and the voicemail queue: the part of the store the telephony channels write."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from gateway.store.clock import as_utc, utcnow
from gateway.store.models import CallRow, VoicemailRow

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from gateway.store.store import Tx

OPEN_CALL_STATES = ("ringing", "answered", "handed_off", "recording")
CALL_TIMES = ("answered_at", "handed_off_at", "ended_at")


class CallStore:
    """Mixed into `Store`."""

    if TYPE_CHECKING:
        def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    async def call_started(self, channel: str, external_id: str, *, line: str, caller: str | None, language: str, worker: str | None = None) -> CallRow:
        """Record a ringing call; a second start of the same external id returns the first row."""
        async with self.transaction() as tx:
            row = await tx.session.scalar(select(CallRow).where(CallRow.channel == channel, CallRow.external_id == external_id))
            if row is None:
                row = CallRow(channel=channel, external_id=external_id, line=line, caller=caller, language=language,
                              worker=worker, state="ringing", started_at=utcnow())
                tx.session.add(row)
                await tx.session.flush()
            return row

    async def call_updated(self, call_id: int, **fields: Any) -> CallRow | None:
        """Change a call's state, times (answered_at, handed_off_at, ended_at), outcome, agent, recording, case or detail.

        Ending a call (`ended_at`) computes its duration from the start."""
        unknown = set(fields) - {"state", "outcome", "agent", "recording", "case_id", "detail", "language", *CALL_TIMES}
        if unknown:
            raise ValueError(f"not a call field: {sorted(unknown)}")
        async with self.transaction() as tx:
            row = await tx.session.get(CallRow, call_id, with_for_update=True)
            if row is None:
                return None
            for key, value in fields.items():
                setattr(row, key, value)
            if fields.get("ended_at") is not None:
                row.duration_s = max(0.0, (as_utc(fields["ended_at"]) - as_utc(row.started_at)).total_seconds())
            return row

    async def call(self, call_id: int) -> CallRow | None:
        async with self.transaction() as tx:
            return await tx.session.get(CallRow, call_id)

    async def call_by_external_id(self, channel: str, external_id: str) -> CallRow | None:
        async with self.transaction() as tx:
            return await tx.session.scalar(select(CallRow).where(CallRow.channel == channel, CallRow.external_id == external_id))

    async def calls(self, *, in_progress: bool = False, caller: str | None = None, since: datetime | None = None, limit: int = 100) -> list[CallRow]:
        """Calls, newest first: those still in progress, of one caller, or since a time."""
        stmt = select(CallRow).order_by(CallRow.started_at.desc(), CallRow.id.desc()).limit(limit)
        if in_progress:
            stmt = stmt.where(CallRow.state.in_(OPEN_CALL_STATES))
        if caller is not None:
            stmt = stmt.where(CallRow.caller == caller)
        if since is not None:
            stmt = stmt.where(CallRow.started_at >= since)
        async with self.transaction() as tx:
            return list(await tx.session.scalars(stmt))

    async def workers_with_open_calls(self) -> set[str]:
        async with self.transaction() as tx:
            rows = await tx.session.scalars(select(CallRow.worker).where(CallRow.state.in_(OPEN_CALL_STATES), CallRow.worker.is_not(None)).distinct())
            return set(rows)

    async def calls_dropped(self, worker: str) -> list[int]:
        """Mark the calls a lost worker held as ended and dropped; their ids."""
        now = utcnow()
        async with self.transaction() as tx:
            rows = list(await tx.session.scalars(
                select(CallRow).where(CallRow.worker == worker, CallRow.state.in_(OPEN_CALL_STATES)).with_for_update()
            ))
            for row in rows:
                row.state, row.outcome, row.ended_at = "ended", "dropped", now
                row.duration_s = max(0.0, (now - as_utc(row.started_at)).total_seconds())
            return [row.id for row in rows]

    async def add_voicemail(self, *, call_id: int | None, caller: str | None, line: str, language: str, recording: str,
                            duration_s: float, consent_updates: bool = False, transcript: str | None = None,
                            transcript_source: str | None = None) -> VoicemailRow:
        async with self.transaction() as tx:
            row = VoicemailRow(call_id=call_id, received_at=utcnow(), caller=caller, line=line, language=language,
                               recording=recording, duration_s=duration_s, consent_updates=consent_updates,
                               transcript=transcript, transcript_source=transcript_source, status="new")
            tx.session.add(row)
            await tx.session.flush()
            await tx.audit("voicemail", row.id, "recorded", "hotline", call_id=call_id, duration_s=round(duration_s, 1))
            return row

    async def voicemail(self, voicemail_id: int) -> VoicemailRow | None:
        async with self.transaction() as tx:
            return await tx.session.get(VoicemailRow, voicemail_id)

    async def voicemail_of_call(self, call_id: int) -> VoicemailRow | None:
        async with self.transaction() as tx:
            return await tx.session.scalar(select(VoicemailRow).where(VoicemailRow.call_id == call_id).limit(1))

    async def voicemails(self, *, status: str | None = "new", limit: int = 100) -> list[VoicemailRow]:
        """The queue, oldest first (all statuses when status is None)."""
        stmt = select(VoicemailRow).order_by(VoicemailRow.received_at, VoicemailRow.id).limit(limit)
        if status is not None:
            stmt = stmt.where(VoicemailRow.status == status)
        async with self.transaction() as tx:
            return list(await tx.session.scalars(stmt))

    async def set_transcript(self, voicemail_id: int, transcript: str, source: str) -> VoicemailRow | None:
        async with self.transaction() as tx:
            row = await tx.session.get(VoicemailRow, voicemail_id, with_for_update=True)
            if row is not None:
                row.transcript, row.transcript_source = transcript, source
            return row

    async def voicemail_handled(self, voicemail_id: int, actor: str, report_id: int | None = None) -> VoicemailRow | None:
        """Take a voicemail out of the queue (made into `report_id`, or handled without a report)."""
        async with self.transaction() as tx:
            row = await tx.session.get(VoicemailRow, voicemail_id, with_for_update=True)
            if row is None:
                return None
            row.status, row.handled_by, row.handled_at, row.report_id = "handled", actor, utcnow(), report_id
            await tx.audit("voicemail", voicemail_id, "handled", actor, report_id=report_id)
            return row

    async def voicemail_counts(self) -> dict[str, int]:
        async with self.transaction() as tx:
            rows = await tx.session.execute(select(VoicemailRow.status, func.count()).group_by(VoicemailRow.status))
            return {status: count for status, count in rows}

