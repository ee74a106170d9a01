from typing import Any

from django.core.management.base import BaseCommand

from carecircle.privacy.actions import delete_expired_exports


class Command(BaseCommand):
    help = "Delete data export files past their expiry date (run daily, e.g. from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = delete_expired_exports()
        self.stdout.write(f"{count} expired data export(s) deleted.")
