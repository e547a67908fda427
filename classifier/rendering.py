"""A classification written out in one edition: the JSON object of the CLI and the API."""

from __future__ import annotations

from typing import Any

from classifier.core import Classification
from classifier.tables import CodeTables, load_tables

ALTERNATIVES = 3
CODE_FIELDS = ("kind", "major_code", "major_name", "minor_code", "minor_name")


def render_classification(result: Classification, edition: str, tables: CodeTables | None = None) -> dict[str, Any]:
    """The JSON object of one classified complaint in `edition`; code fields are null when it needs review."""
    table = tables or load_tables()

    def coded(class_id: str, confidence: float) -> dict[str, Any] | None:
        code = table.render(class_id, edition)
        if code is None:
            return None
        return {**code.as_dict(), "confidence": round(confidence, 4), "class_id": class_id}

    candidates = [c for c in (coded(c.class_id, c.confidence) for c in result.candidates) if c is not None]
    out: dict[str, Any] = {**dict.fromkeys(CODE_FIELDS), "edition": edition, "confidence": round(result.confidence, 4),
                           "class_id": result.class_id}
    reason = result.reason
    if result.class_id is not None:
        top = coded(result.class_id, result.confidence)
        if top is None:
            reason = "unmapped_in_edition"
        else:
            out.update(top)
            candidates = [c for c in candidates if c["class_id"] != result.class_id]
    out["alternatives"] = candidates[:ALTERNATIVES]
    out["precision"] = result.precision
    out["out_of_scope"] = round(result.out_of_scope, 4)
    out["family_id"] = result.family_id
    out["also"] = [{**(coded(a.class_id, a.confidence) or {"class_id": a.class_id, "confidence": round(a.confidence, 4)}),
                    "precision": a.precision} for a in result.also]
    if reason is not None:
        out["needs_review"] = True
        out["reason"] = reason
    if result.rule_ids:
        out["rule_ids"] = result.rule_ids
    if result.truncated:
        out["truncated"] = True
    return out
