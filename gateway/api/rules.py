"""Administrator rule sets: store versions, list them, activate one (rolling back = activating an older one)."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from classifier import Rule
from classifier.rules import PRIORITY_LIMIT
from gateway.api.auth import presented_key, require
from gateway.api.errors import ApiError, read_json
from gateway.appkeys import SETTINGS, STORE
from gateway.rules import CLASSIFIER_SYNC, version_number
from gateway.store.models import RuleSetRow

routes = web.RouteTableDef()

MAX_RULES = 1000
KEYWORD_FIELDS = ("all_of", "any_of", "none_of")
CONDITION_FIELDS = ("all_of", "any_of", "regex")


class RuleSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Any] = Field(max_length=MAX_RULES)
    comment: str = Field(default="", max_length=2000)


def rule_error(err: ErrorDetails, raw: Any, name: str, index: int) -> ApiError:
    """The catalogue entry for the first problem pydantic found in one rule."""
    field = str(err["loc"][0]) if err["loc"] else None
    at = f"rules.{index}" + (f".{field}" if field else "")
    if err["type"] == "value_error":
        if field == "class_id":
            return ApiError(400, "rule_unknown_class", at=at, rule=name, class_id=raw["class_id"])
        if field == "regex":
            refused = (err.get("ctx") or {}).get("error")
            return ApiError(400, getattr(refused, "code", "rule_bad_regex"), at=at, rule=name, regex=raw["regex"],
                            **getattr(refused, "params", {}))
        if field in KEYWORD_FIELDS:
            return ApiError(400, "rule_empty_keyword", at=at, rule=name, field=field)
        if field is None:
            missing = not any(raw.get(k) for k in CONDITION_FIELDS)
            return ApiError(400, "rule_no_condition" if missing else "rule_needs_boost", at=at, rule=name)
    if field == "priority" and err["type"] in ("greater_than_equal", "less_than_equal"):
        return ApiError(400, "rule_bad_priority", at=at, rule=name, low=-PRIORITY_LIMIT, high=PRIORITY_LIMIT)
    return ApiError(400, "rule_invalid_field", at=at, rule=name, field=field or "rules")


def parse_rules(items: list[Any]) -> list[Rule]:
    """Every rule validated by the classifier; the first bad one is refused with its id (or position)."""
    rules: list[Rule] = []
    for index, raw in enumerate(items):
        name = str(raw["id"]) if isinstance(raw, dict) and raw.get("id") else f"#{index + 1}"
        try:
            rules.append(Rule.model_validate(raw))
        except ValidationError as exc:
            raise rule_error(exc.errors()[0], raw, name, index) from None
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.id in seen:
            raise ApiError(400, "rule_duplicate_id", at=f"rules.{index}.id", rule=rule.id)
        seen.add(rule.id)
    return rules


def rule_set_json(row: RuleSetRow, *, with_rules: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": row.version,
        "active": row.active,
        "author": row.author,
        "comment": row.comment,
        "created_at": row.created_at.isoformat(),
        "rules_count": len(row.rules),
    }
    if with_rules:
        body["rules"] = row.rules
    return body


async def author_of(request: web.Request, role: str) -> str:
    """`api:<key name>` of the caller (their role if the name is unknown)."""
    key = presented_key(request)
    name = await request.config_dict[STORE].api_key_name(key) if key else None
    return f"api:{name or role}"


def version_param(request: web.Request) -> int:
    text = request.match_info["version"]
    version = version_number(text)
    if version is None:
        raise ApiError(404, "rule_set_not_found", version=text[:40])
    return version


@routes.post("/rules")
async def create_rule_set(request: web.Request) -> web.Response:
    author = await author_of(request, await require(request, "admin"))
    body = RuleSetIn.model_validate(await read_json(request, request.config_dict[SETTINGS].intake.max_body_bytes))
    rules = parse_rules(body.rules)
    row = await request.config_dict[STORE].add_rule_set([r.model_dump() for r in rules], author, body.comment)
    return web.json_response(rule_set_json(row), status=201)


@routes.get("/rules")
async def list_rule_sets(request: web.Request) -> web.Response:
    await require(request, "admin")
    rows = await request.config_dict[STORE].rule_sets()
    active = next((r.version for r in rows if r.active), None)
    return web.json_response({
        "active": active,
        "loaded": request.config_dict[CLASSIFIER_SYNC].rules_version,
        "items": [rule_set_json(r, with_rules=False) for r in rows],
    })


@routes.get("/rules/{version}")
async def get_rule_set(request: web.Request) -> web.Response:
    await require(request, "admin")
    version = version_param(request)
    row = await request.config_dict[STORE].rule_set(version)
    if row is None:
        raise ApiError(404, "rule_set_not_found", version=version)
    return web.json_response(rule_set_json(row))


@routes.post("/rules/{version}/activate")
async def activate_rule_set(request: web.Request) -> web.Response:
    author = await author_of(request, await require(request, "admin"))
    version = version_param(request)
    row = await request.config_dict[STORE].activate_rule_set(version, author)
    if row is None:
        raise ApiError(404, "rule_set_not_found", version=version)
    sync = request.config_dict[CLASSIFIER_SYNC]
    await sync.reload()
    return web.json_response({**rule_set_json(row, with_rules=False), "loaded": sync.rules_version, "notified": await sync.announce()})
