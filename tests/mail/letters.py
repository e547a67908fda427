"""Letters as citizens' mail programs write them."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from tests.location.test_exif import exif_with, picture

LETTER = ("尊敬的市长您好！我是幸福小区的居民，最近小区东门外人民路上的一盏路灯已经坏了两个多星期，每天晚上路面漆黑一片，"
          "老人和孩子出行很不安全，前几天还有人在那里摔倒。希望有关部门尽快派人来修理，谢谢！")


def letter(sender: str = "zhang.san@example.cn", name: str = "张三", subject: str = "反映人民路路灯不亮的问题", body: str = LETTER,
           *, photo: bool = False, charset: str = "utf-8", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((name, sender), charset=charset)
    message["To"] = "mayor@city.example.cn"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.cn")
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content(body, charset=charset)
    if photo:
        message.add_attachment(picture("JPEG", exif_with(lat=31.3, lon=120.6)), maintype="image", subtype="jpeg", filename="路灯.jpg")
    return message


def reply(to: EmailMessage | object, sender: str, body: str, name: str = "张三") -> EmailMessage:
    """A reply as mail programs write one: Re: subject, In-Reply-To and References, the original quoted below."""
    message = EmailMessage()
    message["From"] = formataddr((name, sender))
    message["To"] = str(to["From"])  # type: ignore[index]
    message["Subject"] = f"回复：{to['Subject']}"  # type: ignore[index]
    message["Message-ID"] = make_msgid(domain="example.cn")
    message["In-Reply-To"] = str(to["Message-ID"])  # type: ignore[index]
    message["References"] = str(to["Message-ID"])  # type: ignore[index]
    quoted = "\n".join(f"> {line}" for line in to.get_content().splitlines())  # type: ignore[attr-defined]
    message.set_content(f"{body}\n\n在 2026年12月2日 周三 10:00，市长信箱 <mayor@city.example.cn> 写道：\n{quoted}\n")
    return message

OTHER = ("尊敬的市长您好！我想反映一下学府路与文化街交叉口附近的问题：那里的垃圾桶已经好几天没有人清运了，垃圾堆满溢出到人行道上，"
         "天气一热臭味很大，还招来很多苍蝇，附近居民和过路的学生都深受其扰。恳请环卫部门尽快清理，并增加清运次数。")
