from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "carecircle.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        # Stream handlers for private conversations and chat rooms (carecircle.core.realtime).
        from carecircle.messaging import streams  # noqa: F401
