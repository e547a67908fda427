"""One IMAP mailbox polled for letters: held by one process at a time (a Redis lock), read by UID from where SQL says it
stopped (from the start again when UIDVALIDITY changes; letters already taken are known by their Message-ID), woken by
IDLE where the server offers it, each letter flagged or moved once taken."""
from __future__ import annotations

import asyncio
import base64
import logging
import re
import ssl
from dataclasses import dataclass, field

import aioimaplib
from redis import Redis
from redis.exceptions import LockError
from redis.lock import Lock

from channels.mail.intake import MailDesk
from gateway.settings import MailboxSettings
from gateway.store.store import Store

log = logging.getLogger(__name__)
UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
UID = re.compile(rb"UID (\d+)")
FETCH_START = re.compile(rb"^\d+ FETCH \(")
HEAD_ITEMS = "(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID FROM)])"
TAKEN_FLAGS = r"(\Seen $GatewayTaken)"
TIMEOUT = 60.0
MAX_BACKOFF = 300.0
GOODBYE_SECONDS = 5.0


class MailboxError(RuntimeError):
    """The server refused a command (login, select, fetch …)."""


class LockLost(RuntimeError):
    """The mailbox's lock expired (this process stalled): another process may be reading it now."""


def lines_ok(response: aioimaplib.Response, what: str) -> list[bytes]:
    if response.result != "OK":
        raise MailboxError(f"{what}: {response.result} {b' '.join(bytes(line) for line in response.lines)[:200].decode(errors='replace')}")
    return [bytes(line) for line in response.lines]


def folder_name(name: str) -> str:
    """A folder as IMAP names it: modified UTF-7 (RFC 3501 5.1.3: 台北 is `&U,BTFw-`), quoted."""
    encoded, run = [], []

    def flush() -> None:
        if run:
            chunk = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=").replace("/", ",")
            encoded.append(f"&{chunk}-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            encoded.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return aioimaplib.quoted("".join(encoded))


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
    lock: Lock = field(init=False)

    @property
    def lock_name(self) -> str:
        return f"mail:mailbox:{self.config.id}"

    def __post_init__(self) -> None:
        self.lock = self.redis.lock(self.lock_name, timeout=max(30.0, self.poll_seconds * 3), blocking=False)

    def hold(self) -> None:
        """Renew the lock before each step; raises LockLost when it is no longer ours."""
        if not self.lock.reacquire():
            raise LockLost(self.lock_name)

    async def run(self) -> None:
        """Poll for as long as the process serves; an error is kept for the channel status and the poll tried again after
        a pause that doubles with each failure in a row (up to MAX_BACKOFF seconds)."""
        failures = 0
        while True:
            try:
                if self.lock.acquire():
                    try:
                        await self.session()
                    finally:
                        try:
                            self.lock.release()
                        except LockError:
                            pass  # expired while the connection hung: another process may hold it now
                failures = 0
            except asyncio.CancelledError:
                raise
            except LockLost:
                log.warning("mailbox %s: lock lost, another process may read it now", self.config.id)
            except Exception as exc:  # a server, network or store failure: recorded, and the poll is tried again
                failures += 1
                error = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("mailbox %s (failure %d in a row): %s", self.config.id, failures, error)
                await self.keep_error(error)
            await asyncio.sleep(min(MAX_BACKOFF, self.poll_seconds * 2 ** failures))

    async def keep_error(self, error: str) -> None:
        """The error for the channel status; when the store itself is down, the log line above is all there is."""
        try:
            await self.store.mailbox_error(self.config.id, error)
        except Exception as exc:  # the poller must outlive a store that is down; said in the log, tried again next round
            log.warning("mailbox %s: its error could not be stored: %s", self.config.id, type(exc).__name__)

    async def connect(self) -> aioimaplib.IMAP4:
        config = self.config
        context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
        client = (aioimaplib.IMAP4_SSL(config.host, config.port, ssl_context=context, timeout=TIMEOUT)
                  if config.tls else aioimaplib.IMAP4(config.host, config.port, timeout=TIMEOUT))
        await client.wait_hello_from_server()
        lines_ok(await client.login(config.user, config.password or ""), "login")
        return client

    async def session(self) -> None:
        """One connection: read what is new, then wait (IDLE or a pause) and read again while the lock is ours."""
        client = await self.connect()
        try:
            while True:
                await self.read_new(client)
                self.hold()
                await self.wait(client)
                self.hold()
        except asyncio.CancelledError:
            client.protocol.transport.close()  # the process is stopping: no goodbye that could wait on the server
            raise
        except BaseException:
            await self.goodbye(client)
            raise

    async def goodbye(self, client: aioimaplib.IMAP4) -> None:
        """LOGOUT after a failure, bounded: the connection may be what failed."""
        try:
            await asyncio.wait_for(client.logout(), GOODBYE_SECONDS)
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
        client.idle_done()
        await asyncio.wait_for(idle, TIMEOUT)

    async def read_new(self, client: aioimaplib.IMAP4) -> int:
        """Take the letters after the last UID taken (up to `batch`); the number looked at."""
        config = self.config
        selected = lines_ok(await client.select(folder_name(config.folder)), f"select {config.folder}")
        validity = next((int(m.group(1)) for line in selected if (m := UIDVALIDITY.search(line))), 0)
        state = await self.store.mailbox_state(config.id)
        last = state.last_uid if state is not None and state.uidvalidity == validity else 0
        found = lines_ok(await client.uid_search(f"UID {last + 1}:*"), "search")
        uids = sorted(int(n) for n in b" ".join(found[:-1]).split() if n.isdigit() and int(n) > last)[: self.batch]
        if uids:
            fetched = await client.uid("fetch", f"{uids[0]}:{uids[-1]}", HEAD_ITEMS)
            lines_ok(fetched, "fetch headers")
            heads = headers(fetched.lines)
            for uid in uids:
                self.hold()
                size, header = heads.get(uid, (0, b""))
                if await self.desk.screen(header, size, config.id, uid) is None:
                    await self.take(client, uid)
            self.hold()
            await self.after(client, ",".join(map(str, uids)))
        await self.store.save_mailbox_state(config.id, validity, uids[-1] if uids else last)
        return len(uids)

    async def take(self, client: aioimaplib.IMAP4, uid: int) -> None:
        """One message downloaded and handed to the desk."""
        body = await client.uid("fetch", str(uid), "(BODY.PEEK[])")
        raw = literal(body)
        lines_ok(body, f"fetch {uid}")
        if raw is None:
            raise MailboxError(f"fetch {uid}: no message in the answer")
        taken = await self.desk.take(raw, self.config.id, uid)
        log.info("mailbox %s uid %s: %s %s", self.config.id, uid, taken.outcome, taken.reason or taken.case_number or "")

    async def after(self, client: aioimaplib.IMAP4, uids: str) -> None:
        """Flag the messages looked at as taken, or move them to `move_to` (created if missing)."""
        if self.config.after == "flag":
            lines_ok(await client.uid("store", uids, "+FLAGS", TAKEN_FLAGS), "flag")
            return
        target = folder_name(self.config.move_to)
        moved = await client.uid("move", uids, target)
        if moved.result != "OK":
            await client.create(target)
            lines_ok(await client.uid("move", uids, target), "move")


def headers(lines: list[bytes | bytearray]) -> dict[int, tuple[int, bytes]]:
    """UID → (RFC822.SIZE, the header fields fetched) from one FETCH answer over many messages (a literal is a bytearray)."""
    entries: list[list[int | bytes | None]] = []
    for line in lines:
        if isinstance(line, bytearray):
            if entries:
                entries[-1][2] = bytes(line)
            continue
        if FETCH_START.match(line):
            entries.append([None, 0, b""])
        if entries and (m := UID.search(line)):
            entries[-1][0] = int(m.group(1))
        if entries and (m := SIZE.search(line)):
            entries[-1][1] = int(m.group(1))
    return {int(uid): (int(size or 0), bytes(header or b"")) for uid, size, header in entries if uid is not None}
