"""On-site tasks of supervisors: a platform asks for 核实 (before 立案) or 核查 (after 处置) of a case; the task is offered
to the supervisors of the case's grid in turn (those on duty first, the next one when nobody took it in time), answered
from a phone with a result and photos, and the answer goes back to the platform as a signed event through the outbox."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import or_, select

from gateway.casework.deadlines import Deadlines
from gateway.delivery.outbox import Outbox
from gateway.delivery.payload import MediaPayload, case_number
from gateway.settings import FieldSettings
from gateway.store.clock import as_utc, utcnow
from gateway.store.field import roster
from gateway.store.models import CaseRow, FieldTaskRow
from gateway.store.store import Store, Tx

TaskKind = Literal["verify", "check"]
TaskResult = Literal["confirmed", "not_confirmed", "disposed", "not_disposed"]
RESULTS: dict[str, tuple[str, ...]] = {"verify": ("confirmed", "not_confirmed"), "check": ("disposed", "not_disposed")}
KIND_NAMES = {"verify": "核实", "check": "核查"}
RESULT_NAMES = {"confirmed": "属实", "not_confirmed": "不属实", "disposed": "已处置", "not_disposed": "未处置"}
KIND_NAMES_EN = {"verify": "Verify on site", "check": "Check the work"}
RESULT_NAMES_EN = {"confirmed": "True", "not_confirmed": "Not true", "disposed": "Dealt with", "not_disposed": "Not dealt with"}
TASK_EVENT = "field.task_answered"
OPEN_TASK = ("offered", "taken")


class FieldworkError(ValueError):
    """A refused step of a task; `code` keys the message catalogue, `status` is the HTTP answer."""

    def __init__(self, status: int, code: str, **params: object) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


class TaskResultPayload(BaseModel):
    """What a platform receives when a supervisor answered its task (header X-Gateway-Event: field.task_answered)."""

    event: Literal["field.task_answered"] = TASK_EVENT
    task_id: str = Field(description="The platform's own id of the task")
    kind: TaskKind
    kind_name: str = Field(description="核实 or 核查")
    case_number: str
    result: TaskResult
    result_name: str = Field(description="属实 / 不属实 (核实), 已处置 / 未处置 (核查)")
    note: str | None
    photos: list[MediaPayload]
    answered_by: str = Field(description="The supervisor's account")
    answered_at: datetime
    due_at: datetime
    on_time: bool
    grid_code: str | None


@dataclass
class Fieldwork:
    store: Store
    outbox: Outbox
    deadlines: Deadlines
    settings: FieldSettings

    async def request(self, platform_id: str, task_id: str, case_id: int, kind: TaskKind, note: str | None,
                      due_at: datetime | None, receipt: str) -> tuple[FieldTaskRow, bool]:
        """A platform's task on a case, offered to the first supervisor of its grid; a task id sent again answers with the
        first (False: nothing new)."""
        async with self.store.transaction() as tx:
            if not await tx.remember_callback(platform_id, receipt):
                raise FieldworkError(409, "replayed")
            existing = await _by_platform_id(tx, platform_id, task_id)
            if existing is not None:
                return existing, False
            case = await tx.case(case_id)
            if case is None:
                raise FieldworkError(404, "case_not_found", case=case_id)
            now = utcnow()
            hours = self.settings.verify_hours if kind == "verify" else self.settings.check_hours
            people = await roster(tx, case.grid_code) if case.grid_code else []
            row = FieldTaskRow(id=str(uuid.uuid4()), platform_id=platform_id, platform_task_id=task_id, kind=kind, case_id=case.id,
                               grid_code=case.grid_code, note=note, status="offered", offered_to=people[0][0] if people else None,
                               offered_at=now, offers=1 if people else 0, created_at=now,
                               due_at=due_at or self.deadlines.calendar.add(now, hours, urgent=False))
            await tx.add(row)
            await tx.audit("case", case.id, "task_requested", f"platform:{platform_id}", task=row.id, kind=kind, offered_to=row.offered_to)
            return row, True

    async def withdraw(self, platform_id: str, task_id: str, receipt: str) -> FieldTaskRow:
        """The platform no longer needs the task; an answered task stays answered."""
        async with self.store.transaction() as tx:
            if not await tx.remember_callback(platform_id, receipt):
                raise FieldworkError(409, "replayed")
            row = await _by_platform_id(tx, platform_id, task_id)
            if row is None:
                raise FieldworkError(404, "task_not_found", task=task_id)
            if row.status == "answered":
                raise FieldworkError(409, "task_already_answered", task=task_id)
            if row.status != "withdrawn":
                row.status, row.withdrawn_at = "withdrawn", utcnow()
                await tx.audit("case", row.case_id, "task_withdrawn", f"platform:{platform_id}", task=row.id)
            return row

    async def tasks_of(self, username: str, grid_codes: list[str]) -> list[tuple[FieldTaskRow, CaseRow]]:
        """Open tasks offered to or taken by this supervisor, with their cases, after passing on those left untaken."""
        async with self.store.transaction() as tx:
            waiting = await tx.session.scalars(
                select(FieldTaskRow).where(FieldTaskRow.status == "offered", FieldTaskRow.grid_code.in_(grid_codes)).with_for_update())
            for task in waiting:
                await self._pass_on(tx, task)
            rows = await tx.session.execute(
                select(FieldTaskRow, CaseRow).join(CaseRow, CaseRow.id == FieldTaskRow.case_id)
                .where(FieldTaskRow.status.in_(OPEN_TASK),
                       or_(FieldTaskRow.offered_to == username, FieldTaskRow.taken_by == username))
                .order_by(FieldTaskRow.due_at))
            return [(task, case) for task, case in rows]

    async def take(self, task_id: str, username: str) -> FieldTaskRow:
        async with self.store.transaction() as tx:
            task = await self._mine(tx, task_id, username)
            if task.status == "offered":
                task.status, task.taken_by, task.taken_at = "taken", username, utcnow()
                await tx.audit("case", task.case_id, "task_taken", f"field:{username}", task=task.id)
            return task

    async def answer(self, task_id: str, username: str, answer_id: str, result: str, note: str | None,
                     photos: list[dict[str, str]], answered_at: datetime) -> tuple[FieldTaskRow, bool]:
        """Record the answer and queue it for the platform; the same answer sent again changes nothing (False)."""
        async with self.store.transaction() as tx:
            task = await tx.session.scalar(select(FieldTaskRow).where(FieldTaskRow.id == task_id).with_for_update())
            if task is not None and task.status == "answered" and task.answer_id == answer_id:
                return task, False
            task = await self._mine(tx, task_id, username)
            if result not in RESULTS[task.kind]:
                raise FieldworkError(400, "task_result_invalid", result=result, allowed=" / ".join(RESULTS[task.kind]))
            task.status, task.answer_id, task.result, task.answer_note = "answered", answer_id, result, note
            task.answer_photos, task.answered_by, task.answered_at = photos, username, answered_at
            task.taken_by, task.taken_at = task.taken_by or username, task.taken_at or answered_at
            await tx.audit("case", task.case_id, "task_answered", f"field:{username}", task=task.id, result=result)
            deliveries = await self._deliver(tx, task)
        self.outbox.enqueue(deliveries)
        return task, True

    async def _mine(self, tx: Tx, task_id: str, username: str) -> FieldTaskRow:
        """The task, locked, if this supervisor may act on it now; else why not."""
        task = await tx.session.scalar(select(FieldTaskRow).where(FieldTaskRow.id == task_id).with_for_update())
        if task is None:
            raise FieldworkError(404, "task_not_found", task=task_id)
        if task.status == "offered":
            await self._pass_on(tx, task)
        if task.status == "withdrawn":
            raise FieldworkError(409, "task_withdrawn", task=task_id)
        if task.status == "answered":
            raise FieldworkError(409, "task_already_answered", task=task_id)
        holder = task.taken_by if task.status == "taken" else task.offered_to
        if holder != username:
            raise FieldworkError(409 if task.status == "taken" else 403, "task_taken" if task.status == "taken" else "task_not_yours", task=task_id)
        return task

    async def _pass_on(self, tx: Tx, task: FieldTaskRow) -> None:
        """An offer nobody took within `take_minutes` goes to the next supervisor of the grid on duty (round the roster)."""
        people = await roster(tx, task.grid_code) if task.grid_code else []
        if not people:
            return
        window = timedelta(minutes=self.settings.take_minutes)
        now, offered_at = utcnow(), as_utc(task.offered_at) if task.offered_at else utcnow()
        if task.offered_to is None:
            task.offered_to, task.offered_at, task.offers = people[0][0], now, task.offers + 1
            return
        steps = int((now - offered_at) / window)
        if steps == 0:
            return
        on_duty = [name for name, duty in people if duty] or [name for name, _ in people]
        position = on_duty.index(task.offered_to) if task.offered_to in on_duty else -1
        previous = task.offered_to
        task.offered_to = on_duty[(position + steps) % len(on_duty)]
        task.offered_at, task.offers = offered_at + steps * window, task.offers + steps
        if task.offered_to != previous:
            await tx.audit("case", task.case_id, "task_passed_on", "system", task=task.id, previous=previous, offered_to=task.offered_to)

    async def _deliver(self, tx: Tx, task: FieldTaskRow) -> list[str]:
        """The signed event for the platform that asked, frozen in the outbox like every delivery."""
        platform = next((p for p in await self.outbox.platforms(tx) if p.id == task.platform_id and p.enabled and p.kind == "webhook"), None)
        case = await tx.case(task.case_id)
        if platform is None or case is None:
            await tx.audit("case", task.case_id, "task_answer_not_sent", "system", task=task.id, platform=task.platform_id)
            return []
        assert task.answered_at is not None and task.result is not None and task.answered_by is not None
        body = TaskResultPayload(
            task_id=task.platform_task_id, kind=task.kind, kind_name=KIND_NAMES[task.kind],  # type: ignore[arg-type]
            case_number=case_number(case.id, case.created_at), result=task.result, result_name=RESULT_NAMES[task.result],  # type: ignore[arg-type]
            note=task.answer_note, photos=[MediaPayload(url=p["url"], content_type=p["content_type"]) for p in task.answer_photos or []],
            answered_by=task.answered_by, answered_at=task.answered_at, due_at=as_utc(task.due_at),
            on_time=as_utc(task.answered_at) <= as_utc(task.due_at), grid_code=task.grid_code)
        return [tx.add_delivery(platform.id, case.id, TASK_EVENT, body.model_dump_json()).id]


async def _by_platform_id(tx: Tx, platform_id: str, task_id: str) -> FieldTaskRow | None:
    return await tx.session.scalar(select(FieldTaskRow).where(FieldTaskRow.platform_id == platform_id,
                                                              FieldTaskRow.platform_task_id == task_id).with_for_update())

