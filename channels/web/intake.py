"""A checked form becomes a report: rate limits, photos kept, the pipeline, and the citizen's choice to join a case."""
from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from channels.web.protect import RateLimiter, contact_key
from gateway.api.cases import load_case
from gateway.api.errors import ApiError
from gateway.appkeys import MEDIA, PIPELINE, REDIS, SETTINGS, STORE
from gateway.domain import OPEN_STATUSES, MediaIn, ReportIn
from gateway.location import LocationError
from gateway.location.dedup import DEFAULT_WINDOW, HARD_CAP_M
from gateway.location.exif import Photo
from gateway.store.store import utcnow


class Refused(Exception):
    """A valid form the gateway still does not take; `code` keys the web catalogue, shown at `field`."""

    def __init__(self, field: str, code: str, status: int) -> None:
        super().__init__(code)
        self.field, self.code, self.status = field, code, status


@dataclass(frozen=True)
class Accepted:
    number: str
    joined: bool
    report_id: int


async def submit(request: web.Request, report: ReportIn, photos: list[Photo], join: str | None) -> Accepted:
    """Store the report (after its photos), added to the open case nearby the citizen chose, if any."""
    app = request.config_dict
    settings, limiter = app[SETTINGS], RateLimiter(app[REDIS])
    if not await limiter.allow("ip", request.remote or "unknown", settings.web.reports_per_ip_per_hour):
        raise Refused("form", "error_rate_ip", 429)
    handle = report.contact and (report.contact.phone or report.contact.email)
    if handle and not await limiter.allow("contact", contact_key(handle), settings.web.reports_per_contact_per_hour):
        raise Refused("phone" if report.contact and report.contact.phone else "email", "error_rate_contact", 429)
    pipeline = app[PIPELINE]
    try:
        target = await joinable(request, report, join) if join else None
    except LocationError:
        raise Refused("location", "error_location_outside", 400) from None
    base = settings.public_base_url.rstrip("/")
    media = [MediaIn(url=f"{base}/media/{stored.name}", content_type=stored.content_type) for stored in map(app[MEDIA].save_photo, photos)]
    try:
        result = await pipeline.submit(report.model_copy(update={"media": media}), actor="web", join_case=target)
    except LocationError:
        raise Refused("location", "error_location_outside", 400) from None
    return Accepted(result.case_number, result.joined, result.report_id)


async def joinable(request: web.Request, report: ReportIn, number: str) -> int | None:
    """The id of the case the citizen chose to join, if it is open and near where this report is."""
    store = request.config_dict[STORE]
    try:
        case = await load_case(store, number)
    except ApiError:
        return None
    located = request.config_dict[PIPELINE].locate(report)
    if case.status not in OPEN_STATUSES or located is None:
        return None
    near = await store.nearby_open_cases(located.lat, located.lon, HARD_CAP_M, utcnow() - DEFAULT_WINDOW)
    return case.id if any(c.id == case.id for c, _ in near) else None
