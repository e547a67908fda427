"""A feature of the model is shown as the whole words of the text it stands for, never as a fragment."""
from __future__ import annotations

import pytest

from classifier.phrases import phrase

WORDS = ["行人", "差点", "掉", "进去", "井盖", "没", "了"]


@pytest.mark.parametrize(("token", "kind", "shown"), [
    ("人差", "characters", "行人差点"), ("点掉", "characters", "差点掉"), ("井", "characters", "井盖"), ("井盖", "word", "井盖"),
    ("井盖_没", "word pair", "井盖没"), ("lamp_post", "word pair", "lamp post"), ("stree", "word prefix", "street"),
])
def test_a_feature_reads_as_whole_words(token: str, kind: str, shown: str) -> None:
    assert phrase(token, kind, WORDS + ["street"]) == shown


def test_a_fragment_no_run_of_words_holds_is_not_shown() -> None:
    assert phrase("路灯", "characters", WORDS) is None
    assert phrase("人差点掉进去井盖", "characters", WORDS) is None  # longer than three words
