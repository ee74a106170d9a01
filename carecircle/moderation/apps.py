from datetime import timedelta

from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "carecircle.moderation"
    label = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from carecircle.core.schedule import register

        # Suspensions end by their date (checks compare ends_at), so only trust needs a job.
        register(
            "moderation.recompute_trust_levels",
            every=timedelta(days=1),
            task="carecircle.moderation.tasks.recompute_trust_levels_task",
        )
        # Connects the sign-in receiver that marks reviewers in the session (header link).
        from carecircle.moderation import context_processors  # noqa: F401
