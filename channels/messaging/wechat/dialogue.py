"""The guided report by messages: description (text or recognised voice), class by number, place (a location
message or a typed address), duplicate offer, photos, summary, submit; commands and menu events around it."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from channels.messaging import steps
from channels.messaging.telegram.limits import RateLimiter
from channels.messaging.twilio.inbound import language_of
from channels.messaging.conversation import Conversation, ConversationStore, Step
from channels.messaging.wechat.api import WechatApi, WechatError
from channels.messaging.wechat.outbound import Outgoing, satisfaction_question
from channels.messaging.wechat.texts import text, word
from channels.messaging.wechat.wire import Inbound
from classifier.tables import CodeTables
from gateway.bodies import BodyTooLarge
from gateway.casework.cases import Casework, CaseworkError
from gateway.domain import CaseStatus, Channel, ContactIn, MediaIn, PointIn, ReportIn, Satisfaction, satisfaction_name, status_name
from gateway.location.crs import to_wgs84
from gateway.location.errors import PhotoError
from gateway.media import MediaStore
from gateway.delivery.payload import case_number, parse_case_number
from gateway.intake.pipeline import Pipeline
from gateway.settings import Settings, WechatSettings
from gateway.store.models import CaseRow
from gateway.store.store import Store, utcnow

log = logging.getLogger(__name__)
SUMMARY_TEXT_CHARS = 300
MY_CASES_WINDOW = timedelta(days=30)
MIN_DESCRIPTION_CHARS = 5  # shorter words outside a report ("你好") get the help line, longer ones start a report
MENU_KEYS = {"REPORT": "report", "STATUS": "status", "MY_CASES": "my_cases"}
WINDOW_EVENTS = frozenset({"subscribe", "click", "view", "scan"})
Replies = list[Outgoing]


def say(lang: str, key: str, **params: object) -> Replies:
    return [Outgoing(text(lang, key, **params))]


def openid_reporter_key(openid: str) -> str:
    """The pipeline's reporter key of a WeChat user (the one its reports are stored under)."""
    return steps.contact_key(Channel.WECHAT, ContactIn(wechat_openid=openid))


def opens_window(message: Inbound) -> bool:
    """Whether WeChat counts the message as the user writing (which lets the account answer for 48 h)."""
    return message.msg_type != "event" or message.event.lower() in WINDOW_EVENTS


@dataclass
class Dialogue:
    """Answers one message or event; all state between messages lives in `conversations` (Redis)."""

    settings: Settings
    config: WechatSettings
    pipeline: Pipeline
    store: Store
    tables: CodeTables
    media: MediaStore
    casework: Casework
    api: WechatApi
    conversations: ConversationStore
    reports: RateLimiter
    messages: RateLimiter

    def language(self, openid: str, said: str = "") -> str:
        """The language the user chose (English / 中文), else that of what they wrote (Latin letters only: English),
        else Chinese."""
        return self.conversations.language(openid) or language_of(said, "zh")

    async def handle(self, message: Inbound) -> Replies:
        openid = message.openid
        lang = self.language(openid, message.content or message.recognition)
        if message.msg_type == "event":
            return await self.on_event(message, lang)
        if not self.messages.hit(openid):
            return say(lang, "too_many_messages") if self.messages.count(openid) == self.messages.limit + 1 else []
        if message.menu_choice:
            return await self.feedback(openid, lang, message.menu_choice)
        typed = message.content if message.msg_type == "text" else message.recognition if message.msg_type == "voice" else ""
        if message.msg_type == "voice" and not typed:
            return say(lang, "voice_unrecognized")
        if typed:
            answered = await self.command(openid, lang, typed)
            if answered is not None:
                return answered
        if message.msg_type not in ("text", "voice", "image", "location"):
            return say(lang, "unsupported")
        conversation = self.conversations.load(openid)
        if conversation is None:
            if parse_case_number(typed.strip()) and len(typed.strip()) >= 14:
                return await self.status(openid, lang, typed)
            if message.msg_type not in ("image", "location") and len(typed.strip()) < MIN_DESCRIPTION_CHARS:
                return say(lang, "not_started")
            conversation = Conversation(Step.DESCRIBE, language=lang)  # a report starts with whatever the user sends first
        if conversation.step is Step.DESCRIBE:
            return await self.describe(openid, conversation, message, typed)
        if conversation.step is Step.CLASS:
            if message.msg_type in ("image", "location"):  # the class question skipped: the staff decide
                conversation.class_id, conversation.class_chosen, conversation.step = None, False, Step.PLACE
                self.conversations.save(openid, conversation)
                return [Outgoing(self.class_line(conversation))] + await self.place(openid, conversation, message, typed)
            return await self.chose_class(openid, conversation, typed)
        if conversation.step is Step.PLACE:
            return await self.place(openid, conversation, message, typed)
        if conversation.step is Step.DUPLICATE:
            return await self.chose_duplicate(openid, conversation, typed)
        if conversation.step is Step.PHOTOS:
            return await self.photo(openid, conversation, message, typed)
        return await self.confirm(openid, conversation, typed, message)

    async def on_event(self, message: Inbound, lang: str) -> Replies:
        event = message.event.lower()
        if event == "subscribe":
            await self.store.opt_in(Channel.WECHAT.value, message.openid)
            return say(lang, "welcome")
        if event == "unsubscribe":
            self.conversations.clear(message.openid)
            await self.store.opt_out(Channel.WECHAT.value, message.openid, "unsubscribe")
            return []
        if event == "click" and message.event_key in MENU_KEYS:
            return await self.command(message.openid, lang, "", MENU_KEYS[message.event_key]) or []
        return []

    async def command(self, openid: str, lang: str, typed: str, name: str | None = None) -> Replies | None:
        """A command anywhere in a conversation; None when the message is not one."""
        words = typed.split()
        name = name or word(typed) or (word(words[0]) if len(words) == 2 and word(words[0]) == "status" else None)
        if name == "report":
            self.conversations.save(openid, Conversation(Step.DESCRIBE, language=lang))
            return say(lang, "describe")
        if name == "cancel":
            return say(lang, "cancelled" if self.conversations.clear(openid) else "nothing_to_cancel")
        if name == "help":
            return say(lang, "help")
        if name == "my_cases":
            return await self.my_cases(openid, lang)
        if name == "status":
            return await self.status(openid, lang, words[1] if len(words) == 2 else "")
        if name in ("english", "chinese"):
            chosen = "en" if name == "english" else "zh"
            self.conversations.remember_language(openid, chosen)
            conversation = self.conversations.load(openid)
            if conversation is not None:
                conversation.language = chosen
                self.conversations.save(openid, conversation)
            return say(chosen, "language_set")
        return None

    def describe_case(self, case: CaseRow, lang: str) -> str:
        return text(lang, "case_status", case=case_number(case.id, case.created_at), status=status_name(case.status, lang),
                    name=self.tables.label(case.class_id, lang) or text(lang, "let_staff_decide"),
                    updated=case.updated_at.strftime("%Y-%m-%d %H:%M UTC"))

    async def my_cases(self, openid: str, lang: str) -> Replies:
        async with self.store.transaction() as tx:
            rows = await tx.open_cases_of_reporter(openid_reporter_key(openid), utcnow() - MY_CASES_WINDOW)
        unique = list({case.id: case for case in rows}.values())
        if not unique:
            return say(lang, "no_cases")
        return say(lang, "my_cases", lines="\n".join(self.describe_case(case, lang) for case in unique))

    async def status(self, openid: str, lang: str, number: str) -> Replies:
        """A case's status; a closed case the user reported also gets the 回访 question."""
        if not number:
            return say(lang, "status_usage", example=case_number(1, utcnow()))
        case = await steps.find_case(self.store, number)
        if case is None:
            return say(lang, "case_not_found", case=number[:30])
        replies = [Outgoing(self.describe_case(case, lang))]
        if case.status == CaseStatus.CLOSED and await steps.reported_by(self.store, case, openid_reporter_key(openid)):
            replies.append(satisfaction_question(lang, case_number(case.id, case.created_at)))
        return replies

    async def feedback(self, openid: str, lang: str, choice: str) -> Replies:
        """A 回访 answer chosen from the question's menu: `<case number><1-3>`."""
        number, index = choice[:-1], choice[-1:]
        answers = list(Satisfaction)
        case = await steps.find_case(self.store, number) if index in ("1", "2", "3") else None
        if case is None or not await steps.reported_by(self.store, case, openid_reporter_key(openid)):
            return say(lang, "feedback_refused", case=number[:30])
        answer = answers[int(index) - 1]
        try:
            await self.casework.record_feedback(case.id, answer, Channel.WECHAT.value, "wechat")
        except (CaseworkError, ValueError):
            return say(lang, "feedback_refused", case=number)
        return say(lang, "feedback_thanks", answer=satisfaction_name(answer, lang))

    async def describe(self, openid: str, conversation: Conversation, message: Inbound, typed: str) -> Replies:
        """The description; a photo or place sent before it is kept, and the description asked for."""
        lang = conversation.language
        if message.msg_type == "image":
            kept, refused = await self.keep_photo(openid, conversation, message)
            return refused or say(lang, "photo_then_describe", count=len(kept.media))
        if message.msg_type == "location":
            self.locate(conversation, message)
            self.conversations.save(openid, conversation)
            return say(lang, "place_then_describe", place=conversation.place_label)
        if not typed.strip():
            return say(lang, "describe")
        limit = self.settings.intake.max_text_chars
        if len(typed) > limit:
            return say(lang, "text_too_long", limit=limit)
        conversation.text = typed.strip()
        conversation.proposals, top = steps.propose(self.pipeline.classifier, self.tables, conversation.text, Channel.WECHAT, lang)
        if not conversation.proposals:  # nothing to choose from (no model loaded yet): the staff decide
            return await self.chose_class(openid, conversation, "0")
        conversation.step = Step.CLASS
        self.conversations.save(openid, conversation)
        names = [self.tables.label(c, lang) or c for c in conversation.proposals]
        choices = "\n".join([f"{i}. {name}" for i, name in enumerate(names, start=1)] + [f"0. {text(lang, 'let_staff_decide')}"])
        if top:
            return say(lang, "propose_class", proposal=names[0], choices=choices)
        return say(lang, "no_proposal", choices=choices)

    def class_line(self, conversation: Conversation) -> str:
        name = self.tables.label(conversation.class_id, conversation.language)
        return text(conversation.language, "class_chosen", name=name) if name else text(conversation.language, "class_staff")

    async def chose_class(self, openid: str, conversation: Conversation, typed: str) -> Replies:
        lang, last = conversation.language, len(conversation.proposals)
        choice = typed.strip()
        if not (choice.isascii() and choice.isdigit() and int(choice) <= last):
            return say(lang, "expect_number", last=last)
        index = int(choice)
        conversation.class_id = conversation.proposals[index - 1] if index else None
        conversation.class_chosen = bool(index)
        conversation.step = Step.PLACE
        self.conversations.save(openid, conversation)
        if conversation.place_label:  # the place came before the description
            return [Outgoing(self.class_line(conversation))] + await self.offer_duplicate(openid, conversation)
        return [Outgoing(self.class_line(conversation) + "\n" + text(lang, "ask_place"))]

    def locate(self, conversation: Conversation, message: Inbound) -> None:
        """The place of a location message; WeChat sends GCJ-02, the conversation keeps WGS-84 like the store."""
        assert message.lat is not None and message.lon is not None
        conversation.lat, conversation.lon = to_wgs84(message.lat, message.lon, "gcj02")
        conversation.address = None
        conversation.place_label = message.label \
            or steps.point_label(self.pipeline.locator, conversation.lat, conversation.lon, conversation.language) \
            or text(conversation.language, "shared_location", lat=message.lat, lon=message.lon)

    async def place(self, openid: str, conversation: Conversation, message: Inbound, typed: str) -> Replies:
        lang = conversation.language
        if message.msg_type == "image":
            kept, refused = await self.keep_photo(openid, conversation, message)
            return refused or say(lang, "photo_then_place", count=len(kept.media))
        if message.msg_type == "location":
            self.locate(conversation, message)
        elif typed.strip():
            if not steps.geocode(self.pipeline.locator, conversation, typed.strip()):
                return say(lang, "address_not_found", address=typed.strip()[:100])
        else:
            return say(lang, "expect_place")
        placed = text(lang, "place_ok", place=conversation.place_label)
        return [Outgoing(placed)] + await self.offer_duplicate(openid, conversation)

    async def offer_duplicate(self, openid: str, conversation: Conversation) -> Replies:
        """Offer the nearest open case of the same class (any class if the staff decide), else go on to photos."""
        lang = conversation.language
        nearby = await steps.offer_nearby(self.store, conversation)
        if nearby is None:
            return self.ask_photos(openid, conversation)
        case, distance = nearby
        conversation.step = Step.DUPLICATE
        self.conversations.save(openid, conversation)
        return say(lang, "duplicate_offer", case=conversation.duplicate_of, name=self.tables.label(case.class_id, lang) or "-",
                   distance=round(distance), text=case.text[:100])

    async def chose_duplicate(self, openid: str, conversation: Conversation, typed: str) -> Replies:
        choice = typed.strip()
        if choice not in ("1", "2"):
            return say(conversation.language, "expect_number", last=2)
        steps.answer_offer(conversation, choice == "1")
        return self.ask_photos(openid, conversation)

    def ask_photos(self, openid: str, conversation: Conversation) -> Replies:
        conversation.step = Step.PHOTOS
        self.conversations.save(openid, conversation)
        return say(conversation.language, "ask_photo", limit=self.config.max_photos)

    async def photo(self, openid: str, conversation: Conversation, message: Inbound, typed: str) -> Replies:
        lang = conversation.language
        if word(typed) == "done":
            return self.summarize(openid, conversation)
        if message.msg_type == "location":  # a better place, sent late
            self.locate(conversation, message)
            self.conversations.save(openid, conversation)
            return [Outgoing(text(lang, "place_ok", place=conversation.place_label) + "\n" + text(lang, "ask_photo", limit=self.config.max_photos))]
        if message.msg_type != "image" or not message.media_id:
            return say(lang, "expect_photo")
        kept, refused = await self.keep_photo(openid, conversation, message)
        return refused or say(lang, "photo_saved", count=len(kept.media))

    async def keep_photo(self, openid: str, conversation: Conversation, message: Inbound) -> tuple[Conversation, Replies | None]:
        """Fetch a photo through the media API and add it to the report in progress; the conversation as saved, and
        the answer when the photo is refused. Photos sent together arrive as parallel messages, so the conversation
        is read again after the download."""
        lang = conversation.language
        if len(conversation.media) >= self.config.max_photos:
            return conversation, say(lang, "photo_limit", limit=self.config.max_photos)
        try:
            data, _ = await self.api.media(message.media_id or "", self.settings.intake.max_photo_bytes)
            stored = self.media.save_photo(await self.media.clean_photo(data))
        except (WechatError, PhotoError, BodyTooLarge) as exc:
            log.info("WeChat photo not taken: %s", exc)
            return conversation, say(lang, "photo_unreadable")
        current = self.conversations.load(openid) or conversation
        if len(current.media) >= self.config.max_photos:
            return current, say(lang, "photo_limit", limit=self.config.max_photos)
        current.media.append({"url": f"{self.settings.public_base_url.rstrip('/')}/media/{stored.name}", "content_type": stored.content_type})
        self.conversations.save(openid, current)
        return current, None

    def summarize(self, openid: str, conversation: Conversation) -> Replies:
        lang = conversation.language
        conversation.step = Step.CONFIRM
        self.conversations.save(openid, conversation)
        duplicate = text(lang, "summary_duplicate", case=conversation.duplicate_of) if conversation.duplicate_of else ""
        return say(lang, "summary", text=(conversation.text or "")[:SUMMARY_TEXT_CHARS], class_line=self.class_line(conversation),
                   place=conversation.place_label, photos=len(conversation.media), duplicate=duplicate)

    async def confirm(self, openid: str, conversation: Conversation, typed: str, message: Inbound) -> Replies:
        lang = conversation.language
        choice = word(typed) or typed.strip()
        if choice in ("2", "no"):
            self.conversations.clear(openid)
            return say(lang, "cancelled")
        if choice not in ("1", "yes"):
            return say(lang, "expect_number", last=2)
        if self.reports.count(openid) >= self.reports.limit:
            return say(lang, "rate_limited", limit=self.reports.limit)
        shared = conversation.address is None and conversation.lat is not None and conversation.lon is not None
        report = ReportIn(
            text=conversation.text or "",
            channel=Channel.WECHAT,
            language=lang,
            location=PointIn(lat=conversation.lat, lon=conversation.lon) if shared else None,
            address=conversation.address,
            contact=ContactIn(wechat_openid=openid, consent_updates=True),
            media=[MediaIn(**item) for item in conversation.media],
            class_id=conversation.class_id if conversation.class_chosen else None,
            client_ref="wx:" + hashlib.sha256(f"{openid}:{message.dedup_key}".encode()).hexdigest()[:40],
        )
        result = await self.pipeline.submit(report, actor="wechat")
        self.reports.hit(openid)
        self.conversations.clear(openid)
        if result.joined:
            return say(lang, "joined", case=result.case_number)
        if conversation.duplicate_of:
            return say(lang, "not_joined", case=result.case_number, other=conversation.duplicate_of)
        return say(lang, "received", case=result.case_number)
