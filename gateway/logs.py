"""Logging set-up with redaction: secrets and full phone numbers never reach a log line."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

PHONE_CANDIDATE = re.compile(r"(?<![\w.:/-])\+?\d[\d -]{5,18}\d(?![\w:./-])")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _mask(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 13 or DATE.match(text):
        return text
    keep, out = 4, []
    for ch in reversed(text):
        if ch.isdigit():
            out.append(ch if keep > 0 else "*")
            keep -= 1
        else:
            out.append(ch)
    return "".join(reversed(out))


def mask_phone_numbers(text: str) -> str:
    """Keep the last four digits of anything that looks like a phone number (7–13 digits)."""
    return PHONE_CANDIDATE.sub(_mask, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message: known secrets become *** and phone numbers are masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        record.msg, record.args = mask_phone_numbers(text), None
        if record.exc_text:
            exc_text = record.exc_text
            for secret in self.secrets:
                exc_text = exc_text.replace(secret, "***")
            record.exc_text = mask_phone_numbers(exc_text)
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
