"""The outbox, writing side: delivery rows in the same transaction as the case change, then queued."""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from collections.abc import Iterable, Mapping
from typing import Any

from redis.exceptions import RedisError
from rq import Queue
from rq.queue import EnqueueData

from classifier.families import load_families
from classifier.tables import EDITIONS, ClassCode, CodeTables
from gateway.domain import NOT_YET_FORWARDED, CaseStatus
from gateway.location.crs import from_wgs84
from gateway.media import LINK_SECRET_SETTING, has_recordings, platform_media
from gateway.delivery.payload import ClassPayload, Event, FamilyPayload, FurtherProblemPayload, LocationPayload, build_payload, case_number
from gateway.settings import PlatformSettings, Settings
from gateway.store.models import AdminSettingRow, CaseRow
from gateway.store.store import Tx

log = logging.getLogger(__name__)
PLATFORMS_SETTING = "platforms"  # admin_settings key: {"items": [platform settings]}, each over the settings file's of that id
PLATFORMS_TTL_SECONDS = 5.0  # how stale another process's list may be when it writes outbox rows


def merged_platforms(settings: Settings, stored: Mapping[str, Any] | None) -> list[PlatformSettings]:
    """The settings file's platforms with those administrators added or changed at run time laid over them by id."""
    by_id = {p.id: p for p in settings.platforms}
    for item in (stored or {}).get("items") or []:
        platform = PlatformSettings.model_validate(item)
        by_id[platform.id] = platform
    return list(by_id.values())


async def platforms_in_force(tx: Tx, settings: Settings) -> list[PlatformSettings]:
    """Every platform as it stands now (settings file plus the administrators' changes): the one way to get the list."""
    row = await tx.session.get(AdminSettingRow, PLATFORMS_SETTING)
    return merged_platforms(settings, row.value if row else None)


def job_id(delivery_id: str) -> str:
    return f"deliver-{delivery_id}"


def delivery_job(delivery_id: str) -> EnqueueData:
    """The rq job that delivers one outbox row; the fixed job id makes a repeat harmless."""
    return Queue.prepare_data("gateway.jobs.deliver", (delivery_id,), job_id=job_id(delivery_id), result_ttl=0, failure_ttl=7 * 86400)


def enqueue_delivery(queue: Queue, delivery_id: str) -> None:
    queue.enqueue_many([delivery_job(delivery_id)])


class Outbox:
    def __init__(self, settings: Settings, tables: CodeTables, queue: Queue) -> None:
        self.settings = settings
        self.tables = tables
        self.queue = queue
        self._platforms: list[PlatformSettings] | None = None
        self._platforms_read = 0.0

    async def platforms(self, tx: Tx) -> list[PlatformSettings]:
        """The platforms in force, re-read at most every PLATFORMS_TTL_SECONDS (intake writes many rows a second)."""
        now = time.monotonic()
        if self._platforms is None or now - self._platforms_read >= PLATFORMS_TTL_SECONDS:
            self._platforms, self._platforms_read = await platforms_in_force(tx, self.settings), now
        return self._platforms

    def forget_platforms(self) -> None:
        """Re-read the list on the next write (this process changed it)."""
        self._platforms = None

    async def forward(self, tx: Tx, case: CaseRow, actor: str, media: list[dict[str, str]] | None = None,
                      in_force: list[PlatformSettings] | None = None) -> list[str]:
        """First delivery of a classified case to every enabled platform (of `in_force`, the list the caller read)."""
        platforms = [p for p in (in_force if in_force is not None else await self.platforms(tx)) if p.enabled]
        if not platforms:
            return []
        case.status = CaseStatus.FORWARDED
        await tx.audit("case", case.id, "forwarded", actor, platforms=[p.id for p in platforms])
        return await self._write(tx, case, "case.created", platforms, media)

    async def update(self, tx: Tx, case: CaseRow, actor: str) -> list[str]:
        """An update (more reporters, new class) of a case platforms already have; nothing for one they don't."""
        if case.status in NOT_YET_FORWARDED:
            return []
        return await self.announce(tx, case, actor)

    async def announce(self, tx: Tx, case: CaseRow, actor: str, event: Event = "case.updated") -> list[str]:
        """Send the case's current state to every enabled platform as an update (or a reopen request)."""
        platforms = [p for p in await self.platforms(tx) if p.enabled and p.kind == "webhook"]  # GeoReport v2 has no updates
        await tx.audit("case", case.id, "update_queued", actor, version=case.version, event=event)
        return await self._write(tx, case, event, platforms)

    async def _write(
        self,
        tx: Tx,
        case: CaseRow,
        event: Event,
        platforms: Iterable[PlatformSettings],
        media: list[dict[str, str]] | None = None,
    ) -> list[str]:
        media = media if media is not None else await tx.media_of_case(case.id)
        if has_recordings(media):  # a caller's voice goes out as signed links that expire, never as a public one
            media = platform_media(media, self.settings.public_base_url, await tx.server_secret(LINK_SECRET_SETTING),
                                   timedelta(days=self.settings.delivery.media_link_days))
        merged_into = None
        if case.merged_into is not None:
            target = await tx.case(case.merged_into)
            merged_into = case_number(target.id, target.created_at) if target else None
        feedback = await tx.feedback_counts(case.id) if case.status == CaseStatus.CLOSED else None
        ids = []
        family = self._family(case)
        for platform in platforms:
            class_code, unmapped = self._class_code(case.class_id, platform.edition)
            body = build_payload(event, case, media, class_code, unmapped, self._location(case, platform), merged_into, feedback,
                                 family, self._also(case, platform.edition))
            ids.append(tx.add_delivery(platform.id, case.id, event, body).id)
        return ids

    def _class_code(self, class_id: str | None, edition: str) -> tuple[ClassCode | None, bool]:
        """The class in the platform's edition; a class without a counterpart there goes in the first edition that
        has it, flagged, so the platform gets both our id and a standard code, and the case is never dropped."""
        if class_id is None:
            return None, False
        code = self.tables.render(class_id, edition)
        if code is not None:
            return code, False
        others = (self.tables.render(class_id, e) for e in EDITIONS if e != edition)
        return next((c for c in others if c is not None), None), True

    @staticmethod
    def _family(case: CaseRow) -> FamilyPayload | None:
        family = load_families().family_of(case.class_id) if case.class_id else None
        return FamilyPayload(id=family.family_id, name=family.name, name_en=family.name_en) if family else None

    def _also(self, case: CaseRow, edition: str) -> list[FurtherProblemPayload]:
        """The further problems of the case's text, each in the platform's edition (flagged where unmapped)."""
        out = []
        for item in case.also_classes or ():
            if item.get("class_id") not in self.tables:
                continue
            code, unmapped = self._class_code(item["class_id"], edition)
            out.append(FurtherProblemPayload(
                class_=ClassPayload(**{k: v for k, v in code.as_dict().items() if k != "inferred"}) if code else None,
                class_id=item["class_id"], class_unmapped=unmapped, class_precision=item.get("precision") or "class",
                confidence=float(item.get("confidence") or 0.0)))
        return out

    @staticmethod
    def _location(case: CaseRow, platform: PlatformSettings) -> LocationPayload | None:
        if case.lat is None or case.lon is None:
            return None
        lat, lon = from_wgs84(case.lat, case.lon, platform.crs)
        return LocationPayload(lat=round(lat, 7), lon=round(lon, 7), crs=platform.crs, precision_m=case.precision_m, address=case.address, grid_code=case.grid_code)

    def enqueue(self, delivery_ids: Iterable[str]) -> None:
        """Queue committed deliveries; if Redis is unreachable the sweeper queues them later."""
        ids = list(delivery_ids)
        if not ids:
            return
        try:
            self.queue.enqueue_many([delivery_job(i) for i in ids])
        except RedisError as exc:
            log.warning("could not queue %d deliveries (%s); the sweeper will queue them", len(ids), exc)
