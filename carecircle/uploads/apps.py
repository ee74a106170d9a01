from datetime import timedelta

from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "carecircle.uploads"
    label = "uploads"
    verbose_name = "Uploads"

    def ready(self) -> None:
        from carecircle.core.schedule import register

        # Uploads chosen in a form that was never sent, or let go by an edit, are removed
        # after CARECIRCLE_UPLOAD_UNATTACHED_HOURS; an hourly pass keeps the delay close to it.
        register(
            "uploads.cleanup",
            every=timedelta(hours=1),
            task="carecircle.uploads.tasks.cleanup_uploads_task",
        )
