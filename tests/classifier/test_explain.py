import json

from classifier import Classifier, Rule


def test_explanation_names_tokens_and_weights(clf: Classifier) -> None:
    exp = clf.explain("人行道上的井盖丢了，晚上很危险")
    json.dumps(exp, ensure_ascii=False)
    assert "井盖" in exp["tokens"]
    top = exp["candidates"][0]
    assert top["class_id"] == exp["classification"]["candidates"][0]["class_id"]
    assert top["name"] and top["features"]
    weights = [abs(f["weight"]) for f in top["features"]]
    assert weights == sorted(weights, reverse=True)
    manhole = next(c for c in exp["candidates"] if c["class_id"].startswith("cp-01"))
    assert "井盖" in {f["token"] for f in manhole["features"] if f["weight"] > 0}


def test_explanation_lists_the_rules_that_fired(clf: Classifier) -> None:
    clf.set_rules([Rule(id="night", class_id="ev-2013-0301", all_of=["夜里", "施工"], action="boost", boost=0.5)])
    exp = clf.explain("工地夜里施工吵得睡不着", channel="web")
    assert [r["id"] for r in exp["rules"]] == ["night"]
    by_class = {c["class_id"]: c for c in exp["candidates"]}
    assert by_class["ev-2013-0301"]["rules"] == ["night"]
    json.dumps(exp, ensure_ascii=False)


def test_explanation_of_empty_text(clf: Classifier) -> None:
    exp = clf.explain("  ")
    assert exp["classification"]["reason"] == "empty"
    assert exp["candidates"] == [] and exp["tokens"] == []
