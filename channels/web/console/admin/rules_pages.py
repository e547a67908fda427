"""Classification rules: versions, the editor (a new version each save), the live test box, diffs, activation and roll-back."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from channels.web.console.admin.routing import ADMIN, error_text, page, routes
from channels.web.console.admin.rulesets import active_report, class_label, confusion_matrix, diff, parse_draft, rules_text, try_rules
from channels.web.vendor import vendor_available
from channels.web.console.auth import console_lang, current_user, login_required, require_csrf
from classifier.tables import DEFAULT_EDITION
from gateway.appkeys import PIPELINE, SETTINGS, STORE, TABLES
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


async def rules_page(request: web.Request, *, draft: str | None = None, comment: str = "", sample: str = "",
                     tried: dict[str, Any] | None = None, error: str | None = None, try_error: str | None = None,
                     status: int = 200) -> web.Response:
    store = request.config_dict[STORE]
    versions = await store.rule_sets()
    active = next((v for v in versions if v.active), None)
    if draft is None:
        start = request.query.get("from", "")
        base = next((v for v in versions if str(v.version) == start), active)
        draft = rules_text(base.rules if base else [])
    context = {
        "versions": versions, "active": active, "loaded": request.config_dict[CLASSIFIER_SYNC].rules_version,
        "draft": draft, "comment": comment, "sample": sample, "tried": tried, "error": error, "try_error": try_error,
        "activated": request.query.get("activated"), "tables": request.config_dict[TABLES],
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
    draft, comment = str(form.get("rules", "")), str(form.get("comment", ""))[:2000]
    try:
        rules = parse_draft(draft)
    except InputError as exc:
        return await rules_page(request, draft=draft, comment=comment, error=error_text(request, exc), status=400)
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
    draft, sample, comment = str(form.get("rules", "")), str(form.get("sample", "")).strip(), str(form.get("comment", ""))
    try:
        if not sample:
            raise InputError("sample_required")
        if len(sample) > MAX_SAMPLE_CHARS:
            raise InputError("sample_too_long", limit=MAX_SAMPLE_CHARS)
        rules = parse_draft(draft)
        classifier = request.config_dict[PIPELINE].classifier
        if classifier is None:
            raise InputError("classifier_unavailable")
        tried = try_rules(classifier, rules, sample, DEFAULT_EDITION, request.config_dict[TABLES])
    except InputError as exc:
        return await rules_page(request, draft=draft, comment=comment, sample=sample, try_error=error_text(request, exc), status=400)
    return await rules_page(request, draft=draft, comment=comment, sample=sample, tried=tried)


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
