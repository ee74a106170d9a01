from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "carecircle.privacy"
    label = "privacy"
    verbose_name = "Privacy"
