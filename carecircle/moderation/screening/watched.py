r"""Watched words: moderators' own words and patterns, and what happens when a post uses them.

Plain words match case-insensitively as whole words (Unicode-aware, so "café" is one word);
several words match across any whitespace; `*` stands for any letters ("cure*" matches "cures",
"cured"). Regular-expression rules are matched as written, case-insensitively.

Python's `re` cannot be interrupted, so a pattern that backtracks catastrophically would stall
the server on one long post. The defence is strict validation: `pattern_problem` refuses, when
a rule is saved and again whenever stored rules are loaded, any repeated group that holds an
alternation ("(a|a)+") or another quantifier ("(a+)+", "(a?){9}"), back-references, and
repeats of overlapping characters next to each other ("\w*\w*"). As a second line, regular
expressions search the text in overlapping windows of bounded length, so what a pattern that
slipped through costs is bounded by the window, not the post.
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
# Regular expressions search windows of this many characters, each overlapping the next by
# WINDOW_OVERLAP (a watched phrase is far shorter), and replace in segments cut at whitespace.
MATCH_WINDOW = 2000
WINDOW_OVERLAP = 200


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
        # "**" is one wildcard: two side by side would backtrack over the same letters.
        word = re.sub(r"\*+", "*", word)
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


def _windows(text: str) -> Iterable[str]:
    if len(text) <= MATCH_WINDOW:
        yield text
        return
    step = MATCH_WINDOW - WINDOW_OVERLAP
    for start in range(0, len(text), step):
        yield text[start : start + MATCH_WINDOW]
        if start + MATCH_WINDOW >= len(text):
            return


def _segments(text: str) -> list[str]:
    """`text` cut into pieces of at most about MATCH_WINDOW characters, at whitespace where
    there is some, which joined again give `text` back."""
    pieces = []
    rest = text
    while len(rest) > MATCH_WINDOW:
        cut = max(rest.rfind(" ", 0, MATCH_WINDOW), rest.rfind("\n", 0, MATCH_WINDOW))
        if cut <= 0:
            cut = MATCH_WINDOW
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def _search(compiled: re.Pattern[str], rule: WatchedRule, text: str) -> bool:
    if not rule.is_regex:
        # Plain words compile to simple patterns (literals and single \w* gaps): linear.
        return compiled.search(text) is not None
    return any(compiled.search(window) is not None for window in _windows(text))


def _replace(compiled: re.Pattern[str], rule: WatchedRule, text: str) -> str:
    # A function, not a template: a replacement like \1 or "£5" is inserted literally.
    replace = _literal(rule.replacement)
    if not rule.is_regex:
        return compiled.sub(replace, text)
    return "".join(compiled.sub(replace, segment) for segment in _segments(text))


def apply_watched_words(text: str, rules: Iterable[WatchedRule]) -> WatchedOutcome:
    """Match every rule against `text`; replace rules rewrite the returned text.

    Matching is done on the text as the member wrote it, so a replacement cannot hide a blocked
    word or create one. The first blocking rule (in the order given) is the one reported.
    Rules that fail today's safety checks are skipped (the loader logs them).
    """
    outcome = WatchedOutcome(text=text)
    replacements: list[tuple[re.Pattern[str], WatchedRule]] = []
    for rule in rules:
        if not is_safe(rule.pattern, rule.is_regex):
            continue
        compiled = compile_rule(rule.pattern, rule.is_regex)
        if compiled is None or not _search(compiled, rule, text):
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
        outcome.text = _replace(compiled, rule, outcome.text)
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


def _is_repeat(op: Any) -> bool:
    return op in (
        regex_parser.MAX_REPEAT,
        regex_parser.MIN_REPEAT,
        regex_parser.POSSESSIVE_REPEAT,
    )


def _contains(items: Any, wanted: Callable[[Any, Any], bool]) -> bool:
    for op, args in items:
        if wanted(op, args):
            return True
        if any(_contains(child, wanted) for child in _children(op, args)):
            return True
    return False


def _has_nested_repeat(items: Any) -> bool:
    """True for a quantifier inside a repeated group ("(a+)+", "(a?){9}") or an alternation
    inside one ("(a|a)+", "(ab|a)*"): the shapes of catastrophic backtracking."""
    for op, args in items:
        if _is_repeat(op) and args[1] > 1:
            body = args[2]
            if _contains(body, lambda o, _a: _is_repeat(o) or o == regex_parser.BRANCH):
                return True
        if any(_has_nested_repeat(child) for child in _children(op, args)):
            return True
    return False


_CATEGORY_SOURCE = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}
# Characters tried when asking whether two character classes overlap: Latin, Greek, Cyrillic,
# and a few that only match case-insensitively or as Unicode digits and spaces.
_PROBE = "".join(chr(code) for code in range(0x500)) + "\u00a0\u2028\u0660\u212a\u017f\u3000"


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _single_char_source(items: Any) -> str | None:
    """A one-character pattern equivalent to `items`, or None when it is not one character."""
    while len(items) == 1 and items[0][0] == regex_parser.SUBPATTERN:
        items = items[0][1][3]
    if len(items) != 1:
        return None
    op, args = items[0]
    if op == regex_parser.LITERAL:
        return _char(args)
    if op == regex_parser.NOT_LITERAL:
        return f"[^{_char(args)}]"
    if op == regex_parser.ANY:
        return "(?s:.)"
    if op == regex_parser.IN:
        parts, negate = [], False
        for inner_op, inner in args:
            if inner_op == regex_parser.NEGATE:
                negate = True
            elif inner_op == regex_parser.LITERAL:
                parts.append(_char(inner))
            elif inner_op == regex_parser.RANGE:
                parts.append(f"{_char(inner[0])}-{_char(inner[1])}")
            elif inner_op == regex_parser.CATEGORY and str(inner) in _CATEGORY_SOURCE:
                parts.append(_CATEGORY_SOURCE[str(inner)])
            else:
                return None
        return "[" + ("^" if negate else "") + "".join(parts) + "]"
    return None


def _overlap(first: str | None, second: str | None) -> bool:
    """Whether two one-character patterns share a character (unknown shapes: assume so)."""
    if first is None or second is None:
        return True
    one = re.compile(first, re.IGNORECASE)
    two = re.compile(second, re.IGNORECASE)
    return any(one.fullmatch(char) and two.fullmatch(char) for char in _PROBE)


def _has_adjacent_overlapping_repeats(items: Any) -> bool:
    r"""True for unbounded repeats of shared characters side by side ("\w*\w*", ".*\s*x"),
    optional parts between them included: each split of a run is tried in turn."""
    previous: str | None = None
    has_previous = False
    for op, args in items:
        if _is_unbounded_repeat(op, args):
            source = _single_char_source(args[2])
            if has_previous and _overlap(previous, source):
                return True
            previous, has_previous = source, True
        elif not (_is_repeat(op) and args[0] == 0):
            previous, has_previous = None, False
    return any(
        _has_adjacent_overlapping_repeats(child)
        for op, args in items
        for child in _children(op, args)
    )


def _has_backreference(items: Any) -> bool:
    for op, args in items:
        if op in (regex_parser.GROUPREF, regex_parser.GROUPREF_EXISTS):
            return True
        if any(_has_backreference(child) for child in _children(op, args)):
            return True
    return False


@lru_cache(maxsize=2048)
def is_safe(pattern: str, is_regex: bool) -> bool:
    """Whether a rule passes today's checks (cached: rules are checked on every post)."""
    return pattern_problem(pattern, is_regex=is_regex) is None


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
            "This pattern repeats a repeated part or a choice (like “(a+)+” or “(a|b)+”), or "
            "refers back to itself, which can make checking a long post very slow. Simplify "
            "it, for example with a character class like “[ab]+”."
        )
    if _has_adjacent_overlapping_repeats(parsed.data):
        return _(
            "This pattern has repeats of the same characters side by side (like “\\w*\\w*”), "
            "which can make checking a long post very slow. Use one repeat instead."
        )
    if re.compile(pattern, re.IGNORECASE).search("") is not None:
        return _("This pattern also matches empty text, so it would match every post.")
    return None
