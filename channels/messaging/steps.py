"""What the conversational channels (Telegram, WeChat) share between their own prompts: the classes to propose, a
typed address placed, the nearest open case offered as the one the report may join, and a reporter's cases."""
from __future__ import annotations

from typing import TYPE_CHECKING

from channels.messaging.conversation import Conversation
from classifier.tables import CodeTables
from gateway.api.cases import load_case
from gateway.api.errors import ApiError
from gateway.domain import Channel, ContactIn, ReportIn
from gateway.location.dedup import DEFAULT_WINDOW
from gateway.delivery.payload import case_number
from gateway.intake.reporters import reporter_key
from gateway.store.models import CaseRow
from gateway.store.store import Store, utcnow

if TYPE_CHECKING:
    from classifier import Classifier
    from gateway.location import Locator

MAX_PROPOSALS = 4
DUPLICATE_RADIUS_M = 200.0


def propose(classifier: Classifier | None, tables: CodeTables, complaint: str, channel: Channel, lang: str) -> tuple[list[str], bool]:
    """Classes to offer, best first, and whether the first is the model's confident answer."""
    if classifier is None:
        return [], False
    result = classifier.classify(complaint, channel=channel.value, language=lang)
    ids = ([result.class_id] if result.class_id else []) + [c.class_id for c in result.candidates]
    named = [c for c in dict.fromkeys(ids) if c in tables]
    return named[:MAX_PROPOSALS], bool(result.class_id and named and named[0] == result.class_id)


def geocode(locator: Locator | None, conversation: Conversation, address: str) -> bool:
    """Place a typed address; without a city gazetteer the address is kept as typed for the platform."""
    conversation.address = address[:300]
    if locator is None:
        conversation.lat = conversation.lon = None
        conversation.place_label = conversation.address
        return True
    found = locator.gazetteer.geocode(address)
    if found is None:
        return False
    conversation.lat, conversation.lon, conversation.place_label = found.lat, found.lon, found.label
    return True


def point_label(locator: Locator | None, lat: float, lon: float, lang: str) -> str | None:
    """A shared WGS-84 point in words (its nearest junction, estate, landmark or road), or None where no place is known."""
    return locator.describe(lat, lon, lang) if locator is not None else None


async def offer_nearby(store: Store, conversation: Conversation) -> tuple[CaseRow, float] | None:
    """The nearest open case of the same class (any class if the staff decide) within 200 m, kept in the conversation
    as the one it may join; None when there is none."""
    if conversation.lat is None or conversation.lon is None:
        return None
    found = await store.nearby_open_cases(conversation.lat, conversation.lon, DUPLICATE_RADIUS_M, utcnow() - DEFAULT_WINDOW)
    nearby = [(c, d) for c, d in found if not conversation.class_id or c.class_id == conversation.class_id]
    if not nearby:
        return None
    case = nearby[0][0]
    conversation.duplicate_of = case_number(case.id, case.created_at)
    conversation.duplicate_class_id = case.class_id
    conversation.duplicate_lat, conversation.duplicate_lon = case.lat, case.lon
    return nearby[0]


def answer_offer(conversation: Conversation, join: bool) -> None:
    """Joining reports the same class at the case's own point, so the pipeline's dedup can fold it in."""
    if join:
        if conversation.duplicate_class_id:
            conversation.class_id, conversation.class_chosen = conversation.duplicate_class_id, True
        conversation.lat, conversation.lon, conversation.address = conversation.duplicate_lat, conversation.duplicate_lon, None
    else:
        conversation.duplicate_of = None


def contact_key(channel: Channel, contact: ContactIn) -> str:
    """The pipeline's reporter key of a chat or user (the one their reports are stored under)."""
    key = reporter_key(ReportIn(text="-", channel=channel, contact=contact))
    assert key is not None
    return key


async def find_case(store: Store, number: str) -> CaseRow | None:
    try:
        return await load_case(store, number)
    except ApiError:
        return None


async def reported_by(store: Store, case: CaseRow, key: str) -> bool:
    """True when the reporter with this key sent one of the case's reports."""
    async with store.transaction() as tx:
        return any(r.reporter_key == key for r in await tx.reports_of_case(case.id))
