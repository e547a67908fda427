"""Every text the Telegram bot sends, in Chinese and English."""
from __future__ import annotations

from gateway.i18n import Lang, render

TEXTS: dict[str, dict[Lang, str]] = {
    "choose_language": {"zh": "您好！这里是城市管理问题上报。请选择语言 / Please choose a language.", "en": "Hello! This is the city management reporting bot. 请选择语言 / Please choose a language."},
    "describe": {"zh": "请用文字描述您发现的问题（什么问题、在哪里）。", "en": "Please describe the problem in words (what is wrong, and where)."},
    "text_too_long": {"zh": "描述过长（上限 {limit} 字），请精简后重新发送。", "en": "That description is too long (limit {limit} characters); please shorten it and send it again."},
    "propose_class": {"zh": "我们认为这属于：\n{proposal}\n请确认，或选择其他分类。", "en": "We think this is:\n{proposal}\nPlease confirm, or pick another class."},
    "no_proposal": {"zh": "我们无法自动判断问题类别，请从下面选择，或交由工作人员判断。", "en": "We could not tell the kind of problem; pick one below or let the city staff decide."},
    "let_staff_decide": {"zh": "交由工作人员判断", "en": "Let the staff decide"},
    "class_chosen": {"zh": "分类：{name}", "en": "Class: {name}"},
    "class_staff": {"zh": "分类：由工作人员判断", "en": "Class: the staff will decide"},
    "ask_place": {"zh": "问题在哪里？请发送位置（📎 → 位置），或输入详细地址（如“人民路与解放路路口”）。", "en": "Where is it? Share a location (📎 → Location) or type the address (e.g. 'Renmin Road and Jiefang Road crossing')."},
    "address_not_found": {"zh": "没有找到地址“{address}”。请换一种写法，或直接发送位置。", "en": "We could not find the address \"{address}\". Please write it differently, or share a location."},
    "place_ok": {"zh": "位置：{place}", "en": "Place: {place}"},
    "shared_location": {"zh": "已发送的位置（{lat:.5f}, {lon:.5f}）", "en": "shared location ({lat:.5f}, {lon:.5f})"},
    "duplicate_offer": {"zh": "附近已有类似案件 {case}（{name}，约 {distance} 米）：“{text}”\n要把您的反映加入该案件吗？", "en": "There is already a similar case {case} nearby ({name}, about {distance} m): \"{text}\"\nAdd your report to that case?"},
    "duplicate_yes": {"zh": "加入该案件", "en": "Add to that case"},
    "duplicate_no": {"zh": "这是另一个问题", "en": "It is a different problem"},
    "ask_photo": {"zh": "可以发送现场照片（最多 {limit} 张），发送完毕请点“完成”；没有照片也可直接点“完成”。", "en": "You may send photos of the spot (up to {limit}); press Done when finished, or right away if you have none."},
    "photo_done": {"zh": "完成", "en": "Done"},
    "photo_saved": {"zh": "已收到第 {count} 张照片。可继续发送，或点“完成”。", "en": "Photo {count} received. Send another or press Done."},
    "photo_limit": {"zh": "最多只能附 {limit} 张照片，请点“完成”。", "en": "A report can carry at most {limit} photos; please press Done."},
    "photo_unreadable": {"zh": "这张图片无法读取，请换一张 JPEG 或 PNG 照片。", "en": "That picture could not be read; please send a JPEG or PNG photo."},
    "summary": {"zh": "请确认您的反映：\n问题：{text}\n{class_line}\n位置：{place}\n照片：{photos} 张{duplicate}", "en": "Please confirm your report:\nProblem: {text}\n{class_line}\nPlace: {place}\nPhotos: {photos}{duplicate}"},
    "summary_duplicate": {"zh": "\n加入案件：{case}", "en": "\nAdded to case: {case}"},
    "confirm": {"zh": "提交", "en": "Submit"},
    "cancel_button": {"zh": "取消", "en": "Cancel"},
    "received": {"zh": "已受理，案件编号 {case}。案件状态有变化时我们会在这里通知您。查询进度：/status {case}", "en": "Received. Your case number is {case}. We will tell you here when its status changes. Progress: /status {case}"},
    "joined": {"zh": "您的反映已加入案件 {case}。案件状态有变化时我们会在这里通知您。", "en": "Your report was added to case {case}. We will tell you here when its status changes."},
    "not_joined": {"zh": "您的反映已作为新案件 {case} 受理，工作人员会核对它是否与案件 {other} 是同一问题。", "en": "Your report was received as a new case {case}; the staff will check whether it is the same problem as case {other}."},
    "cancelled": {"zh": "已取消。发送 /start 可重新上报。", "en": "Cancelled. Send /start to report again."},
    "nothing_to_cancel": {"zh": "当前没有进行中的上报。发送 /start 开始。", "en": "There is no report in progress. Send /start to begin."},
    "help": {"zh": "发送 /start 上报城市管理问题（如垃圾、井盖缺失、占道经营、施工噪音）。\n/status 案件编号 — 查询进度\n/mycases — 我最近的未结案件\n/cancel — 取消当前上报\n/help — 帮助", "en": "Send /start to report a city problem (rubbish, a missing manhole cover, street vendors, construction noise...).\n/status <case number> — progress of a case\n/mycases — your recent open cases\n/cancel — cancel the report in progress\n/help — this help"},
    "status_usage": {"zh": "用法：/status 案件编号", "en": "Usage: /status <case number>"},
    "case_not_found": {"zh": "未找到案件 {case}。", "en": "Case {case} not found."},
    "case_status": {"zh": "案件 {case}：{status}（{name}），更新于 {updated}。", "en": "Case {case}: {status} ({name}), updated {updated}."},
    "no_cases": {"zh": "您最近没有未结案件。", "en": "You have no recent open cases."},
    "my_cases": {"zh": "您最近的未结案件：\n{lines}", "en": "Your recent open cases:\n{lines}"},
    "satisfaction_question": {"zh": "您对案件 {case} 的处理结果满意吗？", "en": "Are you satisfied with how case {case} was handled?"},
    "satisfied": {"zh": "满意", "en": "Satisfied"},
    "basically_satisfied": {"zh": "基本满意", "en": "Mostly satisfied"},
    "dissatisfied": {"zh": "不满意", "en": "Not satisfied"},
    "feedback_thanks": {"zh": "感谢您的评价（{answer}）。", "en": "Thank you for your answer ({answer})."},
    "feedback_refused": {"zh": "无法记录评价：案件 {case} 尚未结案，或不是您反映的案件。", "en": "The answer cannot be recorded: case {case} is not closed, or it is not one you reported."},
    "expect_language": {"zh": "请点上方按钮选择语言。", "en": "Please pick a language with the buttons above."},
    "expect_button": {"zh": "请点上方按钮选择，或发送 /cancel 取消。", "en": "Please use the buttons above, or send /cancel."},
    "expect_place": {"zh": "请发送位置，或输入地址。", "en": "Please share a location or type an address."},
    "expect_photo": {"zh": "请发送照片，或点“完成”。", "en": "Please send a photo, or press Done."},
    "not_started": {"zh": "发送 /start 开始上报，/help 查看帮助。", "en": "Send /start to report a problem, /help for help."},
    "expired": {"zh": "这一步已过期（上报超时或已结束）。发送 /start 重新开始。", "en": "This step has expired (the report timed out or is finished). Send /start to begin again."},
    "edited": {"zh": "修改过的消息不会被采用，请重新发送一条新消息。", "en": "Edited messages are not used; please send a new message instead."},
    "unsupported": {"zh": "暂时只能读取文字、位置和照片，无法处理语音、贴纸或文件。", "en": "I can only read text, locations and photos; voice notes, stickers and files cannot be handled."},
    "document_image": {"zh": "请把图片作为“照片”发送，而不是文件。", "en": "Please send the picture as a photo, not as a file."},
    "rate_limited": {"zh": "您一小时内已上报 {limit} 次，请稍后再试。", "en": "You have sent {limit} reports within an hour; please try again later."},
    "too_many_messages": {"zh": "消息过于频繁，请稍后再试。", "en": "Too many messages; please wait a moment."},
    "error": {"zh": "抱歉，出了点问题，请稍后再试。您的进度已保留。", "en": "Sorry, something went wrong; please try again shortly. Your progress is kept."},
}

STATUS_NAMES_EN: dict[str, str] = {
    "needs_review": "waiting for review",
    "classified": "classified",
    "forwarded": "forwarded",
    "accepted": "accepted",
    "filed": "filed",
    "dispatched": "dispatched",
    "disposed": "handled",
    "verified": "verified",
    "closed": "closed",
    "voided": "voided",
    "merged": "merged",
}


def text(lang: str, key: str, **params: object) -> str:
    """The text `key` in `lang` (Chinese unless 'en'), filled in."""
    return render(TEXTS, key, lang, **params)
