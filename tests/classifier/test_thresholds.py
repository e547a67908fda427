"""Review thresholds by language: chosen on each language's letters, applied by the language a text is written in."""

from __future__ import annotations

from classifier import Classifier
from classifier.evaluate import surely_at_least
from classifier.lifecycle import Outcome
from classifier.text import language_of

ENGLISH = "The manhole cover outside the primary school gate on Renmin Road is gone, there is just a hole, kids walk past it"
CHINESE = "人民路小学门口的井盖没了，只剩一个洞，孩子们天天从旁边走"


def test_a_text_is_english_when_latin_letters_far_outnumber_han_characters() -> None:
    assert language_of(ENGLISH) == "en" and language_of(CHINESE) == "zh"
    assert language_of("The bins at 幸福里小区 west gate have overflowed for a week") == "en"
    assert language_of("幸福里小区门口的KTV音响太吵了，晚上两点还在唱") == "zh"
    assert language_of("ＴＨＥ ＢＩＮ ＩＳ ＦＵＬＬ") == "en"


def test_english_letters_have_a_threshold_chosen_on_the_english_letter_set(trained: Outcome, clf: Classifier) -> None:
    english = trained.report["threshold"]["languages"]["en"]
    assert english["set"] == "letters_en" and english["coverage"] >= english["aim_coverage"]
    assert english["accuracy_aim_met"] == (english["accuracy_accepted_major"] >= english["aim_accepted_major"])
    assert clf.language_thresholds == {"en": english["chosen"]}
    assert trained.report["test_sets"]["letters_en"]["threshold"] == english["chosen"]
    assert f"en {english['chosen']}" in trained.summary()


def test_a_text_is_answered_at_the_threshold_of_its_language(clf: Classifier) -> None:
    def sureness(text: str) -> float:
        found = clf.classify(text).suggestion
        assert found is not None
        return max(found.confidence, found.family_confidence or 0.0)
    chinese_t, english_t = sureness(CHINESE) + 0.01, sureness(ENGLISH) - 0.01
    assert chinese_t <= 1.0, "the Chinese note must leave room above its confidence"
    split = Classifier(clf.model, clf.segmenter, threshold=chinese_t, language_thresholds={"en": english_t},
                       version=clf.version, families=clf.families)
    assert (split.threshold_for(ENGLISH), split.threshold_for(CHINESE)) == (english_t, chinese_t)
    english, chinese = split.classify(ENGLISH), split.classify(CHINESE)
    assert not english.needs_review and english.family_id == "fam-manhole-cover", english
    assert chinese.needs_review and chinese.reason == "low_confidence", chinese


def test_a_threshold_keeps_the_accuracy_aim_only_when_the_evidence_is_sure_of_it() -> None:
    assert not surely_at_least(0.96, 100, 0.95), "96 right of 100 may well be a 93 % classifier"
    assert surely_at_least(0.97, 2000, 0.95)
    assert not surely_at_least(1.0, 0, 0.95)
    assert not surely_at_least(0.94, 100000, 0.95)
