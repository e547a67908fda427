"""Inline keyboards of the conversation; callback data is `<step>:<choice>`."""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from gateway.domain import Satisfaction, satisfaction_name

from channels.messaging.telegram.texts import text


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("中文", callback_data="lang:zh"), InlineKeyboardButton("English", callback_data="lang:en")]])


def classes(lang: str, names: list[str]) -> InlineKeyboardMarkup:
    """One button per proposed class (by its index), then 'let the staff decide'."""
    rows = [[InlineKeyboardButton(name, callback_data=f"cls:{i}")] for i, name in enumerate(names)]
    rows.append([InlineKeyboardButton(text(lang, "let_staff_decide"), callback_data="cls:staff")])
    return InlineKeyboardMarkup(rows)


def yes_no(lang: str, step: str, yes: str, no: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text(lang, yes), callback_data=f"{step}:yes"), InlineKeyboardButton(text(lang, no), callback_data=f"{step}:no")]]
    )


def photos_done(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text(lang, "photo_done"), callback_data="photos:done")]])


def satisfaction(lang: str, case: str) -> InlineKeyboardMarkup:
    """The 回访 answers for one case: `sat:<case number>:<answer>`, valid outside any conversation."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(satisfaction_name(a, lang), callback_data=f"sat:{case}:{a.value}") for a in Satisfaction]])
