"""Place names in Latin letters: made from the Chinese names (pinyin by pypinyin, the kind of place in English) when a
gazetteer is generated, and read back as the Chinese names in what a citizen writes ("Renmin Rd & Jiefang Rd junction"
is 人民路与解放路交叉口), so the Chinese parser and place finder do the rest."""
from __future__ import annotations

import re
from collections.abc import Iterable

# The kind of place a name ends with, in English; longest first. Names ending otherwise are written in pinyin only.
KINDS = [("菜市场", "Market"), ("人民医院", "People's Hospital"), ("医院", "Hospital"), ("小学", "Primary School"),
         ("公园", "Park"), ("广场", "Square"), ("大道", "Avenue"), ("小区", "Estate"), ("花园", "Garden"), ("路", "Road"),
         ("街", "Street")]
DIRECTIONS = {"东": "East", "南": "South", "西": "West", "北": "North", "中": "Middle"}
# Short forms a citizen writes, as the word the names carry.
SHORT = {"rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "sq": "square"}
CJK = "\u4e00-\u9fff"
JUNCTION = r"(?:junction|intersection|crossing|crossroads?|corner)"
LINK = r"(?:&|and|/|at|x|×)"


def pinyin(chinese: str) -> str:
    """人民 -> Renmin (one word, capitalised)."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(chinese)).capitalize()


def latin_names(name: str) -> list[str]:
    """The English and the pinyin form of a Chinese place name: 人民路 -> ["Renmin Road", "Renmin Lu"], 人民北路 ->
    ["Renmin North Road", "Renmin Beilu"]."""
    for ending, english in KINDS:
        stem = name[: -len(ending)]
        if name.endswith(ending) and stem:
            if ending in ("路", "街") and len(stem) > 1 and stem[-1] in DIRECTIONS:
                return [f"{pinyin(stem[:-1])} {DIRECTIONS[stem[-1]]} {english}", f"{pinyin(stem[:-1])} {pinyin(stem[-1] + ending)}"]
            return [f"{pinyin(stem)} {english}", f"{pinyin(stem)} {pinyin(ending)}"]
    return [pinyin(name)]


def _key(text: str) -> str:
    """Lower case, short forms spelled out, without spaces or hyphens ("Renmin Bei Lu" is "Renmin Beilu"): the form
    names are compared in."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    return "".join(SHORT.get(w, w) for w in words)


class LatinNames:
    """Latin names of one gazetteer and the Chinese names they stand for."""

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        names = list(names)
        found = {_key(latin): chinese for latin, chinese in names if _key(latin)}
        self.chinese = found
        self._english: dict[str, str] = {}
        for latin, chinese in names:
            self._english.setdefault(chinese, latin)
        pattern = "|".join(r"[\s-]*".join(re.escape(ch) for ch in key) for key in sorted(found, key=len, reverse=True))
        short = "|".join(SHORT)
        # A name, its last word perhaps in a short form (Rd, Rd., St): "Jiefang Rd." reads as "jiefang road".
        self._names = re.compile(rf"(?<![a-z])(?:{pattern})(?![a-z])", re.IGNORECASE) if pattern else None
        self._short = re.compile(rf"(?<![a-z0-9])({short})\b\.?", re.IGNORECASE)

    def to_chinese(self, text: str) -> str:
        """The text with every Latin place name as its Chinese name, and English junction and 'near' words as Chinese."""
        if self._names is None or not re.search(r"[A-Za-z]", text):
            return text
        spelled = self._short.sub(lambda m: SHORT[m.group(1).lower()], text)
        named = self._names.sub(lambda m: self.chinese[_key(m.group(0))], spelled)
        place = rf"[{CJK}]+"
        named = re.sub(rf"(?:the\s+)?{JUNCTION}\s+of\s+({place})\s*{LINK}\s*({place})", r"\1与\2交叉口", named, flags=re.IGNORECASE)
        named = re.sub(rf"({place})\s*{LINK}\s*({place})(?:\s*{JUNCTION})?", r"\1与\2交叉口", named, flags=re.IGNORECASE)
        return re.sub(rf"\b(?:near|by|close to|next to)\s+({place})", r"\1附近", named, flags=re.IGNORECASE)

    def english(self, chinese: str) -> str | None:
        """The first Latin name given for a Chinese name, or None."""
        return self._english.get(chinese)
