from datetime import timedelta

from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "carecircle.journal"
    label = "journal"
    verbose_name = "Health journal"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from carecircle.core.schedule import register
        from carecircle.journal.notices import describe_share
        from carecircle.notifications.kinds import NotificationKind, register_kind
        from carecircle.notifications.presenters import SENTENCES

        # In the bell by default; email and push say only "shared with you", never what.
        register_kind(
            NotificationKind(
                "journal_share",
                _("Someone shares part of their journal with me"),
                _("Someone shared part of their health journal with you"),
                email=True,
            )
        )
        SENTENCES["journal_share"] = describe_share

        # Community figures are never computed per request: a task refreshes them, and a
        # figure a few hours old tells a community as much as a fresh one.
        register(
            "journal.compute_insights",
            every=timedelta(hours=6),
            task="carecircle.journal.tasks.compute_all_insights_task",
        )
