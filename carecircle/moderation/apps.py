from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "carecircle.moderation"
    label = "moderation"
    verbose_name = "Moderation"
