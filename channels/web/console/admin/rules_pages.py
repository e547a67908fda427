"""Classification rules: versions, the editor (a new version each save), the live test box, diffs, activation and roll-back."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from channels.web.console.admin.routing import ADMIN, error_text, page, routes
from channels.web.console.admin.rule_form import CHANNELS, blank_row, json_edited, rows_from_form, rows_of, rules_from_rows
from channels.web.console.admin.rulesets import (active_report, check_rules, class_label, confusion_matrix, diff, parse_draft, rules_text,
                                                 try_rules)
from channels.web.console.names import channel_name
from channels.web.console.class_picker import class_options
from channels.web.vendor import vendor_available
from channels.web.console.auth import console_lang, current_user, login_required, require_csrf
from classifier.tables import DEFAULT_EDITION
from gateway.appkeys import PIPELINE, SETTINGS, STORE, TABLES
from classifier.rules import PRIORITY_LIMIT
from gateway.i18n import InputError
from gateway.rules import CLASSIFIER_SYNC, model_dir
from gateway.store.models import RuleSetRow

MAX_SAMPLE_CHARS = 2000
TOP_CONFUSIONS = 15


def version_of(request: web.Request) -> int:
    text = request.match_info["version"]
    if not text.isdigit():
        raise web.HTTPNotFound()
    return int(text)


def validated_draft(form: Any) -> list[dict[str, Any]]:
    """The draft of the editor: the JSON text if the administrator changed it, else the form's fields; InputError if bad."""
    if json_edited(form):
        return parse_draft(str(form.get("rules", "")))
    return check_rules(rules_from_rows(rows_from_form(form)))


async def rules_page(request: web.Request, *, form: Any = None, comment: str = "", sample: str = "",
                     tried: dict[str, Any] | None = None, error: str | None = None, try_error: str | None = None,
                     status: int = 200) -> web.Response:
    """The editor; with `form`, showing again what the administrator typed (fields and JSON) after a try or a refusal."""
    store = request.config_dict[STORE]
    versions = await store.rule_sets()
    active = next((v for v in versions if v.active), None)
    if form is None:
        start = request.query.get("from", "")
        base = next((v for v in versions if str(v.version) == start), active)
        draft = shown = rules_text(base.rules if base else [])
        rows, json_view = rows_of(base.rules if base else []), False
    else:
        draft, shown, json_view = str(form.get("rules", "")), str(form.get("rules_shown", "")), json_edited(form)
        rows = rows_from_form(form)
        if not rows or any(rows[-1][k] for k in ("id", "class_id", "all_of", "any_of", "none_of", "regex")):
            rows.append(blank_row())
    lang = console_lang(request)
    context = {
        "versions": versions, "active": active, "loaded": request.config_dict[CLASSIFIER_SYNC].rules_version,
        "sample_channel": str(form.get("sample_channel", "")) if form is not None else "", "draft": draft, "shown": shown, "rows": rows, "json_view": json_view, "comment": comment, "sample": sample,
        "tried": tried, "error": error, "try_error": try_error, "activated": request.query.get("activated"),
        "tables": request.config_dict[TABLES], "classes": class_options(request.config_dict[TABLES], lang),
        "channels": [(c, channel_name(c, lang)) for c in CHANNELS], "priority_limit": PRIORITY_LIMIT,
    }
    return page(request, "rules.html", context, status)


@routes.get(f"{ADMIN}/rules")
@login_required("admin")
async def list_rules(request: web.Request) -> web.Response:
    return await rules_page(request)


@routes.post(f"{ADMIN}/rules")
@login_required("admin")
async def save_rules(request: web.Request) -> web.Response:
    """Save the edited text as a new version (activated at once if asked); a bad rule is refused and nothing is stored."""
    form = await request.post()
    require_csrf(request, form)
    comment = str(form.get("comment", ""))[:2000]
    try:
        rules = validated_draft(form)
    except InputError as exc:
        return await rules_page(request, form=form, comment=comment, error=error_text(request, exc), status=400)
    actor = f"console:{current_user(request).username}"
    store = request.config_dict[STORE]
    row = await store.add_rule_set(rules, actor, comment)
    if form.get("activate"):
        await activate(request, row.version, actor)
    raise web.HTTPSeeOther(f"{ADMIN}/rules/{row.version}")


@routes.post(f"{ADMIN}/rules/try")
@login_required("admin")
async def try_draft(request: web.Request) -> web.Response:
    """The test box: the page with the class and explanation of a sample under the edited rules (the page's script
    posts here as the administrator types and shows the result part)."""
    form = await request.post()
    require_csrf(request, form)
    sample, comment = str(form.get("sample", "")).strip(), str(form.get("comment", ""))
    try:
        if not sample:
            raise InputError("sample_required")
        if len(sample) > MAX_SAMPLE_CHARS:
            raise InputError("sample_too_long", limit=MAX_SAMPLE_CHARS)
        rules = validated_draft(form)
        classifier = request.config_dict[PIPELINE].classifier
        if classifier is None:
            raise InputError("classifier_unavailable")
        channel = str(form.get("sample_channel", "")) or None
        tried = try_rules(classifier, rules, sample, DEFAULT_EDITION, request.config_dict[TABLES], channel if channel in CHANNELS else None)
    except InputError as exc:
        return await rules_page(request, form=form, comment=comment, sample=sample, try_error=error_text(request, exc), status=400)
    return await rules_page(request, form=form, comment=comment, sample=sample, tried=tried)


@routes.get(f"{ADMIN}/rules/{{version}}")
@login_required("admin")
async def show_version(request: web.Request) -> web.Response:
    """One version, its diff against another (the one before it unless ?against= says which)."""
    store = request.config_dict[STORE]
    version = version_of(request)
    versions = await store.rule_sets()
    row = next((v for v in versions if v.version == version), None)
    if row is None:
        raise web.HTTPNotFound(text=error_text(request, InputError("rule_set_not_found", version=version)))
    against_text = request.query.get("against", "")
    older = [v for v in versions if v.version < version]
    other: RuleSetRow | None = next((v for v in versions if str(v.version) == against_text), older[0] if older else None)
    lines = diff(other.rules if other else [], row.rules, f"v{other.version}" if other else "-", f"v{row.version}")
    active = next((v for v in versions if v.active), None)
    context = {"row": row, "versions": versions, "other": other, "diff": lines, "active": active, "text": rules_text(row.rules)}
    return page(request, "rule_version.html", context)


async def activate(request: web.Request, version: int, actor: str) -> RuleSetRow | None:
    """Make `version` active, load it in this process at once and tell the others (rolling back = activating an older one)."""
    row = await request.config_dict[STORE].activate_rule_set(version, actor)
    if row is not None:
        sync = request.config_dict[CLASSIFIER_SYNC]
        await sync.reload()
        await sync.announce()
    return row


@routes.post(f"{ADMIN}/rules/{{version}}/activate")
@login_required("admin")
async def activate_version(request: web.Request) -> web.Response:
    require_csrf(request, await request.post())
    version = version_of(request)
    if await activate(request, version, f"console:{current_user(request).username}") is None:
        raise web.HTTPNotFound(text=error_text(request, InputError("rule_set_not_found", version=version)))
    raise web.HTTPSeeOther(f"{ADMIN}/rules?activated={version}")


@routes.get(f"{ADMIN}/model")
@login_required("admin")
async def model_report(request: web.Request) -> web.Response:
    """The active model's evaluation on the labelled test set, with its confusions."""
    version, report = active_report(model_dir(request.config_dict[SETTINGS]))
    test = (report or {}).get("test")
    labels, counts = confusion_matrix(test, TOP_CONFUSIONS) if test else ([], [])
    classifier = request.config_dict[PIPELINE].classifier
    tables = request.config_dict[TABLES]
    lang = console_lang(request)
    pairs = [{"label": f"{class_label(tables, c['gold'], lang)} → {class_label(tables, c['predicted'], lang)}", "count": c["count"]}
             for c in (test or {}).get("confusions", [])[:TOP_CONFUSIONS]]
    sets = (report or {}).get("test_sets") or ({"short": test} if test else {})
    context = {"version": version, "report": report, "test": test, "sets": sets, "threshold": (report or {}).get("threshold"),
               "labels": labels, "counts": counts, "pairs": pairs,
               "charts": vendor_available("chart.js"),
               "peak": max((max(row) for row in counts), default=0), "loaded": classifier.version if classifier else None,
               "tables": tables}
    return page(request, "model.html", context)
