"""The normalized case a platform receives: its pydantic model (and so its JSON Schema) and its builder."""
from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from classifier.tables import ClassCode
from gateway.domain import STATUS_NAMES_ZH, CaseStatus
from gateway.store.models import BIGINT_MAX, CaseRow

CHINA = ZoneInfo("Asia/Shanghai")
SCHEMA_VERSION = "1.0"
Event = Literal["case.created", "case.updated", "case.reopen_requested"]
"""What a delivery tells a platform: a new case, a change to one it has, or a citizen's 不满意 asking it to reopen."""


def case_number(case_id: int, created_at: datetime) -> str:
    """The number citizens read back: the China date of creation and the id (e.g. 20261122000042)."""
    local = (created_at if created_at.tzinfo else created_at.replace(tzinfo=ZoneInfo("UTC"))).astimezone(CHINA)
    return f"{local:%Y%m%d}{case_id:06d}"


def parse_case_number(number: str) -> int | None:
    """The id inside a case number (or a bare id); None when it cannot be one. Callers check the date part."""
    if not (number.isascii() and number.isdigit()) or len(number) > 30:
        return None
    value = int(number[8:]) if len(number) >= 14 else int(number)
    return value if value <= BIGINT_MAX else None


class ClassPayload(BaseModel):
    kind: Literal["event", "component"]
    major_code: str
    major_name: str
    minor_code: str
    minor_name: str
    edition: str


class FamilyPayload(BaseModel):
    id: str = Field(description="The gateway's family id, e.g. fam-manhole-cover")
    name: str
    name_en: str


class FurtherProblemPayload(BaseModel):
    """A further problem the same text states (a letter about a broken lamp and the rubbish under it)."""

    class_: ClassPayload | None = Field(alias="class", serialization_alias="class")
    class_id: str
    class_unmapped: bool
    class_precision: Literal["class", "family", "major"]
    confidence: float

    model_config = {"populate_by_name": True}


class LocationPayload(BaseModel):
    lat: float = Field(description="Latitude in the platform's datum")
    lon: float
    crs: str
    precision_m: float | None = None
    address: str | None = None
    grid_code: str | None = Field(default=None, pattern=r"^\d{15}$")


class SourcePayload(BaseModel):
    channel: str
    case_source: str = Field(description="案件来源, e.g. 12319热线, 公众举报")


class MediaPayload(BaseModel):
    url: str
    content_type: str


class CasePayload(BaseModel):
    """One normalized case as delivered to a supervision platform."""

    schema_version: str = SCHEMA_VERSION
    event: Event
    case_number: str
    version: int
    status: CaseStatus
    status_name: str
    created_at: datetime
    updated_at: datetime
    class_: ClassPayload | None = Field(alias="class", serialization_alias="class")
    class_id: str | None = Field(description="The gateway's own stable class id")
    class_unmapped: bool = Field(description="True when the class has no counterpart in the platform's edition; `class` is then given in another edition")
    class_confidence: float | None
    class_precision: Literal["class", "family", "major"] | None = Field(
        default=None, description='"family" when the text names the family (a manhole cover) but not the member (whose '
        "cover): `class` is then the city's default member of the family, to be refined by the platform or an agent; "
        '"major" when only the major class (the department) is sure: `class` is then its likeliest class, to be refined '
        "likewise. `class_confidence` is the probability of what the precision vouches for")
    class_family: FamilyPayload | None = Field(default=None, description="The family of `class`, when it belongs to one")
    also: list[FurtherProblemPayload] = Field(default=[], description="Up to two further problems the text states")
    description: str = Field(description="The first reporter's text, as written")
    attributes: dict[str, str] = Field(default={}, description="The first reporter's answers to the questions of the service chosen "
                                       "(Open311 attributes: GET /open311/v2/services/<class id>.json), by question code")
    language: str
    location: LocationPayload | None
    source: SourcePayload
    reports_count: int
    media: list[MediaPayload]
    merged_into: str | None = Field(default=None, description="When status is merged: the case that now holds its reports")
    feedback: dict[str, int] = Field(default={}, description="回访 answers so far: satisfied, basically_satisfied, dissatisfied")

    model_config = {"populate_by_name": True}


def build_payload(
    event: Event,
    case: CaseRow,
    media: list[dict[str, str]],
    class_code: ClassCode | None,
    class_unmapped: bool,
    location: LocationPayload | None,
    merged_into: str | None = None,
    feedback: dict[str, int] | None = None,
    family: FamilyPayload | None = None,
    also: list[FurtherProblemPayload] | None = None,
) -> str:
    """The JSON body of one delivery, frozen in the outbox so every retry sends the same bytes."""
    payload = CasePayload(
        event=event,
        case_number=case_number(case.id, case.created_at),
        version=case.version,
        status=CaseStatus(case.status),
        status_name=STATUS_NAMES_ZH[CaseStatus(case.status)],
        created_at=case.created_at,
        updated_at=case.updated_at,
        class_=ClassPayload(**{k: v for k, v in class_code.as_dict().items() if k != "inferred"}) if class_code else None,
        class_id=case.class_id,
        class_unmapped=class_unmapped,
        class_confidence=case.class_confidence,
        class_precision=case.class_precision if case.class_id else None,
        class_family=family,
        also=also or [],
        description=case.text,
        attributes=case.attributes or {},
        language=case.language,
        location=location,
        source=SourcePayload(channel=case.source_channel, case_source=case.case_source),
        reports_count=case.reports_count,
        media=[MediaPayload(**m) for m in media],
        merged_into=merged_into,
        feedback=feedback or {},
    )
    return payload.model_dump_json(by_alias=True)
