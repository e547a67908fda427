"""The mayor's mailbox (市长信箱): letters by e-mail from IMAP mailboxes (and optionally SMTP) become cases of source
市长信箱; acknowledgments, status changes and the 回访 question go back by e-mail, and replies join their case."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from channels.mail.attachments import routes as attachment_routes
from channels.mail.imap import MailboxPoller
from channels.mail.intake import MailDesk
from channels.mail.outbound import send_notification
from channels.mail.smtp import start_listener
from channels.web.catalogue import text as web_text
from channels.web.reporter import reporter_link
from gateway.appkeys import CASEWORK, MEDIA, PIPELINE, QUEUE, REDIS, SETTINGS, STORE
from gateway.domain import Channel
from gateway.settings import Settings
from gateway.store.store import Tx

CHANNEL = Channel.EMAIL
DESK = web.AppKey("mail_desk", MailDesk)

__all__ = ["CHANNEL", "DESK", "reporter_note", "send_notification", "setup"]


class MailChannelNotConfigured(RuntimeError):
    """`mail` is listed in channels, but there is nothing to read letters from or no SMTP server to answer them."""


async def reporter_note(tx: Tx, settings: Settings, report_id: int, case_number: str, language: str) -> str:
    """The letter writer's own status link (progress, and their 回访 answer once the case is closed), where the web
    channel serves status pages."""
    if "web" not in settings.channels:
        return ""
    return web_text("mail_link", "en" if language == "en" else "zh", link=await reporter_link(tx, settings, report_id, case_number))


STOP_RETRY_SECONDS = 1.0


async def mail_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: one poller task per mailbox and the SMTP listener, for the life of the app."""
    settings = app[SETTINGS]
    intake = settings.mail_intake
    desk = app[DESK] = MailDesk(settings, app[PIPELINE], app[STORE], app[CASEWORK], app[MEDIA], app[QUEUE])
    tasks = [asyncio.create_task(MailboxPoller(m, desk, app[STORE], app[REDIS], intake.poll_seconds, intake.batch).run(), name=f"mailbox-{m.id}")
             for m in intake.mailboxes]
    server = await start_listener(desk, intake.smtp, intake.max_message_bytes) if intake.smtp.enabled else None
    yield
    if server is not None:
        server.close()
        await server.wait_closed()
    for task in tasks:
        await stopped(task)


async def stopped(task: asyncio.Task[None]) -> None:
    """Cancel the task until it ends: before Python 3.12, `asyncio.wait_for` can swallow a cancellation that arrives as
    its inner wait completes (an IDLE ending), and the poller would go on polling while the app waits for it."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=STOP_RETRY_SECONDS)
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup(app: web.Application) -> None:
    """Start the pollers with the app; refuse to start when there is nothing to read or no way to answer."""
    settings = app[SETTINGS]
    if not settings.mail_intake.mailboxes and not settings.mail_intake.smtp.enabled:
        raise MailChannelNotConfigured("the mail channel needs mail_intake.mailboxes or mail_intake.smtp.enabled")
    if settings.mail is None:
        raise MailChannelNotConfigured("the mail channel answers letters through the mail: SMTP settings, which are missing")
    if settings.mail_intake.smtp.enabled and not settings.mail_intake.smtp.domains:
        raise MailChannelNotConfigured("mail_intake.smtp needs the domains it takes mail for")
    app.cleanup_ctx.append(mail_context)
    if "web" in settings.channels:  # the console's sign-in guards the attachments
        app.add_routes(attachment_routes)
