"""Write the OpenAPI schema to a file, or check that the checked-in copy is current."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from carecircle.api.api import api


def schema_text() -> str:
    return (
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1"), indent=2, sort_keys=True) + "\n"
    )


class Command(BaseCommand):
    help = (
        "Export the API's OpenAPI schema (--output FILE) or fail if FILE is stale (--check FILE)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", help="Write the schema here.")
        parser.add_argument("--check", help="Compare against this file; fail on drift.")

    def handle(self, *args: Any, output: str | None = None, check: str | None = None, **_: Any):
        text = schema_text()
        if check:
            path = Path(check)
            if not path.exists() or path.read_text() != text:
                raise CommandError(
                    f"{check} is out of date with the API. Run `make openapi` and commit it."
                )
            self.stdout.write(f"{check} matches the API.")
        elif output:
            Path(output).write_text(text)
            self.stdout.write(f"Wrote {output}.")
        else:
            self.stdout.write(text)
