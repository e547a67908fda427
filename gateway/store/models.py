"""Tables of the system of record. Changes go through Alembic migrations (gateway/migrations)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

BigId = BigInteger().with_variant(Integer(), "sqlite")
BIGINT_MAX = 2**63 - 1
"""The largest value a BigId (or any BIGINT) column holds: larger ids from outside cannot name a row."""
INT_MAX = 2**31 - 1
"""The largest value of an Integer column on PostgreSQL."""


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), index=True)
    class_id: Mapped[str | None] = mapped_column(String(64), index=True)
    class_confidence: Mapped[float | None]
    class_source: Mapped[str | None] = mapped_column(String(20))
    class_precision: Mapped[str | None] = mapped_column(
        String(10), comment="class | family | major: the member named, the family's default member, or the likeliest class of a sure major")
    class_family: Mapped[str | None] = mapped_column(String(40))
    also_classes: Mapped[list[Any] | None] = mapped_column(comment="Further problems of the text: [{class_id, confidence, precision, family_id}]")
    suggestions: Mapped[list[Any] | None] = mapped_column(comment="The classifier's likeliest classes [[class_id, confidence], …], also when held for review")
    review_reason: Mapped[str | None] = mapped_column(String(40))
    possible_duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5))
    lat: Mapped[float | None] = mapped_column(Float, index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    precision_m: Mapped[float | None]
    address: Mapped[str | None] = mapped_column(String(300))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    source_channel: Mapped[str] = mapped_column(String(20))
    case_source: Mapped[str] = mapped_column(String(20))
    reports_count: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    last_note: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(index=True, comment="Disposal deadline (处置时限), from dispatch")
    attributes: Mapped[dict[str, Any] | None] = mapped_column(comment="Answers of the first report to its service's questions (Open311 attributes), by code")

    __table_args__ = (Index("ix_cases_open_geo", "status", "lat", "lon"),)


class ReportRow(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    crs_in: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(300))
    contact: Mapped[dict[str, Any] | None]
    reporter_key: Mapped[str | None] = mapped_column(String(64), index=True)
    consent_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    media: Mapped[list[Any]]
    client_ref: Mapped[str | None] = mapped_column(String(128))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    original_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), comment="The case it belonged to before a merge")
    attributes: Mapped[dict[str, Any] | None] = mapped_column(comment="Answers to its service's questions (Open311 attributes), by code")

    __table_args__ = (UniqueConstraint("channel", "client_ref", name="uq_reports_client_ref"),)


class DeliveryRow(Base):
    """The outbox: one row per (case change, platform); its id is the receiver's idempotency key."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    retry_from: Mapped[datetime] = mapped_column(comment="Start of the retry window (creation, or the last replay)")
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"), Index("ix_deliveries_claim", "platform_id", "status", "next_attempt_at"))


class PlatformStateRow(Base):
    """Circuit breaker of one platform."""

    __tablename__ = "platform_state"

    platform_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    probe_at: Mapped[datetime | None]
    probe_interval: Mapped[float | None]
    changed_at: Mapped[datetime]
    pulled_at: Mapped[datetime | None] = mapped_column(comment="Last pull of request status (open311 platforms)")


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any] | None]

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


class CallbackReceiptRow(Base):
    """Platform callbacks already accepted, by what their signature vouches for (`signing.message_receipt`: the
    timestamp and the body's digest; the column keeps its first name): replay protection."""

    __tablename__ = "callback_receipts"

    platform_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    language: Mapped[str] = mapped_column(String(5), default="zh", server_default="zh")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0", comment="Failures since the last success")
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]


class RuleSetRow(Base):
    """One version of the administrators' classification rules; exactly one version is active."""

    __tablename__ = "rule_sets"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rules: Mapped[list[Any]]
    author: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class CorrectionRow(Base):
    """A class decided by a person where the classifier had said otherwise: training data for retraining."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    predicted_class_id: Mapped[str | None] = mapped_column(String(64))
    class_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class FeedbackRow(Base):
    """A reporter's satisfaction answer (回访) on a closed case."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    answer: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class NotificationRow(Base):
    """A message owed to a reporter (a status change of their case), kept until it is sent."""

    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    channel: Mapped[str] = mapped_column(String(20))
    contact: Mapped[dict[str, Any]]
    language: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)
    case_status: Mapped[str] = mapped_column(String(20), comment="The status change it tells of")
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)


class PlatformRefRow(Base):
    """A case's id on a platform that gives its own (an Open311 service_request_id)."""

    __tablename__ = "platform_refs"

    platform_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    remote_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class CallRow(Base):
    """One telephone call on the hotline (a SIP worker or a Twilio line), from ringing to hang-up."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(10), comment="sip or twilio")
    external_id: Mapped[str] = mapped_column(String(128), comment="SIP Call-ID or Twilio CallSid")
    line: Mapped[str] = mapped_column(String(64), comment="The number dialled")
    caller: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(5))
    worker: Mapped[str | None] = mapped_column(String(64), comment="The SIP worker that holds the call")
    state: Mapped[str] = mapped_column(String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    answered_at: Mapped[datetime | None]
    handed_off_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    duration_s: Mapped[float | None]
    outcome: Mapped[str | None] = mapped_column(String(20))
    agent: Mapped[str | None] = mapped_column(String(200))
    recording: Mapped[str | None] = mapped_column(String(100), comment="Media name of the caller's recording")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    detail: Mapped[dict[str, Any] | None]

    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_calls_external_id"),)


class VoicemailRow(Base):
    """A caller's recorded message waiting in the agents' voicemail queue."""

    __tablename__ = "voicemails"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    received_at: Mapped[datetime]
    caller: Mapped[str | None] = mapped_column(String(64))
    line: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    recording: Mapped[str] = mapped_column(String(100), comment="Media name of the WAV or MP3")
    duration_s: Mapped[float]
    consent_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    transcript: Mapped[str | None] = mapped_column(Text)
    transcript_source: Mapped[str | None] = mapped_column(String(40), comment="Engine name, or the agent who wrote it")
    status: Mapped[str] = mapped_column(String(12), index=True, comment="new or handled")
    handled_by: Mapped[str | None] = mapped_column(String(100))
    handled_at: Mapped[datetime | None]
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))


class OptOutRow(Base):
    """An address that asked for no more messages (STOP, 退订) on a channel."""

    __tablename__ = "opt_outs"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    address: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime]
    keyword: Mapped[str | None] = mapped_column(String(40))


class InboundMessageRow(Base):
    """A provider's message or call id already handled: its retries make nothing twice and get the same reply."""

    __tablename__ = "inbound_messages"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    reply: Mapped[str | None] = mapped_column(Text)


class AdminSettingRow(Base):
    """A setting administrators change at run time (duplicate settings per class, …), by key."""

    __tablename__ = "admin_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))


class FieldGridRow(Base):
    """A unit grid a supervisor or community liaison answers for (the order is the duty roster's)."""

    __tablename__ = "field_grids"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class FieldDeviceRow(Base):
    """A phone of a field account: enrolled once with a short-lived code, then known by its token until revoked."""

    __tablename__ = "field_devices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100))
    enrol_hash: Mapped[str | None] = mapped_column(String(64), unique=True, comment="SHA-256 of the enrolment code, until used")
    enrol_expires_at: Mapped[datetime | None]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, comment="SHA-256 of the device token, once enrolled")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    enrolled_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class FieldReportRow(Base):
    """A report made on a field phone, by the id the phone gave it: a resend finds it and makes nothing twice."""

    __tablename__ = "field_reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, comment="The phone's UUID of the report")
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("field_devices.id"))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    accuracy_m: Mapped[float]
    taken_at: Mapped[datetime] = mapped_column(comment="When the report was made, on the server's clock (the phone's corrected)")
    received_at: Mapped[datetime]
    clock_skew_s: Mapped[float] = mapped_column(Float, comment="Server time minus the phone's when it sent")
    photos: Mapped[list[Any]] = mapped_column(comment="[{url, content_type, phase: before|after}]")


class FieldTaskRow(Base):
    """A platform's request to check a case on site (核实 before 立案, 核查 after 处置) and its answer."""

    __tablename__ = "field_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(64))
    platform_task_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), comment="verify (核实) or check (核查)")
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(15), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True, comment="offered, taken, answered or withdrawn")
    offered_to: Mapped[str | None] = mapped_column(String(64), index=True)
    offered_at: Mapped[datetime | None]
    offers: Mapped[int] = mapped_column(Integer, default=0, comment="How many supervisors it was offered to in turn")
    taken_by: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime | None]
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    answer_id: Mapped[str | None] = mapped_column(String(36), comment="The phone's UUID of its answer: a resend of it is no second answer")
    result: Mapped[str | None] = mapped_column(String(20))
    answer_note: Mapped[str | None] = mapped_column(Text)
    answer_photos: Mapped[list[Any] | None]
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("platform_id", "platform_task_id", name="uq_field_tasks_platform_task"),)


class FieldDutyRow(Base):
    """Whether a field account is on duty now (told by its phone)."""

    __tablename__ = "field_duty"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime]
    share_track: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", comment="Consent to a patrol track while on duty")


class FieldTrackRow(Base):
    """One position of a patrol track, sent by a phone on duty whose account consented."""

    __tablename__ = "field_track"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(primary_key=True, comment="When the phone took it, on the server's clock")
    lat: Mapped[float]
    lon: Mapped[float]
    accuracy_m: Mapped[float]
    received_at: Mapped[datetime] = mapped_column(index=True)


class MailboxStateRow(Base):
    """How far the mayor's mailbox channel has read one IMAP mailbox: the folder's UIDVALIDITY and the last UID taken."""

    __tablename__ = "mail_mailboxes"

    mailbox_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    polled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class MailMessageRow(Base):
    """A letter the mayor's mailbox has seen, by its Message-ID (or content hash): taken exactly once, and what it became."""

    __tablename__ = "mail_messages"

    key: Mapped[str] = mapped_column(String(64), primary_key=True, comment="SHA-256 of the Message-ID, or of the whole message without one")
    message_id: Mapped[str | None] = mapped_column(String(998), comment="The letter's Message-ID header as sent")
    source: Mapped[str] = mapped_column(String(64), comment="The mailbox id, or smtp")
    uid: Mapped[int | None] = mapped_column(BigInteger)
    sender_key: Mapped[str | None] = mapped_column(String(64), index=True, comment="SHA-256 of the sender's address")
    outcome: Mapped[str] = mapped_column(String(20), comment="case, joined, feedback or skipped")
    reason: Mapped[str | None] = mapped_column(String(40), comment="Why it was skipped (too_large, auto_reply, …)")
    detail: Mapped[str | None] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class MailAttachmentRow(Base):
    """A letter's attachment that is no photo (a PDF, a document), kept for agents by its content name."""

    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80), comment="<sha256>.bin under the media directory's mail/ folder")
