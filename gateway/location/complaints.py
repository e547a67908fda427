"""Two complaints compared as a reader would: the problem each states, and the place each names.

Whole-letter similarity is low between two long letters that share only their problem and their place: greetings,
histories, neighbourhood context and pleas differ. Here a text is cut to its problem sentences (classifier.letters)
with the place phrases taken out, and the places are compared on their own: two texts naming different places
(幸福小区北门 / 阳光花园南门, 人民路30号 / 人民路210号) are not the same problem, whatever their coordinates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from classifier.letters import _NEW_TOPIC, sentences
from classifier.text import normalize
from gateway.location.places import PlaceFinder
from gateway.location.similarity import TextSimilarity

PlaceRelation = Literal["same", "different", "unknown"]
FEATURE_CACHE = 4096
# House numbers on one road further apart than this are different places.
NUMBER_GAP = 20
_HOUSE_NUMBER = re.compile(r"(\d{1,4})\s*号(?!楼)")
# On a road, "128号楼下" is below number 128.
_ROAD_NUMBER = re.compile(r"(\d{1,4})\s*号")
_PARTS = {
    "gate": re.compile(r"(东南|东北|西南|西北|东|西|南|北|正|后|侧)\s*(?:大)?门"),
    "building": re.compile(r"(\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?:栋|幢|号楼|座)"),
    "exit": re.compile(r"([a-z]|\d{1,2})\s*(?:号)?(?:出口|口)(?![罩袋])"),
}
_NUMERALS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}
# Gates named by compass point and gates named by their role (正门 / 后门 / 侧门) are told apart only among their own sort:
# the back gate of one text may be the north gate of the other.
_COMPASS = frozenset({"东", "西", "南", "北", "东南", "东北", "西南", "西北"})
_GENERIC_PLACE = re.compile(r"^(?:路口|十字路口|交叉口|门口|小区|附近|旁边|对面|马路|大门|东门|西门|南门|北门)$")


# What kind of place a name is, by its shape, when the gazetteer does not know it: only names of one kind can tell two
# places apart (a school and the crossing next to it may be one place; two different roads cannot).
_NAME_KINDS = (
    ("road", re.compile(r"^[\u4e00-\u9fff]{2,}(?:路|街|大街|大道|巷|弄)$")),
    ("estate", re.compile(r"^[\u4e00-\u9fff]{2,}(?:小区|花园|新村|家园|苑|园|公寓|大厦|村|里|坊|城)$")),
)


@dataclass(frozen=True)
class Reading:
    """What a comparison needs of one text: its problem words, the names of its places (and which the gazetteer
    knows), their house numbers."""

    problem: str
    names: frozenset[str]
    known: frozenset[str]
    numbers: dict[str, frozenset[int]]
    # The first problem sentence: where a citizen states the problem before telling what it does to whom.
    lead: str = ""
    # Finer places inside a named one, by kind: gates (东门), buildings (3栋), metro exits (B口).
    parts: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # name -> road | estate | landmark


_ESTATE_KINDS = re.compile(r"estate|community|小区|新村|花园|家园|苑|社区|公寓")
# A landmark named in the text that the place finder does not know ("梧桐小学", "中医院"): a short name before its suffix.
_LANDMARK_SORTS = {
    "school": "小学|中学|幼儿园|大学", "hospital": "医院|卫生院", "bank": "银行", "shop": "超市|商场",
    "park": "公园|广场", "market": "菜市场|菜场|农贸市场", "metro": "地铁站", "building": "大厦|酒店|宾馆|大楼",
    "hall": "体育馆|图书馆|书店", "office": "派出所|居委会|街道办|服务中心", "estate": "小区|花园|新村|家园|公寓|山庄",
}
_SUFFIXES = "|".join(_LANDMARK_SORTS.values())
_LANDMARK = re.compile(rf"([\u4e00-\u9fff]{{1,6}}?)({_SUFFIXES})")
_STATION = re.compile(r"地铁\s*([\u4e00-\u9fff]{2,5}?)站")
_STATION_NAME = re.compile(r"^(.+?)地铁站$")
_SUFFIX_ONLY = re.compile(rf"^(?:{_SUFFIXES})$")
_SORT_OF = [(sort, re.compile(rf"(?:{words})$")) for sort, words in _LANDMARK_SORTS.items()]
_NOT_IN_NAME = re.compile(r".*(?:[^\u4e00-\u9fff]|路|街|道|区|镇|的|在|是|了|和|与|到|从|那|这|个|家|我|们|边|口|旁|对面|说|想)")


# Clauses of a text's frame, not of its problem: who writes and to whom, how the report is framed, how long it has
# lasted, what is asked. Two texts of one problem differ most in these; two texts of two problems share them.
_FRAME_CLAUSES = (
    re.compile(r"^(?:(?:尊敬|敬爱|亲爱)的.{0,14}|.{0,10}(?:您|你)们?好|喂|各位.{0,4}好)[!！:：,，\s]*$"),
    re.compile(r"^(?:我是|我们是|本人是?|我(?:每天|天天|平时)?(?:都)?(?:在|从)?.{0,10}(?:经过|上班|上学|开店|居住|住了.{0,6}))"
               r"[^,，]{0,16}$"),
    re.compile(r"^(?:(?:市民|居民|群众|来电人?|热线)(?:来电)?(?:反映|称|投诉|举报|说)|热线工单|工单|来电|(?:我)?(?:想|要)?(?:反映|投诉|举报)"
               r"(?:一下|一个问题|个事|件事)?|有(?:件|个)事.{0,10}|今天写信.{0,20})[:：,，\s]*$"),
    re.compile(r"^(?:已经|都|快|差不多|将近|足足|从|这|好|一|两|三|半|几|十)[^,，]{0,10}(?:天|周|星期|月|年|小时)"
               r"(?:了|多了|以来|开始)?(?:就这样|一直这样|都这样|没人管)?[!！。.]*$"),
    re.compile(r"^(?:麻烦|请|烦请|恳请|希望|要求|盼|谢谢|谁来|快来|赶紧|你们|市民要求)[^,，]{0,16}"
               r"(?:处理|看看|看一下|查看|管管|管一下|管一管|解决|回复|答复|谢谢|感谢)[^,，]{0,6}$"),
)


_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z]{2}")


# A clause that only says where ("西北角那边", "我们小区门口"): its place is compared on its own.
_WHERE_ONLY = re.compile(r"^[^,，在堆有是了把被放倒摆停扔]{0,14}(?:门口|大门|附近|旁边|对面|路边|楼下|楼上|那边|这边|那里|这里|那儿|外面|一带|东南角|东北角|西南角|西北角"
                         r"|出口|口外|角落|边上)$")
# The frame of a text spoken without punctuation (voice to text): its opening and its plea.
_SPOKEN_OPENING = re.compile(r"^(?:喂|哎)?(?:你好|您好)?(?:我|我们)?(?:想|要)?(?:反映|投诉|举报)(?:一下|个事|个问题)?(?:就是)?")
_SPOKEN_PLEA = re.compile(r"(?:你们|麻烦|请)?(?:赶紧|尽快|快点|快)?(?:派人|来人)?(?:过来|来)?(?:看一下|看看|处理一下|处理|管一管|管管|管一下)"
                          r"(?:吧|啊|呀|好吗|谢谢)?[!！。.]*$")

# What a problem does to the people near it (any problem does it): "严重影响我们的正常生活", "老人孩子很不安全".
_CONSEQUENCE = re.compile(r"影响[^,，]{0,8}(?:生活|出行|休息|睡眠|学习|工作|市容|形象)|不安全|提心吊胆|迟早[^,，]{0,3}出事|意见[^,，]{0,3}大|揪心"
                          r"|不方便|要小心|抱怨|受不了|苦不堪言|休息不好|睡不好")


def _problem_clauses(sentence: str) -> str:
    """A problem sentence without the clauses of its frame, of consequences, and those that only say where ("" when
    nothing else is left)."""
    clauses = [c for c in re.split(r"(?<=[,，:：])\s*", sentence) if c.strip()]
    kept = [c for c in clauses
            if not any(f.match(bare := c.strip().rstrip(",，:：").strip()) for f in _FRAME_CLAUSES)
            and not _WHERE_ONLY.match(bare) and not (len(bare) <= 16 and _CONSEQUENCE.search(bare))]
    text = "".join(kept)
    return _SPOKEN_PLEA.sub("", _SPOKEN_OPENING.sub("", text)) or text


def _known_kind(kind: str) -> str:
    return "road" if kind == "road" else ("estate" if _ESTATE_KINDS.search(kind) else "landmark")


def _landmarks(text: str) -> list[tuple[str, int]]:
    """Short landmark names by their suffix, cut after the last word that cannot be inside a name, with where each
    ends."""
    found = []
    for m in _LANDMARK.finditer(text):
        head = _NOT_IN_NAME.sub("", text[max(0, m.start() - 6):m.start(2)])
        if len(head) >= 2:
            found.append((head[-4:] + m.group(2), m.end()))
    for m in _STATION.finditer(text):  # 地铁梧桐路站 B口 = 梧桐路地铁站 B出口: one station, named "梧桐路站"
        found.append((m.group(1) + "站", m.end()))
    return [(_STATION_NAME.sub(r"\1站", name), end) for name, end in found]


def _landmark_sort(name: str) -> str | None:
    """A landmark's sort by its suffix (two hospitals named apart are two places; a hospital and the shop facing it
    may be one)."""
    sort = next((sort for sort, shape in _SORT_OF if shape.search(name)), None)
    return None if sort is None else ("estate" if sort == "estate" else f"landmark:{sort}")


def _part_value(kind: str, value: str) -> str:
    """A gate, building or exit in one spelling: numerals as digits (三栋 = 3栋), roles of gates kept apart from
    compass points."""
    value = "".join(_NUMERALS.get(c, c) for c in value)
    if value.startswith("十") or value.endswith("十") or "十" in value:
        head, _, tail = value.partition("十")
        value = str((int(head) if head else 1) * 10 + (int(tail) if tail else 0))
    if kind == "gate" and value not in _COMPASS:
        return "role:" + value
    return value


def _parts_apart(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two sets of gates (buildings, exits) that cannot name one: no value shared, and some value of one sort on both
    sides (compass gates against compass gates, 正门 against 后门)."""
    if a & b:
        return False
    role_a, role_b = {v for v in a if v.startswith("role:")}, {v for v in b if v.startswith("role:")}
    return bool((a - role_a) and (b - role_b)) or bool(role_a and role_b)


def _split_roads(name: str) -> list[str]:
    """A phrase the finder kept as one that holds two roads ("文化路胜利路"): the roads."""
    roads = re.findall(r"[\u4e00-\u9fff]{2,4}?(?:路|街|大道)", name)
    return roads if len(roads) >= 2 and "".join(roads) == name else [name]


def _covered(names: set[str], by: set[str]) -> bool:
    """Every name of `names` alike one of `by`."""
    return all(any(_alike(x, y) for y in by) for x in names)


def _alike(a: str, b: str) -> bool:
    """Two names for one place: equal, or one inside the other (中心菜市场 / 菜市场, 和平路路口 / 和平路)."""
    return a in b or b in a


class ComplaintSimilarity:
    """`similarity(a, b)`: the problems' likeness (0..1); `places(a, b)`: same, different or unknown places."""

    def __init__(self, finder: PlaceFinder, text: TextSimilarity) -> None:
        self.finder = finder
        self.text = text
        self._read = lru_cache(maxsize=FEATURE_CACHE)(self._reading)
        self._known_kinds: dict[str, str] = {}
        for n, k in finder.gazetteer.names():
            main = finder.gazetteer.canonical(n) or n
            if self._known_kinds.get(main) in (None, "landmark"):  # a road or an estate also listed as a spot stays one
                self._known_kinds[main] = _known_kind(k)

    def _reading(self, raw: str) -> Reading:
        norm = normalize(raw)
        parts = sentences(norm)
        problem_parts, further, whole, names, known, numbers = [], [], [], set(), set(), {}
        parts_of: dict[str, dict[str, set[str]]] = {}
        for s in parts or []:
            cut, last = [], 0
            raw: list[tuple[str, str]] = []
            for phrase, start, end, _known in self.finder.phrases(s.text):
                cut.append(s.text[last:start])
                last = end
                for written in (n for whole in self._names(phrase) for n in _split_roads(whole)):
                    name = written
                    main = self.finder.gazetteer.canonical(name)
                    if main:
                        name = main
                        known.add(name)
                    names.add(name)
                    found = frozenset(int(n) for n in (_ROAD_NUMBER if self._kind(name) == "road" else _HOUSE_NUMBER)
                                      .findall(phrase + s.text[end:end + 3]))
                    if found:
                        numbers[name] = numbers.get(name, frozenset()) | found
                    raw.append((written, name))
                    tail = s.text[end:end + 12]
                    for kind, pattern in _PARTS.items():
                        hit = pattern.search(phrase[phrase.find(name) + len(name):] + tail[:6])
                        if hit:
                            parts_of.setdefault(name, {}).setdefault(kind, set()).add(_part_value(kind, hit.group(1)))
            cut.append(s.text[last:])
            for landmark, end in _landmarks(s.text):
                # "东门菜场": the finder's "菜场" (the market the city knows) is only this landmark's suffix.
                for written, name in raw:
                    if written != landmark and _SUFFIX_ONLY.match(written) and landmark.endswith(written):
                        names.discard(name)
                if not any(_alike(landmark, n) for n in names):
                    names.add(landmark)
                    for kind, pattern in _PARTS.items():
                        hit = pattern.search(s.text[end:end + 8])
                        if hit:
                            parts_of.setdefault(landmark, {}).setdefault(kind, set()).add(
                                _part_value(kind, hit.group(1)))
            if s.role == "problem":
                whole.append("".join(cut))
                if stated := _problem_clauses(whole[-1]):
                    (further if _NEW_TOPIC.match(s.text) else problem_parts).append(stated)
        kinds = {n: kind for n in names if (kind := self._kind(n))}
        # A further problem ("另外…") is not what the text is about: it counts only when nothing else is left.
        problem = ",".join(problem_parts or further or whole) or norm
        lead = next((p for p in problem_parts or further if _CONTENT.search(p)), problem)
        return Reading(problem, frozenset(names), frozenset(known), numbers, lead,
                       {n: {k: frozenset(v) for k, v in ks.items()} for n, ks in parts_of.items()}, kinds)

    def _kind(self, name: str) -> str | None:
        known = self._known_kinds.get(name)
        if known == "landmark":
            return _landmark_sort(name) or known
        if known:
            return known
        return next((kind for kind, shape in _NAME_KINDS if shape.match(name)), None) or _landmark_sort(name)

    def _names(self, phrase: str) -> list[str]:
        """Proper names inside a place phrase (roads, estates, landmarks), not its tails."""
        tokens = [w for w, flag, _ in self.finder._tokens(phrase)]
        return [w for w in tokens if len(w) >= 2 and not _GENERIC_PLACE.match(w)
                and self.finder._is_place(w, "ns" if w in self.finder._names else "x")]

    def problem(self, text: str) -> str:
        """The problem sentences of a text without their place phrases."""
        return self._read(text).problem

    def __call__(self, a: str, b: str) -> float:
        """The likeness of the problems: of the whole problem sentences, or of the sentences that state them, whichever
        is higher (a letter that goes on about who suffers is no less the same problem)."""
        ra, rb = self._read(a), self._read(b)
        return max(self.text(ra.problem, rb.problem), self.text(ra.lead, rb.lead))

    def places(self, a: str, b: str) -> PlaceRelation:
        """"same" when the texts share a place name (one inside the other counts) and no house numbers far apart on it;
        "different" when both name distinct places that cannot be one (gazetteer names, or names shaped like a road or
        an estate); otherwise "unknown" (abbreviations, landmarks, no place named)."""
        ra, rb = self._read(a), self._read(b)
        shared = [(x, y) for x in ra.names for y in rb.names if _alike(x, y)]
        for x, y in shared:
            na, nb = ra.numbers.get(x), rb.numbers.get(y)
            if na and nb and min(abs(p - q) for p in na for q in nb) > NUMBER_GAP:
                return "different"
            pa, pb = ra.parts.get(x, {}), rb.parts.get(y, {})
            if any(pa.get(kind) and pb.get(kind) and _parts_apart(pa[kind], pb[kind]) for kind in _PARTS):
                return "different"  # 锦绣家园东门 / 锦绣家园西门, 3栋 / 11栋
        # Two junctions that share one road: each text names a road the other does not (文化路解放路口 / 文化路和平路口).
        roads_a = {n for n, k in ra.kinds.items() if k == "road"}
        roads_b = {n for n, k in rb.kinds.items() if k == "road"}
        if len(roads_a) >= 2 and len(roads_b) >= 2 and not _covered(roads_a, roads_b) and not _covered(roads_b, roads_a):
            return "different"
        # Places of one kind named on both sides and none shared: different (two roads, two estates, two landmarks).
        for kind in {k for k in ra.kinds.values()} & {k for k in rb.kinds.values()}:
            of_a = [n for n, k in ra.kinds.items() if k == kind]
            of_b = [n for n, k in rb.kinds.items() if k == kind]
            if not any(_alike(x, y) for x in of_a for y in of_b):
                return "different"
        return "same" if shared else "unknown"
