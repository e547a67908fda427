"""What needs no conversation: /status <case>, /mycases and the satisfaction answer (回访)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram import CallbackQuery, Message

from channels.messaging.steps import contact_key, find_case, reported_by
from channels.messaging.telegram import keyboards
from channels.messaging.telegram.texts import text
from classifier.tables import CodeTables
from gateway.casework.cases import Casework
from gateway.domain import CaseStatus, Channel, ContactIn, Satisfaction, satisfaction_name, status_name
from gateway.delivery.payload import case_number
from gateway.store.models import CaseRow
from gateway.store.store import Store, utcnow

MY_CASES_WINDOW = timedelta(days=30)


def describe_case(case: CaseRow, tables: CodeTables, lang: str) -> str:
    return text(
        lang, "case_status",
        case=case_number(case.id, case.created_at),
        status=status_name(case.status, lang),
        name=tables.label(case.class_id, lang) or text(lang, "let_staff_decide"),
        updated=case.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


def chat_reporter_key(chat_id: int) -> str:
    """The pipeline's reporter key of a chat (the same one its reports are stored under)."""
    return contact_key(Channel.TELEGRAM, ContactIn(telegram_chat_id=chat_id))


@dataclass
class CaseCommands:
    """Answers about cases already made."""

    store: Store
    tables: CodeTables
    casework: Casework

    async def my_cases(self, message: Message, chat_id: int, lang: str) -> None:
        async with self.store.transaction() as tx:
            rows = await tx.open_cases_of_reporter(chat_reporter_key(chat_id), utcnow() - MY_CASES_WINDOW)
        unique = list({case.id: case for case in rows}.values())
        lines = "\n".join(describe_case(case, self.tables, lang) for case in unique)
        await message.reply_text(text(lang, "my_cases", lines=lines) if unique else text(lang, "no_cases"))

    async def status(self, message: Message, chat_id: int, lang: str, args: list[str]) -> None:
        """A case's status; a closed case the chat reported also gets the satisfaction question (回访)."""
        case = await find_case(self.store, args[0]) if len(args) == 1 else None
        if case is None:
            await message.reply_text(text(lang, "case_not_found", case=args[0]) if len(args) == 1 else text(lang, "status_usage"))
            return
        await message.reply_text(describe_case(case, self.tables, lang))
        if case.status == CaseStatus.CLOSED and await reported_by(self.store, case, chat_reporter_key(chat_id)):
            number = case_number(case.id, case.created_at)
            await message.reply_text(text(lang, "satisfaction_question", case=number), reply_markup=keyboards.satisfaction(lang, number))

    async def feedback(self, query: CallbackQuery, chat_id: int, lang: str, choice: str) -> None:
        """Record a 回访 answer from the chat that reported the case."""
        number, _, answer = choice.partition(":")
        case = await find_case(self.store, number)
        refused = case is None or not await reported_by(self.store, case, chat_reporter_key(chat_id))
        if case is not None and not refused:
            try:
                await self.casework.record_feedback(case.id, Satisfaction(answer), Channel.TELEGRAM.value, "telegram")
            except ValueError:  # not closed (CaseworkError), or not an answer
                refused = True
        if refused:
            await query.answer(text(lang, "feedback_refused", case=number), show_alert=True)
            return
        await query.answer()
        await query.edit_message_text(text(lang, "feedback_thanks", answer=satisfaction_name(answer, lang)))
