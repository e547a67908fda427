"""What agents do to cases after intake: decide the class, merge duplicates (into the case a chain of merges ends in),
keep a possible duplicate as its own case, undo a merge, void junk (作废). Every change audited; refusals name cases by
their numbers."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from classifier.families import load_families
from classifier.tables import CodeTables
from gateway.casework.deadlines import Deadlines
from gateway.domain import NOT_YET_FORWARDED, OPEN_STATUSES, CaseStatus, Satisfaction, platform_transition_allowed, status_name
from gateway.casework.notify import enqueue_notifications, queue_status_notifications
from gateway.delivery.outbox import Outbox
from gateway.delivery.payload import case_number
from gateway.store.casesearch import follow_merges
from gateway.store.models import AuditRow, CaseRow, CorrectionRow, FeedbackRow, ReportRow
from gateway.store.store import Store, Tx, utcnow

VOID_REASON_CHARS = 500
STATUS_PARAMS = ("status", "from_status", "to_status")


class CaseworkError(ValueError):
    """A refused action; `code` keys the message catalogue. `case` is a case number; statuses are their values
    (`localized` puts them in a reader's words)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params

    def localized(self, lang: str) -> dict[str, object]:
        """The parameters with every status in the reader's language (已合并, Merged …)."""
        return {k: (status_name(str(v), lang) if k in STATUS_PARAMS else v) for k, v in self.params.items()}


def number(case: CaseRow) -> str:
    return case_number(case.id, case.created_at)


@dataclass
class Casework:
    store: Store
    outbox: Outbox
    tables: CodeTables
    deadlines: Deadlines

    async def platform_status(
        self, case_id: int, new: CaseStatus, note: str | None, platform_id: str, *, receipt: str | None = None, platform_case_id: str | None = None
    ) -> bool:
        """A platform's progress on a case (callback or pull): the transition, the deadline at 派遣, a message owed to
        each consenting reporter. `receipt` (`signing.message_receipt` of a callback) is refused if seen before. True if the status changed."""
        async with self.store.transaction() as tx:
            if receipt is not None and not await tx.remember_callback(platform_id, receipt):
                raise CaseworkError("replayed")
            case = await tx.case(case_id, for_update=True)
            if case is None:
                raise CaseworkError("case_not_found", case=case_id)
            current = CaseStatus(case.status)
            changed = current is not new
            if changed and not platform_transition_allowed(current, new):
                raise CaseworkError("invalid_transition", case=number(case), from_status=current.value, to_status=new.value)
            notifications: list[str] = []
            if changed:
                case.status = new
                if new is CaseStatus.DISPATCHED:
                    case.due_at = self.deadlines.due(case.class_id, utcnow())
                notifications = await queue_status_notifications(tx, case, new.value, note)
            if note:
                case.last_note = note
            case.updated_at = utcnow()
            await tx.audit(
                "case", case.id, "status_changed" if changed else "platform_note", f"platform:{platform_id}",
                status=new.value, previous=current.value, note=note, platform_case_id=platform_case_id,
            )
        enqueue_notifications(self.outbox.queue, notifications)
        return changed

    async def set_class(self, case_id: int, class_id: str, actor: str) -> CaseRow | None:
        """A person's class decision: forwards a case that waited for review, or sends the correction on."""
        if class_id not in self.tables:
            raise CaseworkError("unknown_class", class_id=class_id)
        async with self.store.transaction() as tx:
            case = await tx.case(case_id, for_update=True)
            if case is None:
                return None
            if case.status == CaseStatus.MERGED:
                raise CaseworkError("case_merged", case=number(case))
            if case.status == CaseStatus.VOIDED:
                raise CaseworkError("case_voided", case=number(case))
            previous = case.class_id
            if previous != class_id:
                tx.session.add(CorrectionRow(case_id=case.id, text=case.text, predicted_class_id=previous, class_id=class_id, actor=actor, created_at=utcnow()))
            case.class_id, case.class_confidence, case.class_source, case.review_reason = class_id, 1.0, "agent", None
            family = load_families().family_of(class_id)
            case.class_precision, case.class_family = "class", family.family_id if family else None
            case.updated_at = utcnow()
            await tx.audit("case", case.id, "classified", actor, previous=previous, class_id=class_id)
            if case.status == CaseStatus.NEEDS_REVIEW:
                case.status = CaseStatus.CLASSIFIED
                deliveries = await self.outbox.forward(tx, case, actor)
            else:
                case.version += 1
                deliveries = await self.outbox.update(tx, case, actor)
        self.outbox.enqueue(deliveries)
        return case

    async def merge(self, source_id: int, target_id: int, actor: str) -> CaseRow:
        """Fold every report of `source` into `target`, or into the case `target` was itself merged into (the end of
        the chain); platforms that had either case are told."""
        async with self.store.transaction() as tx:
            named = await tx.case(target_id)
            if named is None:
                raise CaseworkError("case_not_found", case=target_id)
            target_id = (await follow_merges(tx, named)).id
            if source_id == target_id:
                raise CaseworkError("cannot_merge_self")
            source, target = await self._pair(tx, source_id, target_id)
            for case in (source, target):
                if case.status not in OPEN_STATUSES:
                    raise CaseworkError("case_not_open", case=number(case), status=case.status)
            previous = CaseStatus(source.status)
            reports = await tx.reports_of_case(source.id)
            for report in reports:
                report.original_case_id = report.original_case_id or source.id
                report.case_id = target.id
            target.reports_count += len(reports)
            source.reports_count = 0
            source.status, source.merged_into = CaseStatus.MERGED, target.id
            for case in (source, target):
                case.version += 1
                case.updated_at = utcnow()
            source.possible_duplicate_of = None
            await tx.audit("case", source.id, "merged", actor, into=target.id, previous_status=previous.value, reports=[r.id for r in reports])
            await tx.audit("case", target.id, "absorbed", actor, source=source.id, reports=[r.id for r in reports], reports_count=target.reports_count)
            deliveries = await self.outbox.update(tx, target, actor)
            if previous not in NOT_YET_FORWARDED:
                deliveries += await self.outbox.announce(tx, source, actor)
        self.outbox.enqueue(deliveries)
        return target

    async def unmerge(self, case_id: int, actor: str) -> CaseRow:
        """Undo a merge: the reports that came from this case go back to it, and it takes up its old status."""
        async with self.store.transaction() as tx:
            source = await tx.case(case_id, for_update=True)
            if source is None:
                raise CaseworkError("case_not_found", case=case_id)
            if source.status != CaseStatus.MERGED or source.merged_into is None:
                raise CaseworkError("case_not_merged", case=number(source))
            target = await tx.case(source.merged_into, for_update=True)
            assert target is not None
            merged = await tx.session.scalar(
                select(AuditRow).where(AuditRow.entity == "case", AuditRow.entity_id == str(source.id), AuditRow.action == "merged").order_by(AuditRow.id.desc()).limit(1)
            )
            previous = CaseStatus((merged.detail or {}).get("previous_status", CaseStatus.NEEDS_REVIEW)) if merged else CaseStatus.NEEDS_REVIEW
            moved = list(await tx.session.scalars(select(ReportRow).where(ReportRow.case_id == target.id, ReportRow.original_case_id == source.id)))
            for report in moved:
                report.case_id, report.original_case_id = source.id, None
            target.reports_count -= len(moved)
            source.reports_count, source.status, source.merged_into = len(moved), previous, None
            for case in (source, target):
                case.version += 1
                case.updated_at = utcnow()
            await tx.audit("case", source.id, "unmerged", actor, from_case=target.id, reports=[r.id for r in moved], status=previous.value)
            await tx.audit("case", target.id, "released", actor, to_case=source.id, reports=[r.id for r in moved], reports_count=target.reports_count)
            deliveries = await self.outbox.update(tx, target, actor) + await self.outbox.update(tx, source, actor)
        self.outbox.enqueue(deliveries)
        return source

    async def keep_apart(self, case_id: int, actor: str) -> CaseRow:
        """A possible duplicate that is not one: its own case, forwarded now if its class is known (else it stays for a
        class decision)."""
        async with self.store.transaction() as tx:
            case = await tx.case(case_id, for_update=True)
            if case is None:
                raise CaseworkError("case_not_found", case=case_id)
            if case.status != CaseStatus.NEEDS_REVIEW or case.review_reason != "possible_duplicate":
                raise CaseworkError("case_not_possible_duplicate", case=number(case))
            suspected, case.possible_duplicate_of = case.possible_duplicate_of, None
            case.updated_at = utcnow()
            await tx.audit("case", case.id, "kept_apart", actor, possible_duplicate_of=suspected)
            deliveries: list[str] = []
            if case.class_id is not None:
                case.status, case.review_reason = CaseStatus.CLASSIFIED, None
                deliveries = await self.outbox.forward(tx, case, actor)
            else:
                case.review_reason = "low_confidence"
        self.outbox.enqueue(deliveries)
        return case

    async def void(self, case_id: int, reason: str, actor: str) -> CaseRow:
        """作废 a case that is no report at all (a test call, "x", abuse), with the agent's reason; platforms that have it
        get the new status through the outbox."""
        reason = reason.strip()
        if not reason:
            raise CaseworkError("void_reason_required")
        if len(reason) > VOID_REASON_CHARS:
            raise CaseworkError("void_reason_too_long", limit=VOID_REASON_CHARS)
        async with self.store.transaction() as tx:
            case = await tx.case(case_id, for_update=True)
            if case is None:
                raise CaseworkError("case_not_found", case=case_id)
            previous = CaseStatus(case.status)
            if previous not in OPEN_STATUSES:
                raise CaseworkError("case_not_voidable", case=number(case), status=previous.value)
            case.status, case.review_reason, case.possible_duplicate_of = CaseStatus.VOIDED, None, None
            case.version += 1
            case.updated_at = utcnow()
            await tx.audit("case", case.id, "voided", actor, reason=reason, previous_status=previous.value)
            deliveries = [] if previous in NOT_YET_FORWARDED else await self.outbox.announce(tx, case, actor)
        self.outbox.enqueue(deliveries)
        return case

    async def record_feedback(self, case_id: int, answer: Satisfaction, channel: str, actor: str, comment: str | None = None) -> CaseRow:
        """A reporter's satisfaction answer on a closed case: stored, audited and passed on to platforms."""
        async with self.store.transaction() as tx:
            case = await tx.case(case_id, for_update=True)
            if case is None:
                raise CaseworkError("case_not_found", case=case_id)
            if case.status != CaseStatus.CLOSED:
                raise CaseworkError("feedback_not_closed", case=number(case))
            tx.session.add(FeedbackRow(case_id=case.id, answer=answer.value, channel=channel, comment=comment, created_at=utcnow()))
            case.version += 1
            case.updated_at = utcnow()
            await tx.audit("case", case.id, "feedback", actor, answer=answer.value, channel=channel)
            event = "case.reopen_requested" if answer is Satisfaction.DISSATISFIED else "case.updated"
            deliveries = await self.outbox.announce(tx, case, actor, event)
        self.outbox.enqueue(deliveries)
        return case

    @staticmethod
    async def _pair(tx: Tx, a_id: int, b_id: int) -> tuple[CaseRow, CaseRow]:
        """Both cases locked in id order (no deadlock between two merges in opposite directions)."""
        rows = {}
        for case_id in sorted((a_id, b_id)):
            case = await tx.case(case_id, for_update=True)
            if case is None:
                raise CaseworkError("case_not_found", case=case_id)
            rows[case_id] = case
        return rows[a_id], rows[b_id]
