from classifier import Candidate, Classification, render_classification


def _result(class_id: str | None, reason: str | None = None) -> Classification:
    return Classification(class_id=class_id, needs_review=reason is not None, reason=reason, confidence=0.8,
                          candidates=[Candidate("ev-2013-0102", 0.8), Candidate("ev-2013-0101", 0.15),
                                      Candidate("cp-0101", 0.05)])


def test_class_written_in_the_edition_asked_for() -> None:
    obj = render_classification(_result("ev-2013-0102"), "gbt47678-2026")
    assert (obj["kind"], obj["major_code"], obj["minor_code"], obj["minor_name"]) == ("event", "06", "06002", "店面无证装修")
    assert [a["minor_code"] for a in obj["alternatives"]] == ["06001", "01001"]
    assert "needs_review" not in obj


def test_class_without_code_in_edition_needs_review() -> None:
    obj = render_classification(_result("ev-2013-0102"), "cjt214-2007")
    assert obj["needs_review"] is True and obj["reason"] == "unmapped_in_edition"
    assert obj["minor_code"] is None and obj["class_id"] == "ev-2013-0102"
    assert [a["minor_code"] for a in obj["alternatives"]] == ["0101", "0101"]
    assert [a["kind"] for a in obj["alternatives"]] == ["event", "component"]


def test_review_keeps_the_candidates_as_alternatives() -> None:
    obj = render_classification(_result(None, "low_confidence"), "gbt30428-2013")
    assert obj["reason"] == "low_confidence" and obj["kind"] is None
    assert [a["class_id"] for a in obj["alternatives"]] == ["ev-2013-0102", "ev-2013-0101", "cp-0101"]


def test_inferred_code_is_marked() -> None:
    result = Classification(class_id="ev-2007-0116", needs_review=False, reason=None, confidence=0.9,
                            candidates=[Candidate("ev-2007-0116", 0.9)])
    obj = render_classification(result, "gbt30428-2013")
    assert obj["minor_code"] == "0127" and obj["inferred"] is True
