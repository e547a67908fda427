"""Every text the WeChat account sends, in Chinese and English."""
from __future__ import annotations

from gateway.i18n import Lang, render

TEXTS: dict[str, dict[Lang, str]] = {
    "welcome": {"zh": "感谢关注！点击菜单“我要上报”（或发送“上报”）反映城市管理问题，“查询进度”查看案件，“我的案件”看您最近的案件。Send \"English\" for English.",
                "en": "Thank you for following! Tap \"Report\" in the menu (or send \"report\") to report a city problem, \"Progress\" to look up a case, \"My cases\" for your recent cases. 发送“中文”使用中文。"},
    "language_set": {"zh": "已切换为中文。", "en": "Switched to English."},
    "describe": {"zh": "请用文字或语音描述您发现的问题（什么问题、在哪里）。随时发送“取消”可退出。", "en": "Please describe the problem in words or by voice (what is wrong, and where). Send \"cancel\" at any time to stop."},
    "text_too_long": {"zh": "描述过长（上限 {limit} 字），请精简后重新发送。", "en": "That description is too long (limit {limit} characters); please shorten it and send it again."},
    "propose_class": {"zh": "我们认为这属于：{proposal}\n请回复序号确认分类：\n{choices}", "en": "We think this is: {proposal}\nReply with a number to confirm the class:\n{choices}"},
    "no_proposal": {"zh": "我们无法自动判断问题类别，请回复序号选择：\n{choices}", "en": "We could not tell the kind of problem; reply with a number:\n{choices}"},
    "let_staff_decide": {"zh": "交由工作人员判断", "en": "Let the staff decide"},
    "expect_number": {"zh": "请回复列表中的序号（0–{last}），或发送“取消”。", "en": "Please reply with a number from the list (0–{last}), or send \"cancel\"."},
    "class_chosen": {"zh": "分类：{name}", "en": "Class: {name}"},
    "class_staff": {"zh": "分类：由工作人员判断", "en": "Class: the staff will decide"},
    "ask_place": {"zh": "问题在哪里？请发送位置（点“＋”→“位置”），或输入详细地址（如“人民路与解放路路口”）。", "en": "Where is it? Send a location (tap \"+\" → \"Location\") or type the address (e.g. 'Renmin Road and Jiefang Road crossing')."},
    "address_not_found": {"zh": "没有找到地址“{address}”。请换一种写法，或直接发送位置。", "en": "We could not find the address \"{address}\". Please write it differently, or send a location."},
    "expect_place": {"zh": "请发送位置，或输入地址。", "en": "Please send a location or type an address."},
    "photo_then_describe": {"zh": "已收到第 {count} 张照片。请再用文字或语音描述问题（什么问题、在哪里）。", "en": "Photo {count} received. Now please describe the problem in words or by voice (what is wrong, and where)."},
    "place_then_describe": {"zh": "位置：{place}\n请再用文字或语音描述问题。", "en": "Place: {place}\nNow please describe the problem in words or by voice."},
    "photo_then_place": {"zh": "已收到第 {count} 张照片。问题在哪里？请发送位置，或输入地址。", "en": "Photo {count} received. Where is it? Send a location or type the address."},
    "place_ok": {"zh": "位置：{place}", "en": "Place: {place}"},
    "shared_location": {"zh": "发送的位置（{lat:.5f}, {lon:.5f}）", "en": "location sent ({lat:.5f}, {lon:.5f})"},
    "duplicate_offer": {"zh": "附近已有类似案件 {case}（{name}，约 {distance} 米）：“{text}”\n回复 1 把您的反映加入该案件，回复 2 表示这是另一个问题。", "en": "There is already a similar case {case} nearby ({name}, about {distance} m): \"{text}\"\nReply 1 to add your report to that case, 2 if it is a different problem."},
    "ask_photo": {"zh": "可以发送现场照片（最多 {limit} 张），发完请回复“完成”；没有照片也可直接回复“完成”。", "en": "You may send photos of the spot (up to {limit}); reply \"done\" when finished, or right away if you have none."},
    "photo_saved": {"zh": "已收到第 {count} 张照片。可继续发送，或回复“完成”。", "en": "Photo {count} received. Send another or reply \"done\"."},
    "photo_limit": {"zh": "最多只能附 {limit} 张照片，请回复“完成”。", "en": "A report can carry at most {limit} photos; please reply \"done\"."},
    "photo_unreadable": {"zh": "这张图片无法读取，请换一张照片。", "en": "That picture could not be read; please send another photo."},
    "expect_photo": {"zh": "请发送照片，或回复“完成”。", "en": "Please send a photo, or reply \"done\"."},
    "summary": {"zh": "请确认您的反映：\n问题：{text}\n{class_line}\n位置：{place}\n照片：{photos} 张{duplicate}\n回复 1 提交，回复 2 取消。", "en": "Please confirm your report:\nProblem: {text}\n{class_line}\nPlace: {place}\nPhotos: {photos}{duplicate}\nReply 1 to submit, 2 to cancel."},
    "summary_duplicate": {"zh": "\n加入案件：{case}", "en": "\nAdded to case: {case}"},
    "received": {"zh": "已受理，案件编号 {case}。案件状态有变化时我们会在这里通知您。查询进度：发送“进度 {case}”。", "en": "Received. Your case number is {case}. We will tell you here when its status changes. Progress: send \"status {case}\"."},
    "joined": {"zh": "您的反映已加入案件 {case}。案件状态有变化时我们会在这里通知您。", "en": "Your report was added to case {case}. We will tell you here when its status changes."},
    "not_joined": {"zh": "您的反映已作为新案件 {case} 受理，工作人员会核对它是否与案件 {other} 是同一问题。", "en": "Your report was received as a new case {case}; the staff will check whether it is the same problem as case {other}."},
    "cancelled": {"zh": "已取消。发送“上报”可重新上报。", "en": "Cancelled. Send \"report\" to report again."},
    "nothing_to_cancel": {"zh": "当前没有进行中的上报。发送“上报”开始。", "en": "There is no report in progress. Send \"report\" to begin."},
    "help": {"zh": "发送“上报”反映城市管理问题（如垃圾、井盖缺失、占道经营、施工噪音）。\n进度 案件编号 — 查询进度\n我的案件 — 我最近的未结案件\n取消 — 取消当前上报\nEnglish — 使用英文",
             "en": "Send \"report\" to report a city problem (rubbish, a missing manhole cover, street vendors, construction noise...).\nstatus <case number> — progress of a case\nmy cases — your recent open cases\ncancel — cancel the report in progress\n中文 — use Chinese"},
    "status_usage": {"zh": "请发送“进度 案件编号”，例如“进度 {example}”。", "en": "Send \"status <case number>\", e.g. \"status {example}\"."},
    "case_not_found": {"zh": "未找到案件 {case}。", "en": "Case {case} not found."},
    "case_status": {"zh": "案件 {case}：{status}（{name}），更新于 {updated}。", "en": "Case {case}: {status} ({name}), updated {updated}."},
    "no_cases": {"zh": "您最近没有未结案件。", "en": "You have no recent open cases."},
    "my_cases": {"zh": "您最近的未结案件：\n{lines}", "en": "Your recent open cases:\n{lines}"},
    "satisfaction_question": {"zh": "您对案件 {case} 的处理结果满意吗？请点选：", "en": "Are you satisfied with how case {case} was handled? Tap one:"},
    "feedback_thanks": {"zh": "感谢您的评价（{answer}）。", "en": "Thank you for your answer ({answer})."},
    "feedback_refused": {"zh": "无法记录评价：案件 {case} 尚未结案，或不是您反映的案件。", "en": "The answer cannot be recorded: case {case} is not closed, or it is not one you reported."},
    "not_started": {"zh": "发送“上报”开始上报，“帮助”查看帮助。", "en": "Send \"report\" to report a problem, \"help\" for help."},
    "voice_unrecognized": {"zh": "没能识别这段语音，请改用文字发送。", "en": "That voice message could not be recognised; please send it as text."},
    "unsupported": {"zh": "暂时只能读取文字、语音、位置和照片。", "en": "I can only read text, voice, locations and photos."},
    "rate_limited": {"zh": "您一小时内已上报 {limit} 次，请稍后再试。", "en": "You have sent {limit} reports within an hour; please try again later."},
    "too_many_messages": {"zh": "消息过于频繁，请稍后再试。", "en": "Too many messages; please wait a moment."},
    "error": {"zh": "抱歉，出了点问题，请稍后再试。您的进度已保留。", "en": "Sorry, something went wrong; please try again shortly. Your progress is kept."},
}

WORDS: dict[str, frozenset[str]] = {
    "report": frozenset({"上报", "我要上报", "举报", "反映", "report", "start"}),
    "cancel": frozenset({"取消", "cancel"}),
    "help": frozenset({"帮助", "help", "?", "？"}),
    "status": frozenset({"进度", "查询", "查询进度", "status"}),
    "my_cases": frozenset({"我的案件", "my cases", "mycases"}),
    "done": frozenset({"完成", "好了", "没有", "没有照片", "done", "finish", "no photo", "no photos"}),
    "yes": frozenset({"提交", "确认", "是", "好", "yes", "ok", "submit", "confirm"}),
    "no": frozenset({"否", "不", "no"}),
    "english": frozenset({"english", "en"}),
    "chinese": frozenset({"中文", "chinese", "zh"}),
}


def text(lang: str, key: str, **params: object) -> str:
    """The text `key` in `lang` (Chinese unless 'en'), filled in."""
    return render(TEXTS, key, lang, **params)


def word(value: str) -> str | None:
    """The command a user's short message means ("取消", "Cancel", "我的案件" …), if any."""
    folded = " ".join(value.lower().split()).strip("。.!！")
    return next((name for name, forms in WORDS.items() if folded in forms), None)
