"""What the class picker searches: each class with its major class and family, and the pinyin of their Chinese names.

Computed once per code table (pinyin is not cheap) and served at `/console/api/classes` in the reader's language;
`static/class-picker.js` enhances every `<select data-class-picker>` of a page with it."""
from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from pypinyin import Style, lazy_pinyin

from channels.web.console.auth import console_lang, login_required
from channels.web.console.catalogue import TEXTS
from classifier.families import Families, load_families
from classifier.tables import DEFAULT_EDITION, EDITIONS, ClassCode, CodeTables
from gateway.appkeys import TABLES
from gateway.i18n import Lang

routes = web.RouteTableDef()
PICKER_TEXTS = ("picker_placeholder", "picker_count", "picker_none", "picker_more", "picker_chosen", "picker_help")


def pinyin_keys(name: str) -> str:
    """The initials and the full toneless pinyin of a Chinese name ("燃气井盖" → "rqjg ranqijinggai")."""
    return f"{''.join(lazy_pinyin(name, style=Style.FIRST_LETTER))} {''.join(lazy_pinyin(name))}".lower()


def _code(tables: CodeTables, class_id: str) -> ClassCode | None:
    """The class in the first edition that has it (its major class), or None."""
    for edition in (DEFAULT_EDITION, *EDITIONS):
        code = tables.render(class_id, edition)
        if code is not None:
            return code
    return None


@cache
def class_index(tables: CodeTables, families: Families) -> tuple[dict[str, Any], ...]:
    """Every class: id, names and major and family names in both languages, and one lower-case search string."""
    out = []
    for info in tables.classes():
        code = _code(tables, info.class_id)
        family = families.family_of(info.class_id)
        major = {lang: tables.major_label(code.kind, code.major_name, lang) if code else "" for lang in ("zh", "en")}
        fam = {lang: family.display_name(lang) if family else "" for lang in ("zh", "en")}
        chinese = [info.name, major["zh"], fam["zh"]]
        words = [info.class_id, *chinese, info.name_en, major["en"], fam["en"], *(pinyin_keys(w) for w in chinese if w)]
        out.append({"id": info.class_id, "name": {"zh": info.name, "en": info.name_en}, "major": major, "family": fam,
                    "search": " ".join(words).lower()})
    return tuple(out)


def class_options(tables: CodeTables, lang: Lang) -> list[tuple[str, str]]:
    """(id, name) of every class for a `<select data-class-picker>`, by id: the list without scripts."""
    return sorted(((c.class_id, tables.label(c.class_id, lang, major=False) or c.class_id) for c in tables.classes()))


def picker_data(tables: CodeTables, lang: Lang) -> dict[str, Any]:
    """The index as the widget reads it: names in `lang`, the widget's own texts."""
    classes = [{"id": c["id"], "name": c["name"][lang], "major": c["major"][lang], "family": c["family"][lang],
                "search": c["search"]} for c in class_index(tables, load_families())]
    return {"classes": classes, "texts": {key: TEXTS[key][lang] for key in PICKER_TEXTS}}


@routes.get("/console/api/classes")
@login_required()
async def classes(request: web.Request) -> web.Response:
    response = web.json_response(picker_data(request.app[TABLES], console_lang(request)))
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Vary"] = "Cookie"
    return response
