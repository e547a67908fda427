import pytest
from pydantic import ValidationError

from classifier import Classifier, Rule

TEXT = "小区门口有人摆摊卖水果，占了半条人行道"


def _rule(**kw: object) -> Rule:
    base: dict[str, object] = {"id": "r1", "class_id": "ev-2013-0406", "any_of": ["摆摊"], "action": "force"}
    return Rule(**{**base, **kw})


def _other_than_model(clf: Classifier, text: str) -> str:
    """A class the model does not put first for `text`."""
    top = clf.classify(text).candidates[0].class_id
    return "cp-0118" if top != "cp-0118" else "cp-0305"


def test_force_rule_overrides_model(clf: Classifier) -> None:
    target = _other_than_model(clf, TEXT)
    clf.set_rules([_rule(class_id=target)])
    c = clf.classify(TEXT)
    assert (c.class_id, c.needs_review, c.confidence, c.rule_ids) == (target, False, 1.0, ["r1"])
    assert c.candidates[0].class_id == target


def test_force_rule_can_name_a_class_unknown_to_the_model(clf: Classifier) -> None:
    clf.set_rules([_rule(class_id="ev-2026-09011", any_of=["共享单车"])])
    assert clf.classify("共享单车堆在地铁口把路堵死了").class_id == "ev-2026-09011"


def test_boost_raises_a_class_without_forcing(clf: Classifier) -> None:
    target = _other_than_model(clf, TEXT)
    before = {c.class_id: c.confidence for c in clf.classify(TEXT).candidates}.get(target, 0.0)
    clf.set_rules([_rule(class_id=target, action="boost", boost=0.9)])
    c = clf.classify(TEXT)
    after = next(x.confidence for x in c.candidates if x.class_id == target)
    assert after > before and c.rule_ids == ["r1"]
    assert abs(sum(x.confidence for x in c.candidates)) <= 1.0 + 1e-6


def test_none_of_blocks_a_rule(clf: Classifier) -> None:
    target = _other_than_model(clf, TEXT)
    clf.set_rules([_rule(class_id=target, none_of=["水果"])])
    c = clf.classify(TEXT)
    assert c.class_id != target and c.rule_ids == []


def test_all_of_needs_every_keyword(clf: Classifier) -> None:
    target = _other_than_model(clf, TEXT)
    clf.set_rules([_rule(class_id=target, any_of=[], all_of=["摆摊", "夜里"])])
    assert clf.classify(TEXT).rule_ids == []
    assert clf.classify(TEXT + "，夜里也在").class_id == target


def test_regex_rule_matches_normalised_text(clf: Classifier) -> None:
    target = _other_than_model(clf, "ＡＢＣ１２３号楼下摆摊")
    clf.set_rules([_rule(class_id=target, any_of=[], regex=r"abc\d{3}号楼")])
    assert clf.classify("ＡＢＣ１２３号楼下摆摊").class_id == target
    assert clf.classify("ABC12号楼下摆摊").class_id != target


def test_channel_scope(clf: Classifier) -> None:
    target = _other_than_model(clf, TEXT)
    clf.set_rules([_rule(class_id=target, channels=["Hotline"])])
    assert clf.classify(TEXT, channel="hotline").class_id == target
    assert clf.classify(TEXT, channel="web").class_id != target
    assert clf.classify(TEXT).class_id != target


def test_highest_priority_force_wins_and_disabled_rules_sleep(clf: Classifier) -> None:
    clf.set_rules([
        _rule(id="low", class_id="cp-0118", priority=1),
        _rule(id="high", class_id="cp-0305", priority=5),
        _rule(id="off", class_id="cp-0101", priority=9, enabled=False),
    ])
    c = clf.classify(TEXT)
    assert c.class_id == "cp-0305"
    assert c.rule_ids == ["high", "low"]


def test_set_rules_replaces_the_whole_set(clf: Classifier) -> None:
    target = _other_than_model(clf, TEXT)
    clf.set_rules([_rule(class_id=target)])
    clf.set_rules([])
    assert clf.classify(TEXT).rule_ids == []


def test_duplicate_rule_ids_rejected_and_old_rules_kept(clf: Classifier) -> None:
    clf.set_rules([_rule()])
    with pytest.raises(ValueError, match="duplicate rule ids: r1"):
        clf.set_rules([_rule(), _rule()])
    assert [r.id for r in clf.rules] == ["r1"]


@pytest.mark.parametrize(("kw", "message"), [
    ({"regex": "(unclosed"}, "invalid regular expression"),
    ({"regex": "(a+)+$"}, "can backtrack catastrophically"),
    ({"regex": "(a*)*$"}, "can backtrack catastrophically"),
    ({"regex": r"(\w+\s?)+$"}, "can backtrack catastrophically"),
    ({"regex": "(x+x+)+y"}, "can backtrack catastrophically"),
    ({"regex": "井" * 201}, "longer than 200 characters"),
    ({"priority": 1001}, "less than or equal to 1000"),
    ({"priority": -1001}, "greater than or equal to -1000"),
    ({"class_id": "ev-9999-0000"}, "unknown class id"),
    ({"any_of": []}, "needs at least one of"),
    ({"action": "boost", "boost": 0.0}, "needs a boost above 0"),
    ({"action": "delete"}, "action"),
    ({"any_of": ["  "]}, "keywords must not be empty"),
])
def test_invalid_rules_are_rejected_with_a_clear_message(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _rule(**kw)


@pytest.mark.parametrize("regex", [r"井盖.{0,5}(不见|丢失)", r"(井盖|盖子)+没", r"((ab)+c)+", r"\d+\s*号楼", r".*a.*b"])
def test_ordinary_regular_expressions_are_accepted(regex: str) -> None:
    assert _rule(regex=regex).regex == regex


def test_validation_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        _rule(regex="[")


def test_rule_swap_while_classifying_in_threads(clf: Classifier) -> None:
    import threading

    old = [_rule(id="old", class_id="cp-0118")]
    new = [_rule(id="new", class_id="cp-0305"), _rule(id="new-boost", class_id="cp-0118", action="boost", boost=0.2)]
    allowed = {("old",): "cp-0118", ("new", "new-boost"): "cp-0305"}
    clf.set_rules(old)
    seen: list[tuple[tuple[str, ...], str | None]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def worker() -> None:
        try:
            while not stop.is_set():
                c = clf.classify(TEXT)
                seen.append((tuple(c.rule_ids), c.class_id))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    swaps = 0
    while (len(seen) < 300 or swaps < 200) and not errors:
        clf.set_rules(new if swaps % 2 == 0 else old)
        swaps += 1
    stop.set()
    for t in threads:
        t.join()
    assert errors == [] and seen
    assert all(allowed[ids] == class_id for ids, class_id in seen)
