"""The mayor's mailbox's part of the store: how far each IMAP mailbox was read, the letters seen and what they became,
attachments kept for agents, and the case a reply belongs to."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from gateway.store.clock import utcnow
from gateway.store.models import MailAttachmentRow, MailboxStateRow, MailMessageRow, NotificationRow

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from gateway.store.store import Tx

NOTIFICATION_MESSAGE_ID = re.compile(r"^<n\.([0-9a-f-]{36})@[^<>]+>$")


def notification_message_id(notification_id: str, domain: str) -> str:
    """The Message-ID of the e-mail that carries a notification: the notification row is its record."""
    return f"<n.{notification_id}@{domain}>"


@dataclass(frozen=True)
class MailboxState:
    uidvalidity: int
    last_uid: int


class MailboxStore:
    """Mixed into `Store`."""

    if TYPE_CHECKING:
        def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    async def mailbox_state(self, mailbox_id: str) -> MailboxState | None:
        async with self.transaction() as tx:
            row = await tx.session.get(MailboxStateRow, mailbox_id)
            return MailboxState(row.uidvalidity, row.last_uid) if row else None

    async def save_mailbox_state(self, mailbox_id: str, uidvalidity: int, last_uid: int, error: str | None = None) -> None:
        """The UID read up to (a new UIDVALIDITY starts again from 0), and the last error of a poll (None: it went well)."""
        async with self.transaction() as tx:
            row = await tx.session.get(MailboxStateRow, mailbox_id, with_for_update=True)
            if row is None:
                row = MailboxStateRow(mailbox_id=mailbox_id, uidvalidity=uidvalidity, last_uid=0)
                tx.session.add(row)
            row.uidvalidity, row.last_uid, row.polled_at, row.last_error = uidvalidity, last_uid, utcnow(), error

    async def mailbox_error(self, mailbox_id: str, error: str) -> None:
        """A poll that failed before reading anything: its reason, for the channel status."""
        async with self.transaction() as tx:
            row = await tx.session.get(MailboxStateRow, mailbox_id, with_for_update=True)
            if row is None:
                tx.session.add(MailboxStateRow(mailbox_id=mailbox_id, uidvalidity=0, last_uid=0, polled_at=utcnow(), last_error=error))
            else:
                row.polled_at, row.last_error = utcnow(), error

    async def mailbox_states(self) -> dict[str, MailboxStateRow]:
        async with self.transaction() as tx:
            return {row.mailbox_id: row for row in await tx.session.scalars(select(MailboxStateRow))}

    async def letter(self, key: str) -> MailMessageRow | None:
        async with self.transaction() as tx:
            return await tx.session.get(MailMessageRow, key)

    async def letters_from(self, sender_key: str, since: datetime) -> int:
        async with self.transaction() as tx:
            found = await tx.session.scalar(select(func.count()).select_from(MailMessageRow)
                                            .where(MailMessageRow.sender_key == sender_key, MailMessageRow.received_at >= since))
            return int(found or 0)

    async def skipped_letters(self, limit: int = 20) -> list[MailMessageRow]:
        """The latest letters that did not become or join a case, with their reasons."""
        async with self.transaction() as tx:
            return list(await tx.session.scalars(select(MailMessageRow).where(MailMessageRow.outcome == "skipped")
                                                 .order_by(MailMessageRow.received_at.desc()).limit(limit)))

    async def attachment(self, attachment_id: int) -> MailAttachmentRow | None:
        async with self.transaction() as tx:
            return await tx.session.get(MailAttachmentRow, attachment_id)

    async def attachments(self, report_id: int) -> list[MailAttachmentRow]:
        async with self.transaction() as tx:
            return list(await tx.session.scalars(select(MailAttachmentRow).where(MailAttachmentRow.report_id == report_id)
                                                 .order_by(MailAttachmentRow.id)))

    async def case_replied_to(self, message_ids: list[str]) -> int | None:
        """The case of the first of these Message-IDs that is one of our notifications or a letter taken earlier."""
        if not message_ids:
            return None
        async with self.transaction() as tx:
            for message_id in message_ids:
                match = NOTIFICATION_MESSAGE_ID.match(message_id)
                if match:
                    row = await tx.session.get(NotificationRow, match.group(1))
                    if row is not None:
                        return row.case_id
                else:
                    case_id = await tx.session.scalar(select(MailMessageRow.case_id).where(
                        MailMessageRow.message_id == message_id, MailMessageRow.case_id.is_not(None)).limit(1))
                    if case_id is not None:
                        return case_id
        return None
