"""Measuring the screens against labelled texts (used by `manage.py evaluate_screening`).

data/*_evaluation.jsonl (200 texts each) were written apart from the phrase lists and measured
blind once; one round of fixes for whole kinds of wording followed, so they are no longer fully
unseen. data/*_holdout.jsonl (60 texts each) were written after that round and are not to be
tuned against; data/crisis_holdout_2.jsonl (120 texts) was written before the second round of
crisis changes. The unit tests use their own, smaller development examples. See docs/screening.md.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from carecircle.moderation.screening.crisis import screen_crisis
from carecircle.moderation.screening.findings import Finding, ScreeningResult
from carecircle.moderation.screening.misinformation import screen_misinformation
from carecircle.moderation.screening.text import DATA_DIR, load_word_list

SCREENS: dict[str, tuple[str, Callable[[str], list[Finding]]]] = {
    "crisis": ("crisis_evaluation.jsonl", screen_crisis),
    "misinformation": ("misinformation_evaluation.jsonl", screen_misinformation),
}
# (screen, file) pairs, in the order the command prints them. crisis_holdout_2.jsonl (120 texts)
# was written before the second round of crisis phrase changes and measured before and after it.
HOLDOUTS: tuple[tuple[str, str], ...] = (
    ("crisis", "crisis_holdout.jsonl"),
    ("crisis", "crisis_holdout_2.jsonl"),
    ("misinformation", "misinformation_holdout.jsonl"),
)


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    text: str
    label: bool
    note: str = ""


@dataclass
class Measurement:
    """Confusion counts for one screen and the texts it got wrong."""

    screen: str
    data: str = ""
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    missed: list[Example] = field(default_factory=list)
    false_alarms: list[tuple[Example, list[Finding]]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        positives = self.true_positives + self.false_negatives
        return self.true_positives / positives if positives else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    @property
    def total(self) -> int:
        return (
            self.true_positives + self.false_positives + self.false_negatives + self.true_negatives
        )


def load_examples(filename: str) -> list[Example]:
    """Read a JSON-lines file of {"text", "label", "note"?} from data/."""
    examples = []
    for line in (DATA_DIR / filename).read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(
                Example(text=row["text"], label=bool(row["label"]), note=row.get("note", ""))
            )
    return examples


def measure(screen: str, *, filename: str = "") -> Measurement:
    """Run one screen over a labelled set (its evaluation set by default) and count."""
    default_filename, function = SCREENS[screen]
    filename = filename or default_filename
    result = Measurement(screen=screen, data=filename)
    for example in load_examples(filename):
        findings = function(example.text)
        if findings and example.label:
            result.true_positives += 1
        elif findings:
            result.false_positives += 1
            result.false_alarms.append((example, findings))
        elif example.label:
            result.false_negatives += 1
            result.missed.append(example)
        else:
            result.true_negatives += 1
    return result


_PERSONAL_DETAIL_POSTS = (
    "Happy to chat, my number is 07911 123456 if you want to call.",
    "Email me on jo.bloggs@example.com and I'll send the leaflet.",
    "We moved to 14 Acacia Avenue last year, near the hospital.",
    "My BP was 135/85 this morning and my sugar 7.8 after 500mg metformin.",
    "Appointment on 12/03/2025 at 10:30, room 4.",
    "My NHS number is 943 476 5919, is that needed for the referral?",
    "Diagnosed in 2009, HbA1c down from 64 to 48 since then.",
)


def mixed_posts(count: int, *, seed: int = 5) -> list[str]:
    """`count` realistic posts: mostly everyday ones, some hard negatives, claims, distress and
    personal details (roughly the mix a busy community sees, weighted towards trouble)."""
    everyday = list(load_word_list("everyday_posts.txt"))
    hard_negatives = [
        example.text
        for filename, _screen in SCREENS.values()
        for example in load_examples(filename)
        if not example.label
    ]
    positives = [
        example.text
        for filename, _screen in SCREENS.values()
        for example in load_examples(filename)
        if example.label
    ]
    pools = (
        (everyday, 0.70),
        (hard_negatives, 0.15),
        (positives, 0.10),
        (list(_PERSONAL_DETAIL_POSTS), 0.05),
    )
    generator = random.Random(seed)
    posts = []
    for _number in range(count):
        # Real posts are often longer than one sentence: join one to three.
        parts = []
        for _part in range(generator.randint(1, 3)):
            pool = generator.choices([pool for pool, _weight in pools], [w for _p, w in pools])[0]
            parts.append(generator.choice(pool))
        posts.append(" ".join(parts))
    return posts


def throughput(
    screen_text: Callable[[str], ScreeningResult], posts: list[str]
) -> tuple[float, float]:
    """(posts per second, seconds) for running `screen_text` over `posts`."""
    started = time.perf_counter()
    for post in posts:
        screen_text(post)
    elapsed = time.perf_counter() - started
    return (len(posts) / elapsed if elapsed else float("inf")), elapsed
