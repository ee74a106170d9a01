from typing import Any

from django.core.management.base import BaseCommand, CommandError

from carecircle.core.audit import verify_chain


class Command(BaseCommand):
    help = "Check that no audit event was changed, removed or inserted; exit 1 if one was."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.is_intact:
            raise CommandError(
                f"Audit chain broken at event {report.broken_at}: {report.reason} "
                f"({report.checked} events checked).",
                returncode=1,
            )
        self.stdout.write(f"Audit chain intact: {report.checked} events checked.")
