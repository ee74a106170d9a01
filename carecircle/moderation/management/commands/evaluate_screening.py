from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from carecircle.moderation.screening import screen_text
from carecircle.moderation.screening.evaluation import (
    HOLDOUTS,
    SCREENS,
    measure,
    mixed_posts,
    throughput,
)


class Command(BaseCommand):
    help = (
        "Measure the crisis and misinformation screens against their held-out evaluation sets "
        "(precision, recall, F1, counts) and time screen_text over a mix of realistic posts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--verbose-texts",
            "--list",
            dest="list_errors",
            action="store_true",
            help="List the texts each screen got wrong.",
        )
        parser.add_argument(
            "--posts", type=int, default=10_000, help="How many posts to time (default 10000)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Django's own --verbosity 2 (-v 2) also lists the mistakes.
        list_errors = options["list_errors"] or options["verbosity"] >= 2
        self.stdout.write(
            f"{'screen':<16}{'set':<34}{'precision':>10}{'recall':>8}{'F1':>7}"
            f"{'TP':>6}{'FP':>5}{'FN':>5}{'TN':>5}{'texts':>7}"
        )
        measurements = [measure(screen) for screen in SCREENS] + [
            measure(screen, filename=filename) for screen, filename in HOLDOUTS
        ]
        for result in measurements:
            self.stdout.write(
                f"{result.screen:<16}{result.data:<34}{result.precision:>10.3f}{result.recall:>8.3f}"
                f"{result.f1:>7.3f}{result.true_positives:>6}{result.false_positives:>5}"
                f"{result.false_negatives:>5}{result.true_negatives:>5}{result.total:>7}"
            )
        if list_errors:
            for result in measurements:
                self.stdout.write(f"\n{result.data}: missed ({len(result.missed)})")
                for example in result.missed:
                    self.stdout.write(f"  - {example.text}")
                self.stdout.write(f"{result.data}: false alarms ({len(result.false_alarms)})")
                for example, findings in result.false_alarms:
                    labels = ", ".join(
                        f"{finding.label}: {finding.matched!r}" for finding in findings
                    )
                    self.stdout.write(f"  + {example.text}  [{labels}]")
        posts = mixed_posts(options["posts"])
        screen_text(posts[0])  # load and compile the phrase files outside the timing
        per_second, seconds = throughput(screen_text, posts)
        average = sum(len(post) for post in posts) / len(posts)
        self.stdout.write(
            f"\nscreen_text: {len(posts)} posts (average {average:.0f} characters) in "
            f"{seconds:.2f} s = {per_second:,.0f} posts/s"
        )
