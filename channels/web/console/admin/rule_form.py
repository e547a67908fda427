"""Rules as a form: one fieldset per rule (keywords, any-of, must-not, regular expression, channels, priority, action),
read back into the rule list the classifier validates; the JSON text stays as the advanced view.

The form carries the JSON as it was shown: when the administrator changed the JSON text, the JSON is what is meant;
otherwise the fields are."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from classifier.rules import PRIORITY_LIMIT
from gateway.domain import Channel
from gateway.i18n import InputError

KEYWORDS = ("all_of", "any_of", "none_of")
TEXT_FIELDS = ("id", "class_id", *KEYWORDS, "regex", "priority", "boost")
_SPLIT = re.compile(r"[,，、;；\n]+")
MAX_ROWS = 1000


def keywords(text: str) -> list[str]:
    """Keywords typed in one box, separated by commas, 、 or semicolons (a space belongs to the keyword)."""
    return [w.strip() for w in _SPLIT.split(text) if w.strip()]


def rows_of(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules as the form's fields show them, and one empty row to add a rule."""
    rows = [{"id": r["id"], "class_id": r["class_id"], **{k: "、".join(r.get(k) or []) for k in KEYWORDS},
             "regex": r.get("regex") or "", "priority": str(r.get("priority", 0)), "channels": list(r.get("channels") or []),
             "action": r.get("action", "boost"), "boost": str(r.get("boost", 0.0)), "enabled": r.get("enabled", True)} for r in rules]
    return rows + [blank_row()]


def blank_row() -> dict[str, Any]:
    return {"id": "", "class_id": "", **{k: "" for k in KEYWORDS}, "regex": "", "priority": "0", "channels": [],
            "action": "force", "boost": "0.2", "enabled": True}


def rows_from_form(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields as typed (for showing them again after a refusal), without the rows marked for removal."""
    raw = str(form.get("count", "0"))
    count = min(int(raw), MAX_ROWS) if raw.isdigit() else 0
    rows = []
    for i in range(count):
        if form.get(f"r{i}.remove"):
            continue
        row: dict[str, Any] = {k: str(form.get(f"r{i}.{k}", "")).strip() for k in TEXT_FIELDS}
        row["channels"] = [str(c) for c in form.getall(f"r{i}.channels", [])]  # type: ignore[attr-defined]
        row["action"] = str(form.get(f"r{i}.action", "force"))
        row["enabled"] = bool(form.get(f"r{i}.enabled"))
        rows.append(row)
    return rows


def _empty(row: dict[str, Any]) -> bool:
    return not any(row[k] for k in ("id", "class_id", *KEYWORDS, "regex"))


def rules_from_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rule list of the form's rows (an untouched empty row is no rule); InputError for a number that is none."""
    rules = []
    for index, row in enumerate(r for r in rows if not _empty(r)):
        name = row["id"] or f"#{index + 1}"
        rule: dict[str, Any] = {"id": row["id"] or f"rule-{index + 1}", "class_id": row["class_id"],
                                **{k: keywords(row[k]) for k in KEYWORDS}, "regex": row["regex"] or None,
                                "channels": row["channels"], "action": row["action"], "enabled": row["enabled"]}
        try:
            rule["priority"] = int(row["priority"] or 0)
        except ValueError:
            raise InputError("rule_bad_priority", rule=name, low=-PRIORITY_LIMIT, high=PRIORITY_LIMIT) from None
        try:
            rule["boost"] = float(row["boost"] or 0) if row["action"] == "boost" else 0.0
        except ValueError:
            raise InputError("rule_needs_boost", rule=name) from None
        rules.append(rule)
    return rules


def json_edited(form: Mapping[str, Any]) -> bool:
    """Whether the administrator changed the JSON view (then it, not the fields, is the draft)."""
    def flat(key: str) -> str:
        return str(form.get(key, "")).replace("\r\n", "\n").strip()
    return "rules" in form and flat("rules") != flat("rules_shown")


CHANNELS = tuple(c.value for c in Channel)
