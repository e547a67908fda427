"""Find the location phrase inside a free-text complaint, geocode it, and say how sure it is.

Tokens come from a dedicated jieba POS tokenizer (never the global dictionary,
which the classifier owns) that knows every gazetteer name as a place (ns).
A phrase starts at a place token and runs on through address tails (号, 栋,
路口, 东门, 附近 …) and "和/与" joining a second place; each phrase is parsed and
geocoded, and the surest one wins.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import jieba
import jieba.posseg

from gateway.location.gazetteer import Gazetteer, Place

jieba.setLogLevel(logging.WARNING)

PLACE_FLAGS = frozenset({"ns"})
NAME_FREQ = 100_000
_CONNECTORS = frozenset({"和", "与", "跟", "同", "及", "、", "/"})
_TAILS = frozenset({
    "路", "街", "大街", "大道", "巷", "胡同", "小区", "花园", "新村", "家园", "公寓", "大厦",
    "路口", "交叉口", "交叉路口", "十字路口", "丁字路口", "交口", "交汇处",
    "东门", "西门", "南门", "北门", "正门", "大门", "侧门", "后门", "门口",
    "东南门", "东北门", "西南门", "西北门",
    "公交站", "公交车站", "车站", "站台", "站", "地铁站",
    "号", "号楼", "栋", "幢", "座", "单元", "室", "弄",
    "附近", "旁边", "对面", "周边", "一带", "边上",
})
# "幸福小区的东门", "幸福路中山路那个丁字路口": a filler between a place and its tail.
_FILLERS = frozenset({"的", "那个", "这个", "那", "这"})
_NAME_SUFFIXES = frozenset({"路", "街", "大街", "大道", "巷", "胡同", "小区", "花园", "新村", "家园"})
_NUMBER = re.compile(r"^[0-9零〇一二两三四五六七八九十百千]+$")
_PLACE_SHAPE = re.compile(r"^[\u4e00-\u9fff]{2,8}(?:大道|大街|路|街|巷|胡同|小区|花园|新村|家园)$")
# Words shaped like a road or estate name that name no particular place.
_GENERIC = frozenset({"马路", "公路", "道路", "小路", "大路", "大街", "街道", "这条路", "那条路", "这条街", "那条街",
                      "高速公路", "人行道路", "我们小区", "这个小区", "那个小区", "老小区"})
# Phrases made only of names the tagger guessed are less sure than gazetteer names.
GUESSED_NAME_FACTOR = 0.7
# Two different places named in one complaint: the winner is less certain.
AMBIGUITY_FACTOR = 0.8


@dataclass(frozen=True)
class TextPlace:
    """A location phrase found in text, its span, its place (None if not geocoded) and confidence."""

    phrase: str
    start: int
    end: int
    place: Place | None
    confidence: float


def _half_width(text: str) -> str:
    """Full-width ASCII and the ideographic space to half-width, keeping every offset."""
    return "".join(
        chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else (" " if c == "\u3000" else c) for c in text
    )


class PlaceFinder:
    """Finds and geocodes place phrases in complaints for one city's gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._names = {name for name, _ in gazetteer.names()}
        self.tokenizer = jieba.Tokenizer()
        for name in sorted(self._names):
            self.tokenizer.add_word(name, NAME_FREQ, "ns")
        for tail in sorted(_TAILS):
            if len(tail) > 1:
                self.tokenizer.add_word(tail, NAME_FREQ, "s")
        self._pos = jieba.posseg.POSTokenizer(self.tokenizer)

    def _is_place(self, word: str, flag: str) -> bool:
        if word in self._names:
            return True
        return word not in _GENERIC and (flag in PLACE_FLAGS or bool(_PLACE_SHAPE.match(word)))

    def _is_tail(self, word: str) -> bool:
        return word in _TAILS or bool(_NUMBER.match(word))

    def _tokens(self, text: str) -> list[tuple[str, str, int]]:
        """(word, flag, offset) triples; a noun followed by a road or estate suffix becomes one place."""
        tokens: list[tuple[str, str, int]] = []
        offset = 0
        for pair in self._pos.cut(_half_width(text)):
            word, flag = pair.word, pair.flag
            if tokens and word in _NAME_SUFFIXES:
                prev, pflag, pstart = tokens[-1]
                if len(prev) >= 2 and pflag[:1] in ("n", "t", "j") and prev + word not in _GENERIC:
                    tokens[-1] = (prev + word, "ns", pstart)
                    offset += len(word)
                    continue
            tokens.append((word, flag, offset))
            offset += len(word)
        return tokens

    def phrases(self, text: str) -> list[tuple[str, int, int, bool]]:
        """Candidate phrases as (phrase, start, end, has_gazetteer_name), in text order."""
        tokens = self._tokens(text)
        found: list[tuple[str, int, int, bool]] = []
        i = 0
        while i < len(tokens):
            word, flag, start = tokens[i]
            if not self._is_place(word, flag):
                i += 1
                continue
            j = i + 1
            while j < len(tokens):
                nxt, nflag, _ = tokens[j]
                if self._is_place(nxt, nflag) or self._is_tail(nxt):
                    j += 1
                elif nxt in _CONNECTORS and j + 1 < len(tokens) and self._is_place(*tokens[j + 1][:2]):
                    j += 2
                elif nxt in _FILLERS and j + 1 < len(tokens) and tokens[j + 1][0] in _TAILS:
                    j += 2
                else:
                    break
            while j - 1 > i and _NUMBER.match(tokens[j - 1][0]):
                j -= 1
            end = tokens[j - 1][2] + len(tokens[j - 1][0])
            known = any(tokens[k][0] in self._names for k in range(i, j))
            found.append((text[start:end], start, end, known))
            i = j
        return found

    def candidates(self, text: str) -> list[TextPlace]:
        """Every phrase with its geocoded place and confidence, surest first."""
        results = []
        for phrase, start, end, known in self.phrases(text):
            place = self.gazetteer.geocode(phrase)
            factor = 1.0 if known else GUESSED_NAME_FACTOR
            confidence = round(place.confidence * factor, 3) if place else 0.0
            results.append(TextPlace(phrase, start, end, place, confidence))
        return sorted(results, key=lambda c: (-c.confidence, c.start))

    def find(self, text: str) -> TextPlace | None:
        """The surest location phrase of `text`; its place is None when the gazetteer does not know it."""
        ranked = self.candidates(text)
        if not ranked:
            return None
        best = ranked[0]
        rivals = [
            c for c in ranked[1:]
            if c.place and best.place and c.place.label != best.place.label and c.confidence >= best.confidence * 0.75
        ]
        if rivals:
            return TextPlace(best.phrase, best.start, best.end, best.place, round(best.confidence * AMBIGUITY_FACTOR, 3))
        return best
