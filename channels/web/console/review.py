"""The review queue: cases the classifier was unsure of or that may repeat another, decided in one click each.

A class decision goes through `Casework.set_class`, which records it as a correction the classifier learns from."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from channels.web.console.auth import console_lang, current_user, login_required, require_csrf
from channels.web.console.cases import case_brief
from channels.web.console.class_picker import class_options
from channels.web.console.case_texts import CASE_TEXTS
from channels.web.console.catalogue import text
from channels.web.console.pages import flash, render
from gateway.api.cases import load_case
from gateway.api.errors import ApiError
from gateway.appkeys import CASEWORK, PIPELINE, STORE, TABLES
from gateway.casework.cases import CaseworkError
from gateway.domain import CaseStatus
from gateway.i18n import message, render as render_text
from gateway.store.models import CaseRow
from gateway.store.store import CaseFilter

routes = web.RouteTableDef()
QUEUE_PATH = "/console/review"
SUGGESTED = 3
QUEUE_LIMIT = 100


def suggested_classes(request: web.Request, case: CaseRow) -> list[dict[str, Any]]:
    """The classifier's three likeliest classes for the case's text, for one-click decisions."""
    classifier, tables, lang = request.app[PIPELINE].classifier, request.app[TABLES], console_lang(request)
    if classifier is None:
        return []
    result = classifier.classify(case.text, channel=case.source_channel, language=case.language)
    return [{"class_id": c.class_id, "name": tables.label(c.class_id, lang, major=False), "confidence": round(c.confidence * 100)}
            for c in result.candidates[:SUGGESTED] if c.class_id in tables]


async def _page(request: web.Request, *, error: tuple[str, str] | None = None, status: int = 200) -> web.Response:
    store, tables, lang = request.app[STORE], request.app[TABLES], console_lang(request)
    cases, _ = await store.cases(CaseFilter(status=CaseStatus.NEEDS_REVIEW.value, limit=QUEUE_LIMIT))
    items = []
    for case in cases:
        original = await store.merge_root(case.possible_duplicate_of) if case.possible_duplicate_of else None
        items.append({
            "case": case_brief(case, tables, lang, confidence=round((case.class_confidence or 0) * 100)),
            "reason": case.review_reason or "low_confidence",
            "suggested": suggested_classes(request, case),
            "original": case_brief(original, tables, lang) if original is not None else None,
        })
    return render(request, "console/review.html", {"items": items, "classes": class_options(tables, lang), "error": error}, status=status)


@routes.get(QUEUE_PATH)
@login_required()
async def queue(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post(QUEUE_PATH + "/{number:[0-9]+}")
@login_required()
async def decide(request: web.Request) -> web.Response:
    """`class`: set the class (recorded as a correction); `merge`: fold the case into the one it may repeat."""
    form = await request.post()
    require_csrf(request, form)
    lang, number, actor = console_lang(request), request.match_info["number"], f"agent:{current_user(request).username}"
    casework = request.app[CASEWORK]
    try:
        case = await load_case(request.app[STORE], number)
        action = str(form.get("action", ""))
        if action == "class":
            class_id = str(form.get("class_id", "")).strip()
            if not class_id:
                return await _page(request, error=(number, text("class_required", lang)), status=400)
            await casework.set_class(case.id, class_id, actor)
            flash(request, text("review_classified", lang, number=number, name=request.app[TABLES].get(class_id).name))  # type: ignore[union-attr]
        elif action == "keep_apart":
            await casework.keep_apart(case.id, actor)
            flash(request, render_text(CASE_TEXTS, "kept_apart", lang, number=number))
        elif action == "merge" and case.possible_duplicate_of is not None:
            target = await casework.merge(case.id, case.possible_duplicate_of, actor)
            flash(request, text("review_merged", lang, number=number, into=case_brief(target, request.app[TABLES], lang)["number"]))
        else:
            raise web.HTTPBadRequest(text=text("bad_action", lang, action=action))
    except (ApiError, CaseworkError) as exc:
        params = exc.localized(lang) if isinstance(exc, CaseworkError) else exc.params
        return await _page(request, error=(number, message(exc.code, lang, **params)), status=getattr(exc, "status", 400))
    raise web.HTTPSeeOther(QUEUE_PATH)
