"""One e-mail as the mayor's mailbox reads it: sender, subject, the letter's own words, photos and other attachments,
the ids it replies to, and whether a machine sent it (a bounce, an auto-reply)."""
from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email.header import Header, decode_header
from email.message import Message
from email.utils import parseaddr

from inscriptis import get_text

from channels.mail.quoting import cut_quotes
from channels.messaging.twilio.inbound import language_of
from gateway.media import EXTENSIONS

# Chinese mail often says gb2312 and holds GBK or GB18030 characters: read the whole family as its superset.
CHARSET_FAMILY = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "gb_2312-80": "gb18030",
                  "euc-cn": "gb18030", "big5": "big5hkscs", "x-big5": "big5hkscs", "cp950": "big5hkscs", "us-ascii": "utf-8",
                  "ascii": "utf-8"}
GUESSES = ("utf-8", "gb18030", "big5hkscs")
EXECUTABLE_SUFFIXES = frozenset({"exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "dll", "cpl", "js", "jse", "vbs", "vbe",
                                 "wsf", "wsh", "ps1", "psm1", "jar", "sh", "apk", "lnk", "hta", "reg", "app", "run", "bin", "elf"})
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"PK\x03\x04META-INF")
MAX_PHOTOS = 8
AUTO_SUBJECT = re.compile(r"自动回复|自动答复|自动应答|休假|不在办公室|外出|退信|投递失败|无法投递|未能送达|auto[- ]?reply|automatic reply|"
                          r"autoreply|out of (the )?office|vacation|undeliver|delivery (status|failure)|mail delivery failed|returned mail",
                          re.IGNORECASE)
BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailer_daemon)@", re.IGNORECASE)
SENDER = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MESSAGE_ID = re.compile(r"<[^<>\s]{1,900}>")
SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)


class MalformedLetter(ValueError):
    """Bytes that are no readable e-mail (no sender, nothing to read)."""


@dataclass
class Part:
    """An attachment as sent: its file name made safe, its type and bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Letter:
    message_id: str | None
    replies_to: list[str]
    subject: str
    sender_name: str | None
    sender_address: str
    text: str
    language: str
    auto: str | None = None
    photos: list[Part] = field(default_factory=list)
    attachments: list[Part] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    @property
    def topic(self) -> str:
        """The subject without Re: / 回复: prefixes."""
        return SUBJECT_PREFIX.sub("", self.subject).strip()

    def with_topic(self) -> str:
        """The words of a new letter: its subject first, unless the text already begins with it."""
        topic = self.topic
        return f"{topic}\n{self.text}".strip() if topic and topic not in self.text[: len(topic) + 40] else self.text

    @property
    def key(self) -> str:
        """What makes this letter the same letter in any mailbox and after any UIDVALIDITY change."""
        assert self.message_id is not None
        return letter_key(self.message_id.encode())


def letter_key(value: bytes) -> str:
    return hashlib.sha256(value).hexdigest()


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in the declared charset (read as its family's superset); undeclared or wrong: UTF-8, GB18030, Big5 in turn."""
    declared = CHARSET_FAMILY.get((charset or "").lower().strip(), (charset or "").lower().strip())
    for name in ((declared,) if declared else ()) + GUESSES:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", errors="replace")


def decode_header_value(value: str | Header | None) -> str:
    """A header with RFC 2047 words in any charset, or raw 8-bit bytes (as some Chinese mailers send), as text."""
    if not value:
        return ""
    if isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value):  # 8-bit bytes kept as surrogates
        return decode_bytes(value.encode("ascii", "surrogateescape"), None)
    chunks = []
    for chunk, charset in decode_header(value):  # a Header holds raw 8-bit bytes as charset unknown-8bit
        chunks.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return re.sub(r"\s*\r?\n\s*", " ", "".join(chunks)).strip()


def safe_filename(name: str | None) -> str:
    """Only the last part of a path (`../../x` is `x`), no control characters or leading dots, at most 200 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[:200] or "attachment"


def executable(filename: str, data: bytes) -> bool:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return suffix in EXECUTABLE_SUFFIXES or data.startswith(EXECUTABLE_MAGIC)


def machine_sent(msg: Message, sender: str, subject: str) -> str | None:
    """`bounce` or `auto_reply` for mail no person wrote (which must never become a case or be answered), else None."""
    if msg.get_content_type() == "multipart/report" or BOUNCE_SENDER.match(sender) or (msg.get("Return-Path") or "").strip() == "<>":
        return "bounce"
    auto = (msg.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no" or msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("X-Auto-Reply"):
        return "auto_reply"
    if (msg.get("Precedence") or "").strip().lower() in ("bulk", "junk", "auto_reply", "list"):
        return "auto_reply"
    if AUTO_SUBJECT.search(subject):
        return "auto_reply"
    return None


def part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = decode_bytes(payload, part.get_content_charset())
    return get_text(text) if part.get_content_type() == "text/html" else text


def is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or bool(part.get_filename()) or part.get_content_maintype() not in ("text", "multipart")


def body_and_parts(msg: Message) -> tuple[str, list[Part]]:
    """The letter's text (plain preferred, HTML as text otherwise) and every attachment."""
    plain: list[str] = []
    html: list[str] = []
    parts: list[Part] = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue
        if is_attachment(part):
            payload = part.get_payload(decode=True)
            parts.append(Part(safe_filename(decode_header_value(part.get_filename())), part.get_content_type(),
                              payload if isinstance(payload, bytes) else b""))
        elif part.get_content_type() == "text/plain":
            plain.append(part_text(part))
        elif part.get_content_type() == "text/html":
            html.append(part_text(part))
    return "\n".join(plain or html), parts


def references(msg: Message) -> list[str]:
    """Every Message-ID the letter answers (In-Reply-To first, then References, the latest first)."""
    found = MESSAGE_ID.findall(str(msg.get("In-Reply-To") or "")) + list(reversed(MESSAGE_ID.findall(str(msg.get("References") or ""))))
    return list(dict.fromkeys(found))


def sort_parts(letter: Letter, parts: list[Part]) -> None:
    """Photos for the media pipeline, executables refused, everything else kept for agents."""
    for part in parts:
        if not part.data:
            letter.refused.append((part.filename, "empty"))
        elif executable(part.filename, part.data):
            letter.refused.append((part.filename, "executable"))
        elif part.content_type in EXTENSIONS:
            if len(letter.photos) < MAX_PHOTOS:
                letter.photos.append(part)
            else:
                letter.refused.append((part.filename, "too_many_photos"))
        else:
            letter.attachments.append(part)


def parse_letter(raw: bytes) -> Letter:
    """Read one message; raises MalformedLetter when it has no sender address."""
    msg = email.message_from_bytes(raw)
    name, address = parseaddr(decode_header_value(msg.get("From")))
    if not SENDER.match(address):
        raise MalformedLetter("no sender address")
    subject = decode_header_value(msg.get("Subject"))
    message_id = next(iter(MESSAGE_ID.findall(str(msg.get("Message-ID") or ""))), None)
    auto = machine_sent(msg, address, subject)
    try:
        body, parts = body_and_parts(msg) if auto is None else ("", [])
    except (LookupError, ValueError, AssertionError) as exc:
        raise MalformedLetter(f"unreadable MIME structure: {type(exc).__name__}") from exc
    text = cut_quotes(body)
    letter = Letter(
        message_id=message_id or f"<sha256.{letter_key(raw)}@letter>", replies_to=references(msg), subject=subject,
        sender_name=name.strip()[:100] or None, sender_address=address.strip().lower(), text=text,
        language=language_of(subject + text, "zh"), auto=auto,
    )
    sort_parts(letter, parts)
    return letter
