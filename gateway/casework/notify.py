"""Telling reporters: a status change becomes a notification row per consenting reporter (in the same
transaction), and an rq job sends each through the notifier of the reporter's channel, with retries.

A channel package listed in `settings.channels` takes part by exposing `CHANNEL` (the Channel value it
serves) and `async def send_notification(settings, contact, language, text, *, case_number, case_status)`
that raises on failure (a channel may add a question, e.g. 回访 buttons when the case is closed); a package
that serves several Channel values exposes `NOTIFIERS = {Channel: send function}` instead. A notifier with a
`notification_id` keyword is given the row's id.
A reporter who opted out (STOP, 退订) on a channel their notifier sends through is skipped, never sent to.
A notifier whose channel is not configured here (no SMTP server, no Twilio sender) raises `ChannelNotConfigured`:
the notification is skipped with that reason, not retried, and the log says so once per channel.
"""
from __future__ import annotations

import importlib
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import cache
from typing import Any

from rq import Queue
from sqlalchemy import select

from gateway.i18n import STATUS_NAMES, message
from gateway.delivery.payload import case_number
from gateway.privacy import mask_numbers
from gateway.settings import Settings
from gateway.store.models import CaseRow, NotificationRow, OptOutRow, ReportRow
from gateway.store.store import Tx, utcnow

log = logging.getLogger(__name__)
Notifier = Callable[..., Awaitable[None]]
MAX_ATTEMPTS = 8


class NotificationStatus:
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    SKIPPED = "skipped"


class ChannelNotConfigured(RuntimeError):
    """The channel cannot send on this installation (a setting is missing): retrying will not help."""


_unconfigured_logged: set[str] = set()


def _skip_unconfigured(channel: str, reason: str) -> None:
    """Log the first notification skipped on a channel for want of configuration; later ones only go to the row."""
    if channel not in _unconfigured_logged:
        _unconfigured_logged.add(channel)
        log.warning("%s notifications are skipped: %s", channel, reason)


def with_id(notifier: Notifier, notification_id: str) -> dict[str, str]:
    """`notification_id` for a notifier that takes it (e-mail makes the message's Message-ID of it, so replies thread)."""
    return {"notification_id": notification_id} if "notification_id" in inspect.signature(notifier).parameters else {}


def notification_job_id(notification_id: str) -> str:
    return f"notify-{notification_id}"


@cache
def notifiers(channels: tuple[str, ...]) -> dict[str, Notifier]:
    """Channel value → its send function, from the channel packages in settings."""
    found: dict[str, Notifier] = {}
    for name in channels:
        module = importlib.import_module(f"channels.{name}")
        if hasattr(module, "NOTIFIERS"):
            found.update({str(channel): send for channel, send in module.NOTIFIERS.items()})
        elif hasattr(module, "send_notification") and hasattr(module, "CHANNEL"):
            found[str(module.CHANNEL)] = module.send_notification
    return found


@cache
def reporter_notes(channels: tuple[str, ...]) -> dict[str, Callable[..., Awaitable[str]]]:
    """Channel value → the line its package adds for the one reporter a message goes to."""
    return {str(module.CHANNEL): module.reporter_note
            for module in (importlib.import_module(f"channels.{name}") for name in channels)
            if hasattr(module, "reporter_note") and hasattr(module, "CHANNEL")}


async def opted_out(tx: Tx, channels: list[str], contact: dict[str, Any]) -> bool:
    """Whether the reporter's address (phone, e-mail or chat) opted out on any channel sent through the same notifier
    (a caller who texted STOP gets no SMS about their call either)."""
    address = contact.get("phone") or contact.get("email") or contact.get("telegram_chat_id") or contact.get("wechat_openid")
    if address is None:
        return False
    found = await tx.session.scalar(select(OptOutRow.address).where(OptOutRow.channel.in_(channels), OptOutRow.address == str(address)).limit(1))
    return found is not None


def status_text(case: CaseRow, status: str, note: str | None, language: str) -> str:
    lang = "en" if language == "en" else "zh"
    return message("status_update", lang, case=case_number(case.id, case.created_at), status=STATUS_NAMES[status][lang], note=note or "").strip()


async def queue_status_notifications(tx: Tx, case: CaseRow, status: str, note: str | None) -> list[str]:
    """One row per consenting reporter of the case (a reporter who sent several reports hears once)."""
    if status not in STATUS_NAMES:
        return []
    reports = await tx.session.scalars(select(ReportRow).where(ReportRow.case_id == case.id, ReportRow.consent_updates.is_(True)).order_by(ReportRow.id))
    seen: set[tuple[str, str]] = set()
    ids = []
    for report in reports:
        who = (report.channel, report.reporter_key or f"report:{report.id}")
        if who in seen or not report.contact:
            continue
        seen.add(who)
        ids.append(queue_message(tx, report, status, status_text(case, status, note, report.language)))
    return ids


def queue_message(tx: Tx, report: ReportRow, case_status: str, text: str) -> str:
    """A message owed to the reporter of `report` on its channel (a status change, or a confirmation after a call)."""
    now = utcnow()
    row = NotificationRow(
        id=str(uuid.uuid4()), case_id=report.case_id, report_id=report.id, channel=report.channel, contact=report.contact,
        language=report.language, text=text, case_status=case_status, status=NotificationStatus.PENDING,
        attempts=0, created_at=now, next_attempt_at=now,
    )
    tx.session.add(row)
    return row.id


def enqueue_notifications(queue: Queue, ids: list[str]) -> None:
    if ids:
        queue.enqueue_many([Queue.prepare_data("gateway.jobs.send_notification", (i,), job_id=notification_job_id(i), result_ttl=0) for i in ids])


async def send_one(settings: Settings, tx_factory: Any, queue: Queue, notification_id: str) -> str:
    """One attempt at one notification; safe to run twice (only a pending row is sent)."""
    async with tx_factory() as tx:
        row = await tx.session.get(NotificationRow, notification_id, with_for_update=True)
        if row is None or row.status != NotificationStatus.PENDING:
            return row.status if row else "missing"
        found = notifiers(tuple(settings.channels))
        notifier = found.get(row.channel)
        if notifier is None:
            row.status, row.last_error = NotificationStatus.SKIPPED, f"no notifier for channel {row.channel}"
            return row.status
        if await opted_out(tx, [channel for channel, send in found.items() if send is notifier], row.contact):
            row.status, row.last_error = NotificationStatus.SKIPPED, "opted out"
            return row.status
        row.attempts += 1
        channel, contact, language, text, case_status = row.channel, dict(row.contact), row.language, row.text, row.case_status
        case = await tx.case(row.case_id)
        assert case is not None
        number = case_number(case.id, case.created_at)
        note = reporter_notes(tuple(settings.channels)).get(row.channel)
        if note is not None:
            text = f"{text}\n{await note(tx, settings, row.report_id, number, language)}"
    try:
        await notifier(settings, contact, language, text, case_number=number, case_status=case_status, **with_id(notifier, notification_id))
        error = None
    except ChannelNotConfigured as exc:
        reason = f"not configured: {exc}"[:300]
        _skip_unconfigured(channel, reason)
        async with tx_factory() as tx:
            row = await tx.session.get(NotificationRow, notification_id, with_for_update=True)
            assert row is not None
            row.status, row.last_error = NotificationStatus.SKIPPED, reason
        return NotificationStatus.SKIPPED
    except Exception as exc:  # any failure of the channel is retried, and recorded (providers name the number they refused)
        error = mask_numbers(f"{type(exc).__name__}: {exc}")[:300]
        log.warning("notification %s failed: %s", notification_id, error)
    retry_at = None
    async with tx_factory() as tx:
        row = await tx.session.get(NotificationRow, notification_id, with_for_update=True)
        assert row is not None
        if error is None:
            row.status, row.sent_at = NotificationStatus.SENT, utcnow()
        elif row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error = NotificationStatus.DEAD, error
        else:
            row.last_error = error
            retry_at = row.next_attempt_at = utcnow() + timedelta(seconds=min(3600, 15 * 2 ** (row.attempts - 1)))
        status = row.status
    if retry_at is not None:
        queue.enqueue_at(retry_at, "gateway.jobs.send_notification", notification_id, job_id=notification_job_id(notification_id), result_ttl=0)
    return status
