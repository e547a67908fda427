"""Text similarity of two complaints (0..1) over jieba tokens and character shingles."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

# Words that say nothing about which problem is meant.
STOPWORDS = frozenset(
    "的 了 在 是 我 我们 你 你们 他 有 很 啊 吧 呢 吗 呀 这 这个 那 那个 就 都 也 还 又 没 没有 着 请 一下 "
    "麻烦 处理 反映 投诉 举报 问题 情况 现在 已经 一直 好几 好多 非常 特别 太 一个 个 些 里 上 下 边 "
    "说 要 能 会 让 给 把 被 对 跟 和 与 及 或 而且 但是 可是 所以 因为 谢谢 希望 尽快 赶紧 看看 管管".split()
)
# Same thing, different words: folded before comparing.
SYNONYMS = {
    "垃圾箱": "垃圾桶", "果皮箱": "垃圾桶", "果壳箱": "垃圾桶", "垃圾筒": "垃圾桶",
    "窨井盖": "井盖", "下水井盖": "井盖", "污水井盖": "井盖", "雨水井盖": "井盖",
    "小摊": "摊贩", "小贩": "摊贩", "摆摊": "摊贩", "流动摊贩": "摊贩",
    "马路": "路面", "路上": "路面",
    "噪声": "噪音", "吵": "噪音",
    "满出来": "溢出", "溢出来": "溢出", "冒出来": "溢出",
    "没人收": "没人清理", "没人扫": "没人清理", "没人管": "没人清理",
    "不见了": "丢失", "丢了": "丢失", "没了": "丢失", "被偷了": "丢失",
}
# Words that say where, not what: two reports of different problems at one corner share them.
PLACE_WORDS = (
    "十字路口", "交叉路口", "交叉口", "路口", "东门", "西门", "南门", "北门", "门口", "附近", "旁边", "对面",
)
_PUNCT = re.compile(r"[^\w]|_", re.UNICODE)
_SYNONYM = re.compile("|".join(sorted(SYNONYMS, key=len, reverse=True)))
TOKEN_WEIGHT = 0.5
FEATURE_CACHE = 4096
SHINGLE_SIZE = 2


def _clean(text: str, ignore: tuple[str, ...]) -> str:
    s = _PUNCT.sub("", unicodedata.normalize("NFKC", text).lower())
    for word in ignore:
        s = s.replace(word, "")
    return _SYNONYM.sub(lambda m: SYNONYMS[m.group(0)], s)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Sørensen–Dice coefficient of two sets (0 when both are empty)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


class TextSimilarity:
    """Blend of token Dice and character-shingle Dice; own jieba tokenizer, never the global one.

    `ignore` holds place names (a city's gazetteer) removed before comparing, so
    that two different problems at one named corner do not look alike.
    """

    def __init__(self, ignore: Iterable[str] = (), tokenize: Callable[[str], list[str]] | None = None,
                 token_weight: float = TOKEN_WEIGHT, shingle_size: int = SHINGLE_SIZE) -> None:
        self._tokenize = tokenize or jieba.Tokenizer().lcut
        words = {unicodedata.normalize("NFKC", w).lower() for w in (*ignore, *PLACE_WORDS) if w}
        self._ignore = tuple(sorted(words, key=len, reverse=True))
        # Candidate cases are scored again and again against new reports: keep their features.
        self._features = lru_cache(maxsize=FEATURE_CACHE)(self._compute_features)
        self.token_weight = token_weight
        self.shingle_size = shingle_size

    def tokens(self, text: str) -> frozenset[str]:
        """Content tokens of a complaint (stopwords and single digits removed)."""
        return frozenset(t for t in self._tokenize(_clean(text, self._ignore)) if t not in STOPWORDS and not t.isdigit())

    def shingles(self, text: str) -> frozenset[str]:
        """Overlapping character n-grams of the cleaned text (the whole text if shorter)."""
        s = _clean(text, self._ignore)
        n = self.shingle_size
        return frozenset(s[i:i + n] for i in range(max(len(s) - n + 1, 1))) if s else frozenset()

    def _compute_features(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        return self.tokens(text), self.shingles(text)

    def __call__(self, a: str, b: str) -> float:
        """Similarity in [0, 1]; 1 for identical content, 0 for nothing in common."""
        tokens_a, shingles_a = self._features(a)
        tokens_b, shingles_b = self._features(b)
        score = self.token_weight * dice(tokens_a, tokens_b) + (1 - self.token_weight) * dice(shingles_a, shingles_b)
        return round(min(max(score, 0.0), 1.0), 4)


@lru_cache(maxsize=1)
def default_similarity() -> TextSimilarity:
    """A shared instance, built on first use (jieba loads its dictionary then)."""
    return TextSimilarity()


def text_similarity(a: str, b: str) -> float:
    """Similarity of two complaint texts with the shared default instance."""
    return default_similarity()(a, b)
