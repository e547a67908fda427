"""Review thresholds by kind of text: chosen on each language's letters and notes, applied by the language a text is
written in and whether it is a note or a letter; an answer is given at the surest level the text supports."""

from __future__ import annotations

from classifier import Classifier
from classifier.core import MAJOR_SURE, Finding
from classifier.corpus import read_examples
from classifier.evaluate import surely_at_least
from classifier.lifecycle import Outcome, Sources
from classifier.text import NOTE_SIZE, kind_of, language_of, size_of

ENGLISH = "The manhole cover outside the primary school gate on Renmin Road is gone, there is just a hole, kids walk past it"
CHINESE = "人民路小学门口的井盖没了，只剩一个洞，孩子们天天从旁边走"
CHINESE_LETTER = ("尊敬的区长您好！我是幸福里小区的居民，人民路小学门口的井盖上个月就没了，只剩一个洞，孩子们每天上学放学都从旁边走，"
                  "晚上路灯又暗，已经有老人踩空摔伤。我们打过两次热线，至今没人来修，恳请尽快派人把井盖补上，谢谢！")


def test_a_text_is_english_when_latin_letters_far_outnumber_han_characters() -> None:
    assert language_of(ENGLISH) == "en" and language_of(CHINESE) == "zh"
    assert language_of("The bins at 幸福里小区 west gate have overflowed for a week") == "en"
    assert language_of("幸福里小区门口的KTV音响太吵了，晚上两点还在唱") == "zh"
    assert language_of("ＴＨＥ ＢＩＮ ＩＳ ＦＵＬＬ") == "en"


def test_a_text_is_a_note_up_to_the_note_size_counting_english_words_twice() -> None:
    assert size_of(CHINESE) == 26 and size_of("bin full at KTV 门口") == 2 * 4 + 2
    assert kind_of(CHINESE) == ("zh", "note") and kind_of(CHINESE_LETTER) == ("zh", "letter")
    assert kind_of(ENGLISH) == ("en", "note")
    assert kind_of(" ".join(["The bins by the west gate have overflowed again"] * 4)) == ("en", "letter")
    assert kind_of("井" * NOTE_SIZE)[1] == "note" and kind_of("井" * (NOTE_SIZE + 1))[1] == "letter"


def test_every_kind_of_text_with_enough_examples_has_a_threshold_chosen_on_its_set(trained: Outcome, clf: Classifier,
                                                                                    sources: Sources) -> None:
    threshold = trained.report["threshold"]
    kinds = threshold["kinds"]
    assert {"en-letter", "zh-note"} <= set(kinds), kinds
    assert kinds["en-letter"]["set"] == "letters_en" and kinds["zh-note"]["set"] == "short"
    for chosen in (threshold, *kinds.values()):
        assert chosen["coverage"] >= chosen["aim_coverage"] or chosen["chosen"] == 0.2, chosen
        assert chosen["accuracy_aim_met"] == (chosen["accuracy_accepted_major"] >= chosen["aim_accepted_major"])
    assert clf.thresholds == {kind: c["chosen"] for kind, c in kinds.items()}
    assert clf.threshold == threshold["chosen"]
    for kind, c in kinds.items():
        assert f"{kind} {c['chosen']}" in trained.summary()
    notes = [e for f in sources.tests["short"] for e in read_examples(f) if kind_of(e.text) == ("zh", "note")]
    assert len(notes) >= 100, "the short set holds enough Chinese notes to choose their threshold on"
    assert kinds["zh-note"]["coverage"] == round(sum(not clf.classify(e.text).needs_review for e in notes) / len(notes), 4)


def test_a_text_is_answered_at_the_threshold_of_its_kind(clf: Classifier) -> None:
    def surety(text: str) -> float:
        found = clf.classify(text).suggestion
        assert found is not None
        return found.surety
    assert surety(CHINESE) < 1.0, "the Chinese note must leave room above its surety"
    note_t, letter_t = (surety(CHINESE) + 1.0) / 2, surety(CHINESE_LETTER) - 0.01
    split = Classifier(clf.model, clf.segmenter, threshold=letter_t, thresholds={"zh-note": note_t, "en-letter": 0.2},
                       version=clf.version, families=clf.families)
    assert (split.threshold_for(CHINESE), split.threshold_for(CHINESE_LETTER)) == (note_t, letter_t)
    assert split.threshold_for(ENGLISH) == 0.2, "an English note without a threshold of its own takes English letters'"
    note, letter = split.classify(CHINESE), split.classify(CHINESE_LETTER)
    assert note.needs_review and note.reason == "low_confidence", note
    assert not letter.needs_review and letter.family_id == "fam-manhole-cover", letter


def test_an_answer_is_given_when_the_class_its_family_or_its_major_is_sure(clf: Classifier) -> None:
    unsure = Finding("ev-2013-0101", 0.4, "class", None, None, 0.97)
    assert unsure.surety == 0.97
    by_major = clf.accept(unsure, 0.9)
    assert by_major == Finding("ev-2013-0101", 0.97, "major", None, None, 0.97), \
        "the department is sure: its likeliest class is the answer, vouched for at the major only"
    assert clf.accept(Finding("ev-2013-0101", 0.4, "class", None, None, 0.6), 0.9) is None
    vague = Finding("ev-2013-0101", 0.4, "class", None, None, MAJOR_SURE - 0.01)
    assert vague.surety == 0.4 and clf.accept(vague, 0.5) is None, "below MAJOR_SURE a major answers for nothing"
    member = Finding("cp-0101", 0.5, "class", "fam-manhole-cover", 0.95, 0.96)
    family = clf.accept(member, 0.9)
    assert family is not None and family.precision == "family" and family.confidence == 0.95
    for text in (CHINESE, CHINESE_LETTER, ENGLISH, "路边垃圾堆了好几天", "小区门口有人摆摊卖菜"):
        result = clf.classify(text)
        found = result.suggestion
        assert found is not None and found.major_confidence is not None
        assert found.major_confidence >= found.confidence - 1e-6, found
        assert result.needs_review == (found.surety < clf.threshold_for(text)), (text, result)
        if not result.needs_review and result.precision == "major":
            assert result.confidence == found.major_confidence and found.confidence < clf.threshold_for(text), result


# Messages that state no problem, as callers and writers send them before (or instead of) saying what is wrong.
NO_PROBLEM_STATED = [
    "请尽快派人过来看一下这个情况", "你好，在吗", "这里有个问题需要处理", "麻烦你们管一管", "我要投诉", "请问怎么反映问题",
    "希望有关部门重视，尽快解决", "我们小区的事情一直没人管", "这个问题反映多次了，还是没人处理", "东门那边的情况很严重，请尽快处理",
    "喂喂，听得到吗", "你们到底管不管啊", "上次说的那个事怎么样了", "我想咨询一下", "有人吗？急！", "情况我在电话里说过了，你们看着办",
    "请帮忙处理一下，谢谢", "领导您好，麻烦关注一下我们这边", "问题还是老样子，没有任何改善", "我再反映一次，请重视",
    "hello is anyone there", "please send someone to have a look", "I want to make a complaint", "hi, can someone help me",
    "this is still not fixed, please do something", "thanks for your help",
]


def test_a_message_that_states_no_problem_waits_for_an_agent(clf: Classifier) -> None:
    answered = {text: result.class_id for text in NO_PROBLEM_STATED if not (result := clf.classify(text)).needs_review}
    assert answered == {}, "a text without a problem spreads its probability over the largest majors: never MAJOR_SURE"


def test_a_threshold_keeps_the_accuracy_aim_only_when_the_evidence_is_sure_of_it() -> None:
    assert not surely_at_least(0.96, 100, 0.95), "96 right of 100 may well be a 93 % classifier"
    assert surely_at_least(0.97, 2000, 0.95)
    assert not surely_at_least(1.0, 0, 0.95)
    assert not surely_at_least(0.94, 100000, 0.95)
