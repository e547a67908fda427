"""Regular expressions an administrator may give a rule: short, and without catastrophic backtracking (ReDoS)."""

from __future__ import annotations

import re
import warnings

with warnings.catch_warnings():  # regexploit reads patterns with the standard library's (deprecated) sre modules
    warnings.simplefilter("ignore", DeprecationWarning)
    from regexploit.ast.sre import SreOpParser
    from regexploit.redos import find

MAX_REGEX_CHARS = 200


class RegexRefused(ValueError):
    """A rule's regular expression is refused; `code` names the message in the catalogue."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code, self.params = code, params


def check_regex(pattern: str) -> str:
    """The pattern if it compiles, is at most MAX_REGEX_CHARS long and cannot backtrack catastrophically."""
    if len(pattern) > MAX_REGEX_CHARS:
        raise RegexRefused("rule_regex_too_long", f"regular expression longer than {MAX_REGEX_CHARS} characters",
                           limit=MAX_REGEX_CHARS)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise RegexRefused("rule_bad_regex", f"invalid regular expression {pattern!r}: {exc}") from None
    if _nested_repeat(pattern) or any(True for _ in find(SreOpParser().parse_sre(pattern))):
        raise RegexRefused("rule_regex_backtracks", f"regular expression {pattern!r} can backtrack catastrophically")
    return pattern


_REPEATS = ("MAX_REPEAT", "MIN_REPEAT")


def _nested_repeat(pattern: str) -> bool:
    """An unbounded repeat of nothing but another unbounded repeat ("(a*)*", "(a|b+)+"): exponential in Python's
    engine, and not among the forms regexploit searches for."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_parse
    endless = sre_parse.MAXREPEAT

    def bare(items: list) -> bool:  # type: ignore[type-arg]
        """Whether `items` is a single unbounded repeat, inside groups or as one alternative of a branch."""
        if len(items) != 1:
            return False
        op, arg = items[0]
        if str(op) in _REPEATS:
            return arg[1] == endless
        if str(op) == "SUBPATTERN":
            return bare(list(arg[-1]))
        return str(op) == "BRANCH" and any(bare(list(alt)) for alt in arg[1])

    def walk(items: list) -> bool:  # type: ignore[type-arg]
        for op, arg in items:
            name = str(op)
            if name in _REPEATS:
                if arg[1] == endless and bare(list(arg[2])):
                    return True
                if walk(list(arg[2])):
                    return True
            elif name == "SUBPATTERN" and walk(list(arg[-1])):
                return True
            elif name == "BRANCH" and any(walk(list(alt)) for alt in arg[1]):
                return True
            elif name in ("ASSERT", "ASSERT_NOT") and walk(list(arg[1])):
                return True
        return False

    return walk(list(sre_parse.parse(pattern)))
