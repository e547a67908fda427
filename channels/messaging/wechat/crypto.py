"""WeChat's callback signatures and its message encryption ("safe mode"), as the official account platform publishes them.

Signature: SHA-1 of the token, timestamp and nonce (and, for an encrypted body, the `Encrypt` text) sorted and joined.
Encryption: AES-256-CBC with the key `base64(EncodingAESKey + "=")` and its first 16 bytes as IV, PKCS#7 padding to
32 bytes, over `16 random bytes + length (4 bytes, big-endian) + message + AppId`.
Signatures are compared in constant time.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import string
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32
RANDOM_CHARS = string.ascii_letters + string.digits


class CryptoError(ValueError):
    """A callback that is not WeChat's for this account: `code` is signature, app_id or malformed."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def signature(*parts: str) -> str:
    """WeChat's SHA-1 signature of the parts (token, timestamp, nonce[, encrypt])."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_signature(given: str, *parts: str) -> None:
    """Raise CryptoError unless `given` is the signature of the parts (compared in constant time)."""
    if not hmac.compare_digest(signature(*parts).encode(), given.encode("utf-8", "replace")):
        raise CryptoError("signature", "invalid WeChat signature")


class MessageCrypto:
    """Encrypts and decrypts message bodies of one account."""

    def __init__(self, encoding_aes_key: str, app_id: str) -> None:
        key = base64.b64decode(encoding_aes_key + "=")
        if len(key) != 32:
            raise ValueError("EncodingAESKey must be 43 characters of base64")
        self.key, self.app_id = key, app_id.encode()

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str) -> str:
        body = message.encode()
        prefix = "".join(secrets.choice(RANDOM_CHARS) for _ in range(16)).encode()
        plain = prefix + struct.pack(">I", len(body)) + body + self.app_id
        pad = BLOCK - len(plain) % BLOCK
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        """The message inside `encrypted`; CryptoError when it is not one, or is addressed to another AppId."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("malformed", "Encrypt is not base64") from None
        if not data or len(data) % 16:
            raise CryptoError("malformed", "Encrypt is not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad or len(plain) - pad < 20:
            raise CryptoError("malformed", "bad padding: not encrypted with this account's key")
        content = plain[16:-pad]
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise CryptoError("malformed", "message length beyond the data")
        if not hmac.compare_digest(content[4 + length:], self.app_id):
            raise CryptoError("app_id", "message for another AppId")
        try:
            return content[4:4 + length].decode()
        except UnicodeDecodeError:
            raise CryptoError("malformed", "message is not UTF-8") from None
