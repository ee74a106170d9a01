from datetime import timedelta

from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "carecircle.journal"
    label = "journal"
    verbose_name = "Health journal"

    def ready(self) -> None:
        from carecircle.core.schedule import register

        # Community figures are never computed per request: a task refreshes them, and a
        # figure a few hours old tells a community as much as a fresh one.
        register(
            "journal.compute_insights",
            every=timedelta(hours=6),
            task="carecircle.journal.tasks.compute_all_insights_task",
        )
