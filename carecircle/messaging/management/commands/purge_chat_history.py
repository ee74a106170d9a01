from typing import Any

from django.core.management.base import BaseCommand

from carecircle.messaging.actions.rooms import purge_chat_history


class Command(BaseCommand):
    help = (
        "Delete chat room messages older than their room's retention period. The scheduler "
        "(run_scheduler) runs this hourly; running it again deletes nothing more."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_chat_history()
        self.stdout.write(f"{count} expired chat message(s) deleted.")
