"""Watched words: moderators' own words and patterns, and what happens when a post uses them.

Plain words match case-insensitively as whole words (Unicode-aware, so "café" is one word);
several words match across any whitespace; `*` stands for any letters ("cure*" matches "cures",
"cured"). Regular-expression rules are matched as written, case-insensitively. Rules are
checked by `pattern_problem` when they are saved, which refuses patterns that could stall the
server on a long post (nested repeats such as "(a+)+").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

try:  # Python 3.11+ keeps the regular-expression parser here.
    import re._parser as regex_parser
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse as regex_parser  # type: ignore[no-redef]

BLOCK = "block"
REQUIRE_APPROVAL = "require_approval"
FLAG = "flag"
REPLACE = "replace"
ACTIONS = (BLOCK, REQUIRE_APPROVAL, FLAG, REPLACE)

MAX_PATTERN_LENGTH = 200


@dataclass(frozen=True)
class WatchedRule:
    """One watched word or pattern (a plain copy of a WatchedWord row, so no database here)."""

    pk: int
    pattern: str
    is_regex: bool
    action: str
    replacement: str = ""
    message: str = ""


@dataclass
class WatchedOutcome:
    """What the rules did to a text: the text after replacements and the rules that matched."""

    text: str
    blocked_by: WatchedRule | None = None
    approval_by: list[WatchedRule] = field(default_factory=list)
    flagged_by: list[WatchedRule] = field(default_factory=list)


def plain_to_regex(pattern: str) -> str:
    """A plain word or phrase as a whole-word, whitespace-tolerant regular expression."""
    parts = []
    for word in pattern.strip().split():
        pieces = [re.escape(piece) for piece in word.split("*")]
        parts.append(r"\w*".join(pieces))
    body = r"\s+".join(parts)
    # Whole words, but a pattern that starts or ends with punctuation ("$$$") still matches.
    return rf"(?<!\w){body}(?!\w)"


@lru_cache(maxsize=2048)
def compile_rule(pattern: str, is_regex: bool) -> re.Pattern[str] | None:
    """The compiled pattern (cached across posts), or None when it cannot be compiled."""
    source = pattern if is_regex else plain_to_regex(pattern)
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error:
        return None


def apply_watched_words(text: str, rules: Iterable[WatchedRule]) -> WatchedOutcome:
    """Match every rule against `text`; replace rules rewrite the returned text.

    Matching is done on the text as the member wrote it, so a replacement cannot hide a blocked
    word or create one. The first blocking rule (in the order given) is the one reported.
    """
    outcome = WatchedOutcome(text=text)
    replacements: list[tuple[re.Pattern[str], WatchedRule]] = []
    for rule in rules:
        compiled = compile_rule(rule.pattern, rule.is_regex)
        if compiled is None or compiled.search(text) is None:
            continue
        if rule.action == BLOCK:
            if outcome.blocked_by is None:
                outcome.blocked_by = rule
        elif rule.action == REQUIRE_APPROVAL:
            outcome.approval_by.append(rule)
        elif rule.action == FLAG:
            outcome.flagged_by.append(rule)
        elif rule.action == REPLACE:
            replacements.append((compiled, rule))
    for compiled, rule in replacements:
        # A function, not a template: a replacement like \1 or "£5" is inserted literally.
        outcome.text = compiled.sub(_literal(rule.replacement), outcome.text)
    return outcome


def _literal(replacement: str) -> Callable[[re.Match[str]], str]:
    def replace(_found: re.Match[str]) -> str:
        return replacement

    return replace


def _is_unbounded_repeat(op: Any, args: Any) -> bool:
    return op in (regex_parser.MAX_REPEAT, regex_parser.MIN_REPEAT) and (
        args[1] == regex_parser.MAXREPEAT or args[1] > 100
    )


def _has_repeat(items: Any) -> bool:
    for op, args in items:
        if _is_unbounded_repeat(op, args):
            return True
        if any(_has_repeat(child) for child in _children(op, args)):
            return True
    return False


def _children(op: Any, args: Any) -> list[Any]:
    if op in (regex_parser.MAX_REPEAT, regex_parser.MIN_REPEAT, regex_parser.POSSESSIVE_REPEAT):
        return [args[2]]
    if op == regex_parser.SUBPATTERN:
        return [args[3]]
    if op == regex_parser.BRANCH:
        return list(args[1])
    if op in (regex_parser.ASSERT, regex_parser.ASSERT_NOT):
        return [args[1]]
    return []


def _has_nested_repeat(items: Any) -> bool:
    """True for a repeat inside a repeat, the usual cause of catastrophic backtracking."""
    for op, args in items:
        if _is_unbounded_repeat(op, args) and _has_repeat(args[2]):
            return True
        if any(_has_nested_repeat(child) for child in _children(op, args)):
            return True
    return False


def _has_backreference(items: Any) -> bool:
    for op, args in items:
        if op in (regex_parser.GROUPREF, regex_parser.GROUPREF_EXISTS):
            return True
        if any(_has_backreference(child) for child in _children(op, args)):
            return True
    return False


def pattern_problem(pattern: str, *, is_regex: bool) -> str | None:
    """Why `pattern` cannot be saved as a watched word (translated), or None when it is fine."""
    if not pattern or not pattern.strip():
        return _("Enter a word, phrase or pattern.")
    if len(pattern) > MAX_PATTERN_LENGTH:
        return _("Keep the pattern to %(limit)d characters or fewer.") % {
            "limit": MAX_PATTERN_LENGTH
        }
    if not is_regex:
        if not pattern.replace("*", "").strip():
            return _("A pattern of only wildcards would match every post.")
        return None
    try:
        parsed = regex_parser.parse(pattern, re.IGNORECASE)
    except re.error as error:
        return _("This is not a valid regular expression: %(error)s.") % {"error": str(error)}
    if _has_nested_repeat(parsed.data) or _has_backreference(parsed.data):
        return _(
            "This pattern repeats a repeated part (like “(a+)+”) or refers back to itself, "
            "which can make checking a long post very slow. Simplify it."
        )
    if re.compile(pattern, re.IGNORECASE).search("") is not None:
        return _("This pattern also matches empty text, so it would match every post.")
    return None
