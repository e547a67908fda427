"""Words a sender may text instead of a report: STOP / 退订, START / 订阅, HELP / 帮助, STATUS / 状态 <case>, and 回访 answers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from gateway.domain import Satisfaction

Action = Literal["stop", "start", "help", "status", "feedback"]

WORDS: dict[str, tuple[Action, str]] = {
    **{word: ("stop", "en") for word in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")},
    **{word: ("stop", "zh") for word in ("退订", "取消订阅", "TD")},
    **{word: ("start", "en") for word in ("START", "UNSTOP", "SUBSCRIBE")},
    "订阅": ("start", "zh"),
    **{word: ("help", "en") for word in ("HELP", "INFO")},
    "帮助": ("help", "zh"),
}
ANSWERS: dict[str, tuple[Satisfaction, str | None]] = {
    "1": (Satisfaction.SATISFIED, None),
    "2": (Satisfaction.BASICALLY_SATISFIED, None),
    "3": (Satisfaction.DISSATISFIED, None),
    "满意": (Satisfaction.SATISFIED, "zh"),
    "基本满意": (Satisfaction.BASICALLY_SATISFIED, "zh"),
    "不满意": (Satisfaction.DISSATISFIED, "zh"),
    "SATISFIED": (Satisfaction.SATISFIED, "en"),
    "MOSTLY SATISFIED": (Satisfaction.BASICALLY_SATISFIED, "en"),
    "NOT SATISFIED": (Satisfaction.DISSATISFIED, "en"),
}
STATUS = re.compile(r"^(STATUS|状态|查询)\s*[:：#]?\s*(\d*)$")
TRAILING = "。.!！?？ "


@dataclass(frozen=True)
class Keyword:
    action: Action
    language: str | None
    case: str | None = None
    answer: Satisfaction | None = None


def parse(body: str) -> Keyword | None:
    """The keyword a message is, or None when it is a report (or a follow-up)."""
    word = " ".join(body.strip().strip(TRAILING).split()).upper()
    if word in WORDS:
        action, lang = WORDS[word]
        return Keyword(action, lang)
    if word in ANSWERS:
        answer, lang = ANSWERS[word]
        return Keyword("feedback", lang, answer=answer)
    status = STATUS.match(word)
    if status:
        return Keyword("status", "zh" if status.group(1) != "STATUS" else "en", case=status.group(2) or None)
    return None
