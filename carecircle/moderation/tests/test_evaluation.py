"""Regression floors for the screens, measured on the labelled sets in screening/data/.

The floors sit a little below the numbers measured when they were set (see docs/screening.md);
a change to the phrase files that loses recall or precision fails here.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from carecircle.moderation.screening.evaluation import (
    HOLDOUTS,
    SCREENS,
    load_examples,
    measure,
    mixed_posts,
)
from carecircle.moderation.tests.test_screening_crisis import FLAGGED, NOT_FLAGGED


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_evaluation_sets_are_large_and_balanced(screen):
    examples = load_examples(SCREENS[screen][0])
    assert len(examples) >= 200
    assert sum(example.label for example in examples) == len(examples) // 2
    assert len({example.text for example in examples}) == len(examples)


@pytest.mark.parametrize(
    ("screen", "filename", "min_precision", "min_recall"),
    [
        ("crisis", "crisis_evaluation.jsonl", 0.95, 0.93),
        ("misinformation", "misinformation_evaluation.jsonl", 0.95, 0.93),
        # Hold-out sets, never tuned against: lower, honest. The crisis sets were measured at
        # 0.920/0.767 and 0.982/0.900 after the second round of phrase changes (docs/screening.md).
        ("crisis", "crisis_holdout.jsonl", 0.90, 0.73),
        ("crisis", "crisis_holdout_2.jsonl", 0.93, 0.85),
        ("misinformation", "misinformation_holdout.jsonl", 0.95, 0.83),
    ],
)
def test_screens_meet_their_floors(screen, filename, min_precision, min_recall):
    result = measure(screen, filename=filename)
    assert result.precision >= min_precision
    assert result.recall >= min_recall


# Two short, common wordings in crisis_holdout_2.jsonl were written independently but turned out
# word for word the same as evaluation-set texts; the set is kept as measured (docs/screening.md
# gives its figures with and without them). No other repeat is allowed.
KNOWN_REPEATS = {
    "crisis_holdout_2.jsonl": {
        "By the time anyone reads this I'll be gone.",
        "I don't want to be alive anymore.",
    },
}


def test_holdout_sets_are_separate_from_the_evaluation_sets_and_each_other():
    seen: dict[str, set[str]] = {
        screen: {example.text for example in load_examples(filename)}
        for screen, (filename, _function) in SCREENS.items()
    }
    for screen, filename in HOLDOUTS:
        holdout = {example.text for example in load_examples(filename)}
        assert seen[screen] & holdout == KNOWN_REPEATS.get(filename, set())
        seen[screen] |= holdout


def test_second_crisis_holdout_is_balanced_and_has_no_repeats():
    examples = load_examples("crisis_holdout_2.jsonl")
    assert len(examples) == 120
    assert sum(example.label for example in examples) == 60
    assert len({example.text for example in examples}) == 120


def test_second_crisis_holdout_does_not_repeat_the_development_examples():
    holdout = {example.text for example in load_examples("crisis_holdout_2.jsonl")}
    development = {text for text, _label in FLAGGED} | set(NOT_FLAGGED)
    assert holdout.isdisjoint(development)


def test_mixed_posts_are_reproducible():
    assert mixed_posts(50) == mixed_posts(50)
    assert len(mixed_posts(50)) == 50


def test_command_prints_the_table_the_mistakes_and_throughput():
    out = StringIO()
    call_command("evaluate_screening", "--list", "--posts", "200", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0].split() == [
        "screen",
        "set",
        "precision",
        "recall",
        "F1",
        "TP",
        "FP",
        "FN",
        "TN",
        "texts",
    ]
    assert "crisis_evaluation.jsonl: missed (" in text
    assert "misinformation_holdout.jsonl: false alarms (" in text
    assert "crisis_holdout_2.jsonl: missed (" in text
    assert "screen_text: 200 posts" in text
    assert "posts/s" in text
