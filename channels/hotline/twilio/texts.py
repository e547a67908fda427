"""What a Twilio voice line says, in Chinese and English."""
from __future__ import annotations

from gateway.i18n import Lang, render

SAY_LANGUAGE: dict[str, str] = {"zh": "zh-CN", "en": "en-US"}
SPEECH_LANGUAGE: dict[str, str] = {"zh": "cmn-Hans-CN", "en": "en-US"}

TEXTS: dict[str, dict[Lang, str]] = {
    "choose_language": {"zh": "您好，这里是城市管理热线。中文服务请按1。", "en": "For English, press 2."},
    "describe": {"zh": "您好，这里是城市管理热线。请说出您发现了什么问题，说完请稍候。", "en": "Hello, this is the city services line. Please tell us what the problem is, then wait."},
    "ask_place": {"zh": "请说出问题所在的地点，例如路名和附近的路口。", "en": "Where is it? Please say the street and the nearest crossing."},
    "readback": {"zh": "您反映的是：{name}。", "en": "We understood the problem as: {name}."},
    "readback_place": {"zh": "地点：{place}。确认请按1，重新描述请按2。", "en": "At {place}. Press 1 to confirm, or 2 to describe it again."},
    "class_pending": {"zh": "问题类别由工作人员判断", "en": "a problem our staff will classify"},
    "ask_consent": {"zh": "如需通过短信接收处理进展，请按1；不需要请按2。", "en": "To get progress updates by text message, press 1. Otherwise press 2."},
    "case_number": {"zh": "已受理。您的案件编号是：{digits}。再说一遍：{digits}。感谢您的来电，再见。", "en": "Thank you, your report is received. Your case number is: {digits}. Again: {digits}. Goodbye."},
    "sms_confirmation": {"zh": "【城市管理】您来电反映的问题已受理，案件编号 {case}。处理进展将以短信通知，回复“退订”不再接收。", "en": "[City services] The problem you reported by phone is received: case {case}. We will text you its progress; reply STOP to get no more messages."},
    "record": {"zh": "抱歉，没有听清。请在提示音后留言，说明问题和地点，说完请挂机。", "en": "Sorry, we could not understand. Please leave a message after the tone, saying what and where the problem is, then hang up."},
    "recorded": {"zh": "留言已收到，工作人员会尽快处理。再见。", "en": "Your message is recorded; our staff will deal with it soon. Goodbye."},
    "goodbye": {"zh": "感谢您的来电，再见。", "en": "Thank you for calling. Goodbye."},
    "invalid_key": {"zh": "输入无效。", "en": "That key is not valid."},
    "unknown_line": {"zh": "您拨打的号码暂不受理城市管理问题。", "en": "This number does not take city problem reports."},
}


def text(lang: str, key: str, **params: object) -> str:
    """The text `key` in `lang` (Chinese unless 'en'), filled in."""
    return render(TEXTS, key, lang, **params)


def spoken_digits(number: str) -> str:
    """A case number read digit by digit."""
    return " ".join(number)
