from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "carecircle.discussions"
    label = "discussions"
    verbose_name = "Discussions"

    def ready(self) -> None:
        # The live topic page's stream handler (carecircle.core.realtime).
        from carecircle.discussions import streams  # noqa: F401
