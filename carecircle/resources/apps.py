from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "carecircle.resources"
    label = "resources"
    verbose_name = "Resource library"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

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
