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
        # Written after the last round of phrase changes and never tuned against: lower, honest.
        ("crisis", "crisis_holdout.jsonl", 0.90, 0.40),
        ("misinformation", "misinformation_holdout.jsonl", 0.95, 0.83),
    ],
)
def test_screens_meet_their_floors(screen, filename, min_precision, min_recall):
    result = measure(screen, filename=filename)
    assert result.precision >= min_precision
    assert result.recall >= min_recall


def test_holdout_sets_are_separate_from_the_evaluation_sets():
    for screen, filename in HOLDOUTS.items():
        evaluation = {example.text for example in load_examples(SCREENS[screen][0])}
        holdout = {example.text for example in load_examples(filename)}
        assert evaluation.isdisjoint(holdout)


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
    assert "screen_text: 200 posts" in text
    assert "posts/s" in text
