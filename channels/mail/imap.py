"""One IMAP mailbox polled for letters: held by one process at a time (a Redis lock), read by UID from where SQL says it
stopped (from the start again when UIDVALIDITY changes; letters already taken are known by their Message-ID), woken by
IDLE where the server offers it, each letter flagged or moved once taken."""
from __future__ import annotations

import asyncio
import logging
import re
import ssl
from dataclasses import dataclass

import aioimaplib
from redis import Redis
from redis.exceptions import LockError

from channels.mail.intake import MailDesk
from channels.mail.letters import letter_key
from gateway.settings import MailboxSettings
from gateway.store.store import Store

log = logging.getLogger(__name__)
UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
TAKEN_FLAGS = r"(\Seen $GatewayTaken)"
TIMEOUT = 60.0


class MailboxError(RuntimeError):
    """The server refused a command (login, select, fetch …)."""


def lines_ok(response: aioimaplib.Response, what: str) -> list[bytes]:
    if response.result != "OK":
        raise MailboxError(f"{what}: {response.result} {b' '.join(bytes(line) for line in response.lines)[:200].decode(errors='replace')}")
    return [bytes(line) for line in response.lines]


def literal(response: aioimaplib.Response) -> bytes | None:
    """The message bytes of a FETCH answer (the literal after its `{n}`)."""
    return next((bytes(line) for line in response.lines if isinstance(line, bytearray)), None)


@dataclass
class MailboxPoller:
    config: MailboxSettings
    desk: MailDesk
    store: Store
    redis: Redis
    poll_seconds: float
    batch: int

    @property
    def lock_name(self) -> str:
        return f"mail:mailbox:{self.config.id}"

    async def run(self) -> None:
        """Poll for as long as the process serves; errors are kept for the channel status and the poll is tried again."""
        lock = self.redis.lock(self.lock_name, timeout=max(30.0, self.poll_seconds * 3), blocking=False)
        while True:
            try:
                if lock.acquire():
                    try:
                        await self.session(lock)
                    finally:
                        try:
                            lock.release()
                        except LockError:
                            pass  # expired while the connection hung: another process may hold it now
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a server, network or store failure: recorded, and the next poll tries again
                error = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("mailbox %s: %s", self.config.id, error)
                await self.store.mailbox_error(self.config.id, error)
            await asyncio.sleep(self.poll_seconds)

    async def connect(self) -> aioimaplib.IMAP4:
        config = self.config
        client = (aioimaplib.IMAP4_SSL(config.host, config.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT)
                  if config.tls else aioimaplib.IMAP4(config.host, config.port, timeout=TIMEOUT))
        await client.wait_hello_from_server()
        lines_ok(await client.login(config.user, config.password or ""), "login")
        return client

    async def session(self, lock: object) -> None:
        """One connection: read what is new, then wait (IDLE or a pause) and read again while the lock is ours."""
        client = await self.connect()
        try:
            while True:
                await self.read_new(client)
                if not lock.reacquire():  # type: ignore[attr-defined]
                    return
                await self.wait(client)
                if not lock.reacquire():  # type: ignore[attr-defined]
                    return
        finally:
            try:
                await client.logout()
            except (aioimaplib.AioImapException, OSError, asyncio.TimeoutError):
                pass  # the connection is gone already; nothing was left half done

    async def wait(self, client: aioimaplib.IMAP4) -> None:
        """Until the server says a message arrived (IDLE) or `poll_seconds` passed."""
        if not client.has_capability("IDLE"):
            await asyncio.sleep(self.poll_seconds)
            return
        idle = await client.idle_start(timeout=self.poll_seconds)
        try:
            await client.wait_server_push(timeout=self.poll_seconds)
        except asyncio.TimeoutError:
            pass  # nothing arrived: read again anyway
        finally:
            client.idle_done()
            await asyncio.wait_for(idle, TIMEOUT)

    async def read_new(self, client: aioimaplib.IMAP4) -> int:
        """Take the letters after the last UID taken (up to `batch`); the number looked at."""
        config = self.config
        selected = lines_ok(await client.select(config.folder), f"select {config.folder}")
        validity = next((int(m.group(1)) for line in selected if (m := UIDVALIDITY.search(line))), 0)
        state = await self.store.mailbox_state(config.id)
        last = state.last_uid if state is not None and state.uidvalidity == validity else 0
        found = lines_ok(await client.uid_search(f"UID {last + 1}:*"), "search")
        uids = sorted(int(n) for n in b" ".join(found[:-1]).split() if n.isdigit() and int(n) > last)[: self.batch]
        for uid in uids:
            await self.take(client, uid)
            await self.store.save_mailbox_state(config.id, validity, uid)
        if not uids:
            await self.store.save_mailbox_state(config.id, validity, last)
        return len(uids)

    async def take(self, client: aioimaplib.IMAP4, uid: int) -> None:
        """One message: its size and Message-ID first (a letter too large or already taken is not downloaded)."""
        head = await client.uid("fetch", str(uid), "(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        lines_ok(head, f"fetch {uid}")
        size = next((int(m.group(1)) for line in head.lines if (m := SIZE.search(bytes(line)))), 0)
        header = literal(head) or b""
        message_id = MESSAGE_ID.search(header)
        seen = await self.store.letter(letter_key(message_id.group(1))) if message_id else None
        if seen is None and size > self.desk.settings.mail_intake.max_message_bytes:
            key = letter_key(message_id.group(1)) if message_id else letter_key(f"{self.config.id}:{uid}:{size}".encode())
            await self.desk.skip(key, message_id.group(1).decode(errors="replace") if message_id else None, self.config.id, uid,
                                 None, "too_large", f"{size} bytes")
        elif seen is None:
            body = await client.uid("fetch", str(uid), "(BODY.PEEK[])")
            raw = literal(body)
            lines_ok(body, f"fetch {uid}")
            if raw is None:
                raise MailboxError(f"fetch {uid}: no message in the answer")
            taken = await self.desk.take(raw, self.config.id, uid)
            log.info("mailbox %s uid %s: %s %s", self.config.id, uid, taken.outcome, taken.reason or taken.case_number or "")
        await self.after(client, uid)

    async def after(self, client: aioimaplib.IMAP4, uid: int) -> None:
        """Flag the message as taken, or move it to `move_to` (created if missing)."""
        if self.config.after == "flag":
            lines_ok(await client.uid("store", str(uid), "+FLAGS", TAKEN_FLAGS), f"flag {uid}")
            return
        moved = await client.uid("move", str(uid), self.config.move_to)
        if moved.result != "OK":
            await client.create(self.config.move_to)
            lines_ok(await client.uid("move", str(uid), self.config.move_to), f"move {uid}")
