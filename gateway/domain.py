"""The domain: channels, case states and their transitions, and the Report a channel hands in."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from gateway.i18n import InputError
from gateway.location.crs import normalize_crs, validate
from gateway.media import NAME_PATTERN as MEDIA_NAME


class Channel(StrEnum):
    HOTLINE = "hotline"
    VOICE = "voice"
    WEB = "web"
    TELEGRAM = "telegram"
    WECHAT = "wechat"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    OPEN311 = "open311"
    EMAIL = "email"
    API = "api"
    SUPERVISOR = "supervisor"
    LIAISON = "liaison"


CASE_SOURCE: dict[Channel, str] = {
    Channel.HOTLINE: "12319热线",
    Channel.VOICE: "12319热线",
    Channel.WEB: "网络上报",
    Channel.OPEN311: "网络上报",
    Channel.EMAIL: "市长信箱",
    Channel.TELEGRAM: "公众举报",
    Channel.WECHAT: "公众举报",
    Channel.SMS: "公众举报",
    Channel.WHATSAPP: "公众举报",
    Channel.API: "公众举报",
    Channel.SUPERVISOR: "监督员上报",
    Channel.LIAISON: "社区联络员",
}


class CaseStatus(StrEnum):
    """Our own states, then the platform's (受理 … 结案, 作废)."""

    NEEDS_REVIEW = "needs_review"
    CLASSIFIED = "classified"
    FORWARDED = "forwarded"
    ACCEPTED = "accepted"
    FILED = "filed"
    DISPATCHED = "dispatched"
    DISPOSED = "disposed"
    VERIFIED = "verified"
    CLOSED = "closed"
    VOIDED = "voided"
    MERGED = "merged"


STATUS_NAMES_ZH: dict[CaseStatus, str] = {
    CaseStatus.NEEDS_REVIEW: "待人工分类",
    CaseStatus.CLASSIFIED: "已分类",
    CaseStatus.FORWARDED: "已转送",
    CaseStatus.ACCEPTED: "受理",
    CaseStatus.FILED: "立案",
    CaseStatus.DISPATCHED: "派遣",
    CaseStatus.DISPOSED: "处置",
    CaseStatus.VERIFIED: "核查",
    CaseStatus.CLOSED: "结案",
    CaseStatus.VOIDED: "作废",
    CaseStatus.MERGED: "已合并",
}

STATUS_NAMES_EN: dict[CaseStatus, str] = {
    CaseStatus.NEEDS_REVIEW: "Waiting for review",
    CaseStatus.CLASSIFIED: "Categorised",
    CaseStatus.FORWARDED: "Passed to the platform",
    CaseStatus.ACCEPTED: "Accepted",
    CaseStatus.FILED: "Filed",
    CaseStatus.DISPATCHED: "Dispatched",
    CaseStatus.DISPOSED: "Handled",
    CaseStatus.VERIFIED: "Checked",
    CaseStatus.CLOSED: "Closed",
    CaseStatus.VOIDED: "Voided",
    CaseStatus.MERGED: "Merged",
}


def status_name(status: str, lang: str) -> str:
    """A case status as a citizen reads it: 受理, 立案 … in Chinese (unless lang is en), plain words in English."""
    return (STATUS_NAMES_EN if lang == "en" else STATUS_NAMES_ZH)[CaseStatus(status)]


PLATFORM_FLOW: list[CaseStatus] = [
    CaseStatus.FORWARDED,
    CaseStatus.ACCEPTED,
    CaseStatus.FILED,
    CaseStatus.DISPATCHED,
    CaseStatus.DISPOSED,
    CaseStatus.VERIFIED,
    CaseStatus.CLOSED,
]
OPEN_STATUSES: frozenset[CaseStatus] = frozenset(set(CaseStatus) - {CaseStatus.CLOSED, CaseStatus.VOIDED, CaseStatus.MERGED})
NOT_YET_FORWARDED: frozenset[CaseStatus] = frozenset({CaseStatus.NEEDS_REVIEW, CaseStatus.CLASSIFIED})
REWORK: set[tuple[CaseStatus, CaseStatus]] = {
    (CaseStatus.DISPOSED, CaseStatus.DISPATCHED),
    (CaseStatus.VERIFIED, CaseStatus.DISPATCHED),
}


class Satisfaction(StrEnum):
    """回访 answers."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


SATISFACTION_NAMES_ZH: dict[Satisfaction, str] = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASICALLY_SATISFIED: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
}


SATISFACTION_NAMES_EN: dict[Satisfaction, str] = {
    Satisfaction.SATISFIED: "Satisfied",
    Satisfaction.BASICALLY_SATISFIED: "Mostly satisfied",
    Satisfaction.DISSATISFIED: "Not satisfied",
}


def satisfaction_name(answer: str, lang: str) -> str:
    """满意 / 基本满意 / 不满意, or their English words."""
    return (SATISFACTION_NAMES_EN if lang == "en" else SATISFACTION_NAMES_ZH)[Satisfaction(answer)]


def parse_status(value: str) -> CaseStatus | None:
    """A status given by its English value or its Chinese name."""
    try:
        return CaseStatus(value)
    except ValueError:
        return next((s for s, name in STATUS_NAMES_ZH.items() if name == value), None)


def platform_transition_allowed(current: CaseStatus, new: CaseStatus) -> bool:
    """A platform moves a case forward along its flow (steps may be skipped), back to rework, or voids it."""
    if current not in PLATFORM_FLOW:
        return False
    if new is CaseStatus.VOIDED:
        return current is not CaseStatus.CLOSED
    if (current, new) in REWORK:
        return True
    return new in PLATFORM_FLOW and PLATFORM_FLOW.index(new) > PLATFORM_FLOW.index(current)


def visible(value: str) -> bool:
    """True when the text has something to read: not only spaces and invisible characters (zero-width spaces and joiners,
    byte-order marks and the other format characters)."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zs", "Zl", "Zp") for ch in value)


def _text_present(value: str) -> str:
    if not visible(value):
        raise InputError("text_required")
    return value


ComplaintText = Annotated[str, Field(max_length=100_000, json_schema_extra={"minLength": 1}), AfterValidator(_text_present)]
"""A citizen's description: never empty, blank or only invisible characters."""

EARLIEST = datetime.min.replace(tzinfo=timezone.utc) + timedelta(days=2)
LATEST = datetime.max.replace(tzinfo=timezone.utc) - timedelta(days=2)


def utc_moment(value: datetime, field: str) -> datetime:
    """`value` in UTC (a time without a zone is taken as UTC), refused when it lies so near the ends of the calendar that
    converting it to UTC or China time, or storing it, would overflow."""
    try:
        moment = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    except OverflowError:
        raise InputError("datetime_out_of_range", field=field) from None
    if not EARLIEST <= moment <= LATEST:
        raise InputError("datetime_out_of_range", field=field)
    return moment


Moment = Annotated[datetime, AfterValidator(lambda value, info: utc_moment(value, info.field_name or "date-time"))]
"""A date-time from outside (a query parameter, a body field), in UTC and within what SQL and the China calendar hold."""

RECEIVED_EARLIEST_YEAR = 2000
CLOCK_SKEW = timedelta(minutes=5)


def _plausible_receipt(value: datetime) -> datetime:
    """When a channel received a report: after 2000, and not later than now (give or take a clock's skew)."""
    try:
        moment = utc_moment(value, "received_at")
    except InputError:
        moment = None
    if moment is None or moment.year < RECEIVED_EARLIEST_YEAR or moment > datetime.now(timezone.utc) + CLOCK_SKEW:
        raise InputError("received_at_out_of_range", earliest=RECEIVED_EARLIEST_YEAR)
    return moment


def _not_a_boolean(value: Any) -> Any:
    """JSON's true and false are no coordinates (pydantic would read them as 1.0 and 0.0)."""
    if isinstance(value, bool):
        raise InputError("coordinate_not_a_number")
    return value


Coordinate = Annotated[float, BeforeValidator(_not_a_boolean)]
MEDIA_PATH = re.compile(r"/media/" + MEDIA_NAME)


def media_url(value: str) -> str:
    """A photo or recording's address: an absolute http(s) URL with a host, or one of the gateway's own /media/ paths.
    Anything else (javascript:, data:, file:, relative paths, spaces or control characters) is refused."""
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise InputError("media_url_invalid")
    if MEDIA_PATH.fullmatch(value):
        return value
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise InputError("media_url_invalid") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InputError("media_url_invalid")
    return value


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: Coordinate
    lon: Coordinate
    crs: str = "wgs84"

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, value: str) -> str:
        return normalize_crs(value)

    @model_validator(mode="after")
    def _in_range(self) -> "PointIn":
        validate(self.lat, self.lon)
        return self


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()-]{3,32}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    telegram_chat_id: int | None = None
    wechat_openid: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    consent_updates: bool = False


class MediaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Field(max_length=2000, description="http(s) URL, or a /media/ path of this gateway"), AfterValidator(media_url)]
    content_type: str = Field(max_length=100, pattern=r"^(image|audio)/[a-z0-9.+-]+$")


def refuse_nul(value: Any, path: str = "") -> None:
    """NUL anywhere in a submission's strings (PostgreSQL cannot store it; SQLite would) is refused on every backend."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            raise InputError("nul_character", field=at or "body")
        if isinstance(item, dict):
            stack.extend((v, f"{at}.{k}" if at else str(k)) for k, v in item.items())
        elif isinstance(item, (list, tuple)):
            stack.extend((v, f"{at}.{i}" if at else str(i)) for i, v in enumerate(item))


class ReportIn(BaseModel):
    """What every channel hands to the pipeline: one submission as received."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        refuse_nul(data)
        return data

    text: ComplaintText
    channel: Channel = Channel.API
    language: str = Field(default="zh", pattern=r"^(zh|en)$")
    location: PointIn | None = None
    address: str | None = Field(default=None, max_length=300)
    contact: ContactIn | None = None
    media: list[MediaIn] = Field(default=[], max_length=8)
    client_ref: str | None = Field(default=None, min_length=1, max_length=128, description="The client's own id of the report: sent again, it answers with the first")
    class_id: str | None = Field(default=None, max_length=64, description="A class already chosen (e.g. by an agent), or a "
                                 "family id (fam-…) when only the family is known: the city's default member is filed.")
    attributes: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")], Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default={}, max_length=20, description="Answers to the questions of the service chosen (Open311 attributes), by question code; kept apart from the text")
    received_at: Annotated[datetime, AfterValidator(_plausible_receipt)] | None = None


