"""The guided report: language, description, class, place, duplicate offer, photos, summary, submit."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import CallbackQuery, Message, Update
from telegram.ext import ContextTypes

from channels.messaging import steps
from channels.messaging.telegram import keyboards
from channels.messaging.telegram.commands import CaseCommands
from channels.messaging.telegram.limits import RateLimiter
from channels.messaging.telegram.photos import PhotoTooLarge, fetch_photo
from channels.messaging.conversation import Conversation, ConversationStore, Step
from channels.messaging.telegram.texts import text
from classifier.tables import CodeTables
from gateway.domain import Channel, ContactIn, MediaIn, PointIn, ReportIn
from gateway.location.errors import PhotoError
from gateway.media import MediaStore
from gateway.intake.pipeline import Pipeline
from gateway.settings import Settings, TelegramSettings
from gateway.store.store import Store

log = logging.getLogger(__name__)
SUMMARY_TEXT_CHARS = 300


@dataclass
class Dialogue:
    """Handles every update; all state between updates lives in `conversations` (Redis)."""

    settings: Settings
    config: TelegramSettings
    pipeline: Pipeline
    store: Store
    tables: CodeTables
    media: MediaStore
    cases: CaseCommands
    conversations: ConversationStore
    reports: RateLimiter
    messages: RateLimiter

    async def on_update(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or not self.conversations.first_delivery(update.update_id):
            return
        lang = self.language(update, chat.id)
        if not self.messages.hit(chat.id):
            if self.messages.count(chat.id) == self.messages.limit + 1:
                await chat.send_message(text(lang, "too_many_messages"))
            return
        if update.edited_message is not None:
            await update.edited_message.reply_text(text(lang, "edited"))
        elif update.callback_query is not None:
            await self.on_button(update.callback_query, chat.id, update.update_id, lang)
        elif update.message is not None:
            await self.on_message(update.message, chat.id, lang)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            await update.effective_chat.send_message(text(self.language(update, update.effective_chat.id), "error"))

    def language(self, update: Update, chat_id: int) -> str:
        """The conversation's language, else the chat's last choice, else the user's Telegram language."""
        conversation = self.conversations.load(chat_id)
        if conversation is not None and conversation.step is not Step.LANGUAGE:
            return conversation.language
        remembered = self.conversations.language(chat_id)
        if remembered:
            return remembered
        code = update.effective_user.language_code if update.effective_user else None
        return "en" if code and code.startswith("en") else "zh"

    async def on_message(self, message: Message, chat_id: int, lang: str) -> None:
        if message.text and message.text.startswith("/"):
            await self.on_command(message, chat_id, lang)
            return
        conversation = self.conversations.load(chat_id)
        if message.document is not None and message.document.mime_type and message.document.mime_type.startswith("image/"):
            await message.reply_text(text(lang, "document_image"))
        elif not (message.text or message.location or message.venue or message.photo):
            await message.reply_text(text(lang, "unsupported"))
        elif conversation is None:
            await message.reply_text(text(lang, "not_started"))
        elif conversation.step is Step.DESCRIBE:
            await self.describe(message, chat_id, conversation)
        elif conversation.step is Step.PLACE:
            await self.place(message, chat_id, conversation)
        elif conversation.step is Step.PHOTOS:
            await self.photo(message, chat_id, conversation)
        else:
            await message.reply_text(text(lang, "expect_language" if conversation.step is Step.LANGUAGE else "expect_button"))

    async def on_command(self, message: Message, chat_id: int, lang: str) -> None:
        assert message.text is not None
        words = message.text.split()
        command = words[0][1:].split("@", 1)[0].lower()
        if command == "start":
            self.conversations.save(chat_id, Conversation(Step.LANGUAGE))
            await message.reply_text(text(lang, "choose_language"), reply_markup=keyboards.languages())
        elif command == "cancel":
            await message.reply_text(text(lang, "cancelled" if self.conversations.clear(chat_id) else "nothing_to_cancel"))
        elif command == "status":
            await self.cases.status(message, chat_id, lang, words[1:])
        elif command == "mycases":
            await self.cases.my_cases(message, chat_id, lang)
        else:
            await message.reply_text(text(lang, "help"))

    async def describe(self, message: Message, chat_id: int, conversation: Conversation) -> None:
        lang = conversation.language
        if not message.text:
            await message.reply_text(text(lang, "describe"))
            return
        limit = self.settings.intake.max_text_chars
        if len(message.text) > limit:
            await message.reply_text(text(lang, "text_too_long", limit=limit))
            return
        conversation.text = message.text.strip()
        conversation.proposals, top = self.propose(conversation.text, lang)
        conversation.step = Step.CLASS
        self.conversations.save(chat_id, conversation)
        names = [self.tables.label(c, lang) or c for c in conversation.proposals]
        intro = text(lang, "propose_class", proposal=names[0]) if top else text(lang, "no_proposal")
        await message.reply_text(intro, reply_markup=keyboards.classes(lang, names))

    def propose(self, complaint: str, lang: str) -> tuple[list[str], bool]:
        """Classes to offer, best first, and whether the first is the model's confident answer."""
        return steps.propose(self.pipeline.classifier, self.tables, complaint, Channel.TELEGRAM, lang)

    async def place(self, message: Message, chat_id: int, conversation: Conversation) -> None:
        lang = conversation.language
        point = message.venue.location if message.venue else message.location
        if point is not None:
            conversation.lat, conversation.lon, conversation.address = point.latitude, point.longitude, None
            conversation.place_label = (message.venue.title if message.venue else None) \
                or steps.point_label(self.pipeline.locator, point.latitude, point.longitude, lang) \
                or text(lang, "shared_location", lat=point.latitude, lon=point.longitude)
        elif message.text:
            if not self.geocode(conversation, message.text.strip()):
                await message.reply_text(text(lang, "address_not_found", address=message.text.strip()))
                return
        else:
            await message.reply_text(text(lang, "expect_place"))
            return
        await message.reply_text(text(lang, "place_ok", place=conversation.place_label))
        await self.offer_duplicate(message, chat_id, conversation)

    def geocode(self, conversation: Conversation, address: str) -> bool:
        return steps.geocode(self.pipeline.locator, conversation, address)

    async def offer_duplicate(self, message: Message, chat_id: int, conversation: Conversation) -> None:
        """Offer the nearest open case of the same class (any class if the staff decide), else go on to photos."""
        lang = conversation.language
        nearby = await steps.offer_nearby(self.store, conversation)
        if nearby is None:
            await self.ask_photos(message, chat_id, conversation)
            return
        case, distance = nearby
        conversation.step = Step.DUPLICATE
        self.conversations.save(chat_id, conversation)
        offer = text(lang, "duplicate_offer", case=conversation.duplicate_of, name=self.tables.label(case.class_id, lang) or "-",
                     distance=round(distance), text=case.text[:100])
        await message.reply_text(offer, reply_markup=keyboards.yes_no(lang, "dup", "duplicate_yes", "duplicate_no"))

    async def ask_photos(self, message: Message, chat_id: int, conversation: Conversation) -> None:
        conversation.step = Step.PHOTOS
        self.conversations.save(chat_id, conversation)
        await message.reply_text(text(conversation.language, "ask_photo", limit=self.config.max_photos), reply_markup=keyboards.photos_done(conversation.language))

    async def photo(self, message: Message, chat_id: int, conversation: Conversation) -> None:
        """Keep one photo; photos of an album arrive as parallel updates, so the count is checked again after the download."""
        lang = conversation.language
        if not message.photo:
            await message.reply_text(text(lang, "expect_photo"), reply_markup=keyboards.photos_done(lang))
            return
        if len(conversation.media) < self.config.max_photos:
            try:
                item = await fetch_photo(message.get_bot(), message.photo, self.media, self.settings.public_base_url, self.settings.intake.max_photo_bytes)
            except (PhotoError, PhotoTooLarge):
                await message.reply_text(text(lang, "photo_unreadable"))
                return
            current = self.conversations.load(chat_id)
            if current is None or current.step is not Step.PHOTOS:
                await message.reply_text(text(lang, "expired"))
                return
            conversation = current
        if len(conversation.media) >= self.config.max_photos:
            await message.reply_text(text(lang, "photo_limit", limit=self.config.max_photos), reply_markup=keyboards.photos_done(lang))
            return
        conversation.media.append(item)
        self.conversations.save(chat_id, conversation)
        await message.reply_text(text(lang, "photo_saved", count=len(conversation.media)), reply_markup=keyboards.photos_done(lang))

    async def on_button(self, query: CallbackQuery, chat_id: int, update_id: int, lang: str) -> None:
        step, _, choice = (query.data or "").partition(":")
        if step == "sat":
            await self.cases.feedback(query, chat_id, lang, choice)
            return
        conversation = self.conversations.load(chat_id)
        expected = {"lang": Step.LANGUAGE, "cls": Step.CLASS, "dup": Step.DUPLICATE, "photos": Step.PHOTOS, "confirm": Step.CONFIRM}.get(step)
        if conversation is None or conversation.step is not expected:
            await query.answer(text(lang, "expired"), show_alert=True)
            return
        await query.answer()
        message = query.message
        assert isinstance(message, Message)
        if step == "lang":
            await self.chose_language(query, message, chat_id, conversation, choice)
        elif step == "cls":
            await self.chose_class(query, message, chat_id, conversation, choice)
        elif step == "dup":
            await self.chose_duplicate(query, message, chat_id, conversation, choice == "yes")
        elif step == "photos":
            await self.summarize(query, message, chat_id, conversation)
        elif choice == "yes":
            await self.submit(query, message, chat_id, conversation, update_id)
        else:
            self.conversations.clear(chat_id)
            await query.edit_message_text(text(conversation.language, "cancelled"))

    async def chose_language(self, query: CallbackQuery, message: Message, chat_id: int, conversation: Conversation, choice: str) -> None:
        conversation.language = "en" if choice == "en" else "zh"
        conversation.step = Step.DESCRIBE
        self.conversations.remember_language(chat_id, conversation.language)
        self.conversations.save(chat_id, conversation)
        await query.edit_message_text("English" if conversation.language == "en" else "中文")
        await message.reply_text(text(conversation.language, "describe"))

    async def chose_class(self, query: CallbackQuery, message: Message, chat_id: int, conversation: Conversation, choice: str) -> None:
        lang = conversation.language
        if choice.isdigit() and int(choice) < len(conversation.proposals):
            conversation.class_id = conversation.proposals[int(choice)]
            conversation.class_chosen = True
        else:
            conversation.class_id, conversation.class_chosen = None, False
        conversation.step = Step.PLACE
        self.conversations.save(chat_id, conversation)
        await query.edit_message_text(self.class_line(conversation))
        await message.reply_text(text(lang, "ask_place"))

    def class_line(self, conversation: Conversation) -> str:
        name = self.tables.label(conversation.class_id, conversation.language)
        return text(conversation.language, "class_chosen", name=name) if name else text(conversation.language, "class_staff")

    async def chose_duplicate(self, query: CallbackQuery, message: Message, chat_id: int, conversation: Conversation, join: bool) -> None:
        steps.answer_offer(conversation, join)
        await query.edit_message_text(text(conversation.language, "duplicate_yes" if join else "duplicate_no"))
        await self.ask_photos(message, chat_id, conversation)

    async def summarize(self, query: CallbackQuery, message: Message, chat_id: int, conversation: Conversation) -> None:
        lang = conversation.language
        conversation.step = Step.CONFIRM
        self.conversations.save(chat_id, conversation)
        duplicate = text(lang, "summary_duplicate", case=conversation.duplicate_of) if conversation.duplicate_of else ""
        summary = text(lang, "summary", text=(conversation.text or "")[:SUMMARY_TEXT_CHARS], class_line=self.class_line(conversation),
                       place=conversation.place_label, photos=len(conversation.media), duplicate=duplicate)
        await query.edit_message_text(text(lang, "photo_done"))
        await message.reply_text(summary, reply_markup=keyboards.yes_no(lang, "confirm", "confirm", "cancel_button"))

    @staticmethod
    def shared_point(conversation: Conversation) -> PointIn | None:
        """The point to report: a shared one (or the joined case's); a typed address goes as text, placed by the pipeline."""
        if conversation.address is not None or conversation.lat is None or conversation.lon is None:
            return None
        return PointIn(lat=conversation.lat, lon=conversation.lon)

    async def submit(self, query: CallbackQuery, message: Message, chat_id: int, conversation: Conversation, update_id: int) -> None:
        lang = conversation.language
        if self.reports.count(chat_id) >= self.reports.limit:
            await query.edit_message_text(text(lang, "rate_limited", limit=self.reports.limit))
            return
        report = ReportIn(
            text=conversation.text or "",
            channel=Channel.TELEGRAM,
            language=lang,
            location=self.shared_point(conversation),
            address=conversation.address,
            contact=ContactIn(telegram_chat_id=chat_id, consent_updates=True),
            media=[MediaIn(**item) for item in conversation.media],
            class_id=conversation.class_id if conversation.class_chosen else None,
            client_ref=f"tg:{chat_id}:{update_id}",
        )
        result = await self.pipeline.submit(report, actor="telegram")
        self.reports.hit(chat_id)
        self.conversations.clear(chat_id)
        if result.joined:
            reply = text(lang, "joined", case=result.case_number)
        elif conversation.duplicate_of:
            reply = text(lang, "not_joined", case=result.case_number, other=conversation.duplicate_of)
        else:
            reply = text(lang, "received", case=result.case_number)
        await query.edit_message_text(reply)
