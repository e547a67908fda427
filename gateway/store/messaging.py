"""Opt-outs and provider message ids: the part of the store the messaging channels write."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from gateway.store.clock import utcnow
from gateway.store.models import InboundMessageRow, OptOutRow

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from gateway.store.store import Tx


class MessagingStore:
    """Mixed into `Store`."""

    if TYPE_CHECKING:
        def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    async def opt_out(self, channel: str, address: str, keyword: str | None = None) -> None:
        """Send nothing more to `address` on `channel` (idempotent)."""
        async with self.transaction() as tx:
            if await tx.session.get(OptOutRow, (channel, address)) is None:
                tx.session.add(OptOutRow(channel=channel, address=address, created_at=utcnow(), keyword=keyword))
                await tx.audit("opt_out", f"{channel}:{address[-4:]}", "opted_out", "citizen", keyword=keyword)

    async def opt_in(self, channel: str, address: str) -> bool:
        """Undo an opt-out (START, 订阅); whether there was one."""
        async with self.transaction() as tx:
            result = await tx.session.execute(delete(OptOutRow).where(OptOutRow.channel == channel, OptOutRow.address == address))
            return bool(result.rowcount)

    async def opted_out(self, channel: str, address: str) -> bool:
        async with self.transaction() as tx:
            return await tx.session.get(OptOutRow, (channel, address)) is not None

    async def claim_inbound(self, provider: str, external_id: str) -> InboundMessageRow | None:
        """None when this message id is new (and is now claimed); the earlier row when it is a retry."""
        try:
            async with self.transaction() as tx:
                tx.session.add(InboundMessageRow(provider=provider, external_id=external_id, received_at=utcnow()))
            return None
        except IntegrityError:
            async with self.transaction() as tx:
                return await tx.session.get(InboundMessageRow, (provider, external_id))

    async def finish_inbound(self, provider: str, external_id: str, *, reply: str | None, report_id: int | None = None) -> None:
        """Remember what a claimed message made and what we answered, for its retries."""
        async with self.transaction() as tx:
            row = await tx.session.get(InboundMessageRow, (provider, external_id), with_for_update=True)
            if row is None:
                raise LookupError(f"{provider} message {external_id} was never claimed")
            row.reply, row.report_id = reply, report_id
