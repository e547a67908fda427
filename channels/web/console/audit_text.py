"""Audit entries as people read them: the action's name and its detail as a sentence in the reader's language, cases
by their numbers, statuses, classes and channels by their names."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels.web.console.case_texts import channel_label
from classifier.tables import CodeTables
from gateway.domain import CaseStatus, Satisfaction, satisfaction_name, status_name
from gateway.i18n import Lang
from gateway.store.models import AuditRow

ACTIONS: dict[str, dict[Lang, str]] = {
    "created": {"zh": "创建", "en": "Created"},
    "received": {"zh": "收到上报", "en": "Report received"},
    "report_joined": {"zh": "新的上报并入", "en": "Report joined"},
    "classified": {"zh": "分类", "en": "Classified"},
    "forwarded": {"zh": "转送平台", "en": "Sent to platforms"},
    "update_queued": {"zh": "通知平台更新", "en": "Update for platforms"},
    "status_changed": {"zh": "平台更新状态", "en": "Status changed by platform"},
    "platform_note": {"zh": "平台意见", "en": "Platform note"},
    "merged": {"zh": "合并到其他案件", "en": "Merged"},
    "absorbed": {"zh": "并入其他案件的报告", "en": "Took in a merged case"},
    "unmerged": {"zh": "撤销合并", "en": "Merge undone"},
    "released": {"zh": "交还撤销合并的报告", "en": "Gave back reports of an undone merge"},
    "kept_apart": {"zh": "判定不是重复", "en": "Kept as its own case"},
    "voided": {"zh": "作废", "en": "Voided"},
    "feedback": {"zh": "回访答复", "en": "Satisfaction answer"},
    "task_requested": {"zh": "平台下发核实任务", "en": "Field task requested"},
    "task_withdrawn": {"zh": "平台撤回任务", "en": "Field task withdrawn"},
    "task_taken": {"zh": "监督员接受任务", "en": "Field task taken"},
    "task_answered": {"zh": "监督员回复任务", "en": "Field task answered"},
    "task_passed_on": {"zh": "任务转给他人", "en": "Field task passed on"},
    "task_answer_not_sent": {"zh": "任务回复未能送达", "en": "Field task answer not sent"},
    "dead_letter": {"zh": "投递失败", "en": "Delivery failed for good"},
    "replayed": {"zh": "重新投递", "en": "Delivery replayed"},
    "revoked": {"zh": "吊销", "en": "Revoked"},
    "activated": {"zh": "启用", "en": "Activated"},
    "changed": {"zh": "修改", "en": "Changed"},
    "added": {"zh": "新增", "en": "Added"},
    "updated": {"zh": "修改", "en": "Updated"},
    "locked": {"zh": "登录暂停", "en": "Sign-in paused"},
    "exported": {"zh": "导出", "en": "Exported"},
    "paused": {"zh": "暂停投递", "en": "Deliveries paused"},
    "resumed": {"zh": "恢复投递", "en": "Deliveries resumed"},
    "test_delivery": {"zh": "测试投递", "en": "Test delivery"},
    "opted_out": {"zh": "退订", "en": "Opted out"},
    "recorded": {"zh": "留言", "en": "Message recorded"},
    "handled": {"zh": "已处理", "en": "Handled"},
    "retrain_requested": {"zh": "请求重新训练", "en": "Retraining requested"},
    "enrolled": {"zh": "设备登记", "en": "Device enrolled"},
    "grids_set": {"zh": "设置负责网格", "en": "Grids set"},
    "on_duty": {"zh": "上岗", "en": "On duty"},
    "off_duty": {"zh": "离岗", "en": "Off duty"},
}

ENTITIES: dict[str, dict[Lang, str]] = {
    "case": {"zh": "案件", "en": "Case"},
    "report": {"zh": "上报", "en": "Report"},
    "delivery": {"zh": "投递", "en": "Delivery"},
    "platform": {"zh": "平台", "en": "Platform"},
    "user": {"zh": "账号", "en": "Account"},
    "api_key": {"zh": "接口密钥", "en": "API key"},
    "rules": {"zh": "分类规则", "en": "Rules"},
    "setting": {"zh": "设置", "en": "Setting"},
    "voicemail": {"zh": "语音留言", "en": "Voicemail"},
    "opt_out": {"zh": "退订", "en": "Opt-out"},
    "cases": {"zh": "案件导出", "en": "Case export"},
    "classifier": {"zh": "分类模型", "en": "Classifier"},
    "field_device": {"zh": "监督员设备", "en": "Field device"},
}

SENTENCES: dict[str, dict[Lang, str]] = {
    "created": {"zh": "以“{status}”状态创建", "en": "Created as “{status}”"},
    "created_class": {"zh": "以“{status}”状态创建，分类“{class_id}”", "en": "Created as “{status}”, class “{class_id}”"},
    "received": {"zh": "经{channel}收到，归入案件 {case_id}", "en": "Received by {channel}, filed in case {case_id}"},
    "report_joined": {"zh": "新的上报并入，现共 {reports_count} 次", "en": "A further report joined; {reports_count} reports now"},
    "classified": {"zh": "分类改为“{class_id}”", "en": "Class set to “{class_id}”"},
    "classified_from": {"zh": "分类由“{previous}”改为“{class_id}”", "en": "Class changed from “{previous}” to “{class_id}”"},
    "forwarded": {"zh": "转送到平台 {platforms}", "en": "Sent to {platforms}"},
    "update_queued": {"zh": "向平台发送第 {version} 版", "en": "Version {version} queued for platforms"},
    "status_changed": {"zh": "状态由“{previous}”变为“{status}”", "en": "Status moved from “{previous}” to “{status}”"},
    "platform_note": {"zh": "平台意见：{note}", "en": "Platform's note: {note}"},
    "merged": {"zh": "合并到案件 {into}（原为“{previous_status}”）", "en": "Merged into case {into} (was “{previous_status}”)"},
    "absorbed": {"zh": "案件 {source} 并入，现共 {reports_count} 次上报", "en": "Case {source} merged in; {reports_count} reports now"},
    "unmerged": {"zh": "从案件 {from_case} 分出，恢复为“{status}”", "en": "Taken back out of case {from_case}, “{status}” again"},
    "released": {"zh": "案件 {to_case} 分出，现共 {reports_count} 次上报", "en": "Case {to_case} taken back out; {reports_count} reports now"},
    "kept_apart": {"zh": "不是案件 {possible_duplicate_of} 的重复，单独立案", "en": "Not a repeat of case {possible_duplicate_of}: a case of its own"},
    "voided": {"zh": "作废（原为“{previous_status}”），原因：{reason}", "en": "Voided (was “{previous_status}”); reason: {reason}"},
    "feedback": {"zh": "回访答复“{answer}”（{channel}）", "en": "Answered “{answer}” ({channel})"},
}
CASE_KEYS = ("into", "source", "from_case", "to_case", "possible_duplicate_of", "case_id")
STATUS_KEYS = ("status", "previous", "previous_status")
CLASS_KEYS = ("class_id",)


def entity_name(entity: str, lang: str) -> str:
    """A kind of audited thing in the reader's words (its code when none is known)."""
    entry = ENTITIES.get(entity)
    return entry["en" if lang == "en" else "zh"] if entry else entity


def action_name(action: str, lang: str) -> str:
    """The action in the reader's words (its code when none is known)."""
    entry = ACTIONS.get(action)
    return entry["en" if lang == "en" else "zh"] if entry else action


def _value(key: str, value: Any, action: str, lang: str, numbers: Mapping[int, str], tables: CodeTables) -> str:
    if key in CASE_KEYS and isinstance(value, int):
        return numbers.get(value, "—")
    if key in STATUS_KEYS and isinstance(value, str) and value in CaseStatus.__members__.values():
        return status_name(value, lang)
    if (key in CLASS_KEYS or key == "previous" and action == "classified") and isinstance(value, str):
        return tables.label(value, lang) or value
    if key == "channel" and isinstance(value, str):
        return channel_label(value, lang)
    if key == "answer" and isinstance(value, str) and value in Satisfaction.__members__.values():
        return satisfaction_name(value, lang)
    if isinstance(value, list):
        return "、".join(str(v) for v in value) if lang != "en" else ", ".join(str(v) for v in value)
    if value is None or value == "":
        return "—"
    return str(value)


def detail_sentence(row: AuditRow, lang: str, numbers: Mapping[int, str], tables: CodeTables) -> str:
    """The detail of one entry as a sentence; details without a sentence of their own read as "key: value" pairs."""
    detail = row.detail or {}
    values = {key: _value(key, value, row.action, lang, numbers, tables) for key, value in detail.items()}
    code = row.action
    if row.action == "created" and detail.get("class_id"):
        code = "created_class"
    elif row.action == "classified" and detail.get("previous"):
        code = "classified_from"
    template = SENTENCES.get(code) if row.entity in ("case", "report") else None
    if template is not None:
        try:
            return template["en" if lang == "en" else "zh"].format(**values)
        except KeyError:  # an entry written before a key was added: fall back to the pairs
            pass
    separator = "; " if lang == "en" else "；"
    return separator.join(f"{key}: {value}" for key, value in values.items())


def case_ids_in(rows: list[AuditRow]) -> set[int]:
    """The cases an audit page names: the case entries themselves and the cases their details point at."""
    ids = {int(r.entity_id) for r in rows if r.entity == "case" and r.entity_id.isdigit()}
    ids |= {v for r in rows for k, v in (r.detail or {}).items() if k in CASE_KEYS and isinstance(v, int)}
    return ids
