"""The names people read for the gateway's codes of channels and delivery events, in Chinese and English (one table:
the console's case texts; case statuses: `gateway.domain.status_name`). A code not named there is shown as it is."""
from __future__ import annotations

from channels.web.console.case_texts import CASE_TEXTS, channel_label
from gateway.i18n import Lang


def channel_name(channel: str | None, lang: Lang) -> str:
    """A channel as people read it ("12319热线（人工）"); an unknown one by its code, none as a dash."""
    return channel_label(channel, lang) if channel else "—"


def event_name(event: str, lang: Lang) -> str:
    """A delivery event as people read it ("新案件" for case.created); an unknown one by its code."""
    names = CASE_TEXTS.get(f"event_{event}")
    return names["en" if lang == "en" else "zh"] if names else event
