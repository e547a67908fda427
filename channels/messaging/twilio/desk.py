"""The SMS and WhatsApp conversation: a message is a report, a follow-up of one, or a keyword; each gets one reply."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from redis import Redis
from sqlalchemy import select

from channels.messaging.twilio.attachments import MAX_ITEMS, MediaRefused, fetch_all
from channels.messaging.twilio.inbound import Inbound, language_of
from channels.messaging.twilio.keywords import Keyword, parse
from channels.messaging.twilio.texts import MAX_BODY_CHARS, text
from classifier.tables import CodeTables
from gateway.api.cases import load_case
from gateway.api.errors import ApiError
from gateway.casework.cases import Casework
from gateway.domain import OPEN_STATUSES, CaseStatus, Channel, ContactIn, PointIn, ReportIn, satisfaction_name, status_name
from gateway.media import MediaStore
from gateway.delivery.payload import case_number
from gateway.intake.pipeline import Pipeline
from gateway.intake.reporters import reporter_key
from gateway.settings import Settings, TwilioSettings
from gateway.store.models import CaseRow, ReportRow
from gateway.store.store import Store, utcnow

Reply = tuple[str | None, int | None]


def sender_key(channel: Channel, address: str) -> str:
    """The pipeline's reporter key of a number on a channel (the one its reports are stored under)."""
    key = reporter_key(ReportIn(text="-", channel=channel, contact=ContactIn(phone=address)))
    assert key is not None
    return key


@dataclass
class MessagingDesk:
    """Answers every inbound SMS and WhatsApp message; photos and a location sent before the words wait in Redis."""

    settings: Settings
    config: TwilioSettings
    pipeline: Pipeline
    store: Store
    tables: CodeTables
    casework: Casework
    media: MediaStore
    redis: Redis

    @property
    def numbers(self) -> set[str]:
        """Our numbers (To): the lines and the senders of notifications; empty means any."""
        found = {line.number for line in self.config.lines} | {n for n in (self.config.sms_from, self.config.whatsapp_from) if n}
        return {n.removeprefix("whatsapp:") for n in found}

    def line_language(self, msg: Inbound) -> str:
        line = next((line for line in self.config.lines if line.number == msg.line), None)
        return line.language if line is not None and line.language in ("zh", "en") else "zh"

    async def answer(self, msg: Inbound) -> Reply:
        """The reply to send (None: say nothing, the sender opted out) and the report made, if any."""
        keyword = parse(msg.body) if not msg.media and msg.lat is None else None
        lang = (keyword.language if keyword else None) or language_of(msg.body, self.line_language(msg))
        if self.numbers and msg.line not in self.numbers:
            return text(lang, "unknown_line"), None
        if not msg.readable_sender:
            return text(lang, "unknown_sender"), None
        opted_out = await self.store.opted_out(msg.channel.value, msg.address)
        if keyword is not None:
            reply = await self.keyword(msg, keyword, lang)
            return (None if opted_out and keyword.action in ("status", "feedback") else reply), None
        reply, report_id = await self.report(msg, lang, consent=not opted_out)
        return (None if opted_out else reply), report_id

    async def keyword(self, msg: Inbound, keyword: Keyword, lang: str) -> str:
        channel, address = msg.channel.value, msg.address
        if keyword.action == "stop":
            await self.store.opt_out(channel, address, keyword=msg.body.strip()[:40])
            return text(lang, "stopped")
        if keyword.action == "start":
            await self.store.opt_in(channel, address)
            return text(lang, "started")
        if keyword.action == "help":
            return text(lang, "help")
        if keyword.action == "status":
            return await self.status(keyword.case, lang)
        assert keyword.answer is not None
        case = await self.closed_case_of(msg)
        if case is None:
            return text(lang, "feedback_nothing")
        await self.casework.record_feedback(case.id, keyword.answer, channel, channel)
        return text(lang, "feedback_thanks", case=case_number(case.id, case.created_at), answer=satisfaction_name(keyword.answer, lang))

    async def status(self, number: str | None, lang: str) -> str:
        if not number:
            return text(lang, "status_usage")
        try:
            case = await load_case(self.store, number)
        except ApiError:
            return text(lang, "case_not_found", case=number)
        return text(
            lang, "case_status", case=case_number(case.id, case.created_at), status=status_name(case.status, lang),
            name=self.tables.label(case.class_id, lang) or text(lang, "class_pending"), updated=case.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
        )

    async def report(self, msg: Inbound, lang: str, *, consent: bool) -> Reply:
        """A new report, or a follow-up joining the sender's report of the last few hours."""
        limit = min(MAX_BODY_CHARS, self.settings.intake.max_text_chars)
        if len(msg.body) > limit:
            return text(lang, "too_long", limit=limit), None
        if not msg.body and not msg.media and msg.lat is None:
            return text(lang, "describe"), None
        try:
            items = await fetch_all(self.config, self.media, self.settings.public_base_url, msg.media, self.settings.intake.max_photo_bytes, lang)
        except MediaRefused as exc:
            return text(lang, exc.code, **exc.params), None
        earlier = await self.recent_report(msg)
        if earlier is None and not msg.body:
            self.keep(msg, items)
            return text(lang, "kept_for_report"), None
        kept = self.kept(msg) if earlier is None else {}
        lat, lon = (msg.lat, msg.lon) if msg.lat is not None else (kept.get("lat"), kept.get("lon"))
        report = ReportIn(
            text=msg.body or text(lang, "follow_up_location" if msg.lat is not None else "follow_up_media"),
            channel=msg.channel,
            language=lang,
            location=PointIn(lat=lat, lon=lon) if lat is not None and lon is not None else None,
            address=msg.place or kept.get("place"),
            contact=ContactIn(phone=msg.address, consent_updates=consent),
            media=(kept.get("media", []) + items)[:MAX_ITEMS],
            client_ref=f"twilio:{msg.sid}",
        )
        result = await self.pipeline.submit(report, actor=msg.channel.value, join_case=earlier.case_id if earlier else None)
        self.redis.delete(self.kept_key(msg))
        if earlier is not None and result.case_id == earlier.case_id and not result.replayed:
            return text(lang, "follow_up", case=result.case_number), result.report_id
        return text(lang, "joined" if result.joined else "received", case=result.case_number), result.report_id

    async def recent_report(self, msg: Inbound) -> ReportRow | None:
        """The sender's latest report within `follow_up_hours` whose case is still open."""
        since = utcnow() - timedelta(hours=self.config.follow_up_hours)
        async with self.store.transaction() as tx:
            return await tx.session.scalar(
                select(ReportRow).join(CaseRow, CaseRow.id == ReportRow.case_id)
                .where(ReportRow.reporter_key == sender_key(msg.channel, msg.address), ReportRow.received_at >= since,
                       CaseRow.status.in_([s.value for s in OPEN_STATUSES]))
                .order_by(ReportRow.received_at.desc(), ReportRow.id.desc()).limit(1)
            )

    async def closed_case_of(self, msg: Inbound) -> CaseRow | None:
        """The sender's most recently closed case: the one a 回访 answer is about."""
        async with self.store.transaction() as tx:
            return await tx.session.scalar(
                select(CaseRow).join(ReportRow, ReportRow.case_id == CaseRow.id)
                .where(ReportRow.reporter_key == sender_key(msg.channel, msg.address), CaseRow.status == CaseStatus.CLOSED.value)
                .order_by(CaseRow.updated_at.desc(), CaseRow.id.desc()).limit(1)
            )

    @staticmethod
    def kept_key(msg: Inbound) -> str:
        return f"twilio:kept:{msg.channel.value}:{msg.address}"

    def keep(self, msg: Inbound, items: list[dict[str, str]]) -> None:
        """Hold a location or photos sent before the description, for `follow_up_hours`."""
        kept = self.kept(msg)
        if msg.lat is not None:
            kept.update(lat=msg.lat, lon=msg.lon, place=msg.place)
        kept["media"] = kept.get("media", []) + items
        self.redis.set(self.kept_key(msg), json.dumps(kept), ex=int(self.config.follow_up_hours * 3600))

    def kept(self, msg: Inbound) -> dict[str, Any]:
        raw = self.redis.get(self.kept_key(msg))
        return json.loads(raw) if raw else {}
