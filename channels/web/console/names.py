"""The names people read for the gateway's codes of channels and delivery events, in Chinese and English
(case statuses: `gateway.domain.status_name`). A code not named here is shown as it is."""
from __future__ import annotations

from gateway.domain import Channel
from gateway.i18n import Lang

CHANNEL_NAMES: dict[str, dict[Lang, str]] = {
    Channel.HOTLINE: {"zh": "12319热线（人工）", "en": "12319 hotline (agent)"},
    Channel.VOICE: {"zh": "语音热线", "en": "Voice line"},
    Channel.WEB: {"zh": "网页", "en": "Web form"},
    Channel.TELEGRAM: {"zh": "Telegram", "en": "Telegram"},
    Channel.WECHAT: {"zh": "微信公众号", "en": "WeChat"},
    Channel.SMS: {"zh": "短信", "en": "SMS"},
    Channel.WHATSAPP: {"zh": "WhatsApp", "en": "WhatsApp"},
    Channel.OPEN311: {"zh": "Open311", "en": "Open311"},
    Channel.EMAIL: {"zh": "市长信箱（邮件）", "en": "Mayor's mailbox (e-mail)"},
    Channel.API: {"zh": "接口", "en": "API"},
    Channel.SUPERVISOR: {"zh": "监督员", "en": "Supervisor"},
    Channel.LIAISON: {"zh": "社区联络员", "en": "Community liaison"},
}

EVENT_NAMES: dict[str, dict[Lang, str]] = {
    "case.created": {"zh": "新案件", "en": "New case"},
    "case.updated": {"zh": "案件更新", "en": "Case update"},
    "case.reopen_requested": {"zh": "要求重新处理", "en": "Reopen request"},
    "gateway.test": {"zh": "测试投递", "en": "Test delivery"},
}


def channel_name(channel: str | None, lang: Lang) -> str:
    """A channel as people read it ("12319热线（人工）"); an unknown one by its code, none as a dash."""
    if not channel:
        return "—"
    names = CHANNEL_NAMES.get(channel)
    return names["en" if lang == "en" else "zh"] if names else channel


def event_name(event: str, lang: Lang) -> str:
    """A delivery event as people read it ("新案件" for case.created); an unknown one by its code."""
    names = EVENT_NAMES.get(event)
    return names["en" if lang == "en" else "zh"] if names else event
