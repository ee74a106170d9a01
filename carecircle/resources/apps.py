from datetime import timedelta

from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "carecircle.resources"
    label = "resources"
    verbose_name = "Resource library"

    def ready(self) -> None:
        from django.db.models.signals import post_delete
        from django.utils.translation import gettext_lazy as _

        from carecircle.core.schedule import register
        from carecircle.notifications.kinds import NotificationKind, register_kind
        from carecircle.notifications.presenters import SENTENCES
        from carecircle.resources.notices import describe_review

        # In the bell only: a review is worth knowing, not worth an email by default.
        register_kind(
            NotificationKind(
                "resource_reviewed",
                _("My library suggestions are reviewed"),
                _("Your library suggestion was reviewed"),
            )
        )
        SENTENCES["resource_reviewed"] = describe_review

        # Link previews go stale slowly; the task fetches again those older than a month,
        # a bounded batch per run (see tasks.refresh_previews_task).
        register(
            "resources.refresh_previews",
            every=timedelta(days=7),
            task="carecircle.resources.tasks.refresh_previews_task",
        )

        # Citation rows also go by cascade (a post deleted, a member's posts erased): the
        # stored count is recounted whenever one goes, so it never drifts.
        from carecircle.resources.citations import citation_deleted
        from carecircle.resources.models import ResourceCitation

        post_delete.connect(
            citation_deleted,
            sender=ResourceCitation,
            dispatch_uid="resources.citation_deleted",
        )
