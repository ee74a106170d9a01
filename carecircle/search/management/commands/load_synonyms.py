"""Add the synonym groups of data/synonyms.txt that the database does not hold yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carecircle.search.synonyms import SYNONYM_FILE, load_synonym_file


class Command(BaseCommand):
    help = (
        "Add the groups of the synonyms file that share no word or phrase with a group already "
        "present. Groups admins changed or switched off are left as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", type=Path, default=SYNONYM_FILE, help="Another file in the same format."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            added = load_synonym_file(options["file"])
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Added {added} synonym group(s).")
