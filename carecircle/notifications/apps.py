from datetime import timedelta

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "carecircle.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from carecircle.core.schedule import register

        # Emails wait a few minutes (a member who is online reads the bell instead); this job
        # sends the ones whose wait is over, one email per member, outside their quiet hours.
        register(
            "notifications.send_due_emails",
            every=timedelta(minutes=1),
            task="carecircle.notifications.tasks.send_due_emails_task",
        )
        # Digests go out at the member's local morning; hourly finds whose morning it is.
        register(
            "notifications.send_digests",
            every=timedelta(hours=1),
            task="carecircle.notifications.tasks.send_digests_task",
        )
        # Each delivered chunk of an event leaves a claim so a retried task delivers it once;
        # after two weeks no retry can come, and the claims go.
        register(
            "notifications.purge_delivery_claims",
            every=timedelta(days=1),
            task="carecircle.notifications.tasks.purge_delivery_claims_task",
        )
