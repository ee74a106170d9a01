"""Measure search quality: recall@10 of the evaluation queries, in a throwaway database."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection


class Command(BaseCommand):
    help = (
        "Load the evaluation corpus into a new, temporary database, run every evaluation "
        "query through search as a member of every community, and print recall@10 per query "
        "type, full-text only and (when the model is installed) with embeddings. Your own "
        "database is not touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the full report as JSON.")
        parser.add_argument(
            "--misses", action="store_true", help="Also list each query that missed a topic."
        )
        parser.add_argument(
            "--no-embeddings",
            action="store_true",
            help="Only the full-text run, even when the model is installed.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from carecircle.search.eval import runner

        old_name = connection.settings_dict["NAME"]
        # The test database machinery gives a fresh, migrated database (in memory on SQLite)
        # and drops it afterwards, so the corpus never mixes with real content.
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            reports = runner.run_evaluation(
                with_embeddings=False if options["no_embeddings"] else None
            )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        if options["json"]:
            self.stdout.write(json.dumps([report.as_dict() for report in reports], indent=2))
            return
        self.stdout.write(runner.format_table(reports))
        if not runner.embeddings_available() and not options["no_embeddings"]:
            self.stdout.write("(embeddings: the optional sentence model is not installed)")
        if options["misses"]:
            for report in reports:
                self.stdout.write(runner.format_misses(report))
