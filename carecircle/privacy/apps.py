from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "carecircle.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app's privacy_export.py registers its models for data export and erasure.
        autodiscover_modules("privacy_export")
