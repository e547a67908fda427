"""Rule sets as the editor sees them: the text of a version, a draft checked, tried, and compared with another version."""
from __future__ import annotations

import copy
import difflib
import json
from pathlib import Path
from typing import Any

from classifier import Classifier, Rule, render_classification
from classifier.registry import REPORT_FILE, ModelStore
from classifier.tables import CodeTables
from gateway.api.errors import ApiError
from gateway.api.rules import MAX_RULES, parse_rules
from gateway.i18n import InputError

def rules_text(rules: list[dict[str, Any]]) -> str:
    """A rule list as the editor shows it and the diff compares it: indented JSON, keys in a fixed order."""
    return json.dumps(rules, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def parse_draft(text: str) -> list[dict[str, Any]]:
    """The rules of an edited text, each validated by the classifier; InputError (a catalogue code) on the first problem."""
    try:
        raw = json.loads(text)
    except ValueError:
        raise InputError("rules_not_json") from None
    if not isinstance(raw, list):
        raise InputError("rules_not_list")
    return check_rules(raw)


def check_rules(raw: list[Any]) -> list[dict[str, Any]]:
    """Each rule of a list validated by the classifier; InputError (a catalogue code) on the first problem."""
    if len(raw) > MAX_RULES:
        raise InputError("rules_too_many", limit=MAX_RULES)
    try:
        return [rule.model_dump() for rule in parse_rules(raw)]
    except ApiError as exc:
        raise InputError(exc.code, **exc.params) from None


def diff(old: list[dict[str, Any]], new: list[dict[str, Any]], old_name: str, new_name: str) -> list[tuple[str, str]]:
    """A unified diff of two versions' text, each line with its kind (add, del, hunk, same, file)."""
    lines = difflib.unified_diff(rules_text(old).splitlines(), rules_text(new).splitlines(), old_name, new_name, lineterm="", n=3)
    kinds = []
    for line in lines:
        if line.startswith(("---", "+++")):
            kinds.append(("file", line))
        elif line.startswith("@@"):
            kinds.append(("hunk", line))
        elif line.startswith("+"):
            kinds.append(("add", line))
        elif line.startswith("-"):
            kinds.append(("del", line))
        else:
            kinds.append(("same", line))
    return kinds


def try_rules(live: Classifier, rules: list[dict[str, Any]], text: str, edition: str, tables: CodeTables,
              channel: str | None = None) -> dict[str, Any]:
    """Classify `text` with the loaded model under a draft rule set (the live classifier keeps its own rules)."""
    draft = copy.copy(live)
    draft.set_rules([Rule.model_validate(r) for r in rules])
    result = draft.classify(text, channel=channel)
    return {**render_classification(result, edition, tables), "explanation": draft.explain(text, channel=channel)}


def active_report(model_dir: Path) -> tuple[str | None, dict[str, Any] | None]:
    """The active model version and its evaluation report (None when there is none)."""
    store = ModelStore(model_dir)
    version = store.active()
    if version is None or not (store.version_dir(version) / REPORT_FILE).exists():
        return version, None
    return version, store.read_json(version, REPORT_FILE)


def confusion_matrix(report: dict[str, Any], top: int = 15) -> tuple[list[str], list[list[int]]]:
    """The classes of the report's `top` most frequent confusions and counts[gold][predicted] among them."""
    pairs = (report.get("confusions") or [])[:top]
    labels = sorted({p["gold"] for p in pairs} | {p["predicted"] for p in pairs})
    at = {label: i for i, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for pair in pairs:
        counts[at[pair["gold"]]][at[pair["predicted"]]] += pair["count"]
    return labels, counts


def class_label(tables: CodeTables, class_id: str | None, lang: str) -> str:
    """A class's name in `lang` (its id when the tables do not know it; a dash for none)."""
    return tables.label(class_id, lang, major=False) or class_id or "—"
