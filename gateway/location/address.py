"""Chinese address normalization and a structured parse of the common forms.

Forms recognised (after full-width → half-width and whitespace removal):
"XX路与XX路交叉口" (也: 和/跟/同/、, 路口/交口/十字路口), "XX路12号" and "XX路123弄4号",
"XX小区3栋2单元401室" (also 3号楼, 3幢, 3-2-401), "XX小区东门", "XX公交站",
a trailing "附近/旁边/对面" (the place is near, not at, what is named), a bare road,
and anything else as a place name for the gazetteer to look up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["intersection", "house_number", "estate", "stop", "road", "name"]

_MAX_PASSES = 8
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_HAN = r"[\u4e00-\u9fff]"
ROAD = rf"{_HAN}{{1,10}}?(?:大道|大街|路|街|巷|胡同)"
ESTATE_SUFFIX = r"(?:小区|花园|新村|家园|公寓|大厦|社区|苑|庭|府|村|里|城|园)"
_ESTATE_END = "[区园村苑庭府里城寓厦]"
GATES = ("东南门", "东北门", "西南门", "西北门", "东门", "西门", "南门", "北门", "正门", "大门", "侧门", "后门", "门口")
NEAR_WORDS = ("附近", "旁边", "对面", "周边", "一带", "边上", "旁")
_NEAR = "(?:" + "|".join(NEAR_WORDS) + ")"
_LEAD = re.compile(r"^(?:[,.;:!?，。；：！？、]+|地址[:是为]?|地点[:是为]?|位置[:是为]?|位于|在|于)")
_PROVINCE = re.compile(rf"^{_HAN}{{2,3}}(?:省|自治区)")

_INTERSECTION = re.compile(
    rf"(?P<a>{ROAD})(?:与|和|跟|同|及|、|/|&|\+)(?P<b>{ROAD})(?:交叉口)?(?P<near>{_NEAR})?"
    rf"|(?P<a2>{ROAD})(?P<b2>{ROAD})交叉口(?P<near2>{_NEAR})?"
)
_HOUSE = re.compile(rf"(?P<road>{ROAD})(?:(?P<lane>\d+)弄)?(?:(?P<num>\d+)号)?(?:之\d+)?(?P<near>{_NEAR})?")
_ESTATE = re.compile(
    rf"(?P<estate>{_HAN}{{1,8}}?{ESTATE_SUFFIX})(?:(?P<building>\d+)栋)?(?:(?P<unit>\d+)单元)?(?:(?P<room>\d+)室)?"
    rf"(?P<gate>{'|'.join(GATES)})?(?P<near>{_NEAR})?$"
)
_STOP = re.compile(rf"(?P<stop>{_HAN}{{2,12}}?)(?P<mode>公交站|地铁站)(?P<near>{_NEAR})?")


@dataclass(frozen=True)
class ParsedAddress:
    """A normalized address and the parts recognised in it."""

    raw: str
    text: str
    kind: Kind
    road: str | None = None
    cross_road: str | None = None
    number: int | None = None
    estate: str | None = None
    building: int | None = None
    unit: int | None = None
    room: int | None = None
    gate: str | None = None
    stop: str | None = None
    name: str | None = None
    near: bool = False


def cn_number(text: str) -> int:
    """Value of a Chinese numeral such as 三, 十二, 二十一, 一百零五 or 三〇五."""
    if all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
    return total + digit


def _arabic_numbers(text: str) -> str:
    return re.sub(
        r"[零〇一二两三四五六七八九十百千]+(?=号|栋|幢|单元|弄|室|座)",
        lambda m: str(cn_number(m.group(0))),
        text,
    )


def _strip_admin(s: str, prefixes: tuple[str, ...]) -> str:
    """Remove leading filler (在, 地址:), province and the given city/district names, in any order."""
    while True:
        m = _LEAD.match(s) or _PROVINCE.match(s)
        if m and m.end():
            s = s[m.end():]
        elif prefixes and s.startswith(prefixes):
            s = s[len(next(n for n in prefixes if s.startswith(n))):]
        else:
            return s


def _rewrite(s: str, prefixes: tuple[str, ...]) -> str:
    """One pass of the normalization rules."""
    s = re.sub(r"\s+", "", s)
    s = s.strip(",.;:!?，。；：！？")
    s = _strip_admin(s, prefixes)
    s = _arabic_numbers(s)
    s = re.sub(r"(?<=\d)(?:号楼|幢|座)", "栋", s)
    s = re.sub(rf"(?<={_ESTATE_END})(\d+)-(\d+)-(\d+)", r"\1栋\2单元\3室", s)
    s = re.sub(rf"(?<={_ESTATE_END})(\d+)-(\d+)(?!\d|-)", r"\1栋\2单元", s)
    s = re.sub(r"(?:交叉路口|十字路口|丁字路口|交叉口|交汇处|交口|(?<=[路街巷])路口)", "交叉口", s)
    s = re.sub(r"(?<=[\u4e00-\u9fff])路口", "路交叉口", s)  # 人民路口 = 人民路 + 口
    s = re.sub(r"(?:的|那个|这个|那|这)+(?=交叉口)", "", s)
    s = re.sub(r"(东南|东北|西南|西北|东|西|南|北|正|后|侧)门口", r"\1门", s)
    s = re.sub(r"(?:公交车站|公交站台|公交站点|公交站|车站|站台)$", "公交站", s)
    s = re.sub(r"(?:公交车站|公交站台|公交站点|车站|站台)(?=" + _NEAR + ")", "公交站", s)
    return re.sub(r"(?:地铁站|轨道交通站|地铁)(?=$|" + _NEAR + ")", "地铁站", s)


def normalize(text: str, admin_names: Iterable[str] = ()) -> str:
    """Canonical form of an address: half-width, no spaces, one spelling per form.

    `admin_names` (province, city, district of the gazetteer) are removed from the front.
    The rules run until nothing changes, so normalizing twice changes nothing.
    """
    prefixes = tuple(n for n in sorted(admin_names, key=len, reverse=True) if n)
    s = unicodedata.normalize("NFKC", text)
    for _ in range(_MAX_PASSES):
        rewritten = _rewrite(s, prefixes)
        if rewritten == s:
            break
        s = rewritten
    return s


def _near(match: re.Match[str], text: str) -> bool:
    return bool(match.group("near")) or any(text.endswith(w) for w in NEAR_WORDS)


def _strip_near(text: str) -> str:
    for word in NEAR_WORDS:
        if text.endswith(word):
            return text[: -len(word)]
    return text


def parse(text: str, admin_names: Iterable[str] = ()) -> ParsedAddress:
    """Normalize `text` and recognise its form; anything unrecognised is a place name."""
    s = normalize(text, admin_names)
    m = _INTERSECTION.search(s)
    if m:
        a, b = m.group("a") or m.group("a2"), m.group("b") or m.group("b2")
        if a != b:
            near = bool(m.group("near") or m.group("near2")) or any(s.endswith(w) for w in NEAR_WORDS)
            return ParsedAddress(text, s, "intersection", road=a, cross_road=b, near=near)
    m = _STOP.search(s)
    if m:
        return ParsedAddress(text, s, "stop", stop=m.group("stop"), name=m.group("stop") + m.group("mode"), near=_near(m, s))
    m = _ESTATE.search(s)
    if m and not re.fullmatch(ROAD, m.group("estate")):
        return ParsedAddress(
            text, s, "estate",
            estate=m.group("estate"),
            building=int(m.group("building")) if m.group("building") else None,
            unit=int(m.group("unit")) if m.group("unit") else None,
            room=int(m.group("room")) if m.group("room") else None,
            gate=m.group("gate"),
            near=_near(m, s),
        )
    m = _HOUSE.match(s)
    if m:
        number = m.group("lane") or m.group("num")
        if number:
            return ParsedAddress(text, s, "house_number", road=m.group("road"), number=int(number), near=_near(m, s))
        if m.end() == len(s) or m.group("near"):
            return ParsedAddress(text, s, "road", road=m.group("road"), near=_near(m, s))
    return ParsedAddress(text, s, "name", name=_strip_near(s), near=_strip_near(s) != s)
