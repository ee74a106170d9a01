from typing import Any

from django.core.management.base import BaseCommand

from carecircle.core.crypto import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the newest key in CARECIRCLE_FIELD_KEYS. "
        "Safe to run on a live site and to run again after an interruption."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        seen: dict[str, int] = {}

        def progress(model: Any, rows: int) -> None:
            label = model._meta.label
            seen[label] = seen.get(label, 0) + rows
            self.stdout.write(f"{label}: {seen[label]} rows checked")

        changed = rotate_all(batch_size=options["batch_size"], progress=progress)
        self.stdout.write(f"Done: {changed} value(s) re-encrypted under the newest key.")
