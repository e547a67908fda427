"""Reading real mail: charsets of Chinese mail programs in headers and bodies, HTML-only letters, quotes and signatures,
attachments with hostile names, and mail no person wrote."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from channels.mail.letters import MalformedLetter, parse_letter
from channels.mail.quoting import cut_quotes
from tests.mail.letters import LETTER, letter


@pytest.mark.parametrize("charset", ["gb2312", "gbk", "gb18030", "big5", "utf-8"])
def test_headers_and_body_in_each_chinese_charset_read_as_written(charset: str) -> None:
    body = LETTER if charset != "big5" else "尊敬的市長您好！人民路上的路燈壞了兩個星期，請盡快修理。"
    found = parse_letter(letter(name="張三" if charset == "big5" else "张三", subject="反映路灯" if charset != "big5" else "反映路燈",
                                body=body, charset=charset).as_bytes())
    assert found.sender_name in ("张三", "張三") and found.sender_address == "zhang.san@example.cn"
    assert found.text == body and found.language == "zh"


def test_gb2312_declared_mail_with_gbk_characters_and_raw_8bit_headers_is_read() -> None:
    text = "镕基路的垃圾桶满了"  # 镕 is in GBK, not in GB2312: mail programs label such text gb2312 all the same
    raw = (b"From: =?gb2312?B?" + __import__("base64").b64encode("王镕".encode("gbk")) + b"?= <wang@example.cn>\r\n"
           b"Subject: " + "垃圾桶".encode("gbk") + b"\r\nMessage-ID: <a1@example.cn>\r\n"
           b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text.encode("gbk"))
    found = parse_letter(raw)
    assert found.sender_name == "王镕" and found.subject == "垃圾桶" and found.text == text


def test_an_html_only_letter_is_read_as_text() -> None:
    message = EmailMessage()
    message["From"] = "li@example.cn"
    message["Subject"] = "占道经营"
    message.set_content("<html><body><p>尊敬的市长：</p><p>学府路<b>夜市</b>占道经营，<br>堵塞交通。</p><script>x()</script></body></html>",
                        subtype="html")
    found = parse_letter(message.as_bytes())
    assert "学府路夜市占道经营" in found.text.replace("\n", "") and "<" not in found.text and "x()" not in found.text


@pytest.mark.parametrize("quoted", [
    "在 2026年12月1日 周二 10:00，市长信箱 <mayor@city.example.cn> 写道：\n> 您的来信已受理",
    "-----原始邮件-----\n发件人: 市长信箱\n发送时间: 2026年12月1日\n主题: 案件",
    "发件人: 市长信箱 <mayor@city.example.cn>\n发送时间: 2026年12月1日 10:00\n收件人: 张三\n主题: 案件",
    "On Tue, Dec 1, 2026 at 10:00 AM Mayor <mayor@city.example.cn>\nwrote:\n> Your letter was received",
    "-- \n张三\n幸福小区3栋",
    "发自我的iPhone",
    "________________________________\nFrom: Mayor\nSent: Tuesday",
])
def test_quotes_and_signatures_are_cut(quoted: str) -> None:
    assert cut_quotes(f"路灯还是不亮。\n\n{quoted}\n") == "路灯还是不亮。"


def test_attachments_photos_kept_apart_programs_refused_and_paths_reduced_to_names() -> None:
    message = letter(photo=True)
    message.add_attachment(b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="../../x")
    message.add_attachment(b"#!/bin/sh\nrm -rf /", maintype="text", subtype="plain", filename="run.txt")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="..\\..\\会议纪要.pdf")
    found = parse_letter(message.as_bytes())
    assert [p.filename for p in found.photos] == ["路灯.jpg"]
    assert [(p.filename, p.content_type) for p in found.attachments] == [("会议纪要.pdf", "application/pdf")]
    assert found.refused == [("x", "executable"), ("run.txt", "executable")]
    assert LETTER in found.text


@pytest.mark.parametrize("headers, expected", [
    ({"Auto-Submitted": "auto-replied"}, "auto_reply"),
    ({"Subject": "自动回复：休假中"}, "auto_reply"),
    ({"Subject": "Automatic reply: Out of Office"}, "auto_reply"),
    ({"X-Autoreply": "yes"}, "auto_reply"),
    ({"Precedence": "bulk"}, "auto_reply"),
    ({"From": "MAILER-DAEMON@mx.example.cn"}, "bounce"),
    ({"Return-Path": "<>"}, "bounce"),
    ({"Auto-Submitted": "no"}, None),
])
def test_mail_no_person_wrote_is_recognised(headers: dict[str, str], expected: str | None) -> None:
    message = letter()
    for key, value in headers.items():
        del message[key]
        message[key] = value
    assert parse_letter(message.as_bytes()).auto == expected


def test_a_delivery_report_is_a_bounce_and_mail_without_a_sender_is_malformed() -> None:
    report = (b"From: postmaster@example.cn\r\nSubject: failure\r\nContent-Type: multipart/report; report-type=delivery-status; "
              b"boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n")
    assert parse_letter(report).auto == "bounce"
    with pytest.raises(MalformedLetter):
        parse_letter(b"Subject: hello\r\n\r\nno sender")
    with pytest.raises(MalformedLetter):
        parse_letter(b"\x00\xff\xfe garbage without headers")


def test_malformed_mime_is_read_as_far_as_it_goes() -> None:
    broken = (b"From: wang@example.cn\r\nSubject: =?utf-8?B?5Z6D5Zy+?=\r\nMessage-ID: <b1@example.cn>\r\nMIME-Version: 1.0\r\n"
              b"Content-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n--never-closed\r\nContent-Type: text/plain; charset=utf-8\r\n"
              b"Content-Transfer-Encoding: base64\r\n\r\n5bCP5Yy66Zeo5Y+j5Z6D5Zy+5aCG56ev\r\n--never-closed\r\nContent-Type: image/jpeg; name=a.jpg\r\n"
              b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!")
    found = parse_letter(broken)
    assert found.subject == "垃圾" and found.text == "小区门口垃圾堆积"
    assert [p.filename for p in found.photos] == ["a.jpg"], "kept for the photo check, which refuses what is no picture"
