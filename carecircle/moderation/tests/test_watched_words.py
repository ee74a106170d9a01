"""Watched words: matching, actions and the checks made before a rule is saved."""

from __future__ import annotations

import json

import pytest

from carecircle.moderation.screening import (
    WatchedOutcome,
    WatchedRule,
    apply_watched_words,
    pattern_problem,
)
from carecircle.moderation.screening.text import DATA_DIR

SPAM = WatchedRule(1, "buy now", False, "block", "", "No adverts, please.")
CURE = WatchedRule(2, "cure*", False, "flag", "", "")
LINK = WatchedRule(3, r"bit\.ly/\w+", True, "require_approval", "", "")
SWEAR = WatchedRule(4, "damn", False, "replace", "d***", "")
CAFE = WatchedRule(5, "café", False, "flag", "", "")


def test_plain_words_match_whole_words_case_insensitively():
    assert apply_watched_words("DAMN it", [SWEAR]).text == "d*** it"
    assert apply_watched_words("damnation", [SWEAR]).text == "damnation"


def test_multi_word_phrase_matches_across_any_whitespace():
    outcome = apply_watched_words("Great deal, BUY\n  NOW!", [SPAM])
    assert outcome == WatchedOutcome(
        text="Great deal, BUY\n  NOW!", blocked_by=SPAM, approval_by=[], flagged_by=[]
    )


def test_wildcard_matches_word_endings_only():
    assert apply_watched_words("it cured me", [CURE]).flagged_by == [CURE]
    assert apply_watched_words("it cures", [CURE]).flagged_by == [CURE]
    assert apply_watched_words("secure it", [CURE]).flagged_by == []


def test_unicode_words_are_whole_words():
    assert apply_watched_words("Meet at the Café.", [CAFE]).flagged_by == [CAFE]
    assert apply_watched_words("cafés", [CAFE]).flagged_by == []


def test_regex_rules_and_every_action_together():
    outcome = apply_watched_words("damn, cures here: bit.ly/xyz buy now", [SPAM, CURE, LINK, SWEAR])
    assert outcome == WatchedOutcome(
        text="d***, cures here: bit.ly/xyz buy now",
        blocked_by=SPAM,
        approval_by=[LINK],
        flagged_by=[CURE],
    )


def test_first_blocking_rule_is_reported():
    other = WatchedRule(6, "order now", False, "block", "", "Second")
    outcome = apply_watched_words("order now or buy now", [other, SPAM])
    assert outcome.blocked_by == other


def test_replacement_does_not_create_a_match_for_other_rules():
    to_spam = WatchedRule(7, "cheap", False, "replace", "buy now", "")
    outcome = apply_watched_words("cheap pills", [to_spam, SPAM])
    assert outcome.text == "buy now pills"
    assert outcome.blocked_by is None


def test_nothing_matched_leaves_the_text_alone():
    assert apply_watched_words("hello", [SPAM, CURE]) == WatchedOutcome(text="hello")


@pytest.mark.parametrize(
    ("pattern", "is_regex", "problem"),
    [
        ("", False, "Enter a word, phrase or pattern."),
        ("   ", True, "Enter a word, phrase or pattern."),
        ("x" * 201, False, "Keep the pattern to 200 characters or fewer."),
        ("**", False, "A pattern of only wildcards would match every post."),
        (
            "[abc",
            True,
            "This is not a valid regular expression: unterminated character set at position 0.",
        ),
        ("a|", True, "This pattern also matches empty text, so it would match every post."),
    ],
)
def test_pattern_problems(pattern, is_regex, problem):
    assert pattern_problem(pattern, is_regex=is_regex) == problem


@pytest.mark.parametrize("pattern", [r"(a+)+", r"(\w+\s?)*$", r"(?:x*y*)+z", r"(a|b)\1"])
def test_catastrophic_patterns_are_refused(pattern):
    assert pattern_problem(pattern, is_regex=True).startswith(
        "This pattern repeats a repeated part"
    )


@pytest.mark.parametrize(
    ("pattern", "is_regex"),
    [
        ("buy now", False),
        ("cure*", False),
        (r"bit\.ly/\w+", True),
        (r"\bfree\s+(?:pills|meds)\b", True),
    ],
)
def test_good_patterns_pass(pattern, is_regex):
    assert pattern_problem(pattern, is_regex=is_regex) is None


def test_starter_list_is_valid_and_has_the_keys_the_data_migration_reads():
    rows = json.loads((DATA_DIR / "starter_watched_words.json").read_text("utf-8"))
    assert len(rows) >= 40
    for row in rows:
        assert set(row) == {"pattern", "is_regex", "action", "replacement", "message"}
        assert row["action"] in {"block", "require_approval", "flag", "replace"}
        assert pattern_problem(row["pattern"], is_regex=row["is_regex"]) is None
        if row["action"] == "block":
            assert row["message"]
    rules = [WatchedRule(number, **row) for number, row in enumerate(rows, 1)]
    outcome = apply_watched_words("DM me for the cure, or BUY NOW with bitcoin investment", rules)
    assert outcome.blocked_by is not None and outcome.blocked_by.pattern == "buy now"
    assert [rule.pattern for rule in outcome.approval_by] == ["dm me for the cure"]
    assert apply_watched_words("My nurse says there is no cure yet.", rules) == WatchedOutcome(
        text="My nurse says there is no cure yet."
    )
