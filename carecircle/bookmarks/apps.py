from datetime import timedelta

from django.apps import AppConfig


class BookmarksConfig(AppConfig):
    name = "carecircle.bookmarks"
    label = "bookmarks"
    verbose_name = "Bookmarks"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from carecircle.bookmarks.notices import describe_reminder
        from carecircle.core.schedule import register
        from carecircle.notifications.kinds import NotificationKind, register_kind
        from carecircle.notifications.presenters import SENTENCES

        # In the bell only by default: the member set the reminder, an email is opt-in. The
        # bell line is required so that muting the topic does not swallow a reminder the member
        # asked for; to stop it they remove the reminder (or the bookmark).
        register_kind(
            NotificationKind(
                "bookmark_reminder",
                _("Reminders I set on my bookmarks"),
                _("A reminder you set on a bookmark is due"),
                required=frozenset({"in_app"}),
            )
        )
        SENTENCES["bookmark_reminder"] = describe_reminder

        # Reminders are set to the minute; five minutes late is close enough for "remind me".
        register(
            "bookmarks.send_reminders",
            every=timedelta(minutes=5),
            task="carecircle.bookmarks.tasks.send_bookmark_reminders_task",
        )
