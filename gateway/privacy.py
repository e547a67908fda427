"""What of a citizen's words may leave the gateway, in one place.

- `mask_numbers`: phone numbers (mobile, landline, +86 and 0086 forms) and resident ID numbers keep their last four
  characters; used on every log line and on every provider error the gateway stores.
- `mask_personal`: `mask_numbers` for anything the public reads, and also every longer run of digits, names after
  我叫 / 姓 / 联系人 (and before 先生 / 女士, after "my name is"), vehicle plate numbers and e-mail addresses.
- `rough_place`: the place of a case as a city publishes it: the street (街道) and community (社区) of its unit grid and
  the road, junction, estate or stop named in its address, never a house number, building or room.

Digits and letters of any script count (full-width １３９… like 139…), and a number is found next to Chinese
characters as next to spaces: what stands before or after it only keeps it whole when it is part of a longer token
(a date, a time, a decimal, a hash, a path).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

MASK = "*"
KEEP = 4


class _Folding(dict[int, str]):
    """One character for one character: every decimal digit to 0-9, full-width ASCII to ASCII, the ideographic space to
    a space, anything else itself. Positions stay where they are, so what is found in the folded text is masked in the
    original. Filled as characters are met."""

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        if 0xFF01 <= cp <= 0xFF5E:
            folded = chr(cp - 0xFEE0)
        elif cp == 0x3000:
            folded = " "
        elif unicodedata.category(ch) == "Nd":
            folded = str(unicodedata.digit(ch))
        else:
            folded = ch
        self[cp] = folded
        return folded


_FOLDING = _Folding()


def _fold(text: str) -> str:
    return text if text.isascii() else text.translate(_FOLDING)


# A number stands alone when it is not the tail or the head of a longer token: a letter, a digit, a path, or a digit
# joined by '.', '-' or ':' (dates, times, decimals, versions, UUIDs). '+' and '00' start international forms.
_BEFORE = r"(?<![A-Za-z0-9_/\\])(?<![A-Za-z0-9][.\-])(?<![0-9]:)"
_AFTER = r"(?![A-Za-z0-9_/\\]|[.:\-][A-Za-z0-9])"
NUMBER = re.compile(_BEFORE + r"\+?[0-9][0-9 \-]{5,24}[0-9]" + _AFTER)
ID_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![A-Za-z0-9_])"
)
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9._%+\-]+)@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_HAN = "\u4e00-\u9fff"
_TITLES = ("先生", "女士", "小姐")
NAME_AFTER = re.compile(rf"(?:我叫|我名叫|本人叫|名字叫|名字是|姓名|联系人|报告人|举报人)[:：\s]*(?!电话|手机|方式|号码|邮箱|不详|未知|保密)([{_HAN}·]{{1,4}})")
SURNAME_AFTER = re.compile(rf"(?<![百贵])姓(?![名氏])\s*([{_HAN}])")
SURNAME_BEFORE = re.compile(rf"([{_HAN}])(?:{'|'.join(_TITLES)})")
NOT_SURNAMES = set("这那位个老的名该此某各两一三几有对男女小大")
ENGLISH_NAME = re.compile(r"(?:\b[Mm]y name is|\b[Nn]ame:|\bMrs?\.?|\bMs\.?)\s+([A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)")
PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-z][\s·•.\-]?"
    r"((?=[A-Za-z]*[0-9])[A-Za-z0-9]{5,6}(?![A-Za-z0-9])|[A-Za-z0-9]{4}[挂学警港澳])"
)


def _keep_last(chars: list[str], folded: str, start: int, end: int) -> None:
    """Every digit (or ID check letter) of the span masked but the last KEEP; separators and '+' stay."""
    kept = 0
    for i in range(end - 1, start - 1, -1):
        if folded[i].isalnum():
            if kept < KEEP:
                kept += 1
            else:
                chars[i] = MASK


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if not chars[i].isspace():
            chars[i] = MASK


def _number_spans(folded: str, public: bool) -> Iterable[tuple[int, int]]:
    """Spans of ID numbers, and of digit groups that make a phone number (public: any 7 digits or more). A run that is
    none (a date, a case number) is looked at again from its next group, so a phone number after it is still found."""
    for match in ID_NUMBER.finditer(folded):
        yield match.span()
    pos = 0
    while (match := NUMBER.search(folded, pos)) is not None:
        found = match.group(0)
        digits = sum(ch.isdigit() for ch in found)
        international = found.startswith(("+", "00"))
        if not DATE.match(found) and (public and digits >= 7 or 7 <= digits <= 13 or international and 7 <= digits <= 15):
            yield match.span()
            pos = match.end()
            continue
        first_group = re.match(r"\+?[0-9]+", found)
        assert first_group is not None
        pos = match.start() + first_group.end()


def _masked(text: str, public: bool) -> str:
    if not text:
        return text
    folded = _fold(text)
    chars = list(text)
    for start, end in _number_spans(folded, public):
        _keep_last(chars, folded, start, end)
    if public:
        for pattern in (NAME_AFTER, SURNAME_AFTER, ENGLISH_NAME, PLATE, EMAIL):
            for match in pattern.finditer(folded):
                start, end = match.span(1)
                if pattern is NAME_AFTER:
                    end = _before_title(folded, start, end)
                _blank(chars, start, end)
        for match in SURNAME_BEFORE.finditer(folded):
            if match.group(1) not in NOT_SURNAMES:
                _blank(chars, *match.span(1))
    return "".join(chars)


def _before_title(folded: str, start: int, end: int) -> int:
    """A name taken after 我叫 ends where 先生 / 女士 / 小姐 begins (the title stays)."""
    for title in _TITLES:
        at = folded.find(title, start, end + len(title))
        if at > start:
            return min(end, at)
    return end


def mask_numbers(text: str) -> str:
    """Phone and ID numbers with only their last four characters: for logs and stored errors."""
    return _masked(text, public=False)


def mask_personal(text: str) -> str:
    """Text for the public: numbers masked as by `mask_numbers` (and any run of 7 or more digits), names, plate numbers
    and e-mail addresses masked."""
    return _masked(text, public=True)


def rough_place(address: str | None, lat: float | None, lon: float | None, locator: Any | None) -> str | None:
    """The case's place as the public may read it, or None when nothing rough enough is known."""
    from gateway.location.address import parse

    parts: list[str] = []
    if locator is not None and lat is not None and lon is not None:
        cell = locator.grid_of(lat, lon)
        if cell is not None:
            parts.append(f"{cell.district}{cell.street}{cell.community}")
    if address:
        admin: Iterable[str] = locator.city.admin_names if locator is not None else ()
        parsed = parse(address, admin)
        named: Callable[[], str | None] = {
            "intersection": lambda: f"{parsed.road}与{parsed.cross_road}" if parsed.road and parsed.cross_road else None,
            "house_number": lambda: parsed.road,
            "road": lambda: parsed.road,
            "estate": lambda: parsed.estate,
            "stop": lambda: parsed.stop,
            "name": lambda: locator.gazetteer.canonical(parsed.name) if locator is not None and parsed.name else None,
        }[parsed.kind]
        name = named()
        if name:
            parts.append(mask_personal(name))
    return " ".join(parts) or None
