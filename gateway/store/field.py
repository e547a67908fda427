"""Field accounts' phones, grids, duty and reports (supervisors and community liaisons); tasks live in `gateway.casework.fieldwork`."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from gateway.store.clock import as_utc, utcnow
from gateway.store.models import FieldDeviceRow, FieldDutyRow, FieldGridRow, FieldReportRow, FieldTaskRow, FieldTrackRow, UserRow

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from gateway.store.store import Tx

FIELD_ROLES = ("supervisor", "liaison")


@dataclass
class FieldCounts:
    """What one account (or one grid) did in a period."""

    reports: int = 0
    tasks: int = 0
    answer_minutes: float = 0.0
    track_points: int = 0

    @property
    def mean_answer_minutes(self) -> float | None:
        return self.answer_minutes / self.tasks if self.tasks else None


@dataclass
class FieldStats:
    people: dict[str, FieldCounts]
    grids: dict[str, FieldCounts]

    @staticmethod
    def line(lines: dict[str, FieldCounts], key: str) -> FieldCounts:
        return lines.setdefault(key, FieldCounts())


def new_token() -> str:
    """A phone's token (stored as its digest)."""
    return "fd_" + secrets.token_urlsafe(32)


def new_enrol_code() -> str:
    """A one-time enrolment code shown as a QR code on the console."""
    return secrets.token_urlsafe(18)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class FieldStore:
    """Mixed into `Store`."""

    if TYPE_CHECKING:
        def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    async def field_users(self) -> list[UserRow]:
        async with self.transaction() as tx:
            return list(await tx.session.scalars(select(UserRow).where(UserRow.role.in_(FIELD_ROLES)).order_by(UserRow.username)))

    async def grids_of(self, username: str) -> list[str]:
        """The grid codes a field account answers for, in roster order."""
        async with self.transaction() as tx:
            return await grids_of(tx, username)

    async def set_grids(self, username: str, grid_codes: Sequence[str], actor: str) -> None:
        """Bind the account to exactly these grids (in this order); audited."""
        async with self.transaction() as tx:
            await tx.session.execute(delete(FieldGridRow).where(FieldGridRow.username == username))
            for position, code in enumerate(dict.fromkeys(grid_codes)):
                tx.session.add(FieldGridRow(username=username, grid_code=code, position=position, created_at=utcnow()))
            await tx.audit("user", username, "grids_set", actor, grids=list(dict.fromkeys(grid_codes)))

    async def add_device(self, username: str, name: str, enrol_code: str, expires_at: datetime, actor: str) -> FieldDeviceRow:
        """A phone to enrol: known by its enrolment code until it is used or expires."""
        async with self.transaction() as tx:
            row = FieldDeviceRow(username=username, name=name, enrol_hash=digest(enrol_code), enrol_expires_at=expires_at,
                                 created_at=utcnow(), created_by=actor)
            await tx.add(row)
            await tx.audit("field_device", row.id, "created", actor, username=username, name=name)
            return row

    async def enrol_device(self, enrol_code: str, token: str) -> FieldDeviceRow | None:
        """Trade a valid, unused enrolment code for the device token; None when the code is unknown, used or expired."""
        async with self.transaction() as tx:
            row = await tx.session.scalar(select(FieldDeviceRow).where(FieldDeviceRow.enrol_hash == digest(enrol_code)).with_for_update())
            if row is None or row.revoked_at is not None or row.enrol_expires_at is None or as_utc(row.enrol_expires_at) < utcnow():
                return None
            row.enrol_hash, row.enrol_expires_at, row.token_hash, row.enrolled_at = None, None, digest(token), utcnow()
            await tx.audit("field_device", row.id, "enrolled", row.username)
            return row

    async def device_by_token(self, token: str) -> tuple[FieldDeviceRow, UserRow] | None:
        """The enrolled, unrevoked device of a token and its account (whatever the account's state); marks it seen."""
        async with self.transaction() as tx:
            found = (await tx.session.execute(
                select(FieldDeviceRow, UserRow).join(UserRow, UserRow.username == FieldDeviceRow.username)
                .where(FieldDeviceRow.token_hash == digest(token))
            )).first()
            if found is None:
                return None
            device, user = found
            device.last_seen_at = utcnow()
            return device, user

    async def devices(self, username: str | None = None) -> list[FieldDeviceRow]:
        async with self.transaction() as tx:
            stmt = select(FieldDeviceRow).order_by(FieldDeviceRow.id.desc())
            if username is not None:
                stmt = stmt.where(FieldDeviceRow.username == username)
            return list(await tx.session.scalars(stmt))

    async def revoke_device(self, device_id: int, actor: str) -> FieldDeviceRow | None:
        """Revoke a phone at once (its next request is refused); None when there is no such device."""
        async with self.transaction() as tx:
            row = await tx.session.get(FieldDeviceRow, device_id, with_for_update=True)
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at, row.enrol_hash = utcnow(), None
                await tx.audit("field_device", row.id, "revoked", actor, username=row.username)
            return row

    async def set_duty(self, username: str, on_duty: bool, share_track: bool | None = None) -> FieldDutyRow:
        """On or off duty, and (when given) consent to a patrol track; audited."""
        async with self.transaction() as tx:
            row = await tx.session.get(FieldDutyRow, username, with_for_update=True)
            if row is None:
                row = FieldDutyRow(username=username, on_duty=on_duty, share_track=bool(share_track), changed_at=utcnow())
                tx.session.add(row)
            elif row.on_duty != on_duty:
                row.on_duty, row.changed_at = on_duty, utcnow()
            if share_track is not None:
                row.share_track = share_track
            await tx.audit("user", username, "on_duty" if on_duty else "off_duty", username, share_track=row.share_track)
            return row

    async def duty(self, username: str) -> tuple[bool, bool]:
        """(on duty, consents to a patrol track)."""
        async with self.transaction() as tx:
            row = await tx.session.get(FieldDutyRow, username)
            return (row.on_duty, row.share_track) if row else (False, False)

    async def add_track(self, username: str, points: Sequence[tuple[datetime, float, float, float]]) -> int:
        """Store positions (at, lat, lon, accuracy) not stored before (a resent batch adds nothing); how many were new."""
        if not points:
            return 0
        async with self.transaction() as tx:
            moments = [at for at, *_ in points]
            known = {as_utc(at) for at in await tx.session.scalars(select(FieldTrackRow.at).where(
                FieldTrackRow.username == username, FieldTrackRow.at.between(min(moments), max(moments))))}
            fresh = {as_utc(at): (lat, lon, accuracy) for at, lat, lon, accuracy in points if as_utc(at) not in known}
            now = utcnow()
            tx.session.add_all([FieldTrackRow(username=username, at=at, lat=lat, lon=lon, accuracy_m=accuracy, received_at=now)
                                for at, (lat, lon, accuracy) in fresh.items()])
            return len(fresh)

    async def track(self, username: str, since: datetime) -> list[FieldTrackRow]:
        async with self.transaction() as tx:
            return list(await tx.session.scalars(select(FieldTrackRow).where(FieldTrackRow.username == username, FieldTrackRow.at >= since)
                                                 .order_by(FieldTrackRow.at)))

    async def patrol_tracks(self, since: datetime) -> dict[str, list[tuple[float, float]]]:
        """Every account's track since a moment, as WGS-84 (lat, lon) in time order."""
        async with self.transaction() as tx:
            rows = await tx.session.execute(select(FieldTrackRow.username, FieldTrackRow.lat, FieldTrackRow.lon)
                                            .where(FieldTrackRow.at >= since).order_by(FieldTrackRow.username, FieldTrackRow.at))
            tracks: dict[str, list[tuple[float, float]]] = {}
            for username, lat, lon in rows:
                tracks.setdefault(username, []).append((lat, lon))
            return tracks

    async def field_stats(self, since: datetime) -> FieldStats:
        """Per account and per grid since a moment: reports, tasks answered and the mean time to answer, track positions."""
        async with self.transaction() as tx:
            reports = list(await tx.session.execute(select(FieldReportRow.username, FieldReportRow.grid_code, func.count())
                                                    .where(FieldReportRow.received_at >= since)
                                                    .group_by(FieldReportRow.username, FieldReportRow.grid_code)))
            tasks = list(await tx.session.execute(select(FieldTaskRow.answered_by, FieldTaskRow.grid_code, FieldTaskRow.created_at, FieldTaskRow.answered_at)
                                                  .where(FieldTaskRow.status == "answered", FieldTaskRow.answered_at >= since)))
            points = dict(list(await tx.session.execute(select(FieldTrackRow.username, func.count()).where(FieldTrackRow.at >= since)
                                                        .group_by(FieldTrackRow.username))))
        stats = FieldStats({}, {})
        for username, grid, count in reports:
            stats.line(stats.people, username).reports += count
            stats.line(stats.grids, grid or "-").reports += count
        for username, grid, created, answered in tasks:
            minutes = (as_utc(answered) - as_utc(created)).total_seconds() / 60
            for line in (stats.line(stats.people, username or "-"), stats.line(stats.grids, grid or "-")):
                line.tasks += 1
                line.answer_minutes += minutes
        for username, count in points.items():
            stats.line(stats.people, username).track_points = count
        return stats

    async def field_tasks(self, case_id: int | None = None) -> list[FieldTaskRow]:
        """Tasks (all, or of one case), oldest first."""
        async with self.transaction() as tx:
            stmt = select(FieldTaskRow).order_by(FieldTaskRow.created_at)
            if case_id is not None:
                stmt = stmt.where(FieldTaskRow.case_id == case_id)
            return list(await tx.session.scalars(stmt))

    async def field_report(self, report_uuid: str) -> FieldReportRow | None:
        async with self.transaction() as tx:
            return await tx.session.get(FieldReportRow, report_uuid)

    async def remember_field_report(self, row: FieldReportRow) -> FieldReportRow:
        """Record who made a report on which phone; a second call for the same UUID keeps the first."""
        async with self.transaction() as tx:
            existing = await tx.session.get(FieldReportRow, row.id)
            if existing is not None:
                return existing
            try:
                async with tx.session.begin_nested():
                    tx.session.add(row)
            except IntegrityError:  # the same report sent twice at once: the first one stands
                found = await tx.session.get(FieldReportRow, row.id, populate_existing=True)
                assert found is not None
                return found
            return row


async def grids_of(tx: Tx, username: str) -> list[str]:
    rows = await tx.session.scalars(select(FieldGridRow.grid_code).where(FieldGridRow.username == username).order_by(FieldGridRow.position))
    return list(rows)


async def roster(tx: Tx, grid_code: str) -> list[tuple[str, bool]]:
    """The supervisors of a grid (enabled accounts) and whether each is on duty: those on duty first, each group in roster order."""
    rows = await tx.session.execute(
        select(FieldGridRow.username, FieldDutyRow.on_duty)
        .join(UserRow, UserRow.username == FieldGridRow.username)
        .outerjoin(FieldDutyRow, FieldDutyRow.username == FieldGridRow.username)
        .where(FieldGridRow.grid_code == grid_code, UserRow.role == "supervisor", UserRow.disabled.is_(False))
        .order_by(FieldGridRow.position, FieldGridRow.username)
    )
    people = list(rows)
    return [(name, True) for name, duty in people if duty] + [(name, False) for name, duty in people if not duty]
