"""The 12319 hotline over SIP: `gateway sip` workers (PJSUA2) answering calls, and SMS updates to callers who asked.

Nothing here imports pjsua2: the engine is loaded by the worker process only, so the gateway runs where no
wheel exists.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.domain import Channel
from gateway.settings import Settings

CHANNEL = Channel.HOTLINE

__all__ = ["CHANNEL", "send_notification", "setup"]


def setup(app: web.Application) -> None:
    """Calls are answered by `gateway sip` processes: the web app has no route to add."""


async def send_notification(settings: Settings, contact: dict[str, Any], language: str, text: str, *,
                            case_number: str | None = None, case_status: str | None = None) -> None:
    """A status message by SMS to a caller who pressed the key for updates (contact {"phone": ...})."""
    from channels.messaging.twilio.outbound import send_sms_notification

    await send_sms_notification(settings, contact, language, text, case_number=case_number, case_status=case_status)


def unavailable_reason() -> str | None:
    """Why SIP calls cannot be answered on this machine (no pjsua2 wheel for it), or None when they can."""
    try:
        import pjsua2  # noqa: F401
    except ImportError as exc:
        import platform

        return (f"the pjsua2 wheel is not installed or does not load ({exc}); it exists for CPython 3.8-3.12 on x86_64, "
                f"this is {platform.python_implementation()} {platform.python_version()} on {platform.machine()}")
    return None
