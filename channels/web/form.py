"""The report form: read the multipart post within its limits, and turn it into a ReportIn or errors by field."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import phonenumbers
from aiohttp import BodyPartReader, web
from pydantic import ValidationError

from channels.web.catalogue import text
from classifier.tables import CodeTables
from gateway.domain import Channel, ContactIn, PointIn, ReportIn
from gateway.i18n import InputError, Lang, message
from gateway.location.errors import PhotoError
from gateway.location.exif import Photo
from gateway.media import MediaStore
from gateway.settings import Settings

TEXT_FIELDS = ("csrf", "website", "text", "class_id", "address", "lat", "lon", "crs", "name", "phone", "email", "consent", "join")
MAX_FIELD_BYTES = 64 * 1024


class FormTooLarge(Exception):
    """The post is larger than the form accepts."""


@dataclass
class Upload:
    filename: str
    data: bytes
    oversized: bool = False


@dataclass
class Posted:
    """What the form sent, as received."""

    fields: dict[str, str] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.fields.get(name, "").strip()


async def read_form(request: web.Request, settings: Settings) -> Posted:
    """Stream the multipart (or url-encoded) post; photos past the size cap are kept as marked, empty uploads."""
    limit = settings.web.max_form_bytes
    if request.content_length is not None and request.content_length > limit:
        raise FormTooLarge()
    if request.content_type != "multipart/form-data":
        data = await request.post()
        return Posted({k: v for k, v in data.items() if k in TEXT_FIELDS and isinstance(v, str)})
    posted, total = Posted(), 0
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "photos" and part.filename is not None:
            data, oversized = await _read_part(part, settings.intake.max_photo_bytes)
            if data or oversized:
                posted.uploads.append(Upload(part.filename, data, oversized))
        elif part.name in TEXT_FIELDS:
            data, oversized = await _read_part(part, MAX_FIELD_BYTES)
            if oversized:
                raise FormTooLarge()
            posted.fields[part.name] = data.decode("utf-8", errors="replace")
        else:
            data, _ = await _read_part(part, 0)
        total += len(data)
        if total > limit:
            raise FormTooLarge()
    return posted


async def _read_part(part: BodyPartReader, limit: int) -> tuple[bytes, bool]:
    """Up to `limit` bytes of a part; the rest is drained and the part marked oversized."""
    chunks, size = [], 0
    while chunk := await part.read_chunk():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
    return (b"".join(chunks), False) if size <= limit else (b"", True)


@dataclass
class Checked:
    """A valid report with its decoded photos, or the errors to show next to each field."""

    report: ReportIn | None
    photos: list[Photo]
    errors: dict[str, str]


async def check(posted: Posted, lang: Lang, settings: Settings, tables: CodeTables, media: MediaStore) -> Checked:
    """Validate every field the citizen filled (photos decoded in the photo pool); nothing here stores anything."""
    errors: dict[str, str] = {}
    description = posted.get("text")
    if not description:
        errors["text"] = text("error_text_required", lang)
    elif len(description) > settings.intake.max_text_chars:
        errors["text"] = text("error_text_too_long", lang, limit=settings.intake.max_text_chars)
    class_id = posted.get("class_id") or None
    if class_id is not None and class_id not in tables:
        errors["class_id"] = text("error_class", lang)
    address = posted.get("address") or None
    if address is not None and len(address) > 300:
        errors["address"] = text("error_address_too_long", lang)
    location = _point(posted, lang, errors)
    contact = _contact(posted, lang, errors)
    photos = await _photos(posted.uploads, lang, settings, media, errors)
    if errors:
        return Checked(None, [], errors)
    report = ReportIn(text=description, channel=Channel.WEB, language=lang, location=location, address=address, contact=contact, class_id=class_id)
    return Checked(report, photos, {})


def _point(posted: Posted, lang: Lang, errors: dict[str, str]) -> PointIn | None:
    """The point from the device or the map pick, in the datum named by `crs` (the map's tiles may be GCJ-02)."""
    lat, lon = posted.get("lat"), posted.get("lon")
    if not lat and not lon:
        return None
    try:
        point = PointIn(lat=float(lat), lon=float(lon), crs=posted.get("crs") or "wgs84")
        if not (math.isfinite(point.lat) and math.isfinite(point.lon)):
            raise ValueError("not finite")
        return point
    except (ValueError, ValidationError, InputError):
        errors["location"] = text("error_location", lang)
        return None


def _contact(posted: Posted, lang: Lang, errors: dict[str, str]) -> ContactIn | None:
    name, phone, email = posted.get("name") or None, posted.get("phone") or None, posted.get("email") or None
    consent = posted.get("consent") == "yes"
    checks = (("name", name, "error_name"), ("phone", phone, "error_phone"), ("email", email, "error_email"))
    for key, value, code in checks:
        if value is not None:
            try:
                ContactIn.model_validate({key: value})
            except ValidationError:
                errors[key] = text(code, lang)
    if phone is not None and "phone" not in errors and not callable_number(phone):
        errors["phone"] = text("error_phone", lang)
    if consent and not (phone or email):
        errors["consent"] = text("error_consent_needs_contact", lang)
    if not (name or phone or email) or any(k in errors for k in ("name", "phone", "email")):
        return None
    return ContactIn(name=name, phone=phone, email=email, consent_updates=consent)


def callable_number(phone: str) -> bool:
    """A number that can be called: valid for its country (China's unless it starts with +), "12345" is not."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(phone, "CN"))
    except phonenumbers.NumberParseException:
        return False


async def _photos(uploads: list[Upload], lang: Lang, settings: Settings, media: MediaStore, errors: dict[str, str]) -> list[Photo]:
    if len(uploads) > settings.web.max_photos:
        errors["photos"] = text("error_too_many_photos", lang, count=settings.web.max_photos)
        return []
    photos, problems = [], []
    for upload in uploads:
        if upload.oversized:
            problems.append(text("error_photo_too_large", lang, name=upload.filename, limit=settings.intake.max_photo_bytes // (1024 * 1024)))
            continue
        try:
            photos.append(await media.clean_photo(upload.data))
        except PhotoError as exc:
            problems.append(text("error_photo", lang, name=upload.filename, detail=message(exc.code, lang, **exc.params)))
    if problems:
        errors["photos"] = " ".join(problems)
    return photos
