"""Every text the SMS and WhatsApp channel sends, in Chinese and English (SMS and WhatsApp bodies stay under 1600 characters)."""
from __future__ import annotations

from gateway.i18n import Lang, render

MAX_BODY_CHARS = 1600

TEXTS: dict[str, dict[Lang, str]] = {
    "received": {"zh": "已受理，案件编号 {case}。回复“状态 {case}”查询进度，回复“退订”不再接收通知。", "en": "Received. Your case number is {case}. Reply STATUS {case} for progress, STOP to get no more messages."},
    "joined": {"zh": "已受理。附近已有人反映同一问题，您的反映已加入案件 {case}。回复“状态 {case}”查询进度。", "en": "Received. Someone already reported this problem nearby; your report was added to case {case}. Reply STATUS {case} for progress."},
    "follow_up": {"zh": "已补充到您的案件 {case}。", "en": "Added to your case {case}."},
    "follow_up_location": {"zh": "（补充位置）", "en": "(location added)"},
    "follow_up_media": {"zh": "（补充照片）", "en": "(photo added)"},
    "describe": {"zh": "请用文字描述您发现的问题（什么问题、在哪里），可附照片或位置。回复“帮助”查看说明。", "en": "Please describe the problem in words (what is wrong, and where); you may add photos or a location. Reply HELP for help."},
    "kept_for_report": {"zh": "已收到您的位置或照片。请再发一条文字，描述您发现的问题。", "en": "We have your location or photo. Now please send a message describing the problem."},
    "too_long": {"zh": "消息过长（上限 {limit} 字），请精简后重新发送。", "en": "That message is too long (limit {limit} characters); please shorten it and send it again."},
    "media_unsupported": {"zh": "只能接收图片（JPEG、PNG、WebP）和录音（WAV、MP3），无法处理您发送的 {kind} 文件。", "en": "Only pictures (JPEG, PNG, WebP) and sound recordings (WAV, MP3) can be taken; the {kind} file you sent cannot."},
    "media_unreadable": {"zh": "附件无法使用：{reason} 请换一张照片重新发送。", "en": "The attachment cannot be used: {reason} Please send another photo."},
    "media_unavailable": {"zh": "暂时无法取得您发送的附件，请稍后重新发送。", "en": "We could not fetch your attachment just now; please send it again shortly."},
    "too_many_media": {"zh": "一条消息最多附 {limit} 个附件。", "en": "A message can carry at most {limit} attachments."},
    "help": {"zh": "城市管理问题上报：直接发送文字描述问题（可附照片、位置）。\n状态 案件编号 — 查询进度\n退订 — 不再接收通知；订阅 — 恢复\n帮助 — 本说明", "en": "City problem reports: send a message describing the problem (photos and a location welcome).\nSTATUS <case number> — progress of a case\nSTOP — no more messages; START — messages again\nHELP — this help"},
    "stopped": {"zh": "您已退订，不会再收到我们的通知。回复“订阅”可恢复。", "en": "You are unsubscribed and will get no more messages from us. Reply START to subscribe again."},
    "started": {"zh": "您已恢复接收案件通知。", "en": "You will get case updates again."},
    "status_usage": {"zh": "用法：状态 案件编号（例如：状态 20260101000042）", "en": "Usage: STATUS <case number> (for example STATUS 20260101000042)"},
    "case_not_found": {"zh": "未找到案件 {case}。", "en": "Case {case} not found."},
    "case_status": {"zh": "案件 {case}：{status}（{name}），更新于 {updated}。", "en": "Case {case}: {status} ({name}), updated {updated}."},
    "class_pending": {"zh": "分类待定", "en": "class to be decided"},
    "satisfaction_question": {"zh": "您对案件 {case} 的处理结果满意吗？请回复 1 满意、2 基本满意、3 不满意。", "en": "Are you satisfied with how case {case} was handled? Reply 1 satisfied, 2 mostly satisfied, 3 not satisfied."},
    "feedback_thanks": {"zh": "感谢您对案件 {case} 的评价（{answer}）。", "en": "Thank you for your answer on case {case} ({answer})."},
    "feedback_nothing": {"zh": "您没有已结案、待评价的案件。描述新问题请直接发送文字。", "en": "You have no closed case waiting for your answer. To report a new problem, send a description."},
    "unknown_sender": {"zh": "无法识别您的号码，暂时不能受理。请拨打 12319 热线。", "en": "We cannot recognise your number, so we cannot take the report. Please call the 12319 hotline."},
    "unknown_line": {"zh": "此号码不受理城市管理问题上报。", "en": "This number does not take city problem reports."},
}


def text(lang: str, key: str, **params: object) -> str:
    """The text `key` in `lang` (Chinese unless 'en'), filled in."""
    return render(TEXTS, key, lang, **params)


def fit(body: str) -> str:
    """A message body Twilio accepts: at most 1600 characters."""
    return body if len(body) <= MAX_BODY_CHARS else body[: MAX_BODY_CHARS - 1] + "…"
