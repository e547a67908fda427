"""Texts outside the standard (no class covers them) are held for an agent, never filed as the class nearest in words;
texts in scope that share their words are still answered."""
from __future__ import annotations

from classifier import Classifier
from classifier.corpus import OUT_OF_SCOPE, Example
from classifier.evaluate import evaluate
from classifier.lifecycle import Outcome
from classifier.tables import load_tables

# Written for this test, as citizens send them to a city hotline or mailbox; none is in a corpus file.
OUTSIDE = [
    "家里暖气片摸着冰凉，交了采暖费屋里才十三度",
    "燃气公司的人上门说要换报警器，一个收三百八",
    "自来水放出来是黄的，烧开了底下一层沉淀",
    "物业费一年涨了两次，业主群里都在骂",
    "老板欠我们十几个人的工资，过年都回不了家",
    "楼上那家天天晚上十一点以后蹦迪一样，咚咚咚的",
    "孩子转学的事跑了三趟教育局还没办下来",
    "快递放驿站三天就退回去了，打电话也没人接",
    "小区里一条流浪狗把我家孩子咬了，打了狂犬疫苗",
    "想问下居住证过期了在哪里续签",
    "My landlord keeps my deposit and will not answer my calls",
    "The electricity bill for my flat doubled this month, is the meter broken?",
]
# The same words, problems a class covers: the major class each is answered in.
INSIDE = [
    ("马路上的暖气管道漏了，一直往外冒白汽，路面都是水", "突发事件"),
    ("街边燃气管道好像漏气了，走过去一股很冲的煤气味", "突发事件"),
    ("路口自来水管爆了，水从地下往上喷，路都淹了", "突发事件"),
    ("小区垃圾房外面垃圾堆了一地，物业好几天没清", "市容环境"),
    ("半夜工地还在施工，电锯声吵得整栋楼睡不着", "施工管理"),
    ("路边有一条死狗，好几天了没人收，臭得很", "市容环境"),
]


def test_what_no_class_covers_waits_for_an_agent(clf: Classifier) -> None:
    results = {text: clf.classify(text) for text in OUTSIDE}
    answered = {text: r.class_id for text, r in results.items() if not r.needs_review}
    # Not all: tap water "yellow at home" still reads as a water lid, a flat's noise as a shop's (docs/BENCHMARKS.md).
    assert len(answered) <= 2, answered
    said_outside = [text for text, r in results.items() if r.reason == "out_of_scope"]
    assert len(said_outside) >= len(OUTSIDE) * 3 // 4, {t: (r.reason, round(r.out_of_scope, 2)) for t, r in results.items()}
    for r in results.values():
        assert OUT_OF_SCOPE not in {c.class_id for c in r.candidates}, "never offered as a class"
        assert r.suggestion is not None and r.suggestion.class_id != OUT_OF_SCOPE


def test_what_a_class_covers_is_answered_though_it_shares_the_words(clf: Classifier) -> None:
    tables = load_tables()
    for text, major in INSIDE:
        result = clf.classify(text)
        assert not result.needs_review and result.class_id is not None, (text, result)
        assert tables.major_of(result.class_id).endswith(f":{major}"), (text, result.class_id)
        assert result.out_of_scope < result.confidence, (text, result)


def test_outside_texts_are_scored_apart_by_the_share_held(clf: Classifier, trained: Outcome) -> None:
    inside = [Example("ev-2013-0501", INSIDE[2][0]), Example("ev-2013-0301", INSIDE[4][0])]
    report = evaluate(clf, inside + [Example(OUT_OF_SCOPE, text) for text in OUTSIDE])
    assert report["examples"] == len(inside), "outside texts are not scored as classes"
    results = [clf.classify(text) for text in OUTSIDE]
    assert report["out_of_scope"] == {
        "examples": len(OUTSIDE), "held": round(sum(r.needs_review for r in results) / len(OUTSIDE), 4),
        "held_as_out_of_scope": round(sum(r.reason == "out_of_scope" for r in results) / len(OUTSIDE), 4)}
    assert report["out_of_scope_held"] == report["out_of_scope"]["held"] and report["held_as_out_of_scope"] == 0.0
    assert report["coverage"] == 1.0, "the in-scope texts are answered"
    scope = trained.report["test_sets"]["scope"]
    assert scope["out_of_scope"]["examples"] >= 150 and scope["out_of_scope_held"] is not None
