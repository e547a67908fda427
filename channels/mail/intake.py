"""A letter taken exactly once: a new case, a reply joining its case, a 回访 answer, or skipped with its reason; each
answered by e-mail (a notification row, sent with retries like every other)."""
from __future__ import annotations

import email
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from pydantic import ValidationError
from rq import Queue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from channels.mail.letters import MESSAGE_ID, SENDER, Letter, MalformedLetter, Part, decode_header_value, letter_key, parse_letter
from channels.mail.texts import text
from channels.messaging.twilio.keywords import parse as parse_keyword
from gateway.casework.cases import Casework, CaseworkError
from gateway.domain import OPEN_STATUSES, CaseStatus, Channel, ContactIn, MediaIn, ReportIn, satisfaction_name, visible
from gateway.location.errors import PhotoError
from gateway.media import MediaStore
from gateway.casework.notify import enqueue_notifications, queue_message
from gateway.delivery.payload import case_number, parse_case_number
from gateway.intake.pipeline import IntakeResult, Pipeline
from gateway.intake.reporters import reporter_key
from gateway.settings import Settings
from gateway.store.models import MailAttachmentRow, MailMessageRow, ReportRow
from gateway.store.store import Store, Tx, utcnow

log = logging.getLogger(__name__)
CASE_IN_SUBJECT = re.compile(r"(?<!\d)(\d{14,20})(?!\d)")


@dataclass(frozen=True)
class Taken:
    """What became of one letter: `case`, `joined`, `feedback` or `skipped` (with a reason); `again`: seen before."""

    outcome: str
    reason: str | None = None
    case_number: str | None = None
    again: bool = False


def sender_key(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


@dataclass
class MailDesk:
    settings: Settings
    pipeline: Pipeline
    store: Store
    casework: Casework
    media: MediaStore
    queue: Queue

    async def take(self, raw: bytes, source: str, uid: int | None = None) -> Taken:
        """One message as received; safe to call again with the same message (it is taken once)."""
        limits = self.settings.mail_intake
        if len(raw) > limits.max_message_bytes:
            return await self.skip(letter_key(raw), None, source, uid, None, "too_large", f"{len(raw)} bytes")
        try:
            letter = parse_letter(raw)
        except Exception as exc:  # a message no parser path can read must not hold up the mailbox: skipped, with why
            detail = str(exc) if isinstance(exc, MalformedLetter) else f"{type(exc).__name__}: {exc}"
            return await self.skip(letter_key(raw), None, source, uid, None, "malformed", detail[:300])
        seen = await self.store.letter(letter.key)
        if seen is not None:
            return Taken(seen.outcome, seen.reason, again=True)
        who = sender_key(letter.sender_address)
        if letter.auto is not None:
            return await self.skip(letter.key, letter.message_id, source, uid, who, letter.auto)
        if await self.over_allowance(who):
            return await self.skip(letter.key, letter.message_id, source, uid, who, "rate_limited")
        if len(letter.with_topic()) > self.settings.intake.max_text_chars:
            return await self.skip(letter.key, letter.message_id, source, uid, who, "too_long", f"{len(letter.with_topic())} characters")
        case_id = await self.thread_case(letter)
        if case_id is not None and (answered := await self.feedback(letter, case_id, source, uid, who)) is not None:
            return answered
        if not visible(letter.text if case_id is not None else letter.with_topic()) and not letter.photos:
            return await self.skip(letter.key, letter.message_id, source, uid, who, "no_text")
        return await self.report(letter, case_id, source, uid, who)

    async def screen(self, header: bytes, size: int, source: str, uid: int) -> Taken | None:
        """Before a message is downloaded, from its size and its Message-ID and From headers: a letter seen before, one too
        large, or one from a sender over the hourly allowance (a mail bomb is not downloaded); None: download it."""
        head = email.message_from_bytes(header)
        message_id = next(iter(MESSAGE_ID.findall(str(head.get("Message-ID") or ""))), None)
        key = letter_key(message_id.encode()) if message_id else None
        seen = await self.store.letter(key) if key else None
        if seen is not None:
            return Taken(seen.outcome, seen.reason, again=True)
        if size > self.settings.mail_intake.max_message_bytes:  # without a Message-ID, known by where it lies and its size
            return await self.skip(key or letter_key(f"{source}:{uid}:{size}".encode()), message_id, source, uid, None, "too_large",
                                   f"{size} bytes")
        if key is None:
            return None  # known only by its bytes: it has to be read
        _, address = parseaddr(decode_header_value(head.get("From")))
        who = sender_key(address) if SENDER.match(address) else None
        if who is not None and await self.over_allowance(who):
            return await self.skip(key, message_id, source, uid, who, "rate_limited")
        return None

    async def over_allowance(self, who: str) -> bool:
        since = utcnow() - timedelta(hours=1)
        return await self.store.letters_from(who, since) >= self.settings.mail_intake.letters_per_sender_per_hour

    async def thread_case(self, letter: Letter) -> int | None:
        """The case a reply belongs to: by the Message-IDs it answers, else by a case number in its subject when the
        sender is one of that case's reporters."""
        found = await self.store.case_replied_to(letter.replies_to)
        if found is not None:
            return found
        key = self.reporter(letter)
        for number in CASE_IN_SUBJECT.findall(letter.subject):
            case_id = parse_case_number(number)
            case = await self.store.case(case_id) if case_id is not None else None
            if case is None or case_number(case.id, case.created_at) != number:
                continue
            async with self.store.transaction() as tx:
                if await tx.session.scalar(select(ReportRow.id).where(ReportRow.case_id == case.id, ReportRow.reporter_key == key).limit(1)):
                    return case.id
        return None

    async def feedback(self, letter: Letter, case_id: int, source: str, uid: int | None, who: str) -> Taken | None:
        """A reply to a closed case whose first line is 满意 / 基本满意 / 不满意: the reporter's 回访 answer."""
        first = next((line for line in letter.text.splitlines() if visible(line)), "")
        keyword = parse_keyword(first)
        case = await self.store.case(case_id)
        if keyword is None or keyword.answer is None or case is None or case.status != CaseStatus.CLOSED:
            return None
        try:
            await self.casework.record_feedback(case_id, keyword.answer, Channel.EMAIL.value, Channel.EMAIL.value)
        except CaseworkError as exc:
            log.info("回访 answer by e-mail on case %s not recorded: %s", case_id, exc.code)
            return None
        number = case_number(case.id, case.created_at)
        lang = keyword.language or letter.language
        reply = text(lang, "feedback_thanks", case=number, answer=satisfaction_name(keyword.answer, lang))
        return await self.record(letter, source, uid, who, "feedback", case_id, None, reply, number)

    def reporter(self, letter: Letter) -> str | None:
        """The pipeline's reporter key of the letter's sender (the one its reports are stored under)."""
        return reporter_key(self.report_in(letter, "-", []))

    def report_in(self, letter: Letter, body: str, media: list[MediaIn]) -> ReportIn:
        return ReportIn(
            text=body, channel=Channel.EMAIL, language=letter.language, media=media, client_ref=f"mail:{letter.key}",
            contact=ContactIn(name=letter.sender_name, email=letter.sender_address, consent_updates=True),
        )

    async def photos(self, letter: Letter) -> list[MediaIn]:
        """Photos cleaned of their metadata and stored; one that is no readable picture is refused, the letter kept."""
        base = self.settings.public_base_url.rstrip("/")
        found = []
        for part in letter.photos:
            if len(part.data) > self.settings.intake.max_photo_bytes:
                letter.refused.append((part.filename, "too_large"))
                continue
            try:
                stored = self.media.save_photo(await self.media.clean_photo(part.data))
            except PhotoError:
                letter.refused.append((part.filename, "photo_unreadable"))
                continue
            found.append(MediaIn(url=f"{base}/media/{stored.name}", content_type=stored.content_type))
        return found

    async def report(self, letter: Letter, case_id: int | None, source: str, uid: int | None, who: str) -> Taken:
        media = await self.photos(letter)
        words = letter.text if case_id is not None else letter.with_topic()
        try:
            report = self.report_in(letter, words if visible(words) else text(letter.language, "photos_only"), media)
        except ValidationError as exc:
            return await self.skip(letter.key, letter.message_id, source, uid, who, "invalid", str(exc.errors()[0].get("msg"))[:300])
        case = await self.store.case(case_id) if case_id is not None else None
        join = case_id if case is not None and CaseStatus(case.status) in OPEN_STATUSES else None
        result = await self.pipeline.submit(report, actor=Channel.EMAIL.value, join_case=join)
        assert result.case_id is not None and result.report_id is not None
        self.keep_attachments(letter.attachments)
        outcome = "joined" if join is not None or result.joined else "case"
        reply = self.acknowledgment(letter, result, join)
        return await self.record(letter, source, uid, who, outcome, result.case_id, result.report_id, reply, result.case_number)

    def acknowledgment(self, letter: Letter, result: IntakeResult, joined_thread: int | None) -> str:
        lang = letter.language
        key = "follow_up" if joined_thread is not None and result.case_id == joined_thread else "joined" if result.joined else "received"
        lines = [text(lang, key, case=result.case_number)]
        if letter.refused:
            names = "、".join(f"{name}（{text(lang, 'reason_' + reason)}）" for name, reason in letter.refused)
            lines.append(text(lang, "refused_parts", parts=names))
        return "\n".join(lines)

    def keep_attachments(self, parts: list[Part]) -> None:
        """Other attachments on disk by their content (the rows are written with the letter's record)."""
        folder = self.media.directory / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        for part in parts:
            path = folder / f"{hashlib.sha256(part.data).hexdigest()}.bin"
            if not path.exists():
                path.write_bytes(part.data)

    async def record(self, letter: Letter, source: str, uid: int | None, who: str, outcome: str, case_id: int,
                     report_id: int | None, reply: str, number: str | None) -> Taken:
        """The letter's record, its attachments and its answer in one transaction: a letter taken twice (by another
        process, or replayed after a crash) answers once."""
        try:
            async with self.store.transaction() as tx:
                tx.session.add(MailMessageRow(
                    key=letter.key, message_id=letter.message_id, source=source, uid=uid, sender_key=who, outcome=outcome,
                    reason=None, detail="; ".join(f"{name}: {reason}" for name, reason in letter.refused) or None,
                    report_id=report_id, case_id=case_id, received_at=utcnow()))
                for part in letter.attachments if report_id is not None else []:
                    tx.session.add(MailAttachmentRow(report_id=report_id, filename=part.filename, content_type=part.content_type[:100],
                                                     size=len(part.data), name=f"{hashlib.sha256(part.data).hexdigest()}.bin"))
                await tx.session.flush()
                answered = await self.answered_report(tx, letter, case_id, report_id)
                ids = [queue_message(tx, answered, (await tx.case(case_id)).status, reply)] if answered is not None else []
        except IntegrityError:
            seen = await self.store.letter(letter.key)
            return Taken(seen.outcome if seen else outcome, again=True, case_number=number)
        enqueue_notifications(self.queue, ids)
        return Taken(outcome, case_number=number)

    async def answered_report(self, tx: Tx, letter: Letter, case_id: int, report_id: int | None) -> ReportRow | None:
        """The report the answer is sent for: this letter's, or (a 回访 answer) the sender's report on the case."""
        if report_id is not None:
            return await tx.session.get(ReportRow, report_id)
        return await tx.session.scalar(select(ReportRow).where(ReportRow.case_id == case_id, ReportRow.reporter_key == self.reporter(letter))
                                       .order_by(ReportRow.id.desc()).limit(1))

    async def skip(self, key: str, message_id: str | None, source: str, uid: int | None, who: str | None, reason: str,
                   detail: str | None = None) -> Taken:
        """Nothing made and nothing answered; the reason kept for the channel status."""
        log.info("letter from %s skipped: %s %s", source, reason, detail or "")
        try:
            async with self.store.transaction() as tx:
                tx.session.add(MailMessageRow(key=key, message_id=message_id, source=source, uid=uid, sender_key=who, outcome="skipped",
                                              reason=reason, detail=detail, received_at=utcnow()))
        except IntegrityError:
            return Taken("skipped", reason, again=True)
        return Taken("skipped", reason)
