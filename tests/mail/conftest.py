"""Mail fixtures: a real Dovecot IMAP server started for the session as an unprivileged process (a generated config on a
free port, one user per test), the city's outgoing SMTP relay as a local aiosmtpd server, and the gateway with the mail
channel reading the test's mailbox."""
from __future__ import annotations

import asyncio
import grp
import imaplib
import ipaddress
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from classifier import Classifier
from gateway.location import Locator
from gateway.settings import MailboxSettings, MailIntakeSettings, MailSettings, Settings
from tests.conftest import eventually, free_port
from tests.core.conftest import Api, make_settings, start_api
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (session fixtures)

GATEWAY_ADDRESS = "mayor@city.example.cn"
_users = itertools.count(1)


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if found is None:
        raise RuntimeError("dovecot is not installed: scripts/system-packages.sh installs dovecot-imapd")
    return found


def unprivileged_user() -> pwd.struct_passwd:
    """Who Dovecot runs as: this user, or when the tests run as root, the package's own `dovecot` user."""
    return pwd.getpwuid(os.getuid()) if os.getuid() != 0 else pwd.getpwnam("dovecot")


def self_signed(ip: str) -> tuple[bytes, bytes]:
    """A key and a certificate for `ip`, both PEM, valid for two days."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ip)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
            cert.public_bytes(serialization.Encoding.PEM))


class Dovecot:
    """Dovecot's imap service on loopback, plaintext logins, users in a passwd file it re-reads when it changes."""

    def __init__(self, root: Path) -> None:
        self.root, self.port, self.tls_port, self.user = root, free_port(), free_port(), unprivileged_user()
        self.passwd = root / "passwd"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def cert(self) -> Path:
        """The server's self-signed certificate: the CA a mailbox with TLS is told to trust."""
        return self.root / "cert.pem"

    def config(self) -> str:
        name, uid, gid = self.user.pw_name, self.user.pw_uid, self.user.pw_gid
        group = grp.getgrgid(gid).gr_name
        return f"""base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.root}/cert.pem
ssl_key = <{self.root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {name}
default_internal_group = {group}
default_login_user = {name}
first_valid_uid = {uid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""

    def start(self) -> None:
        for folder in ("run", "state", "home"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self.passwd.write_text("")
        key, cert = self_signed("127.0.0.1")
        (self.root / "key.pem").write_bytes(key)
        self.cert.write_bytes(cert)
        (self.root / "dovecot.conf").write_text(self.config())
        os.chmod(self.root, 0o755)
        if os.getuid() == 0:
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, self.user.pw_uid, self.user.pw_gid)
        user = self.user.pw_uid if os.getuid() == 0 else None
        group = self.user.pw_gid if os.getuid() == 0 else None
        self.process = subprocess.Popen([dovecot_binary(), "-F", "-c", str(self.root / "dovecot.conf")], user=user, group=group,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode() if self.process.stderr else ''}")
            try:
                imaplib.IMAP4("127.0.0.1", self.port).logout()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not listen")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def add_user(self) -> tuple[str, str]:
        name, password = f"user{next(_users)}", f"pw-{os.urandom(6).hex()}"
        with self.passwd.open("a") as f:
            f.write(f"{name}:{{PLAIN}}{password}\n")
        return name, password


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    # Its own temporary directory: pytest's is readable by the test's user only, and Dovecot may run as another.
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    server = Dovecot(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Mailbox:
    """The test's mailbox on Dovecot, written and read over IMAP like any mail client would."""

    server: Dovecot
    user: str
    password: str

    def _client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.server.port)
        client.login(self.user, self.password)
        return client

    def _append(self, messages: list[bytes], folder: str) -> None:
        client = self._client()
        try:
            client.create(folder)
            for raw in messages:
                status, answer = client.append(folder, "", None, raw)
                assert status == "OK", answer
        finally:
            client.logout()

    async def deliver(self, *messages: EmailMessage | bytes, folder: str = "INBOX") -> None:
        """APPEND the messages, in this order, over one connection."""
        raws = [m if isinstance(m, bytes) else m.as_bytes() for m in messages]
        await asyncio.to_thread(self._append, raws, folder)

    def _flags(self, folder: str) -> dict[int, str]:
        client = self._client()
        try:
            client.select(folder)
            status, data = client.uid("fetch", "1:*", "(FLAGS)")
            return {int(item.split(b"UID ")[1].split()[0].rstrip(b")")): item.decode() for item in data if item}
        finally:
            client.logout()

    async def flags(self, folder: str = "INBOX") -> dict[int, str]:
        return await asyncio.to_thread(self._flags, folder)


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    user, password = dovecot.add_user()
    return Mailbox(dovecot, user, password)


class Relay:
    """The city's outgoing mail server: what the gateway sent, parsed."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    relay, port = Relay(), free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    yield relay, port
    controller.stop()


def mail_settings(database_url: str, redis_url: str, receiver_url: str, media_dir: Path, mailbox: Mailbox, relay_port: int,
                  **intake: Any) -> Settings:
    config = MailboxSettings(id="mayor", host="127.0.0.1", port=mailbox.server.port, tls=False, user=mailbox.user,
                             password=mailbox.password, folder="INBOX")
    return make_settings(database_url, redis_url, receiver_url).model_copy(update={
        "channels": ["web", "mail"], "media_dir": media_dir, "public_base_url": "https://gateway.example.org",
        "mail": MailSettings(host="127.0.0.1", port=relay_port, sender=f"市长信箱 <{GATEWAY_ADDRESS}>", starttls=False),
        "mail_intake": MailIntakeSettings(**({"mailboxes": [config], "poll_seconds": 0.3} | intake)),
    })


@dataclass
class MailGateway:
    api: Api
    mailbox: Mailbox
    relay: Relay

    async def letters(self, count: int) -> list[Any]:
        """Wait until the mailbox has recorded `count` letters; their rows, oldest first."""
        from sqlalchemy import func, select

        from gateway.store.models import MailMessageRow

        async def recorded() -> bool:
            async with self.api.store.transaction() as tx:
                return (await tx.session.scalar(select(func.count()).select_from(MailMessageRow)) or 0) >= count

        await eventually(recorded, timeout=300, interval=0.2)
        async with self.api.store.transaction() as tx:
            return list(await tx.session.scalars(select(MailMessageRow).order_by(MailMessageRow.received_at, MailMessageRow.key)))

    async def send_notifications(self) -> int:
        """Send every pending notification as the worker would; how many were sent."""
        from sqlalchemy import select

        from gateway.casework.notify import send_one
        from gateway.queueing import make_queue
        from gateway.store.models import NotificationRow

        async with self.api.store.transaction() as tx:
            ids = list(await tx.session.scalars(select(NotificationRow.id).where(NotificationRow.status == "pending")))
        sent = 0
        for notification_id in ids:
            status = await send_one(self.api.settings, self.api.store.transaction, make_queue(self.api.settings), notification_id)
            assert status == "sent", status
            sent += 1
        return sent


@pytest.fixture
async def gateway(aiohttp_client: Any, tmp_path: Path, database_url: str, redis_url: str, receiver: Any, mailbox: Mailbox,
                  relay: tuple[Relay, int], classifier: Classifier, locator: Locator) -> AsyncIterator[MailGateway]:
    """The gateway with the real pipeline (the shipped classifier, the sample city's locator) reading the test's mailbox."""
    settings = mail_settings(database_url, redis_url, receiver.url, tmp_path / "media", mailbox, relay[1])
    api = await start_api(aiohttp_client, settings, classifier=classifier, locator=locator)
    yield MailGateway(api, mailbox, relay[0])
    await api.store.close()
