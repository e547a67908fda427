"""A reply's own words: quoted mail and signatures cut off (Chinese and English mailers' ways of quoting)."""
from __future__ import annotations

import re

# A line where the quoted message or the signature starts: everything from it on is cut.
QUOTE_START = re.compile(
    r"^\s*(-{2,}\s*(原始邮件|原邮件|回复的原邮件|转发邮件|Original Message|Forwarded message)\s*-{2,}"
    r"|_{10,}"
    r"|(在|于)\s*.{0,120}(写道|寫道)\s*[:：]?"
    r"|On\s.{0,200}\swrote\s*:"
    r"|--\s?"
    r"|(发自我的|来自我的|發自我的|Sent from my|Get Outlook for).*"
    r")\s*$",
    re.IGNORECASE,
)
HEADER_LINE = re.compile(r"^\s*\**\s*(发件人|寄件者|From|发送时间|日期|Sent|Date|收件人|To|主题|Subject)\s*\**\s*[:：]", re.IGNORECASE)
FROM_LINE = re.compile(r"^\s*\**\s*(发件人|寄件者|From)\s*\**\s*[:：]", re.IGNORECASE)


def quoted_header_at(lines: list[str], i: int) -> bool:
    """An Outlook-style block: 发件人 / From: followed by at least one more header line within the next three."""
    return bool(FROM_LINE.match(lines[i])) and any(HEADER_LINE.match(line) for line in lines[i + 1:i + 4])


def cut_quotes(body: str) -> str:
    """The text before any quoted message or signature, without lines quoted with `>`."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        joined = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line  # "On … \n … wrote:" broken over two lines
        if (QUOTE_START.match(line) or quoted_header_at(lines, i) or (re.match(r"^\s*On\s", line) and QUOTE_START.match(joined))):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
