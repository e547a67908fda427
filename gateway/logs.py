"""Logging set-up with redaction: secrets, full phone numbers and ID numbers never reach a log line (masking in gateway.privacy)."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from gateway.privacy import mask_numbers


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message: known secrets become *** and phone and ID numbers are masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        record.msg, record.args = mask_numbers(text), None
        if record.exc_text:
            exc_text = record.exc_text
            for secret in self.secrets:
                exc_text = exc_text.replace(secret, "***")
            record.exc_text = mask_numbers(exc_text)
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
