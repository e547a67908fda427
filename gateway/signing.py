"""The one signing helper: X-Gateway-Signature `t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>`, and link tokens by the same HMAC."""
from __future__ import annotations

import hashlib
import hmac
import time


class SignatureError(Exception):
    """A signature that does not verify; `code` is a message-catalogue key."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value signing `body` at `timestamp` (now by default)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, body: bytes, header: str | None, tolerance: int, now: float | None = None) -> int:
    """Check a signature header; return its timestamp or raise SignatureError."""
    if not header:
        raise SignatureError("bad_signature")
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        t = int(fields["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("bad_signature") from None
    if abs((time.time() if now is None else now) - t) > tolerance:
        raise SignatureError("stale_signature")
    expected = sign(secret, body, t).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, given) for given in fields.get("v1", [])):
        raise SignatureError("bad_signature")
    return t


def message_receipt(timestamp: int, body: bytes) -> str:
    """What a verified signature vouches for, as 64 hex digits: SHA-256 of "<t>." and the body's SHA-256. Replay
    protection remembers this (with the platform), never a value of the header, which may carry more `v1=` parts."""
    return hashlib.sha256(f"{timestamp}.{hashlib.sha256(body).hexdigest()}".encode()).hexdigest()


def subject_token(secret: str, subject: str) -> str:
    """A link token for `subject` (e.g. "report:42"): HMAC-SHA256 with `secret`, 128 bits in hex."""
    return hmac.new(secret.encode(), subject.encode(), hashlib.sha256).hexdigest()[:32]


def subject_token_valid(secret: str, subject: str, token: str) -> bool:
    return hmac.compare_digest(subject_token(secret, subject), token)
