"""Every text of the web pages, in Chinese and English, in one place."""
from __future__ import annotations

from gateway.domain import STATUS_NAMES_ZH, CaseStatus, Satisfaction, SATISFACTION_NAMES_ZH
from gateway.i18n import Lang

TEXTS: dict[str, dict[Lang, str]] = {
    "site_name": {"zh": "城市管理问题上报", "en": "Report a city problem"},
    "switch_language": {"zh": "English", "en": "中文"},
    "form_title": {"zh": "上报问题", "en": "Report a problem"},
    "form_intro": {"zh": "看到垃圾堆积、井盖缺失、占道经营、施工噪声等问题？告诉我们，我们会转交城市管理部门处理。",
                   "en": "Rubbish piling up, a missing manhole cover, street vending, construction noise? Tell us and we pass it to the city's management."},
    "text_label": {"zh": "问题描述", "en": "What is the problem?"},
    "text_help": {"zh": "写清楚是什么问题、在哪里。", "en": "Say what is wrong and where."},
    "class_hint": {"zh": "可能的类别：", "en": "Likely category:"},
    "class_label": {"zh": "问题类别（可选）", "en": "Category (optional)"},
    "class_auto": {"zh": "自动判断", "en": "Decide automatically"},
    "place_legend": {"zh": "地点", "en": "Where"},
    "address_label": {"zh": "地址或附近地标", "en": "Address or nearby landmark"},
    "address_help": {"zh": "例如：人民路和解放路路口", "en": "For example: 人民路和解放路路口 (a junction, a road and number, an estate)"},
    "use_location": {"zh": "使用我的位置", "en": "Use my location"},
    "locating": {"zh": "正在获取位置…", "en": "Finding your location…"},
    "location_set": {"zh": "已使用您的位置（{lat}, {lon}）。", "en": "Your location is used ({lat}, {lon})."},
    "location_failed": {"zh": "无法获取位置，请填写地址。", "en": "Your location is not available; please type an address."},
    "photo_gps_set": {"zh": "照片中的位置将用于定位。", "en": "The place recorded in the photo will be used."},
    "photos_label": {"zh": "照片（可选，最多 {count} 张）", "en": "Photos (optional, up to {count})"},
    "photos_help": {"zh": "JPEG、PNG 或 WebP；照片中的位置信息会用于定位，随后删除。", "en": "JPEG, PNG or WebP; any location stored in a photo is used to place the report, then removed."},
    "contact_legend": {"zh": "联系方式（可选，可匿名上报）", "en": "Contact (optional; you may stay anonymous)"},
    "name_label": {"zh": "称呼", "en": "Name"},
    "phone_label": {"zh": "手机号码", "en": "Phone number"},
    "email_label": {"zh": "电子邮箱", "en": "E-mail"},
    "consent_label": {"zh": "我同意接收处理进展通知", "en": "I agree to receive updates on this report"},
    "honeypot_label": {"zh": "请勿填写此项", "en": "Leave this field empty"},
    "submit": {"zh": "提交", "en": "Send report"},
    "errors_title": {"zh": "请修改以下内容后再提交：", "en": "Please fix the following and send again:"},
    "duplicate_hint": {"zh": "附近已有相同问题被上报 {count} 次，正在处理（{status}）：{text}",
                       "en": "The same problem nearby was already reported (reports so far: {count}) and is being handled ({status}): {text}"},
    "duplicate_join": {"zh": "把我的上报加入该案件", "en": "Add my report to that case"},
    "confirm_title": {"zh": "已收到您的上报", "en": "Your report has been received"},
    "confirm_number": {"zh": "案件编号", "en": "Case number"},
    "confirm_keep": {"zh": "请记下案件编号，可随时查询处理进展。", "en": "Keep this number to follow the progress."},
    "confirm_joined": {"zh": "您的上报已加入已有案件，该问题共被上报 {count} 次。", "en": "Your report was added to an existing case, now reported {count} times."},
    "view_status": {"zh": "查看处理进展", "en": "See the progress"},
    "new_report": {"zh": "再报一个问题", "en": "Report another problem"},
    "lookup_title": {"zh": "查询案件进展", "en": "Follow a report"},
    "lookup_label": {"zh": "案件编号", "en": "Case number"},
    "lookup_submit": {"zh": "查询", "en": "Look up"},
    "status_title": {"zh": "案件 {number}", "en": "Case {number}"},
    "status_current": {"zh": "当前状态", "en": "Current status"},
    "status_category": {"zh": "类别", "en": "Category"},
    "status_place": {"zh": "地点", "en": "Place"},
    "status_reports": {"zh": "上报次数", "en": "Times reported"},
    "status_merged": {"zh": "该案件已合并到案件 {number}。", "en": "This case was merged into case {number}."},
    "timeline_title": {"zh": "处理经过", "en": "Timeline"},
    "feedback_title": {"zh": "您对处理结果满意吗？", "en": "Are you satisfied with the outcome?"},
    "feedback_thanks": {"zh": "感谢您的评价。", "en": "Thank you for your answer."},
    "case_not_found": {"zh": "未找到案件 {number}，请检查编号。", "en": "Case {number} was not found; please check the number."},
    "unknown": {"zh": "待确定", "en": "to be decided"},
    "event_created": {"zh": "收到上报", "en": "Report received"},
    "event_report_joined": {"zh": "又有市民上报（共 {reports_count} 次）", "en": "Reported again (now {reports_count} times)"},
    "event_absorbed": {"zh": "合并了重复上报（共 {reports_count} 次）", "en": "Duplicate reports merged in (now {reports_count} times)"},
    "event_merged": {"zh": "合并到其他案件", "en": "Merged into another case"},
    "event_classified": {"zh": "已确定类别", "en": "Category decided"},
    "event_forwarded": {"zh": "已转送城市管理平台", "en": "Passed to the city's platform"},
    "event_status_changed": {"zh": "{status}", "en": "{status}"},
    "event_platform_note": {"zh": "平台备注", "en": "Note from the platform"},
    "event_feedback": {"zh": "市民评价：{answer}", "en": "Citizen's answer: {answer}"},
    "error_text_required": {"zh": "请描述问题。", "en": "Please describe the problem."},
    "error_text_too_long": {"zh": "描述过长（上限 {limit} 字）。", "en": "The description is too long (limit {limit} characters)."},
    "error_address_too_long": {"zh": "地址过长（上限 300 字）。", "en": "The address is too long (limit 300 characters)."},
    "error_location": {"zh": "位置无效，请重新获取或填写地址。", "en": "The location is not valid; try again or type an address."},
    "error_location_outside": {"zh": "该位置不在本市范围内。", "en": "That place is outside the city."},
    "error_phone": {"zh": "手机号码格式不正确。", "en": "The phone number is not valid."},
    "error_email": {"zh": "电子邮箱格式不正确。", "en": "The e-mail address is not valid."},
    "error_name": {"zh": "称呼过长（上限 100 字）。", "en": "The name is too long (limit 100 characters)."},
    "error_consent_needs_contact": {"zh": "要接收通知，请填写手机号码或电子邮箱。", "en": "To receive updates, give a phone number or an e-mail address."},
    "error_class": {"zh": "请从列表中选择类别。", "en": "Please choose a category from the list."},
    "error_too_many_photos": {"zh": "最多上传 {count} 张照片。", "en": "Up to {count} photos can be sent."},
    "error_photo": {"zh": "照片 {name}：{detail}", "en": "Photo {name}: {detail}"},
    "error_photo_too_large": {"zh": "照片 {name} 超过 {limit} MB。", "en": "Photo {name} is larger than {limit} MB."},
    "error_csrf": {"zh": "页面已过期，请重新提交。", "en": "The page has expired; please send it again."},
    "error_rate_ip": {"zh": "提交过于频繁，请稍后再试。", "en": "Too many reports from your connection; please try again later."},
    "error_rate_contact": {"zh": "该联系方式提交过于频繁，请稍后再试。", "en": "Too many reports with this contact; please try again later."},
    "error_form_too_large": {"zh": "提交内容过大。", "en": "The form is too large."},
    "error_not_closed": {"zh": "案件尚未结案，结案后才能评价。", "en": "The case is not closed yet; feedback opens once it is closed."},
    "error_feedback": {"zh": "请选择一个评价。", "en": "Please choose an answer."},
    "status_answer_recorded": {"zh": "已收到您的评价：{answer}", "en": "Your answer was recorded: {answer}"},
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

SATISFACTION_NAMES_EN: dict[Satisfaction, str] = {
    Satisfaction.SATISFIED: "Satisfied",
    Satisfaction.BASICALLY_SATISFIED: "Mostly satisfied",
    Satisfaction.DISSATISFIED: "Not satisfied",
}


def text(key: str, lang: Lang, **params: object) -> str:
    """The text of `key` in `lang`, its parameters filled in."""
    return TEXTS[key][lang].format(**params)


def status_name(status: str, lang: Lang) -> str:
    """A case status as a citizen reads it: 受理, 立案 … in Chinese, plain words in English."""
    names = STATUS_NAMES_EN if lang == "en" else STATUS_NAMES_ZH
    return names[CaseStatus(status)]


def satisfaction_name(answer: str, lang: Lang) -> str:
    names = SATISFACTION_NAMES_EN if lang == "en" else SATISFACTION_NAMES_ZH
    return names[Satisfaction(answer)]
