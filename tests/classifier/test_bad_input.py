import jieba
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier import Classifier
from classifier.text import FEATURE_CHARS


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("   \t\n  ", "empty"),
    ("\u3000\u3000", "empty"),
    ("😡😡😡👎", "no_signal"),
    ("？？？！！！。。。", "no_signal"),
    ("...---!!!", "no_signal"),
    ("1234567890", "no_signal"),
])
def test_no_content_needs_review(clf: Classifier, text: str, reason: str) -> None:
    c = clf.classify(text)
    assert (c.class_id, c.needs_review, c.reason) == (None, True, reason)


def test_unknown_words_only_need_review(clf: Classifier) -> None:
    c = clf.classify("qwzx vbnm plokijuh")
    assert c.needs_review and c.reason in ("no_signal", "low_confidence")


def test_fifty_thousand_characters_is_handled(clf: Classifier) -> None:
    text = "小区门口的井盖丢了，晚上很危险。" * 3200
    assert len(text) > 50_000
    c = clf.classify(text)
    assert c.truncated and c.needs_review and c.reason == "too_long"
    assert c.candidates and c.candidates[0].class_id.startswith("cp-01")


def test_long_but_plausible_text_is_truncated_and_classified(clf: Classifier) -> None:
    text = "我们小区东门那个井盖不见了，好几天了，晚上路过的人很容易掉下去，" * (FEATURE_CHARS // 30 + 5)
    c = clf.classify(text)
    assert c.truncated and c.reason != "too_long"


def test_mixed_scripts_are_classified(clf: Classifier) -> None:
    c = clf.classify("Hi 12319, 我家楼下 garbage 堆了好几天没人清理 🤢 please help")
    assert c.candidates and c.reason in (None, "low_confidence")


def test_own_tokenizer_not_the_global_one(clf: Classifier) -> None:
    assert clf.segmenter.words("门口乱堆物料") == ["门口", "乱堆物料"]
    assert "乱堆物料" not in jieba.dt.FREQ


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_gets_an_answer(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.needs_review or c.class_id is not None
    assert 0.0 <= c.confidence <= 1.0
    if c.needs_review:
        assert c.class_id is None and c.reason
