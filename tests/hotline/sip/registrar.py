"""A SIP registrar on loopback standing in for a carrier's trunk: digest challenge (RFC 2617 MD5) and check, or 503."""
from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from dataclasses import dataclass, field

REALM = "trunk.test"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _header(message: str, name: str) -> str | None:
    match = re.search(rf"^{name}\s*:\s*(.*)$", message, re.IGNORECASE | re.MULTILINE)
    return match.group(1).strip() if match else None


def _params(authorization: str) -> dict[str, str]:
    return {k.lower(): v for k, v in re.findall(r'(\w+)="?([^",]*)"?', authorization.removeprefix("Digest "))}


@dataclass
class Registrar(asyncio.DatagramProtocol):
    """Answers REGISTER only. `failing`: 503 to everything. Otherwise each accepted REGISTER is kept in `accepted`."""

    username: str
    password: str
    failing: bool = False
    expires: int = 300
    accepted: list[dict[str, str]] = field(default_factory=list)
    refused: int = 0
    seen: int = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        message = data.decode(errors="replace")
        if not message.startswith("REGISTER "):
            return
        self.seen += 1
        if self.failing:
            self._reply(message, addr, "503 Service Unavailable")
            return
        authorization = _header(message, "Authorization")
        if authorization is None:
            nonce = secrets.token_hex(8)
            self._reply(message, addr, "401 Unauthorized", f'WWW-Authenticate: Digest realm="{REALM}", nonce="{nonce}", algorithm=MD5')
            return
        p = _params(authorization)
        ha1 = _md5(f"{p.get('username')}:{REALM}:{self.password}")
        ha2 = _md5(f"REGISTER:{p.get('uri')}")
        if p.get("username") != self.username or p.get("response") != _md5(f"{ha1}:{p.get('nonce')}:{ha2}"):
            self.refused += 1
            self._reply(message, addr, "403 Forbidden")
            return
        contact = _header(message, "Contact") or ""
        self.accepted.append({"username": p["username"], "contact": contact})
        self._reply(message, addr, "200 OK", f"Contact: {contact};expires={self.expires}", f"Expires: {self.expires}")

    def _reply(self, request: str, addr: tuple[str, int], status: str, *extra: str) -> None:
        copied = [f"{name}: {_header(request, name)}" for name in ("Via", "From", "Call-ID", "CSeq")]
        to = _header(request, "To") or ""
        lines = [f"SIP/2.0 {status}", *copied, f"To: {to};tag={secrets.token_hex(4)}" if "tag=" not in to else f"To: {to}",
                 *extra, "Content-Length: 0", "", ""]
        self.transport.sendto("\r\n".join(lines).encode(), addr)


async def start_registrar(port: int, **options: object) -> tuple[asyncio.DatagramTransport, Registrar]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(lambda: Registrar(**options), local_addr=("127.0.0.1", port))  # type: ignore[arg-type]
    return transport, protocol
