"""Administrators' rules: keyword and pattern conditions that force or boost a class."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from classifier.regex_check import check_regex
from classifier.tables import load_tables
from classifier.text import normalize


PRIORITY_LIMIT = 1000  # priorities run from -PRIORITY_LIMIT to PRIORITY_LIMIT


class Rule(BaseModel):
    """One rule. Keywords and the regex are matched against the normalised text (NFKC, lower case)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    class_id: str
    all_of: list[str] = []
    any_of: list[str] = []
    none_of: list[str] = []
    regex: str | None = None
    priority: int = Field(default=0, ge=-PRIORITY_LIMIT, le=PRIORITY_LIMIT)
    channels: list[str] = []
    action: Literal["force", "boost"] = "boost"
    boost: float = Field(default=0.0, ge=0.0, le=1.0)
    enabled: bool = True

    @field_validator("class_id")
    @classmethod
    def _known_class(cls, value: str) -> str:
        if value not in load_tables():
            raise ValueError(f"unknown class id {value!r}")
        return value

    @field_validator("all_of", "any_of", "none_of")
    @classmethod
    def _keywords(cls, values: list[str]) -> list[str]:
        words = [normalize(v) for v in values]
        if any(not w for w in words):
            raise ValueError("keywords must not be empty")
        return words

    @field_validator("channels")
    @classmethod
    def _channels(cls, values: list[str]) -> list[str]:
        return [v.strip().lower() for v in values]

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return None if value is None else check_regex(value)

    @model_validator(mode="after")
    def _has_condition(self) -> Rule:
        if not (self.all_of or self.any_of or self.regex):
            raise ValueError(f"rule {self.id!r} needs at least one of all_of, any_of or regex")
        if self.action == "boost" and self.boost <= 0.0:
            raise ValueError(f"boost rule {self.id!r} needs a boost above 0")
        return self

    def matches(self, text: str, channel: str | None) -> bool:
        """Whether the rule fires on a normalised text arriving on `channel`."""
        if not self.enabled:
            return False
        if self.channels and (channel or "").lower() not in self.channels:
            return False
        if any(w in text for w in self.none_of):
            return False
        if not all(w in text for w in self.all_of):
            return False
        if self.any_of and not any(w in text for w in self.any_of):
            return False
        return self.regex is None or _compiled(self.regex).search(text) is not None


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(pattern)
    return compiled


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """What the fired rules ask for: a forced class (highest priority wins) and boosts per class."""

    fired: list[Rule]
    forced: Rule | None
    boosts: dict[str, float]


class RuleSet:
    """An immutable, ordered set of rules (highest priority first)."""

    def __init__(self, rules: list[Rule]) -> None:
        ids = [r.id for r in rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule ids: {', '.join(duplicates)}")
        self.rules = sorted(rules, key=lambda r: (-r.priority, r.id))

    def apply(self, text: str, channel: str | None) -> RuleOutcome:
        fired = [r for r in self.rules if r.matches(text, channel)]
        forced = next((r for r in fired if r.action == "force"), None)
        boosts: dict[str, float] = {}
        for r in fired:
            if r.action == "boost":
                boosts[r.class_id] = boosts.get(r.class_id, 0.0) + r.boost
        return RuleOutcome(fired, forced, boosts)
