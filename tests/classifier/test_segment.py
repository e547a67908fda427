"""The fast cutter gives jieba's own words, with the classifier's dictionary, on the whole corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.corpus import read_examples, train_files
from classifier.corpus import test_sets as labelled_sets
from classifier.segment import Segmenter
from classifier.text import normalize


@pytest.fixture(scope="module")
def segmenters(tmp_path_factory: pytest.TempPathFactory) -> tuple[Segmenter, Segmenter]:
    cache = tmp_path_factory.mktemp("segment")
    return Segmenter(cache, fast=True), Segmenter(cache, fast=False)


def test_rjieba_is_in_use(segmenters: tuple[Segmenter, Segmenter]) -> None:
    fast, slow = segmenters
    assert fast._cut is not None, "rjieba is not installed: the classifier runs at jieba's speed"
    assert slow._cut is None


def test_same_words_as_jieba_on_every_text_of_the_corpora(segmenters: tuple[Segmenter, Segmenter]) -> None:
    fast, slow = segmenters
    files: list[Path] = train_files() + [f for fs in labelled_sets().values() for f in fs]
    texts = [normalize(e.text) for f in files for e in read_examples(f)]
    assert len(texts) > 10_000
    differ = [(a, b) for t in texts if (a := fast.cut(t)) != (b := slow.cut(t))]
    # The only differences allowed are ties: two cuts of exactly equal probability ("咚咚咚": 咚咚/咚 or 咚/咚咚), which
    # the two break differently; the words themselves and their number are the same.
    for a, b in differ:
        assert sorted(a) == sorted(b) and "".join(a) == "".join(b), (a, b)
    assert len(differ) <= len(texts) // 1000, len(differ)
    assert fast.words("小区门口井盖丢了!!") == slow.words("小区门口井盖丢了!!") == ["小区", "门口", "井盖", "丢", "了"]
