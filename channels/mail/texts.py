"""Every text the mayor's mailbox sends back, in Chinese and English."""
from __future__ import annotations

from gateway.i18n import Lang, render

TEXTS: dict[str, dict[Lang, str]] = {
    "subject": {"zh": "市长信箱：案件 {case}", "en": "Mayor's mailbox: case {case}"},
    "greeting": {"zh": "{name}您好：", "en": "Dear {name},"},
    "greeting_anonymous": {"zh": "您好：", "en": "Hello,"},
    "received": {"zh": "您的来信已收到并受理，案件编号 {case}。我们会把办理进展发送到本邮箱；回复本邮件可补充情况或照片。",
                 "en": "Your letter has been received and accepted as case {case}. We will send its progress to this address; "
                       "reply to this e-mail to add details or photos."},
    "joined": {"zh": "您的来信已收到。此前已有人反映同一问题，您的来信已并入案件 {case}，我们会把办理进展发送到本邮箱。",
               "en": "Your letter has been received. This problem was already reported, so your letter was added to case {case}; "
                     "we will send its progress to this address."},
    "follow_up": {"zh": "您补充的内容已加入案件 {case}。", "en": "What you added has been joined to case {case}."},
    "photos_only": {"zh": "（来信附照片）", "en": "(photos sent by e-mail)"},
    "refused_parts": {"zh": "以下附件未能接收：{parts}。", "en": "These attachments could not be taken: {parts}."},
    "feedback_thanks": {"zh": "感谢您对案件 {case} 的评价（{answer}）。", "en": "Thank you for your answer on case {case} ({answer})."},
    "satisfaction_question": {"zh": "您对案件 {case} 的处理结果满意吗？请直接回复本邮件：满意、基本满意或不满意。",
                              "en": "Are you satisfied with how case {case} was handled? Reply to this e-mail with: satisfied, "
                                    "mostly satisfied or not satisfied."},
    "reason_executable": {"zh": "可执行文件", "en": "a program"},
    "reason_too_many_photos": {"zh": "照片过多", "en": "too many photos"},
    "reason_photo_unreadable": {"zh": "照片无法读取", "en": "an unreadable photo"},
    "reason_empty": {"zh": "空文件", "en": "an empty file"},
    "reason_too_large": {"zh": "文件过大", "en": "too large"},
}


def text(lang: str, key: str, **params: object) -> str:
    """The text `key` in `lang` (Chinese unless 'en'), filled in."""
    return render(TEXTS, key, lang, **params)
